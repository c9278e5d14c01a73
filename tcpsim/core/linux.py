"""Linux as a personality: where Linux's TCP parts from RFC 9293, each rule with the kernel file and
function it was read from (Linux 6.18, ``net/ipv4``, ``include/net/tcp.h``), and the numbers it uses
(its 60 s TIME-WAIT, RTO bounds and retry counts)."""

from __future__ import annotations

from typing import Final

from ..i18n import N_
from .hooks import Personality, Rule

_L = "linux"
LINUX: Final = Personality(
    _L,
    "Linux",
    "Linux",
    N_("Linux 6.18's TCP (net/ipv4) with its default sysctls"),
    fin_ack_via_fin_wait_2=Rule(
        _L,
        "L1",
        N_("the ACK of our FIN moves FIN-WAIT-1 to FIN-WAIT-2 before the FIN is processed"),
        "net/ipv4/tcp_input.c tcp_rcv_state_process (TCP_FIN_WAIT1), then tcp_fin",
        "A FIN,ACK that acknowledges our FIN is processed in two steps: its ACK first (FIN-WAIT-1 to "
        "FIN-WAIT-2), then its FIN (FIN-WAIT-2 to TIME-WAIT). RFC 9293 goes straight from FIN-WAIT-1 "
        "to TIME-WAIT (note 2 of Figure 5); both end in TIME-WAIT.",
    ),
    reset_carries_ack=Rule(
        _L,
        "L2",
        N_("the RST of an abort carries ACK=RCV.NXT"),
        "net/ipv4/tcp_output.c tcp_send_active_reset",
        "When Linux drops a connection itself (close with SO_LINGER 0, close with unread data), its "
        "RST is <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK>; RFC 9293 §3.10.5 sends <SEQ=SND.NXT><CTL=RST>.",
    ),
    close_unread=Rule(
        _L,
        "L3",
        N_("close() with unread data sends a RST instead of a FIN"),
        "net/ipv4/tcp.c __tcp_close (data_was_unread)",
        "If the application closes a socket with received bytes it has not read, Linux resets the "
        "connection (RFC 2525 §2.17): the data is lost, and the peer must know. Only a host that "
        "models reading (a packetdrill script's read calls) has unread data; a scenario's "
        "application reads everything as it arrives.",
    ),
    ack_crossed_syn_ack=Rule(
        _L,
        "L4",
        N_("the crossing SYN,ACK of a simultaneous open is acknowledged"),
        "net/ipv4/tcp_input.c tcp_validate_incoming (SYN_RECV), tcp_data_queue",
        "In a simultaneous open the peer's SYN,ACK repeats a SYN already received; Linux treats it "
        "as a duplicate and sends an immediate ACK. RFC 9293's Figure 7 sends nothing more.",
    ),
    delayed_fin_ack=Rule(
        _L,
        "L5",
        N_("the ACK of the peer's FIN is delayed (the connection turns interactive)"),
        "net/ipv4/tcp_input.c tcp_fin (inet_csk_enter_pingpong_mode), tcp_output.c tcp_send_delayed_ack",
        "A FIN in ESTABLISHED is acknowledged by the delayed-ACK timer (40 ms, TCP_ATO_MIN, once the "
        "connection has received data; at once before that). A close within that time sends one "
        "FIN,ACK instead of an ACK and then a FIN: the three-segment close real captures show.",
    ),
    time_wait_length=Rule(
        _L,
        "L6",
        N_("TIME-WAIT lasts 60 s, whatever the MSL"),
        "include/net/tcp.h TCP_TIMEWAIT_LEN, net/ipv4/tcp_minisocks.c tcp_time_wait",
        "Linux has no MSL: TIME-WAIT is the constant TCP_TIMEWAIT_LEN, 60 seconds, and a retransmitted "
        "FIN restarts it. The scenario's msl does not change it.",
    ),
    time_wait_syn=Rule(
        _L,
        "L7",
        N_("a SYN above RCV.NXT in TIME-WAIT starts a new connection (ISS = SND.NXT + 65537)"),
        "net/ipv4/tcp_minisocks.c tcp_timewait_state_process (TCP_TW_SYN), tcp_ipv4.c tcp_v4_rcv",
        "RFC 9293 §3.6.1 MAY-2 (from RFC 1122): a SYN whose sequence number is above the old "
        "connection's RCV.NXT, without ACK or RST, ends TIME-WAIT if a socket listens on the port, and "
        "the new connection's ISS is the old SND.NXT + 65535 + 2. RFC 5961 §4, which tcpsim's rfc9293 "
        "follows, answers it with a challenge ACK.",
    ),
    rtt=Rule(
        _L,
        "L8",
        N_("RTO from measured RTT: SRTT + max(4·RTTVAR, 200 ms), initial 1 s, at most 120 s"),
        "net/ipv4/tcp_input.c tcp_rtt_estimator, tcp_set_rto; include/net/tcp.h TCP_TIMEOUT_INIT, "
        "TCP_RTO_MIN, TCP_RTO_MAX",
        "Linux measures the round trip (not on retransmitted segments: Karn) and sets RTO = SRTT + "
        "max(4·RTTVAR, TCP_RTO_MIN): its 200 ms floor is on the variance term, where RFC 6298 §2.4 "
        "floors the whole RTO at 1 s. The first RTO is 1 s (TCP_TIMEOUT_INIT) whatever the scenario's "
        "rto; back-off doubles it up to 120 s (TCP_RTO_MAX). tcpsim's rfc9293 keeps the configured RTO "
        "(no RTT estimation). Linux also smooths RTTVAR per round trip (mdev_max): not modelled.",
    ),
    give_up=Rule(
        _L,
        "L9",
        N_("gives up by tcp_syn_retries, tcp_synack_retries, tcp_retries2 and tcp_orphan_retries"),
        "net/ipv4/tcp_timer.c tcp_write_timeout, retransmits_timed_out, tcp_model_timeout, "
        "tcp_retransmit_timer; inet_connection_sock.c reqsk_timer_handler",
        "A SYN is sent 1 + 6 + 4 times (tcp_syn_retries 6 plus tcp_syn_linear_timeouts 4, whose "
        "timeouts do not double: 1,1,1,1,1,2,4… s), giving up after 131 s. A passive SYN,ACK is resent "
        "5 times (tcp_synack_retries), then the embryonic connection is dropped and the listener "
        "stays. Other segments give up at the first RTO 924.6 s after the first transmission "
        "(tcp_retries2 15, the time 15 doublings from 200 ms would take), or 102.2 s once the "
        "application has closed the socket (tcp_orphan_retries: 8).",
    ),
    orphan_fin_wait_2=Rule(
        _L,
        "L10",
        N_("after close(), FIN-WAIT-2 ends after tcp_fin_timeout (60 s)"),
        "net/ipv4/tcp.c __tcp_close, tcp_input.c tcp_rcv_state_process (TCP_FIN_WAIT1), tcp_fin_time",
        "A connection the application has closed cannot wait in FIN-WAIT-2 for ever: after "
        "tcp_fin_timeout (60 s, or 3.5 RTO if more) it is deleted without a segment. A socket only "
        "shut down for writing (shutdown SHUT_WR) waits as RFC 9293 says, for the peer's FIN.",
    ),
    time_wait_check=Rule(
        _L,
        "L11",
        N_("TIME-WAIT processing: a bare ACK restarts the 60 s, a RST off RCV.NXT is ignored, anything else is ACKed"),
        "net/ipv4/tcp_minisocks.c tcp_timewait_state_process",
        "TIME-WAIT is a small timewait socket with its own checks: a RST exactly at RCV.NXT ends it "
        "(tcp_rfc1337 = 0); a bare ACK at RCV.NXT restarts the 60 s silently; any other RST is dropped "
        "without the challenge ACK RFC 5961 §3.2 asks for; every other segment is answered with an "
        "ACK (at most one per 0.5 s) and restarts the 60 s if it carries an ACK.",
    ),
    reply_rst_window_0=Rule(
        _L,
        "L12",
        N_("a RST in reply to a segment without a connection carries window 0"),
        "net/ipv4/tcp_ipv4.c tcp_v4_send_reset",
        "The RSTs Linux sends for segments that match no connection (a closed port, an ACK to a "
        "listener, data after close) are built without a socket and advertise window 0; RFC 9293 "
        "does not say, and tcpsim's rfc9293 sends its receive window.",
    ),
    rst_after_fin=Rule(
        _L,
        "L14",
        N_("a RST at RCV.NXT − 1 resets in CLOSE-WAIT, CLOSING and LAST-ACK"),
        "net/ipv4/tcp_input.c tcp_reset_check",
        "After the peer's FIN, Linux also accepts a RST whose sequence number is RCV.NXT − 1 (the "
        "FIN's own), which some stacks send; RFC 5961 §3.2 accepts only RCV.NXT.",
    ),
    syn_resends_syn_ack=Rule(
        _L,
        "L15",
        N_("a retransmitted SYN in SYN-RECEIVED is answered with the SYN,ACK again"),
        "net/ipv4/tcp_minisocks.c tcp_check_req (inet_rtx_syn_ack)",
        "When the client's SYN comes again (its SYN,ACK was lost), the embryonic connection resends "
        "its SYN,ACK (at most one per 0.5 s). RFC 9293 finds the SYN left of the window and sends an ACK.",
    ),
    embryonic_reset=Rule(
        _L,
        "L16",
        N_("SYN-RECEIVED (passive): any RST in the window drops it, a SYN in the window gets a RST"),
        "net/ipv4/tcp_minisocks.c tcp_check_req (embryonic_reset)",
        "A passive SYN-RECEIVED is a request socket, checked as RFC 793 would: a RST anywhere in "
        "the window drops it (back to LISTEN) without RFC 5961's challenge ACK, and a SYN in the "
        "window is answered with a RST before it is dropped.",
    ),
    data_after_close=Rule(
        _L,
        "L17",
        N_("new data after close() is answered with a RST and the connection deleted"),
        "net/ipv4/tcp_input.c tcp_rcv_state_process (RCV_SHUTDOWN, TCP_FIN_WAIT1/2), tcp_ipv4.c tcp_v4_do_rcv",
        "In FIN-WAIT-1 or FIN-WAIT-2, once the application can read no more (close(), or shutdown "
        "SHUT_RD), new data cannot be delivered: Linux deletes the connection and sends a RST "
        "(RFC 1122 §4.2.2.13 says it MUST). RFC 9293 accepts the data; use shutdown to keep reading.",
    ),
    time_wait=60.0,
    fin_timeout=60.0,
    delack=0.04,
    rto_initial=1.0,
    rto_min=0.2,
    rto_max=120.0,
    syn_retries=6,
    syn_linear_timeouts=4,
    synack_retries=5,
    retries2=15,
    orphan_retries=8,
)

LINUX_RCVBUF: Final = Rule(
    _L,
    "L13",
    N_("setsockopt(SO_RCVBUF) doubles the value (getsockopt returns twice the size asked for)"),
    "net/core/sock.c sock_setsockopt (__sock_set_rcvbuf: val * 2)",
    "Linux reserves twice the size asked for, for its bookkeeping, and getsockopt(SO_RCVBUF) returns "
    "that; about half of it is the window (tcp_win_from_space with the default scaling ratio), so the "
    "window stays the size asked for. This applies to packetdrill scripts.",
)
