"""Stack personalities: where RFC 793, Linux and FreeBSD part from RFC 9293, one named rule each.

tcpsim's core is RFC 9293 (with RFC 5961, as RFC 9293 recommends). A :class:`Personality` says
where another stack behaves differently, as a set of hooks: each hook is a :class:`Rule` (that
stack's behaviour, with its source: the RFC section, or the kernel file and function) or ``None``
(RFC 9293's behaviour). :mod:`tcpsim.core.tcb` reads one hook at each place a stack differs, and
when a rule changes what happens it writes the rule into the action it caused, so the trace's
``rule`` and the event log name it. The default, :data:`RFC9293`, has every hook ``None``: the
core then does exactly what it did before personalities existed.

The numbers a stack uses (Linux's 60 s TIME-WAIT, its RTO bounds and retry counts) are fields of
the personality, next to the hooks whose rules cite them. The rules were read from Linux 6.18
(``net/ipv4``, ``include/net/tcp.h``) and from FreeBSD's ``sys/netinet`` as its own tcp-testsuite
expects it to behave (the suite's ``#ifdef FreeBSD`` branches and its insecure sysctls).

Personalities are immutable values shared by every endpoint that has them: copying one (a world's
snapshot deep-copies its endpoints) returns the same object.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any, Final

from ..i18n import N_


@dataclass(frozen=True, slots=True)
class Rule:
    """One difference from RFC 9293, as one stack has it."""

    stack: str
    id: str
    """Short and stable (``L7``): the README's table, tests and the trace use it."""
    title: str
    """What the stack does, in a few words: the trace's ``rule`` starts with it (in English, marked
    for translation: :func:`tcpsim.sim.wording.rule_text` shows it in the user's language)."""
    source: str
    """Where it comes from: the RFC section, or the kernel file and function."""
    text: str
    """The plain-language explanation (the README's table, the app's details)."""

    @property
    def cite(self) -> str:
        """The trace's ``rule`` for what this rule caused."""
        return f"{self.stack} {self.id}: {self.title} ({self.source})"

    def __copy__(self) -> Rule:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Rule:
        return self


@dataclass(frozen=True, slots=True)
class Personality:
    """A stack: its name, the ``#ifdef`` name it defines for packetdrill scripts, and its hooks."""

    name: str
    define: str
    """The name a packetdrill script tests with ``#ifdef`` (``STANDARD``, ``Linux``, ``FreeBSD``)."""
    title: str
    summary: str
    """One line for a chooser, marked for translation (shown as ``_(summary)``)."""

    # --- receiving: RFC 5961 and RFC 793 ---------------------------------------------------------
    rst_in_window: Rule | None = None
    """A RST anywhere in the window resets (RFC 793), instead of only one exactly at RCV.NXT."""
    syn_in_window: Rule | None = None
    """A SYN in the window of a synchronized connection resets it (RFC 793), instead of a
    challenge ACK (RFC 5961 §4)."""
    old_ack: Rule | None = None
    """An ACK below SND.UNA − MAX.SND.WND is ignored (RFC 793), not answered (RFC 5961 §5)."""
    rst_after_fin: Rule | None = None
    """A RST at RCV.NXT − 1 after the peer's FIN resets too (Linux)."""
    accept_to_buffer: Rule | None = None
    """Segments are accepted up to the receive buffer's free space (``Endpoint.rcv_space``), which
    may be more than the window advertised (FreeBSD)."""
    drop_synfin: Rule | None = None
    """A segment with both SYN and FIN is dropped in every state (FreeBSD's ``drop_synfin``)."""
    embryonic_reset: Rule | None = None
    """A passive SYN-RECEIVED (an embryonic connection) is dropped by any RST in the window, and a
    SYN in the window is answered with a RST (Linux's request sockets)."""
    syn_resends_syn_ack: Rule | None = None
    """A retransmitted SYN in a passive SYN-RECEIVED is answered with the SYN,ACK again."""

    # --- closing ---------------------------------------------------------------------------------
    fin_ack_via_fin_wait_2: Rule | None = None
    """A FIN that also acknowledges our FIN takes FIN-WAIT-1 through FIN-WAIT-2 to TIME-WAIT."""
    delayed_fin_ack: Rule | None = None
    """The ACK of a FIN that moves ESTABLISHED to CLOSE-WAIT is delayed, so that a close right
    after it sends one FIN,ACK."""
    close_unread: Rule | None = None
    """close() with received data the application has not read resets the connection."""
    data_after_close: Rule | None = None
    """New data arriving in FIN-WAIT-1 or FIN-WAIT-2 after close() resets the connection."""
    orphan_fin_wait_2: Rule | None = None
    """After close(), FIN-WAIT-2 lasts at most :attr:`fin_timeout` seconds."""
    time_wait_length: Rule | None = None
    """TIME-WAIT lasts :attr:`time_wait` seconds, whatever the MSL."""
    time_wait_check: Rule | None = None
    """TIME-WAIT has its own segment processing instead of §3.10.7.4's steps."""
    time_wait_syn: Rule | None = None
    """A SYN above RCV.NXT in TIME-WAIT starts a new connection (RFC 9293 §3.6.1 MAY-2), when the
    application still listens on the port."""

    # --- sending ---------------------------------------------------------------------------------
    reset_carries_ack: Rule | None = None
    """The RST a connection sends when it is dropped (ABORT, and the like) carries ACK=RCV.NXT."""
    ack_repeats_fin: Rule | None = None
    """While our FIN is unacknowledged, an ACK we send carries the FIN again (BSD's tcp_output)."""
    listen_drops_syn_ack: Rule | None = None
    """A SYN,ACK reaching a listening socket is dropped, not answered with a RST."""
    reply_rst_window_0: Rule | None = None
    """A RST sent in reply to a segment that has no connection carries window 0."""
    reset_window_0: Rule | None = None
    """Every RST carries window 0, a connection's own too."""
    ack_crossed_syn_ack: Rule | None = None
    """In a simultaneous open the crossing SYN,ACK is acknowledged."""

    # --- timers ----------------------------------------------------------------------------------
    rtt: Rule | None = None
    """The RTO follows an RTT estimator (bounded by :attr:`rto_min` and :attr:`rto_max`, starting
    at :attr:`rto_initial`) instead of staying at the configured ``rto``."""
    give_up: Rule | None = None
    """When retransmission gives up, by the stack's own counts instead of R2 (RFC 9293 §3.8.3)."""

    # --- the numbers of the rules above ----------------------------------------------------------
    time_wait: float = 0.0
    fin_timeout: float = 0.0
    delack: float = 0.0
    """How long the delayed ACK of a FIN waits once the connection has received data; before any
    data it is sent at once (Linux's ato starts at 0)."""
    rto_initial: float = 1.0
    rto_min: float = 1.0
    rto_max: float = 60.0
    syn_retries: int = 0
    syn_linear_timeouts: int = 0
    synack_retries: int = 0
    retries2: int = 0
    orphan_retries: int = 0

    def rules(self) -> tuple[Rule, ...]:
        """Every rule of this personality, once each, in declaration order."""
        found: list[Rule] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Rule) and value not in found:
                found.append(value)
        return tuple(found)

    def with_rule(self, hook: str, rule: Rule | None) -> Personality:
        """The same stack with one hook changed (a sysctl, such as FreeBSD's ``insecure_rst``)."""
        changes: dict[str, Any] = {hook: rule}
        return replace(self, **changes)

    def __copy__(self) -> Personality:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Personality:
        return self


# ----------------------------------------------------------------------------------- RFC 9293
RFC9293: Final = Personality(
    "rfc9293",
    "STANDARD",
    "RFC 9293",
    N_("the standard, with RFC 5961's protections as RFC 9293 recommends (tcpsim's own core)"),
)

# ----------------------------------------------------------------------------------- RFC 793
_R = "rfc793"
RFC793: Final = Personality(
    _R,
    "RFC793",
    "RFC 793",
    N_("RFC 9293 without RFC 5961: RST, SYN and ACK handled as RFC 793 wrote it, open to blind attacks"),
    rst_in_window=Rule(
        _R,
        "R1",
        N_("a RST anywhere in the window resets"),
        "RFC 793 §3.9 SEGMENT ARRIVES, second check the RST bit",
        "RFC 793 resets the connection for any RST whose sequence number is in the receive window; "
        "RFC 5961 §3.2 (and RFC 9293) reset only for one exactly at RCV.NXT and answer the others "
        "with a challenge ACK, so that a blind attacker must guess the exact number.",
    ),
    syn_in_window=Rule(
        _R,
        "R2",
        N_("a SYN in the window is an error: send a RST and close"),
        "RFC 793 §3.9 SEGMENT ARRIVES, fourth check the SYN bit",
        "RFC 793 answers a SYN inside the window of a synchronized connection with a RST "
        "<SEQ=SND.NXT><CTL=RST> and closes the connection; RFC 5961 §4 sends a challenge ACK instead "
        "and keeps it.",
    ),
    old_ack=Rule(
        _R,
        "R3",
        N_("an ACK below the window is a duplicate and is ignored"),
        "RFC 793 §3.9 SEGMENT ARRIVES, fifth check the ACK field",
        "RFC 793 ignores an ACK that acknowledges something already acknowledged, however old; "
        "RFC 5961 §5 drops one older than SND.UNA − MAX.SND.WND and answers it with an ACK.",
    ),
)

# ----------------------------------------------------------------------------------- Linux
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

# ----------------------------------------------------------------------------------- FreeBSD
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
LINUX_RCVBUF: Final = Rule(
    _L,
    "L13",
    N_("setsockopt(SO_RCVBUF) doubles the value (getsockopt returns twice the size asked for)"),
    "net/core/sock.c sock_setsockopt (__sock_set_rcvbuf: val * 2)",
    "Linux reserves twice the size asked for, for its bookkeeping, and getsockopt(SO_RCVBUF) returns "
    "that; about half of it is the window (tcp_win_from_space with the default scaling ratio), so the "
    "window stays the size asked for. This applies to packetdrill scripts.",
)

PERSONALITIES: Final[dict[str, Personality]] = {p.name: p for p in (RFC9293, RFC793, LINUX, FREEBSD)}
"""Every stack tcpsim can be, by the name ``--stack`` and ``stack =`` take."""

SOCKET_RULES: Final[dict[str, tuple[Rule, ...]]] = {
    "rfc9293": (),
    "rfc793": (),
    "linux": (LINUX_RCVBUF,),
    "freebsd": (FREEBSD_RCVBUF, FREEBSD_INSECURE_RST, FREEBSD_INSECURE_SYN, FREEBSD_DROP_SYNFIN),
}
"""Rules that live in the socket layer or behind a sysctl rather than in a personality's hooks."""


def personality(name: str) -> Personality:
    """The personality called ``name``; ValueError naming the stacks (and the likely one) otherwise."""
    try:
        return PERSONALITIES[name]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(name.lower(), list(PERSONALITIES), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise ValueError(f"unknown stack {name!r}{hint}; the stacks are {', '.join(PERSONALITIES)}") from None


def all_rules(name: str) -> tuple[Rule, ...]:
    """Every rule of a stack, the hooks' and the socket layer's, ordered by id."""
    rules = list(personality(name).rules())
    rules += [r for r in SOCKET_RULES[name] if r not in rules]
    return tuple(sorted(rules, key=lambda r: (r.id[0], int(r.id[1:]))))
