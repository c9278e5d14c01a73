"""Property-based tests of the core over the hand-rolled link: random user calls, deliveries,
losses, duplicates, reordering and timer expiries, with the invariants checked after every event.

Every test runs under each stack personality (RFC 9293, RFC 793, Linux, FreeBSD, with FreeBSD's
sysctls on too), each endpoint its own: the invariants hold for all of them.

Invariants (RFC 9293 §3.3.2, §3.4, §3.10):
* every state change is a row of the transition table, and a stack's rule is only ever cited by
  an endpoint that has that stack;
* SND.UNA =< SND.NXT in sequence space, always;
* what an endpoint delivers for a connection is a prefix of what its peer SENT on that connection
  (so in order, and no byte twice), and all of it once the peer's FIN has been processed.
"""

from __future__ import annotations

from collections import defaultdict

from hypothesis import given
from hypothesis import strategies as st
from tcp_link import Link, check_actions, new_link

from tcpsim.core import actions as act
from tcpsim.core import seq as sq
from tcpsim.core.personality import (
    FREEBSD,
    FREEBSD_DROP_SYNFIN,
    FREEBSD_INSECURE_RST,
    FREEBSD_INSECURE_SYN,
    PERSONALITIES,
    SOCKET_RULES,
    Personality,
)
from tcpsim.core.states import State

NAMES = ("a", "b")
CALLS = ("listen", "connect", "send", "close", "abort", "retransmit", "shutdown", "release")
FREEBSD_INSECURE = (
    FREEBSD.with_rule("rst_in_window", FREEBSD_INSECURE_RST)
    .with_rule("syn_in_window", FREEBSD_INSECURE_SYN)
    .with_rule("drop_synfin", FREEBSD_DROP_SYNFIN)
)
STACKS = [*PERSONALITIES.values(), FREEBSD_INSECURE]
stacks = st.sampled_from(STACKS)

KINDS = (
    ["deliver"] * 4 + ["flush"] * 2 + ["send"] * 2 + ["close"] * 2 + ["call", "drop", "duplicate", "reorder", "expire"]
)
op = st.tuples(
    st.sampled_from(KINDS),
    st.sampled_from(NAMES),
    st.sampled_from([*CALLS, "rto", "2msl", "delack", "finwait2"]),
)
OPENINGS = {
    "none": [],
    "client-server": [("call", "b", "listen"), ("call", "a", "connect")],
    "simultaneous": [("call", "a", "connect"), ("call", "b", "connect")],
}


class Ledger:
    """Bytes SENT and delivered, per connection (identified by the sender's ISS)."""

    def __init__(self, link: Link) -> None:
        self.link = link
        self.sent: dict[tuple[str, int], bytearray] = defaultdict(bytearray)
        self.got: dict[tuple[str, int], bytearray] = defaultdict(bytearray)
        self.fin_seen: set[tuple[str, int]] = set()
        self.counter = 0

    def conn(self, sender: str) -> int:
        """The current connection of ``sender`` by its ISS."""
        ep = self.link.ep(sender)
        return ep.iss

    def payload(self) -> bytes:
        self.counter += 1
        return f"<{self.counter}>".encode()

    def record_send(self, sender: str, data: bytes, actions: list[act.Action]) -> None:
        if not any(isinstance(a, act.UserError) for a in actions):
            self.sent[(sender, self.conn(sender))] += data

    def record_arrival(self, receiver: str, actions: list[act.Action]) -> None:
        sender = "b" if receiver == "a" else "a"
        irs = self.link.ep(receiver).irs
        for a in actions:
            if isinstance(a, act.Deliver):
                self.got[(sender, irs)] += a.data
            if isinstance(a, act.Signal) and a.message == "connection closing":
                self.fin_seen.add((sender, irs))

    def check(self) -> None:
        for key, got in self.got.items():
            sent = self.sent.get(key, bytearray())
            assert bytes(sent).startswith(bytes(got)), (key, bytes(got), bytes(sent))
        for key in self.fin_seen:
            assert bytes(self.got.get(key, b"")) == bytes(self.sent.get(key, b"")), key


def check_link(link: Link) -> None:
    for ep in (link.a, link.b):
        assert sq.le(ep.snd_una, ep.snd_nxt)
        if ep.state is State.CLOSED:
            assert not ep.timers
    for name, a in link.log:
        rule = getattr(a, "rule", "")
        if rule:
            assert _only_own_stack_rules(rule, link.ep(name).stack), (name, rule)


def _only_own_stack_rules(rule: str, stack: Personality) -> bool:
    own = {r.cite for r in (*stack.rules(), *SOCKET_RULES[stack.name])}
    return all(r.cite not in rule or r.cite in own for r in ALL_RULES)


ALL_RULES = {r for p in STACKS for r in p.rules()} | {r for rules in SOCKET_RULES.values() for r in rules}


@given(st.sampled_from(sorted(OPENINGS)), st.lists(op, min_size=5, max_size=80), st.booleans(), stacks, stacks)
def test_3_10_random_events_keep_the_invariants(
    opening: str, ops: list[tuple[str, str, str]], time_wait: bool, stack_a: Personality, stack_b: Personality
) -> None:
    link = new_link(a_time_wait=time_wait, b_rcv_wnd=50, a_mss=7, b_mss=5, a_personality=stack_a, b_personality=stack_b)
    ledger = Ledger(link)
    for kind, name, arg in OPENINGS[opening] + ops:
        link.now += 0.01
        peer = "b" if name == "a" else "a"
        if kind in ("call", "send", "close"):
            call = arg if kind == "call" and arg in CALLS else kind if kind != "call" else "send"
            if call == "send":
                data = ledger.payload()
                ledger.record_send(name, data, link.send(name, data))
            elif call == "release":  # with unread bytes now and then (Linux resets then)
                link.release(name, unread=len(link.ep(name).received) % 2)
            else:
                link.call(name, call)
        elif kind == "deliver" and link.out[name]:
            ledger.record_arrival(peer, link.deliver(name, 1))
        elif kind == "flush":
            drain(link, ledger, rounds=3)
        else:
            link.disturb(kind, name, arg)
        check_link(link)
        ledger.check()
    # Let everything still queued arrive, then check once more.
    drain(link, ledger, rounds=50)
    ledger.check()


def drain(link: Link, ledger: Ledger, rounds: int) -> None:
    """Deliver what is queued both ways, one segment at a time, alternating sides."""
    for _ in range(rounds):
        if not link.out["a"] and not link.out["b"]:
            return
        for name in NAMES:
            if link.out[name]:
                peer = "b" if name == "a" else "a"
                ledger.record_arrival(peer, link.deliver(name, 1))
                check_link(link)
                ledger.check()


@given(st.lists(st.binary(min_size=1, max_size=20), min_size=1, max_size=8), st.data(), stacks)
def test_3_10_7_4_reordered_duplicated_stream_is_delivered_once_in_order(
    chunks: list[bytes], data, stack: Personality
) -> None:
    from tcp_link import established

    link = established(a_mss=4, a_personality=stack, b_personality=stack)
    for chunk in chunks:
        link.send("a", chunk)
    segments = link.drop("a")
    shuffled = data.draw(st.permutations(segments + data.draw(st.lists(st.sampled_from(segments), max_size=5))))
    delivered = bytearray()
    for seg in shuffled:
        actions = link.inject("b", seg)
        check_actions(actions)
        delivered += b"".join(a.data for a in actions if isinstance(a, act.Deliver))
    assert bytes(delivered) == b"".join(chunks)
    assert bytes(link.b.received) == b"".join(chunks)
