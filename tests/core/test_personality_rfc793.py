"""The rfc793 personality: RFC 9293 without RFC 5961, each rule tested against its RFC 793 source.

RFC 793 §3.9 (SEGMENT ARRIVES) resets on any RST in the window (R1), resets on a SYN in the
window (R2) and ignores old ACKs (R3); RFC 5961 §3.2, §4 and §5, which RFC 9293 adopts, do not.
Each test shows both: the rfc793 endpoint beside the same exchange on the default stack.
"""

from __future__ import annotations

from tcp_link import established, reach, seg_for, sends, signals, state_changes

from tcpsim.core import actions as act
from tcpsim.core.personality import RFC793, RFC9293
from tcpsim.core.segment import Flags
from tcpsim.core.states import State

SYN, ACK, RST = Flags.SYN, Flags.ACK, Flags.RST
R793 = {"a_personality": RFC793, "b_personality": RFC793}


def test_r1_rfc_793_3_9_second_a_rst_anywhere_in_the_window_resets() -> None:
    """RFC 793 §3.9, second check the RST bit: R1."""
    link = established(**R793)
    a = link.a
    acts = link.inject("a", seg_for(a, RST, seq=a.rcv_nxt + 1000))
    assert state_changes(acts) == [(State.ESTABLISHED, State.CLOSED)]
    change = next(x for x in acts if isinstance(x, act.StateChanged))
    assert change.rule == RFC793.rst_in_window.cite  # type: ignore[union-attr]
    assert "error: connection reset" in signals(acts)
    assert sends(acts) == []
    # RFC 9293 with RFC 5961 §3.2: the same RST gets a challenge ACK and resets nothing.
    rfc = established()
    acts = rfc.inject("a", seg_for(rfc.a, RST, seq=rfc.a.rcv_nxt + 1000))
    assert state_changes(acts) == []
    assert [s.flag_text for s in sends(acts)] == ["ACK"]


def test_r1_rfc_793_3_9_a_rst_outside_the_window_is_still_dropped() -> None:
    """RFC 793 §3.9 first step: an unacceptable RST is dropped (R1 widens only the window's inside)."""
    link = established(**R793)
    a = link.a
    acts = link.inject("a", seg_for(a, RST, seq=a.rcv_nxt + a.rcv_wnd + 10))
    assert state_changes(acts) == [] and sends(acts) == []


def test_r1_rfc_793_3_9_rst_in_syn_received_after_passive_open_returns_to_listen() -> None:
    """RFC 793 §3.9 second step, SYN-RECEIVED: a RST in the window (not only at RCV.NXT)."""
    link, name = reach(State.SYN_RECEIVED, **R793)
    b = link.b
    acts = link.inject(name, seg_for(b, RST, seq=b.rcv_nxt + 5))
    assert state_changes(acts) == [(State.SYN_RECEIVED, State.LISTEN)]


def test_r2_rfc_793_3_9_fourth_a_syn_in_the_window_is_reset_and_closes() -> None:
    """RFC 793 §3.9, fourth check the SYN bit: "If the SYN is in the window it is an error, send a
    reset ... enter the CLOSED state": R2."""
    link = established(**R793)
    a = link.a
    snd_nxt = a.snd_nxt
    acts = link.inject("a", seg_for(a, SYN, seq=a.rcv_nxt + 10))
    assert state_changes(acts) == [(State.ESTABLISHED, State.CLOSED)]
    (rst,) = sends(acts)
    assert (rst.flag_text, rst.seq) == ("RST", snd_nxt)
    assert RFC793.syn_in_window.cite in next(x.rule for x in acts if isinstance(x, act.Send))  # type: ignore[union-attr]
    # RFC 9293 (RFC 5961 §4): a challenge ACK, and the connection stays.
    rfc = established()
    acts = rfc.inject("a", seg_for(rfc.a, SYN, seq=rfc.a.rcv_nxt + 10))
    assert state_changes(acts) == [] and [s.flag_text for s in sends(acts)] == ["ACK"]


def test_r2_rfc_793_3_9_fourth_a_syn_in_time_wait_closes_it() -> None:
    """RFC 793 §3.9 fourth step holds in TIME-WAIT too: R2."""
    link, name = reach(State.TIME_WAIT, **R793)
    a = link.a
    acts = link.inject(name, seg_for(a, SYN, seq=a.rcv_nxt + 10))
    assert state_changes(acts) == [(State.TIME_WAIT, State.CLOSED)]
    assert [s.flag_text for s in sends(acts)] == ["RST"]
    assert not a.timers


def test_r3_rfc_793_3_9_fifth_an_old_ack_is_ignored_not_answered() -> None:
    """RFC 793 §3.9, fifth check the ACK field: "If the ACK is a duplicate (SEG.ACK < SND.UNA), it
    can be ignored": R3; RFC 5961 §5 answers an ACK below SND.UNA − MAX.SND.WND."""
    link = established(**R793)
    a = link.a
    old = a.snd_una - a.max_snd_wnd - 100
    acts = link.inject("a", seg_for(a, ACK, ack=old, data=b"payload"))
    assert bytes(a.received).endswith(b"payload")  # processed: the text is taken
    assert [s.ack for s in sends(acts)] == [a.rcv_nxt]  # the ACK of the text, not a reply to the old ACK
    rfc = established()
    acts = rfc.inject("a", seg_for(rfc.a, ACK, ack=rfc.a.snd_una - rfc.a.max_snd_wnd - 100, data=b"payload"))
    assert not rfc.a.received  # RFC 5961 §5: dropped
    assert any(isinstance(x, act.Discard) and "RFC 5961 5" in x.rule for x in acts)


def test_rfc9293_is_every_hook_unset() -> None:
    """The default personality changes nothing: every hook is None."""
    assert RFC9293.rules() == ()
    assert {r.id for r in RFC793.rules()} == {"R1", "R2", "R3"}
