"""Where a capture is taken, and what it sees: the packets of a trace at the sender or the receiver.

``sender`` (the default) captures on the wire as each segment leaves its sender, like tcpdump on
that host: every transmission once, at the time it was sent, including the ones the network then
drops, and a segment the network duplicates once. ``receiver`` captures what arrives, like tcpdump
on the receiving host: dropped segments are absent, a duplicated one appears twice, and every
packet is stamped with its arrival time (a delayed one late, after segments sent after it).
Injected segments are on the wire like any other.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Literal

from ..scenario.model import Scenario
from ..sim.trace import ArriveEvent, SendEvent, TraceEvent

CapturePoint = Literal["sender", "receiver"]
CAPTURE_POINTS: tuple[CapturePoint, ...] = ("sender", "receiver")
DEFAULT_ADDRESSES = {"client": "10.0.0.1", "server": "10.0.0.2"}


@dataclass(frozen=True, slots=True)
class Packet:
    """One packet as the capture sees it: the transmission and the time it was seen."""

    t: float
    send: SendEvent
    copy: bool = False
    """True for the second copy of a duplicated segment (receiver side only)."""

    @property
    def sender(self) -> str:
        return self.send.endpoint

    @property
    def receiver(self) -> str:
        return "server" if self.send.endpoint == "client" else "client"


def addresses(scenario: Scenario | None) -> dict[str, str]:
    """The IPv4 address of each endpoint: the scenario's ``address`` keys, else 10.0.0.1 and 10.0.0.2."""
    if scenario is None:
        return dict(DEFAULT_ADDRESSES)
    return {
        "client": scenario.client.address or DEFAULT_ADDRESSES["client"],
        "server": scenario.server.address or DEFAULT_ADDRESSES["server"],
    }


def check_capture_point(capture_point: str) -> CapturePoint:
    if capture_point not in CAPTURE_POINTS:
        raise ValueError(f"unknown capture point {capture_point!r} (expected sender or receiver)")
    return capture_point


def captured(trace: Iterable[TraceEvent], capture_point: str = "sender") -> Iterator[Packet]:
    """The packets a capture at ``capture_point`` records, in the order (and at the times) it sees them.

    Raises :class:`ValueError` at once for an unknown capture point.
    """
    return _captured(trace, check_capture_point(capture_point))


def _captured(trace: Iterable[TraceEvent], point: CapturePoint) -> Iterator[Packet]:
    sent: dict[int, SendEvent] = {}
    for event in trace:
        if isinstance(event, SendEvent):
            if point == "sender":
                yield Packet(event.t, event)
            else:
                sent[event.id] = event
        elif point == "receiver" and isinstance(event, ArriveEvent):
            send = sent.get(event.id)
            if send is not None:
                yield Packet(event.t, send, event.copy)
