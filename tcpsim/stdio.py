"""The command line's standard streams: what a failed write means, and what a terminal can show.

Exit codes are a contract (0 ok, 1 an expectation failed, 2 bad input), so an output error must
not look like any of them by accident:

- **A closed pipe is no error** (``tcpsim run x | head -1``): the reader has what it wanted; the
  command stops writing and keeps the exit code its work earned.
- **An output that cannot be written** (``> /dev/full``, a disk error) ends the command with
  exit 2 and a message on stderr.
- **A terminal that cannot encode a character** (``PYTHONIOENCODING=ascii``, a Latin-1 locale)
  gets a stand-in: an ASCII one for tcpsim's own symbols (arrows, ticks, box drawing), a
  ``\\uXXXX`` escape for anything else. Never a traceback.

:func:`guarded` puts proxies around ``sys.stdout`` and ``sys.stderr`` for the time of a headless
command, so that every writer (argparse, Rich, the exporters) goes through them. Nothing here
imports Rich or Textual.
"""

from __future__ import annotations

import codecs
import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any, TextIO

ASCII_STANDINS = str.maketrans(
    {
        "→": "->",
        "←": "<-",
        "─": "-",
        "━": "-",
        "▶": ">",
        "◀": "<",
        "▸": ">",
        "↳": "|",
        "✓": "+",
        "✗": "x",
        "✕": "x",
        "⧉": "=",
        "⏱": "~",
        "⚑": "!",
        "⚠": "!",
        "⚡": "!",
        "⚙": "*",
        "◔": "o",
        "⟳": "R",
        "ⓘ": "i",
        "·": ".",
        "—": "--",
        "–": "-",
        "…": "...",
        "≤": "<=",
        "≥": ">=",
        "×": "x",
        "“": '"',
        "”": '"',
        "‘": "'",
        "’": "'",
    }
)
"""ASCII for the symbols tcpsim itself prints, where the terminal cannot show them."""


class OutputClosed(Exception):
    """The reader of standard output went away (a closed pipe): stop writing, it is no error."""


class OutputFailed(Exception):
    """Standard output cannot be written (a full disk, an I/O error). ``str()`` says why."""


def unicode_ok(stream: object) -> bool:
    """Whether ``stream`` encodes every character (a UTF codec), so tcpsim's symbols can be shown."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        return codecs.lookup(encoding).name.startswith("utf")
    except LookupError:
        return False


def ascii_text(text: str, encoding: str) -> str:
    """``text`` as ``encoding`` can carry it: tcpsim's symbols in ASCII, anything else escaped."""
    text = text.translate(ASCII_STANDINS)
    return text.encode(encoding, "backslashreplace").decode(encoding, "replace")


class GuardedStream:
    """A text stream whose failures say what they mean (see the module docstring).

    ``quiet`` (for stderr) drops what cannot be written: there is nowhere left to say so.
    """

    def __init__(self, stream: TextIO, *, quiet: bool = False) -> None:
        self._stream = stream
        self._quiet = quiet

    def write(self, text: str) -> int:
        try:
            try:
                return self._stream.write(text)
            except UnicodeEncodeError:
                encoding = getattr(self._stream, "encoding", None) or "ascii"
                return self._stream.write(ascii_text(text, encoding))
        except OSError as exc:
            self._failed(exc)
            return 0

    def flush(self) -> None:
        try:
            self._stream.flush()
        except OSError as exc:
            self._failed(exc)

    def _failed(self, exc: OSError) -> None:
        if self._quiet:
            return
        if isinstance(exc, BrokenPipeError):
            raise OutputClosed() from None
        raise OutputFailed(exc.strerror or str(exc)) from None

    def __getattr__(self, name: str) -> Any:  # encoding, isatty, fileno, … as the stream has them
        return getattr(self._stream, name)


@contextlib.contextmanager
def guarded() -> Iterator[None]:
    """Standard output and error behind :class:`GuardedStream` until the block ends."""
    saved = sys.stdout, sys.stderr
    sys.stdout = GuardedStream(sys.stdout)
    sys.stderr = GuardedStream(sys.stderr, quiet=True)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved


def abandon_stdout() -> None:
    """After a closed pipe or a failed write: point the process's standard output at
    ``/dev/null``, so that the interpreter's last flush at exit has nowhere to fail (it would
    print "Exception ignored" and exit 120). Only when ``sys.stdout`` (under :func:`guarded`) is
    the process's own: a test that captures it keeps its capture."""
    stream = sys.stdout._stream if isinstance(sys.stdout, GuardedStream) else sys.stdout
    if stream is not sys.__stdout__ or stream is None:
        return
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stream.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


class Progress:
    """How far long work has got, and an estimate of what is left, on one line of stderr.

    Shown only when stderr is a terminal, and only once the work has taken ``delay`` seconds (a
    short run prints nothing); the line is erased when the work ends, so what stays on the screen
    is the output itself.
    """

    def __init__(self, what: str, *, stream: TextIO | None = None, delay: float = 1.0) -> None:
        import time

        self._clock = time.monotonic
        self.what = what
        self.stream = stream if stream is not None else sys.stderr
        self.delay = delay
        self.started = self._clock()
        self.shown = False
        try:
            self.enabled = bool(self.stream.isatty())
        except (AttributeError, ValueError, OSError):
            self.enabled = False

    def update(self, fraction: float, detail: str = "") -> None:
        if not self.enabled:
            return
        elapsed = self._clock() - self.started
        if elapsed < self.delay or fraction <= 0:
            return
        fraction = min(fraction, 1.0)
        left = elapsed * (1 - fraction) / fraction
        parts = [f"{self.what}: {fraction:.0%}", detail, f"{_duration(elapsed)} so far, about {_duration(left)} left"]
        self._write("\r" + " · ".join(p for p in parts if p) + "\x1b[K")
        self.shown = True

    def done(self) -> None:
        if self.shown:
            self._write("\r\x1b[K")
            self.shown = False

    def _write(self, text: str) -> None:
        try:
            self.stream.write(text)
            self.stream.flush()
        except (OSError, ValueError):
            self.enabled = False


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"
