"""The timeline: a ladder diagram with a rail per endpoint and time running down.

Each segment is an arrow from its sender's rail towards the receiver's, labelled with flags, seq,
ack and length (relative to the ISNs when ``t`` says so). While a segment is in flight its arrow
grows with simulated time; a dropped one stops halfway with a ✕. When a row is narrow the label is
shortened, never the arrow. State changes are written against the rails when they happen; the
present is a line, and under it every fault rule still armed. It draws the view it is given.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text

from ...capture.notes import CaptureNote  # not capture.observer, which start-up need not load
from ...core.segment import Flags, Segment
from ...core.states import parse_state
from ...i18n import _
from ...scenario.expect import ExpectEvent
from ...scenario.view import FaultView, FlightView, View
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
from ...sim.wording import rule_text
from ..numbers import label_forms, numbers, segment_text
from ..words import data_text, expect_text, fault_mark, safe, stack_playing, timer_name
from .rows import Rows

TIME_COLUMN = 8
MIN_SHAFT = 2
"""The shortest arrow drawn: one shaft cell and the head."""


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


class Timeline(Rows):
    """A virtualised ladder diagram of the session's trace."""

    DEFAULT_CSS = """
    Timeline { height: 1fr; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *Rows.COMPONENT_CLASSES,
        "timeline--client",
        "timeline--server",
        "timeline--muted",
        "timeline--bad",
        "timeline--warn",
        "timeline--good",
        "timeline--timer",
    }
    ROLES: ClassVar[dict[str, tuple[str, str]]] = {
        "timeline--time": ("timeline--muted", ""),
        "timeline--shaft": ("timeline--muted", ""),
        "timeline--closed": ("timeline--muted", ""),
        "timeline--lost": ("timeline--bad", "bold"),
        "timeline--rst": ("timeline--bad", "bold"),
        "timeline--error": ("timeline--bad", ""),
        "timeline--fail": ("timeline--bad", "bold"),
        "timeline--armed": ("timeline--bad", "bold"),
        "timeline--fault": ("timeline--warn", ""),
        "timeline--signal": ("timeline--warn", ""),
        "timeline--note": ("timeline--warn", "italic"),
        "timeline--opening": ("timeline--warn", ""),
        "timeline--now": ("timeline--warn", "bold"),
        "timeline--deliver": ("timeline--good", ""),
        "timeline--pass": ("timeline--good", ""),
        "timeline--established": ("timeline--good", ""),
        "timeline--closing": ("timeline--timer", ""),
    }

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.now = 0.0
        self.latency = 0.1
        self.flights: dict[int, FlightView] = {}
        self.faults: tuple[FaultView, ...] = ()
        self._dropped: dict[int, tuple[float, int]] = {}
        """Lost segment id -> (when, trace position of the record saying so)."""
        self._marks: dict[int, tuple[str, int]] = {}
        self._row_of: dict[int, int] = {}
        """Segment id -> the row of its arrow."""
        self._in_flight_rows: set[int] = set()

    # ------------------------------------------------------------------ data
    def accepts(self, record: TraceEvent) -> bool:
        return _shown(record)

    def noted(self, position: int, record: TraceEvent) -> None:
        if isinstance(record, SendEvent):
            self._row_of[record.id] = len(self.positions)
            return
        if isinstance(record, DropEvent):
            self._dropped[record.id] = (record.t, position)
        elif isinstance(record, DuplicateEvent):
            self._marks[record.id] = ("⧉", position)
        elif isinstance(record, DelayEvent):
            self._marks[record.id] = ("⏱", position)
        else:
            return
        row = self._row_of.get(record.id)
        if row is not None:
            self.uncache(row)

    def forget(self, length: int) -> None:
        for table in (self._dropped, self._marks):
            for sid in [sid for sid, (_when, position) in table.items() if position >= length]:
                del table[sid]
                if sid in self._row_of:
                    self.uncache(self._row_of[sid])
        rows = len([p for p in self.positions if p < length])
        for sid in [sid for sid, row in self._row_of.items() if row >= rows]:
            del self._row_of[sid]

    def show(self, view: View, *, relative: bool) -> None:
        self.now, self.latency, self.flights, self.faults = view.t, view.latency, dict(view.flights), view.faults
        super().show(view, relative=relative)

    def label_of(self, segment: Segment, sid: int, sender: str) -> str:
        """A segment's full label as the timeline shows it now (relative numbers if ``t`` is on)."""
        position = self.positions[self._row_of[sid]] if sid in self._row_of else len(self.records)
        seq, ack = numbers(segment, sender, position, self.bases if self.relative else None)
        return label_forms(segment, sid, seq, ack)[0]

    def segment_label(self, position: int, record: TraceEvent) -> str | None:
        """A segment record's full label with its numbers as ``t`` asks (None for other records)."""
        if not isinstance(record, SendEvent):
            return None
        return segment_text(record.segment, record.id, record.endpoint, position, self.bases if self.relative else None)

    def relative_numbers(self, position: int, record: TraceEvent) -> tuple[int, int] | None:
        """A segment record's (seq, ack) relative to the ISNs in force where it was sent, for its
        details (None for other records, or before any ISN is known)."""
        if not isinstance(record, SendEvent):
            return None
        if self.bases.base(record.endpoint, position) is None:
            return None
        return numbers(record.segment, record.endpoint, position, self.bases)

    def volatile(self) -> set[int]:
        rows = {self._row_of[sid] for sid in self.flights if sid in self._row_of}
        changed = rows | self._in_flight_rows
        self._in_flight_rows = rows
        return changed

    def extra_rows(self) -> int:
        return 1 + len(self.faults)

    # ------------------------------------------------------------------ drawing
    def extra_text(self, row: int, width: int) -> Text:
        if row == 0:
            label = " " + _("now {t} s").format(t=f"{self.now:.3f}") + " "
            inner = max(0, width - TIME_COLUMN)
            size = cell_len(label)
            left = max(0, (inner - size) // 2)
            line = "━" * left + label + "━" * max(0, inner - left - size)
            return Text(" " * TIME_COLUMN) + Text(line, self.style_of("timeline--now"))
        fault = self.faults[row - 1]
        return self._centre(self.now, Text(fault_mark(fault), self.style_of("timeline--armed")), width, time=False)

    def _rails(self, t: float | None, inner: Text, width: int) -> Text:
        """Time column, left rail, the row's content padded to the gap, right rail."""
        gap = max(4, width - TIME_COLUMN - 2)
        inner.truncate(gap, overflow="ellipsis", pad=True)
        time = Text(f"{t:7.3f} " if t is not None else " " * TIME_COLUMN, self.style_of("timeline--time"))
        left = Text("│", self.style_of("timeline--client"))
        right = Text("│", self.style_of("timeline--server"))
        return time + left + inner + right

    def _lane(self, t: float, endpoint: str, content: Text, width: int) -> Text:
        gap = max(4, width - TIME_COLUMN - 2)
        if endpoint == "server":
            content = Text(" " * max(0, gap - content.cell_len)) + content
        return self._rails(t, content, width)

    def _centre(self, t: float, content: Text, width: int, *, time: bool = True) -> Text:
        gap = max(4, width - TIME_COLUMN - 2)
        return self._rails(t if time else None, Text(" " * max(0, (gap - content.cell_len) // 2)) + content, width)

    def _state(self, name: str) -> Text:
        return Text(name, self.style_of(f"timeline--{parse_state(name).phase}"))

    def row_text(self, row: int, width: int) -> Text:
        e = self.record(row)
        lane = self.style_of
        if isinstance(e, SendEvent):
            return self._arrow(e, self.positions[row], width)
        if isinstance(e, StateEvent):
            text = self._state(e.old) + Text(" → ") + self._state(e.new)
            text.stylize("bold")
            return self._lane(
                e.t, e.endpoint, Text("├ ") + text if e.endpoint == "client" else text + Text(" ┤"), width
            )
        if isinstance(e, DropEvent):
            return self._centre(e.t, Text(_("✕ #{id} lost").format(id=e.id), lane("timeline--lost")), width)
        if isinstance(e, DuplicateEvent):
            return self._centre(e.t, Text(_("⧉ #{id} duplicated").format(id=e.id), lane("timeline--fault")), width)
        if isinstance(e, DelayEvent):
            delayed = _("⏱ #{id} delayed +{by} s").format(id=e.id, by=f"{e.by:g}")
            return self._centre(e.t, Text(delayed, lane("timeline--fault")), width)
        if isinstance(e, DeliverEvent):
            delivered = _("app ← {data}").format(data=data_text(e.data))
            return self._lane(e.t, e.endpoint, Text(delivered, lane("timeline--deliver")), width)
        if isinstance(e, CallEvent):
            arg = f" {data_text(e.data)}" if e.data else ""
            return self._lane(e.t, e.endpoint, Text(f"▸ {e.call}{arg}", lane(f"timeline--{e.endpoint}")), width)
        if isinstance(e, ErrorEvent):
            error = f"✗ {e.call}: {rule_text(e.message)}"
            return self._lane(e.t, e.endpoint, Text(error, lane("timeline--error")), width)
        if isinstance(e, SignalEvent):
            return self._lane(e.t, e.endpoint, Text(f"⚑ {rule_text(e.message)}", lane("timeline--signal")), width)
        if isinstance(e, TimerEvent):
            if e.name == "2msl" and e.action in ("set", "restart"):
                set_ = e.action == "set"
                if e.rule:  # a stack's own length (Linux's 60 s), not 2·MSL
                    wait = _("◔ TIME-WAIT until t = {t} s") if set_ else _("◔ TIME-WAIT RESTARTED until t = {t} s")
                else:
                    wait = _("◔ 2MSL wait until t = {t} s") if set_ else _("◔ 2MSL RESTARTED until t = {t} s")
                armed = lane("timeline--timer") + lane("timeline--armed")
                return self._lane(e.t, e.endpoint, Text(wait.format(t=f"{e.deadline:g}"), armed), width)
            name = timer_name(e.name, stack_playing(self.stacks, e.endpoint))
            said = _("◔ {timer} expired") if e.action == "expire" else _("◔ {timer} cancelled")
            return self._lane(e.t, e.endpoint, Text(said.format(timer=name), lane("timeline--timer")), width)
        if isinstance(e, ExpectEvent):
            text = Text(" " + safe(expect_text(e)), lane("timeline--pass" if e.ok else "timeline--fail"))
            if e.note:
                text.append("  " + _("({note})").format(note=safe(_(e.note))), lane("timeline--note"))
            return self._rails(e.t, text, width)
        if isinstance(e, CaptureNote):
            note = Text(f"⚠ {safe(e.text)}", lane("timeline--note"))
            return self._lane(e.t, e.endpoint, note, width) if e.endpoint else self._centre(e.t, note, width)
        return self._rails(e.t, Text(""), width)

    def _progress(self, e: SendEvent) -> tuple[float, bool]:
        """How far along its arrow segment ``e`` is (1 once arrived, ½ if dropped), and whether lost."""
        lost = self._dropped.get(e.id)
        if lost is not None and lost[0] <= self.now + 1e-9:
            return 0.5, True
        flight = self.flights.get(e.id)
        if flight is None:
            return 1.0, False
        if flight.arrive_at is None:  # being dropped on its way
            end = flight.sent_at + self.latency / 2
            return min(0.5, 0.5 * (self.now - flight.sent_at) / max(end - flight.sent_at, 1e-9)), False
        span = max(flight.arrive_at - flight.sent_at, 1e-9)
        return max(0.0, min(1.0, (self.now - flight.sent_at) / span)), False

    def _arrow(self, e: SendEvent, position: int, width: int) -> Text:
        gap = max(4, width - TIME_COLUMN - 2)
        seq, ack = numbers(e.segment, e.endpoint, position, self.bases if self.relative else None)
        marks = ("⚡" if e.injected else "") + ("⟳" if e.retransmission else "") + self._marks.get(e.id, ("",))[0]
        progress, lost = self._progress(e)
        reach = round(progress * (gap - 1))  # the cells from the sender's rail to the head
        room = max(1, gap - 2 - MIN_SHAFT)  # the label's room when the arrow is at its shortest
        label = next(
            (form for form in label_forms(e.segment, e.id, seq, ack) if len(form) + len(marks) + 1 <= room), ""
        )
        label = f"{label} {marks}" if marks and label else (label or f"#{e.id}")
        if len(label) > room:
            label = label[: max(1, room - 1)] + "…"
        sender = (
            self.style_of("timeline--rst") if e.segment.flags & Flags.RST else self.style_of(f"timeline--{e.endpoint}")
        )
        head = "✕" if lost else ("▶" if e.endpoint == "client" else "◀")
        if progress < 1.0 and not lost:
            head = "●"
        head_style = self.style_of("timeline--lost") if lost else sender
        shaft = Text("─" * max(0, reach - len(label) - 2), self.style_of("timeline--shaft"))
        if e.endpoint == "client":
            content = Text(" " + label + " ", sender) + shaft + Text(head, head_style)
        else:
            body = Text(head, head_style) + shaft + Text(" " + label + " ", sender)
            content = Text(" " * max(0, gap - body.cell_len)) + body
        return self._rails(e.t, content, width)
