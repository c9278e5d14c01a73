"""The timeline: a ladder diagram with a rail per endpoint and time running down.

Each segment is an arrow from its sender's rail towards the receiver's, labelled with flags,
seq, ack and length. While a segment is in flight its arrow grows with simulated time; a dropped
one stops halfway with a ✕. State changes are written against the rails when they happen, and
the present is a cursor row. Only the visible rows are drawn (``render_line``), and rows are
added incrementally as the trace grows, so thousands of segments cost no more than ten.
"""

from __future__ import annotations

from bisect import bisect_right

from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...capture.notes import CaptureNote  # not capture.observer, which start-up need not load
from ...core.segment import Flags
from ...render import LANE_STYLE, expect_line, segment_label, state_text
from ...scenario.expect import ExpectEvent
from ...sim.trace import (
    CallEvent,
    DelayEvent,
    DeliverEvent,
    DropEvent,
    DuplicateEvent,
    ErrorEvent,
    SendEvent,
    SignalEvent,
    StateEvent,
    TimerEvent,
    TraceEvent,
)
from ...sim.world import Flight

TIME_COLUMN = 8
SELECTED = Style(bgcolor="#3a3a6a")
CURSOR = Style(color="yellow", bold=True)


def _shown(event: TraceEvent) -> bool:
    """Which trace records get a row of their own."""
    if isinstance(event, CaptureNote):  # what an imported capture cannot explain: on the timeline
        return True
    if isinstance(event, TimerEvent):
        return event.name == "2msl" or event.action == "expire"
    return isinstance(
        event,
        StateEvent
        | SendEvent
        | DropEvent
        | DuplicateEvent
        | DelayEvent
        | DeliverEvent
        | CallEvent
        | ErrorEvent
        | SignalEvent
        | ExpectEvent,
    )


class Timeline(ScrollView, can_focus=True):
    """A virtualised ladder diagram of the session's trace."""

    BINDINGS = [
        Binding("up", "select(-1)", "Previous", show=False),
        Binding("down", "select(1)", "Next", show=False),
        Binding("enter", "details", "Details", show=False),
        Binding("home", "first", "First", show=False),
        Binding("end", "follow", "Follow", show=False),
    ]

    DEFAULT_CSS = """
    Timeline { height: 1fr; }
    """

    selected: reactive[int | None] = reactive(None)
    """Index of the selected row in :attr:`rows`, or None."""

    class Selected(Message):
        """The user selected a row (a segment to meddle with, or a line to inspect)."""

        def __init__(self, event: TraceEvent) -> None:
            super().__init__()
            self.event = event

    class Activated(Message):
        """The user asked for the details of a row (enter or double click)."""

        def __init__(self, event: TraceEvent) -> None:
            super().__init__()
            self.event = event

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.rows: list[TraceEvent] = []
        self._times: list[float] = []
        self._seen = 0
        self._dropped: dict[int, float] = {}
        self._marks: dict[int, str] = {}
        self.now = 0.0
        self.latency = 0.1
        self.in_flight: dict[int, Flight] = {}
        self.follow = True

    # ------------------------------------------------------------------ data
    def sync(self, trace: list[TraceEvent], now: float, in_flight: dict[int, Flight], latency: float) -> None:
        """Bring the rows up to date with the trace (which only grows, or shrinks on a rewind)."""
        if len(trace) < self._seen:
            self.rows.clear()
            self._times.clear()
            self._dropped.clear()
            self._marks.clear()
            self._seen = 0
            if self.selected is not None:
                self.selected = None
        for event in trace[self._seen :]:
            if isinstance(event, DropEvent):
                self._dropped[event.id] = event.t
            elif isinstance(event, DuplicateEvent):
                self._marks[event.id] = "⧉"
            elif isinstance(event, DelayEvent):
                self._marks[event.id] = "⏱"
            if _shown(event):
                self.rows.append(event)
                self._times.append(event.t)
        self._seen = len(trace)
        self.now, self.in_flight, self.latency = now, in_flight, latency
        self.virtual_size = Size(0, len(self.rows) + 1)
        if self.follow:
            self.scroll_to(y=max(0, self.cursor_row - self.size.height + 3), animate=False)
        self.refresh()

    @property
    def cursor_row(self) -> int:
        """Where the "now" line sits: after every row that has happened by now."""
        return bisect_right(self._times, self.now + 1e-9)

    def event_at(self, row: int) -> TraceEvent | None:
        """The trace record drawn on virtual row ``row`` (None for the cursor)."""
        cursor = self.cursor_row
        if row == cursor:
            return None
        index = row if row < cursor else row - 1
        return self.rows[index] if 0 <= index < len(self.rows) else None

    # ------------------------------------------------------------------ selection
    def action_select(self, delta: int) -> None:
        if not self.rows:
            return
        current = self.selected if self.selected is not None else (len(self.rows) if delta < 0 else -1)
        self.selected = max(0, min(len(self.rows) - 1, current + delta))
        self.follow = False
        row = self.selected + (1 if self.selected >= self.cursor_row else 0)
        self.scroll_to_region_row(row)
        self.post_message(self.Selected(self.rows[self.selected]))

    def scroll_to_region_row(self, row: int) -> None:
        top = self.scroll_offset.y
        height = self.size.height
        if row < top:
            self.scroll_to(y=row, animate=False)
        elif row >= top + height:
            self.scroll_to(y=row - height + 1, animate=False)

    def action_details(self) -> None:
        if self.selected is not None and self.selected < len(self.rows):
            self.post_message(self.Activated(self.rows[self.selected]))

    def action_first(self) -> None:
        self.follow = False
        self.scroll_to(y=0, animate=False)

    def action_follow(self) -> None:
        self.follow = True
        self.selected = None
        self.scroll_to(y=max(0, self.cursor_row - self.size.height + 3), animate=False)

    def on_click(self, event: Click) -> None:
        row = event.y + self.scroll_offset.y
        target = self.event_at(row)
        if target is None:
            return
        cursor = self.cursor_row
        self.selected = row if row < cursor else row - 1
        self.follow = False
        self.post_message(self.Selected(target))
        if event.chain == 2:
            self.post_message(self.Activated(target))

    def selected_event(self) -> TraceEvent | None:
        if self.selected is None or self.selected >= len(self.rows):
            return None
        return self.rows[self.selected]

    def watch_selected(self) -> None:
        self.refresh()

    # ------------------------------------------------------------------ drawing
    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        row = y + self.scroll_offset.y
        cursor = self.cursor_row
        if row == cursor:
            text = self._cursor_text(width)
        else:
            index = row if row < cursor else row - 1
            if not 0 <= index < len(self.rows):
                return Strip.blank(width, self.rich_style)
            text = self._row_text(self.rows[index], width)
            if index == self.selected:
                text.stylize(SELECTED)
        strip = Strip(text.render(self.app.console), text.cell_len)
        return strip.crop_extend(0, width, self.rich_style)

    def _cursor_text(self, width: int) -> Text:
        label = f" now {self.now:.3f} s "
        inner = max(0, width - TIME_COLUMN)
        left = max(0, (inner - len(label)) // 2)
        return Text(" " * TIME_COLUMN) + Text("━" * left + label + "━" * max(0, inner - left - len(label)), CURSOR)

    def _frame(self, t: float, inner: Text, width: int) -> Text:
        """Time column, left rail, the row's content padded to the gap, right rail."""
        gap = max(4, width - TIME_COLUMN - 2)
        inner.truncate(gap, overflow="ellipsis", pad=True)
        rail = Style(color=LANE_STYLE["client"], dim=True)
        return (
            Text(f"{t:7.3f} ", style="dim")
            + Text("│", rail)
            + inner
            + Text("│", Style(color=LANE_STYLE["server"], dim=True))
        )

    def _lane(self, t: float, endpoint: str, content: Text, width: int) -> Text:
        gap = max(4, width - TIME_COLUMN - 2)
        if endpoint == "server":
            content = Text(" " * max(0, gap - len(content.plain))) + content
        return self._frame(t, content, width)

    def _centre(self, t: float, content: Text, width: int) -> Text:
        gap = max(4, width - TIME_COLUMN - 2)
        return self._frame(t, Text(" " * max(0, (gap - len(content.plain)) // 2)) + content, width)

    def _row_text(self, e: TraceEvent, width: int) -> Text:
        if isinstance(e, SendEvent):
            return self._arrow(e, width)
        if isinstance(e, StateEvent):
            text = state_text(e.old) + Text(" → ") + state_text(e.new)
            text.stylize("bold")
            return self._lane(
                e.t, e.endpoint, Text("├ ") + text if e.endpoint == "client" else text + Text(" ┤"), width
            )
        if isinstance(e, DropEvent):
            return self._centre(e.t, Text(f"✕ #{e.id} lost", style="bold red"), width)
        if isinstance(e, DuplicateEvent):
            return self._centre(e.t, Text(f"⧉ #{e.id} duplicated", style="yellow"), width)
        if isinstance(e, DelayEvent):
            return self._centre(e.t, Text(f"⏱ #{e.id} delayed +{e.by:g} s", style="yellow"), width)
        if isinstance(e, DeliverEvent):
            return self._lane(e.t, e.endpoint, Text(f"app ← {e.data.decode('utf-8', 'replace')!r}", "green"), width)
        if isinstance(e, CallEvent):
            arg = f" {e.data.decode('utf-8', 'replace')!r}" if e.data else ""
            return self._lane(e.t, e.endpoint, Text(f"▸ {e.call}{arg}", f"bold {LANE_STYLE[e.endpoint]}"), width)
        if isinstance(e, ErrorEvent):
            return self._lane(e.t, e.endpoint, Text(f"✗ {e.call}: {e.message}", "red"), width)
        if isinstance(e, SignalEvent):
            return self._lane(e.t, e.endpoint, Text(f"⚑ {e.message}", "yellow"), width)
        if isinstance(e, TimerEvent):
            if e.name == "2msl" and e.action in ("set", "restart"):
                verb = "2MSL wait" if e.action == "set" else "2MSL RESTARTED"
                return self._lane(e.t, e.endpoint, Text(f"◔ {verb} until {e.deadline:g}", "bold magenta"), width)
            name = "2MSL" if e.name == "2msl" else "RTO"
            return self._lane(e.t, e.endpoint, Text(f"◔ {name} {e.action}", "magenta"), width)
        if isinstance(e, ExpectEvent):
            return self._frame(e.t, Text(" ") + expect_line(e), width)
        if isinstance(e, CaptureNote):
            note = Text(f"⚠ {e.text}", "italic yellow")
            return self._lane(e.t, e.endpoint, note, width) if e.endpoint else self._centre(e.t, note, width)
        return self._frame(e.t, Text(""), width)

    def _progress(self, e: SendEvent) -> float:
        """How far along its arrow segment ``e`` is: 1 once arrived, ½ and stopped if dropped."""
        if e.id in self._dropped and self._dropped[e.id] <= self.now + 1e-9:
            return 0.5
        flight = self.in_flight.get(e.id)
        if flight is None:
            return 1.0
        if flight.arrive_at is None:  # dropped later on its way
            end = flight.sent_at + self.latency / 2
            return min(0.5, 0.5 * (self.now - flight.sent_at) / max(end - flight.sent_at, 1e-9))
        span = max(flight.arrive_at - flight.sent_at, 1e-9)
        return max(0.0, min(1.0, (self.now - flight.sent_at) / span))

    def _arrow(self, e: SendEvent, width: int) -> Text:
        gap = max(4, width - TIME_COLUMN - 2)
        seg = e.segment
        label = segment_label(seg, e.id)
        marks = ("⚡" if e.injected else "") + ("⟳" if e.retransmission else "") + self._marks.get(e.id, "")
        if marks:
            label = f"{label} {marks}"
        style = "bold red" if seg.flags & Flags.RST else LANE_STYLE[e.endpoint]
        progress = self._progress(e)
        lost = e.id in self._dropped and self._dropped[e.id] <= self.now + 1e-9
        head = "✕" if lost else ("▶" if e.endpoint == "client" else "◀")
        travelled = max(0, round(progress * (gap - 1)) - len(label) - 2)
        shaft = "─" * travelled
        if progress < 1.0 and not lost:
            head = "●"
        head_style = "bold red" if lost else style
        if e.endpoint == "client":
            content = Text(" " + label + " ", style) + Text(shaft, "dim") + Text(head, head_style)
        else:
            body = Text(head, head_style) + Text(shaft, "dim") + Text(" " + label + " ", style)
            content = Text(" " * max(0, gap - len(body.plain))) + body
        return self._frame(e.t, content, width)
