"""RFC 9293 §3.10.8 timeouts (with RFC 6298 back-off and §3.8.3 giving up) and the 2·MSL timer."""

from __future__ import annotations

import pytest
from tcp_link import A_ISN, established, new_link, reach, seg_for, sends, sent_actions, signals, state_changes
from tcp_link import timer_events as timers

from tcpsim.core.segment import Flags
from tcpsim.core.states import State
from tcpsim.core.tcb import MAX_RTO

S = State
SYN, ACK, FIN, RST, PSH = Flags.SYN, Flags.ACK, Flags.FIN, Flags.RST, Flags.PSH


def test_3_10_8_rto_is_set_on_first_transmission_and_not_restarted_by_later_sends() -> None:
    link = established()
    link.now = 5.0
    acts = link.send("a", b"one")
    assert timers(acts) == [("rto", "set", 6.0)]
    link.now = 5.5
    acts = link.send("a", b"two")
    assert timers(acts) == []
    assert link.a.timers == {"rto": 6.0}


def test_3_10_8_rto_doubles_on_each_retransmission() -> None:
    link = established(a_max_retries=10)
    link.send("a", b"lost")
    (orig,) = link.drop("a")
    deadlines = []
    for _ in range(8):
        acts = link.expire("a", "rto")
        (resend,) = sent_actions(acts)
        assert resend.retransmission is True
        assert resend.segment.seq == orig.seq and resend.segment.data == b"lost"
        assert link.a.state is S.ESTABLISHED
        expired, (_, action, deadline) = timers(acts)
        assert expired[:2] == ("rto", "expire")
        assert action == "set"  # the expired timer is armed again
        deadlines.append(round(deadline - link.now, 9))
    assert deadlines == [2.0, 4.0, 8.0, 16.0, 32.0, MAX_RTO, MAX_RTO, MAX_RTO]


def test_3_10_8_rto_returns_to_initial_after_new_data_is_acked() -> None:
    link = established(a_rto=0.5)
    link.send("a", b"abc")
    link.drop("a")
    link.expire("a", "rto")
    link.expire("a", "rto")
    assert link.a.rto == 2.0 and link.a.retries == 2
    link.deliver("a")  # the last retransmission gets through
    link.deliver("b")  # and is acknowledged
    assert link.a.rto == 0.5 and link.a.retries == 0 and "rto" not in link.a.timers
    link.now += 1
    acts = link.send("a", b"more")
    assert timers(acts) == [("rto", "set", link.now + 0.5)]


def test_3_10_8_partial_ack_restarts_rto_at_the_initial_value() -> None:
    link = established(a_mss=2)
    link.send("a", b"abcd")
    first, _second = link.drop("a")
    link.expire("a", "rto")  # resend "ab", RTO 2
    link.inject("b", first)
    link.now += 0.1
    acts = link.deliver("b")  # ACK of "ab" only
    assert ("rto", "restart", link.now + 1.0) in timers(acts)
    assert link.a.retries == 0


@pytest.mark.parametrize("max_retries", [0, 1, 2, 5])
def test_3_8_3_give_up_after_max_retries_with_signal_and_closed(max_retries: int) -> None:
    link = established(a_max_retries=max_retries)
    link.send("a", b"void")
    link.drop("a")
    for _ in range(max_retries):
        acts = link.expire("a", "rto")
        assert len(sends(acts)) == 1 and link.a.state is S.ESTABLISHED
        link.drop("a")
    acts = link.expire("a", "rto")
    assert state_changes(acts) == [(S.ESTABLISHED, S.CLOSED)]
    (signal,) = signals(acts)
    assert signal.startswith("error: connection aborted")
    assert f"{max_retries} retransmissions" in signal
    assert sends(acts) == []
    assert not link.a.timers and not link.a.retransmission_queue


@pytest.mark.parametrize(
    "state", [S.SYN_SENT, S.SYN_RECEIVED, S.FIN_WAIT_1, S.CLOSE_WAIT, S.CLOSING, S.LAST_ACK, S.ESTABLISHED]
)
def test_3_8_3_give_up_in_every_state_with_something_outstanding(state: State) -> None:
    link, name = reach(state, a_max_retries=1, b_max_retries=1)
    ep = link.ep(name)
    if state in (S.ESTABLISHED, S.CLOSE_WAIT):
        link.send(name, b"unacked")
    assert "rto" in ep.timers
    link.expire(name, "rto")
    acts = link.expire(name, "rto")
    assert state_changes(acts) == [(state, S.CLOSED)]


def test_3_10_8_syn_retransmission_doubles_and_gives_up() -> None:
    link = new_link(a_max_retries=3)
    link.connect("a")
    for expected in (2.0, 4.0, 8.0):
        acts = link.expire("a", "rto")
        (syn,) = sends(acts)
        assert syn.flags == SYN and syn.seq == A_ISN
        assert link.a.timers["rto"] - link.now == expected
    acts = link.expire("a", "rto")
    assert link.a.state is S.CLOSED and signals(acts)


def test_3_10_8_stale_or_cancelled_timer_expiry_is_ignored() -> None:
    link = established()
    link.send("a", b"x")
    deadline = link.a.timers["rto"]
    assert link.a.timer_expired("rto", deadline - 0.5) == []  # not due yet
    link.pump()  # acknowledged: the timer is cancelled
    assert link.a.timer_expired("rto", deadline) == []
    assert link.a.timer_expired("2msl", 1000.0) == []


# ---------------------------------------------------------------------------------------------
# TIME-WAIT
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("msl", [30.0, 2.5])
def test_3_10_7_4_time_wait_sets_2msl_on_entry(msl: float) -> None:
    link = established(a_msl=msl)
    link.close("a")
    link.pump()
    link.now = 3.0
    link.close("b")
    acts = link.deliver("b")
    assert state_changes(acts) == [(S.FIN_WAIT_2, S.TIME_WAIT)]
    assert ("2msl", "set", 3.0 + 2 * msl) in timers(acts)
    assert link.a.timers == {"2msl": 3.0 + 2 * msl}


def test_3_10_8_time_wait_timeout_enters_closed() -> None:
    link, name = reach(S.TIME_WAIT)
    acts = link.expire(name, "2msl")
    assert link.now == 60.0
    assert timers(acts) == [("2msl", "expire", 60.0)]
    assert state_changes(acts) == [(S.TIME_WAIT, S.CLOSED)]
    assert not link.a.timers


def test_3_10_7_4_lost_last_ack_fin_retransmitted_is_reacked_and_2msl_restarted() -> None:
    link, _ = reach(S.TIME_WAIT)
    link.drop("a")  # the last ACK is lost; b stays in LAST-ACK
    assert link.b.state is S.LAST_ACK
    link.now = 1.0
    acts = link.expire("b", "rto")  # b retransmits its FIN
    (fin,) = sent_actions(acts)
    assert fin.retransmission and fin.segment.flags == FIN | ACK
    link.now = 1.1
    acts = link.deliver("b")
    assert link.a.state is S.TIME_WAIT
    (ack,) = sends(acts)
    assert ack.flags == ACK and ack.ack == fin.segment.end
    assert ("2msl", "restart", 61.1) in timers(acts)
    assert link.a.timers == {"2msl": 61.1}
    link.deliver("a")
    assert link.b.state is S.CLOSED
    acts = link.expire("a", "2msl")
    assert link.now == 61.1 and link.a.state is S.CLOSED


def test_3_10_7_4_time_wait_other_segments_do_not_restart_2msl() -> None:
    link, name = reach(S.TIME_WAIT)
    a = link.a
    link.now = 5.0
    link.inject(name, seg_for(a, ACK, ack=a.snd_nxt))
    link.inject(name, seg_for(a, SYN, seq=a.rcv_nxt + 100))
    assert a.timers == {"2msl": 60.0}


# ---------------------------------------------------------------------------------------------
# The what-if switch: time_wait = False skips TIME-WAIT
# ---------------------------------------------------------------------------------------------


def test_whatif_no_time_wait_fin_wait_2_goes_straight_to_closed() -> None:
    link = established(a_time_wait=False)
    link.close("a")
    link.pump()
    link.close("b")
    acts = link.deliver("b")
    assert state_changes(acts) == [(S.FIN_WAIT_2, S.CLOSED)]
    (ack,) = sends(acts)
    assert ack.flags == ACK and ack.ack == link.b.snd_nxt  # the ACK still goes out
    assert not link.a.timers


def test_whatif_no_time_wait_retransmitted_fin_meets_rst() -> None:
    link = established(a_time_wait=False)
    link.close("a")
    link.pump()
    link.close("b")
    link.deliver("b")
    link.drop("a")  # the last ACK is lost
    link.expire("b", "rto")
    acts = link.deliver("b")  # a is CLOSED: §3.10.7.1
    (rst,) = sends(acts)
    assert rst.flags == RST
    acts = link.deliver("a")
    assert link.b.state is S.CLOSED


def test_whatif_no_time_wait_simultaneous_close_and_note_2() -> None:
    link = established(a_time_wait=False, b_time_wait=False)
    link.close("a")
    link.close("b")
    link.pump()
    assert link.states == (S.CLOSED, S.CLOSED)
    link = established(a_time_wait=False)
    link.close("a")
    link.deliver("a")
    link.drop("b")
    link.close("b")
    acts = link.deliver("b")
    assert state_changes(acts) == [(S.FIN_WAIT_1, S.CLOSED)]


# ---------------------------------------------------------------------------------------------
# R2 measured in time (§3.8.3) and RFC 6298 §5.7
# ---------------------------------------------------------------------------------------------


def _expire_until_closed(link, name: str) -> list[float]:
    """Let the retransmission timer run out again and again; the times of the retransmissions."""
    resent = []
    for _ in range(100):
        acts = link.expire(name, "rto")
        if link.ep(name).state is S.CLOSED:
            assert signals(acts) and signals(acts)[0].startswith("error: connection aborted")
            return resent
        assert len(sends(acts)) == 1
        link.drop(name)
        resent.append(link.now)
    raise AssertionError("never gave up")


def test_3_8_3_r2_for_a_syn_retransmits_for_at_least_three_minutes() -> None:
    link = new_link()  # max_retries None: R2 in time
    link.connect("a")
    resent = _expire_until_closed(link, "a")
    assert resent == [1.0, 3.0, 7.0, 15.0, 31.0, 63.0, 123.0]
    assert link.now == 183.0 >= link.a.config.r2_syn == 180.0  # MUST-23


def test_3_8_3_r2_for_data_is_at_least_100_seconds() -> None:
    link = established()
    link.now = 10.0
    link.send("a", b"into the void")
    link.drop("a")
    resent = _expire_until_closed(link, "a")
    assert resent == [11.0, 13.0, 17.0, 25.0, 41.0, 73.0]
    assert link.now - 10.0 >= link.a.config.r2 == 100.0  # SHLD-11


def test_3_8_3_r2_restarts_when_the_head_is_acknowledged() -> None:
    link = established(a_mss=3)
    link.send("a", b"abcdef")
    first, _ = link.drop("a")
    link.now = 90.0
    link.inject("b", first)
    link.deliver("b")  # the first segment is ACKed at t=90: the second starts waiting now
    assert link.a.head_since == 90.0
    link.drop("a")
    resent = _expire_until_closed(link, "a")
    assert link.now - 90.0 >= 100.0 and resent[0] == 91.0


def test_rfc6298_5_7_rto_is_three_seconds_after_a_syn_timed_out() -> None:
    link = new_link()
    link.listen("b")
    link.connect("a")
    link.drop("a")  # the first SYN is lost
    link.expire("a", "rto")
    link.pump()
    assert link.states == (S.ESTABLISHED, S.ESTABLISHED)
    assert link.a.rto == 3.0
    link.now = 10.0
    acts = link.send("a", b"data")
    assert timers(acts) == [("rto", "set", 13.0)]
    assert link.b.rto == 1.0  # b's SYN,ACK never timed out


def test_rfc6298_5_7_keeps_a_larger_configured_rto() -> None:
    link = new_link(a_rto=5.0)
    link.listen("b")
    link.connect("a")
    link.drop("a")
    link.expire("a", "rto")
    link.pump()
    assert link.a.rto == 5.0
