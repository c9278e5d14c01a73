"""The trace: every thing that happens in a world, as typed records in the order they happened.

Each record turns into one JSON object (the ``--format jsonl`` contract): ``t``, ``type`` and the
type's own fields. Records are values, never changed once made, and only ever appended, so a
snapshot of a world only needs to remember how long its trace was. They are slotted dataclasses but
not frozen ones: a frozen dataclass's ``__init__`` costs about four times as much (measured: 0.7 µs
against 0.15 µs for seven fields), and a world writes several records per event. For the same
reason the records written on every event spell out their ``__init__``: compiled by mypyc (a
regular install, setup.py) it runs natively, where the one ``@dataclass`` generates is interpreted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..core.record import Record
from ..core.segment import Segment


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
class TraceEvent(Record):
    """Base of all records: the simulated time it happened at."""

    t: float
    # No __init__ of its own: compiled, a subclass that keeps the generated one would call it (mypyc bug).

    @property
    def type(self) -> str:  # a property, not a ClassVar: in compiled code a ClassVar of a dataclass
        # becomes a field (mypyc#1122). Each record type overrides it with its JSON ``type``.
        return "event"

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

    # mypyc compiles this __init__; the one @dataclass generates would run interpreted
    def __init__(self, t: float, endpoint: str, old: str, new: str, event: str, rule: str) -> None:
        self.t = t
        self.endpoint = endpoint
        self.old = old
        self.new = new
        self.event = event
        self.rule = rule

    @property
    def type(self) -> str:
        return "state"

    def _fields(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "from": self.old, "to": self.new, "event": self.event, "rule": self.rule}


@dataclass(slots=True, unsafe_hash=True)
class SendEvent(TraceEvent):
    """A segment put on the wire by an endpoint (``injected``: by a scenario, in its name)."""

    endpoint: str
    id: int
    segment: Segment
    rule: str
    retransmission: bool = False
    injected: bool = False

    # mypyc compiles this __init__; the one @dataclass generates would run interpreted
    def __init__(
        self,
        t: float,
        endpoint: str,
        id: int,
        segment: Segment,
        rule: str,
        retransmission: bool = False,
        injected: bool = False,
    ) -> None:
        self.t = t
        self.endpoint = endpoint
        self.id = id
        self.segment = segment
        self.rule = rule
        self.retransmission = retransmission
        self.injected = injected

    @property
    def type(self) -> str:  # type: ignore[override]
        return "inject" if self.injected else "send"

    def _fields(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "id": self.id,
            **segment_fields(self.segment),
            "retransmission": self.retransmission,
            "rule": self.rule,
        }


@dataclass(slots=True, unsafe_hash=True)
class ArriveEvent(TraceEvent):
    endpoint: str
    id: int
    copy: bool = False
    """True for the second copy of a duplicated segment."""

    # mypyc compiles this __init__; the one @dataclass generates would run interpreted
    def __init__(self, t: float, endpoint: str, id: int, copy: bool = False) -> None:
        self.t = t
        self.endpoint = endpoint
        self.id = id
        self.copy = copy

    @property
    def type(self) -> str:
        return "arrive"

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

    @property
    def type(self) -> str:
        return "drop"

    def _fields(self) -> dict[str, Any]:
        return {"id": self.id, "endpoint": self.endpoint}


@dataclass(slots=True, unsafe_hash=True)
class DuplicateEvent(TraceEvent):
    id: int
    endpoint: str

    @property
    def type(self) -> str:
        return "duplicate"

    def _fields(self) -> dict[str, Any]:
        return {"id": self.id, "endpoint": self.endpoint}


@dataclass(slots=True, unsafe_hash=True)
class DelayEvent(TraceEvent):
    id: int
    endpoint: str
    by: float

    @property
    def type(self) -> str:
        return "delay"

    def _fields(self) -> dict[str, Any]:
        return {"id": self.id, "endpoint": self.endpoint, "by": self.by}


@dataclass(slots=True, unsafe_hash=True)
class DeliverEvent(TraceEvent):
    endpoint: str
    data: bytes

    # mypyc compiles this __init__; the one @dataclass generates would run interpreted
    def __init__(self, t: float, endpoint: str, data: bytes) -> None:
        self.t = t
        self.endpoint = endpoint
        self.data = data

    @property
    def type(self) -> str:
        return "deliver"

    def _fields(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "data": self.data.decode("utf-8", "replace")}


@dataclass(slots=True, unsafe_hash=True)
class CallEvent(TraceEvent):
    """The user (or a scenario step) made a call on an endpoint: listen, connect, send…"""

    endpoint: str
    call: str
    data: bytes = b""
    note: str = ""

    @property
    def type(self) -> str:
        return "call"

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

    @property
    def type(self) -> str:
        return "error"

    def _fields(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "call": self.call, "message": self.message}


@dataclass(slots=True, unsafe_hash=True)
class SignalEvent(TraceEvent):
    """An asynchronous report to the endpoint's user ("error: connection reset", …)."""

    endpoint: str
    message: str
    rule: str

    # mypyc compiles this __init__; the one @dataclass generates would run interpreted
    def __init__(self, t: float, endpoint: str, message: str, rule: str) -> None:
        self.t = t
        self.endpoint = endpoint
        self.message = message
        self.rule = rule

    @property
    def type(self) -> str:
        return "signal"

    def _fields(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "message": self.message, "rule": self.rule}


@dataclass(slots=True, unsafe_hash=True)
class DiscardEvent(TraceEvent):
    """An arriving segment that the endpoint dropped, and why."""

    endpoint: str
    id: int
    reason: str
    rule: str

    @property
    def type(self) -> str:
        return "discard"

    def _fields(self) -> dict[str, Any]:
        return {"endpoint": self.endpoint, "id": self.id, "reason": self.reason, "rule": self.rule}


@dataclass(slots=True, unsafe_hash=True)
class TimerEvent(TraceEvent):
    endpoint: str
    name: str
    action: str
    deadline: float | None

    # mypyc compiles this __init__; the one @dataclass generates would run interpreted
    def __init__(self, t: float, endpoint: str, name: str, action: str, deadline: float | None) -> None:
        self.t = t
        self.endpoint = endpoint
        self.name = name
        self.action = action
        self.deadline = deadline

    @property
    def type(self) -> str:
        return "timer"

    def _fields(self) -> dict[str, Any]:
        deadline = None if self.deadline is None else round(self.deadline, 6)
        return {"endpoint": self.endpoint, "name": self.name, "action": self.action, "deadline": deadline}


@dataclass(slots=True, unsafe_hash=True)
class NoteEvent(TraceEvent):
    """Something the host wants in the trace that is not a protocol event (a fault rule armed…)."""

    text: str

    @property
    def type(self) -> str:
        return "note"

    def _fields(self) -> dict[str, Any]:
        return {"text": self.text}


# Defined here rather than in tcpsim.capture.observer (which uses it): a mypyc-compiled class can only be
# extended by compiled classes, unless it allows interpreted subclasses (slower construction).
@dataclass(slots=True, unsafe_hash=True)
class CaptureNote(NoteEvent):
    """What the observer could not explain, or had to assume, about a capture.

    ``kind``: ``start`` (the capture begins mid-connection), ``unexplained`` (a segment the
    inferred state does not allow), ``gap`` (bytes missing from the capture), ``lost`` (taken as
    lost on the way), ``late`` (arrived late), ``missing`` (a segment the model would send is not
    in the capture), ``time-wait`` (TIME-WAIT ended before 2·MSL) and ``projection`` (what
    happens after the capture ends).
    """

    endpoint: str | None = None
    kind: str = "note"

    def _fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = {"text": self.text, "kind": self.kind}
        if self.endpoint is not None:
            fields["endpoint"] = self.endpoint
        return fields
