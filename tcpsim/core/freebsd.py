"""FreeBSD as a personality: where FreeBSD's TCP parts from RFC 9293, read from its ``sys/netinet``
as its own tcp-testsuite expects it to behave (the suite's ``#ifdef FreeBSD`` branches), and the
rules behind its insecure sysctls, which a packetdrill script can turn on."""

from __future__ import annotations

from typing import Final

from ..i18n import N_
from .hooks import Personality, Rule

_F = "freebsd"
_FREEBSD_RST_WINDOW: Final = Rule(
    _F,
    "F7",
    N_("every RST carries window 0"),
    "sys/netinet/tcp_subr.c tcp_respond, tcp_output.c (a RST advertises a window of zero)",
    "FreeBSD computes no window for a RST, whether it answers a segment without a connection "
    "(tcp_respond) or drops its own (tcp_output); RFC 9293 does not say, and tcpsim's rfc9293 "
    "sends its receive window.",
)
FREEBSD: Final = Personality(
    _F,
    "FreeBSD",
    "FreeBSD",
    N_("FreeBSD's TCP (sys/netinet) as its tcp-testsuite expects it, default sysctls"),
    accept_to_buffer=Rule(
        _F,
        "F2",
        N_("segments are accepted up to the receive buffer's free space"),
        "sys/netinet/tcp_input.c tcp_do_segment (rcv_wnd = max(sbspace, rcv_adv - rcv_nxt))",
        "FreeBSD's RCV.WND for the acceptability test is the free space in the receive buffer, which "
        "may exceed the 65535 it can advertise without window scaling (its buffer is rounded up to "
        "65700 for an MSS of 1460, rule F1).",
    ),
    fin_ack_via_fin_wait_2=Rule(
        _F,
        "F3",
        N_("the ACK of our FIN moves FIN-WAIT-1 to FIN-WAIT-2 before the FIN is processed"),
        "sys/netinet/tcp_input.c tcp_do_segment (TCPS_FIN_WAIT_1: ourfinisacked), then tcp_twstart",
        "As in BSD since 4.4: the ACK is processed before the FIN, so FIN-WAIT-1 goes to FIN-WAIT-2 "
        "and then TIME-WAIT; RFC 9293 goes straight to TIME-WAIT (note 2 of Figure 5).",
    ),
    reset_carries_ack=Rule(
        _F,
        "F8",
        N_("the RST of a dropped connection carries ACK=RCV.NXT"),
        "sys/netinet/tcp_subr.c tcp_drop, tcp_output.c (tcp_outflags[TCPS_CLOSED] = RST|ACK)",
        "When FreeBSD drops a connection (tcpdrop, SO_LINGER 0, a SYN with insecure_syn), tcp_output "
        "sends <SEQ=SND.NXT><ACK=RCV.NXT><CTL=RST,ACK>; RFC 9293 §3.10.5 sends <SEQ=SND.NXT><CTL=RST>.",
    ),
    reply_rst_window_0=_FREEBSD_RST_WINDOW,
    reset_window_0=_FREEBSD_RST_WINDOW,
    ack_repeats_fin=Rule(
        _F,
        "F12",
        N_("while our FIN is unacknowledged, every ACK repeats the FIN"),
        "sys/netinet/tcp_output.c tcp_default_output (tcp_outflags[FIN_WAIT_1, CLOSING, LAST_ACK] "
        "include FIN; a resent FIN keeps its sequence number)",
        "BSD's tcp_output takes its flags from the state: in FIN-WAIT-1, CLOSING and LAST-ACK they "
        "include FIN, so an ACK sent there (of a FIN crossing ours, of data) is a FIN,ACK at our FIN's "
        "sequence number, a retransmission of it. RFC 9293 sends a plain <SEQ=SND.NXT><CTL=ACK>. "
        "Challenge ACKs (tcp_send_challenge_ack, through tcp_respond) stay plain.",
    ),
    listen_drops_syn_ack=Rule(
        _F,
        "F13",
        N_("a SYN,ACK to a listening socket is dropped without a RST"),
        'sys/netinet/tcp_input.c tcp_input_with_port (LISTEN: "SYN|ACK is bogus on a listen socket")',
        "RFC 9293 §3.10.7.2 answers any ACK in LISTEN with <SEQ=SEG.ACK><CTL=RST>; current FreeBSD "
        "drops a SYN,ACK there silently (an ACK without SYN still gets the RST).",
    ),
    data_after_close=Rule(
        _F,
        "F14",
        N_("new data after close() is answered with a RST and the connection deleted"),
        "sys/netinet/tcp_input.c tcp_do_segment (SS_NOFDREF, t_state > TCPS_CLOSE_WAIT: tcps_rcvafterclose)",
        '"If new data are received on a connection after the user processes are gone, then RST the '
        'other end" (RFC 1122 §4.2.2.13): in FIN-WAIT-1 or FIN-WAIT-2 after close(), FreeBSD closes the '
        "connection and answers with tcp_dropwithreset. shutdown() does not count: only a closed socket.",
    ),
    syn_resends_syn_ack=Rule(
        _F,
        "F10",
        N_("a retransmitted SYN in SYN-RECEIVED is answered with the SYN,ACK again"),
        "sys/netinet/tcp_syncache.c syncache_add (an entry exists: syncache_respond)",
        "A SYN for a connection already in the syncache (its SYN,ACK was lost) makes FreeBSD resend "
        "the SYN,ACK. RFC 9293 finds the SYN left of the window and sends an ACK.",
    ),
    time_wait_check=Rule(
        _F,
        "F9",
        N_("TIME-WAIT processing: every RST is dropped, a segment without ACK is dropped, others are ACKed"),
        "sys/netinet/tcp_timewait.c tcp_twcheck",
        "FreeBSD's TIME-WAIT drops every RST (RFC 1337), and every segment without ACK; it ACKs "
        "anything else except a duplicate bare ACK, and restarts 2·MSL on a retransmitted FIN. RFC 9293 "
        "lets a RST at RCV.NXT end TIME-WAIT.",
    ),
    time_wait_syn=Rule(
        _F,
        "F11",
        N_("a SYN above RCV.NXT in TIME-WAIT starts a new connection"),
        "sys/netinet/tcp_timewait.c tcp_twcheck (returns 1), tcp_input.c tcp_input_with_port",
        "RFC 9293 §3.6.1 MAY-2: a SYN without ACK whose sequence number is above RCV.NXT closes the "
        "TIME-WAIT connection, and a listening socket on the port takes the SYN. RFC 5961 §4, which "
        "tcpsim's rfc9293 follows, answers it with a challenge ACK.",
    ),
)

FREEBSD_INSECURE_RST: Final = Rule(
    _F,
    "F4",
    N_("net.inet.tcp.insecure_rst=1: a RST anywhere in the window resets"),
    "sys/netinet/tcp_input.c tcp_do_segment (V_tcp_insecure_rst), tcp_syncache.c syncache_chkrst",
    "With the sysctl net.inet.tcp.insecure_rst set to 1, FreeBSD turns RFC 5961 §3.2 off: any RST in "
    "the window resets, as RFC 793 says. The default, 0, is RFC 9293's behaviour.",
)
FREEBSD_INSECURE_SYN: Final = Rule(
    _F,
    "F5",
    N_("net.inet.tcp.insecure_syn=1: a SYN in the window drops the connection with a RST"),
    "sys/netinet/tcp_input.c tcp_do_segment (V_tcp_insecure_syn: tcp_drop)",
    "With the sysctl net.inet.tcp.insecure_syn set to 1, FreeBSD turns RFC 5961 §4 off: a SYN in the "
    "window of a synchronized connection drops it (tcp_drop sends RST,ACK). The default, 0, sends a "
    "challenge ACK as RFC 9293 does.",
)
FREEBSD_DROP_SYNFIN: Final = Rule(
    _F,
    "F6",
    N_("net.inet.tcp.drop_synfin=1: a segment with SYN and FIN is dropped"),
    "sys/netinet/tcp_input.c tcp_input_with_port (V_drop_synfin)",
    "With the sysctl net.inet.tcp.drop_synfin set to 1, FreeBSD drops every segment that has both SYN "
    "and FIN, in every state, before looking for its connection (the default, 0, processes it).",
)
FREEBSD_RCVBUF: Final = Rule(
    _F,
    "F1",
    N_("the receive buffer is rounded up to a multiple of the MSS"),
    "sys/netinet/tcp_input.c tcp_mss (roundup(so_rcv.sb_hiwat, mss))",
    "When the MSS is known (the SYN,ACK arrives, or the connection is accepted) FreeBSD makes the "
    "receive buffer a whole number of segments: 65536 becomes 65700 with an MSS of 1460, 66240 with "
    "1440; getsockopt(SO_RCVBUF) then says so. A scenario's endpoints have no socket buffer: this "
    "applies to packetdrill scripts.",
)
