"""How a script's lines fare: each line's result, the note the trace keeps of it, the script's verdict."""

from __future__ import annotations

from dataclasses import dataclass

from ..sim.trace import NoteEvent


class Mismatch(Exception):
    """A line that does not hold: exit 1, ``FILE:LINE:`` and what was expected against what happened."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True, slots=True)
class LineResult:
    """One script line as it held (``ok``), was ``skipped``, is ``blocked`` or ``failed``."""

    line: int
    status: str
    t: float | None
    text: str
    detail: str = ""


@dataclass(slots=True, unsafe_hash=True)
class LineNote(NoteEvent):
    """The trace's note of how a script line fared (``script line 12 holds: …``), with the line's
    result as fields, so that a session can show it as a check without reading the text back. In
    JSON it is the note it says (its ``type`` and ``text`` only)."""

    line: int = 0
    status: str = ""
    """``ok``, ``blocked``, ``skipped`` or ``failed``, as :class:`LineResult` has it."""
    source: str = ""
    """The script's line, as written."""
    detail: str = ""


@dataclass
class Verdict:
    code: int
    """0 every line holds, 1 a line does not, 2 unsupported or malformed."""
    message: str = ""
    line: int | None = None
