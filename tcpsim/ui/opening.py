"""Open a file named in the app: a scenario (TOML) or a capture (pcap, pcapng), told apart by content,
or a packetdrill script (``.pkt``), told by its name.

The app's load dialog takes any path a user types, so everything that can go wrong with a path
ends here as one :class:`OpenError` whose message names the file and says what is wrong: the
scenario loader's and the capture reader's own messages where they have one, and ours for what
only an interactive app must refuse (a pipe that would block it, a capture too big to step
through). The app shows the message as a notification and keeps the session it had.

The capture package (and dpkt with it) is imported only when a capture is opened, so that the
app's start-up does not pay for it.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from ..i18n import _
from ..scenario import Scenario, ScenarioError, load_file

if TYPE_CHECKING:
    from ..capture import ImportResult
    from ..packetdrill.session import ScriptSession
    from ..scenario.view import SessionProtocol
    from .census_actions import CensusSource

CAPTURE_MAGICS: frozenset[bytes] = frozenset(
    {
        b"\xd4\xc3\xb2\xa1",  # pcap, little-endian, microseconds
        b"\xa1\xb2\xc3\xd4",  # pcap, big-endian, microseconds
        b"\x4d\x3c\xb2\xa1",  # pcap, little-endian, nanoseconds
        b"\xa1\xb2\x3c\x4d",  # pcap, big-endian, nanoseconds
        b"\x0a\x0d\x0d\x0a",  # pcapng section header
    }
)
"""The first four bytes of every capture the reader accepts (tcpsim.capture.reader checks the same).
Kept here so that telling a capture from a scenario does not import the reader and dpkt."""

CAPTURE_SUFFIXES: frozenset[str] = frozenset({".pcap", ".pcapng", ".cap", ".dmp"})
"""Names that announce a capture: such a file goes to the capture reader even when its first bytes
are wrong, so that the message says what a capture should start with, not what TOML expects."""

SCRIPT_SUFFIX = ".pkt"
"""A packetdrill script is told by its name, as ``tcpsim run`` tells it (its text could be anything)."""

MAX_SCRIPT_BYTES = 4 * 1024 * 1024
"""As a scenario: a script is text a person wrote, read whole while the user waits."""

MAX_CAPTURE_BYTES = 8 * 1024 * 1024
"""The app reads and observes a capture while the user waits: about 2 s for 8 MiB. A bigger one is
refused with a hint to cut it (a scenario has its own 4 MiB limit in the loader)."""


class OpenError(Exception):
    """A file that cannot be opened in the app. ``str()`` is the whole message, starting with the file."""


@dataclass(frozen=True, slots=True)
class Opened:
    """What a path held: exactly one of a scenario, an imported capture (one conversation), the
    census of a capture of several, or a packetdrill script."""

    scenario: Scenario | None = None
    capture: ImportResult | None = None
    census: CensusSource | None = None
    """Not read yet: the census screen reads it, with its progress shown."""
    script: ScriptSession | None = None


def user_path(text: str) -> Path:
    """The path a user typed, with ``~`` expanded when it can be (``~nobody`` is left as typed:
    :meth:`Path.expanduser` raises for an unknown user, and a typo must not end the app)."""
    path = Path(text)
    try:
        return path.expanduser()
    except RuntimeError:
        return path


def looks_like_capture(path: Path) -> bool:
    """Whether ``path`` should go to the capture reader: its magic bytes, else its name.

    The content decides first, so that a capture saved as ``trace.bin`` opens, and a scenario
    saved as ``x.pcap`` by mistake is reported by the capture reader, which names the bytes it found.
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(4)
    except (OSError, ValueError):
        head = b""  # the loader that gets the path reports why it cannot be read
    return head in CAPTURE_MAGICS or path.suffix.lower() in CAPTURE_SUFFIXES


def open_path(path: Path, stack: str | None = None, defines: tuple[str, ...] = ()) -> Opened:
    """Read ``path`` as a scenario, a capture (its census when it holds several conversations) or a
    packetdrill script (``-D`` ``defines``),
    played or observed by ``stack`` if given. Raises :class:`OpenError` for any problem."""
    name = str(path)
    try:
        info: os.stat_result | None = path.stat()
    except (FileNotFoundError, NotADirectoryError):
        info = None  # the loader says "no such file" in its own words
    except OSError as exc:  # a name too long, a loop of links, a directory that may not be searched
        raise OpenError(_cannot_read(name, exc)) from None
    except ValueError:  # a NUL character: no file can have that name
        message = _("{file}: not a possible file name (it contains a NUL character)")
        raise OpenError(message.format(file=name)) from None
    if info is not None and not (stat.S_ISREG(info.st_mode) or stat.S_ISDIR(info.st_mode)):
        # A pipe with no writer would block the app forever, and a device can be endless.
        message = _("{file}: not a regular file (a device, a pipe or a socket): open a scenario or capture file")
        raise OpenError(message.format(file=name))
    if path.suffix.lower() == SCRIPT_SUFFIX:
        if info is not None and info.st_size > MAX_SCRIPT_BYTES:
            message = _("{file}: too large for a packetdrill script ({size} MiB)")
            raise OpenError(message.format(file=name, size=f"{info.st_size / 2**20:.1f}"))
        return Opened(script=_script(path, stack or "rfc9293", defines))
    if looks_like_capture(path):
        if info is not None and info.st_size > MAX_CAPTURE_BYTES:
            message = _(
                "{file}: the capture is too large to open in the app ({size} MiB; at most {limit} MiB): "
                "cut it to the connection you want first, e.g. tcpdump -r {name} -w small.pcap 'tcp port PORT'"
            )
            size, limit = f"{info.st_size / 2**20:.1f}", MAX_CAPTURE_BYTES // 2**20
            raise OpenError(message.format(file=name, size=size, limit=limit, name=path.name))
        return _capture(path, stack or "rfc9293")
    try:
        scenario = load_file(path)
        if stack is not None:
            from ..scenario.runner import with_stack

            scenario = with_stack(scenario, stack)
        return Opened(scenario=scenario)
    except ScenarioError as exc:
        raise OpenError(str(exc)) from None
    except OSError as exc:  # the loader lets a few odd ones through (e.g. a path that changed under it)
        raise OpenError(_cannot_read(name, exc)) from None


def _cannot_read(name: str, exc: OSError) -> str:
    return _("{file}: cannot read it ({reason})").format(file=name, reason=exc.strerror or exc)


def _capture(path: Path, stack: str) -> Opened:
    from ..capture import CaptureError, import_capture, several_conversations
    from ..capture.notes import DEFAULT_MSL
    from .census_actions import CensusSource

    try:
        if several_conversations(path):
            return Opened(census=CensusSource(str(path), DEFAULT_MSL, stack))
        return Opened(capture=import_capture(path, stack=stack))
    except CaptureError as exc:
        raise OpenError(str(exc)) from None
    except OSError as exc:
        raise OpenError(_cannot_read(str(path), exc)) from None


def _script(path: Path, stack: str, defines: tuple[str, ...]) -> ScriptSession:
    from ..packetdrill.model import ScriptError
    from ..packetdrill.session import open_script

    try:
        return open_script(path, stack, defines)
    except ScriptError as exc:
        raise OpenError(str(exc)) from None


def open_session(
    name: str | None, stack: str | None = None, defines: tuple[str, ...] = ()
) -> SessionProtocol | CensusSource:
    """The session ``tcpsim [FILE|NAME] [--stack NAME] [-D NAME]...`` opens: the sandbox, a bundled
    scenario, or a scenario, capture or packetdrill script file; or, for a capture of several
    conversations, their census to open on. :class:`OpenError` for any problem."""
    from ..scenario.session import Session

    if name is None:
        session = Session()
        if stack is not None:
            session.restack(stack)  # the sandbox, settled at t = 0 (its server listening), as that stack
        return session
    if name.lower().endswith(SCRIPT_SUFFIX):
        opened = open_path(user_path(name), stack, defines)
        assert opened.script is not None
        return opened.script
    from ..scenario import resolve

    try:
        path = resolve(name)
        if path.suffix.lower() in CAPTURE_SUFFIXES:
            opened = open_path(path, stack)
            if opened.census is not None:
                return opened.census
            if opened.capture is not None:
                from ..capture.session import ImportSession

                return ImportSession(opened.capture)
        scenario = load_file(path)  # the loader's own words for what is wrong, as `tcpsim run` says them
    except ScenarioError as exc:
        raise OpenError(str(exc)) from None
    if stack is not None:
        from ..scenario.runner import with_stack

        scenario = with_stack(scenario, stack)
    return Session(scenario)
