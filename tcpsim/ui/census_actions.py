"""The app's side of the census screen: open it, show a conversation it picked, come back to it.

A mixin of :class:`~tcpsim.ui.app.TcpsimApp`. The census screen (:mod:`.screens.census`) is
installed in the app, so that popping it keeps it whole (its table, sort, filter and selection):
enter there hands the app a session for one conversation, the app shows it in the two-endpoint
view, and escape there pushes the same census screen again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from ..i18n import _

if TYPE_CHECKING:
    from textual.app import App

    from ..scenario.view import SessionProtocol
    from .screens.census import CensusScreen

    _Base = App[None]
else:
    _Base = object

CENSUS = "census"
"""The census screen's name among the app's installed screens."""


class CensusSource(NamedTuple):
    """A capture to open on its census: ``tcpsim import FILE`` with its ``--msl`` and ``--stack``."""

    path: str
    msl: float
    stack: str


class CensusActions(_Base):
    """The census of a capture over the two-endpoint view, for an app with a ``session``."""

    session: SessionProtocol
    playing: bool
    _census: CensusScreen | None = None

    def publish(self) -> None:  # pragma: no cover - the app's
        raise NotImplementedError

    def open_census(self, source: CensusSource, *, leave: bool = True) -> None:
        """Read ``source``'s census and show it (``leave``: escape may go back to the session the
        app has now; False when the app was opened on the census)."""
        from .screens.census import CensusScreen

        self.forget_census()
        self.playing = False
        screen = CensusScreen(source.path, msl=source.msl, stack=source.stack, leave=leave)
        self._census = screen
        self.install_screen(screen, CENSUS)
        self.push_screen(CENSUS)

    def forget_census(self) -> None:
        """Another file was opened: escape no longer goes back to the last capture's census."""
        census, self._census = self._census, None
        self._census_key(False)
        if census is not None and census not in self.screen_stack:
            census.collector.cancel.set()
            self.uninstall_screen(CENSUS)
            census.remove()

    def show_conversation(self, session: SessionProtocol, title: str) -> None:
        """The census picked a conversation: the two-endpoint view shows it from its first packet."""
        self.playing = False
        self.session = session
        if self._census is not None and self.screen is self._census:
            self.pop_screen()
        self.publish()
        self._census_key(True)
        self.notify(_("{title}\nescape: back to the census").format(title=title), timeout=8)

    def _census_key(self, shown: bool) -> None:
        """The footer names escape while it goes back to a census."""
        from .widgets.footer import KeyBar

        home = self.screen_stack[0] if self.screen_stack else self.screen
        for bar in home.query(KeyBar):
            bar.show_extra(frozenset({"census"}) if shown else frozenset())

    def action_census(self) -> None:
        """Escape on the two-endpoint view: back to the census the conversation was opened from."""
        if self._census is None or self.screen is not self.screen_stack[0]:
            return
        self.playing = False
        self.push_screen(CENSUS)
