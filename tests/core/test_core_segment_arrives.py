"""RFC 9293 §3.10.7 SEGMENT ARRIVES: CLOSED, LISTEN, SYN-SENT and the §3.10.7.4 pipeline.

Segments are hand-made with ``seg_for`` (seq/ack default to what the endpoint expects) and handed
straight to an endpoint that reached its state through real transitions.
"""

from __future__ import annotations

import pytest
from tcp_link import (
    A_ISN,
    B_ISN,
    delivered,
    discards,
    established,
    new_link,
    reach,
    seg_for,
    sends,
    signals,
    state_changes,
    timer_events,
)

from tcpsim.core.segment import Flags, Segment
from tcpsim.core.states import State

S = State
SYN, ACK, FIN, RST, PSH = Flags.SYN, Flags.ACK, Flags.FIN, Flags.RST, Flags.PSH
SYNCHRONIZED = [S.ESTABLISHED, S.FIN_WAIT_1, S.FIN_WAIT_2, S.CLOSE_WAIT, S.CLOSING, S.LAST_ACK, S.TIME_WAIT]
WINDOW_STATES = [S.SYN_RECEIVED, *SYNCHRONIZED]


def rejected(acts: list) -> bool:
    """The first step (§3.10.7.4) found the segment unacceptable."""
    return any(d.rule.startswith("3.10.7.4 first: ") for d in discards(acts))


def is_plain_ack_of(seg: Segment, ep) -> bool:
    """<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>"""
    return seg.flags == ACK and seg.seq == ep.snd_nxt and seg.ack == ep.rcv_nxt and not seg.data


# ============================================================================================
# §3.10.7.1 CLOSED
# ============================================================================================


def raw(flags: Flags, seq: int, ack: int = 0, data: bytes = b"") -> Segment:
    return Segment(sport=80, dport=49152, seq=seq, ack=ack if flags & ACK else 0, flags=flags, data=data)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("seg", "expected_len"),
    [
        (raw(SYN, 700), 1),
        (raw(FIN, 700, data=b"abc"), 4),
        (raw(PSH, 700, data=b"hello"), 5),
        (raw(SYN | FIN, 2**32 - 1), 2),
        (raw(Flags(0), 42), 0),
    ],
)
def test_3_10_7_1_closed_no_ack_bit_gets_rst_ack_with_seq_zero(seg: Segment, expected_len: int) -> None:
    link, name = reach(S.CLOSED)
    acts = link.inject(name, seg)
    (rst,) = sends(acts)
    assert rst.flags == RST | ACK
    assert rst.seq == 0
    assert rst.ack == (seg.seq + expected_len) % 2**32
    assert link.ep(name).state is S.CLOSED
    assert delivered(acts) == b""


@pytest.mark.parametrize("flags", [ACK, SYN | ACK, FIN | ACK, PSH | ACK])
def test_3_10_7_1_closed_ack_bit_gets_rst_at_seg_ack(flags: Flags) -> None:
    link, name = reach(S.CLOSED)
    acts = link.inject(name, raw(flags, 700, ack=123456, data=b"x"))
    (rst,) = sends(acts)
    assert rst.flags == RST and rst.seq == 123456 and rst.ack == 0
    assert link.ep(name).state is S.CLOSED


@pytest.mark.parametrize("flags", [RST, RST | ACK, RST | SYN])
def test_3_10_7_1_closed_rst_is_discarded(flags: Flags) -> None:
    link, name = reach(S.CLOSED)
    acts = link.inject(name, raw(flags, 700, ack=5))
    assert sends(acts) == [] and len(discards(acts)) == 1
    assert link.ep(name).state is S.CLOSED


# ============================================================================================
# §3.10.7.2 LISTEN
# ============================================================================================


@pytest.mark.parametrize("flags", [RST, RST | ACK, RST | SYN])
def test_3_10_7_2_listen_rst_is_ignored(flags: Flags) -> None:
    link, name = reach(S.LISTEN)
    acts = link.inject(name, raw(flags, 700, ack=9))
    assert sends(acts) == [] and state_changes(acts) == []
    assert link.b.state is S.LISTEN


@pytest.mark.parametrize("flags", [ACK, SYN | ACK, FIN | ACK, PSH | ACK])
def test_3_10_7_2_listen_any_ack_gets_rst_at_seg_ack(flags: Flags) -> None:
    link, name = reach(S.LISTEN)
    acts = link.inject(name, raw(flags, 700, ack=77, data=b"zz"))
    (rst,) = sends(acts)
    assert rst.flags == RST and rst.seq == 77
    assert link.b.state is S.LISTEN


def test_3_10_7_2_listen_syn_enters_syn_received_and_answers_syn_ack() -> None:
    link, name = reach(S.LISTEN)
    acts = link.inject(name, raw(SYN, 700))
    b = link.b
    assert state_changes(acts) == [(S.LISTEN, S.SYN_RECEIVED)]
    (synack,) = sends(acts)
    assert synack.flags == SYN | ACK and synack.seq == B_ISN and synack.ack == 701
    assert (b.irs, b.rcv_nxt, b.iss, b.snd_una, b.snd_nxt) == (700, 701, B_ISN, B_ISN, B_ISN + 1)
    assert "rto" in b.timers


def test_3_10_7_2_listen_other_segment_is_dropped() -> None:
    link, name = reach(S.LISTEN)
    acts = link.inject(name, raw(FIN, 700, data=b"x"))
    assert sends(acts) == [] and link.b.state is S.LISTEN and len(discards(acts)) == 1


def test_3_10_7_2_listen_text_on_syn_is_queued_until_established() -> None:
    link, name = reach(S.LISTEN)
    link.inject(name, raw(SYN, 700, data=b"early"))
    assert bytes(link.b.received) == b""
    ack = raw(ACK, 706, ack=B_ISN + 1)
    acts = link.inject(name, ack)
    assert link.b.state is S.ESTABLISHED
    assert delivered(acts) == b"early"
    assert link.b.rcv_nxt == 706


def test_3_10_7_2_listen_syn_fin_is_queued_and_closes_after_established() -> None:
    link, name = reach(S.LISTEN)
    link.inject(name, raw(SYN | FIN, 700, data=b"bye"))
    acts = link.inject(name, raw(ACK, 705, ack=B_ISN + 1))
    assert state_changes(acts) == [(S.SYN_RECEIVED, S.ESTABLISHED), (S.ESTABLISHED, S.CLOSE_WAIT)]
    assert delivered(acts) == b"bye"
    assert link.b.rcv_nxt == 705


# ============================================================================================
# §3.10.7.3 SYN-SENT
# ============================================================================================


@pytest.mark.parametrize("ack", [A_ISN - 1, A_ISN, A_ISN + 2, A_ISN + 100_000])
def test_3_10_7_3_syn_sent_unacceptable_ack_gets_rst(ack: int) -> None:
    link, name = reach(S.SYN_SENT)
    for flags in (ACK, SYN | ACK):
        acts = link.inject(name, raw(flags, 9000, ack=ack))
        (rst,) = sends(acts)
        assert rst.flags == RST and rst.seq == ack
        assert link.a.state is S.SYN_SENT


def test_3_10_7_3_syn_sent_unacceptable_ack_with_rst_is_dropped() -> None:
    link, name = reach(S.SYN_SENT)
    acts = link.inject(name, raw(RST | ACK, 9000, ack=A_ISN))
    assert sends(acts) == [] and link.a.state is S.SYN_SENT


def test_3_10_7_3_rst_with_acceptable_ack_closes() -> None:
    link, name = reach(S.SYN_SENT)
    acts = link.inject(name, raw(RST | ACK, 0, ack=A_ISN + 1))
    assert state_changes(acts) == [(S.SYN_SENT, S.CLOSED)]
    assert signals(acts) == ["error: connection reset"]
    assert not link.a.timers and not link.a.retransmission_queue


def test_3_10_7_3_rst_without_ack_is_dropped() -> None:
    link, name = reach(S.SYN_SENT)
    acts = link.inject(name, raw(RST, 0))
    assert sends(acts) == [] and link.a.state is S.SYN_SENT


def test_3_10_7_3_connection_refused_by_closed_port() -> None:
    link = new_link()
    link.connect("a")
    link.deliver("a")  # b is CLOSED: RST,ACK <SEQ=0><ACK=ISS+1>
    acts = link.deliver("b")
    assert link.a.state is S.CLOSED
    assert signals(acts) == ["error: connection reset"]


def test_3_10_7_3_syn_ack_completes_the_handshake() -> None:
    link, name = reach(S.SYN_SENT)
    acts = link.inject(name, raw(SYN | ACK, 9000, ack=A_ISN + 1))
    a = link.a
    assert state_changes(acts) == [(S.SYN_SENT, S.ESTABLISHED)]
    (ack,) = sends(acts)
    assert ack.flags == ACK and ack.seq == A_ISN + 1 and ack.ack == 9001
    assert (a.irs, a.rcv_nxt, a.snd_una) == (9000, 9001, A_ISN + 1)
    assert not a.retransmission_queue
    assert ("rto", "cancel", None) in timer_events(acts)


def test_3_10_7_3_syn_ack_with_text_continues_at_the_sixth_step() -> None:
    link, name = reach(S.SYN_SENT)
    acts = link.inject(name, raw(SYN | ACK, 9000, ack=A_ISN + 1, data=b"banner"))
    assert delivered(acts) == b"banner"
    segs = sends(acts)
    assert segs[-1].ack == 9007 and segs[-1].flags == ACK
    assert link.a.rcv_nxt == 9007


def test_3_10_7_3_syn_without_ack_is_simultaneous_open() -> None:
    link, name = reach(S.SYN_SENT)
    acts = link.inject(name, raw(SYN, 9000))
    a = link.a
    assert state_changes(acts) == [(S.SYN_SENT, S.SYN_RECEIVED)]
    (synack,) = sends(acts)
    assert synack.flags == SYN | ACK and synack.seq == A_ISN and synack.ack == 9001
    assert (a.irs, a.rcv_nxt, a.snd_una, a.snd_nxt) == (9000, 9001, A_ISN, A_ISN + 1)
    assert a.passive is False


def test_3_10_7_3_neither_syn_nor_rst_is_dropped() -> None:
    link, name = reach(S.SYN_SENT)
    acts = link.inject(name, raw(ACK, 9000, ack=A_ISN + 1))
    assert sends(acts) == [] and link.a.state is S.SYN_SENT
    acts = link.inject(name, raw(FIN, 9000))
    assert sends(acts) == [] and link.a.state is S.SYN_SENT


def test_3_10_7_3_simultaneous_open_figure_7() -> None:
    link = new_link()
    link.connect("a")
    link.connect("b")
    link.deliver("a")  # a's SYN → b: SYN-RECEIVED, SYN,ACK
    link.deliver("b", 1)  # b's SYN → a: SYN-RECEIVED, SYN,ACK
    assert link.states == (S.SYN_RECEIVED, S.SYN_RECEIVED)
    link.pump()
    assert link.states == (S.ESTABLISHED, S.ESTABLISHED)
    link.send("a", b"ping")
    link.send("b", b"pong")
    link.pump()
    assert (bytes(link.b.received), bytes(link.a.received)) == (b"ping", b"pong")


# ============================================================================================
# §3.10.7.4 first: Table 6, the acceptability test
# ============================================================================================


def zero_window_link():
    """ESTABLISHED, with b's receive window zero (RCV.WND = 0)."""
    return established(b_rcv_wnd=0)


@pytest.mark.parametrize(("offset", "ok"), [(0, True), (1, False), (-1, False), (100, False)])
def test_3_10_7_4_table_6_length_0_window_0(offset: int, ok: bool) -> None:
    link = zero_window_link()
    b = link.b
    acts = link.inject("b", seg_for(b, ACK, seq=b.rcv_nxt + offset))
    assert rejected(acts) is not ok
    if not ok:
        (ack,) = sends(acts)
        assert is_plain_ack_of(ack, b)


@pytest.mark.parametrize(("offset", "ok"), [(0, True), (1, True), (65534, True), (65535, False), (-1, False)])
def test_3_10_7_4_table_6_length_0_window_positive(offset: int, ok: bool) -> None:
    link = established()
    b = link.b
    acts = link.inject("b", seg_for(b, ACK, seq=b.rcv_nxt + offset))
    assert rejected(acts) is not ok
    assert b.rcv_wnd == 65535


@pytest.mark.parametrize("offset", [0, 1, -1])
def test_3_10_7_4_table_6_length_positive_window_0_never_acceptable(offset: int) -> None:
    link = zero_window_link()
    b = link.b
    acts = link.inject("b", seg_for(b, ACK, seq=b.rcv_nxt + offset, data=b"data"))
    assert rejected(acts)
    assert delivered(acts) == b""
    (ack,) = sends(acts)
    assert is_plain_ack_of(ack, b)


@pytest.mark.parametrize(
    ("offset", "length", "ok"),
    [
        (0, 4, True),  # starts at RCV.NXT
        (-2, 4, True),  # straddles RCV.NXT: the end is in the window
        (-4, 4, False),  # wholly old: last byte at RCV.NXT-1
        (-5, 2, False),
        (65534, 4, True),  # starts at the right edge
        (65535, 4, False),  # starts just beyond the window
        (-3, 65540, False),  # spans the whole window: neither end is inside, so Table 6 says no
    ],
)
def test_3_10_7_4_table_6_length_positive_window_positive(offset: int, length: int, ok: bool) -> None:
    link = established()
    b = link.b
    acts = link.inject("b", seg_for(b, ACK, seq=b.rcv_nxt + offset, data=b"x" * length))
    assert rejected(acts) is not ok


@pytest.mark.parametrize("state", WINDOW_STATES)
def test_3_10_7_4_unacceptable_segment_is_answered_with_ack(state: State) -> None:
    link, name = reach(state)
    ep = link.ep(name)
    before = ep.state
    acts = link.inject(name, seg_for(ep, ACK, seq=ep.rcv_nxt + 70000, data=b"zzz"))
    assert rejected(acts)
    (ack,) = sends(acts)
    assert is_plain_ack_of(ack, ep)
    assert ep.state is before and delivered(acts) == b""


def test_3_10_7_4_straddling_segment_delivers_only_the_new_part() -> None:
    link = established()
    link.send("a", b"hello")
    link.pump()
    b = link.b
    acts = link.inject("b", seg_for(b, ACK, seq=b.rcv_nxt - 5, data=b"hello world"))
    assert delivered(acts) == b" world"
    assert bytes(b.received) == b"hello world"


# ============================================================================================
# §3.10.7.4 second: RST (RFC 5961 §3)
# ============================================================================================


@pytest.mark.parametrize("state", WINDOW_STATES)
def test_3_10_7_4_rst_outside_window_is_silently_dropped(state: State) -> None:
    link, name = reach(state)
    ep = link.ep(name)
    for seq in (ep.rcv_nxt - 1, ep.rcv_nxt + ep.rcv_wnd, ep.rcv_nxt + 2**31):
        acts = link.inject(name, seg_for(ep, RST, seq=seq))
        assert sends(acts) == [] and state_changes(acts) == []
        assert ep.state is state


RESET_TARGET = {
    S.SYN_RECEIVED: S.LISTEN,  # passive OPEN: back to LISTEN, "the user need not be informed"
    S.ESTABLISHED: S.CLOSED,
    S.FIN_WAIT_1: S.CLOSED,
    S.FIN_WAIT_2: S.CLOSED,
    S.CLOSE_WAIT: S.CLOSED,
    S.CLOSING: S.CLOSED,
    S.LAST_ACK: S.CLOSED,
    S.TIME_WAIT: S.CLOSED,
}


@pytest.mark.parametrize("state", WINDOW_STATES)
@pytest.mark.parametrize("flags", [RST, RST | ACK])
def test_3_10_7_4_rst_exactly_at_rcv_nxt_resets(state: State, flags: Flags) -> None:
    link, name = reach(state)
    ep = link.ep(name)
    acts = link.inject(name, seg_for(ep, flags))
    assert state_changes(acts) == [(state, RESET_TARGET[state])]
    assert sends(acts) == []
    expected = ["error: connection reset"] if state in (S.ESTABLISHED, S.FIN_WAIT_1, S.FIN_WAIT_2, S.CLOSE_WAIT) else []
    assert signals(acts) == expected
    assert not ep.timers and not ep.retransmission_queue


@pytest.mark.parametrize("state", WINDOW_STATES)
@pytest.mark.parametrize("offset", [1, 1000, 65534])
def test_3_10_7_4_rst_in_window_not_exact_gets_challenge_ack(state: State, offset: int) -> None:
    link, name = reach(state)
    ep = link.ep(name)
    acts = link.inject(name, seg_for(ep, RST, seq=ep.rcv_nxt + offset))
    assert state_changes(acts) == [] and ep.state is state
    (ack,) = sends(acts)
    assert is_plain_ack_of(ack, ep)


def test_3_10_7_4_rst_in_syn_received_after_active_open_is_connection_refused() -> None:
    link = new_link()
    link.connect("a")
    link.inject("a", raw(SYN, 9000))  # simultaneous open: SYN-RECEIVED, not passive
    assert link.a.state is S.SYN_RECEIVED
    acts = link.inject("a", raw(RST, 9001))
    assert state_changes(acts) == [(S.SYN_RECEIVED, S.CLOSED)]
    assert signals(acts) == ["error: connection refused"]
    assert not link.a.retransmission_queue


def test_3_10_7_4_rst_in_syn_received_after_passive_open_returns_to_listen_and_can_accept_again() -> None:
    link, _ = reach(S.SYN_RECEIVED)
    link.drop("b")
    acts = link.inject("b", seg_for(link.b, RST))
    assert state_changes(acts) == [(S.SYN_RECEIVED, S.LISTEN)]
    assert not link.b.retransmission_queue and not link.b.timers
    link.abort("a")
    link.connect("a")  # a new connection, a new ISS
    link.pump()
    assert link.states == (S.ESTABLISHED, S.ESTABLISHED)
    assert link.b.irs == A_ISN + 64000


# ============================================================================================
# §3.10.7.4 fourth: SYN
# ============================================================================================


@pytest.mark.parametrize("state", SYNCHRONIZED)
@pytest.mark.parametrize("where", ["in-window", "at-rcv-nxt", "old", "beyond"])
def test_3_10_7_4_syn_in_synchronized_state_gets_challenge_ack(state: State, where: str) -> None:
    link, name = reach(state)
    ep = link.ep(name)
    seq = {
        "in-window": ep.rcv_nxt + 10,
        "at-rcv-nxt": ep.rcv_nxt,
        "old": ep.rcv_nxt - 100,
        "beyond": ep.rcv_nxt + 10**6,
    }
    for flags in (SYN, SYN | ACK):
        link.now += 1.0  # past the RFC 5961 §7 rate limit of the previous challenge ACK
        acts = link.inject(name, seg_for(ep, flags, seq=seq[where]))
        assert state_changes(acts) == [] and ep.state is state
        (ack,) = sends(acts)
        assert is_plain_ack_of(ack, ep)


def test_3_10_7_4_syn_in_window_in_syn_received_after_passive_open_returns_to_listen() -> None:
    link, _ = reach(S.SYN_RECEIVED)
    b = link.b
    acts = link.inject("b", seg_for(b, SYN, seq=b.rcv_nxt + 5))
    assert state_changes(acts) == [(S.SYN_RECEIVED, S.LISTEN)]


def test_3_10_7_4_retransmitted_syn_in_syn_received_is_old_and_acked() -> None:
    link, _ = reach(S.SYN_RECEIVED)
    b = link.b
    acts = link.inject("b", seg_for(b, SYN, seq=b.irs))
    assert b.state is S.SYN_RECEIVED and rejected(acts)
    (ack,) = sends(acts)
    assert is_plain_ack_of(ack, b)


# ============================================================================================
# §3.10.7.4 fifth: ACK
# ============================================================================================


def test_3_10_7_4_ack_bit_off_drops_the_segment() -> None:
    link = established()
    b = link.b
    acts = link.inject("b", seg_for(b, PSH, data=b"no ack"))
    assert delivered(acts) == b"" and sends(acts) == []
    assert b.rcv_nxt == A_ISN + 1


def test_3_10_7_4_syn_received_acceptable_ack_enters_established() -> None:
    link, _ = reach(S.SYN_RECEIVED)
    b = link.b
    acts = link.inject("b", seg_for(b, ACK, ack=B_ISN + 1, wnd=1234))
    assert state_changes(acts) == [(S.SYN_RECEIVED, S.ESTABLISHED)]
    assert (b.snd_una, b.snd_wnd, b.snd_wl1, b.snd_wl2) == (B_ISN + 1, 1234, A_ISN + 1, B_ISN + 1)


@pytest.mark.parametrize("ack", [B_ISN, B_ISN + 2, B_ISN - 5])
def test_3_10_7_4_syn_received_unacceptable_ack_gets_rst(ack: int) -> None:
    link, _ = reach(S.SYN_RECEIVED)
    b = link.b
    acts = link.inject("b", seg_for(b, ACK, ack=ack))
    (rst,) = sends(acts)
    assert rst.flags == RST and rst.seq == ack
    assert b.state is S.SYN_RECEIVED


@pytest.mark.parametrize("state", [S.ESTABLISHED, S.FIN_WAIT_1, S.FIN_WAIT_2, S.CLOSE_WAIT])
def test_3_10_7_4_ack_of_something_not_yet_sent_gets_ack_and_drop(state: State) -> None:
    link, name = reach(state)
    ep = link.ep(name)
    rcv_before = ep.rcv_nxt
    una_before = ep.snd_una
    acts = link.inject(name, seg_for(ep, ACK, ack=ep.snd_nxt + 1, data=b"dropped"))
    (ack,) = sends(acts)
    assert is_plain_ack_of(ack, ep)
    assert delivered(acts) == b"" and ep.rcv_nxt == rcv_before and ep.snd_una == una_before
    assert ep.state is state


def test_3_10_7_4_ack_below_max_snd_wnd_is_rfc_5961_out_of_range() -> None:
    link = established()
    b = link.b
    acts = link.inject("b", seg_for(b, ACK, ack=b.snd_una - 70000, data=b"inject"))
    (ack,) = sends(acts)
    assert is_plain_ack_of(ack, b)
    assert delivered(acts) == b""


def test_3_10_7_4_duplicate_ack_is_ignored_but_text_is_processed() -> None:
    link = established()
    link.send("b", b"abc")
    link.pump()
    b = link.b
    assert b.snd_una == B_ISN + 4
    acts = link.inject("b", seg_for(b, ACK, ack=B_ISN + 1, data=b"late"))
    assert delivered(acts) == b"late"
    assert b.snd_una == B_ISN + 4


def test_3_10_7_4_new_ack_advances_snd_una_and_trims_the_retransmission_queue() -> None:
    link = established()
    link.send("a", b"0123456789")
    (seg,) = link.out["a"]
    a = link.a
    acts = link.inject("a", seg_for(a, ACK, ack=a.snd_una + 4, wnd=500))
    assert a.snd_una == A_ISN + 5 and a.snd_wnd == 500
    (head,) = a.retransmission_queue
    assert head.seq == A_ISN + 5 and head.data == b"456789"
    assert ("rto", "restart", 1.0) in timer_events(acts)
    acts = link.inject("a", seg_for(a, ACK, ack=seg.end))
    assert a.snd_una == a.snd_nxt and not a.retransmission_queue
    assert ("rto", "cancel", None) in timer_events(acts)


def test_3_10_7_4_older_segment_does_not_update_the_send_window() -> None:
    link = established()
    a = link.a
    base = a.rcv_nxt
    # An out-of-order segment arrives first: it updates the window (WL1 = its SEQ) and is held.
    link.inject("a", seg_for(a, ACK, seq=base + 4, data=b"efgh", wnd=3000))
    assert (a.snd_wnd, a.snd_wl1) == (3000, base + 4)
    # The earlier segment arrives late: SND.WL1 > SEG.SEQ, so its window is stale and ignored.
    acts = link.inject("a", seg_for(a, ACK, seq=base, data=b"abcd", wnd=10))
    assert delivered(acts) == b"abcdefgh"
    assert a.snd_wnd == 3000
    # A newer segment (SND.WL1 < SEG.SEQ) does update it.
    link.inject("a", seg_for(a, ACK, wnd=10))
    assert a.snd_wnd == 10 and a.snd_wl1 == base + 8


# ============================================================================================
# §3.10.7.4 seventh: text
# ============================================================================================


def test_3_10_7_4_out_of_order_text_is_held_and_delivered_in_order_exactly_once() -> None:
    link = established(a_mss=3)
    link.send("a", b"abcdefghi")
    s1, s2, s3 = link.drop("a")
    b = link.b
    acts = link.inject("b", s3)
    assert delivered(acts) == b""
    (gap_ack,) = sends(acts)
    assert gap_ack.ack == s1.seq  # MAY-13: ACK RCV.NXT at once
    acts = link.inject("b", s2)
    assert delivered(acts) == b""
    acts = link.inject("b", s3)  # a duplicate of a held segment
    assert delivered(acts) == b""
    acts = link.inject("b", s1)
    assert delivered(acts) == b"abcdefghi"
    (ack,) = sends(acts)
    assert ack.ack == s3.end
    for seg in (s1, s2, s3):
        acts = link.inject("b", seg)
        assert delivered(acts) == b""
    assert bytes(b.received) == b"abcdefghi"
    assert not b.held


def test_3_10_7_4_overlapping_out_of_order_segments_deliver_each_byte_once() -> None:
    link = established()
    b = link.b
    base = b.rcv_nxt
    link.inject("b", seg_for(b, ACK, seq=base + 4, data=b"efgh"))
    link.inject("b", seg_for(b, ACK, seq=base + 2, data=b"cdef"))
    link.inject("b", seg_for(b, ACK, seq=base + 6, data=b"ghij"))
    acts = link.inject("b", seg_for(b, ACK, seq=base, data=b"abc"))
    assert delivered(acts) == b"abcdefghij"
    assert bytes(b.received) == b"abcdefghij"


def test_3_10_7_4_duplicate_data_is_not_delivered_twice() -> None:
    link = established()
    link.send("a", b"once")
    (seg,) = link.out["a"]
    link.deliver("a")
    acts = link.inject("b", seg)
    assert delivered(acts) == b"" and rejected(acts)
    (ack,) = sends(acts)
    assert ack.ack == seg.end
    link.retransmit("a")
    link.pump()
    assert bytes(link.b.received) == b"once"


def test_3_10_7_4_text_on_the_handshake_ack_is_delivered() -> None:
    link, _ = reach(S.SYN_RECEIVED)
    b = link.b
    acts = link.inject("b", seg_for(b, ACK | PSH, ack=B_ISN + 1, data=b"piggyback"))
    assert b.state is S.ESTABLISHED and delivered(acts) == b"piggyback"


@pytest.mark.parametrize("state", [S.CLOSE_WAIT, S.CLOSING, S.LAST_ACK, S.TIME_WAIT])
def test_3_10_7_4_text_after_the_peers_fin_is_ignored(state: State) -> None:
    link, name = reach(state)
    ep = link.ep(name)
    acts = link.inject(name, seg_for(ep, ACK, ack=ep.snd_una, data=b"after fin"))
    assert delivered(acts) == b""


# ============================================================================================
# §3.10.7.4 eighth: FIN, in every state
# ============================================================================================


@pytest.mark.parametrize("state", [S.CLOSED, S.LISTEN, S.SYN_SENT])
def test_3_10_7_4_eighth_fin_not_processed_in_closed_listen_syn_sent(state: State) -> None:
    link, name = reach(state)
    ep = link.ep(name)
    acts = link.inject(name, raw(FIN, 700))
    assert ep.state is state
    assert not any(s == "connection closing" for s in signals(acts))


def test_3_10_7_4_eighth_fin_in_syn_received_with_ack_of_syn_closes_to_close_wait() -> None:
    link, _ = reach(S.SYN_RECEIVED)
    b = link.b
    acts = link.inject("b", seg_for(b, FIN | ACK, ack=B_ISN + 1))
    assert state_changes(acts) == [(S.SYN_RECEIVED, S.ESTABLISHED), (S.ESTABLISHED, S.CLOSE_WAIT)]
    assert b.rcv_nxt == A_ISN + 2


def test_3_10_7_4_eighth_fin_in_established_enters_close_wait() -> None:
    link = established()
    b = link.b
    acts = link.inject("b", seg_for(b, FIN | ACK, data=b"end"))
    assert state_changes(acts) == [(S.ESTABLISHED, S.CLOSE_WAIT)]
    assert delivered(acts) == b"end"
    assert signals(acts) == ["connection closing"]
    (ack,) = sends(acts)  # one ACK for text and FIN together (MUST-58)
    assert ack.flags == ACK and ack.ack == A_ISN + 1 + 3 + 1


def test_3_10_7_4_eighth_fin_in_fin_wait_1_not_acking_ours_enters_closing() -> None:
    link, name = reach(S.FIN_WAIT_1)
    a = link.a
    acts = link.inject(name, seg_for(a, FIN | ACK, ack=a.snd_una))
    assert state_changes(acts) == [(S.FIN_WAIT_1, S.CLOSING)]
    (ack,) = sends(acts)
    assert is_plain_ack_of(ack, a)
    assert "2msl" not in a.timers and "rto" in a.timers


def test_3_10_7_4_eighth_fin_wait_1_to_time_wait_when_the_fin_acks_ours_note_2() -> None:
    link, name = reach(S.FIN_WAIT_1)
    a = link.a
    acts = link.inject(name, seg_for(a, FIN | ACK, ack=a.snd_nxt))
    assert state_changes(acts) == [(S.FIN_WAIT_1, S.TIME_WAIT)]
    (ack,) = sends(acts)
    assert is_plain_ack_of(ack, a)
    assert a.timers == {"2msl": 60.0}
    assert ("rto", "cancel", None) in timer_events(acts)


def test_3_10_7_4_eighth_fin_wait_1_to_time_wait_over_the_link() -> None:
    link = established()
    link.close("a")  # FIN-WAIT-1
    link.deliver("a")  # b: CLOSE-WAIT, its ACK is lost
    link.drop("b")
    link.close("b")  # b's FIN,ACK acknowledges a's FIN
    acts = link.deliver("b")
    assert state_changes(acts) == [(S.FIN_WAIT_1, S.TIME_WAIT)]
    link.pump()
    assert link.states == (S.TIME_WAIT, S.CLOSED)


def test_3_10_7_4_eighth_fin_in_fin_wait_2_enters_time_wait() -> None:
    link, name = reach(S.FIN_WAIT_2)
    a = link.a
    acts = link.inject(name, seg_for(a, FIN | ACK))
    assert state_changes(acts) == [(S.FIN_WAIT_2, S.TIME_WAIT)]
    assert a.timers == {"2msl": 60.0}
    (ack,) = sends(acts)
    assert is_plain_ack_of(ack, a)


@pytest.mark.parametrize("state", [S.CLOSE_WAIT, S.CLOSING, S.LAST_ACK])
def test_3_10_7_4_eighth_retransmitted_fin_remains_and_is_acked(state: State) -> None:
    link, name = reach(state)
    ep = link.ep(name)
    fin = seg_for(ep, FIN | ACK, seq=ep.rcv_nxt - 1, ack=ep.snd_una)
    acts = link.inject(name, fin)
    assert ep.state is state and state_changes(acts) == []
    (ack,) = sends(acts)
    assert is_plain_ack_of(ack, ep)


def test_3_10_7_4_eighth_retransmitted_fin_in_time_wait_is_reacked_and_restarts_2msl() -> None:
    link, name = reach(S.TIME_WAIT)
    a = link.a
    assert a.timers == {"2msl": 60.0}
    link.now = 10.0
    fin = seg_for(a, FIN | ACK, seq=a.rcv_nxt - 1, ack=a.snd_nxt)
    acts = link.inject(name, fin)
    assert a.state is S.TIME_WAIT
    (ack,) = sends(acts)
    assert is_plain_ack_of(ack, a)
    assert a.timers == {"2msl": 70.0}
    assert ("2msl", "restart", 70.0) in timer_events(acts)


def test_3_10_7_4_eighth_fin_at_rcv_nxt_in_time_wait_is_acked_and_restarts_2msl() -> None:
    """Not the retransmitted FIN (that one lies before RCV.NXT and is caught at the first step) but
    a FIN exactly at RCV.NXT: it passes Table 6 and reaches the eighth step, whose TIME-WAIT rule is
    "Remain in the TIME-WAIT state. Restart the 2 MSL time-wait timeout." Found by mutation: the
    restart could be deleted without a test noticing."""
    link, name = reach(S.TIME_WAIT)
    a = link.a
    link.now = 10.0
    nxt = a.rcv_nxt
    acts = link.inject(name, seg_for(a, FIN | ACK, seq=nxt, ack=a.snd_nxt))
    assert a.state is S.TIME_WAIT and state_changes(acts) == []
    assert a.rcv_nxt == nxt + 1
    (ack,) = sends(acts)
    assert is_plain_ack_of(ack, a) and ack.ack == nxt + 1
    assert ("2msl", "restart", 70.0) in timer_events(acts)
    assert a.timers == {"2msl": 70.0}


def test_3_10_7_4_first_text_trimmed_to_the_window_loses_its_fin() -> None:
    """§3.10.7.4 first: what lies beyond the window is cut, and a FIN after the last octet lies
    beyond it too. "abcdefgh" and a FIN into a window of 4: "abcd" is delivered, the FIN is not
    seen, and the endpoint stays ESTABLISHED (found by mutation: a FIN kept after the trim went to
    CLOSE-WAIT without a test noticing)."""
    link = established(b_rcv_wnd=4)
    b = link.b
    base = b.rcv_nxt
    acts = link.inject("b", seg_for(b, FIN | ACK, data=b"abcdefgh"))
    assert delivered(acts) == b"abcd"
    assert b.state is S.ESTABLISHED and state_changes(acts) == []
    assert "connection closing" not in signals(acts)
    assert b.rcv_nxt == base + 4
    (ack,) = sends(acts)
    assert is_plain_ack_of(ack, b) and ack.ack == base + 4


def test_3_10_7_4_eighth_out_of_order_fin_waits_for_the_data() -> None:
    link = established()
    b = link.b
    base = b.rcv_nxt
    acts = link.inject("b", seg_for(b, FIN | ACK, seq=base + 3))
    assert b.state is S.ESTABLISHED and b.rcv_nxt == base
    acts = link.inject("b", seg_for(b, ACK, seq=base, data=b"abc"))
    assert delivered(acts) == b"abc"
    assert state_changes(acts) == [(S.ESTABLISHED, S.CLOSE_WAIT)]
    assert b.rcv_nxt == base + 4


def test_3_10_7_4_simultaneous_close_via_closing() -> None:
    link = established()
    link.close("a")
    link.close("b")
    assert link.states == (S.FIN_WAIT_1, S.FIN_WAIT_1)
    link.deliver("a", 1)
    link.deliver("b", 1)
    assert link.states == (S.CLOSING, S.CLOSING)
    acts_b = link.deliver("a")  # a's ACK of b's FIN
    acts_a = link.deliver("b")
    assert state_changes(acts_a) == [(S.CLOSING, S.TIME_WAIT)]
    assert state_changes(acts_b) == [(S.CLOSING, S.TIME_WAIT)]
    assert link.a.timers == {"2msl": 60.0} and link.b.timers == {"2msl": 60.0}


def test_3_10_7_4_last_ack_ack_of_fin_closes() -> None:
    link, name = reach(S.LAST_ACK)
    b = link.b
    acts = link.inject(name, seg_for(b, ACK, ack=b.snd_una))  # not our FIN
    assert b.state is S.LAST_ACK
    acts = link.inject(name, seg_for(b, ACK, ack=b.snd_nxt))
    assert state_changes(acts) == [(S.LAST_ACK, S.CLOSED)]
    assert not b.timers


def test_3_10_4_close_in_close_wait_with_window_limited_data_still_sends_it_all() -> None:
    link = established(a_rcv_wnd=4)
    link.close("a")
    link.pump()
    assert link.states == (S.FIN_WAIT_2, S.CLOSE_WAIT)
    link.send("b", b"0123456789")  # only 4 bytes fit a's window
    link.close("b")
    link.pump()
    assert bytes(link.a.received) == b"0123456789"
    assert link.states == (S.TIME_WAIT, S.CLOSED)


def test_3_10_7_4_closing_still_sends_queued_data_and_fin() -> None:
    link = established(b_rcv_wnd=4)
    link.send("a", b"0123456789")
    link.close("a")
    link.close("b")
    link.pump()
    assert bytes(link.b.received) == b"0123456789"
    assert link.states == (S.TIME_WAIT, S.TIME_WAIT)


# ============================================================================================
# RFC 5961 §7: ACK throttling of replies to unacceptable segments
# ============================================================================================


@pytest.mark.parametrize("kind", ["old-ack", "rst-in-window", "syn"])
def test_rfc5961_7_replies_to_unacceptable_segments_are_rate_limited(kind: str) -> None:
    link = established()
    b = link.b
    limit = b.config.ack_ratelimit
    make = {
        "old-ack": lambda: seg_for(b, ACK, seq=b.rcv_nxt - 1),
        "rst-in-window": lambda: seg_for(b, RST, seq=b.rcv_nxt + 1),
        "syn": lambda: seg_for(b, SYN, seq=b.rcv_nxt + 1),
    }[kind]
    link.now = 10.0
    assert len(sends(link.inject("b", make()))) == 1
    link.now = 10.0 + limit / 2
    acts = link.inject("b", make())
    assert sends(acts) == [] and any("rate limit" in d.reason for d in discards(acts))
    link.now = 10.0 + limit
    assert len(sends(link.inject("b", make()))) == 1
    assert b.state is S.ESTABLISHED


def test_rfc5961_7_unacceptable_data_segments_are_always_acked() -> None:
    link = established()
    b = link.b
    link.now = 10.0
    for _ in range(3):
        acts = link.inject("b", seg_for(b, ACK, seq=b.rcv_nxt - 4, data=b"old!"))
        (ack,) = sends(acts)
        assert is_plain_ack_of(ack, b)
