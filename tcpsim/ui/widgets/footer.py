"""The key bar at the bottom: the keys a session is driven with, fitted to the width.

One line drawn from the command catalogue (:mod:`tcpsim.ui.commands`), in the catalogue's order.
When the width runs short the spacing tightens first, then the least needed keys step aside
(lowest ``footer`` priority first); ``v``, ``?`` and ``q`` always stay, so that a small terminal
still shows how to change the view, get help and leave. Each key can be clicked. One widget, where
Textual's footer mounts one per key, so it costs start-up next to nothing.
"""

from __future__ import annotations

from rich.cells import cell_len
from textual.content import Content
from textual.events import Resize
from textual.markup import escape
from textual.widgets import Static

from ...i18n import _
from ..commands import COMMANDS, Command


def _palette() -> str:
    return _("^p palette")


class KeyBar(Static):
    """The app's footer: the main keys, each clickable, fitted to the terminal's width."""

    DEFAULT_CSS = """
    KeyBar {
        dock: bottom; height: 1; background: $footer-background; color: $footer-foreground;
        link-color: $footer-foreground; link-background: transparent; link-style: none;
        link-color-hover: $footer-foreground; link-background-hover: $footer-item-background; link-style-hover: bold;
    }
    """

    def __init__(self, width: int = 0, *, read_only: bool = False, **kwargs: object) -> None:
        """``width``: the terminal's, if known, so that the bar is born with its keys (not drawn
        empty, then again with them)."""
        self.extra: frozenset[str] = frozenset()
        """Actions of commands kept out of the footer shown all the same, while they apply (the
        census's escape, once a conversation was opened from it)."""
        self.read_only = read_only
        """The session is a record: the keys that would change what happens are not offered."""
        super().__init__(self.line(width) if width else "", markup=False, **kwargs)  # type: ignore[arg-type]
        self._width = width or -1

    def show_extra(self, actions: frozenset[str]) -> None:
        """Show these commands too (or no longer), whatever the catalogue says of their footer."""
        if actions != self.extra:
            self.extra = actions
            if self._width > 0:
                self.update(self.line(self._width))

    def show_read_only(self, read_only: bool) -> None:
        """Offer the keys that change what happens (``Command.changes``) only where they can."""
        if read_only != self.read_only:
            self.read_only = read_only
            if self._width > 0:
                self.update(self.line(self._width))

    def on_resize(self, event: Resize) -> None:
        if event.size.width != self._width:
            self._width = event.size.width
            self.update(self.line(event.size.width))

    def on_mount(self) -> None:
        self.call_after_refresh(self._fit)

    def _fit(self) -> None:
        if self.size.width and self.size.width != self._width:
            self._width = self.size.width
            self.update(self.line(self.size.width))

    @staticmethod
    def keys_for(
        width: int, extra: frozenset[str] = frozenset(), read_only: bool = False
    ) -> tuple[list[Command], str, bool]:
        """The commands shown at ``width``, the spacing between them, and whether the palette hint fits
        (``extra``: actions shown as well; ``read_only``: without those that change what happens)."""
        shown = [c for c in COMMANDS if (c.footer or c.action in extra) and not (read_only and c.changes)]

        def length(commands: list[Command], gap: str) -> int:
            return sum(len(c.shown_key) + 1 + cell_len(c.title) for c in commands) + len(gap) * (len(commands) - 1) + 1

        palette = cell_len(_palette())
        for gap in ("  ", " "):
            if length(shown, gap) + palette + 2 <= width:
                return shown, gap, True
        for gap in ("  ", " "):
            if length(shown, gap) <= width:
                return shown, gap, False
        by_need = sorted(shown, key=lambda c: c.priority)
        while by_need and length(shown, " ") > width and by_need[0].priority < 100:
            shown.remove(by_need.pop(0))
        return shown, " ", False

    def line(self, width: int) -> Content:
        shown, gap, palette = self.keys_for(width, self.extra, self.read_only)
        keys = gap.join(
            f"[@click=app.{c.action}][b $footer-key-foreground]{c.shown_key}[/] {escape(c.title)}[/]" for c in shown
        )
        markup = " " + keys
        if palette:
            hint = _palette()
            used = 1 + sum(len(c.shown_key) + 1 + cell_len(c.title) for c in shown) + len(gap) * (len(shown) - 1)
            markup += " " * max(1, width - used - cell_len(hint) - 1) + f"[$footer-key-foreground]{escape(hint)}[/]"
        return Content.from_markup(markup)
