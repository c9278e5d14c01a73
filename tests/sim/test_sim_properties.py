"""Property-based tests of the whole simulation: random user-call schedules on both endpoints and
random fault rules at random times, with the invariants of RFC 9293 checked after every event.

On every run:
* every ``state`` record is a legal row of the transition table, and each endpoint's records chain;
* SND.UNA =< SND.NXT in sequence space on both endpoints, after every event;
* what each endpoint delivered on a connection is a prefix of what its peer SENT successfully on
  that connection (connections are told apart by the sender's ISS, which the receiver holds as
  IRS), so data is in order and no byte is delivered twice; and once the receiver has processed
  the peer's FIN, it has all of it;
* the same configuration and seed give the same trace.

Each endpoint has a stack personality drawn from all of them (RFC 9293, RFC 793, Linux, FreeBSD and
FreeBSD with its insecure sysctls): the invariants hold for every one, and a state change cites its
row's rule or a rule of that endpoint's own stack.

``HYPOTHESIS_PROFILE=long`` (tests/conftest.py) runs many more examples.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from hypothesis import given
from hypothesis import strategies as st

from tcpsim.core import seq as sq
from tcpsim.core.personality import (
    FREEBSD,
    FREEBSD_DROP_SYNFIN,
    FREEBSD_INSECURE_RST,
    FREEBSD_INSECURE_SYN,
    PERSONALITIES,
)
from tcpsim.core.segment import Flags
from tcpsim.core.states import parse_state
from tcpsim.core.tcb import EndpointConfig
from tcpsim.core.transitions import is_legal, lookup
from tcpsim.sim import Call, FaultRule, Match, World
from tcpsim.sim.trace import CallEvent, DeliverEvent, ErrorEvent, SignalEvent, StateEvent

ENDPOINTS = ("client", "server")
CALLS = ("listen", "connect", "send", "close", "abort", "retransmit", "shutdown", "release")
MAX_EVENTS = 20_000
STACKS = [
    *PERSONALITIES.values(),
    FREEBSD.with_rule("rst_in_window", FREEBSD_INSECURE_RST)
    .with_rule("syn_in_window", FREEBSD_INSECURE_SYN)
    .with_rule("drop_synfin", FREEBSD_DROP_SYNFIN),
]

u32 = st.one_of(st.integers(0, 2**32 - 1), st.integers(2**32 - 40, 2**32 - 1))


@st.composite
def configs(draw: st.DrawFn, name: str) -> EndpointConfig:
    ports = {"client": (49152, 80), "server": (80, 49152)}[name]
    return EndpointConfig(
        port=ports[0],
        peer_port=ports[1],
        isn=draw(u32),
        rto=draw(st.sampled_from([0.25, 0.5, 1.0])),
        msl=draw(st.sampled_from([0.5, 1.0, 3.0])),
        time_wait=draw(st.booleans()),
        max_retries=draw(st.none() | st.integers(0, 4)),  # None: R2 in time (§3.8.3)
        mss=draw(st.sampled_from([3, 8, 1460])),
        rcv_wnd=draw(st.sampled_from([10, 64, 65535])),
        personality=draw(st.sampled_from(STACKS)),
    )


times = st.integers(0, 80).map(lambda n: n * 0.05)
call_names = st.sampled_from(
    ["send"] * 3 + ["close"] * 2 + ["listen", "connect", "abort", "retransmit", "shutdown", "release"]
)
calls = st.tuples(times, st.sampled_from(ENDPOINTS), call_names)

flag_sets = st.sampled_from(
    [Flags.SYN, Flags.SYN | Flags.ACK, Flags.ACK, Flags.FIN | Flags.ACK, Flags.PSH | Flags.ACK, Flags.RST]
)
matches = st.builds(
    Match,
    sender=st.none() | st.sampled_from(ENDPOINTS),
    flags=st.none() | flag_sets,
    has=st.none() | st.sampled_from([Flags.SYN, Flags.FIN, Flags.ACK, Flags.RST]),
    data=st.none() | st.booleans(),
)
rules = st.builds(
    FaultRule,
    kind=st.sampled_from(["drop", "duplicate", "delay"]),
    match=matches,
    at=times,
    count=st.integers(1, 4),
    by=st.sampled_from([0.0, 0.05, 0.3, 1.5]),
)
OPENINGS = {
    "none": [],
    "client-server": [(0.0, "server", "listen"), (0.0, "client", "connect")],
    "server-client": [(0.0, "client", "listen"), (0.1, "server", "connect")],
    "simultaneous": [(0.0, "client", "connect"), (0.0, "server", "connect")],
}


@dataclass
class Plan:
    client: EndpointConfig
    server: EndpointConfig
    latency: float
    seed: int
    calls: list[tuple[float, str, str]]
    rules: list[FaultRule]

    def build(self) -> World:
        world = World(self.client, self.server, latency=self.latency, seed=self.seed)
        counter = 0
        for t, who, call in self.calls:
            data = b""
            if call == "send":
                counter += 1
                data = f"<{who[0]}{counter}>".encode()  # unique, so a repeat would show
            world.schedule(t, Call(who, call, data))
        for rule in self.rules:
            world.add_rule(FaultRule(rule.kind, rule.match, rule.at, rule.count, rule.by))
        return world


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    opening = draw(st.sampled_from(sorted(OPENINGS)))
    return Plan(
        client=draw(configs("client")),
        server=draw(configs("server")),
        latency=draw(st.sampled_from([0.0, 0.05, 0.1, 0.4])),
        seed=draw(st.integers(0, 2**16)),
        calls=OPENINGS[opening] + draw(st.lists(calls, max_size=14)),
        rules=draw(st.lists(rules, max_size=4)),
    )


@dataclass
class Ledger:
    sent: dict[tuple[str, int], bytearray] = field(default_factory=lambda: defaultdict(bytearray))
    got: dict[tuple[str, int], bytearray] = field(default_factory=lambda: defaultdict(bytearray))
    fin: set[tuple[str, int]] = field(default_factory=set)


def peer(name: str) -> str:
    return "server" if name == "client" else "client"


def run_checked(plan: Plan) -> list[dict]:
    world = plan.build()
    ledger = Ledger()
    last_state = dict.fromkeys(ENDPOINTS, "CLOSED")
    seen = 0
    for _ in range(MAX_EVENTS):
        if world.step() is None:
            break
        new = world.trace[seen:]
        seen = len(world.trace)
        errored = {e.endpoint for e in new if isinstance(e, ErrorEvent)}
        for e in new:
            if isinstance(e, StateEvent):
                old, to = parse_state(e.old), parse_state(e.new)
                assert is_legal(old, to), e
                own = {r.cite for r in world.endpoints[e.endpoint].stack.rules()}
                assert lookup(old, e.event, to).rule == e.rule or e.rule in own, e
                assert last_state[e.endpoint] == e.old, (e, last_state)
                last_state[e.endpoint] = e.new
            elif isinstance(e, CallEvent) and e.call == "send" and e.endpoint not in errored:
                ledger.sent[(e.endpoint, world.endpoints[e.endpoint].iss)] += e.data
            elif isinstance(e, DeliverEvent):
                key = (peer(e.endpoint), world.endpoints[e.endpoint].irs)
                ledger.got[key] += e.data
            elif isinstance(e, SignalEvent) and e.message == "connection closing":
                ledger.fin.add((peer(e.endpoint), world.endpoints[e.endpoint].irs))
        for name, ep in world.endpoints.items():
            assert sq.le(ep.snd_una, ep.snd_nxt), (name, ep.snd_una, ep.snd_nxt)
            assert ep.state.value == last_state[name]
        for key, got in ledger.got.items():
            sent = bytes(ledger.sent.get(key, b""))
            assert sent.startswith(bytes(got)), (key, bytes(got), sent)
        for key in ledger.fin:
            assert bytes(ledger.got.get(key, b"")) == bytes(ledger.sent.get(key, b"")), key
    else:
        raise AssertionError(f"the run did not end within {MAX_EVENTS} events")
    # Across connections, everything received is exactly what was checked above.
    for name, ep in world.endpoints.items():
        total = sum(len(v) for (sender, _), v in ledger.got.items() if sender == peer(name))
        assert total == len(ep.received)
    return [e.to_dict() for e in world.trace]


@given(plans())
def test_sim_random_schedules_and_faults_keep_rfc_invariants(plan: Plan) -> None:
    trace = run_checked(plan)
    # Determinism: the same configuration and seed give the same trace.
    assert [e.to_dict() for e in _replay(plan)] == trace


def _replay(plan: Plan) -> list:
    world = plan.build()
    world.run(max_events=MAX_EVENTS)
    return world.trace


@given(plans())
def test_sim_snapshot_restore_mid_run_continues_identically(plan: Plan) -> None:
    world = plan.build()
    reference = plan.build()
    reference.run(max_events=MAX_EVENTS)
    expected = [e.to_dict() for e in reference.trace]
    steps = len(expected) // 2
    for _ in range(steps):
        if world.step() is None:
            break
    snap = world.snapshot()
    world.run(max_events=MAX_EVENTS)
    assert [e.to_dict() for e in world.trace] == expected
    world.restore(snap)
    world.run(max_events=MAX_EVENTS)
    assert [e.to_dict() for e in world.trace] == expected
