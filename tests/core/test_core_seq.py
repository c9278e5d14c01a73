"""RFC 9293 §3.4: sequence numbers are modulo 2**32, and every comparison must survive the wrap."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tcp_link import established, sends

from tcpsim.core import seq as sq
from tcpsim.core import tcb
from tcpsim.core.segment import Flags
from tcpsim.core.states import State

TOP = 2**32 - 1
u32 = st.integers(min_value=0, max_value=TOP)
offset = st.integers(min_value=-(2**31) + 1, max_value=2**31 - 1)


def test_the_inlined_constants_are_what_they_stand_for() -> None:
    """The hot paths use literal constants (compiled code inlines them) instead of computing them."""
    assert (sq.MOD, sq.HALF, sq.MASK) == (2**32, 2**31, 2**32 - 1)
    assert (tcb.FIN, tcb.SYN, tcb.RST, tcb.PSH, tcb.ACK) == (Flags.FIN, Flags.SYN, Flags.RST, Flags.PSH, Flags.ACK)


def test_3_4_seq_reduces_into_32_bits() -> None:
    assert sq.seq(2**32) == 0
    assert sq.seq(2**32 + 5) == 5
    assert sq.seq(-1) == TOP
    assert sq.seq(TOP) == TOP


def test_3_4_add_wraps_both_ways() -> None:
    assert sq.add(sq.seq(TOP), 1) == 0
    assert sq.add(sq.seq(TOP - 1), 5) == 3
    assert sq.add(sq.seq(0), -1) == TOP
    assert sq.add(sq.seq(2), -5) == TOP - 2


def test_3_4_diff_is_signed_distance_across_wrap() -> None:
    assert sq.diff(sq.seq(3), sq.seq(TOP - 1)) == 5
    assert sq.diff(sq.seq(TOP - 1), sq.seq(3)) == -5
    assert sq.diff(sq.seq(7), sq.seq(7)) == 0


@pytest.mark.parametrize(
    ("a", "b"),
    [(0, 1), (TOP, 0), (TOP - 10, 10), (2**31 - 1, 2**31), (100, 100 + 2**31 - 1), (TOP, 2**31 - 2)],
)
def test_3_4_comparisons_across_wrap(a: int, b: int) -> None:
    a_, b_ = sq.seq(a), sq.seq(b)
    assert sq.lt(a_, b_) and sq.le(a_, b_)
    assert sq.gt(b_, a_) and sq.ge(b_, a_)
    assert not sq.lt(b_, a_) and not sq.le(b_, a_)
    assert not sq.gt(a_, b_) and not sq.ge(a_, b_)


def test_3_4_equal_numbers_are_le_and_ge_not_lt_or_gt() -> None:
    for x in (0, 1, 2**31, TOP):
        v = sq.seq(x)
        assert sq.le(v, v) and sq.ge(v, v)
        assert not sq.lt(v, v) and not sq.gt(v, v)


def test_3_4_raw_less_than_would_be_wrong_at_the_wrap() -> None:
    # TOP comes just before 0 in sequence space, although TOP > 0 as integers.
    assert sq.lt(sq.seq(TOP), sq.seq(0))
    assert TOP > 0


@pytest.mark.parametrize(
    ("x", "start", "size", "inside"),
    [
        (10, 10, 5, True),
        (14, 10, 5, True),
        (15, 10, 5, False),
        (9, 10, 5, False),
        (TOP, TOP, 3, True),
        (0, TOP, 3, True),
        (1, TOP, 3, True),
        (2, TOP, 3, False),
        (TOP - 1, TOP, 3, False),
        (10, 10, 0, False),
    ],
)
def test_3_4_in_window_is_half_open_and_wraps(x: int, start: int, size: int, inside: bool) -> None:
    assert sq.in_window(sq.seq(x), sq.seq(start), size) is inside


@given(u32, offset)
def test_3_4_add_and_diff_are_inverse(a: int, n: int) -> None:
    a_ = sq.seq(a)
    assert sq.diff(sq.add(a_, n), a_) == n
    assert sq.add(a_, sq.diff(sq.add(a_, n), a_)) == sq.add(a_, n)


@given(u32, offset)
def test_3_4_order_agrees_with_the_signed_distance(a: int, n: int) -> None:
    a_ = sq.seq(a)
    b_ = sq.add(a_, n)
    assert sq.lt(a_, b_) is (n > 0)
    assert sq.gt(a_, b_) is (n < 0)
    assert sq.le(a_, b_) is (n >= 0)
    assert sq.ge(a_, b_) is (n <= 0)


@given(u32, u32)
def test_3_4_lt_is_antisymmetric(a: int, b: int) -> None:
    a_, b_ = sq.seq(a), sq.seq(b)
    assert not (sq.lt(a_, b_) and sq.lt(b_, a_))
    if a_ != b_ and sq.diff(a_, b_) != -(2**31):
        assert sq.lt(a_, b_) != sq.lt(b_, a_)


@given(u32, u32, st.integers(min_value=0, max_value=2**31))
def test_3_4_in_window_matches_distance(x: int, start: int, size: int) -> None:
    inside = sq.in_window(sq.seq(x), sq.seq(start), size)
    assert inside is (((x - start) % 2**32) < size)


# --------------------------------------------------------------------------------------------
# A whole connection whose sequence numbers cross 2**32 - 1 → 0.
# --------------------------------------------------------------------------------------------


def test_3_4_connection_transfers_data_across_the_wrap() -> None:
    # a's SYN takes TOP-2; its data occupies TOP-1, TOP, 0, 1, ...; b's SYN takes TOP, data from 0.
    link = established(a_isn=TOP - 2, b_isn=TOP)
    a, b = link.a, link.b
    assert (a.iss, b.iss) == (TOP - 2, TOP)
    assert (a.snd_nxt, b.snd_nxt) == (TOP - 1, 0)
    assert (b.rcv_nxt, a.rcv_nxt) == (TOP - 1, 0)

    first = link.send("a", b"0123456789")
    (seg,) = sends(first)
    assert seg.seq == TOP - 1 and seg.end == 8
    link.pump()
    assert bytes(b.received) == b"0123456789"
    assert a.snd_una == a.snd_nxt == 8
    assert b.rcv_nxt == 8
    assert not a.retransmission_queue and "rto" not in a.timers

    link.send("b", b"hello across zero")
    link.pump()
    assert bytes(a.received) == b"hello across zero"
    assert a.rcv_nxt == len(b"hello across zero")

    # Graceful close in both directions, still in wrapped space.
    link.close("a")
    link.pump()
    link.close("b")
    link.pump()
    assert link.states == (State.TIME_WAIT, State.CLOSED)
    assert a.snd_una == 9 and a.rcv_nxt == len(b"hello across zero") + 1


def test_3_4_out_of_order_and_retransmission_across_the_wrap() -> None:
    link = established(a_isn=TOP - 3, b_isn=2**31)
    link.send("a", b"ab")  # TOP-2, TOP-1
    link.send("a", b"cd")  # TOP, 0
    link.send("a", b"ef")  # 1, 2
    first, second, third = link.out["a"]
    assert (first.seq, second.seq, third.seq) == (TOP - 2, TOP, 1)
    link.out["a"] = []
    link.inject("b", third)
    link.inject("b", second)
    assert bytes(link.b.received) == b""
    link.inject("b", first)
    assert bytes(link.b.received) == b"abcdef"
    # A retransmission of the segment that straddles the wrap is an old duplicate now.
    acts = link.inject("b", second)
    assert bytes(link.b.received) == b"abcdef"
    (ack,) = sends(acts)
    assert ack.flags == Flags.ACK and ack.ack == 3
