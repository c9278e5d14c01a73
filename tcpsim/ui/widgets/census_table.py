"""The census's table of conversations: every row of a capture, drawn only where it is seen.

Textual's DataTable measures every cell of every row it is given and keeps a renderable for each:
20,000 conversations took it two seconds to fill, again at every sort and at every key of a
filter (measured on the census screen; BENCHMARKS.md-style figures in the report of that change).
This table is a scroll view with the line API instead: it is handed the rows (sorted and filtered
by the screen, plain Python on a list) and draws a line only when the line is on screen, so a sort
or a filter costs what the list operation costs, whatever the number of rows. Columns are as wide
as their widest cell over all the rows, measured once per census, so that they do not jump while
filtering; numbers are right-aligned.

It speaks as DataTable does where the screen needs it: ``up``/``down``/page keys/``home``/``end``
move a cursor row, enter (or a click on the cursor row) posts :class:`Selected`, a click on a header
posts :class:`HeaderSelected`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar, Generic, TypeVar

from rich.cells import cell_len
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...i18n import N_

RowT = TypeVar("RowT")
GAP = 2
"""Spaces between two columns."""


class VirtualTable(ScrollView, Generic[RowT], can_focus=True):
    """A table of ``rows``, each drawn by ``cells`` (its texts, one per column) when it is in view."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select", N_("Open"), tooltip=N_("Open the conversation in the two-pane view")),
        Binding("up", "move(-1)", show=False),
        Binding("down", "move(1)", show=False),
        Binding("pageup", "page(-1)", show=False),
        Binding("pagedown", "page(1)", show=False),
        Binding("home", "move_to(0)", show=False),
        Binding("end", "move_to(-1)", show=False),
        Binding("left", "scroll_left", show=False),
        Binding("right", "scroll_right", show=False),
    ]

    DEFAULT_CSS = """
    VirtualTable { height: 1fr; background: $surface; scrollbar-gutter: stable; }
    VirtualTable > .virtual-table--header { text-style: bold; background: $panel; color: $foreground; }
    VirtualTable > .virtual-table--odd { background: $surface-lighten-1; }
    VirtualTable > .virtual-table--cursor { background: $block-cursor-blurred-background; text-style: bold; }
    VirtualTable:focus > .virtual-table--cursor {
        background: $block-cursor-background; color: $block-cursor-foreground;
    }
    """

    COMPONENT_CLASSES = {"virtual-table--header", "virtual-table--odd", "virtual-table--cursor"}

    class Selected(Message):
        """Enter, or a click on the cursor row: the row is to be opened."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    class Highlighted(Message):
        """The cursor moved to the row at ``index``."""

        def __init__(self, index: int) -> None:
            super().__init__()
            self.index = index

    class HeaderSelected(Message):
        """A click on a column's header."""

        def __init__(self, column: str) -> None:
            super().__init__()
            self.column = column

    def __init__(
        self, columns: Sequence[str], cells: Callable[[RowT], Sequence[str]], numeric: frozenset[str], **kwargs: object
    ) -> None:
        """``columns``: their keys, in order; ``cells``: a row's texts, one per column; ``numeric``:
        the columns whose cells are right-aligned."""
        super().__init__(**kwargs)  # type: ignore[arg-type]
        from ..commands import translate_bindings

        translate_bindings(self)
        self.keys = tuple(columns)
        self.cells = cells
        self.numeric = [key in numeric for key in self.keys]
        self.labels = list(self.keys)
        self.widths = [cell_len(label) for label in self.labels]
        self.rows: Sequence[RowT] = ()
        self.cursor_row = 0
        self._texts: dict[int, Sequence[str]] = {}

    # ------------------------------------------------------------------ content
    def measure(self, rows: Sequence[RowT], labels: Sequence[str]) -> None:
        """Column widths from every row there is (once per census) and the headers."""
        self.labels = list(labels)
        widths = [cell_len(label) for label in labels]
        for row in rows:
            for i, text in enumerate(self.cells(row)):
                n = len(text) if text.isascii() else cell_len(text)
                if n > widths[i]:
                    widths[i] = n
        self.widths = widths

    def show(self, rows: Sequence[RowT], cursor: int, labels: Sequence[str] | None = None) -> None:
        """Show ``rows`` (already sorted and filtered), the cursor on row ``cursor``."""
        if labels is not None:
            self.labels = list(labels)
            self.widths = [max(w, cell_len(label)) for w, label in zip(self.widths, self.labels, strict=True)]
        self.rows = rows
        self._texts.clear()
        width = sum(self.widths) + GAP * len(self.widths)
        self.virtual_size = Size(width, len(rows) + 1)
        self.cursor_row = max(0, min(cursor, len(rows) - 1))
        self._follow()
        self.refresh()

    @property
    def row_count(self) -> int:
        return len(self.rows)

    def texts(self, index: int) -> Sequence[str]:
        """The texts of the row at ``index``, as drawn."""
        found = self._texts.get(index)
        if found is None:
            found = self._texts[index] = self.cells(self.rows[index])
        return found

    def column_at(self, x: int) -> str | None:
        """The column under ``x`` (a cell of the widget, the horizontal scroll taken into account)."""
        x += round(self.scroll_x)
        for key, width in zip(self.keys, self.widths, strict=True):
            if x < width + GAP:
                return key
            x -= width + GAP
        return None

    def column_x(self, key: str) -> int:
        """Where column ``key`` starts, not counting the horizontal scroll."""
        index = self.keys.index(key)
        return sum(self.widths[:index]) + GAP * index + 1

    # ------------------------------------------------------------------ drawing
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x, scroll_y = round(self.scroll_x), round(self.scroll_y)
        style = self.get_component_rich_style
        base = self.rich_style
        texts: Sequence[str]
        if y == 0:
            texts, line_style = self.labels, base + style("virtual-table--header")
        else:
            index = scroll_y + y - 1
            if index >= len(self.rows):
                return Strip.blank(width, base)
            line_style = base
            if index % 2:
                line_style += style("virtual-table--odd")
            if index == self.cursor_row:
                line_style += style("virtual-table--cursor")
            texts = self.texts(index)
        return self._line(texts, line_style, scroll_x, scroll_x + width).extend_cell_length(width, base)

    def _line(self, texts: Sequence[str], style: Style, left: int, right: int) -> Strip:
        """The cells from ``left`` to ``right``. A column cut by either edge is drawn as "…", in
        every row: a part of it would read as another value (10 bytes as 1, a port cut short)."""
        parts = [" "]
        x = 1
        for text, width, numeric in zip(texts, self.widths, self.numeric, strict=True):
            pad = " " * max(0, width - cell_len(text))
            cell = pad + text if numeric else text + pad
            room = cell_len(cell)
            if x < right < x + room or x < left < x + room:
                at = max(x, left) - x
                cell = " " * at + "…" + " " * (room - at - 1)
            parts.append(cell)
            parts.append(" " * GAP)
            x += room + GAP
        line = "".join(parts)
        return Strip([Segment(line, style)], cell_len(line)).crop(left, right)

    # ------------------------------------------------------------------ the cursor
    def _follow(self) -> None:
        """Scroll so that the cursor row is in view (under the header)."""
        seen = max(1, self.scrollable_content_region.height - 1)
        top = round(self.scroll_y)
        if self.cursor_row < top:
            self.scroll_to(y=self.cursor_row, animate=False)
        elif self.cursor_row >= top + seen:
            self.scroll_to(y=self.cursor_row - seen + 1, animate=False)

    def move_cursor(self, row: int) -> None:
        if not self.rows:
            return
        row = max(0, min(row, len(self.rows) - 1))
        if row != self.cursor_row:
            self.cursor_row = row
            self.post_message(self.Highlighted(row))
        self._follow()
        self.refresh()

    def action_move(self, step: int) -> None:
        self.move_cursor(self.cursor_row + step)

    def action_page(self, step: int) -> None:
        self.move_cursor(self.cursor_row + step * max(1, self.scrollable_content_region.height - 2))

    def action_move_to(self, row: int) -> None:
        self.move_cursor(row if row >= 0 else len(self.rows) - 1)

    def action_select(self) -> None:
        if self.rows:
            self.post_message(self.Selected(self.cursor_row))

    def on_click(self, event: events.Click) -> None:
        event.stop()
        if event.y == 0:
            column = self.column_at(event.x)
            if column is not None:
                self.post_message(self.HeaderSelected(column))
            return
        index = round(self.scroll_y) + event.y - 1
        if not 0 <= index < len(self.rows):
            return
        if index == self.cursor_row or event.chain > 1:
            self.move_cursor(index)
            self.post_message(self.Selected(index))
        else:
            self.move_cursor(index)
