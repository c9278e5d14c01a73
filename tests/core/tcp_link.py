"""A tiny hand-rolled link between two core endpoints, in the spirit of h11's tests/helpers.py.

No simulation, no clock of its own: a test says who calls what and when a segment is delivered.
Segments each endpoint sends wait in that endpoint's outbox until the test delivers (or drops)
them, so every per-state fixture below is reached by real RFC 9293 transitions only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tcpsim.core import actions as act
from tcpsim.core.personality import PERSONALITIES, SOCKET_RULES
from tcpsim.core.segment import Flags, Segment
from tcpsim.core.states import State
from tcpsim.core.tcb import Endpoint, EndpointConfig
from tcpsim.core.transitions import is_legal, lookup

A_ISN = 1000
B_ISN = 5000
A_PORT = 49152
B_PORT = 80


def make_endpoint(name: str = "a", **overrides: object) -> Endpoint:
    """A fresh CLOSED endpoint: ``a`` (the client side) or ``b`` (the server side)."""
    if name == "a":
        base: dict[str, object] = {"port": A_PORT, "peer_port": B_PORT, "isn": A_ISN}
    else:
        base = {"port": B_PORT, "peer_port": A_PORT, "isn": B_ISN}
    base.update(overrides)
    return Endpoint(EndpointConfig(**base))  # type: ignore[arg-type]


def sends(actions: list[act.Action]) -> list[Segment]:
    return [a.segment for a in actions if isinstance(a, act.Send)]


def sent_actions(actions: list[act.Action]) -> list[act.Send]:
    return [a for a in actions if isinstance(a, act.Send)]


def state_changes(actions: list[act.Action]) -> list[tuple[State, State]]:
    return [(a.old, a.new) for a in actions if isinstance(a, act.StateChanged)]


def errors(actions: list[act.Action]) -> list[str]:
    return [a.message for a in actions if isinstance(a, act.UserError)]


def signals(actions: list[act.Action]) -> list[str]:
    return [a.message for a in actions if isinstance(a, act.Signal)]


def delivered(actions: list[act.Action]) -> bytes:
    return b"".join(a.data for a in actions if isinstance(a, act.Deliver))


def timer_events(actions: list[act.Action]) -> list[tuple[str, str, float | None]]:
    return [(a.name, a.action, a.deadline) for a in actions if isinstance(a, act.TimerChanged)]


def discards(actions: list[act.Action]) -> list[act.Discard]:
    return [a for a in actions if isinstance(a, act.Discard)]


STACK_RULES = {r.cite for p in PERSONALITIES.values() for r in p.rules()} | {
    r.cite for rules in SOCKET_RULES.values() for r in rules
}
"""What a state change may cite instead of its row's rule: a stack personality's rule."""


def check_actions(actions: list[act.Action]) -> None:
    """Every state change is a row of the transition table, citing the row's rule or a stack's;
    a ``stack`` row is only ever taken for a stack's rule."""
    for a in actions:
        if isinstance(a, act.StateChanged):
            assert is_legal(a.old, a.new), f"{a.old} -> {a.new} is not a legal transition"
            row = lookup(a.old, a.event, a.new)
            assert a.rule == row.rule or a.rule in STACK_RULES, a.rule
            assert row.kind != "stack" or a.rule in STACK_RULES, (row, a.rule)


def seg_for(
    ep: Endpoint, flags: Flags, *, seq: int | None = None, ack: int | None = None, data: bytes = b"", wnd: int = 65535
) -> Segment:
    """A segment addressed to ``ep`` as its peer would send it; seq/ack default to what ep expects."""
    return Segment(
        sport=ep.config.peer_port,
        dport=ep.config.port,
        seq=ep.rcv_nxt if seq is None else seq & 0xFFFFFFFF,  # type: ignore[arg-type]
        ack=(ep.snd_nxt if ack is None else ack & 0xFFFFFFFF) if flags & Flags.ACK else 0,  # type: ignore[arg-type]
        flags=flags,
        wnd=wnd,
        data=data,
    )


@dataclass
class Link:
    """Two endpoints and the segments each has sent that are not delivered yet."""

    a: Endpoint
    b: Endpoint
    now: float = 0.0
    out: dict[str, list[Segment]] = field(default_factory=lambda: {"a": [], "b": []})
    log: list[tuple[str, act.Action]] = field(default_factory=list)

    def ep(self, name: str) -> Endpoint:
        return self.a if name == "a" else self.b

    def _record(self, name: str, actions: list[act.Action]) -> list[act.Action]:
        check_actions(actions)
        for a in actions:
            self.log.append((name, a))
            if isinstance(a, act.Send):
                self.out[name].append(a.segment)
        return actions

    # user calls --------------------------------------------------------------------------
    def listen(self, name: str) -> list[act.Action]:
        return self._record(name, self.ep(name).open_passive(self.now))

    def connect(self, name: str) -> list[act.Action]:
        return self._record(name, self.ep(name).open_active(self.now))

    def send(self, name: str, data: bytes) -> list[act.Action]:
        return self._record(name, self.ep(name).send(data, self.now))

    def close(self, name: str) -> list[act.Action]:
        return self._record(name, self.ep(name).close(self.now))

    def abort(self, name: str) -> list[act.Action]:
        return self._record(name, self.ep(name).abort(self.now))

    def shutdown(self, name: str) -> list[act.Action]:
        """shutdown(SHUT_WR): CLOSE, the application stays (a stack personality may care)."""
        return self._record(name, self.ep(name).close(self.now, release=False))

    def release(self, name: str, unread: int = 0) -> list[act.Action]:
        """close() after shutdown: the application goes, with ``unread`` bytes left unread."""
        return self._record(name, self.ep(name).release(self.now, unread=unread))

    def retransmit(self, name: str) -> list[act.Action]:
        return self._record(name, self.ep(name).retransmit(self.now))

    def call(self, name: str, call: str, data: bytes = b"x") -> list[act.Action]:
        if call == "send":
            return self.send(name, data)
        return getattr(self, call)(name)

    def expire(self, name: str, timer: str) -> list[act.Action]:
        ep = self.ep(name)
        self.now = max(self.now, ep.timers[timer])
        return self._record(name, ep.timer_expired(timer, self.now))  # type: ignore[arg-type]

    # the wire ----------------------------------------------------------------------------
    def inject(self, to: str, seg: Segment) -> list[act.Action]:
        """Hand ``seg`` to endpoint ``to`` directly, as if it had just arrived."""
        return self._record(to, self.ep(to).segment_arrives(seg, self.now))

    def deliver(self, sender: str, n: int | None = None) -> list[act.Action]:
        """Deliver the first ``n`` (default: all) queued segments of ``sender`` to its peer, in order."""
        queue = self.out[sender]
        take = len(queue) if n is None else n
        batch, self.out[sender] = queue[:take], queue[take:]
        receiver = "b" if sender == "a" else "a"
        result: list[act.Action] = []
        for seg in batch:
            result += self.inject(receiver, seg)
        return result

    def drop(self, sender: str, n: int | None = None) -> list[Segment]:
        queue = self.out[sender]
        take = len(queue) if n is None else n
        gone, self.out[sender] = queue[:take], queue[take:]
        return gone

    def pump(self, limit: int = 100) -> None:
        """Deliver everything both ways until neither side has anything to send."""
        for _ in range(limit):
            if not self.out["a"] and not self.out["b"]:
                return
            self.deliver("a")
            self.deliver("b")
        raise AssertionError("the link did not go quiet")

    @property
    def states(self) -> tuple[State, State]:
        return self.a.state, self.b.state

    def disturb(self, kind: str, name: str, arg: str) -> None:
        """One of the random tests' events on the wire or a clock: drop, duplicate or reorder what
        ``name`` has queued, or expire one of its timers (``arg``, when it names one)."""
        out = self.out[name]
        if kind == "drop":
            self.drop(name, 1)
        elif kind == "duplicate" and out:
            out.insert(0, out[0])
        elif kind == "reorder" and len(out) > 1:
            out[0], out[1] = out[1], out[0]
        elif kind == "expire":
            timer = arg if arg in ("rto", "2msl", "delack", "finwait2") else "rto"
            if timer in self.ep(name).timers:
                self.expire(name, timer)


def new_link(**overrides: object) -> Link:
    a_over = {k[2:]: v for k, v in overrides.items() if k.startswith("a_")}
    b_over = {k[2:]: v for k, v in overrides.items() if k.startswith("b_")}
    return Link(make_endpoint("a", **a_over), make_endpoint("b", **b_over))


# ---------------------------------------------------------------------------------------------
# Drive a link into a state by real transitions. Each returns (link, name of the endpoint in it).
# ---------------------------------------------------------------------------------------------


def established(**overrides: object) -> Link:
    """a connects, b listens; the three-way handshake completes: both ESTABLISHED."""
    link = new_link(**overrides)
    link.listen("b")
    link.connect("a")
    link.deliver("a")  # SYN
    link.deliver("b")  # SYN,ACK
    link.deliver("a")  # ACK
    assert link.states == (State.ESTABLISHED, State.ESTABLISHED)
    return link


def reach(state: State, **overrides: object) -> tuple[Link, str]:
    """A link whose endpoint (returned by name) is in ``state``, reached through real transitions.

    Nothing is left undelivered to the endpoint in the state; its peer may hold segments in its
    outbox (for example the SYN,ACK of a passive open) and the endpoint's own outbox may hold what
    it sent on the way.
    """
    link = new_link(**overrides)
    if state is State.CLOSED:
        return link, "a"
    if state is State.LISTEN:
        link.listen("b")
        return link, "b"
    if state is State.SYN_SENT:
        link.connect("a")
        return link, "a"
    if state is State.SYN_RECEIVED:
        link.listen("b")
        link.connect("a")
        link.deliver("a")  # SYN → b in SYN-RECEIVED, its SYN,ACK waits in b's outbox
        return link, "b"
    link = established(**overrides)
    if state is State.ESTABLISHED:
        return link, "a"
    if state is State.FIN_WAIT_1:
        link.close("a")  # FIN waits in a's outbox
        return link, "a"
    if state is State.CLOSE_WAIT:
        link.close("a")
        link.deliver("a")  # FIN → b: CLOSE-WAIT, ACK in b's outbox
        return link, "b"
    if state is State.FIN_WAIT_2:
        link.close("a")
        link.deliver("a")
        link.deliver("b")  # ACK of FIN → a: FIN-WAIT-2
        return link, "a"
    if state is State.LAST_ACK:
        link.close("a")
        link.deliver("a")
        link.deliver("b")
        link.close("b")  # b: LAST-ACK, FIN in b's outbox
        return link, "b"
    if state is State.TIME_WAIT:
        link.close("a")
        link.deliver("a")
        link.deliver("b")
        link.close("b")
        link.deliver("b")  # b's FIN → a: TIME-WAIT, last ACK in a's outbox
        return link, "a"
    if state is State.CLOSING:
        link.close("a")
        link.close("b")
        link.deliver("a")  # a's FIN → b: CLOSING
        link.deliver("b", 1)  # b's FIN → a: CLOSING
        return link, "a"
    raise ValueError(state)


ALL_STATES = list(State)
