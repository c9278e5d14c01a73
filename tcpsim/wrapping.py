"""Wrapping text that mixes Chinese and English, measured in terminal cells.

Rich and :mod:`textwrap` break lines only at spaces. Chinese has none: a sentence is one "word"
to them, so after a Latin word such as ``TIME-WAIT`` the whole sentence moves to the next line and
leaves a near-empty one behind. Here, as Unicode's line breaking algorithm (UAX #14) has it in
spirit, a line may break between any two wide (CJK) characters and between a wide character and a
Latin word, while a Latin word stays whole and breaks only at spaces; closing punctuation (，。）」)
never starts a line and opening punctuation (（「“) never ends one. A wide character takes two
cells, a combining mark none.

:func:`paragraphs` undoes the hard line breaks of text written in a file (a scenario's story in
TOML): the paragraphs and list items stay, the lines within them are joined, so that the text can
be wrapped again at whatever width it is shown.

Nothing here imports the rest of tcpsim, Textual or Rich (:mod:`tcpsim.richtext` wraps Rich text
with these rules).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from functools import lru_cache

NO_LINE_START = frozenset("，。、；：？！）］｝」』】》〉〕〗”’…‥・ー々〜～,.;:!?)]}%")
"""Closing punctuation: it stays at the end of the line before (kinsoku, UAX #14 classes CL/EX/IS)."""

NO_LINE_END = frozenset("（［｛「『【《〈〔〖“‘([{")
"""Opening punctuation: it goes to the next line with what it opens (UAX #14 class OP)."""


@lru_cache(maxsize=4096)
def char_width(ch: str) -> int:
    """Cells a character takes: 2 for East Asian wide and fullwidth, 0 for combining marks and
    zero-width format characters, else 1 (ambiguous ones too, as terminals and Rich count them)."""
    if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def cell_width(text: str) -> int:
    """Cells a string takes in a terminal."""
    return sum(char_width(ch) for ch in text)


def _wide(ch: str) -> bool:
    return char_width(ch) == 2


def break_allowed(before: str, after: str) -> bool:
    """Whether a line may break between two adjacent characters (``before`` then ``after``)."""
    if after.isspace() or after in NO_LINE_START or char_width(after) == 0:
        return False  # spaces stay with the line they end, and so does closing punctuation
    if before.isspace():
        return True
    if before in NO_LINE_END:
        return False
    return _wide(before) or _wide(after)


def _units(text: str) -> list[tuple[int, int]]:
    """``text`` cut at its break opportunities: each unit is a run that may not be broken (a Latin
    word, one CJK character with the punctuation that clings to it) and the spaces after it."""
    units: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(text)):
        if break_allowed(text[i - 1], text[i]):
            units.append((start, i))
            start = i
    if text:
        units.append((start, len(text)))
    return units


def line_breaks(text: str, width: int) -> list[int]:
    """Offsets in a one-line ``text`` where new lines start, so that each line fits ``width`` cells
    (its trailing spaces aside, which :func:`wrap` drops). Lines are filled greedily, except that
    a single character (a Chinese one with the punctuation that clings to it: "次）") is not left
    alone on the last line (the unit before it joins it); a unit
    wider than a whole line (a very long Latin word) is cut by cells."""
    width = max(1, width)
    breaks: list[int] = []
    used = 0  # cells on the current line, the spaces after its last unit included
    units = _units(text)
    for start, end in units:
        unit = text[start:end]
        content = cell_width(unit.rstrip())
        if used and used + content > width:
            breaks.append(start)
            used = 0
        if content <= width - used:
            used += cell_width(unit)
            continue
        for i in range(start, end):  # wider than a line: cut it where the cells run out
            w = char_width(text[i])
            if used + w > width and used and not text[i].isspace():
                breaks.append(i)
                used = 0
            used += w
    if breaks and _lone(text[breaks[-1] :].strip()):  # no orphan: one character alone on the last line
        before = [a for a, _ in units if (breaks[-2] if len(breaks) > 1 else 0) < a < breaks[-1]]
        if before and cell_width(text[before[-1] :].strip()) <= width:
            breaks[-1] = before[-1]
    return breaks


def _lone(line: str) -> bool:
    """Whether a last line is one character alone: two cells, or one wide character and the
    closing punctuation that clings to it."""
    if cell_width(line) <= 2:
        return True
    return _wide(line[0]) and len(_units(line)) == 1


def wrap(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` cells; its own newlines are kept as line breaks, and
    the spaces at each break are dropped. An empty text is no lines."""
    lines: list[str] = []
    for hard_line in text.split("\n"):
        pieces = _split(hard_line, line_breaks(hard_line, width))
        if len(pieces) > 1 and not pieces[0].strip():
            pieces = pieces[1:]  # an indent with no room for the word after it
        lines.extend(piece.rstrip() for piece in pieces)
    return lines if text else []


def _split(text: str, offsets: list[int]) -> list[str]:
    bounds = [0, *offsets, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


_ITEM = re.compile(r"^\s*(?:\d+[.)]|[-*•])\s+")


def paragraphs(text: str) -> list[str]:
    """The paragraphs of text written with hard line breaks, each on one line: a blank line ends
    a paragraph, and a line starting a list item (``1.``, ``2)``, ``-``, ``*``) starts a new one;
    runs of spaces become one, except after an item's marker. Chinese lines are joined without a
    space, as Chinese is written."""
    result: list[str] = []
    current: list[str] = []

    def flush() -> None:
        if current:
            result.append(_join(current))
            current.clear()

    for raw in text.strip("\n").split("\n"):
        line = raw.strip()
        if not line:
            flush()
        elif _ITEM.match(raw):
            flush()
            current.append(line)
        else:
            current.append(line)
    flush()
    return result


def _join(lines: list[str]) -> str:
    text = lines[0]
    for line in lines[1:]:
        text += ("" if _wide(text[-1]) and _wide(line[0]) else " ") + line
    return re.sub(r"[ \t]+", " ", text)


__all__ = [
    "NO_LINE_END",
    "NO_LINE_START",
    "break_allowed",
    "cell_width",
    "char_width",
    "line_breaks",
    "paragraphs",
    "wrap",
]
