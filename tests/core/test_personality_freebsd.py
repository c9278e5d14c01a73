"""The freebsd personality: each rule against its source in FreeBSD's sys/netinet, as the FreeBSD
tcp-testsuite's scripts expect it (their ``#ifdef FreeBSD`` branches and insecure sysctls).

F1 (the receive buffer rounded to the MSS) lives in the packetdrill socket layer and is tested there
(tests/packetdrill/test_pkt_stacks.py); the others are the core's.
"""

from __future__ import annotations

from tcp_link import Link, discards, established, new_link, reach, seg_for, sends, state_changes, timer_events

from tcpsim.core import actions as act
from tcpsim.core.personality import (
    FREEBSD,
    FREEBSD_DROP_SYNFIN,
    FREEBSD_INSECURE_RST,
    FREEBSD_INSECURE_SYN,
    SOCKET_RULES,
)
from tcpsim.core.segment import Flags
from tcpsim.core.states import State

SYN, ACK, FIN, RST = Flags.SYN, Flags.ACK, Flags.FIN, Flags.RST
FB = {"a_personality": FREEBSD, "b_personality": FREEBSD}
S = State


def cites(actions: list[act.Action]) -> str:
    return " | ".join(getattr(a, "rule", "") for a in actions)


def test_f2_tcp_do_segment_accepts_up_to_the_receive_buffer() -> None:
    """F2, tcp_input.c tcp_do_segment: rcv_wnd = max(sbspace, rcv_adv - rcv_nxt), so a RST at
    RCV.NXT + 65699 is in the window of a 65700-byte buffer (challenge ACK), though 65535 is advertised."""
    link = established(**FB)
    a = link.a
    a.rcv_space = 65700
    acts = link.inject("a", seg_for(a, RST, seq=a.rcv_nxt + 65699))
    assert [s.flag_text for s in sends(acts)] == ["ACK"] and a.state is S.ESTABLISHED
    rfc = established()
    rfc.a.rcv_space = 65700  # RFC 9293 ignores the buffer: out of the window, dropped silently
    assert sends(rfc.inject("a", seg_for(rfc.a, RST, seq=rfc.a.rcv_nxt + 65699))) == []


def test_f3_tcp_do_segment_fin_ack_passes_through_fin_wait_2() -> None:
    """F3, tcp_input.c tcp_do_segment: TCPS_FIN_WAIT_1 with ourfinisacked, then the FIN (tcp_twstart)."""
    link = established(**FB)
    link.close("a")
    link.deliver("a")
    link.drop("b")
    link.close("b")
    acts = link.deliver("b")
    assert state_changes(acts) == [(S.FIN_WAIT_1, S.FIN_WAIT_2), (S.FIN_WAIT_2, S.TIME_WAIT)]
    assert FREEBSD.fin_ack_via_fin_wait_2.cite in cites(acts)  # type: ignore[union-attr]


def test_f7_tcp_respond_and_tcp_output_every_rst_has_window_0() -> None:
    """F7, tcp_subr.c tcp_respond (a reply) and tcp_output.c (a RST of the connection's own)."""
    link = new_link(**FB)
    link.connect("a")
    (reply,) = sends(link.deliver("a"))
    assert (reply.flag_text, reply.wnd) == ("RST,ACK", 0)
    link = established(**FB)
    (own,) = sends(link.abort("a"))
    assert own.wnd == 0


def test_f8_tcp_drop_the_rst_of_an_abort_carries_the_ack() -> None:
    """F8, tcp_subr.c tcp_drop → tcp_output.c with tcp_outflags[TCPS_CLOSED] = TH_RST|TH_ACK."""
    link = established(**FB)
    a = link.a
    (rst,) = sends(link.abort("a"))
    assert (rst.flag_text, rst.seq, rst.ack) == ("RST,ACK", a.snd_nxt, a.rcv_nxt)


def test_f9_tcp_twcheck_drops_every_rst_even_at_rcv_nxt() -> None:
    """F9, tcp_timewait.c tcp_twcheck: "If the segment contains RST: Drop the segment - see
    Stevens, vol. 2, p. 964 and RFC 1337." RFC 9293 closes TIME-WAIT on a RST at RCV.NXT."""
    link, name = reach(S.TIME_WAIT, **FB)
    a = link.a
    acts = link.inject(name, seg_for(a, RST))
    assert state_changes(acts) == [] and sends(acts) == [] and discards(acts)
    rfc, name = reach(S.TIME_WAIT)
    assert state_changes(rfc.inject(name, seg_for(rfc.a, RST))) == [(S.TIME_WAIT, S.CLOSED)]


def test_f9_tcp_twcheck_drops_a_segment_without_ack_and_acks_the_rest() -> None:
    """F9: no ACK flag → dropped (a SYN at or below RCV.NXT too); a duplicate bare ACK → nothing;
    anything else → an ACK (tcp_twrespond); the FIN again restarts 2·MSL."""
    link, name = reach(S.TIME_WAIT, **FB)
    a = link.a
    assert sends(link.inject(name, seg_for(a, SYN, seq=a.rcv_nxt))) == []
    assert sends(link.inject(name, seg_for(a, ACK))) == []  # seq = RCV.NXT, ack = SND.NXT: a duplicate
    assert [s.flag_text for s in sends(link.inject(name, seg_for(a, ACK, seq=a.rcv_nxt - 1)))] == ["ACK"]
    link.now += 3
    acts = link.inject(name, seg_for(a, FIN | ACK, seq=a.rcv_nxt - 1))
    assert [s.flag_text for s in sends(acts)] == ["ACK"]
    assert ("2msl", "restart", link.now + 2 * a.config.msl) in timer_events(acts)


def _server_time_wait(**cfg: object) -> Link:
    link = established(**cfg)
    link.close("b")
    link.pump()
    link.close("a")
    link.pump()
    assert link.b.state is S.TIME_WAIT
    return link


def test_f11_tcp_twcheck_syn_above_rcv_nxt_reopens_with_a_listener() -> None:
    """F11, tcp_timewait.c tcp_twcheck (SYN without ACK, SEQ_GT(th_seq, rcv_nxt): tcp_close, return
    1) and tcp_input.c (the listening socket takes the SYN: a SYN,ACK with a new ISS)."""
    link = _server_time_wait(**FB)
    b = link.b
    acts = link.inject("b", seg_for(b, SYN, seq=b.rcv_nxt + 10))
    assert state_changes(acts) == [(S.TIME_WAIT, S.SYN_RECEIVED)]
    assert [s.flag_text for s in sends(acts)] == ["SYN,ACK"]
    assert FREEBSD.time_wait_syn.cite in cites(acts)  # type: ignore[union-attr]


def test_f11_without_a_listener_the_syn_closes_time_wait_and_gets_a_rst() -> None:
    """F11: tcp_twcheck has closed TIME-WAIT before the lookup finds no listener: tcp_dropwithreset."""
    link, name = reach(S.TIME_WAIT, **FB)  # the client: nothing listens there
    a = link.a
    acts = link.inject(name, seg_for(a, SYN, seq=a.rcv_nxt + 10))
    assert state_changes(acts) == [(S.TIME_WAIT, S.CLOSED)]
    (rst,) = sends(acts)
    assert (rst.flag_text, rst.ack, rst.wnd) == ("RST,ACK", a.rcv_nxt + 10 + 1, 0)


def test_f10_syncache_add_a_retransmitted_syn_gets_the_syn_ack_again() -> None:
    """F10, tcp_syncache.c syncache_add: the entry exists, syncache_respond resends the SYN,ACK."""
    link, name = reach(S.SYN_RECEIVED, **FB)
    b = link.b
    acts = link.inject(name, seg_for(b, SYN, seq=b.irs))
    assert [(s.flag_text, s.seq) for s in sends(acts)] == [("SYN,ACK", b.iss)]


def test_f12_tcp_output_an_ack_in_closing_repeats_the_fin() -> None:
    """F12, tcp_output.c: in CLOSING tcp_outflags has FIN, and "If resending a FIN, be sure not to use
    a new sequence number": the ACK of the crossing FIN is F. at our FIN's number (the suite's
    rcv-rst-closing scripts: `> F. 1:1(0) ack 2`)."""
    link = established(**FB)
    a = link.a
    link.close("a")
    link.close("b")
    link.drop("a")  # a's FIN is lost: b's FIN crosses it
    acts = link.deliver("b")
    assert state_changes(acts) == [(S.FIN_WAIT_1, S.CLOSING)]
    (seg,) = sends(acts)
    assert (seg.flag_text, seg.seq, seg.ack) == ("FIN,ACK", a.fin_seq, a.rcv_nxt)
    assert FREEBSD.ack_repeats_fin.cite in cites(acts)  # type: ignore[union-attr]
    # A challenge ACK (tcp_respond) stays plain: a SYN outside the window in CLOSING.
    (challenge,) = sends(link.inject("a", seg_for(a, SYN, seq=a.rcv_nxt - 1)))
    assert (challenge.flag_text, challenge.seq) == ("ACK", a.snd_nxt)


def test_f13_tcp_input_a_syn_ack_to_a_listener_is_dropped() -> None:
    """F13, tcp_input.c tcp_input_with_port: "SYN|ACK is bogus on a listen socket" → dropped; an ACK
    alone still gets the RST (3.10.7.2 second)."""
    link, name = reach(S.LISTEN, **FB)
    b = link.b
    acts = link.inject(name, seg_for(b, SYN | ACK, seq=17, ack=34))
    assert sends(acts) == [] and discards(acts)
    assert [s.flag_text for s in sends(link.inject(name, seg_for(b, ACK, seq=17, ack=34)))] == ["RST"]
    rfc, name = reach(S.LISTEN)
    assert [s.flag_text for s in sends(rfc.inject(name, seg_for(rfc.b, SYN | ACK, seq=17, ack=34)))] == ["RST"]


def _with(hook: str, rule: object) -> dict[str, object]:
    p = FREEBSD.with_rule(hook, rule)  # type: ignore[arg-type]
    return {"a_personality": p, "b_personality": p}


def test_f4_v_tcp_insecure_rst_a_rst_anywhere_in_the_window_resets() -> None:
    """F4, tcp_input.c tcp_do_segment (V_tcp_insecure_rst) and tcp_syncache.c syncache_chkrst."""
    link = established(**_with("rst_in_window", FREEBSD_INSECURE_RST))
    a = link.a
    acts = link.inject("a", seg_for(a, RST, seq=a.rcv_nxt + 100))
    assert state_changes(acts) == [(S.ESTABLISHED, S.CLOSED)]
    assert FREEBSD_INSECURE_RST.cite in cites(acts)


def test_f5_v_tcp_insecure_syn_drops_the_connection_with_rst_ack_window_0() -> None:
    """F5, tcp_input.c tcp_do_segment (V_tcp_insecure_syn: tcp_drop → RST,ACK, window 0 (F7, F8));
    the suite's rcv-syn-established insecure scripts: `> R. 1:1(0) ack 1 win 0`."""
    link = established(**_with("syn_in_window", FREEBSD_INSECURE_SYN))
    a = link.a
    acts = link.inject("a", seg_for(a, SYN, seq=a.rcv_nxt + 100))
    assert state_changes(acts) == [(S.ESTABLISHED, S.CLOSED)]
    (rst,) = sends(acts)
    assert (rst.flag_text, rst.seq, rst.ack, rst.wnd) == ("RST,ACK", a.snd_nxt, a.rcv_nxt, 0)


def test_f6_v_drop_synfin_drops_syn_fin_in_every_state() -> None:
    """F6, tcp_input.c tcp_input_with_port (V_drop_synfin): before the connection is looked up."""
    cfg = _with("drop_synfin", FREEBSD_DROP_SYNFIN)
    for state in (S.LISTEN, S.ESTABLISHED, S.TIME_WAIT, S.CLOSED):
        link, name = reach(state, **cfg)
        ep = link.ep(name)
        acts = link.inject(name, seg_for(ep, SYN | FIN, seq=ep.rcv_nxt + 5))
        assert sends(acts) == [] and state_changes(acts) == [] and discards(acts)


def test_every_freebsd_rule_has_a_test_here() -> None:
    names = " ".join(n for n in globals() if n.startswith("test_f"))
    rules = [*FREEBSD.rules(), *(r for r in SOCKET_RULES["freebsd"] if r.id != "F1")]
    for rule in rules:
        assert f"test_{rule.id.lower()}_" in names, rule.id


def test_f14_tcp_do_segment_new_data_after_close_is_reset() -> None:
    """F14, tcp_input.c tcp_do_segment: SS_NOFDREF and t_state > TCPS_CLOSE_WAIT with data →
    tcp_close and tcp_dropwithreset (<SEQ=SEG.ACK><CTL=RST>, window 0 by F7)."""
    link, _ = reach(S.FIN_WAIT_2, **FB)
    link.send("b", b"late")
    seg = link.out["b"][-1]
    acts = link.deliver("b")
    assert state_changes(acts) == [(S.FIN_WAIT_2, S.CLOSED)]
    (rst,) = sends(acts)
    assert (rst.flag_text, rst.seq, rst.wnd) == ("RST", seg.ack, 0)
