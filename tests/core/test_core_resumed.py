"""A host's own choices the core takes from it: a TCB made already ESTABLISHED
(:meth:`Endpoint.resumed`, for a repaired connection or an observer that starts mid-connection)
and the ISS of the next connection (:attr:`Endpoint.next_iss`, RFC 9293 §3.4.1)."""

from __future__ import annotations

from tcp_link import A_PORT, B_PORT, Link, delivered, errors, make_endpoint, sends, state_changes

from tcpsim.core.segment import Flags
from tcpsim.core.seq import Seq
from tcpsim.core.states import State
from tcpsim.core.tcb import ERR_EXISTS, Endpoint, EndpointConfig

A_NEXT, B_NEXT = Seq(4_294_967_000), Seq(7_000)  # a's numbers cross the wrap


def resumed_link() -> Link:
    a = Endpoint.resumed(
        EndpointConfig(A_PORT, B_PORT, isn=0), A_NEXT, B_NEXT, snd_wnd=65535, rcv_wnd=65535, passive=False
    )
    b = Endpoint.resumed(
        EndpointConfig(B_PORT, A_PORT, isn=0), B_NEXT, A_NEXT, snd_wnd=65535, rcv_wnd=65535, passive=True
    )
    return Link(a, b)


def test_a_resumed_tcb_is_established_at_the_numbers_given() -> None:
    link = resumed_link()
    a = link.a
    assert link.states == (State.ESTABLISHED, State.ESTABLISHED)
    assert (a.snd_una, a.snd_nxt, a.rcv_nxt) == (A_NEXT, A_NEXT, B_NEXT)
    assert (a.iss, a.irs) == (Seq(A_NEXT - 1), Seq(B_NEXT - 1))
    assert (a.snd_wnd, a.rcv_wnd, a.passive, link.b.passive) == (65535, 65535, False, True)
    assert not a.timers and not a.retransmission_queue and a.connections == 1


def test_resumed_tcbs_carry_data_both_ways_and_close_by_the_rfc() -> None:
    link = resumed_link()
    (segment,) = sends(link.send("a", b"hello"))
    assert segment.seq == A_NEXT and segment.ack == B_NEXT and segment.flags & Flags.ACK
    assert delivered(link.deliver("a")) == b"hello"
    link.deliver("b")
    assert link.a.snd_una == Seq((A_NEXT + 5) % (1 << 32))  # across the wrap
    link.close("a")
    link.pump()
    link.close("b")
    link.pump()
    assert link.states == (State.TIME_WAIT, State.CLOSED)


def test_a_resumed_tcb_answers_a_segment_outside_its_window_as_the_rfc_says() -> None:
    link = resumed_link()
    stale = sends(Link(make_endpoint("a"), make_endpoint("b")).connect("a"))[0]  # a SYN from elsewhere
    acts = link.inject("b", stale)
    assert state_changes(acts) == []  # a challenge ACK (RFC 5961 §4), the connection stays
    (challenge,) = sends(acts)
    assert challenge.flags == Flags.ACK and challenge.seq == B_NEXT and challenge.ack == A_NEXT


def test_next_iss_is_used_once_by_an_active_open() -> None:
    ep = make_endpoint("a")
    ep.next_iss = Seq(123_456)
    (syn,) = sends(ep.open_active(0.0))
    assert syn.seq == 123_456 and ep.next_iss is None
    ep.abort(0.0)
    (syn,) = sends(ep.open_active(0.0))
    assert syn.seq == (ep.config.isn + ep.config.isn_step * 1) % (1 << 32)  # connection k = 1 again by the rule


def test_next_iss_is_used_by_a_listener_for_the_syn_that_reaches_it() -> None:
    link = Link(make_endpoint("a"), make_endpoint("b"))
    link.listen("b")
    link.b.next_iss = Seq(99)
    link.connect("a")
    link.deliver("a")
    (syn_ack,) = link.out["b"]
    assert syn_ack.seq == 99 and syn_ack.flags == Flags.SYN | Flags.ACK


def test_opening_a_resumed_tcb_is_refused() -> None:
    link = resumed_link()
    assert errors(link.connect("a")) == [ERR_EXISTS]
    assert errors(link.listen("b")) == [ERR_EXISTS]
