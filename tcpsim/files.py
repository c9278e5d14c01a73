"""Writing the user's files so that nothing the user has is lost.

Every file tcpsim writes for a user (a ``--pcap``, a scenario saved with ``w``, a pcap exported
with ``p``) goes through :func:`write_atomically`, which keeps three promises:

- **Atomic.** The bytes go to a temporary file in the same directory, are flushed to the disk,
  and only then renamed over the name: a reader sees the old file or the new one, never half of
  one, and a failed write (a full disk, a signal) leaves the old file as it was.
- **Never over an input.** A path that is one of ``inputs`` (the scenario being run, the capture
  being replayed), by any name that reaches the same file (a symbolic or a hard link, ``./x``),
  is refused whatever the caller's consent: :class:`WouldOverwriteInput`.
- **No replacing without consent.** An existing file is replaced only with ``overwrite=True``:
  the command line's ``--force``, the app's answer to a question. Without it the write raises
  :class:`WouldOverwrite`, and the caller asks (or tells the user about ``--force``). A file that
  appears between the check and the write is not replaced either (it is linked into place, which
  fails if the name is taken, where the file system can link).

A character device or a pipe (``/dev/null``, ``/dev/stdout``, a named pipe) is written to
directly: there is nothing to replace and nothing to rename over. A directory, a block device or
a socket is refused. A symbolic link is followed: its target is replaced and the link kept.

Nothing here imports the rest of tcpsim, Textual or Rich: the command line and the app both
call it. Every failure is a :class:`WriteError` whose ``str()`` is the message for the user.
"""

from __future__ import annotations

import contextlib
import errno
import os
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path

from .escape import visible

PathLike = str | os.PathLike[str]


class WriteError(OSError):
    """The file was not written, and nothing was changed. ``str()`` names the file and says why;
    ``path`` (also ``filename``) is the name as given, ``reason`` (also ``strerror``) the why alone.

    An :class:`OSError`, so that callers that already catch ``OSError`` around a write keep working.
    """

    def __init__(self, path: PathLike, reason: str, code: int | None = None) -> None:
        super().__init__(code or 0, reason)
        self.path = self.filename = os.fspath(path)
        self.reason = reason

    def __str__(self) -> str:
        return f"{visible(self.path) or '(empty name)'}: {self.reason}"


class WouldOverwrite(WriteError):
    """The file exists and ``overwrite`` was not given: ask the user, then call again with
    ``overwrite=True`` (the command line's ``--force``)."""


class WouldOverwriteInput(WriteError):
    """The file is an input of this run: it is never replaced, whatever the consent."""


def check_writable(path: PathLike, *, overwrite: bool, inputs: Iterable[PathLike | None] = ()) -> Path:
    """Raise the :class:`WriteError` that :func:`write_atomically` would raise before writing
    anything, so that a command can refuse up front instead of after its work. Returns the file
    that would be written (symbolic links resolved)."""
    target, _ = _inspect(path, overwrite, inputs)
    return target


def write_atomically(
    path: PathLike, data: bytes | str, *, overwrite: bool, inputs: Iterable[PathLike | None] = ()
) -> Path:
    """Write ``data`` (text is written as UTF-8) to ``path`` as the module docstring promises.

    Returns the file written (symbolic links resolved). Raises :class:`WouldOverwrite`,
    :class:`WouldOverwriteInput` or another :class:`WriteError` (a missing directory, no
    permission, a full disk); in every case the file system is as it was.
    """
    payload = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    target, info = _inspect(path, overwrite, inputs)
    if info is not None and (stat.S_ISCHR(info.st_mode) or stat.S_ISFIFO(info.st_mode)):
        _write_stream(path, target, payload)
        return target
    directory = target.parent
    temporary, fd = _create_temporary(path, directory)
    try:
        try:
            _write_all(fd, payload)
            if info is not None:  # a replaced file keeps its permissions; a new one gets the umask's
                os.fchmod(fd, stat.S_IMODE(info.st_mode))
            os.fsync(fd)
        finally:
            os.close(fd)
        _put_in_place(path, temporary, target, overwrite)
    except WriteError:
        raise
    except OSError as exc:
        raise _failed(path, exc) from None
    finally:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
    _sync_directory(directory)
    return target


def _inspect(path: PathLike, overwrite: bool, inputs: Iterable[PathLike | None]) -> tuple[Path, os.stat_result | None]:
    """The file to write (links followed) and its status if it exists, or the error that stops us."""
    name = os.fspath(path)
    if not name:
        raise WriteError(path, "no file name given")
    if "\0" in name:
        raise WriteError(path, "not a possible file name (it contains a NUL character)")
    try:
        target = Path(os.path.realpath(name))
    except (OSError, ValueError) as exc:
        raise _failed(path, exc) from None
    for source in inputs:
        if source is not None and _same_file(target, source):
            raise WouldOverwriteInput(path, "is an input of this run; tcpsim never writes over its input")
    try:
        info: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise _failed(path, exc) from None
    if info is None:
        parent = target.parent
        if not parent.is_dir():
            raise WriteError(path, f"{os.strerror(errno.ENOENT)} (no directory {visible(str(parent))})", errno.ENOENT)
        if not os.access(parent, os.W_OK | os.X_OK):
            raise WriteError(path, f"{os.strerror(errno.EACCES)} (the directory may not be written)", errno.EACCES)
        return target, None
    mode = info.st_mode
    if stat.S_ISDIR(mode):
        raise WriteError(path, os.strerror(errno.EISDIR), errno.EISDIR)
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return target, info
    if not stat.S_ISREG(mode):
        raise WriteError(path, "is not a regular file (a block device or a socket); refusing to write to it")
    if not overwrite:
        raise WouldOverwrite(path, "already exists", errno.EEXIST)
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise WriteError(path, f"{os.strerror(errno.EACCES)} (the directory may not be written)", errno.EACCES)
    return target, info


def _same_file(target: Path, source: PathLike) -> bool:
    try:
        return os.path.samefile(target, source)
    except (OSError, ValueError):  # one of them does not exist (yet): compare the names
        try:
            return target == Path(os.path.realpath(os.fspath(source)))
        except (OSError, ValueError):
            return False


def _create_temporary(path: PathLike, directory: Path) -> tuple[Path, int]:
    """A new, empty, hidden file beside the target. ``os.open`` with 0o666, as ``open()`` does:
    the umask then gives a new file the permissions any other new file of the user's would get."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        temporary = directory / f".tcpsim-{secrets.token_hex(6)}.tmp"
        try:
            return temporary, os.open(temporary, flags, 0o666)
        except FileExistsError:
            continue
        except OSError as exc:
            raise _failed(path, exc) from None
    raise WriteError(path, "cannot create a temporary file beside it")


def _write_all(fd: int, payload: bytes) -> None:
    view = memoryview(payload)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _put_in_place(path: PathLike, temporary: Path, target: Path, overwrite: bool) -> None:
    if overwrite:
        os.replace(temporary, target)
        return
    try:
        os.link(temporary, target)  # fails if the name was taken meanwhile: never a silent replace
    except FileExistsError:
        raise WouldOverwrite(path, "already exists", errno.EEXIST) from None
    except OSError:  # a file system without hard links: check once more, then rename
        if os.path.lexists(target):
            raise WouldOverwrite(path, "already exists", errno.EEXIST) from None
        os.replace(temporary, target)


def _write_stream(path: PathLike, target: Path, payload: bytes) -> None:
    try:
        with open(target, "wb") as stream:
            stream.write(payload)
    except OSError as exc:
        raise _failed(path, exc) from None


def _sync_directory(directory: Path) -> None:
    """Make the rename itself durable (best effort: not every system can open a directory)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _failed(path: PathLike, exc: OSError | ValueError) -> WriteError:
    """The system's own reason (``No space left on device``), as tcpsim's other messages give it."""
    if isinstance(exc, OSError) and exc.strerror:
        return WriteError(path, exc.strerror, exc.errno)
    return WriteError(path, str(exc))
