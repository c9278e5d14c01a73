"""Which layout the two-endpoint screen takes at a terminal size.

- **wide** (150 columns and more): the panes beside the centre view, a quarter of the width each,
  the event log under them.
- **regular** (110 to 149): the same, the panes at their natural width (38 columns).
- **compact** (76 to 109): both panes side by side above the centre view; the log is a view (``v``).
- **narrow** (60 to 75): only the focused endpoint's pane above the centre view (``tab`` shows the
  other), so that the TCB's labels and the pane's borders keep their width.
- **too small** (under 60×20): a line saying how big the terminal must be. The session goes on
  underneath, and every key still works.
"""

from __future__ import annotations

from enum import Enum

MIN_WIDTH, MIN_HEIGHT = 60, 20
NARROW_WIDTH = 76
COMPACT_WIDTH = 110
WIDE_WIDTH = 150


class Layout(Enum):
    """The screen's layout; its value is the CSS class the screen carries (tcpsim.tcss)."""

    WIDE = "-wide"
    REGULAR = "-regular"
    COMPACT = "-stacked"
    NARROW = "-narrow"
    TOO_SMALL = "-too-small"


def layout_for(width: int, height: int) -> Layout:
    if width < MIN_WIDTH or height < MIN_HEIGHT:
        return Layout.TOO_SMALL
    if width < NARROW_WIDTH:
        return Layout.NARROW
    if width < COMPACT_WIDTH:
        return Layout.COMPACT
    if width < WIDE_WIDTH:
        return Layout.REGULAR
    return Layout.WIDE
