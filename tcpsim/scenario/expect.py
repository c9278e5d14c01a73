"""A scenario's ``[[expect]]`` tables, checked against a world: one trace record per checked item.

The runner calls :func:`check` at each expectation's checkpoint (after everything else of that
instant, see :mod:`tcpsim.sim.world`); the UI's session does the same while the user steps.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from ..core.names import EndpointName
from ..core.segment import Segment
from ..sim.trace import SendEvent, TraceEvent, segment_fields
from ..sim.world import World
from .model import Expectation, SentSpec, spec_fields


@dataclass(slots=True, unsafe_hash=True)
class ExpectEvent(TraceEvent):
    """One checked item of an ``[[expect]]``: a state, the bytes received, or the last segment sent."""

    index: int
    check: str
    """``state``, ``received`` or ``last_sent``."""
    endpoint: EndpointName | None
    expected: Any
    actual: Any
    ok: bool
    note: str = ""

    type: ClassVar[str] = "expect"

    def _fields(self) -> dict[str, Any]:
        fields = {
            "ok": self.ok,
            "endpoint": self.endpoint,
            "check": self.check,
            "expected": self.expected,
            "actual": self.actual,
            "index": self.index,
        }
        if self.note:
            fields["note"] = self.note
        return fields


def check(world: World, expectation: Expectation) -> list[ExpectEvent]:
    """Evaluate one ``[[expect]]`` against the world as it is now."""
    t, idx, note = world.now, expectation.index, expectation.note
    out = []
    for name, state in expectation.states.items():
        actual = world.endpoints[name].state
        out.append(ExpectEvent(t, idx, "state", name, state.value, actual.value, actual is state, note))
    for name, data in expectation.received.items():
        got = bytes(world.endpoints[name].received)
        expected, seen = data.decode("utf-8", "replace"), got.decode("utf-8", "replace")
        out.append(ExpectEvent(t, idx, "received", name, expected, seen, got == data, note))
    if expectation.last_sent is not None:
        spec = expectation.last_sent
        sent = last_sent(world.trace, spec.sender)
        actual_fields = None if sent is None else sent_fields(sent)
        ok = sent is not None and sent_matches(spec, sent.segment)
        out.append(ExpectEvent(t, idx, "last_sent", spec.sender, spec_fields(spec), actual_fields, ok, note))
    return out


def last_sent(trace: list[TraceEvent], sender: EndpointName | None) -> SendEvent | None:
    """The most recent segment an endpoint sent (injected segments are not the endpoint's own)."""
    for event in reversed(trace):
        if isinstance(event, SendEvent) and not event.injected and (sender is None or event.endpoint == sender):
            return event
    return None


def sent_matches(spec: SentSpec, seg: Segment) -> bool:
    """Whether every key ``last_sent`` gives equals the segment's."""
    return (
        (spec.flags is None or seg.flags == spec.flags)
        and (spec.has is None or seg.flags & spec.has == spec.has)
        and (spec.seq is None or seg.seq == spec.seq)
        and (spec.ack is None or seg.ack == spec.ack)
        and (spec.len is None or len(seg.data) == spec.len)
        and (spec.data is None or seg.data == spec.data)
    )


def sent_fields(event: SendEvent) -> dict[str, Any]:
    """A sent segment under the keys ``last_sent`` uses, and its id: what a check saw."""
    fields = segment_fields(event.segment)
    return {"from": event.endpoint, "id": event.id, **{k: fields[k] for k in ("flags", "seq", "ack", "len", "data")}}
