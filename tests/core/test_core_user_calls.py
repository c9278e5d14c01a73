"""RFC 9293 §3.10.1–§3.10.5: every user call in every one of the eleven states.

Each state is reached by driving real transitions between two endpoints over the hand-rolled link
of ``tcp_link``; then the call is made and its state, segments and error string are checked.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from tcp_link import (
    A_ISN,
    ALL_STATES,
    B_ISN,
    errors,
    established,
    new_link,
    reach,
    sends,
    sent_actions,
    signals,
    state_changes,
    timer_events,
)

from tcpsim.core.segment import Flags
from tcpsim.core.states import State
from tcpsim.core.tcb import ERR_CLOSING, ERR_EXISTS, ERR_FOREIGN, ERR_NOT_EXIST, ERR_NOTHING

S = State
SYN, ACK, FIN, RST, PSH = Flags.SYN, Flags.ACK, Flags.FIN, Flags.RST, Flags.PSH


def test_error_strings_are_the_rfcs() -> None:
    assert ERR_EXISTS == "error: connection already exists"
    assert ERR_NOT_EXIST == "error: connection does not exist"
    assert ERR_CLOSING == "error: connection closing"
    assert ERR_FOREIGN == "error: foreign socket unspecified"


@dataclass(frozen=True)
class Expect:
    state: State | None  # None: unchanged
    error: str | None = None
    flags: Flags | None = None  # the single segment sent, if any
    seq: str | None = None  # which TCB variable SEG.SEQ equals ("iss" or "snd_nxt", read before the call)
    retransmission: bool = False


SAME = None
ERR = {c: Expect(SAME, e) for c, e in (("exists", ERR_EXISTS), ("closing", ERR_CLOSING), ("none", ERR_NOT_EXIST))}
NOTHING = Expect(SAME, ERR_NOTHING)

# state -> call -> expectation, straight from §3.10.1 (listen, connect), §3.10.2 (send),
# §3.10.4 (close), §3.10.5 (abort); retransmit is tcpsim's own call (resend the oldest segment).
TABLE: dict[State, dict[str, Expect]] = {
    S.CLOSED: {
        "listen": Expect(S.LISTEN),
        "connect": Expect(S.SYN_SENT, flags=SYN, seq="iss_next"),
        "send": ERR["none"],
        "close": ERR["none"],
        "abort": ERR["none"],
        "retransmit": ERR["none"],
    },
    S.LISTEN: {
        "listen": ERR["exists"],
        "connect": Expect(S.SYN_SENT, flags=SYN, seq="iss_next"),
        "send": Expect(SAME, ERR_FOREIGN),
        "close": Expect(S.CLOSED),
        "abort": Expect(S.CLOSED),
        "retransmit": NOTHING,
    },
    S.SYN_SENT: {
        "listen": ERR["exists"],
        "connect": ERR["exists"],
        "send": Expect(SAME),  # queued until ESTABLISHED
        "close": Expect(S.CLOSED),
        "abort": Expect(S.CLOSED),
        "retransmit": Expect(SAME, flags=SYN, seq="iss", retransmission=True),
    },
    S.SYN_RECEIVED: {
        "listen": ERR["exists"],
        "connect": ERR["exists"],
        "send": Expect(SAME),  # queued until ESTABLISHED
        "close": Expect(S.FIN_WAIT_1, flags=FIN | ACK, seq="snd_nxt"),
        "abort": Expect(S.CLOSED, flags=RST, seq="snd_nxt"),
        "retransmit": Expect(SAME, flags=SYN | ACK, seq="iss", retransmission=True),
    },
    S.ESTABLISHED: {
        "listen": ERR["exists"],
        "connect": ERR["exists"],
        "send": Expect(SAME, flags=PSH | ACK, seq="snd_nxt"),
        "close": Expect(S.FIN_WAIT_1, flags=FIN | ACK, seq="snd_nxt"),
        "abort": Expect(S.CLOSED, flags=RST, seq="snd_nxt"),
        "retransmit": NOTHING,
    },
    S.FIN_WAIT_1: {
        "listen": ERR["exists"],
        "connect": ERR["exists"],
        "send": ERR["closing"],
        "close": ERR["closing"],
        "abort": Expect(S.CLOSED, flags=RST, seq="snd_nxt"),
        "retransmit": Expect(SAME, flags=FIN | ACK, seq="snd_una", retransmission=True),
    },
    S.FIN_WAIT_2: {
        "listen": ERR["exists"],
        "connect": ERR["exists"],
        "send": ERR["closing"],
        "close": ERR["closing"],
        "abort": Expect(S.CLOSED, flags=RST, seq="snd_nxt"),
        "retransmit": NOTHING,
    },
    S.CLOSE_WAIT: {
        "listen": ERR["exists"],
        "connect": ERR["exists"],
        "send": Expect(SAME, flags=PSH | ACK, seq="snd_nxt"),
        "close": Expect(S.LAST_ACK, flags=FIN | ACK, seq="snd_nxt"),
        "abort": Expect(S.CLOSED, flags=RST, seq="snd_nxt"),
        "retransmit": NOTHING,
    },
    S.CLOSING: {
        "listen": ERR["exists"],
        "connect": ERR["exists"],
        "send": ERR["closing"],
        "close": ERR["closing"],
        "abort": Expect(S.CLOSED),  # "respond with ok and delete the TCB": no RST
        "retransmit": Expect(SAME, flags=FIN | ACK, seq="snd_una", retransmission=True),
    },
    S.LAST_ACK: {
        "listen": ERR["exists"],
        "connect": ERR["exists"],
        "send": ERR["closing"],
        "close": ERR["closing"],
        "abort": Expect(S.CLOSED),
        "retransmit": Expect(SAME, flags=FIN | ACK, seq="snd_una", retransmission=True),
    },
    S.TIME_WAIT: {
        "listen": ERR["exists"],
        "connect": ERR["exists"],
        "send": ERR["closing"],
        "close": ERR["closing"],
        "abort": Expect(S.CLOSED),
        "retransmit": NOTHING,
    },
}
CALLS = ("listen", "connect", "send", "close", "abort", "retransmit")
CASES = [(s, c) for s in ALL_STATES for c in CALLS]


def _section(call: str) -> str:
    return {"listen": "3_10_1", "connect": "3_10_1", "send": "3_10_2", "close": "3_10_4", "abort": "3_10_5"}.get(
        call, "3_10_8"
    )


def test_table_covers_every_state_and_call() -> None:
    assert set(TABLE) == set(State)
    assert all(set(row) == set(CALLS) for row in TABLE.values())


@pytest.mark.parametrize(("state", "call"), CASES, ids=[f"{_section(c)}-{c}-in-{s.value}" for s, c in CASES])
def test_3_10_user_call_in_every_state(state: State, call: str) -> None:
    link, name = reach(state)
    ep = link.ep(name)
    assert ep.state is state
    link.out[name].clear()
    before = {"iss": ep.iss, "snd_nxt": ep.snd_nxt, "snd_una": ep.snd_una, "rcv_nxt": ep.rcv_nxt}
    expect = TABLE[state][call]

    acts = link.call(name, call, b"data")

    assert errors(acts) == ([expect.error] if expect.error else [])
    assert ep.state is (expect.state or state)
    if expect.state is not None and expect.state is not state:
        assert state_changes(acts) == [(state, expect.state)]
    else:
        assert state_changes(acts) == []
    segs = sent_actions(acts)
    if expect.flags is None:
        assert segs == []
        return
    (send,) = segs
    seg = send.segment
    assert seg.flags == expect.flags
    assert send.retransmission is expect.retransmission
    assert (seg.sport, seg.dport) == (ep.config.port, ep.config.peer_port)
    if expect.seq == "iss_next":  # a fresh ISS was chosen by this very call
        assert seg.seq == ep.iss
    else:
        assert seg.seq == before[expect.seq]  # type: ignore[index]
    if seg.flags & ACK:
        assert seg.ack == before["rcv_nxt"]
    else:
        assert seg.ack == 0
    if call == "send":
        assert seg.data == b"data"


# ---------------------------------------------------------------------------------------------
# The details behind the table.
# ---------------------------------------------------------------------------------------------


def test_3_10_1_active_open_sets_snd_una_and_snd_nxt() -> None:
    link = new_link()
    link.connect("a")
    a = link.a
    assert a.iss == A_ISN and a.snd_una == A_ISN and a.snd_nxt == A_ISN + 1
    assert a.timers == {"rto": 1.0}


def test_3_10_1_open_in_listen_turns_passive_into_active() -> None:
    link, _ = reach(S.LISTEN)
    acts = link.connect("b")
    (syn,) = sends(acts)
    assert syn.flags == SYN and syn.seq == B_ISN
    assert link.b.passive is False
    # A RST in the SYN-RECEIVED this leads to is "connection refused" → CLOSED, not LISTEN.
    link.deliver("b")  # SYN → a (CLOSED) → RST,ACK
    link.deliver("a")
    assert link.b.state is S.CLOSED


def test_3_10_1_each_new_connection_takes_the_next_isn() -> None:
    link = new_link()
    for k in range(3):
        acts = link.connect("a")
        (syn,) = sends(acts)
        assert syn.seq == (A_ISN + 64000 * k) % 2**32
        link.abort("a")
    link2 = new_link(a_isn=2**32 - 10)
    link2.connect("a")
    link2.abort("a")
    link2.connect("a")
    assert link2.a.iss == (2**32 - 10 + 64000) % 2**32


def test_3_10_2_send_in_syn_sent_is_queued_until_established() -> None:
    link = new_link()
    link.listen("b")
    link.connect("a")
    assert sends(link.send("a", b"early")) == []
    assert bytes(link.a.send_buffer) == b"early"
    link.deliver("a")  # SYN
    acts = link.deliver("b")  # SYN,ACK → a ESTABLISHED, handshake ACK then the queued data
    segs = sends(acts)
    assert [s.flags for s in segs] == [ACK, PSH | ACK]
    assert segs[1].data == b"early" and segs[1].seq == A_ISN + 1
    link.pump()
    assert bytes(link.b.received) == b"early"


def test_3_10_2_send_in_syn_received_is_queued_until_established() -> None:
    link, _ = reach(S.SYN_RECEIVED)
    assert sends(link.send("b", b"later")) == []
    link.deliver("b")  # SYN,ACK → a ESTABLISHED, ACK back
    acts = link.deliver("a")  # ACK → b ESTABLISHED, then the data goes
    assert link.b.state is S.ESTABLISHED
    (data,) = sends(acts)
    assert data.data == b"later" and data.seq == B_ISN + 1
    link.pump()
    assert bytes(link.a.received) == b"later"


def test_3_10_2_send_segmentizes_by_mss_and_window() -> None:
    link = established(a_mss=4, b_rcv_wnd=10)
    acts = link.send("a", b"abcdefghijklmn")
    segs = sends(acts)
    assert [s.data for s in segs] == [b"abcd", b"efgh", b"ij"]
    assert [s.flags for s in segs] == [ACK, ACK, ACK]  # PSH only on the segment that empties the buffer
    assert bytes(link.a.send_buffer) == b"klmn"
    link.pump()
    assert bytes(link.b.received) == b"abcdefghijklmn"


def test_3_10_4_close_in_syn_sent_refuses_queued_sends() -> None:
    link = new_link()
    link.connect("a")
    link.send("a", b"never")
    acts = link.close("a")
    assert link.a.state is S.CLOSED
    assert signals(acts) == ["error: closing"]
    assert sends(acts) == []
    assert not link.a.send_buffer and not link.a.timers


def test_3_10_4_close_in_syn_received_with_pending_data_waits_for_established() -> None:
    link, _ = reach(S.SYN_RECEIVED)
    link.send("b", b"pending")
    acts = link.close("b")
    assert link.b.state is S.SYN_RECEIVED and sends(acts) == [] and errors(acts) == []
    link.deliver("b")  # SYN,ACK → a
    acts = link.deliver("a")  # ACK → b: ESTABLISHED, then FIN-WAIT-1 with data then FIN
    assert state_changes(acts) == [(S.SYN_RECEIVED, S.ESTABLISHED), (S.ESTABLISHED, S.FIN_WAIT_1)]
    segs = sends(acts)
    assert [s.data for s in segs] == [b"pending", b""]
    assert segs[1].flags == FIN | ACK and segs[1].seq == segs[0].end
    link.pump()
    assert bytes(link.a.received) == b"pending"
    assert link.states == (S.CLOSE_WAIT, S.FIN_WAIT_2)


def test_3_10_4_close_in_established_sends_fin_after_queued_data() -> None:
    link = established(b_rcv_wnd=4)
    link.send("a", b"0123456789")  # only 4 bytes fit the window
    acts = link.close("a")
    assert link.a.state is S.FIN_WAIT_1
    assert sends(acts) == []  # the FIN waits for the data
    link.pump()
    assert bytes(link.b.received) == b"0123456789"
    assert link.states == (S.FIN_WAIT_2, S.CLOSE_WAIT)


def test_3_10_4_close_in_close_wait_sends_data_then_fin() -> None:
    link, _ = reach(S.CLOSE_WAIT)
    link.pump()
    link.send("b", b"last words")
    link.close("b")
    link.pump()
    assert bytes(link.a.received) == b"last words"
    assert link.states == (S.TIME_WAIT, S.CLOSED)


def test_3_10_5_abort_flushes_queues_and_timers() -> None:
    link = established()
    link.send("a", b"in flight")
    link.deliver("a")  # b has the data; its ACK is lost
    link.drop("b")
    assert link.a.retransmission_queue and "rto" in link.a.timers
    acts = link.abort("a")
    assert ("rto", "cancel", None) in timer_events(acts)
    assert not link.a.retransmission_queue and not link.a.timers and not link.a.send_buffer
    (rst,) = sends(acts)
    assert rst.flags == RST and rst.seq == link.a.snd_nxt and rst.ack == 0
    # The peer, hit by <SEQ=SND.NXT><CTL=RST>: its RCV.NXT is exactly that, so it resets (§3.10.7.4).
    acts = link.deliver("a")
    assert link.b.state is S.CLOSED
    assert signals(acts) == ["error: connection reset"]


def test_3_10_5_abort_rst_beyond_a_gap_draws_a_challenge_ack_that_finishes_the_reset() -> None:
    link = established()
    link.send("a", b"lost")
    link.drop("a")  # b never sees the data, so the RST's SEQ is beyond its RCV.NXT
    link.abort("a")
    acts = link.deliver("a")
    assert link.b.state is S.ESTABLISHED
    (challenge,) = sends(acts)
    assert challenge.flags == ACK and challenge.ack == link.b.rcv_nxt
    # a is CLOSED: §3.10.7.1 answers the ACK with <SEQ=SEG.ACK><CTL=RST>, exactly b's RCV.NXT.
    acts = link.deliver("b")
    (rst,) = sends(acts)
    assert rst.flags == RST and rst.seq == link.b.rcv_nxt
    link.deliver("a")
    assert link.b.state is S.CLOSED


def test_3_10_5_abort_in_syn_received_resets_the_peer() -> None:
    link, _ = reach(S.SYN_RECEIVED)
    link.deliver("b")  # a ESTABLISHED; its ACK waits in a's outbox
    link.drop("a")
    link.abort("b")
    link.deliver("b")  # RST at a's RCV.NXT
    assert link.states == (S.CLOSED, S.CLOSED)
