"""The TIME-WAIT lab: one client host opening many short connections to one server port.

Each connection does a small request and reply and closes, so closed connections pile up in
TIME-WAIT on the side that closed first. Every connection is two :class:`~tcpsim.core.tcb.Endpoint`
objects, the same core as the two-endpoint view: the lab only carries segments between hosts,
keeps the timers, and plays the applications (send the request, answer it, close).

The hosts do what a kernel does around its TCBs:

* **Demultiplexing** by the 4-tuple (local address, local port, remote address, remote port). On
  the server a SYN for an unknown tuple to the listening port gets a fresh endpoint that does a
  passive OPEN and then processes the SYN: a listening socket that spawns connections. Any other
  segment for an unknown tuple goes to a throwaway endpoint in LISTEN (listening port) or CLOSED
  (anything else), which answers it as RFC 9293 §3.10.7.1–2 say (a RST, or nothing).
* **Ephemeral ports** on the client: a port is busy while the client's TCB for (port, server)
  exists, TIME-WAIT included. Successive connects step through the range (the port free for
  longest goes first), as Linux's connect() steps on from a per-destination offset; when none is
  free the connect fails with EADDRNOTAVAIL, "Cannot assign requested address".
* **Forgetting**: a TCB that reaches CLOSED is deleted. Only aggregate counters remain, so memory
  follows the connections alive at one time, not the connections that have ever been.

Time advances with :func:`tcpsim.sim.clock.advance`, the loop every engine of tcpsim shares, one
:meth:`LoadLab.step` at a time. The queues are lean on purpose: arrivals in a FIFO (one latency for
all, so they queue in time order), timers in a ``heapq`` of plain tuples with one item per timer
however often the core moves it, ``__slots__``, no per-event objects of its own. The README's
"TIME-WAIT lab" says what it costs; ``python -m tcpsim.lab.bench`` measures it. Same configuration,
same seed: the same samples.
"""

from __future__ import annotations

import itertools
import math
import random
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from heapq import heappop, heappush
from typing import Any

from ..core.actions import Action, Deliver, Send, StateChanged, TimerChanged, TimerName
from ..core.segment import Flags, Segment
from ..core.states import State
from ..core.tcb import Endpoint, EndpointConfig
from ..core.transitions import Event
from ..sim.clock import advance
from .model import (
    CLIENT_ADDR,
    MAX_EVENTS,
    REQUEST,
    RESPONSE,
    SERVER_ADDR,
    SERVER_PORT,
    STATE_NAMES,
    TIME_WAIT_NAME,
    Key,
    LoadConfig,
    Sample,
    Summary,
    theory,
)

_CLIENT, _SERVER = 0, 1
_SIDES = ("client", "server")
_CONNECT, _ARRIVE, _TIMER = 0, 1, 2
_CLOSED, _LISTEN = State.CLOSED, State.LISTEN
_ESTABLISHED, _CLOSE_WAIT, _TIME_WAIT = State.ESTABLISHED, State.CLOSE_WAIT, State.TIME_WAIT
_GRACEFUL = frozenset((Event.TIMEOUT_2MSL, Event.RCV_ACK_OF_FIN))
_SYN, _RST = Flags.SYN, Flags.RST


class _Sock:
    """One TCB in a host's table, with the heap times its timers are queued at."""

    __slots__ = ("ep", "key", "side", "t_2msl", "t_rto")

    def __init__(self, ep: Endpoint, side: int, key: Key) -> None:
        self.ep: Endpoint | None = ep
        """None once the TCB is deleted: a timer item still queued for it must not keep it alive."""
        self.side = side
        self.key = key
        self.t_rto: float | None = None
        self.t_2msl: float | None = None


@dataclass(eq=False)
class LoadLab:
    """The lab's engine. Drive it with :meth:`step`, :meth:`advance_to` or :meth:`samples`; read it
    with :meth:`sample` (now) and :meth:`summary` (so far)."""

    config: LoadConfig
    now: float = 0.0

    def __post_init__(self) -> None:
        c = self.config
        self._latency = c.latency
        self._closer_client = c.closer == "client"
        self._rng = random.Random(f"tcpsim-lab:{c.seed}")
        # Three sources of work, merged by (time, order): arrivals in a FIFO (one latency for every
        # segment, so they are queued in time order), timers in a heap, and the next connect.
        self._order = itertools.count(1)
        self._arrivals: deque[tuple[float, int, int, Segment]] = deque()
        self._timers: list[tuple[float, int, _Sock, TimerName]] = []
        self._connect_item: tuple[float, int] | None = None
        self._tables: tuple[dict[Key, _Sock], dict[Key, _Sock]] = ({}, {})
        """Per host: 4-tuple (local addr, local port, remote addr, remote port) → _Sock."""
        self._listening = {SERVER_PORT}
        self._free_ports: deque[int] = deque(range(c.ports[0], c.ports[1] + 1))
        self._counts: tuple[dict[str, int], dict[str, int]] = (
            dict.fromkeys(STATE_NAMES, 0),
            dict.fromkeys(STATE_NAMES, 0),
        )
        self._next_connect = 0
        self._total_connects = c.connections
        self.attempted = self.connected = self.failed = self.completed = self.reset = 0
        self.syn_in_time_wait = self.segments = self.retransmissions = self.events = 0
        self.peak_time_wait = [0, 0]
        self.peak_ports = self.peak_tcbs = 0
        self.first_failure: float | None = None
        self.wall = 0.0
        if self._total_connects:
            self._connect_item = (0.0, next(self._order))

    # ------------------------------------------------------------------ driving
    @property
    def done(self) -> bool:
        """Nothing left to happen: every connect attempted and every TCB gone."""
        return self.next_time() is None

    def next_time(self) -> float | None:
        """When the next event is due: the earliest of the three queues' fronts, once the timer
        items that turned out stale are off the heap (so the time is exact)."""
        self._drop_stale_timers()
        arrivals, timers, connect = self._arrivals, self._timers, self._connect_item
        t = arrivals[0][0] if arrivals else None
        if timers and (t is None or timers[0][0] < t):
            t = timers[0][0]
        if connect is not None and (t is None or connect[0] < t):
            t = connect[0]
        return t

    def step(self) -> bool:
        """Process the next event (a connect, an arrival or a timer). False when nothing is left."""
        self._drop_stale_timers()
        arrivals, timers, connect = self._arrivals, self._timers, self._connect_item
        # The earliest front by (time, order): every item's order is unique, so the comparison of
        # two items never goes further than that.
        item: Any
        if arrivals:
            item, kind = arrivals[0], _ARRIVE
            if timers and timers[0] < item:
                item, kind = timers[0], _TIMER
        elif timers:
            item, kind = timers[0], _TIMER
        elif connect is None:
            return False
        else:
            item, kind = connect, _CONNECT
        if connect is not None and connect < item:
            item, kind = connect, _CONNECT
        t = self.now = item[0]
        self.events += 1
        if kind == _ARRIVE:
            _, _, side, seg = arrivals.popleft()
            if side:
                key = (SERVER_ADDR, seg.dport, CLIENT_ADDR, seg.sport)
            else:
                key = (CLIENT_ADDR, seg.dport, SERVER_ADDR, seg.sport)
            sock = self._tables[side].get(key)
            if sock is not None and sock.ep is not None and not (sock.ep.state is _TIME_WAIT and seg.flags & _SYN):
                self._apply(sock, sock.ep.segment_arrives(seg, t))
            else:
                self._arrive_unusual(side, key, sock, seg)
        elif kind == _TIMER:
            _, _, sock, name = heappop(timers)
            if name == "rto":
                sock.t_rto = None
            else:
                sock.t_2msl = None
            assert sock.ep is not None  # a due timer item is never stale: see _drop_stale_timers
            self._apply(sock, sock.ep.timer_expired(name, t))
        else:
            self._connect(t)
        return True

    def advance_to(self, t: float) -> None:
        """Process every item with time ≤ ``t``; the clock then reads ``t``."""
        started = time.perf_counter()
        advance(self, t, max_events=MAX_EVENTS)
        self.wall += time.perf_counter() - started

    def run(self) -> Summary:
        """Run to the end and return the summary."""
        started = time.perf_counter()
        advance(self, max_events=MAX_EVENTS)
        self.wall += time.perf_counter() - started
        return self.summary()

    def samples(self) -> Iterator[Sample]:
        """Advance one interval at a time and yield a sample after each, until the run is over.

        Only the running counters are kept, never the samples: a consumer that needs them keeps them.
        """
        interval = self.config.sample_interval
        k = math.floor(self.now / interval + 1e-9)
        while True:
            k += 1
            self.advance_to(float(k * interval))
            yield self.sample()
            if self.done:
                return

    def _drop_stale_timers(self) -> None:
        """Take the timer items at the front of the heap that are no longer due at their time: the
        TCB is gone, or the core cancelled the timer, or moved it later (one heap item per timer,
        however often the core moves it: the item is queued again at the new deadline)."""
        timers = self._timers
        while timers:
            t, _, sock, name = timers[0]
            ep = sock.ep
            deadline = ep.timers.get(name) if ep is not None else None
            if deadline is not None and deadline <= t + 1e-9:
                return
            heappop(timers)
            if name == "rto":
                sock.t_rto = None
            else:
                sock.t_2msl = None
            if deadline is not None:
                self._queue_timer(sock, name, deadline)

    # ------------------------------------------------------------------ events
    def _connect(self, t: float) -> None:
        """The client application calls connect(): take an ephemeral port, or fail."""
        k = self._next_connect
        self._next_connect = k + 1
        if k + 1 < self._total_connects:
            self._connect_item = ((k + 1) / self.config.rate, next(self._order))
        else:
            self._connect_item = None
        self.attempted += 1
        free = self._free_ports
        if not free:
            self.failed += 1
            if self.first_failure is None:
                self.first_failure = t
            return
        port = free.popleft()
        self.connected += 1
        in_use = self.config.port_count - len(free)
        if in_use > self.peak_ports:
            self.peak_ports = in_use
        key = (CLIENT_ADDR, port, SERVER_ADDR, SERVER_PORT)
        ep = self._endpoint(port, SERVER_PORT)
        sock = _Sock(ep, _CLIENT, key)
        self._tables[_CLIENT][key] = sock
        self._tcb_born()
        self._apply(sock, ep.open_active(t))

    def _arrive_unusual(self, side: int, key: Key, sock: _Sock | None, seg: Segment) -> None:
        """The rarer arrivals: a SYN meeting TIME-WAIT (counted), or no TCB for the 4-tuple."""
        now = self.now
        if sock is not None:
            self.syn_in_time_wait += 1
            assert sock.ep is not None  # a TCB in a table is alive
            self._apply(sock, sock.ep.segment_arrives(seg, now))
            return
        listening = side == _SERVER and seg.dport in self._listening
        if listening and seg.flags & (_SYN | _RST) == _SYN:
            # The listening socket spawns a TCB for this tuple: passive OPEN, then the SYN.
            spawned = self._endpoint(seg.dport, seg.sport)
            sock = _Sock(spawned, side, key)
            self._tables[side][key] = sock
            self._tcb_born()
            self._apply(sock, spawned.open_passive(now))
            self._apply(sock, spawned.segment_arrives(seg, now))
            return
        # No TCB: a throwaway endpoint answers as LISTEN (§3.10.7.2) or CLOSED (§3.10.7.1) does.
        ep = self._endpoint(seg.dport, seg.sport)
        if listening:
            ep.open_passive(now)
        for action in ep.segment_arrives(seg, now):
            if action.__class__ is Send:
                self._transmit(side, action)

    # ------------------------------------------------------------------ carrying out actions
    def _endpoint(self, port: int, peer_port: int) -> Endpoint:
        config = EndpointConfig(
            port=port,
            peer_port=peer_port,
            isn=self._rng.getrandbits(32),
            rto=self.config.rto,
            msl=self.config.msl,
        )
        return Endpoint(config)

    def _tcb_born(self) -> None:
        live = len(self._tables[0]) + len(self._tables[1])
        if live > self.peak_tcbs:
            self.peak_tcbs = live

    def _transmit(self, side: int, action: Send) -> None:
        self.segments += 1
        if action.retransmission:
            self.retransmissions += 1
        self._arrivals.append((self.now + self._latency, next(self._order), 1 - side, action.segment))

    def _queue_timer(self, sock: _Sock, name: TimerName, deadline: float) -> None:
        heappush(self._timers, (deadline, next(self._order), sock, name))
        if name == "rto":
            sock.t_rto = deadline
        else:
            sock.t_2msl = deadline

    def _apply(self, sock: _Sock, actions: list[Action]) -> None:
        """Carry out what a TCB asked for, then let its application react to what happened."""
        side = sock.side
        react_established = react_data = react_close_wait = False
        sent = 0
        for a in actions:
            if isinstance(a, TimerChanged):  # the commonest: most are cancels, or moves later (no new item)
                deadline = a.deadline
                if deadline is not None and a.action != "cancel":
                    if a.name == "rto":
                        if sock.t_rto is None or deadline < sock.t_rto:
                            self._queue_timer(sock, "rto", deadline)
                    elif sock.t_2msl is None or deadline < sock.t_2msl:
                        self._queue_timer(sock, "2msl", deadline)
            elif isinstance(a, Send):
                if not sent:
                    append, order, at, peer = self._arrivals.append, self._order, self.now + self._latency, 1 - side
                sent += 1
                if a.retransmission:
                    self.retransmissions += 1
                append((at, next(order), peer, a.segment))
            elif isinstance(a, StateChanged):
                old, new = a.old, a.new
                counts = self._counts[side]
                if old is not _CLOSED:
                    counts[old._value_] -= 1
                if new is _CLOSED or (new is _LISTEN and old is not _CLOSED):
                    # CLOSED, or a spawned TCB sent back to LISTEN by a RST (RFC 9293 §3.10.7.4
                    # second): the listening socket carries on, this TCB is deleted.
                    self._closed(sock, a.event)
                    continue
                counts[new._value_] += 1
                if new is _ESTABLISHED:
                    react_established = True
                elif new is _TIME_WAIT:
                    n = counts[TIME_WAIT_NAME]
                    if n > self.peak_time_wait[side]:
                        self.peak_time_wait[side] = n
                elif new is _CLOSE_WAIT:
                    react_close_wait = True
            elif isinstance(a, Deliver):
                react_data = True
        if sent:
            self.segments += sent
        if not (react_established or react_data or react_close_wait):
            return
        # The applications: the client sends its request once connected and closes once the whole
        # reply is in (if it closes first); the server replies to a whole request (and closes, if it
        # closes first); either closes when the other side has closed (CLOSE-WAIT).
        ep = sock.ep
        if ep is None:
            return  # deleted in this very call (a RST, say): no application left to react
        now = self.now
        if side == _CLIENT:
            if react_established:
                self._apply(sock, ep.send(REQUEST, now))
            if react_data and self._closer_client and len(ep.received) == len(RESPONSE):
                self._apply(sock, ep.close(now))
        elif react_data and len(ep.received) == len(REQUEST):
            self._apply(sock, ep.send(RESPONSE, now))
            if not self._closer_client:
                self._apply(sock, ep.close(now))
        if react_close_wait and ep.state is _CLOSE_WAIT:
            self._apply(sock, ep.close(now))

    def _closed(self, sock: _Sock, event: str) -> None:
        """A TCB reached CLOSED: delete it, free its port, count how the connection ended."""
        side = sock.side
        table = self._tables[side]
        if table.get(sock.key) is sock:
            del table[sock.key]
        if side == _CLIENT:
            self._free_ports.append(sock.key[1])
            if event in _GRACEFUL and len(sock.ep.received) == len(RESPONSE):  # type: ignore[union-attr]
                self.completed += 1
            else:
                self.reset += 1
        sock.ep = None

    def inject(self, to: str, segment: Segment) -> None:
        """Put a hand-made segment on the wire now, towards host ``to`` (``client`` or ``server``):
        an old duplicate, a stray RST. It arrives one latency later and is demultiplexed as any other."""
        side = _SIDES.index(to)
        self._arrivals.append((self.now + self._latency, next(self._order), side, segment))

    # ------------------------------------------------------------------ reading
    def tcbs(self, side: str) -> dict[Key, Endpoint]:
        """A copy of host ``side``'s TCB table: 4-tuple (local address, local port, remote address,
        remote port) → endpoint. The listening socket is not in it."""
        return {key: sock.ep for key, sock in self._tables[_SIDES.index(side)].items() if sock.ep is not None}

    def live_tcbs(self) -> int:
        """TCBs alive now, both sides (the listening socket not counted)."""
        return len(self._tables[0]) + len(self._tables[1])

    def sample(self) -> Sample:
        client = {name: n for name, n in self._counts[_CLIENT].items() if n > 0}
        server_counts = dict(self._counts[_SERVER])
        server_counts[State.LISTEN.value] += len(self._listening)
        server = {name: n for name, n in server_counts.items() if n > 0}
        return Sample(
            t=self.now,
            client=client,
            server=server,
            ports_in_use=self.config.port_count - len(self._free_ports),
            attempted=self.attempted,
            connected=self.connected,
            failed=self.failed,
            completed=self.completed,
            reset=self.reset,
            syn_in_time_wait=self.syn_in_time_wait,
        )

    def summary(self) -> Summary:
        return Summary(
            config=self.config,
            theory=theory(self.config),
            end=self.now,
            attempted=self.attempted,
            connected=self.connected,
            failed=self.failed,
            completed=self.completed,
            reset=self.reset,
            syn_in_time_wait=self.syn_in_time_wait,
            peak_time_wait_client=self.peak_time_wait[_CLIENT],
            peak_time_wait_server=self.peak_time_wait[_SERVER],
            peak_ports_in_use=self.peak_ports,
            peak_tcbs=self.peak_tcbs,
            live_tcbs=self.live_tcbs(),
            segments=self.segments,
            retransmissions=self.retransmissions,
            events=self.events,
            wall=self.wall,
            first_failure=self.first_failure,
        )
