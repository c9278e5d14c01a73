"""A virtualised list of trace records: the base of the timeline and the event log.

Only the rows on screen are drawn (``render_line``), each once per width and setting, from a
cache; rows are added as the trace grows and cut where a rewind cut it (the view's trace version
says which), so a history of 100,000 records costs no more per frame than one of ten.

The keyboard moves a selection (``↑``/``↓``, page keys, ``home``), ``end`` goes back to following
the present, ``enter`` asks for its details; the widget posts :class:`Rows.Selected`,
:class:`Rows.Followed` and :class:`Rows.Activated` and changes nothing else. Colours are component
classes, styled in TCSS from the theme's variables.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...core.names import EndpointName
from ...i18n import N_, _
from ...scenario.view import View
from ...sim.trace import TraceEvent
from ..commands import translate_bindings
from ..numbers import SeqBases


class Rows(ScrollView, can_focus=True):
    """Rows drawn from trace records. Subclasses say which records get a row and how it reads."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "move(-1)", N_("Previous"), show=False),
        Binding("down", "move(1)", N_("Next"), show=False),
        Binding("pageup", "page(-1)", N_("Page up"), show=False),
        Binding("pagedown", "page(1)", N_("Page down"), show=False),
        Binding("home", "first", N_("First"), show=False),
        Binding("end", "follow", N_("Follow"), show=False),
        Binding("enter", "details", N_("Details"), show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {"rows--selected"}
    ROLES: ClassVar[dict[str, tuple[str, str]]] = {}
    """Each kind of text a row holds -> (the component class that colours it, extra Rich style).
    Few component classes, each a colour of the theme: every one costs a styling pass at start-up."""

    class Selected(Message):
        """The user selected a row: ``index`` is its record's position in the trace."""

        def __init__(self, index: int, event: TraceEvent) -> None:
            super().__init__()
            self.index, self.event = index, event

    class Followed(Message):
        """The user left the selection for the present (``end``): the rows follow what happens."""

    class Activated(Message):
        """The user asked for the details of a row (enter or a double click)."""

        def __init__(self, index: int, event: TraceEvent) -> None:
            super().__init__()
            self.index, self.event = index, event

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        translate_bindings(self)  # the key panel shows their descriptions
        self.records: Sequence[TraceEvent] = ()
        self.positions: list[int] = []
        """The trace position of each row's record."""
        self.selected: int | None = None
        """The selected row (an index into :attr:`positions`), or None."""
        self.follow = True
        self.relative = False
        self.stacks: Mapping[EndpointName, str] = {}
        """The stack playing each endpoint, as the view last said."""
        self.bases = SeqBases()
        self._version = -1
        self._seen = 0
        self._cache: dict[int, Strip] = {}
        self._styles: dict[str, Style] = {}
        self._cache_width = -1

    # ------------------------------------------------------------------ what subclasses say
    def accepts(self, record: TraceEvent) -> bool:
        """Whether ``record`` gets a row of its own."""
        return True

    def noted(self, position: int, record: TraceEvent) -> None:
        """Every new record passes here, shown or not (a timeline notes which segments were lost)."""

    def forget(self, length: int) -> None:
        """The trace was cut to ``length`` records: drop what was noted of the rest."""

    def row_text(self, row: int, width: int) -> Text:
        """The text of content row ``row``."""
        raise NotImplementedError

    def extra_rows(self) -> int:
        """Rows after the records (the timeline's present and its armed faults)."""
        return 0

    def extra_text(self, row: int, width: int) -> Text:
        return Text()

    def volatile(self) -> set[int]:
        """Rows that may read differently in the next frame without a new record (a segment in flight)."""
        return set()

    # ------------------------------------------------------------------ data
    def show(self, view: View, *, relative: bool) -> None:
        """Bring the rows up to date with ``view`` (only what changed is redone)."""
        trace = view.trace
        kept = trace.kept(self._version, self._seen)
        if kept < self._seen:
            cut = bisect_left(self.positions, kept)
            del self.positions[cut:]
            self.bases.truncate(kept)
            self.forget(kept)
            if self.selected is not None and self.selected >= cut:
                self.selected = None  # the selected record is gone (a rewind, a restart): back to the present
                self.follow = True
            for row in [r for r in self._cache if r >= cut]:
                del self._cache[row]
        if relative != self.relative or view.stacks != self.stacks:
            self.relative, self.stacks = relative, view.stacks  # the stacks name TIME-WAIT's timer
            self._cache.clear()
        self.records = trace.records
        accepts, noted, feed, positions = self.accepts, self.noted, self.bases.feed, self.positions
        for position in range(kept, trace.length):
            record = trace.records[position]
            feed(position, record)
            noted(position, record)
            if accepts(record):
                positions.append(position)
        self._version, self._seen = trace.version, trace.length
        for row in self.volatile():
            self._cache.pop(row, None)
        size = Size(0, len(positions) + self.extra_rows())
        if size != self.virtual_size:
            # Only the scroll range changes: no layout of the screen (the reactive would ask for one, a
            # second frame to move a scroll bar these lists do not show; tcpsim.tcss hides it).
            self.set_reactive(Rows.virtual_size, size)
            self._scroll_update(size)
        if self.follow:
            self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
        self._where()
        self.refresh()

    def _where(self) -> None:
        """The subtitle says where the selection is, when the rows no longer follow the present."""
        where = (
            ""
            if self.selected is None
            else _("{row} / {rows} · end: now").format(row=f"{self.selected + 1:,}", rows=f"{len(self.positions):,}")
        )
        if where != self.border_subtitle:
            self.border_subtitle = where

    def uncache(self, row: int) -> None:
        self._cache.pop(row, None)

    @property
    def rows(self) -> list[TraceEvent]:
        """The records that have a row, in order."""
        return [self.records[p] for p in self.positions]

    def record(self, row: int) -> TraceEvent:
        return self.records[self.positions[row]]

    # ------------------------------------------------------------------ selection
    def selected_event(self) -> TraceEvent | None:
        if self.selected is None or self.selected >= len(self.positions):
            return None
        return self.record(self.selected)

    def select_position(self, position: int) -> None:
        """Select the row of the record at trace ``position`` (or the nearest before it), quietly."""
        if not self.positions:
            return
        row = max(0, bisect_right(self.positions, position) - 1)
        self._select(row, post=False)

    def _select(self, row: int, *, post: bool = True) -> None:
        if not self.positions:
            return
        row = max(0, min(len(self.positions) - 1, row))
        for old in (self.selected, row):
            if old is not None:
                self._cache.pop(old, None)
        self.selected = row
        self.follow = False
        top, height = self.scroll_offset.y, self.scrollable_content_region.height
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True, force=True)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False, immediate=True, force=True)
        self._where()
        self.refresh()
        if post:
            self.post_message(self.Selected(self.positions[row], self.record(row)))

    def action_move(self, delta: int) -> None:
        if self.selected is None:
            self._select(len(self.positions) - 1 if delta < 0 else max(0, self.scroll_offset.y))
        else:
            self._select(self.selected + delta)

    def action_page(self, direction: int) -> None:
        step = max(1, self.scrollable_content_region.height - 1)
        self._select((self.selected if self.selected is not None else len(self.positions)) + direction * step)

    def action_first(self) -> None:
        self._select(0)

    def action_follow(self) -> None:
        """Back to the present: no selection, and the rows scroll with what happens."""
        self.follow_present()
        self.post_message(self.Followed())

    def follow_present(self) -> None:
        """Drop the selection and follow the present, quietly (the other list follows ``end`` so)."""
        if self.selected is not None:
            self._cache.pop(self.selected, None)
        self.selected = None
        self.follow = True
        self.scroll_end(animate=False, immediate=True, x_axis=False, force=True)
        self._where()
        self.refresh()

    def action_details(self) -> None:
        if self.selected is not None and self.selected < len(self.positions):
            self.post_message(self.Activated(self.positions[self.selected], self.record(self.selected)))

    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)  # event.y counts the border row above the rows
        if offset is None:
            return
        row = offset.y + self.scroll_offset.y
        if not 0 <= row < len(self.positions):
            return
        self._select(row)
        if event.chain == 2:
            self.post_message(self.Activated(self.positions[row], self.record(row)))

    def on_resize(self) -> None:
        if self.follow:
            self.call_after_refresh(self.scroll_end, animate=False, immediate=True, x_axis=False, force=True)

    # ------------------------------------------------------------------ drawing
    def style_of(self, role: str) -> Style:
        """The Rich style of a kind of text (see :attr:`ROLES`), worked out once until the CSS changes."""
        style = self._styles.get(role)
        if style is None:
            component, extra = self.ROLES.get(role, (role, ""))
            style = self.get_component_rich_style(component, partial=True) + Style.parse(extra)
            self._styles[role] = style
        return style

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()
        self._cache.clear()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        if width != self._cache_width:
            self._cache.clear()
            self._cache_width = width
        row = y + self.scroll_offset.y
        if row < len(self.positions):
            strip = self._cache.get(row)
            if strip is None:
                text = self.row_text(row, width)
                if row == self.selected:
                    text.stylize(self.get_component_rich_style("rows--selected"))
                strip = self._strip(text, width)
                self._cache[row] = strip
            return strip
        extra = row - len(self.positions)
        if extra < self.extra_rows():
            return self._strip(self.extra_text(extra, width), width)
        return Strip.blank(width, self.rich_style)

    def _strip(self, text: Text, width: int) -> Strip:
        """A row's text as a strip of exactly ``width`` cells on the widget's own background."""
        strip = Strip(text.render(self.app.console), text.cell_len).apply_style(self.rich_style)
        return strip.crop_extend(0, width, self.rich_style)
