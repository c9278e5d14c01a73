"""What a session shows: one immutable :class:`View` after each step, and the protocol of a session.

The UI draws views and sends intents; it never reaches into a world or a TCB. Three sessions speak
the same :class:`SessionProtocol`: the interactive :class:`~tcpsim.scenario.session.Session`, which
runs a world, :class:`~tcpsim.capture.session.ImportSession`, which steps through a capture, and
:class:`~tcpsim.packetdrill.session.ScriptSession`, which plays a packetdrill script line by line.

A view is a value: every field is a copy or an immutable record, except :attr:`TraceView.records`,
the session's own list of trace records, which is only ever appended to between two cuts (a rewind
or a load), so that a view never has to copy a long history. :attr:`TraceView.version` says when
records below :attr:`TraceView.length` were replaced, and :meth:`TraceView.kept` how many are still
the same as in an older version, so that a widget can bring its rows up to date incrementally.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol, runtime_checkable

from ..core.names import ENDPOINTS, EndpointName
from ..core.segment import Segment
from ..core.states import State
from ..sim.network import Match
from ..sim.trace import StateEvent, TimerEvent, TraceEvent
from .expect import ExpectEvent

if TYPE_CHECKING:
    from ..core.tcb import Endpoint
    from .model import Scenario

WalkKey = tuple[str, str, str]
"""A transition of Figure 5 as (from, event, to), the states spelt as the RFC spells them."""

RECEIVED_TAIL = 256
"""How many of the last bytes an application received a view keeps (the panes show the end)."""
QUEUE_SHOWN = 6
"""How many retransmission-queue entries a view lists (the rest are counted)."""


@dataclass(frozen=True, slots=True)
class QueueEntry:
    """One entry of the retransmission queue, or a segment held out of order: where it starts,
    how many bytes of text, and which of SYN/FIN it carries."""

    seq: int
    length: int
    flags: int = 0
    fin: bool = False


@dataclass(frozen=True, slots=True)
class EndpointView:
    """One endpoint as it is now: its state and TCB variables (RFC 9293 §3.3.1), buffers and timers."""

    name: EndpointName
    state: State
    iss: int
    irs: int
    snd_una: int
    snd_nxt: int
    snd_wnd: int
    rcv_nxt: int
    rcv_wnd: int
    rto: float
    retries: int
    timers: tuple[tuple[str, float], ...]
    """Running timers as (name, absolute deadline): ``rto`` and ``2msl``; under a stack personality
    also ``delack`` (Linux's delayed ACK of a FIN) and ``finwait2`` (its orphaned FIN-WAIT-2)."""
    send_buffer: bytes
    received_tail: bytes
    """The last :data:`RECEIVED_TAIL` bytes delivered to the application."""
    received_total: int
    held: tuple[QueueEntry, ...]
    queue: tuple[QueueEntry, ...]
    """The first :data:`QUEUE_SHOWN` entries of the retransmission queue."""
    queue_total: int
    restarts: int = 0
    """How many times the current TIME-WAIT has been restarted by a retransmitted FIN."""
    time_wait: float = 0.0
    """How long this endpoint's TIME-WAIT lasts: 2·MSL, or its stack's own length (Linux's 60 s)."""
    last: WalkKey | None = None
    """The last state change this endpoint made, as (from, event, to)."""

    def timer(self, name: str) -> float | None:
        """The deadline of timer ``name``, or None when it is not running."""
        for timer, deadline in self.timers:
            if timer == name:
                return deadline
        return None


def endpoint_view(name: EndpointName, ep: Endpoint, restarts: int = 0, last: WalkKey | None = None) -> EndpointView:
    """Copy what the panes show of a core endpoint into a view (a few microseconds)."""
    received = ep.received
    return EndpointView(
        name=name,
        state=ep.state,
        iss=int(ep.iss),
        irs=int(ep.irs),
        snd_una=int(ep.snd_una),
        snd_nxt=int(ep.snd_nxt),
        snd_wnd=ep.snd_wnd,
        rcv_nxt=int(ep.rcv_nxt),
        rcv_wnd=ep.rcv_wnd,
        rto=ep.rto,
        retries=ep.retries,
        timers=tuple(sorted(ep.timers.items())),
        send_buffer=bytes(ep.send_buffer),
        received_tail=bytes(received[-RECEIVED_TAIL:]),
        received_total=len(received),
        held=tuple(QueueEntry(int(h.seq), len(h.data), fin=h.fin) for h in ep.held),
        queue=tuple(QueueEntry(int(o.seq), len(o.data), o.flags) for o in ep.retransmission_queue[:QUEUE_SHOWN]),
        queue_total=len(ep.retransmission_queue),
        restarts=restarts if ep.state is State.TIME_WAIT else 0,
        last=last,
        time_wait=ep.stack.time_wait if ep.stack.time_wait_length is not None else 2 * ep.config.msl,
    )


@dataclass(frozen=True, slots=True)
class FlightView:
    """A segment on the wire, for the timeline to draw as it travels."""

    id: int
    sender: EndpointName
    segment: Segment
    sent_at: float
    arrive_at: float | None
    """None when the segment is being dropped: it never arrives."""
    fate: str = "deliver"
    """deliver, drop, duplicate or delay."""


@dataclass(frozen=True, slots=True)
class FaultView:
    """A fault rule that is armed and not used up: it will catch the next matching segments."""

    id: int
    """Which rule, for :meth:`SessionProtocol.cancel_fault`."""
    kind: str
    """drop, duplicate or delay."""
    sender: EndpointName | None
    """Whose segments it catches (None: either endpoint's)."""
    what: str
    """The match in the trace's words ("from client flags=FIN,ACK"), for the details."""
    left: int
    """How many more segments it will catch."""
    by: float = 0.0
    since: float = 0.0
    user: bool = False
    """Armed by the user in this session (rather than by the scenario's file)."""
    any_segment: bool = True
    """It matches every segment of its sender (the app's "drop the next one")."""
    match: Match = field(default_factory=Match)
    """Which segments it catches, in parts (for saying :attr:`what` in the user's language)."""


@dataclass(frozen=True, slots=True)
class Progress:
    """Where the view is in what can be stepped through.

    A live session counts events on the current branch of its history: ``done`` of them happened,
    ``total`` is ``done`` plus the future that ``n`` would replay after a rewind (``b``). A capture
    counts its frames (one after each packet or timer), a packetdrill script its lines."""

    done: int
    total: int
    kind: Literal["events", "frames", "lines"] = "events"
    """``lines``: a packetdrill script, ``done`` of its ``total`` lines played."""

    @property
    def rewound(self) -> int:
        """How many events ahead lie on the branch: after ``b``, ``n`` replays them first."""
        return self.total - self.done if self.kind == "events" else 0


@dataclass(frozen=True, slots=True)
class Next:
    """What would happen next by itself, if anything: ``n`` and play do this."""

    at: float
    kind: Literal["event", "replay", "frame"]
    """``replay``: the next thing is on the branch ahead (after a rewind), perhaps the user's own action."""


@dataclass(frozen=True, slots=True)
class PlannedCall:
    """A call the scenario's script will make on an endpoint by itself (so the app need not suggest it)."""

    at: float
    call: str


@dataclass(frozen=True, slots=True)
class Checks:
    """The scenario's expectations checked so far."""

    passed: int = 0
    failed: tuple[ExpectEvent, ...] = ()

    @property
    def total(self) -> int:
        return self.passed + len(self.failed)


@dataclass(frozen=True, slots=True)
class TraceView:
    """The trace as far as the view goes: ``records[:length]``. See the module's docstring."""

    records: Sequence[TraceEvent]
    length: int
    version: int
    cuts: Sequence[int] = ()
    """``cuts[v]``: how many records were kept when version ``v`` became version ``v + 1``."""

    def kept(self, version: int, seen: int) -> int:
        """How many of the first ``seen`` records, as they were at ``version``, are unchanged now."""
        if version > self.version or version < 0:
            return 0
        for cut in self.cuts[version : self.version]:
            seen = min(seen, cut)
        return min(seen, self.length)

    def new(self, seen: int) -> Sequence[TraceEvent]:
        """The records after the first ``seen`` (a slice of the session's list)."""
        return self.records[seen : self.length]


@dataclass(frozen=True, slots=True)
class View:
    """Everything the app shows of a session at one moment. Built by the session, never changed."""

    name: str
    t: float
    endpoints: Mapping[EndpointName, EndpointView]
    flights: Mapping[int, FlightView]
    faults: tuple[FaultView, ...]
    trace: TraceView
    progress: Progress
    next: Next | None
    """None: nothing more will happen by itself; only the user can act."""
    checks: Checks
    walked: Mapping[WalkKey, int]
    """How many times each transition was taken in the history on screen."""
    planned: Mapping[EndpointName, PlannedCall | None]
    """The next call the scenario's script makes on each endpoint, if any is still to come."""
    latency: float
    msl: float
    read_only: bool = False
    """A record (an imported capture) or a script (a packetdrill ``.pkt``): it can be stepped
    through, not changed."""
    source: Literal["scenario", "capture", "script"] = "scenario"
    """What the session plays: a scenario (the sandbox included), a capture, a packetdrill script."""
    stacks: Mapping[EndpointName, str] = field(default_factory=lambda: dict.fromkeys(ENDPOINTS, "rfc9293"))
    """Each endpoint's stack personality (what :meth:`SessionProtocol.restack` changes); ``""`` for
    an endpoint that is no stack: a packetdrill script's remote peer, which sends what the script says."""

    @property
    def stack(self) -> str:
        """The stacks in one word: ``linux``, or ``client linux/server freebsd`` when they differ
        (a script names its stack under test)."""
        named = {name: stack for name, stack in self.stacks.items() if stack}
        kinds = set(named.values())
        if len(kinds) == 1:
            return kinds.pop()
        return "/".join(f"{name} {stack}" for name, stack in named.items())

    @property
    def finished(self) -> bool:
        return self.next is None


class Tally:
    """Counters kept up to date as the trace grows, so that no frame rescans the trace.

    Copied with every snapshot of the history, and restored with it on a rewind.
    """

    __slots__ = ("failed", "last", "passed", "restarts", "seen", "walked")

    def __init__(self) -> None:
        self.seen = 0
        self.walked: Counter[WalkKey] = Counter()
        self.last: dict[str, WalkKey] = {}
        self.restarts: dict[str, int] = dict.fromkeys(ENDPOINTS, 0)
        self.passed = 0
        self.failed: tuple[ExpectEvent, ...] = ()

    def copy(self) -> Tally:
        twin = Tally.__new__(Tally)
        twin.seen, twin.passed, twin.failed = self.seen, self.passed, self.failed
        twin.walked, twin.last, twin.restarts = Counter(self.walked), dict(self.last), dict(self.restarts)
        return twin

    def feed(self, records: Sequence[TraceEvent], upto: int | None = None) -> None:
        """Count the records after those already seen (up to ``upto``)."""
        end = len(records) if upto is None else upto
        for e in records[self.seen : end]:
            if isinstance(e, StateEvent):
                key = (e.old, e.event, e.new)
                self.walked[key] += 1
                self.last[e.endpoint] = key
            elif isinstance(e, TimerEvent):
                if e.name == "2msl":
                    if e.action == "set":
                        self.restarts[e.endpoint] = 0
                    elif e.action == "restart":
                        self.restarts[e.endpoint] = self.restarts.get(e.endpoint, 0) + 1
            elif isinstance(e, ExpectEvent):
                if e.ok:
                    self.passed += 1
                else:
                    self.failed = (*self.failed, e)
        self.seen = max(self.seen, end)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an intervention did: the trace records it added, and the error if it was refused."""

    events: tuple[TraceEvent, ...] = ()
    error: str | None = None


@dataclass(slots=True)
class TraceLog:
    """The session's bookkeeping of its trace list: a version and the cuts (see :class:`TraceView`)."""

    version: int = 0
    cuts: list[int] = field(default_factory=list)

    def cut(self, kept: int) -> None:
        self.cuts.append(kept)
        self.version += 1


@runtime_checkable
class SessionProtocol(Protocol):
    """What the app asks of a session. Every method returns promptly; refusals are :class:`Outcome` errors."""

    scenario: Scenario

    @property
    def view(self) -> View:
        """The session as it is now (the same object until something changes)."""
        ...

    def step(self) -> bool:
        """Do the next thing (an event, or the next one on the branch ahead). False when there is none."""
        ...

    def back(self) -> bool:
        """Undo the last event or action exactly. False at the beginning."""
        ...

    def advance_to(self, t: float) -> int:
        """Play: do everything due up to ``t``; the clock stops at the last event if nothing is left."""
        ...

    def restart(self) -> None:
        """Back to t = 0 of the scenario, without the user's actions."""
        ...

    def act(self, endpoint: EndpointName, call: str, data: bytes = b"") -> Outcome:
        """A user call on an endpoint now: listen, connect, send, close, abort, retransmit."""
        ...

    def open(self, endpoint: EndpointName) -> Outcome:
        """OPEN as the endpoint's role suggests: connect on the client, listen on the server."""
        ...

    def drop_next(self, endpoint: EndpointName) -> Outcome:
        """Drop the next segment ``endpoint`` sends, one sent at this very instant included."""
        ...

    def cancel_fault(self, fault: int) -> Outcome:
        """Disarm an armed fault rule (a :attr:`FaultView.id`)."""
        ...

    def alter(self, sid: int, kind: str, by: float = 0.5) -> Outcome:
        """Drop, duplicate or delay segment ``sid`` while it is in flight."""
        ...

    def peek(self) -> tuple[TraceEvent, ...]:
        """The records the next step would add, without taking it (for a "what comes next?" quiz)."""
        ...

    def to_toml(self) -> str:
        """What was done, as a scenario file that replays to the same result."""
        ...

    def restack(self, stack: str) -> Outcome:
        """The same story told by another TCP: what was done so far played again with the endpoints
        as ``stack`` (a stack personality), up to the same point. A scenario replays the user's
        actions too; a capture is observed again as that stack would see it; a packetdrill script
        runs again with that stack under test. Refused (an error, nothing changed) when the story
        cannot be told by that stack."""
        ...


def no_plans() -> dict[EndpointName, PlannedCall | None]:
    return dict.fromkeys(ENDPOINTS)
