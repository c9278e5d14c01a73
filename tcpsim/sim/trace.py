"""The trace: every thing that happens in a world, as typed records in the order they happened.

Each record turns into one JSON object (the ``--format jsonl`` contract): ``t``, ``type`` and the
type's own fields. Records are values, never changed once made, and only ever appended, so a
snapshot of a world only needs to remember how long its trace was. They are slotted dataclasses but
not frozen ones: a frozen dataclass's ``__init__`` costs about four times as much (measured: 0.7 µs
against 0.15 µs for seven fields), and a world writes several records per event.

Each record class has one JSON ``type``, a class attribute. Records that other packages add (the
capture import's notes, the scenario's expectation checks) subclass :class:`TraceEvent` beside the
code that writes them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from ..core.segment import Segment
from .network import FaultRule, Match

FORMATS = ("text", "jsonl", "tcpdump", "mermaid")
"""The ways ``tcpsim run`` and ``tcpsim import`` print a trace (``--format``): a ladder diagram,
these records as JSON lines, tcpdump's text, a Mermaid sequence diagram."""


RESOLUTION = 1e-9
"""The simulated clock's step: :func:`round_time` keeps nine decimals, so a duration shorter than
this (but not 0) would become 0; the scenario loader and the command line refuse one."""


def round_time(t: float) -> float:
    """Simulated times are kept to the nanosecond so that 0.1 + 0.2 and 0.3 are the same instant."""
    return float(round(t, 9))


def segment_fields(seg: Segment) -> dict[str, Any]:
    """The fields of a segment as the trace writes them."""
    return {
        "flags": seg.flag_text,
        "seq": seg.seq,
        "ack": seg.ack,
        "len": len(seg.data),
        "wnd": seg.wnd,
        "sport": seg.sport,
        "dport": seg.dport,
        "data": seg.data.decode("utf-8", "replace"),
    }


@dataclass(slots=True, unsafe_hash=True)
class TraceEvent:
    """Base of all records: the simulated time it happened at."""

    t: float

    type: ClassVar[str] = "event"
    """The record's ``type`` in JSON: each record class sets its own."""

    def to_dict(self) -> dict[str, Any]:
        """The JSON object for this record, ``t`` and ``type`` first."""
        return {"t": round(self.t, 6), "type": self.type, **self._fields()}

    def _fields(self) -> dict[str, Any]:
        return {}


@dataclass(slots=True, unsafe_hash=True)
class StateEvent(TraceEvent):
    endpoint: str
    old: str
    new: str
    event: str
    rule: str

    type: ClassVar[str] = "state"

    def _fields(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "from": self.old, "to": self.new, "event": self.event, "rule": self.rule}


@dataclass(slots=True, unsafe_hash=True)
class SendEvent(TraceEvent):
    """A segment put on the wire by an endpoint."""

    endpoint: str
    id: int
    segment: Segment
    rule: str
    retransmission: bool = False

    type: ClassVar[str] = "send"
    injected: ClassVar[bool] = False
    """True for an :class:`InjectEvent`: the endpoint did not send it."""

    def _fields(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "id": self.id,
            **segment_fields(self.segment),
            "retransmission": self.retransmission,
            "rule": self.rule,
        }


@dataclass(slots=True, unsafe_hash=True)
class InjectEvent(SendEvent):
    """A hand-made segment a scenario put on the wire in ``endpoint``'s name; that endpoint's state
    is not involved (a puppet peer, as packetdrill scripts use)."""

    type: ClassVar[str] = "inject"
    injected: ClassVar[bool] = True


@dataclass(slots=True, unsafe_hash=True)
class ArriveEvent(TraceEvent):
    endpoint: str
    id: int
    copy: bool = False
    """True for the second copy of a duplicated segment."""

    type: ClassVar[str] = "arrive"

    def _fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {"endpoint": self.endpoint, "id": self.id}
        if self.copy:
            fields["copy"] = True
        return fields


@dataclass(slots=True, unsafe_hash=True)
class DropEvent(TraceEvent):
    id: int
    endpoint: str
    """The sender of the lost segment."""

    type: ClassVar[str] = "drop"

    def _fields(self) -> dict[str, Any]:
        return {"id": self.id, "endpoint": self.endpoint}


@dataclass(slots=True, unsafe_hash=True)
class DuplicateEvent(TraceEvent):
    id: int
    endpoint: str

    type: ClassVar[str] = "duplicate"

    def _fields(self) -> dict[str, Any]:
        return {"id": self.id, "endpoint": self.endpoint}


@dataclass(slots=True, unsafe_hash=True)
class DelayEvent(TraceEvent):
    id: int
    endpoint: str
    by: float

    type: ClassVar[str] = "delay"

    def _fields(self) -> dict[str, Any]:
        return {"id": self.id, "endpoint": self.endpoint, "by": self.by}


@dataclass(slots=True, unsafe_hash=True)
class DeliverEvent(TraceEvent):
    endpoint: str
    data: bytes

    type: ClassVar[str] = "deliver"

    def _fields(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "data": self.data.decode("utf-8", "replace")}


@dataclass(slots=True, unsafe_hash=True)
class CallEvent(TraceEvent):
    """The user (or a scenario step) made a call on an endpoint: listen, connect, send…"""

    endpoint: str
    call: str
    data: bytes = b""
    note: str = ""

    type: ClassVar[str] = "call"

    def _fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {"endpoint": self.endpoint, "call": self.call}
        if self.data:
            fields["data"] = self.data.decode("utf-8", "replace")
        if self.note:
            fields["note"] = self.note
        return fields


@dataclass(slots=True, unsafe_hash=True)
class ErrorEvent(TraceEvent):
    """A user call the endpoint refused, with the RFC's error string."""

    endpoint: str
    call: str
    message: str

    type: ClassVar[str] = "error"

    def _fields(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "call": self.call, "message": self.message}


@dataclass(slots=True, unsafe_hash=True)
class SignalEvent(TraceEvent):
    """An asynchronous report to the endpoint's user ("error: connection reset", …)."""

    endpoint: str
    message: str
    rule: str

    type: ClassVar[str] = "signal"

    def _fields(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "message": self.message, "rule": self.rule}


@dataclass(slots=True, unsafe_hash=True)
class DiscardEvent(TraceEvent):
    """An arriving segment that the endpoint dropped, and why."""

    endpoint: str
    id: int
    reason: str
    rule: str

    type: ClassVar[str] = "discard"

    def _fields(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "id": self.id, "reason": self.reason, "rule": self.rule}


@dataclass(slots=True, unsafe_hash=True)
class TimerEvent(TraceEvent):
    endpoint: str
    name: str
    action: str
    deadline: float | None
    rule: str = ""
    """The stack personality's rule that set this deadline; absent from the JSON when empty."""

    type: ClassVar[str] = "timer"

    def _fields(self) -> dict[str, Any]:
        deadline = None if self.deadline is None else round(self.deadline, 6)
        fields: dict[str, Any] = {"endpoint": self.endpoint, "name": self.name, "action": self.action}
        fields["deadline"] = deadline
        if self.rule:
            fields["rule"] = self.rule
        return fields


@dataclass(frozen=True, slots=True)
class FaultNote:
    """What a note about the network announces, in parts: a fault rule armed (``drop``,
    ``duplicate``, ``delay``) or cancelled, or a segment injected (``inject``, by ``match.sender``).
    The note's ``text`` says it in English; :func:`tcpsim.sim.wording.note_text` composes it in the
    user's language from these."""

    kind: str
    match: Match = field(default_factory=Match)
    count: int = 1
    by: float = 0.0
    cancelled: bool = False


@dataclass(slots=True, unsafe_hash=True)
class NoteEvent(TraceEvent):
    """Something the host wants in the trace that is not a protocol event (a fault rule armed…).

    ``text`` is the whole note in English, the JSON lines' ``text``; ``fault`` and ``note`` keep its
    parts for the display (not in the JSON lines, which ``text`` already tells)."""

    text: str
    fault: FaultNote | None = field(default=None, kw_only=True)
    note: str = field(default="", kw_only=True)
    """The scenario author's note the text ends with (after " — "): a message of the scenarios."""

    type: ClassVar[str] = "note"

    def _fields(self) -> dict[str, Any]:
        return {"text": self.text}


def fault_announcement(t: float, rule: FaultRule, note: str = "", *, cancelled: bool = False) -> NoteEvent:
    """The note that a fault rule is armed (or ``cancelled``), with the author's ``note`` on why:
    ``network: drop the next 1 × from client flags=ACK — the last ACK``."""
    head = f"network: cancelled: {rule.describe()}" if cancelled else f"network: {rule.describe()}"
    fault = FaultNote(rule.kind, rule.match, rule.count, rule.by, cancelled)
    return NoteEvent(t, f"{head} — {note}" if note else head, fault=fault, note=note)
