"""Where the app's file dialogs may reach: the one place the load and save commands ask.

The app in a terminal belongs to the person at the keyboard: its dialogs take any path
(:class:`Local`). Served to a browser (``tcpsim serve``), the person at the keyboard is a visitor
to someone else's machine, and the app is started with another policy:

- :class:`BundledOnly` (no ``--files``): the load dialog offers the bundled scenarios and takes no
  typed path; saving a scenario or exporting a pcap is a download in the browser;
- :class:`Confined` (``--files DIR``): the load dialog offers the bundled scenarios and the
  scenarios and captures in DIR, and a typed name is read inside DIR; saves and exports are written
  inside DIR. A name that leaves DIR (``..``, an absolute path, a symbolic link out of it) is refused.

The policy is given once, at start-up (:func:`use`, before the app is made), and the app never
reaches a file by any other road. In a served process an audit hook (``tcpsim.serve.guard``) also
refuses any file access outside these places, whoever asks. Nothing here imports Textual.
"""

from __future__ import annotations

import os
from pathlib import Path

from ..i18n import _
from ..scenario import bundled
from .opening import user_path

LOADABLE_SUFFIXES = (".toml", ".pcap", ".pcapng", ".cap")
"""What the load dialog lists from a ``--files`` folder."""


class AccessError(Exception):
    """A path the policy refuses. ``str()`` is the whole message, for a notification."""


class Local:
    """The terminal's policy: the user's own machine, any path they type."""

    typed_paths = True
    """The load dialog takes a typed path (else it offers its list only)."""
    downloads = False
    """Saves and exports are downloads in the browser (else written to a path the user names)."""

    def load_choices(self) -> list[Path]:
        """The files the load dialog lists: the bundled scenarios."""
        return bundled()

    def load_path(self, text: str) -> Path:
        """The file to read for what the user typed (raises :class:`AccessError` if refused)."""
        return user_path(text)

    def save_path(self, text: str) -> Path:
        """The file to write for the name the user typed (raises :class:`AccessError` if refused)."""
        return user_path(text)

    def where(self) -> str:
        """Where saves go, in a few words for the save dialog's title (empty: anywhere)."""
        return ""


class BundledOnly(Local):
    """Served without ``--files``: bundled scenarios in, downloads out, no path from the page."""

    typed_paths = False
    downloads = True

    def load_path(self, text: str) -> Path:
        message = _("{name}: this session opens the bundled scenarios only (the server was started without --files)")
        raise AccessError(message.format(name=text))

    def save_path(self, text: str) -> Path:
        raise AccessError(
            _("{name}: this session saves by downloading to the browser, not on the server").format(name=text)
        )

    def where(self) -> str:
        return _("downloaded by the browser")


class Confined(Local):
    """Served with ``--files DIR``: every load and save inside DIR, by a name relative to it."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(os.path.realpath(root))

    def load_choices(self) -> list[Path]:
        try:
            found = sorted(p for p in self.root.iterdir() if p.suffix.lower() in LOADABLE_SUFFIXES and p.is_file())
        except OSError:
            found = []
        return [*found, *bundled()]  # the teacher's files first

    def load_path(self, text: str) -> Path:
        return self._inside(text)

    def save_path(self, text: str) -> Path:
        return self._inside(text)

    def where(self) -> str:
        return _("in {folder}").format(folder=self.root)

    def _inside(self, text: str) -> Path:
        """``text`` as a name inside the folder, links resolved; refused if it leads out of it."""
        if "\0" in text:
            raise AccessError(
                _("{name}: not a possible file name (it contains a NUL character)").format(name=repr(text))
            )
        candidate = Path(os.path.realpath(self.root / text))
        if candidate != self.root and self.root not in candidate.parents:
            message = _("{name}: outside the folder this session may use ({folder}); give a name inside it")
            raise AccessError(message.format(name=text, folder=self.root))
        if candidate == self.root:
            raise AccessError(_("{name}: that is the folder itself; give a file name inside it").format(name=text))
        return candidate


_current: Local = Local()


def use(policy: Local) -> None:
    """Set the policy the app is made with (once, at start-up: ``tcpsim.serve.session``)."""
    global _current
    _current = policy


def current() -> Local:
    """The policy set at start-up; :class:`Local` unless the process was started to be served."""
    return _current
