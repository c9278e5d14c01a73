"""The shape of a stack personality: a :class:`Rule` (one difference from RFC 9293, with its
source) and a :class:`Personality` (a stack's hooks, one per place a stack may differ, and the
numbers its rules use). The stacks themselves are in :mod:`.personality`, :mod:`.linux` and
:mod:`.freebsd`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any


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
