"""A discrete-event world: two endpoints, a network between them, and a virtual clock.

The world owns time. It feeds the core events with ``now``, carries out the actions the core
returns (segments onto the network, timers into the event queue) and records everything in the
trace. At one instant it runs, in this order: segment arrivals, timer expiries and network
events (class 0); then commands such as scenario steps, in the order they were scheduled (class
1); then checkpoints, where a scenario checks its expectations (class 2).

Same configuration, same commands, same seed: the same trace, always. Nothing here reads the wall
clock or an unseeded random source.
"""

from __future__ import annotations

import copy
import heapq
import random
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..core import actions as act
from ..core.actions import TimerName
from ..core.names import EndpointName, peer_of
from ..core.segment import Flags, Segment
from ..core.seq import Seq, seq
from ..core.tcb import Endpoint, EndpointConfig
from .clock import MAX_EVENTS, advance
from .clock import RunawayError as RunawayError  # where it used to be defined: the CLI catches it here
from .network import FaultRule, Network
from .recording import trace_record
from .trace import (
    ArriveEvent,
    CallEvent,
    DelayEvent,
    DropEvent,
    DuplicateEvent,
    FaultNote,
    InjectEvent,
    NoteEvent,
    SendEvent,
    TraceEvent,
    fault_announcement,
    round_time,
)

CALLS = ("listen", "connect", "send", "close", "abort", "retransmit", "shutdown", "release")
"""The user calls an endpoint takes. ``close`` is close(): CLOSE, and the application is gone;
``shutdown`` is shutdown(SHUT_WR): CLOSE, and it can still read; ``release`` is close() after
that. RFC 9293 makes no difference between them; some stack personalities do."""

ARRIVE, TIMER, FAULT, COMMAND, CHECKPOINT = "arrive", "timer", "fault", "command", "checkpoint"
_CLASS = {ARRIVE: 0, TIMER: 0, FAULT: 0, COMMAND: 1, CHECKPOINT: 2}


def derive_isn(seed: int, endpoint: str) -> int:
    """An ISN chosen by the seed, different for each endpoint, the same on every run."""
    return random.Random(f"tcpsim:{seed}:{endpoint}").getrandbits(32)


@dataclass(frozen=True, slots=True)
class Call:
    """A user call on an endpoint: listen, connect, send, close, abort or retransmit."""

    endpoint: EndpointName
    call: str
    data: bytes = b""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Inject:
    """A hand-made segment put on the wire as if ``sender`` had sent it; None means the default
    (SEQ = the sender's SND.NXT, ACK = its RCV.NXT, WND = its RCV.WND)."""

    sender: EndpointName
    flags: Flags
    seq: int | None = None
    ack: int | None = None
    data: bytes = b""
    wnd: int | None = None


@dataclass(frozen=True, slots=True)
class Arm:
    """Arm a fault rule (for rules decided during a run, like the UI's "drop the next one")."""

    rule: FaultRule
    note: str = ""
    """Why, from a scenario step's note: the trace's announcement of the rule ends with it."""


@dataclass(frozen=True, slots=True)
class Note:
    """Write a line into the trace (a scenario marks where its fault rules take effect)."""

    text: str
    fault: FaultNote | None = None
    """What the line announces, in parts (:class:`~tcpsim.sim.trace.NoteEvent`)."""
    note: str = ""


Command = Call | Inject | Arm | Note


@dataclass(slots=True)
class Flight:
    """A segment on the wire, for whoever draws the network (the UI's timeline)."""

    id: int
    sender: EndpointName
    segment: Segment
    sent_at: float
    arrive_at: float | None
    """None when the segment is dropped: it never arrives."""
    fate: str = "deliver"
    """deliver, drop, duplicate or delay."""
    injected: bool = False
    retransmission: bool = False
    copies: int = 1


class Processed(NamedTuple):
    """What :meth:`World.step` just did: the item's time, kind and payload (a named tuple: one is
    made for every event, and a tuple is the cheapest immutable record Python builds)."""

    t: float
    kind: str
    payload: Any


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything needed to put a world back as it was; the trace is only truncated."""

    state: tuple[Any, ...]
    trace_len: int


@dataclass
class World:
    """Two endpoints joined by a network, driven by a priority queue of timed items."""

    client: EndpointConfig
    server: EndpointConfig
    latency: float = 0.1
    seed: int = 0
    puppet: str | None = None
    """An endpoint played by a script (a packetdrill run's remote peer): what reaches it is recorded
    as arriving, never processed, so it answers nothing by itself; the script injects its segments."""
    now: float = 0.0
    trace: list[TraceEvent] = field(default_factory=list)
    endpoints: dict[EndpointName, Endpoint] = field(init=False)
    network: Network = field(init=False)
    in_flight: dict[int, Flight] = field(default_factory=dict)
    _queue: list[tuple[float, int, int, str, Any]] = field(default_factory=list)
    _order: int = 0
    _next_id: int = 1

    def __post_init__(self) -> None:
        self.endpoints = {"client": Endpoint(self.client), "server": Endpoint(self.server)}
        self.network = Network(latency=self.latency)

    # ------------------------------------------------------------------ scheduling
    def schedule(self, at: float, command: Command) -> None:
        """Run ``command`` at simulated time ``at`` (after arrivals and timers of that instant)."""
        self._push(at, COMMAND, command)

    def checkpoint(self, at: float, tag: Any) -> None:
        """Stop :meth:`step` at ``at``, after everything else of that instant, returning ``tag``."""
        self._push(at, CHECKPOINT, tag)

    def add_rule(self, rule: FaultRule) -> None:
        self.network.add_rule(rule)

    def _push(self, at: float, kind: str, payload: Any) -> None:
        self._order += 1
        # round_time(at), inlined: this runs for every segment and timer
        heapq.heappush(self._queue, (float(round(at, 9)), _CLASS[kind], self._order, kind, payload))

    # ------------------------------------------------------------------ running
    def next_time(self) -> float | None:
        """The time of the next live item, or None if nothing is scheduled."""
        self._skip_stale()
        return self._queue[0][0] if self._queue else None

    @property
    def quiet(self) -> bool:
        """Nothing in flight and no timer pending (commands and checkpoints may still be queued)."""
        return not self.in_flight and not any(ep.timers for ep in self.endpoints.values())

    def step(self) -> Processed | None:
        """Process the next item and return it, or None when nothing is left."""
        queue = self._queue
        while queue:
            t, _cls, _order, kind, payload = heapq.heappop(queue)
            if kind != TIMER or self._is_due(t, payload):
                break
            # a stale timer item: its deadline was moved or cancelled since it was queued
        else:
            return None
        if t > self.now:
            self.now = t
        if kind == ARRIVE:
            self._arrive(*payload)
        elif kind == TIMER:
            name, timer = payload
            self._apply(name, self.endpoints[name].timer_expired(timer, t))
        elif kind == FAULT:
            self.trace.append(payload)
            if isinstance(payload, DropEvent):
                self.in_flight.pop(payload.id, None)
        elif kind == COMMAND:
            self.execute(payload)
        return Processed(t, kind, payload)

    def run_until(self, until: float, max_events: int = MAX_EVENTS) -> None:
        """Process every item with time ≤ ``until``; the clock then reads ``until``."""
        advance(self, until, max_events=max_events)

    def run(self, max_events: int = MAX_EVENTS) -> None:
        """Process items until none is left (every timer ends, so a run does end)."""
        advance(self, max_events=max_events)

    def _skip_stale(self) -> None:
        """Drop timer items whose deadline was moved or cancelled since they were queued."""
        queue = self._queue
        while queue and queue[0][3] == TIMER and not self._is_due(queue[0][0], queue[0][4]):
            heapq.heappop(queue)

    def _is_due(self, t: float, payload: tuple[EndpointName, TimerName]) -> bool:
        """Whether a timer item queued for ``t`` is still the timer's deadline."""
        name, timer = payload
        deadline = self.endpoints[name].timers.get(timer)
        return deadline is not None and float(round(deadline, 9)) == t

    # ------------------------------------------------------------------ commands
    def execute(self, command: Command) -> None:
        """Carry out a command now."""
        if isinstance(command, Call):
            self.call(command.endpoint, command.call, command.data, command.note)
        elif isinstance(command, Inject):
            self.inject(command)
        elif isinstance(command, Note):
            self.trace.append(NoteEvent(self.now, command.text, fault=command.fault, note=command.note))
        else:
            self.add_rule(command.rule)
            self.trace.append(fault_announcement(self.now, command.rule, command.note))

    def call(self, name: EndpointName, call: str, data: bytes = b"", note: str = "", unread: int = 0) -> None:
        """A user call on endpoint ``name`` now (``note``: why, in the scenario author's words;
        ``unread``: bytes received and not read when the application closes, for a host that
        models reading)."""
        ep = self.endpoints[name]
        now = self.now
        self.trace.append(CallEvent(now, name, call, data, note))
        if call == "listen":
            actions = ep.open_passive(now)
        elif call == "connect":
            actions = ep.open_active(now)
        elif call == "send":
            actions = ep.send(data, now)
        elif call == "close":
            actions = ep.close(now, unread=unread)
        elif call == "shutdown":
            actions = ep.close(now, release=False)
        elif call == "release":
            actions = ep.release(now, unread=unread)
        elif call == "abort":
            actions = ep.abort(now)
        elif call == "retransmit":
            actions = ep.retransmit(now)
        else:
            raise ValueError(f"unknown call {call!r}")
        self._apply(name, actions)

    def inject(self, spec: Inject) -> int:
        """Put a hand-made segment on the wire as if ``spec.sender`` sent it; returns its id."""
        ep = self.endpoints[spec.sender]
        seg = Segment(
            sport=ep.config.port,
            dport=ep.config.peer_port,
            seq=seq(spec.seq) if spec.seq is not None else ep.snd_nxt,
            ack=(seq(spec.ack) if spec.ack is not None else ep.rcv_nxt) if spec.flags & Flags.ACK else Seq(0),
            flags=int(spec.flags),
            wnd=spec.wnd if spec.wnd is not None else ep.rcv_wnd,
            data=spec.data,
        )
        return self._transmit(
            spec.sender, seg, "inject: a hand-made segment, the endpoint is not involved", False, True
        )

    # ------------------------------------------------------------------ the wire
    def _transmit(self, sender: EndpointName, seg: Segment, rule: str, retransmission: bool, injected: bool) -> int:
        now = self.now
        sid = self._next_id
        self._next_id += 1
        record = InjectEvent if injected else SendEvent
        self.trace.append(record(now, sender, sid, seg, rule, retransmission))
        fault = self.network.fate(sender, seg, now) if self.network.rules else None
        latency = self.network.latency
        midpoint = now + latency / 2
        receiver = peer_of(sender)
        flight = Flight(sid, sender, seg, now, now + latency, "deliver", injected, retransmission)
        if fault is None:
            self._push(now + latency, ARRIVE, (receiver, seg, sid, False))
        elif fault.kind == "drop":
            flight.fate, flight.arrive_at = "drop", None
            self._push(midpoint, FAULT, DropEvent(round_time(midpoint), sid, sender))
        elif fault.kind == "duplicate":
            flight.fate, flight.copies = "duplicate", 2
            self._push(midpoint, FAULT, DuplicateEvent(round_time(midpoint), sid, sender))
            self._push(now + latency, ARRIVE, (receiver, seg, sid, False))
            self._push(now + latency, ARRIVE, (receiver, seg, sid, True))
        else:
            flight.fate, flight.arrive_at = "delay", now + latency + fault.by
            self._push(midpoint, FAULT, DelayEvent(round_time(midpoint), sid, sender, fault.by))
            self._push(now + latency + fault.by, ARRIVE, (receiver, seg, sid, False))
        # A dropped segment stays "in flight" until its midpoint, so a timeline can show where it
        # was lost; the drop record (processed in step) takes it off the wire.
        self.in_flight[sid] = flight
        return sid

    def _arrive(self, receiver: EndpointName, seg: Segment, sid: int, copy_: bool) -> None:
        flight = self.in_flight.get(sid)
        if flight is not None:
            flight.copies -= 1
            if flight.copies <= 0:
                del self.in_flight[sid]
        self.trace.append(ArriveEvent(self.now, receiver, sid, copy_))
        if receiver == self.puppet:
            return
        self._apply(receiver, self.endpoints[receiver].segment_arrives(seg, self.now), sid)

    def _apply(self, name: EndpointName, actions: list[act.Action], arriving: int = 0) -> None:
        """Carry out what an endpoint asked for, recording each thing in the trace."""
        now = self.now
        trace = self.trace
        for a in actions:
            if isinstance(a, act.Send):
                self._transmit(name, a.segment, a.rule, a.retransmission, False)
                continue
            trace.append(trace_record(now, name, a, arriving))
            if isinstance(a, act.TimerChanged) and a.deadline is not None and a.action in ("set", "restart"):
                self._push(a.deadline, TIMER, (name, a.name))

    def alter_flight(self, sid: int, kind: str, by: float = 0.0) -> bool:
        """Drop, duplicate or delay a segment that is already on the wire (the UI's ``x``).

        Returns False when segment ``sid`` is no longer in flight (it arrived or was lost).
        """
        if kind not in ("drop", "duplicate", "delay"):
            raise ValueError(f"unknown fault {kind!r}")
        flight = self.in_flight.get(sid)
        arrivals = [item for item in self._queue if item[3] == ARRIVE and item[4][2] == sid]
        if flight is None or not arrivals:
            return False
        now = self.now
        if kind == "duplicate":
            receiver, seg, _, _ = arrivals[0][4]
            self._push(max(item[0] for item in arrivals), ARRIVE, (receiver, seg, sid, True))
            flight.copies += 1
            flight.fate = "duplicate"
            self.trace.append(DuplicateEvent(now, sid, flight.sender))
            return True
        self._queue = [item for item in self._queue if not (item[3] == ARRIVE and item[4][2] == sid)]
        heapq.heapify(self._queue)
        if kind == "drop":
            del self.in_flight[sid]
            flight.fate, flight.arrive_at = "drop", None
            self.trace.append(DropEvent(now, sid, flight.sender))
        else:
            for t, _cls, _order, _kind, payload in arrivals:
                self._push(t + by, ARRIVE, payload)
            flight.fate = "delay"
            flight.arrive_at = (flight.arrive_at or now) + by
            self.trace.append(DelayEvent(now, sid, flight.sender, by))
        return True

    # ------------------------------------------------------------------ rewind
    def snapshot(self) -> Snapshot:
        """A copy of the whole state; cheap enough to take before every step."""
        state = (self.now, self.endpoints, self.network, self._queue, self.in_flight, self._order, self._next_id)
        return Snapshot(copy.deepcopy(state), len(self.trace))

    def restore(self, snap: Snapshot) -> None:
        """Put the world back as it was when ``snap`` was taken (the snapshot stays reusable)."""
        state = copy.deepcopy(snap.state)
        self.now, self.endpoints, self.network, self._queue, self.in_flight, self._order, self._next_id = state
        del self.trace[snap.trace_len :]
