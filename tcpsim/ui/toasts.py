"""The app's toasts: shown as written, broken as Chinese breaks, one copy of each, and withdrawn
once the present they describe is past. A mixin of :class:`~tcpsim.ui.app.TcpsimApp`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.notifications import Notify, SeverityLevel

from ..scenario.view import SessionProtocol, View
from ..wrapping import cell_width, wrap
from .words import safe

if TYPE_CHECKING:
    from textual.app import App

    _Base = App[None]
else:
    _Base = object

TOAST_WIDTH, TOAST_FRAME = 60, 3
"""Textual's toast: at most 60 columns (or half the screen), 3 of them its frame and padding."""


class Toasts(_Base):
    """Notifications for an app with a ``session``; ``publish`` calls :meth:`_withdraw_stale`."""

    session: SessionProtocol
    _present_toasts: list[tuple[str, Callable[[View], bool]]]
    """Toasts that describe the present, as shown, each with what must hold for it to stay true."""

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = False,
    ) -> None:
        """Textual's notify, where every message is shown as written: never read as markup (messages
        quote file names, notes and data), and whatever a terminal would act on escaped. Lines are
        broken here as Chinese breaks (tcpsim.wrapping), at the toast's width: Rich breaks only at
        spaces, and a Chinese sentence would leave a near-empty line."""
        super().notify(self._toast_text(message), title=safe(title), severity=severity, timeout=timeout, markup=False)

    def _toast_text(self, message: str) -> str:
        """A message as its toast shows it: escaped, and, when it holds wide (CJK) characters, broken
        at the toast's width. Text of spaces alone is left to Rich, which breaks it as well, and
        keeps the message one line that the tests and a screen reader can find whole."""
        text = safe(message)
        width = min(TOAST_WIDTH, self.size.width // 2) - TOAST_FRAME
        if width <= 0 or cell_width(text) == len(text):
            return text
        return "\n".join(wrap(text, width))

    def notify_while(self, message: str, holds: Callable[[View], bool], **how: Any) -> None:
        """A toast that describes the present ("the next segment will be dropped", "nothing more
        will happen"): :meth:`publish` withdraws it at the first view where ``holds`` is false,
        or it would go on saying "the connection is open and idle" beside a closing one."""
        text = self._toast_text(message)
        self._present_toasts = [entry for entry in self._present_toasts if entry[0] != text]  # shown once
        self._present_toasts.append((text, holds))
        self.notify(message, **how)

    def _withdraw(self, stale: Callable[[str], bool]) -> None:
        """Take down the toasts whose text is ``stale``, and forget the present they described."""
        for shown in list(self._notifications):
            if stale(shown.message):
                self._unnotify(shown)
        self._present_toasts = [(text, holds) for text, holds in self._present_toasts if not stale(text)]

    def _withdraw_stale(self, view: View) -> None:
        """The toasts of :meth:`notify_while` whose present is past, taken down."""
        if self._present_toasts:
            self._withdraw(lambda text: any(text == shown and not holds(view) for shown, holds in self._present_toasts))

    def _on_notify(self, event: Notify) -> None:
        """A message already on screen is shown once: the copy replaces it (and its timeout starts again)."""
        new = event.notification
        for old in list(self._notifications):
            if (old.message, old.title, old.severity) == (new.message, new.title, new.severity):
                self._unnotify(old, refresh=False)
        super()._on_notify(event)
