"""The linux personality: each rule against its source in Linux 6.18 (net/ipv4, include/net/tcp.h).

Every test names the rule (L1…L17) and the kernel function it comes from, drives a pair of core
endpoints into the situation, and checks what Linux does there, beside what RFC 9293 does.
"""

from __future__ import annotations

import pytest
from tcp_link import Link, discards, established, new_link, reach, seg_for, sends, signals, state_changes, timer_events

from tcpsim.core import actions as act
from tcpsim.core.personality import LINUX
from tcpsim.core.segment import Flags
from tcpsim.core.states import State
from tcpsim.core.tcb import model_timeout

SYN, ACK, FIN, RST = Flags.SYN, Flags.ACK, Flags.FIN, Flags.RST
LX = {"a_personality": LINUX, "b_personality": LINUX}
S = State


def _rule(actions: list[act.Action], kind: type) -> list[str]:
    return [a.rule for a in actions if isinstance(a, kind)]  # type: ignore[attr-defined]


def cites(actions: list[act.Action]) -> str:
    """Every rule the actions carry, joined: a test looks for a cite in it."""
    return " | ".join(getattr(a, "rule", "") for a in actions)


# --- L1 -----------------------------------------------------------------------------------------
def test_l1_tcp_rcv_state_process_fin_ack_passes_through_fin_wait_2() -> None:
    """L1, tcp_input.c tcp_rcv_state_process (TCP_FIN_WAIT1) then tcp_fin (TCP_FIN_WAIT2)."""
    for cfg, expected in ((LX, [(S.FIN_WAIT_1, S.FIN_WAIT_2), (S.FIN_WAIT_2, S.TIME_WAIT)]), ({}, None)):
        link = established(**cfg)
        link.close("a")
        link.deliver("a")
        link.drop("b")  # b's ACK of the FIN is lost; its FIN,ACK acknowledges a's FIN too
        link.close("b")
        acts = link.deliver("b")
        if expected is None:  # RFC 9293, note 2: straight to TIME-WAIT
            assert state_changes(acts) == [(S.FIN_WAIT_1, S.TIME_WAIT)]
        else:
            assert state_changes(acts) == expected
            assert LINUX.fin_ack_via_fin_wait_2.cite in cites(acts)  # type: ignore[union-attr]
        assert [s.flag_text for s in sends(acts)] == ["ACK"]


# --- L2 -----------------------------------------------------------------------------------------
def test_l2_tcp_send_active_reset_abort_sends_rst_ack_with_the_window() -> None:
    """L2, tcp_output.c tcp_send_active_reset: <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK>."""
    link = established(**LX)
    a = link.a
    acts = link.abort("a")
    (rst,) = sends(acts)
    assert (rst.flag_text, rst.seq, rst.ack, rst.wnd) == ("RST,ACK", a.snd_nxt, a.rcv_nxt, a.rcv_wnd)
    assert LINUX.reset_carries_ack.cite in cites(acts)  # type: ignore[union-attr]
    rfc = established()
    (rst,) = sends(rfc.abort("a"))
    assert (rst.flag_text, rst.ack) == ("RST", 0)


# --- L3 -----------------------------------------------------------------------------------------
def test_l3_tcp_close_with_unread_data_sends_rst_not_fin() -> None:
    """L3, tcp.c __tcp_close: data_was_unread → tcp_send_active_reset, state CLOSE."""
    link = established(**LX)
    a = link.a
    acts = link._record("a", a.close(link.now, unread=5))
    assert state_changes(acts) == [(S.ESTABLISHED, S.CLOSED)]
    assert [s.flag_text for s in sends(acts)] == ["RST,ACK"]
    assert next(x.rule for x in acts if isinstance(x, act.StateChanged)) == LINUX.close_unread.cite  # type: ignore[union-attr]
    # Nothing unread: a FIN, as RFC 9293 says; and RFC 9293 ignores unread data.
    assert [s.flag_text for s in sends(established(**LX).close("a"))] == ["FIN,ACK"]
    rfc = established()
    assert [s.flag_text for s in sends(rfc.a.close(0.0, unread=5))] == ["FIN,ACK"]


def test_l3_tcp_close_after_shutdown_with_unread_data_resets_from_fin_wait_2() -> None:
    """L3, tcp.c __tcp_close reached by close() after shutdown(SHUT_WR): Endpoint.release."""
    link = established(**LX)
    a = link.a
    link._record("a", a.close(link.now, release=False))  # shutdown(SHUT_WR)
    link.pump()
    assert a.state is S.FIN_WAIT_2 and not a.released
    acts = link._record("a", a.release(link.now, unread=3))
    assert state_changes(acts) == [(S.FIN_WAIT_2, S.CLOSED)]
    assert [s.flag_text for s in sends(acts)] == ["RST,ACK"]


# --- L4 -----------------------------------------------------------------------------------------
def test_l4_tcp_validate_incoming_crossing_syn_ack_is_acknowledged() -> None:
    """L4, tcp_input.c tcp_validate_incoming (SYN_RECV: goto pass) and tcp_data_queue (a duplicate:
    an immediate ACK). RFC 9293's Figure 7 ends with the crossing SYN,ACKs."""
    for cfg, acks in ((LX, ["ACK"]), ({}, [])):
        link = new_link(**cfg)
        link.connect("a")
        link.connect("b")
        link.deliver("a")  # a's SYN → b: SYN-RECEIVED, SYN,ACK
        link.deliver("b", 1)  # b's SYN → a: SYN-RECEIVED, SYN,ACK
        acts = link.deliver("b")  # b's SYN,ACK → a: ESTABLISHED
        assert state_changes(acts) == [(S.SYN_RECEIVED, S.ESTABLISHED)]
        assert [s.flag_text for s in sends(acts)] == acks
        if cfg:
            assert LINUX.ack_crossed_syn_ack.cite in cites(acts)  # type: ignore[union-attr]


# --- L5 -----------------------------------------------------------------------------------------
def _data_then_fin(**cfg: object) -> Link:
    link = established(**cfg)
    link.send("a", b"request")
    link.pump()
    link.send("b", b"reply")
    link.pump()
    link.close("a")
    return link


def test_l5_tcp_fin_delays_the_ack_so_a_close_sends_one_fin_ack() -> None:
    """L5, tcp_input.c tcp_fin (inet_csk_enter_pingpong_mode) and tcp_output.c tcp_send_delayed_ack:
    the three-segment close of real captures (FIN; FIN,ACK; ACK)."""
    link = _data_then_fin(**LX)
    acts = link.deliver("a")  # the FIN → b: CLOSE-WAIT, no ACK yet
    assert state_changes(acts) == [(S.ESTABLISHED, S.CLOSE_WAIT)]
    assert sends(acts) == []
    assert ("delack", "set", link.now + LINUX.delack) in timer_events(acts)
    acts = link.close("b")  # within 40 ms: the ACK rides on the FIN
    assert [s.flag_text for s in sends(acts)] == ["FIN,ACK"]
    assert ("delack", "cancel", None) in timer_events(acts)
    # RFC 9293: ACK at once, then the FIN: four segments.
    rfc = _data_then_fin()
    assert [s.flag_text for s in sends(rfc.deliver("a"))] == ["ACK"]


def test_l5_tcp_send_delayed_ack_the_timer_sends_the_ack() -> None:
    """L5: nobody closes within 40 ms (TCP_ATO_MIN): the delayed-ACK timer sends the ACK."""
    link = _data_then_fin(**LX)
    link.deliver("a")
    acts = link.expire("b", "delack")
    (ack,) = sends(acts)
    assert ack.flag_text == "ACK" and ack.ack == link.b.rcv_nxt
    assert LINUX.delayed_fin_ack.cite in cites(acts)  # type: ignore[union-attr]


def test_l5_before_any_data_ato_is_0_and_the_ack_goes_at_once() -> None:
    """L5: ato starts at 0 (tcp_event_data_recv sets TCP_ATO_MIN on the first data), so a FIN on
    a connection that carried no data is ACKed at once (google/packetdrill's close tests)."""
    link = established(**LX)
    link.close("a")
    acts = link.deliver("a")
    assert [s.flag_text for s in sends(acts)] == ["ACK"]


# --- L6 -----------------------------------------------------------------------------------------
def test_l6_tcp_timewait_len_time_wait_is_60_s_whatever_the_msl() -> None:
    """L6, include/net/tcp.h TCP_TIMEWAIT_LEN and tcp_minisocks.c tcp_time_wait."""
    link, name = reach(S.TIME_WAIT, a_personality=LINUX, a_msl=5.0)
    ep = link.ep(name)
    assert ep.timers["2msl"] == pytest.approx(link.now + 60.0)
    timer = next(x for _, x in link.log if isinstance(x, act.TimerChanged) and x.name == "2msl")
    assert timer.rule == LINUX.time_wait_length.cite  # type: ignore[union-attr]
    rfc, name = reach(S.TIME_WAIT, a_msl=5.0)
    assert rfc.ep(name).timers["2msl"] == pytest.approx(rfc.now + 10.0)


# --- L7 -----------------------------------------------------------------------------------------
def _server_time_wait(**cfg: object) -> Link:
    link = established(**cfg)
    link.close("b")  # the server closes first: the server holds TIME-WAIT
    link.pump()
    link.close("a")
    link.pump()
    assert link.b.state is S.TIME_WAIT
    return link


def test_l7_tcp_timewait_state_process_syn_above_rcv_nxt_starts_a_new_connection() -> None:
    """L7, tcp_minisocks.c tcp_timewait_state_process (TCP_TW_SYN: isn = tw_snd_nxt + 65535 + 2)
    and tcp_ipv4.c tcp_v4_rcv (a listener takes the SYN)."""
    link = _server_time_wait(**LX)
    b = link.b
    old_snd_nxt = b.snd_nxt
    acts = link.inject("b", seg_for(b, SYN, seq=b.rcv_nxt + 64000))
    assert state_changes(acts) == [(S.TIME_WAIT, S.SYN_RECEIVED)]
    (syn_ack,) = sends(acts)
    assert syn_ack.flag_text == "SYN,ACK"
    assert syn_ack.seq == (old_snd_nxt + 65537) & 0xFFFFFFFF
    assert "2msl" not in b.timers
    assert LINUX.time_wait_syn.cite in cites(acts)  # type: ignore[union-attr]
    # RFC 9293 (RFC 5961 §4): a challenge ACK; TIME-WAIT stays.
    rfc = _server_time_wait()
    acts = rfc.inject("b", seg_for(rfc.b, SYN, seq=rfc.b.rcv_nxt + 64000))
    assert state_changes(acts) == [] and [s.flag_text for s in sends(acts)] == ["ACK"]


def test_l7_without_a_listener_or_below_rcv_nxt_the_syn_is_acked() -> None:
    """L7's conditions: after(seq, rcv_nxt), and a listener (else TCP_TW_SYN falls through to an ACK)."""
    link, name = reach(S.TIME_WAIT, **LX)  # the client: nothing listens on its port
    a = link.a
    acts = link.inject(name, seg_for(a, SYN, seq=a.rcv_nxt + 64000))
    assert state_changes(acts) == [] and [s.flag_text for s in sends(acts)] == ["ACK"]
    link = _server_time_wait(**LX)
    link.now += 1
    acts = link.inject("b", seg_for(link.b, SYN, seq=link.b.rcv_nxt - 10))
    assert state_changes(acts) == [] and [s.flag_text for s in sends(acts)] == ["ACK"]


# --- L8 -----------------------------------------------------------------------------------------
def test_l8_tcp_rtt_estimator_rto_is_srtt_plus_max_4_rttvar_200_ms() -> None:
    """L8, tcp_input.c tcp_rtt_estimator and tcp_set_rto: the first sample R gives SRTT = R,
    RTTVAR = R/2, RTO = R + max(2R, 200 ms); the configured rto does not matter (TCP_TIMEOUT_INIT)."""
    link = new_link(a_personality=LINUX, b_personality=LINUX, a_rto=3.0)
    a = link.a
    assert a.rto == 1.0  # TCP_TIMEOUT_INIT, not the configured 3 s
    link.listen("b")
    link.connect("a")
    link.deliver("a")
    link.now = 0.05  # the SYN,ACK comes back after 50 ms
    link.deliver("b")
    assert a.srtt == pytest.approx(0.05)
    assert a.rto == pytest.approx(0.05 + 0.2)  # 4·RTTVAR = 0.1 < TCP_RTO_MIN
    link.deliver("a")
    link.send("a", b"x")
    link.now = 0.55  # 500 ms for this one
    link.deliver("a")
    link.deliver("b")
    assert a.srtt == pytest.approx(0.875 * 0.05 + 0.125 * 0.5)
    assert a.rto == pytest.approx(a.srtt + max(4 * a.rttvar, 0.2))
    # RFC 9293 in tcpsim: the RTO stays the configured one.
    rfc = established(a_rto=3.0)
    assert rfc.a.rto == 3.0


def test_l8_karn_no_sample_from_a_retransmitted_segment_and_backoff_to_120_s() -> None:
    """L8: RFC 6298 §3 (Karn) as tcp_clean_rtx_queue applies it; back-off up to TCP_RTO_MAX."""
    link = established(**LX)
    a = link.a
    srtt = a.srtt
    link.send("a", b"x")
    link.drop("a")
    for _ in range(12):
        link.expire("a", "rto")
    assert a.rto == LINUX.rto_max
    link.deliver("a")
    link.deliver("b")
    assert a.srtt == srtt  # the retransmitted segment gave no sample


# --- L9 -----------------------------------------------------------------------------------------
def test_l9_tcp_write_timeout_syn_retries_with_linear_timeouts() -> None:
    """L9, tcp_timer.c tcp_write_timeout and tcp_retransmit_timer: tcp_syn_retries 6 plus
    tcp_syn_linear_timeouts 4: SYNs at 0, 1, 2, 3, 4, 5, 7, 11, 19, 35, 67; given up at 131 s."""
    link = new_link(a_personality=LINUX)
    link.connect("a")
    times = []
    for _ in range(20):
        acts = link.expire("a", "rto")
        if state_changes(acts):
            break
        times.append(link.now)
    assert times == [1, 2, 3, 4, 5, 7, 11, 19, 35, 67]
    assert link.now == 131 and state_changes(acts) == [(S.SYN_SENT, S.CLOSED)]
    assert LINUX.give_up.cite in cites(acts)  # type: ignore[union-attr]


def test_l9_tcp_retries2_gives_up_924_6_s_after_sending_and_orphans_after_102_2_s() -> None:
    """L9, tcp_timer.c retransmits_timed_out and tcp_model_timeout: tcp_retries2 15 from
    TCP_RTO_MIN; a closed socket (SOCK_DEAD) uses tcp_orphan_retries, 8 when alive."""
    assert model_timeout(15, 0.2, 120.0) == pytest.approx(924.6)
    assert model_timeout(8, 0.2, 120.0) == pytest.approx(102.2)
    for orphan, limit in ((False, 924.6), (True, 102.2)):
        link = established(**LX)
        sent = link.now
        if orphan:
            link.close("a")  # close(): the FIN is the unacknowledged segment, the socket is gone
        else:
            link.send("a", b"never acknowledged")
        link.drop("a")
        acts: list[act.Action] = []
        while not state_changes(acts):
            acts = link.expire("a", "rto")
        assert link.now - sent >= limit
        assert link.now - sent < limit + LINUX.rto_max + 1  # at the first RTO past the limit
        assert [c[1] for c in state_changes(acts)] == [S.CLOSED]


def test_l9_tcp_synack_retries_drops_the_embryonic_connection_listener_stays() -> None:
    """L9, inet_connection_sock.c reqsk_timer_handler: 5 SYN,ACK retransmissions, then the request
    is dropped and the listening socket goes on (SYN-RECEIVED back to LISTEN)."""
    link, name = reach(S.SYN_RECEIVED, **LX)
    for _ in range(LINUX.synack_retries):
        assert not state_changes(link.expire(name, "rto"))
    acts = link.expire(name, "rto")
    assert state_changes(acts) == [(S.SYN_RECEIVED, S.LISTEN)]
    assert link.now == 63


# --- L10 ----------------------------------------------------------------------------------------
def test_l10_tcp_fin_timeout_orphaned_fin_wait_2_is_deleted_after_60_s() -> None:
    """L10, tcp.c __tcp_close / tcp_input.c tcp_rcv_state_process: tcp_time_wait(TCP_FIN_WAIT2,
    tcp_fin_time()), tcp_fin_timeout 60 s; the timewait socket then expires without a segment."""
    link, name = reach(S.FIN_WAIT_2, **LX)
    ep = link.ep(name)
    assert ep.timers["finwait2"] == pytest.approx(link.now + 60.0)
    acts = link.expire(name, "finwait2")
    assert state_changes(acts) == [(S.FIN_WAIT_2, S.CLOSED)] and sends(acts) == []
    assert next(x.rule for x in acts if isinstance(x, act.StateChanged)) == LINUX.orphan_fin_wait_2.cite  # type: ignore[union-attr]


def test_l10_a_socket_only_shut_down_waits_in_fin_wait_2_until_closed() -> None:
    """L10 applies to orphans only: shutdown(SHUT_WR) waits as RFC 9293 says, close() then starts it."""
    link = established(**LX)
    a = link.a
    link._record("a", a.close(link.now, release=False))
    link.pump()
    assert a.state is S.FIN_WAIT_2 and "finwait2" not in a.timers
    link.now = 30.0
    acts = link._record("a", a.release(link.now))
    assert ("finwait2", "set", 90.0) in timer_events(acts)


def test_l10_the_orphans_timewait_socket_is_killed_by_any_rst_in_the_window() -> None:
    """L10, tcp_minisocks.c tcp_timewait_state_process (TCP_FIN_WAIT2 substate): "if (th->rst)
    goto kill" after the window check, without RFC 5961's exact-RCV.NXT test."""
    link, name = reach(S.FIN_WAIT_2, **LX)
    a = link.a
    acts = link.inject(name, seg_for(a, RST, seq=a.rcv_nxt + 100))
    assert state_changes(acts) == [(S.FIN_WAIT_2, S.CLOSED)] and sends(acts) == []


# --- L11 ----------------------------------------------------------------------------------------
def test_l11_tcp_timewait_state_process_bare_ack_restarts_silently() -> None:
    """L11, tcp_minisocks.c tcp_timewait_state_process: an in-window bare ACK reschedules the 60 s."""
    link, name = reach(S.TIME_WAIT, **LX)
    a = link.a
    link.now += 10
    acts = link.inject(name, seg_for(a, ACK))
    assert sends(acts) == [] and ("2msl", "restart", link.now + 60) in timer_events(acts)


def test_l11_tcp_timewait_state_process_rst() -> None:
    """L11: a RST at RCV.NXT kills TIME-WAIT (tcp_rfc1337 = 0); any other RST is dropped silently,
    where RFC 5961 §3.2 sends a challenge ACK."""
    link, name = reach(S.TIME_WAIT, **LX)
    a = link.a
    acts = link.inject(name, seg_for(a, RST, seq=a.rcv_nxt + 1))
    assert sends(acts) == [] and state_changes(acts) == [] and discards(acts)
    acts = link.inject(name, seg_for(a, RST))
    assert state_changes(acts) == [(S.TIME_WAIT, S.CLOSED)]
    rfc, name = reach(S.TIME_WAIT)
    acts = rfc.inject(name, seg_for(rfc.a, RST, seq=rfc.a.rcv_nxt + 1))
    assert [s.flag_text for s in sends(acts)] == ["ACK"]


def test_l11_tcp_timewait_state_process_other_segments_are_acked_and_restart() -> None:
    """L11: data (or the FIN again) is answered with an ACK and restarts the 60 s; RFC 9293 ignores
    text in TIME-WAIT."""
    link, name = reach(S.TIME_WAIT, **LX)
    a = link.a
    link.now += 5
    acts = link.inject(name, seg_for(a, ACK, data=b"late"))
    assert [s.flag_text for s in sends(acts)] == ["ACK"]
    assert ("2msl", "restart", link.now + 60) in timer_events(acts)


# --- L12 ----------------------------------------------------------------------------------------
def test_l12_tcp_v4_send_reset_rst_to_a_closed_port_has_window_0() -> None:
    """L12, tcp_ipv4.c tcp_v4_send_reset: the reply RST carries window 0 (as captures show)."""
    link = new_link(**LX)
    link.connect("a")
    acts = link.deliver("a")  # nobody listens on b
    (rst,) = sends(acts)
    assert (rst.flag_text, rst.wnd) == ("RST,ACK", 0)
    rfc = new_link()
    rfc.connect("a")
    assert sends(rfc.deliver("a"))[0].wnd == rfc.b.rcv_wnd


# --- L14 ----------------------------------------------------------------------------------------
def test_l14_tcp_reset_check_rst_at_rcv_nxt_minus_1_after_the_fin_resets() -> None:
    """L14, tcp_input.c tcp_reset_check: CLOSE-WAIT, CLOSING, LAST-ACK accept RCV.NXT − 1."""
    link, name = reach(S.CLOSE_WAIT, **LX)
    b = link.b
    acts = link.inject(name, seg_for(b, RST, seq=b.rcv_nxt - 1))
    assert state_changes(acts) == [(S.CLOSE_WAIT, S.CLOSED)]
    rfc, name = reach(S.CLOSE_WAIT)
    assert state_changes(rfc.inject(name, seg_for(rfc.b, RST, seq=rfc.b.rcv_nxt - 1))) == []


# --- L15, L16 -----------------------------------------------------------------------------------
def test_l15_tcp_check_req_a_retransmitted_syn_gets_the_syn_ack_again() -> None:
    """L15, tcp_minisocks.c tcp_check_req: inet_rtx_syn_ack, rate-limited (tcp_oow_rate_limited)."""
    link, name = reach(S.SYN_RECEIVED, **LX)
    b = link.b
    syn = seg_for(b, SYN, seq=b.irs)
    acts = link.inject(name, syn)
    assert [(s.flag_text, s.seq) for s in sends(acts)] == [("SYN,ACK", b.iss)]
    assert sends(link.inject(name, syn)) == []  # within 0.5 s: suppressed
    rfc, name = reach(S.SYN_RECEIVED)
    assert [s.flag_text for s in sends(rfc.inject(name, seg_for(rfc.b, SYN, seq=rfc.b.irs)))] == ["ACK"]


def test_l16_tcp_check_req_embryonic_rst_anywhere_in_the_window_and_syn_gets_rst() -> None:
    """L16, tcp_minisocks.c tcp_check_req (embryonic_reset): no RFC 5961 for request sockets."""
    link, name = reach(S.SYN_RECEIVED, **LX)
    b = link.b
    assert state_changes(link.inject(name, seg_for(b, RST, seq=b.rcv_nxt + 5))) == [(S.SYN_RECEIVED, S.LISTEN)]
    link, name = reach(S.SYN_RECEIVED, **LX)
    b = link.b
    acts = link.inject(name, seg_for(b, SYN, seq=b.rcv_nxt + 5))
    assert state_changes(acts) == [(S.SYN_RECEIVED, S.LISTEN)]
    (rst,) = sends(acts)
    assert (rst.flag_text, rst.ack, rst.wnd) == ("RST,ACK", b.rcv_nxt + 5 + 1, 0)


# --- L17 ----------------------------------------------------------------------------------------
def test_l17_tcp_rcv_state_process_data_after_close_is_reset() -> None:
    """L17, tcp_input.c tcp_rcv_state_process (RCV_SHUTDOWN: tcp_reset, SKB_DROP_REASON_TCP_ABORT_ON_DATA)
    and tcp_ipv4.c tcp_v4_do_rcv (tcp_v4_send_reset)."""
    link, _ = reach(S.FIN_WAIT_2, **LX)
    link.send("b", b"late data")
    seg = link.out["b"][-1]
    acts = link.deliver("b")
    assert state_changes(acts) == [(S.FIN_WAIT_2, S.CLOSED)]
    (rst,) = sends(acts)
    assert (rst.flag_text, rst.seq, rst.wnd) == ("RST", seg.ack, 0)
    assert "error: connection reset" in signals(acts)
    # After shutdown(SHUT_WR) the application still reads: the data is taken, as RFC 9293 says.
    link = established(**LX)
    link._record("a", link.a.close(link.now, release=False))
    link.pump()
    link.send("b", b"late data")
    link.deliver("b")
    assert link.a.state is S.FIN_WAIT_2 and bytes(link.a.received) == b"late data"


def test_every_linux_rule_has_a_test_here() -> None:
    """Each rule of the personality is named by a test of this module (L13, the socket layer's,
    is tested with the packetdrill sockets)."""
    names = " ".join(n for n in globals() if n.startswith("test_l"))
    for rule in LINUX.rules():
        assert f"test_{rule.id.lower()}_" in names, rule.id
