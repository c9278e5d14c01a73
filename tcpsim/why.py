"""The "why" behind TIME-WAIT, as the help screen and ``tcpsim states`` tell it: why a segment's life
is finite, the MSL values stacks use, why the 4-tuple waits, why only the active closer waits, and
what RFC 9293 changed from RFC 793.

Plain text marked with ``N_`` (translated where shown, ``_(title)``), so that the app and the
command line say the same thing and one catalogue entry serves both. Each claim names its source:
the RFC's section, or for a stack the kernel file, so a reader can check it. The sentences about
what happens in a transition live beside the diagram (``tcpsim.ui.widgets.diagram_text``).
"""

from __future__ import annotations

from .i18n import N_

SECTIONS: tuple[tuple[str, str], ...] = (
    (
        N_("Why a segment's life is finite: MSL and the IP TTL"),
        N_(
            "MSL, the maximum segment lifetime, is how long a segment may exist in the network (RFC 9293 §4). "
            "It is finite because IP bounds it: every IP packet carries a TTL (IPv6: hop limit) that each "
            "router decrements, and a packet whose TTL reaches zero is discarded, so no segment can wander for "
            "ever. RFC 793 sent TCP with a TTL of one minute because it assumed an MSL of two minutes; RFC 1122 "
            "made the TTL configurable (RFC 9293 §3.9.2, MUST-49). A TTL counts hops rather than seconds in "
            "practice, so the MSL is an agreed bound, not a measurement."
        ),
    ),
    (
        N_("The values in use"),
        N_(
            "RFC 793 took the MSL to be 2 minutes, and RFC 9293 keeps it, as \u201can engineering choice\u201d "
            "(§3.4.2): TIME-WAIT would then last 4 minutes. Stacks use less: an MSL of 30 seconds, 1 minute or "
            "2 minutes is common. Linux has no MSL at all: TIME-WAIT lasts a fixed 60 seconds, the constant "
            "TCP_TIMEWAIT_LEN (60*HZ) in include/net/tcp.h, which no sysctl changes (tcp_fin_timeout, often "
            "taken for it, is FIN-WAIT-2's; --stack linux plays both). FreeBSD's MSL is the sysctl "
            "net.inet.tcp.msl, 30 s by default, so 60 s of TIME-WAIT too. tcpsim's sandbox and the scenarios "
            "that reach TIME-WAIT use an MSL of 5 s, so that the 10 s wait can be watched; n jumps over it."
        ),
    ),
    (
        N_("Why the same 4-tuple cannot be reused during 2·MSL"),
        N_(
            "A connection is named by its 4-tuple: both addresses and both ports (RFC 9293 §3.4.1). While one "
            "side is in TIME-WAIT, the connection still exists and its 4-tuple is taken: an OPEN from the same "
            "port to the same peer is refused with \u201cerror: connection already exists\u201d (§3.10.1) until "
            "the 2·MSL timer deletes the TCB. A new incarnation on those ports could otherwise accept an old "
            "duplicate still in the network as its own data, or meet the peer's retransmitted FIN. The scenario "
            "reconnect-same-ports shows the refusal and the reconnect that works once the wait is over (tcpsim "
            "reconnect-same-ports, or l in the app); old-duplicate-time-wait and old-duplicate-no-time-wait "
            "show what the wait prevents. A client that lets the system pick its port gets a new 4-tuple each "
            "time and never meets this."
        ),
    ),
    (
        N_("Only the side that closes first waits"),
        N_(
            "TIME-WAIT belongs to the active closer, the side whose FIN went first (§3.6.1, MUST-13): it sends "
            "the connection's last segment, the ACK of the peer's FIN, and nobody would retransmit that ACK if "
            "it were lost. The side that closed second ends in LAST-ACK and is CLOSED as soon as its FIN is "
            "acknowledged: its last segment is a FIN, which its own timer retransmits until it is acknowledged, "
            "so it has nothing to wait for. Who connected does not matter: a server that closes first holds the "
            "TIME-WAIT (active-close-server). In a simultaneous close both sides closed first, and both wait "
            "(simultaneous-close)."
        ),
    ),
    (
        N_("From RFC 793 to RFC 9293"),
        N_(
            "RFC 793 (1981) defined TCP for 41 years; RFC 9293 (2022) replaces it. The eleven states and the "
            "diagram are unchanged (Figure 5 gained three notes); what came in is 40 years of corrections: RFC "
            "1122's requirements, now numbered (MUST-13: linger in TIME-WAIT for 2·MSL; MAY-2: a new SYN may "
            "reopen a connection from TIME-WAIT), RFC 5961's defence against blind attacks (a RST not exactly "
            "at RCV.NXT, or a SYN on a synchronized connection, gets a challenge ACK: rst-challenge-ack, "
            "syn-in-time-wait), RFC 6528's unpredictable initial sequence numbers, RFC 6298's retransmission "
            "timer, RFC 6093's urgent pointer, and a configurable TTL. tcpsim follows RFC 9293; --stack rfc793 "
            "plays RST, SYN and ACK as RFC 793 wrote them."
        ),
    ),
)
"""(title, text) of each part of the "why", in the order a reader needs them."""
