"""The served app's second wall: a Python audit hook (PEP 578) that refuses every file access the
app's file policy did not make, every new process, and every network connection.

A served session runs tcpsim for someone on the other side of a web page. The app's load and save
dialogs already go through its file policy (``tcpsim.ui.access``), which confines them; this
hook makes the confinement hold even where some code (ours, Textual's, a library's) would open a
file by another road. It is installed first thing in the session's process
(``tcpsim.serve.session``) and cannot be removed: Python offers no way to take a hook back.

What the process may do:

- **read** the files of its own runtime (Python's installation, the virtual environment, every
  folder on ``sys.path``, tcpsim's package and its bundled scenarios), the system's shared data
  (time zones, locales, MIME types: :data:`SYSTEM_READ`, :data:`SYSTEM_FILES`), a few devices
  (``/dev/null``, ``/dev/urandom``, ``/dev/zero``), its own ``/proc/self``, the scenario the teacher
  named on the command line, and the ``--files`` folder;
- **write, create, rename or remove** only inside the ``--files`` folder (nothing at all without it);
- **never** start a program (no shell, no ``subprocess``, no ``exec``, no ``fork``) or connect or bind
  a network socket: the session talks to the server over its standard input and output, nothing else.

A refusal is a :class:`PermissionError` naming the path, raised in the code that tried: the app's
load and save commands turn it into a notification, like any file that cannot be read.

Paths are checked after resolving symbolic links, so a link inside the folder that points out of it
leads nowhere. (An ``open`` relative to a directory descriptor, ``dir_fd``, is not seen with its
directory by the hook; nothing in tcpsim or Textual opens files that way.)
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterable

PathText = str | os.PathLike[str]

SYSTEM_READ = ("/usr/share/zoneinfo", "/usr/share/locale", "/usr/lib/locale", "/usr/share/mime", "/proc/self")
"""Shared system data some libraries read (time zones, locales, MIME types): no user's files."""

SYSTEM_FILES = ("/etc/localtime", "/etc/timezone", "/etc/mime.types")
"""Single system files libraries read; with :data:`mimetypes.knownfiles` (a download's type)."""

DEVICES = ("/dev/null", "/dev/urandom", "/dev/random", "/dev/zero")

WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

PATH_EVENTS_WRITE = {
    # event name -> the indexes of its arguments that are paths it changes
    "os.remove": (0,),
    "os.rmdir": (0,),
    "os.mkdir": (0,),
    "os.rename": (0, 1),
    "os.link": (0, 1),
    "os.symlink": (1,),
    "os.truncate": (0,),
    "os.chmod": (0,),
    "os.chown": (0,),
    "os.utime": (0,),
    "os.chflags": (0,),
    "os.setxattr": (0,),
    "os.removexattr": (0,),
    "shutil.rmtree": (0,),
    "shutil.copyfile": (1,),
    "shutil.copymode": (1,),
    "shutil.copystat": (1,),
    "shutil.move": (1,),
}
PATH_EVENTS_READ = {"os.listdir": (0,), "os.scandir": (0,), "glob.glob": (0,), "shutil.copyfile": (0,)}
REFUSED_EVENTS = {
    "subprocess.Popen": "start a program",
    "os.system": "run a shell command",
    "os.exec": "run a program",
    "os.posix_spawn": "start a program",
    "os.spawn": "start a program",
    "os.fork": "fork the process",
    "os.forkpty": "fork the process",
    "pty.spawn": "start a program",
    "os.startfile": "open a file with a program",
    "webbrowser.open": "open a browser on the server",
    "socket.connect": "open a network connection",
    "socket.bind": "listen on the network",
    "socket.sendto": "send on the network",
}


class Guard:
    """The rules of one served process: where it may read, and where it may write."""

    def __init__(
        self, read: Iterable[PathText], write: Iterable[PathText] = (), files: Iterable[PathText] = ()
    ) -> None:
        self.read_roots = tuple(_real(p) for p in read)
        self.write_roots = tuple(_real(p) for p in write)
        self.read_files = frozenset(_real(p) for p in files)
        self._busy = threading.local()

    # ------------------------------------------------------------------ the rules, without the hook
    def may_read(self, path: str) -> bool:
        real = _real(path)
        return real in self.read_files or real in DEVICES or _under(real, self.read_roots + self.write_roots)

    def may_write(self, path: str) -> bool:
        real = _real(path)
        return real in ("/dev/null",) or _under(real, self.write_roots)

    def check(self, event: str, args: tuple[object, ...]) -> None:
        """Raise PermissionError if ``event`` (an audit event) is not allowed."""
        if event == "open":
            path, _mode, flags = (*args, None, None, None)[:3]
            if isinstance(path, int) or path is None:  # an already open descriptor
                return
            name = _text(path)
            writing = isinstance(flags, int) and bool(flags & WRITE_FLAGS)
            if writing and not self.may_write(name):
                raise PermissionError(13, "this served session may not write there", name)
            if not writing and not self.may_read(name):
                raise PermissionError(13, "this served session may not read there", name)
        elif event in PATH_EVENTS_WRITE:
            for index in PATH_EVENTS_WRITE[event]:
                if index < len(args) and args[index] is not None and not isinstance(args[index], int):
                    name = _text(args[index])
                    if not self.may_write(name):
                        raise PermissionError(13, "this served session may not change files there", name)
        elif event in PATH_EVENTS_READ:
            for index in PATH_EVENTS_READ[event]:
                if index < len(args) and args[index] is not None and not isinstance(args[index], int):
                    name = _text(args[index]) or "."
                    if not self.may_read(name):
                        raise PermissionError(13, "this served session may not list that folder", name)
        elif event in REFUSED_EVENTS:
            if event.startswith("socket.") and _unix_socket(args):
                return
            raise PermissionError(13, f"a served session may not {REFUSED_EVENTS[event]}")

    # ------------------------------------------------------------------ the hook
    def hook(self, event: str, args: tuple[object, ...]) -> None:
        if getattr(self._busy, "on", False):  # the checks themselves (realpath) must not recurse
            return
        self._busy.on = True
        try:
            self.check(event, args)
        finally:
            self._busy.on = False

    def install(self) -> None:
        """Install the hook for the rest of this process's life (it cannot be removed)."""
        sys.addaudithook(self.hook)


def runtime_roots() -> list[str]:
    """The folders this Python reads its own code and data from."""
    import tcpsim
    from tcpsim.scenario.library import scenarios_dir

    roots = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    roots.update(p for p in sys.path if p and os.path.isdir(p))
    roots.add(os.path.dirname(os.path.abspath(tcpsim.__file__)))
    bundled = scenarios_dir()
    if bundled is not None:
        roots.add(str(bundled))
    return sorted(roots)


def _text(path: object) -> str:
    """An audited path argument (str, bytes or path-like) as text."""
    if isinstance(path, str | bytes | os.PathLike):
        return os.fsdecode(path)
    return str(path)


def _real(path: PathText) -> str:
    try:
        return os.path.realpath(os.fspath(path))
    except (OSError, ValueError):
        return os.fspath(path)


def _under(path: str, roots: tuple[str, ...]) -> bool:
    return any(path == root or path.startswith(root.rstrip("/") + "/") for root in roots)


def _unix_socket(args: tuple[object, ...]) -> bool:
    """A socket event on an AF_UNIX socket (asyncio's own wake-up pair), which reaches no network."""
    import socket

    sock = args[0] if args else None
    return isinstance(sock, socket.socket) and sock.family == socket.AF_UNIX


def default_guard(files_dir: PathText | None, scenario_file: PathText | None) -> Guard:
    """The served session's rules: its runtime and the system's shared data to read, the teacher's
    scenario file, and the ``--files`` folder to read and write."""
    import mimetypes

    read = [*runtime_roots(), *SYSTEM_READ]
    write = [files_dir] if files_dir is not None else []
    single = [*SYSTEM_FILES, *mimetypes.knownfiles, *([scenario_file] if scenario_file is not None else [])]
    return Guard(read, write, single)
