"""Rich text wrapped as :mod:`tcpsim.wrapping` wraps it: Chinese broken between characters,
Latin words kept whole, styles kept.

Rich's own wrapping breaks only at spaces, so a Chinese sentence after a Latin word moves whole to
the next line and leaves a near-empty one. :class:`Wrapped` is a renderable to use instead of a
:class:`~rich.text.Text` wherever text in any language is wrapped: ``console.print``, a table cell,
a Textual ``Static``. It measures as a table expects (its narrowest unbreakable unit, its widest
line), and breaks at whatever width it is given.
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.style import StyleType
from rich.text import Text

from .wrapping import _units, cell_width, line_breaks


def wrap_text(text: Text, width: int) -> list[Text]:
    """A styled text as lines of at most ``width`` cells (its own newlines kept; spaces at a break
    dropped)."""
    lines: list[Text] = []
    for line in text.split("\n", allow_blank=True):
        pieces = list(line.divide(line_breaks(line.plain, width)))
        if len(pieces) > 1 and not pieces[0].plain.strip():
            pieces = pieces[1:]
        for piece in pieces:
            piece.rstrip()
            lines.append(piece)
    return lines


class Wrapped:
    """A renderable: ``text`` wrapped to the width it is rendered at, CJK-aware."""

    def __init__(self, text: Text | str, style: StyleType = "") -> None:
        self.text = Text(text, style=style) if isinstance(text, str) else text

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = wrap_text(self.text, options.max_width)
        joined = Text("\n").join(lines)
        joined.no_wrap = True
        joined.overflow = "crop"
        joined.end = self.text.end
        yield joined

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        plain = self.text.plain
        widest_unit = max((cell_width(plain[a:b].rstrip()) for a, b in _units_of(plain)), default=0)
        widest_line = max((cell_width(line) for line in plain.split("\n")), default=0)
        return Measurement(min(widest_unit, options.max_width), min(widest_line, options.max_width))


def _units_of(text: str) -> Iterator[tuple[int, int]]:
    offset = 0
    for line in text.split("\n"):
        for a, b in _units(line):
            yield offset + a, offset + b
        offset += len(line) + 1


__all__ = ["Wrapped", "wrap_text"]
