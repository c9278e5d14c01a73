"""RFC 9293 §3.3.2 Figure 5 and its notes: every row of the transition table is walked for real.

Each row has a driver that brings an endpoint into the row's source state through real
transitions and then makes the row's event happen; the test checks that the endpoint reports
exactly that arrow. A new row without a driver fails ``test_every_row_has_a_walk``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from tcp_link import STACK_RULES, Link, established, new_link, reach, seg_for

from tcpsim.core import actions as act
from tcpsim.core.personality import LINUX, RFC793, Personality
from tcpsim.core.segment import Flags
from tcpsim.core.states import State
from tcpsim.core.transitions import (
    DIAGRAM,
    TRANSITIONS,
    Event,
    IllegalTransition,
    Transition,
    is_legal,
    lookup,
)

S = State
E = Event
SYN, ACK, FIN, RST = Flags.SYN, Flags.ACK, Flags.FIN, Flags.RST

Walk = Callable[[], tuple[Link, str, list[act.Action]]]


def _call(state: State, call: str, **cfg: object) -> Walk:
    def walk() -> tuple[Link, str, list[act.Action]]:
        link, name = reach(state, **cfg)
        return link, name, link.call(name, call)

    return walk


def _rst(state: State) -> Walk:
    def walk() -> tuple[Link, str, list[act.Action]]:
        link, name = reach(state)
        ep = link.ep(name)
        return link, name, link.inject(name, seg_for(ep, RST))

    return walk


def _give_up(state: State) -> Walk:
    def walk() -> tuple[Link, str, list[act.Action]]:
        link, name = reach(state, a_max_retries=0, b_max_retries=0)
        if state in (S.ESTABLISHED, S.CLOSE_WAIT):
            link.send(name, b"unacked")
        return link, name, link.expire(name, "rto")

    return walk


def _syn_sent_rst() -> tuple[Link, str, list[act.Action]]:
    link, name = reach(S.SYN_SENT)
    a = link.a
    return link, name, link.inject(name, seg_for(a, RST | ACK, seq=0, ack=a.snd_nxt))


def _listen_rcv_syn() -> tuple[Link, str, list[act.Action]]:
    link = new_link()
    link.listen("b")
    link.connect("a")
    return link, "b", link.deliver("a")


def _simultaneous_open() -> tuple[Link, str, list[act.Action]]:
    link = new_link()
    link.connect("a")
    link.connect("b")
    return link, "b", link.deliver("a")


def _simultaneous_syn_received_rst() -> tuple[Link, str, list[act.Action]]:
    link, _, _ = _simultaneous_open()  # b: SYN-RECEIVED after an active OPEN
    b = link.b
    return link, "b", link.inject("b", seg_for(b, RST))


def _syn_sent_rcv_syn_ack() -> tuple[Link, str, list[act.Action]]:
    link = new_link()
    link.listen("b")
    link.connect("a")
    link.deliver("a")
    return link, "a", link.deliver("b")


def _syn_received_rcv_ack() -> tuple[Link, str, list[act.Action]]:
    link, _ = reach(S.SYN_RECEIVED)
    link.deliver("b")
    return link, "b", link.deliver("a")


def _syn_received_rcv_syn() -> tuple[Link, str, list[act.Action]]:
    link, _ = reach(S.SYN_RECEIVED)
    b = link.b
    return link, "b", link.inject("b", seg_for(b, SYN, seq=b.rcv_nxt + 1))


def _established_rcv_fin() -> tuple[Link, str, list[act.Action]]:
    link = established()
    link.close("a")
    return link, "b", link.deliver("a")


def _fin_wait_1_rcv_ack_of_fin() -> tuple[Link, str, list[act.Action]]:
    link, _ = reach(S.FIN_WAIT_1)
    link.deliver("a")
    return link, "a", link.deliver("b")


def _fin_wait_1_rcv_fin() -> tuple[Link, str, list[act.Action]]:
    link = established()
    link.close("a")
    link.close("b")
    return link, "a", link.deliver("b")


def _fin_wait_1_rcv_fin_ack_of_fin(**cfg: object) -> Walk:
    def walk() -> tuple[Link, str, list[act.Action]]:
        link = established(**cfg)
        link.close("a")
        link.deliver("a")
        link.drop("b")  # b's ACK of the FIN is lost...
        link.close("b")  # ...but its FIN,ACK acknowledges a's FIN too
        return link, "a", link.deliver("b")

    return walk


def _fin_wait_2_rcv_fin(**cfg: object) -> Walk:
    def walk() -> tuple[Link, str, list[act.Action]]:
        link = established(**cfg)
        link.close("a")
        link.pump()
        link.close("b")
        return link, "a", link.deliver("b")

    return walk


def _closing_rcv_ack_of_fin(**cfg: object) -> Walk:
    def walk() -> tuple[Link, str, list[act.Action]]:
        link = established(**cfg)
        link.close("a")
        link.close("b")
        link.deliver("b", 1)  # b's FIN → a: CLOSING
        link.deliver("a", 1)  # a's FIN → b: CLOSING
        return link, "a", link.deliver("b")  # b's ACK of a's FIN

    return walk


def _last_ack_rcv_ack() -> tuple[Link, str, list[act.Action]]:
    link, _ = reach(S.LAST_ACK)
    link.deliver("b")
    return link, "b", link.deliver("a")


def _time_wait_timeout() -> tuple[Link, str, list[act.Action]]:
    link, name = reach(S.TIME_WAIT)
    return link, name, link.expire(name, "2msl")


# --- the ``stack`` rows: each walked under the personality whose rule takes it ------------------------
def _both(p: Personality) -> dict[str, object]:
    return {"a_personality": p, "b_personality": p}


def _close_unread(state: State) -> Walk:
    """Linux L3: close() with unread data, in ``state``."""

    def walk() -> tuple[Link, str, list[act.Action]]:
        link, name = reach(state, **_both(LINUX))
        ep = link.ep(name)
        if state in (S.ESTABLISHED, S.CLOSE_WAIT):
            return link, name, link._record(name, ep.close(link.now, unread=5))
        return link, name, link._record(name, ep.release(link.now, unread=5))

    return walk


def _data_after_close(state: State) -> Walk:
    """Linux L17: new data reaches FIN-WAIT-1 or FIN-WAIT-2 after close()."""

    def walk() -> tuple[Link, str, list[act.Action]]:
        link, name = reach(state, **_both(LINUX))
        link.out["a"].clear()
        link.send("b", b"late")
        return link, name, link.deliver("b")

    return walk


def _syn_in_window(state: State) -> Walk:
    """RFC 793 (R2): a SYN in the window of a synchronized connection resets it."""

    def walk() -> tuple[Link, str, list[act.Action]]:
        if state is S.SYN_RECEIVED:  # the active side's SYN-RECEIVED: a simultaneous open
            link = new_link(**_both(RFC793))
            link.connect("a")
            link.connect("b")
            link.deliver("a")
            name = "b"
        else:
            link, name = reach(state, **_both(RFC793))
        ep = link.ep(name)
        return link, name, link.inject(name, seg_for(ep, SYN, seq=ep.rcv_nxt + 1))

    return walk


def _time_wait_reopened() -> tuple[Link, str, list[act.Action]]:
    """Linux L7: the server closed first; the client's new SYN, above RCV.NXT, reopens its TIME-WAIT."""
    link = established(**_both(LINUX))
    link.close("b")
    link.pump()
    link.close("a")
    link.pump()
    b = link.b
    assert b.state is S.TIME_WAIT and b.listener
    return link, "b", link.inject("b", seg_for(b, SYN, seq=b.rcv_nxt + 100_000))


def _orphan_fin_wait_2_timeout() -> tuple[Link, str, list[act.Action]]:
    link, name = reach(S.FIN_WAIT_2, **_both(LINUX))
    return link, name, link.expire(name, "finwait2")


def _syn_ack_given_up() -> tuple[Link, str, list[act.Action]]:
    """Linux L9: tcp_synack_retries (5) SYN,ACKs go unanswered; the listener stays."""
    link, name = reach(S.SYN_RECEIVED, **_both(LINUX))
    for _ in range(LINUX.synack_retries):
        link.expire(name, "rto")
    return link, name, link.expire(name, "rto")


WALKS: dict[tuple[State, str, State], Walk] = {
    # Figure 5
    (S.CLOSED, E.PASSIVE_OPEN, S.LISTEN): _call(S.CLOSED, "listen"),
    (S.CLOSED, E.ACTIVE_OPEN, S.SYN_SENT): _call(S.CLOSED, "connect"),
    (S.LISTEN, E.RCV_SYN, S.SYN_RECEIVED): _listen_rcv_syn,
    (S.LISTEN, E.ACTIVE_OPEN, S.SYN_SENT): _call(S.LISTEN, "connect"),
    (S.LISTEN, E.CLOSE, S.CLOSED): _call(S.LISTEN, "close"),
    (S.SYN_SENT, E.RCV_SYN, S.SYN_RECEIVED): _simultaneous_open,
    (S.SYN_SENT, E.RCV_SYN_ACK, S.ESTABLISHED): _syn_sent_rcv_syn_ack,
    (S.SYN_SENT, E.CLOSE, S.CLOSED): _call(S.SYN_SENT, "close"),
    (S.SYN_RECEIVED, E.RCV_RST, S.LISTEN): _rst(S.SYN_RECEIVED),
    (S.SYN_RECEIVED, E.RCV_ACK_OF_SYN, S.ESTABLISHED): _syn_received_rcv_ack,
    (S.SYN_RECEIVED, E.CLOSE, S.FIN_WAIT_1): _call(S.SYN_RECEIVED, "close"),
    (S.ESTABLISHED, E.CLOSE, S.FIN_WAIT_1): _call(S.ESTABLISHED, "close"),
    (S.ESTABLISHED, E.RCV_FIN, S.CLOSE_WAIT): _established_rcv_fin,
    (S.FIN_WAIT_1, E.RCV_ACK_OF_FIN, S.FIN_WAIT_2): _fin_wait_1_rcv_ack_of_fin,
    (S.FIN_WAIT_1, E.RCV_FIN, S.CLOSING): _fin_wait_1_rcv_fin,
    (S.FIN_WAIT_2, E.RCV_FIN, S.TIME_WAIT): _fin_wait_2_rcv_fin(),
    (S.CLOSE_WAIT, E.CLOSE, S.LAST_ACK): _call(S.CLOSE_WAIT, "close"),
    (S.CLOSING, E.RCV_ACK_OF_FIN, S.TIME_WAIT): _closing_rcv_ack_of_fin(),
    (S.LAST_ACK, E.RCV_ACK_OF_FIN, S.CLOSED): _last_ack_rcv_ack,
    (S.TIME_WAIT, E.TIMEOUT_2MSL, S.CLOSED): _time_wait_timeout,
    # Notes and §3.10
    (S.FIN_WAIT_1, E.RCV_FIN_ACK_OF_FIN, S.TIME_WAIT): _fin_wait_1_rcv_fin_ack_of_fin(),
    (S.SYN_SENT, E.RCV_RST, S.CLOSED): _syn_sent_rst,
    (S.SYN_RECEIVED, E.RCV_RST, S.CLOSED): _simultaneous_syn_received_rst,
    (S.SYN_RECEIVED, E.RCV_SYN, S.LISTEN): _syn_received_rcv_syn,
    **{(s, E.RCV_RST, S.CLOSED): _rst(s) for s in (S.ESTABLISHED, S.FIN_WAIT_1, S.FIN_WAIT_2, S.CLOSE_WAIT)},
    **{(s, E.RCV_RST, S.CLOSED): _rst(s) for s in (S.CLOSING, S.LAST_ACK, S.TIME_WAIT)},
    **{
        (s, E.ABORT, S.CLOSED): _call(s, "abort")
        for s in (
            S.LISTEN,
            S.SYN_SENT,
            S.SYN_RECEIVED,
            S.ESTABLISHED,
            S.FIN_WAIT_1,
            S.FIN_WAIT_2,
            S.CLOSE_WAIT,
            S.CLOSING,
            S.LAST_ACK,
            S.TIME_WAIT,
        )
    },
    **{
        (s, E.GIVE_UP, S.CLOSED): _give_up(s)
        for s in (S.SYN_SENT, S.SYN_RECEIVED, S.ESTABLISHED, S.FIN_WAIT_1, S.CLOSE_WAIT, S.CLOSING, S.LAST_ACK)
    },
    # What-if: no TIME-WAIT
    (S.FIN_WAIT_2, E.RCV_FIN, S.CLOSED): _fin_wait_2_rcv_fin(a_time_wait=False),
    (S.FIN_WAIT_1, E.RCV_FIN_ACK_OF_FIN, S.CLOSED): _fin_wait_1_rcv_fin_ack_of_fin(a_time_wait=False),
    (S.CLOSING, E.RCV_ACK_OF_FIN, S.CLOSED): _closing_rcv_ack_of_fin(a_time_wait=False),
    # Stack personalities
    **{
        (s, E.CLOSE, S.CLOSED): _close_unread(s)
        for s in (S.ESTABLISHED, S.FIN_WAIT_1, S.FIN_WAIT_2, S.CLOSE_WAIT, S.CLOSING, S.LAST_ACK)
    },
    **{(s, E.RCV_DATA_AFTER_CLOSE, S.CLOSED): _data_after_close(s) for s in (S.FIN_WAIT_1, S.FIN_WAIT_2)},
    **{
        (s, E.RCV_SYN, S.CLOSED): _syn_in_window(s)
        for s in (
            S.SYN_RECEIVED,
            S.ESTABLISHED,
            S.FIN_WAIT_1,
            S.FIN_WAIT_2,
            S.CLOSE_WAIT,
            S.CLOSING,
            S.LAST_ACK,
            S.TIME_WAIT,
        )
    },
    (S.TIME_WAIT, E.RCV_SYN, S.SYN_RECEIVED): _time_wait_reopened,
    (S.FIN_WAIT_2, E.TIMEOUT_FIN_WAIT_2, S.CLOSED): _orphan_fin_wait_2_timeout,
    (S.SYN_RECEIVED, E.GIVE_UP, S.LISTEN): _syn_ack_given_up,
}


def _row_id(t: Transition) -> str:
    return f"{t.kind}:{t.source.value}--{t.event}-->{t.target.value}"


def test_every_row_has_a_walk() -> None:
    assert {(t.source, t.event, t.target) for t in TRANSITIONS} == set(WALKS)


@pytest.mark.parametrize("row", DIAGRAM, ids=_row_id)
def test_3_3_2_figure_5_arrow_is_walked(row: Transition) -> None:
    _walk_row(row)


@pytest.mark.parametrize("row", [t for t in TRANSITIONS if t.kind != "diagram"], ids=_row_id)
def test_3_3_2_notes_and_3_10_row_is_walked(row: Transition) -> None:
    _walk_row(row)


def _walk_row(row: Transition) -> None:
    link, name, acts = WALKS[(row.source, row.event, row.target)]()
    changes = [a for a in acts if isinstance(a, act.StateChanged)]
    assert any(c.old is row.source and c.new is row.target and c.event == row.event for c in changes), changes
    hit = next(c for c in changes if c.old is row.source and c.event == row.event)
    assert hit.rule == row.rule if row.kind != "stack" else hit.rule in STACK_RULES
    # The endpoint ends where the arrow points (or moved on along further legal arrows).
    assert changes[-1].new is link.ep(name).state
    for before, after in itertools.pairwise(changes):
        assert before.new is after.old


def test_3_3_2_diagram_is_figure_5() -> None:
    # Figure 5 has these twenty arrows (counting CLOSE and ABORT from LISTEN/SYN-SENT once each).
    assert len(DIAGRAM) == 20
    assert all(t.kind == "diagram" for t in DIAGRAM)
    assert {t.source for t in DIAGRAM} == set(State)


def test_3_3_2_rows_are_unique_and_have_rules() -> None:
    keys = [(t.source, t.event, t.target) for t in TRANSITIONS]
    assert len(keys) == len(set(keys))
    for t in TRANSITIONS:
        assert t.rule and t.kind in ("diagram", "note", "whatif", "stack")
        assert lookup(t.source, t.event, t.target) is t
        assert is_legal(t.source, t.target)


def test_3_3_2_lookup_refuses_an_arrow_rfc_9293_does_not_have() -> None:
    with pytest.raises(IllegalTransition):
        lookup(S.CLOSED, E.RCV_FIN, S.ESTABLISHED)
    assert not is_legal(S.CLOSED, S.ESTABLISHED)
    assert not is_legal(S.TIME_WAIT, S.ESTABLISHED)
    assert not is_legal(S.LISTEN, S.ESTABLISHED)


def test_3_3_2_whatif_rows_only_lead_to_closed() -> None:
    whatif = [t for t in TRANSITIONS if t.kind == "whatif"]
    assert whatif and all(t.target is S.CLOSED for t in whatif)
    assert all(
        any(d.source is t.source and d.event == t.event and d.target is S.TIME_WAIT for d in TRANSITIONS)
        for t in whatif
    )


def test_3_3_2_stack_rows_are_not_rfc_9293s() -> None:
    """A stack's own arrows are marked as such, so the diagram can tell them from the RFC's."""
    stack = [t for t in TRANSITIONS if t.kind == "stack"]
    assert stack
    rfc = {(t.source, t.event, t.target) for t in TRANSITIONS if t.kind in ("diagram", "note")}
    assert not rfc & {(t.source, t.event, t.target) for t in stack}


def test_3_3_2_every_state_is_reachable_and_left() -> None:
    targets = {t.target for t in TRANSITIONS if t.kind not in ("whatif", "stack")}
    sources = {t.source for t in TRANSITIONS if t.kind not in ("whatif", "stack")}
    assert targets == set(State)
    assert sources == set(State)
