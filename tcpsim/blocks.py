"""Column charts in block characters, as the load lab's chart and the census's (in the app and in
``tcpsim import FILE --all``'s text) draw them: plain strings, styled by whoever prints them."""

from __future__ import annotations

from collections.abc import Sequence

LEVELS = " ▁▂▃▄▅▆▇█"
"""A column's fill in eighths of a line."""


def bar_rows(values: Sequence[int], top: int, rows: int) -> list[str]:
    """A column chart of ``values`` in ``rows`` lines of block characters (top line first): each
    column is filled in eighths of a line in proportion to value / top; a value above 0 shows."""
    top = max(top, 1)
    eighths = []
    for v in values:
        e = min(rows * 8, round(v / top * rows * 8))
        eighths.append(1 if v > 0 and e == 0 else e)
    lines = []
    for r in range(rows - 1, -1, -1):
        floor = r * 8
        lines.append("".join(LEVELS[max(0, min(8, e - floor))] for e in eighths))
    return lines
