"""What the observers made of one conversation: the trace, both sides at the end, and frames."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from ..core.states import State
from ..core.tcb import Endpoint
from ..sim.trace import StateEvent, TraceEvent
from .notes import CaptureNote
from .reader import Conversation, FrameNote, TcpPacket


@dataclass(frozen=True, slots=True)
class Frame:
    """The observation after one packet (or timer): for stepping through an import in the UI."""

    t: float
    trace_len: int
    endpoints: dict[str, Endpoint]


@dataclass(slots=True)
class Observation:
    """What the observers made of one conversation."""

    conversation: Conversation
    roles: dict[str, tuple[str, int]]
    trace: list[TraceEvent]
    """Every record, in order (empty when they were handed out one by one: :meth:`Observer.records`)."""
    endpoints: dict[str, Endpoint]
    end_states: dict[str, State]
    """Each side's state right after the capture's last packet (what ``ss`` would show then)."""
    end_time: float
    """The time of the last packet, in seconds since the first."""
    origin: float
    """The absolute time of the first packet."""
    msl: float
    frames: list[Frame]
    packets: int = 0
    """How many packets were observed."""
    note_count: int = 0
    problem_count: int = 0
    """Notes in the trace, and those on what the state machine cannot explain (all but projections)."""

    @property
    def notes(self) -> list[CaptureNote]:
        return [e for e in self.trace if isinstance(e, CaptureNote)]

    @property
    def problems(self) -> list[CaptureNote]:
        """The notes on what the state machine cannot explain (not the projection past the end)."""
        return [n for n in self.notes if n.kind != "projection"]

    def states(self, endpoint: str) -> list[tuple[str, str]]:
        """The (from, to) of every state change of one side, in order."""
        return [(e.old, e.new) for e in self.trace if isinstance(e, StateEvent) and e.endpoint == endpoint]


def merged(packets: Iterable[TcpPacket], notes: Iterable[FrameNote]) -> Iterator[TcpPacket | FrameNote]:
    """Packets and notes in file order (by frame number; a note before the packet of its frame)."""
    pending = iter(notes)
    note = next(pending, None)
    for packet in packets:
        while note is not None and note.frame <= packet.frame:
            yield note
            note = next(pending, None)
        yield packet
    if note is not None:
        yield note
        yield from pending
