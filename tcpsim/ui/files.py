"""The app's file commands: load a scenario or a capture (``l``), save the session (``w``), export
a pcap (``p``). A mixin of :class:`~tcpsim.ui.app.TcpsimApp`, kept apart so that the app stays a
dispatcher.

Every path comes from the app's file policy (``self.files``, tcpsim.ui.access): what the load
dialog lists, what a typed name means, and whether a save is a file or a download in the browser.

Every problem is a notification that names the file and says what is wrong, and the session is
left exactly as it was. Messages are shown without markup: they quote file names and content.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..i18n import _, ngettext

if TYPE_CHECKING:
    from textual.app import App

    from ..scenario.view import SessionProtocol
    from .access import Local
    from .census_actions import CensusSource

    _Base = App[None]
else:
    _Base = object


def _stem(name: str) -> str:
    return "".join(c if c.isalnum() else "-" for c in name.lower()).strip("-") or "session"


class FileActions(_Base):
    """Load, save and export, for an app that has a ``session`` and a ``publish()``."""

    session: SessionProtocol
    playing: bool
    files: Local
    _packets = 0

    def publish(self) -> None:  # pragma: no cover - the app's
        raise NotImplementedError

    if TYPE_CHECKING:  # the app's (CensusActions), after this class in its bases

        def open_census(self, source: CensusSource, *, leave: bool = True) -> None: ...

        def forget_census(self) -> None: ...

    def action_load(self) -> None:
        from .screens.load import LoadScenario

        def done(chosen: Path | str | None) -> None:
            if isinstance(chosen, str):  # a name typed in the dialog: the policy says which file, if any
                from .access import AccessError

                try:
                    chosen = self.files.load_path(chosen)
                except AccessError as exc:
                    self.notify(str(exc), title=_("Cannot load"), severity="error", timeout=10, markup=False)
                    return
            if chosen is not None:
                self.load_path(chosen)

        self.push_screen(LoadScenario(self.files), done)

    def load_path(self, path: Path) -> bool:
        """Open a scenario or a capture (told apart by its first bytes) in place of the current session.

        Nothing is replaced until the file has been read and checked in full.
        """
        from .opening import OpenError, open_path

        try:
            opened = open_path(path)
            if opened.census is not None:
                # Several conversations: their census, over the session the user has (escape comes back to it).
                self.open_census(opened.census)
                return True
            if opened.capture is not None:
                from ..capture.session import ImportSession

                session: SessionProtocol = ImportSession(opened.capture)
            elif opened.script is not None:
                session = opened.script
            else:
                from ..scenario.session import Session

                assert opened.scenario is not None
                session = Session(opened.scenario)
        except OpenError as exc:
            self.notify(str(exc), title=_("Cannot load"), severity="error", timeout=10, markup=False)
            return False
        except Exception as exc:  # a reader's bug must not take the app, and the user's session, with it
            message = _("{file}: cannot be opened ({error})").format(file=path, error=f"{type(exc).__name__}: {exc}")
            self.notify(message, title=_("Cannot load"), severity="error", timeout=10, markup=False)
            return False
        self.forget_census()
        self.playing = False
        self.session = session
        scenario = session.scenario
        loaded = _("Loaded “{name}”. Press space to play or n to step. i: the whole story.").format(
            name=_(scenario.name)
        )
        summary = _(scenario.summary)  # a bundled scenario's summary is a message of the catalogue
        self.notify(f"{summary}\n{loaded}" if summary else loaded, timeout=8, markup=False)
        self.publish()
        return True

    def action_save(self) -> None:
        name = f"{_stem(self.session.scenario.name)}-saved.toml"
        if self.files.downloads:
            self._download(name, lambda: self.session.to_toml(), _("Cannot save"))
            return

        def done(path: Path) -> None:
            saved = _("Saved to {path}: `tcpsim run {path}` replays it.").format(path=path)
            self._write(path, lambda: self.session.to_toml(), _("Cannot save"), saved)

        rewound = self.session.view.progress.rewound
        note = ""
        if rewound:  # in the past: what lies ahead on this branch is saved too, as redo would replay it
            note = ngettext(
                "You are {n} event back: the whole branch is saved, that event ahead included.",
                "You are {n} events back: the whole branch is saved, those events ahead included.",
                rewound,
            ).format(n=rewound)
        self._ask_path(_("Save the session as a scenario file"), name, _("Cannot save"), done, note)

    def action_export_pcap(self) -> None:
        name = f"{_stem(self.session.scenario.name)}.pcap"
        if self.files.downloads:
            self._download(name, self._pcap_bytes, _("Cannot export"))
            return
        self._ask_path(
            _("Export the segments so far as a pcap file"),
            name,
            _("Cannot export"),
            lambda path: self._write(path, self._pcap_bytes, _("Cannot export"), None),
        )

    def _ask_path(self, question: str, default: str, title: str, then: Callable[[Path], None], note: str = "") -> None:
        """Ask for a file name (where the policy keeps files, if it says) and hand ``then`` the path
        the policy makes of it; a name it refuses is a notification. ``note``: said under the question."""
        from .access import AccessError
        from .screens.dialogs import Prompt

        def done(text: str | None) -> None:
            if text:
                try:
                    path = self.files.save_path(text)
                except AccessError as exc:
                    self.notify(str(exc), title=title, severity="error", timeout=10, markup=False)
                    return
                then(path)

        where = self.files.where()
        asked = _("{question} ({where})").format(question=question, where=where) if where else question
        self.push_screen(Prompt(asked, default, note), done)

    def _download(self, name: str, make: Callable[[], str | bytes], title: str) -> None:
        """Hand the file to the browser as a download (a served session: nothing is written here)."""
        import io

        try:
            data = make()
        except (OSError, ValueError) as exc:  # PcapError: a segment no IPv4 packet can carry
            self._cannot_write(Path(name), exc, title)
            return
        payload = data.encode("utf-8") if isinstance(data, str) else data
        self.deliver_binary(io.BytesIO(payload), save_filename=name, open_method="download")
        self.notify(_("{file}: sent to your browser as a download.").format(file=name), markup=False)

    def _pcap_bytes(self) -> bytes:
        """The session's segments so far as a pcap (raises PcapError for a segment no packet can carry)."""
        import io

        from ..export.pcap import write_pcap  # dpkt and the exporters load when first needed

        view = self.session.view
        buffer = io.BytesIO()
        count = write_pcap(list(view.trace.records[: view.trace.length]), self.session.scenario, buffer)
        self._packets = count
        return buffer.getvalue()

    def _write(self, path: Path, make: Callable[[], str | bytes], title: str, said: str | None) -> None:
        """Write what ``make`` returns to ``path`` atomically, asking before replacing a file, and
        asking twice as plainly before replacing the scenario file this session was loaded from.

        Every refusal is a notification that names the file and says why; nothing is changed then.
        """
        from ..files import WouldOverwrite, WouldOverwriteInput, WriteError, write_atomically
        from .screens.dialogs import Confirm

        loaded = self.session.scenario.path
        try:
            data = make()
        except (OSError, ValueError) as exc:  # PcapError: a segment no IPv4 packet can carry
            self._cannot_write(path, exc, title)  # the file was not touched
            return

        def write(overwrite: bool, inputs: tuple[Path | None, ...]) -> None:
            try:
                written = write_atomically(path, data, overwrite=overwrite, inputs=inputs)
            except WouldOverwriteInput:
                question = _(
                    "{path} is the scenario this session was loaded from. Replace it with what was done?"
                ).format(path=path)
                self.push_screen(Confirm(question), lambda yes: write(True, ()) if yes else None)
            except WouldOverwrite:
                question = _("{path} exists. Replace it? (the old file is lost)").format(path=path)
                self.push_screen(Confirm(question), lambda yes: write(True, inputs) if yes else None)
            except (WriteError, OSError, ValueError) as exc:  # ValueError: a NUL in the name
                self._cannot_write(path, exc, title)
            else:
                packets = ngettext(
                    "{n} packet written to {file} (captured at the sender): open it in Wireshark.",
                    "{n} packets written to {file} (captured at the sender): open it in Wireshark.",
                    self._packets,
                ).format(n=self._packets, file=written)
                self.notify(said or packets)

        write(False, (loaded,))

    def _cannot_write(self, path: Path, exc: Exception, title: str) -> None:
        """A file the user named could not be written: say which and why, and carry on."""
        reason = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or str(exc)
        self.notify(f"{path}: {reason}", title=title, severity="error")
