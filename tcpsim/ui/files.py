"""The app's file commands: load a scenario or a capture (``l``), save the session (``w``), export
a pcap (``p``). A mixin of :class:`~tcpsim.ui.app.TcpsimApp`, kept apart so that the app stays a
dispatcher.

Every problem is a notification that names the file and says what is wrong, and the session is
left exactly as it was. Messages are shown without markup: they quote file names and content.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from .i18n import tr

if TYPE_CHECKING:
    from textual.app import App

    from ..scenario.view import SessionProtocol

    _Base = App[None]
else:
    _Base = object


def _stem(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-") or "session"


class FileActions(_Base):
    """Load, save and export, for an app that has a ``session`` and a ``publish()``."""

    session: SessionProtocol
    playing: bool

    def publish(self) -> None:  # pragma: no cover - the app's
        raise NotImplementedError

    def action_load(self) -> None:
        from .screens.load import LoadScenario

        def done(path: Path | None) -> None:
            if path is not None:
                self.load_path(path)

        self.push_screen(LoadScenario(), done)

    def load_path(self, path: Path) -> bool:
        """Open a scenario or a capture (told apart by its first bytes) in place of the current session.

        Nothing is replaced until the file has been read and checked in full.
        """
        from .opening import OpenError, open_path

        try:
            opened = open_path(path)
            if opened.capture is not None:
                from ..capture.session import ImportSession

                session: SessionProtocol = ImportSession(opened.capture)
            else:
                from ..scenario.session import Session

                assert opened.scenario is not None
                session = Session(opened.scenario)
        except OpenError as exc:
            self.notify(str(exc), title="Cannot load", severity="error", timeout=10, markup=False)
            return False
        except Exception as exc:  # a reader's bug must not take the app, and the user's session, with it
            message = f"{path}: cannot be opened ({type(exc).__name__}: {exc})"
            self.notify(message, title="Cannot load", severity="error", timeout=10, markup=False)
            return False
        self.playing = False
        self.session = session
        scenario = session.scenario
        self.notify(
            f"{scenario.summary}\n{tr('loaded', name=scenario.name)} i: the whole story.", timeout=8, markup=False
        )
        if opened.capture is not None and len(opened.capture.conversations) > 1:
            count = len(opened.capture.conversations)
            self.notify(
                f"{path}: {count} TCP conversations; showing stream 0 (tcpsim import {path} --stream N for another)",
                severity="warning",
                timeout=10,
                markup=False,
            )
        self.publish()
        return True

    def action_save(self) -> None:
        from .screens.dialogs import Prompt

        def done(text: str | None) -> None:
            if not text:
                return
            from .opening import user_path  # ~nosuchuser must not end the app

            path = user_path(text)
            try:
                path.write_text(self.session.to_toml(), encoding="utf-8")
            except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
                self._cannot_write(path, exc, "Cannot save")
                return
            self.notify(tr("saved", path=str(path)), markup=False)  # a typed path is not markup

        self.push_screen(Prompt(tr("save_prompt"), f"{_stem(self.session.scenario.name)}-saved.toml"), done)

    def _cannot_write(self, path: Path, exc: Exception, title: str) -> None:
        """A file the user named could not be written: say which and why, and carry on."""
        self.notify(f"{path}: {getattr(exc, 'strerror', None) or exc}", title=title, severity="error", markup=False)

    def action_export_pcap(self) -> None:
        from .screens.dialogs import Prompt

        def done(text: str | None) -> None:
            if not text:
                return
            from ..export.pcap import write_pcap  # dpkt and the exporters load when first needed
            from .opening import user_path  # ~nosuchuser must not end the app

            path = user_path(text)
            view = self.session.view
            try:
                count = write_pcap(list(view.trace.records[: view.trace.length]), self.session.scenario, path)
            except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
                self._cannot_write(path, exc, "Cannot export")
                return
            self.notify(
                f"{count} packets written to {path} (captured at the sender): open it in Wireshark.", markup=False
            )

        self.push_screen(
            Prompt("Export the segments so far as a pcap file", f"{_stem(self.session.scenario.name)}.pcap"), done
        )
