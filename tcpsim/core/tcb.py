"""One TCP endpoint: its transmission control block and the event processing of RFC 9293 §3.10.

The class is sans-IO and clock-free. Each public method is one event of §3.10 — a user call, a
segment arriving, a timer expiring — takes the host's current time ``now`` and returns the list of
:mod:`tcpsim.core.actions` that resulted, in order. The methods are laid out as the RFC lays out
§3.10: by event, then by state, and SEGMENT ARRIVES in the synchronized states is the RFC's ordered
pipeline (check sequence, RST, security, SYN, ACK, URG, text, FIN), one method per step.

Where a stack personality (:mod:`tcpsim.core.personality`) behaves otherwise, the code reads one
hook of ``self.stack`` and, if it is set, does what that stack does and cites its rule in the
action it causes. With the default personality, RFC 9293, every hook is ``None``.

Deliberate simplifications, each noted where it applies: no options (MSS is configured, not
negotiated), no urgent data, no security/compartment check, no zero-window probing, no delayed ACKs.
Challenge ACKs, and every other ACK sent in reply to an unacceptable segment without data, are
rate-limited as RFC 5961 §7 asks (at most one per ``EndpointConfig.ack_ratelimit``, 0.5 s).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..i18n import N_
from . import seq as sq
from .actions import (
    Action,
    Deliver,
    Discard,
    Send,
    Signal,
    StateChanged,
    TimerChanged,
    TimerName,
    UserError,
)
from .personality import RFC9293, Personality, Rule
from .segment import ACK, FIN, PSH, RST, SYN, Segment
from .seq import HALF, MASK, Seq
from .states import State
from .templates import FIN_REMAIN, GAVE_UP, RTO_DOUBLED, RTO_DOUBLED_ESTIMATED, RTO_STAYS
from .transitions import Event, lookup

_ZERO = Seq(0)

MAX_RTO = 60.0
"""RFC 6298 §2.5: a maximum may be placed on RTO provided it is at least 60 seconds."""


def model_timeout(boundary: int, base: float, rto_max: float) -> float:
    """How long ``boundary`` retransmissions take when the RTO starts at ``base`` and doubles up to
    ``rto_max``: when Linux gives a connection up (tcp_timer.c tcp_model_timeout, Linux L9)."""
    linear_backoff_thresh = int(rto_max / base + 1e-9).bit_length() - 1  # ilog2
    if boundary <= linear_backoff_thresh:
        return ((2 << boundary) - 1) * base
    return ((2 << linear_backoff_thresh) - 1) * base + (boundary - linear_backoff_thresh) * rto_max


_UNREAD_CLOSE = (State.ESTABLISHED, State.FIN_WAIT_1, State.FIN_WAIT_2, State.CLOSE_WAIT, State.CLOSING, State.LAST_ACK)
"""The states in which a stack that resets on close() with unread data (Linux L3) does so."""

# RFC 9293 error strings (§3.10.1–§3.10.5), spelt exactly as the RFC spells them.
ERR_EXISTS = "error: connection already exists"
ERR_NOT_EXIST = "error: connection does not exist"
ERR_CLOSING = "error: connection closing"
# RFC 793 wording; RFC 9293 §3.10.2 calls it "remote socket unspecified".
ERR_FOREIGN = "error: foreign socket unspecified"
# Ours, not the RFC's (it has no RETRANSMIT call): translated where it is shown.
ERR_NOTHING = N_("error: nothing to retransmit (every segment sent has been acknowledged)")


@dataclass(slots=True)
class EndpointConfig:
    """What the host decides about an endpoint before it starts."""

    port: int
    peer_port: int
    isn: int
    """ISN of this endpoint's first connection; connection k uses ``isn + isn_step * k``."""
    isn_step: int = 64000
    rto: float = 1.0
    msl: float = 30.0
    time_wait: bool = True
    """False imitates a broken stack that skips TIME-WAIT (the what-if switch)."""
    max_retries: int | None = None
    """R2 of RFC 9293 §3.8.3 as a count of retransmissions; None measures R2 in time instead."""
    r2: float = 100.0
    """R2 in seconds for data (SHLD-11: at least 100 s)."""
    r2_syn: float = 180.0
    """R2 in seconds for a SYN (MUST-23: retransmit a SYN for at least 3 minutes)."""
    mss: int = 1460
    rcv_wnd: int = 65535
    ack_ratelimit: float = 0.5
    """At most one ACK per this many seconds in reply to unacceptable segments without data, as
    RFC 5961 §7 asks and Linux does (``tcp_invalid_ratelimit``): two endpoints that disagree
    about the sequence space would otherwise ACK each other for ever."""
    personality: Personality = RFC9293
    """The stack this endpoint behaves as (RFC 9293 unless a scenario or ``--stack`` says)."""
    quiet: bool = False
    """Leave the segments to send, the timer changes and the deliveries (:class:`Send`,
    :class:`TimerChanged`, :class:`Deliver`) out of what the calls return; the TCB does all the
    same. For a host that follows the states and reads nothing else, the whole-capture census:
    making the records nobody reads cost a tenth of its time (BENCHMARKS.md)."""


@dataclass(slots=True)
class Outstanding:
    """One entry of the retransmission queue: what was sent and not yet wholly acknowledged."""

    seq: Seq
    flags: int
    """The SYN/FIN/PSH bits it carries; ACK is added at each (re)transmission when appropriate."""
    data: bytes
    end: Seq = field(init=False)
    """SEQ + LEN, SYN and FIN counted: computed once, as every ACK that arrives compares with it."""
    sent_at: float = 0.0
    """When it was first sent: an RTT sample is the time from here to its ACK (Linux L8)."""
    resent: bool = False
    """Sent more than once: Karn's algorithm takes no RTT sample from it (RFC 6298 §3)."""

    def __post_init__(self) -> None:
        flags = self.flags
        self.end = Seq((self.seq + len(self.data) + (1 if flags & SYN else 0) + (1 if flags & FIN else 0)) & MASK)


@dataclass(slots=True)
class _Held:
    """An out-of-order segment's text and FIN, held for later processing (SHLD-31)."""

    seq: Seq
    data: bytes
    fin: bool


@dataclass(slots=True)
class Endpoint:
    """A TCP endpoint. Public attributes are the TCB variables of RFC 9293 §3.3.1."""

    config: EndpointConfig
    state: State = State.CLOSED
    passive: bool = False
    """Whether this connection reached SYN-RECEIVED from LISTEN (MUST-11)."""
    connections: int = 0
    """How many ISSs have been chosen so far: the k of ``isn + isn_step * k``."""
    next_iss: Seq | None = None
    """The ISS the host has chosen for the next connection, used once (None: ``isn + isn_step * k``).
    RFC 9293 §3.4.1 leaves the choice of the ISN to the host; an observer of a capture takes it
    from the SYN it saw, before the OPEN or the SYN that makes the endpoint choose it."""
    iss: Seq = _ZERO
    irs: Seq = _ZERO
    snd_una: Seq = _ZERO
    snd_nxt: Seq = _ZERO
    snd_wnd: int = 0
    snd_wl1: Seq = _ZERO
    snd_wl2: Seq = _ZERO
    max_snd_wnd: int = 0
    rcv_nxt: Seq = _ZERO
    rcv_wnd: int = 65535
    send_buffer: bytearray = field(default_factory=bytearray)
    """Bytes the user has SENT that are not yet segmentized."""
    retransmission_queue: list[Outstanding] = field(default_factory=list)
    held: list[_Held] = field(default_factory=list)
    fin_pending: bool = False
    """CLOSE was called; the FIN goes out once the send buffer is empty."""
    fin_seq: Seq | None = None
    """Sequence number of our FIN once it is sent."""
    close_when_established: bool = False
    """CLOSE in SYN-RECEIVED with data pending: queued until ESTABLISHED (§3.10.4)."""
    received: bytearray = field(default_factory=bytearray)
    """Every byte delivered to the application so far, across connections."""
    timers: dict[str, float] = field(default_factory=dict)
    """Running timers as absolute deadlines: ``rto`` and ``2msl``."""
    rto: float = 1.0
    retries: int = 0
    """Retransmissions of the segment at the head of the queue since it was last acknowledged."""
    head_since: float = 0.0
    """When the head of the retransmission queue started waiting for its ACK (for R2 in time)."""
    base_rto: float = 1.0
    """What the RTO returns to after an ACK: the configured RTO, or 3 s after a SYN timed out."""
    syn_timed_out: bool = False
    last_oow_ack: float = float("-inf")
    """When the last rate-limited ACK (reply to an unacceptable segment) went out."""
    # --- what some stack personalities need (RFC 9293 has no use for them) ----------------------
    stack: Personality = RFC9293
    """The personality this endpoint behaves as: ``config.personality`` unless a host changes it
    while running (a packetdrill sysctl)."""
    listener: bool = False
    """The application keeps a socket listening on this port (a passive OPEN, until CLOSE or ABORT
    in LISTEN): a SYN reopening TIME-WAIT needs one (Linux L7, FreeBSD F11)."""
    released: bool = False
    """The application has closed its socket (close(), not only shutdown): Linux L9, L10, L17."""
    receive_shut: bool = False
    """The application reads no more: close(), or on Linux also shutdown(SHUT_RD), which the host
    sets. New data in FIN-WAIT-1/2 then resets (Linux L17, FreeBSD F14)."""
    rcv_space: int = 0
    """Free space in the receive buffer, when the host models one (FreeBSD F2 accepts up to it)."""
    srtt: float = 0.0
    """Smoothed round-trip time, 0 until the first sample (Linux L8)."""
    rttvar: float = 0.0
    _out: list[Action] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.stack = self.config.personality
        self.rto = self.base_rto = self._initial_rto()
        self.rcv_wnd = self.config.rcv_wnd

    @classmethod
    def resumed(
        cls, config: EndpointConfig, snd_nxt: Seq, rcv_nxt: Seq, *, snd_wnd: int, rcv_wnd: int, passive: bool
    ) -> Endpoint:
        """A TCB made in ESTABLISHED, for a connection that was already under way: not an RFC 9293 event.

        Two hosts need it. A tool that moves a live connection from one machine to another restores
        its TCB this way (Linux's TCP_REPAIR: net/ipv4/tcp.c, do_tcp_setsockopt TCP_REPAIR and
        TCP_QUEUE_SEQ, then connect() puts the socket straight into ESTABLISHED). And an observer of
        a capture that starts mid-connection knows only the sequence numbers each side uses next.
        Everything before ``snd_nxt`` is taken as sent and acknowledged, everything before
        ``rcv_nxt`` as received (ISS and IRS are one below them). No state change happens, so
        nothing is reported: the TCB is new, and only ever enters the table's arrows from here.
        """
        ep = cls(config)
        ep.state = State.ESTABLISHED
        ep.passive = passive
        ep.connections = 1
        ep.iss, ep.irs = sq.add(snd_nxt, -1), sq.add(rcv_nxt, -1)
        ep.snd_una = ep.snd_nxt = snd_nxt
        ep.rcv_nxt = rcv_nxt
        ep.snd_wnd = ep.max_snd_wnd = snd_wnd
        ep.snd_wl1, ep.snd_wl2 = rcv_nxt, snd_nxt
        ep.rcv_wnd = rcv_wnd
        return ep

    # ------------------------------------------------------------------ queries
    @property
    def fin_acked(self) -> bool:
        """Our FIN has been sent and acknowledged."""
        return self.fin_seq is not None and self.snd_una == sq.add(self.fin_seq, 1)

    def next_deadline(self) -> float | None:
        """The earliest running timer, for a host that sleeps until something is due."""
        return min(self.timers.values(), default=None)

    # ------------------------------------------------------------------ §3.10.1 OPEN
    def open_passive(self, now: float) -> list[Action]:
        """OPEN, passive (``listen``)."""
        self._out = []
        if self.state is not State.CLOSED:
            return self._error("listen", ERR_EXISTS)
        self.passive = True
        self.listener = True
        self._go(State.LISTEN, Event.PASSIVE_OPEN)
        return self._out

    def open_active(self, now: float) -> list[Action]:
        """OPEN, active (``connect``): in CLOSED, or in LISTEN turning the connection active."""
        self._out = []
        if self.state not in (State.CLOSED, State.LISTEN):
            return self._error("connect", ERR_EXISTS)
        self.passive = False
        self._choose_iss()
        self.snd_una, self.snd_nxt = self.iss, sq.add(self.iss, 1)
        self.snd_wnd = 0
        rule = lookup(self.state, Event.ACTIVE_OPEN, State.SYN_SENT).rule
        self._go(State.SYN_SENT, Event.ACTIVE_OPEN)
        self._transmit(Outstanding(self.iss, SYN, b""), now, rule)
        return self._out

    # ------------------------------------------------------------------ §3.10.2 SEND
    def send(self, data: bytes, now: float) -> list[Action]:
        """SEND: queue ``data`` and segmentize what the window allows."""
        self._out = []
        state = self.state
        if state is State.CLOSED:
            return self._error("send", ERR_NOT_EXIST)
        if state is State.LISTEN:
            return self._error("send", ERR_FOREIGN)
        if state in (State.FIN_WAIT_1, State.FIN_WAIT_2, State.CLOSING, State.LAST_ACK, State.TIME_WAIT):
            return self._error("send", ERR_CLOSING)
        self.send_buffer += data
        if state in (State.ESTABLISHED, State.CLOSE_WAIT):
            self._output(now)
        # SYN-SENT, SYN-RECEIVED: queued for transmission after entering ESTABLISHED.
        return self._out

    # ------------------------------------------------------------------ §3.10.4 CLOSE
    def close(self, now: float, *, unread: int = 0, release: bool = True) -> list[Action]:
        """CLOSE: "I have no more to send"; the FIN follows any data still queued.

        A socket API has two calls for it: ``close()``, after which the application is gone
        (``release``, the default), and ``shutdown(SHUT_WR)``, after which it can still read
        (``release=False``). RFC 9293 does not tell them apart; some stacks do, and a stack that
        resets on close with unread data (Linux L3) is told how many bytes were left (``unread``).
        """
        self._out = []
        state = self.state
        if state is State.CLOSED:
            return self._error("close", ERR_NOT_EXIST)
        unread_rule = self.stack.close_unread  # linux L3: __tcp_close, data_was_unread
        if unread_rule is not None and release and unread > 0 and state in _UNREAD_CLOSE:
            self._reset_on_close(unread, unread_rule)
            return self._out
        if state is State.LISTEN:
            self.listener = False
            self._go(State.CLOSED, Event.CLOSE)
        elif state is State.SYN_SENT:
            if self.send_buffer:
                self._out.append(Signal("error: closing", N_("3.10.4 CLOSE in SYN-SENT: queued SENDs refused")))
            self._go(State.CLOSED, Event.CLOSE)
        elif state is State.SYN_RECEIVED:
            if self.send_buffer:
                self.close_when_established = True
            else:
                self.fin_pending = True
                self._go(State.FIN_WAIT_1, Event.CLOSE)
                self._output(now)
        elif state in (State.ESTABLISHED, State.CLOSE_WAIT):
            self.fin_pending = True
            self._go(State.FIN_WAIT_1 if state is State.ESTABLISHED else State.LAST_ACK, Event.CLOSE)
            self._output(now)
        else:
            # FIN-WAIT-1/2: "strictly speaking, this is an error"; CLOSING, LAST-ACK, TIME-WAIT too.
            self._error("close", ERR_CLOSING)
            if release:
                self._release(now)
            return self._out
        if release:
            self._release(now)
        return self._out

    def release(self, now: float, *, unread: int = 0) -> list[Action]:
        """The application closes a socket it had only shut down for writing: no RFC 9293 event.

        Nothing happens under RFC 9293. A stack that treats a closed socket differently from a
        shut-down one reacts now: Linux resets if data was left unread (L3) and starts the
        FIN-WAIT-2 timeout (L10).
        """
        self._out = []
        unread_rule = self.stack.close_unread  # linux L3
        if unread_rule is not None and unread > 0 and self.state in _UNREAD_CLOSE:
            self._reset_on_close(unread, unread_rule)
            return self._out
        if self.state is State.LISTEN:
            self.listener = False
        if self.state is not State.CLOSED:
            self._release(now)
        return self._out

    def _release(self, now: float) -> None:
        """The application is gone: it reads no more, and an orphan's FIN-WAIT-2 has a limit."""
        if self.state is State.CLOSED:
            return
        self.released = self.receive_shut = True
        if self.state is State.FIN_WAIT_2:
            self._start_orphan_timeout(now)

    def _reset_on_close(self, unread: int, rule: Rule) -> None:
        """Linux L3: close() with unread data tosses it and resets the connection (RFC 2525 §2.17)."""
        state = self.state
        self._go(State.CLOSED, Event.CLOSE, rule.cite)
        self._send_reset(lookup(state, Event.CLOSE, State.CLOSED).rule + f"; {rule.cite}")

    # ------------------------------------------------------------------ §3.10.5 ABORT
    def abort(self, now: float) -> list[Action]:
        """ABORT: drop everything; send a RST where the peer holds state for us."""
        self._out = []
        state = self.state
        if state is State.CLOSED:
            return self._error("abort", ERR_NOT_EXIST)
        if state is State.LISTEN:
            self.listener = False
        if state in (State.SYN_RECEIVED, State.ESTABLISHED, State.FIN_WAIT_1, State.FIN_WAIT_2, State.CLOSE_WAIT):
            rule = lookup(state, Event.ABORT, State.CLOSED).rule
            self._go(State.CLOSED, Event.ABORT)
            # <SEQ=SND.NXT><CTL=RST>, formed after the queues are flushed.
            self._send_reset(rule)
        else:
            self._go(State.CLOSED, Event.ABORT)
        return self._out

    # ------------------------------------------------------------------ retransmit (user)
    def retransmit(self, now: float) -> list[Action]:
        """Send the oldest unacknowledged segment again now (the scenario's ``retransmit``).

        Not an RFC user call: it lets a learner replay what the retransmission timer would do,
        for example to send a FIN again while the peer sits in TIME-WAIT.
        """
        self._out = []
        if self.state is State.CLOSED:
            return self._error("retransmit", ERR_NOT_EXIST)
        if not self.retransmission_queue:
            return self._error("retransmit", ERR_NOTHING)
        self._resend_head(N_("user RETRANSMIT: send the oldest unacknowledged segment again (3.10.8)"))
        return self._out

    # ------------------------------------------------------------------ §3.10.8 timeouts
    def timer_expired(self, name: TimerName, now: float) -> list[Action]:
        """A timer the host was asked to set has reached its deadline."""
        self._out = []
        deadline = self.timers.get(name)
        if deadline is None or deadline > now + 1e-9:
            return self._out  # stale: cancelled or moved since the host scheduled it
        del self.timers[name]
        if not self.config.quiet:
            self._out.append(TimerChanged(name, "expire", deadline))
        if name == "2msl":
            self._go(State.CLOSED, Event.TIMEOUT_2MSL)
        elif name == "delack":
            rule = self.stack.delayed_fin_ack  # linux L5: the delayed-ACK timer fires
            self._send_ack(rule.cite if rule is not None else N_("delayed ACK"))
        elif name == "finwait2":
            rule = self.stack.orphan_fin_wait_2  # linux L10: tcp_fin_timeout
            self._go(State.CLOSED, Event.TIMEOUT_FIN_WAIT_2, rule.cite if rule is not None else None)
        elif self.retransmission_queue:
            self._retransmission_timeout(now)
        return self._out

    def _retransmission_timeout(self, now: float) -> None:
        """RETRANSMISSION TIMEOUT: resend the head, back off (RFC 6298 §5.4–5.6), or give up (§3.8.3)."""
        head = self.retransmission_queue[0]
        stack_give_up = self.stack.give_up  # linux L9: tcp_write_timeout
        if stack_give_up is not None:
            give_up = self._stack_gives_up(head, now)
            reason = stack_give_up.cite
        else:
            limit = self.config.max_retries
            if limit is not None:
                give_up = self.retries >= limit
            else:
                give_up = now - self.head_since >= (self.config.r2_syn if head.flags & SYN else self.config.r2) - 1e-9
            reason = ""
        if give_up:
            target = State.CLOSED
            if stack_give_up is not None and self.state is State.SYN_RECEIVED and self.passive:
                target = State.LISTEN  # the embryonic connection is dropped; the listener stays
            rule = lookup(self.state, Event.GIVE_UP, target).rule
            self._out.append(
                Signal(
                    GAVE_UP.format(retries=self.retries, seconds=f"{now - self.head_since:g}"),
                    f"{rule}; {reason}" if reason else rule,
                )
            )
            self._go(target, Event.GIVE_UP, reason or None)
            return
        if head.flags & SYN:
            self.syn_timed_out = True
        self.retries += 1
        head.resent = True
        rtt = self.stack.rtt  # linux L8: back off up to TCP_RTO_MAX; SYN-SENT's first timeouts are linear
        if rtt is None:
            self.rto = min(self.rto * 2, max(MAX_RTO, self.config.rto))
            rule = RTO_DOUBLED.format(rto=f"{self.rto:g}")
        elif self.state is State.SYN_SENT and self.retries <= self.stack.syn_linear_timeouts:
            linear = self.stack.give_up or rtt  # linux L9: tcp_syn_linear_timeouts
            rule = RTO_STAYS.format(rto=f"{self.rto:g}") + f"; {linear.cite}"
        else:
            self.rto = min(self.rto * 2, self.stack.rto_max)
            rule = RTO_DOUBLED_ESTIMATED.format(rto=f"{self.rto:g}") + f"; {rtt.cite}"
        self._resend_head(rule)
        self._set_timer("rto", now + self.rto, "restart")

    def _stack_gives_up(self, head: Outstanding, now: float) -> bool:
        """Linux L9 (tcp_write_timeout): whether this timeout is the last."""
        stack, state = self.stack, self.state
        if state is State.SYN_SENT:
            return self.retries >= stack.syn_retries + stack.syn_linear_timeouts
        if state is State.SYN_RECEIVED:
            return self.retries >= (stack.synack_retries if self.passive else stack.syn_retries)
        if self.retries == 0:
            return False  # retransmits_timed_out: nothing retransmitted yet
        boundary = stack.orphan_retries if self.released else stack.retries2
        return now - head.sent_at >= model_timeout(boundary, stack.rto_min, stack.rto_max) - 1e-9

    # ------------------------------------------------------------------ §3.10.7 SEGMENT ARRIVES
    def segment_arrives(self, seg: Segment, now: float) -> list[Action]:
        """SEGMENT ARRIVES, dispatched on the state as §3.10.7 is."""
        self._out = []
        state = self.state
        synfin = self.stack.drop_synfin  # freebsd F6: net.inet.tcp.drop_synfin=1
        if synfin is not None and seg.flags & (SYN | FIN) == SYN | FIN:
            self._discard(seg, N_("SYN and FIN together"), synfin.cite)
            return self._out
        if state is State.CLOSED:
            self._arrives_closed(seg)
        elif state is State.LISTEN:
            self._arrives_listen(seg, now)
        elif state is State.SYN_SENT:
            self._arrives_syn_sent(seg, now)
        else:
            self._arrives_other(seg, now)
        return self._out

    def _arrives_closed(self, seg: Segment) -> None:
        """§3.10.7.1: no TCB, so answer anything but a RST with a RST the sender will accept."""
        if seg.flags & RST:
            self._discard(seg, N_("a RST reached a closed port"), N_("3.10.7.1: RST in CLOSED is discarded"))
        elif seg.flags & ACK:
            self._reply_rst(seg.ack, Seq(0), RST, N_("3.10.7.1: segment to a CLOSED port, <SEQ=SEG.ACK><CTL=RST>"))
        else:
            rule = N_("3.10.7.1: segment to a CLOSED port, <SEQ=0><ACK=SEG.SEQ+SEG.LEN>")
            self._reply_rst(Seq(0), seg.end, RST | ACK, rule)

    def _arrives_listen(self, seg: Segment, now: float) -> None:
        """§3.10.7.2: only a SYN starts something; a RST is ignored and an ACK is reset."""
        if seg.flags & RST:  # first
            self._discard(
                seg, N_("a RST cannot concern a listening endpoint"), N_("3.10.7.2 first: RST in LISTEN is ignored")
            )
            return
        if seg.flags & ACK:  # second
            bogus = self.stack.listen_drops_syn_ack  # freebsd F13: SYN|ACK on a listen socket
            if bogus is not None and seg.flags & SYN:
                self._discard(seg, N_("a SYN,ACK cannot concern a listening socket"), bogus.cite)
                return
            self._reply_rst(seg.ack, Seq(0), RST, N_("3.10.7.2 second: ACK in LISTEN, <SEQ=SEG.ACK><CTL=RST>"))
            return
        if not seg.flags & SYN:  # fourth
            self._discard(
                seg, N_("neither SYN, ACK nor RST"), N_("3.10.7.2 fourth: other segment in LISTEN is dropped")
            )
            return
        # Third: a SYN.
        self._accept_syn(seg, now)

    def _accept_syn(self, seg: Segment, now: float, stack_rule: str | None = None, iss: Seq | None = None) -> None:
        """§3.10.7.2 third: remember the peer's ISN, choose ours, answer SYN,ACK (from LISTEN, or
        from TIME-WAIT under a stack that reopens it, whose ``stack_rule`` and ``iss`` then apply)."""
        self.irs = seg.seq
        self.rcv_nxt = sq.add(seg.seq, 1)
        host_chose = self.next_iss is not None  # an observer that saw the SYN,ACK knows better
        self._choose_iss()
        if iss is not None and not host_chose:
            self.iss = iss
        self.snd_una, self.snd_nxt = self.iss, sq.add(self.iss, 1)
        self.passive = True
        self._update_window(seg, force=True)
        self._hold_text(seg)  # "any other control or text should be queued for processing later"
        rule = lookup(self.state, Event.RCV_SYN, State.SYN_RECEIVED).rule
        self._go(State.SYN_RECEIVED, Event.RCV_SYN, stack_rule)
        self._transmit(Outstanding(self.iss, SYN, b""), now, f"{rule}; {stack_rule}" if stack_rule else rule)

    def _arrives_syn_sent(self, seg: Segment, now: float) -> None:
        """§3.10.7.3: waiting for the peer's SYN (and the ACK of ours)."""
        ack_ok = False
        if seg.flags & ACK:  # first: check the ACK bit
            if sq.le(seg.ack, self.iss) or sq.gt(seg.ack, self.snd_nxt):
                if seg.flags & RST:
                    self._discard(
                        seg, N_("RST whose ACK is not for our SYN"), N_("3.10.7.3 first: unacceptable ACK on a RST")
                    )
                else:
                    self._reply_rst(
                        seg.ack, Seq(0), RST, N_("3.10.7.3 first: ACK not for our SYN, <SEQ=SEG.ACK><CTL=RST>")
                    )
                return
            ack_ok = sq.lt(self.snd_una, seg.ack) and sq.le(seg.ack, self.snd_nxt)
        if seg.flags & RST:  # second: check the RST bit
            if ack_ok:
                # RFC 5961's exact-RCV.NXT test cannot apply here: there is no RCV.NXT before the
                # peer's SYN, so an acceptable ACK is what validates the reset.
                rule = lookup(State.SYN_SENT, Event.RCV_RST, State.CLOSED).rule
                self._out.append(Signal("error: connection reset", rule))
                self._go(State.CLOSED, Event.RCV_RST)
            else:
                self._discard(
                    seg, N_("RST without an acceptable ACK"), N_("3.10.7.3 second: RST without ACK is dropped")
                )
            return
        # Third: security/compartment is not modelled.
        if not seg.flags & SYN:  # fifth
            self._discard(seg, N_("neither SYN nor RST"), N_("3.10.7.3 fifth: segment without SYN or RST is dropped"))
            return
        # Fourth: the SYN bit.
        self.irs = seg.seq
        self.rcv_nxt = sq.add(seg.seq, 1)
        if seg.flags & ACK:
            self._acknowledge(seg.ack, now)
        if sq.gt(self.snd_una, self.iss):  # our SYN has been ACKed
            self._update_window(seg, force=True)
            rule = lookup(State.SYN_SENT, Event.RCV_SYN_ACK, State.ESTABLISHED).rule
            self._go(State.ESTABLISHED, Event.RCV_SYN_ACK)
            # Text or FIN on the SYN,ACK continues at the sixth step of §3.10.7.4, whose ACK then
            # also completes the handshake; otherwise the handshake's own ACK goes out now.
            rest = seg.with_(seq=sq.add(seg.seq, 1), flags=seg.flags & ~SYN)
            if not (rest.data or rest.flags & FIN):
                self._send_ack(rule)
            self._after_handshake(now)
            self._text_and_fin(rest, now)
        else:
            # Simultaneous open (Figure 7): answer with SYN,ACK and wait in SYN-RECEIVED.
            self._update_window(seg, force=True)
            self._hold_text(seg)
            rule = lookup(State.SYN_SENT, Event.RCV_SYN, State.SYN_RECEIVED).rule
            self._go(State.SYN_RECEIVED, Event.RCV_SYN)
            self._resend_head(rule, retransmission=False)

    def _arrives_other(self, seg: Segment, now: float) -> None:
        """§3.10.7.4, the synchronized states and SYN-RECEIVED: the RFC's ordered steps."""
        if self.state is State.TIME_WAIT and self.stack.time_wait_check is not None:
            self._time_wait_stack(seg, now)  # linux L11, freebsd F9: TIME-WAIT's own checks
            return
        original = seg
        seg_or_none = self._check_sequence(seg, now)
        if seg_or_none is None:
            return
        seg = seg_or_none
        if seg.flags & RST:
            self._check_rst(original, now)
            return
        # Third, check security: not modelled (no security/compartment in tcpsim).
        if seg.flags & SYN:
            self._check_syn(seg, now)
            return
        crossed = original.flags & SYN and self.state is State.SYN_RECEIVED
        if not self._check_ack(seg, now):
            return
        # Sixth, URG: not modelled.
        self._text_and_fin(seg, now)
        ack_crossed = self.stack.ack_crossed_syn_ack  # linux L4: the crossing SYN,ACK is a duplicate
        if crossed and ack_crossed is not None and self.state is State.ESTABLISHED:
            self._send_ack(ack_crossed.cite)

    # --- first: sequence number ------------------------------------------------------------
    def _check_sequence(self, seg: Segment, now: float) -> Segment | None:
        """First step: Table 6's acceptability test, then trim to the window. None means stop."""
        state = self.state
        if state is State.TIME_WAIT and seg.flags & FIN and not seg.flags & RST and seg.end == self.rcv_nxt:
            # §3.10.7.4 fifth and eighth for TIME-WAIT: "the only thing that can arrive in this
            # state is a retransmission of the remote FIN. Acknowledge it, and restart the 2 MSL
            # timeout." Our last ACK was lost; this is what TIME-WAIT is for.
            rule = N_("3.10.7.4 eighth: FIN in TIME-WAIT, re-ACK and restart 2MSL")
            self._send_ack(rule)
            self._restart_time_wait(now)
            return None
        if state is State.SYN_RECEIVED and self.passive and seg.flags & (SYN | ACK | RST) == SYN:
            resend = self.stack.syn_resends_syn_ack  # linux L15, freebsd F10: the SYN came again
            if resend is not None and seg.seq == self.irs:
                self._resend_syn_ack(seg, now, resend)
                return None
        if (
            state is State.SYN_RECEIVED
            and not self.passive
            and seg.flags & (SYN | ACK | RST) == SYN | ACK
            and sq.add(seg.seq, 1) == self.rcv_nxt
            and seg.ack == self.snd_nxt
        ):
            # Figure 7, line 6: in a simultaneous open the peer's SYN,ACK repeats a SYN we already
            # hold. Trim that SYN (it lies left of the window) and let its ACK complete the open.
            seg = seg.with_(seq=self.rcv_nxt, flags=seg.flags & ~SYN)
        if not self._acceptable(seg):
            after_fin = self.stack.rst_after_fin  # linux L14: tcp_reset_check
            if (
                after_fin is not None
                and seg.flags & RST
                and state in (State.CLOSE_WAIT, State.CLOSING, State.LAST_ACK)
                and seg.seq == sq.add(self.rcv_nxt, -1)
            ):
                self._reset_by_peer(after_fin.cite)
            elif seg.flags & RST:
                self._discard(
                    seg, N_("RST outside the receive window"), N_("3.10.7.4 first: unacceptable RST is dropped")
                )
            else:
                self._discard(
                    seg, N_("outside the receive window (old duplicate?)"), N_("3.10.7.4 first: not acceptable")
                )
                # A SYN gets RFC 5961 §4's challenge ACK "irrespective of the sequence number".
                rule = N_("3.10.7.4 first: unacceptable segment, send ACK")
                self._reply_ack(seg, now, rule, challenge=bool(seg.flags & SYN))
            return None
        return self._trim(seg)

    def _acceptable(self, seg: Segment) -> bool:
        """Table 6 of RFC 9293 §3.10.7.4."""
        flags, start = seg.flags, seg.seq
        length = len(seg.data) + (1 if flags & SYN else 0) + (1 if flags & FIN else 0)  # SEG.LEN
        wnd, nxt = self.rcv_wnd, self.rcv_nxt
        if self.stack.accept_to_buffer is not None and self.rcv_space > wnd:
            wnd = self.rcv_space  # freebsd F2: RCV.WND is the buffer's free space
        if length == 0:
            # in_window(SEG.SEQ, RCV.NXT, RCV.WND)
            return start == nxt if wnd == 0 else ((start - nxt) & MASK) < wnd
        if wnd == 0:
            return False
        # in_window of the first or of the last octet (SEG.SEQ + SEG.LEN - 1)
        return ((start - nxt) & MASK) < wnd or ((start + length - 1 - nxt) & MASK) < wnd

    def _trim(self, seg: Segment) -> Segment:
        """Cut off what lies outside the window, SYN and FIN included (§3.10.7.4 first)."""
        flags, start, data = seg.flags, seg.seq, seg.data
        nxt = self.rcv_nxt
        if start == nxt and not flags & SYN and len(data) <= self.rcv_wnd:
            return seg  # in order and within the window: the common case, nothing to cut
        if sq.lt(start, self.rcv_nxt) and flags & SYN:
            flags &= ~SYN
            start = sq.add(start, 1)
        if sq.lt(start, self.rcv_nxt):
            cut = sq.diff(self.rcv_nxt, start)
            data = data[cut:]
            start = self.rcv_nxt
        wnd = self.rcv_wnd
        if self.stack.accept_to_buffer is not None and self.rcv_space > wnd:
            wnd = self.rcv_space  # freebsd F2
        room = sq.diff(sq.add(self.rcv_nxt, wnd), start)
        if len(data) > room:
            data = data[: max(room, 0)]
            flags &= ~FIN  # the FIN lies beyond the window too
        if flags == seg.flags and start == seg.seq and data is seg.data:
            return seg
        return seg.with_(seq=start, flags=flags, data=data)

    # --- second: RST -----------------------------------------------------------------------
    def _check_rst(self, seg: Segment, now: float) -> None:
        """Second step, with RFC 5961 §3.2: only a RST exactly at RCV.NXT resets."""
        stack_rule = None
        if seg.seq != self.rcv_nxt:
            stack_rule = self._blind_rst_rule()
            if stack_rule is None:
                self._discard(
                    seg, N_("RST in window but not at RCV.NXT"), N_("RFC 5961 3.2: RST not exactly at RCV.NXT")
                )
                rule = N_("3.10.7.4 second (RFC 5961 3.2): RST in window, send challenge ACK")
                self._reply_ack(seg, now, rule, challenge=True)
                return
        self._reset_by_peer(stack_rule)

    def _blind_rst_rule(self) -> str | None:
        """The rule of a stack that lets a RST in the window but off RCV.NXT reset, here; or None."""
        stack = self.stack
        if self.state is State.SYN_RECEIVED and self.passive and stack.embryonic_reset is not None:
            return stack.embryonic_reset.cite  # linux L16: tcp_check_req, embryonic_reset
        if self.state is State.FIN_WAIT_2 and self.released and stack.orphan_fin_wait_2 is not None:
            return stack.orphan_fin_wait_2.cite  # linux L10: an orphan's FIN-WAIT-2 is a timewait socket
        if stack.rst_in_window is not None:
            return stack.rst_in_window.cite  # rfc793 R1, freebsd F4 (insecure_rst)
        return None

    def _reset_by_peer(self, stack_rule: str | None = None) -> None:
        """The second step's outcome for an accepted RST, by state (§3.10.7.4)."""
        state = self.state
        if state is State.SYN_RECEIVED:
            if self.passive:
                self._go(State.LISTEN, Event.RCV_RST, stack_rule)  # note 1: "the user need not be informed"
            else:
                rule = lookup(state, Event.RCV_RST, State.CLOSED).rule
                self._out.append(Signal("error: connection refused", stack_rule or rule))
                self._go(State.CLOSED, Event.RCV_RST, stack_rule)
        elif state in (State.ESTABLISHED, State.FIN_WAIT_1, State.FIN_WAIT_2, State.CLOSE_WAIT):
            rule = lookup(state, Event.RCV_RST, State.CLOSED).rule
            self._out.append(Signal("error: connection reset", stack_rule or rule))
            self._go(State.CLOSED, Event.RCV_RST, stack_rule)
        else:  # CLOSING, LAST-ACK, TIME-WAIT
            self._go(State.CLOSED, Event.RCV_RST, stack_rule)

    # --- fourth: SYN -------------------------------------------------------------------------
    def _check_syn(self, seg: Segment, now: float) -> None:
        """Fourth step: a SYN in window."""
        stack, state = self.stack, self.state
        if state is State.SYN_RECEIVED and self.passive:
            embryonic = stack.embryonic_reset  # linux L16: tcp_check_req answers it with a RST
            if embryonic is not None:
                self._reply_rst_to(seg, N_("3.10.7.4 fourth: SYN in window in SYN-RECEIVED") + f"; {embryonic.cite}")
            self._go(State.LISTEN, Event.RCV_SYN, embryonic.cite if embryonic is not None else None)
            return
        orphan = stack.orphan_fin_wait_2  # linux L10: the orphan's timewait socket answers TCP_TW_RST
        if state is State.FIN_WAIT_2 and self.released and orphan is not None:
            self._reply_rst_to(seg, N_("SYN in FIN-WAIT-2 after close()") + f"; {orphan.cite}")
            self._go(State.CLOSED, Event.RCV_SYN, orphan.cite)
            return
        in_window = stack.syn_in_window  # rfc793 R2, freebsd F5 (insecure_syn)
        if in_window is not None:
            rule = lookup(state, Event.RCV_SYN, State.CLOSED).rule
            self._out.append(Signal("error: connection reset", in_window.cite))
            self._go(State.CLOSED, Event.RCV_SYN, in_window.cite)
            self._send_reset(f"{rule}; {in_window.cite}")
            return
        # RFC 5961 §4: in a synchronized state answer any SYN with a challenge ACK and drop it.
        self._discard(
            seg, N_("SYN on a synchronized connection"), N_("3.10.7.4 fourth (RFC 5961 4): SYN is not accepted")
        )
        rule = N_("3.10.7.4 fourth (RFC 5961 4): SYN in a synchronized state, send challenge ACK")
        self._reply_ack(seg, now, rule, challenge=True)

    # --- fifth: ACK --------------------------------------------------------------------------
    def _check_ack(self, seg: Segment, now: float) -> bool:
        """Fifth step. Returns False when processing stops here."""
        if not seg.flags & ACK:
            self._discard(seg, N_("no ACK bit"), N_("3.10.7.4 fifth: segment without ACK is dropped"))
            return False
        state = self.state
        if state is State.SYN_RECEIVED:
            if sq.lt(self.snd_una, seg.ack) and sq.le(seg.ack, self.snd_nxt):
                self._update_window(seg, force=True)
                self._acknowledge(seg.ack, now)
                self._go(State.ESTABLISHED, Event.RCV_ACK_OF_SYN)
                self._after_handshake(now)
                state = State.ESTABLISHED
            else:
                rule = N_("3.10.7.4 fifth: unacceptable ACK in SYN-RECEIVED, <SEQ=SEG.ACK><CTL=RST>")
                self._reply_rst(seg.ack, Seq(0), RST, rule)
                return False
        ack = seg.ack
        if 0 < ((ack - self.snd_nxt) & MASK) < HALF:  # gt(SEG.ACK, SND.NXT)
            self._discard(seg, N_("acknowledges data never sent"), N_("3.10.7.4 fifth: SEG.ACK > SND.NXT"))
            self._reply_ack(seg, now, N_("3.10.7.4 fifth: ACK of something not yet sent, send ACK and drop"))
            return False
        if (
            0 < ((self.snd_una - max(self.max_snd_wnd, 1) - ack) & MASK) < HALF  # lt(SEG.ACK, SND.UNA - MAX.SND.WND)
            and self.stack.old_ack is None  # rfc793 R3: a duplicate, ignored (no RFC 5961 5)
        ):
            self._discard(
                seg, N_("ACK too old (RFC 5961 5)"), N_("3.10.7.4 fifth (RFC 5961 5): SEG.ACK below the window")
            )
            rule = N_("3.10.7.4 fifth (RFC 5961 5): ACK out of range, send ACK and drop")
            self._reply_ack(seg, now, rule, challenge=True)
            return False
        if 0 < ((ack - self.snd_una) & MASK) < HALF:  # lt(SND.UNA, SEG.ACK)
            self._acknowledge(ack, now)
        if ((ack - self.snd_una) & MASK) < HALF:  # le(SND.UNA, SEG.ACK)
            self._update_window(seg)
        if state is State.FIN_WAIT_1 and self.fin_acked:
            # If this very segment also carries the peer's FIN in order, the eighth step takes
            # FIN-WAIT-1 straight to TIME-WAIT (note 2); otherwise, on to FIN-WAIT-2.
            with_fin = bool(seg.flags & FIN and seg.seq == self.rcv_nxt)
            via = self.stack.fin_ack_via_fin_wait_2  # linux L1, freebsd F3: the ACK first, then the FIN
            if not with_fin or via is not None:
                self._go(State.FIN_WAIT_2, Event.RCV_ACK_OF_FIN, via.cite if with_fin and via is not None else None)
                if self.released:
                    self._start_orphan_timeout(now)
        elif state is State.CLOSING:
            # "In addition to the processing for the ESTABLISHED state": data and a FIN that the
            # window held back may go now.
            self._output(now)
            if self.fin_acked:
                self._enter_time_wait(Event.RCV_ACK_OF_FIN, now)
            return False  # "otherwise, ignore the segment"
        elif state is State.LAST_ACK:
            self._output(now)
            if self.fin_acked:
                self._go(State.CLOSED, Event.RCV_ACK_OF_FIN)
            return False  # "the only thing that can arrive in this state is an acknowledgment"
        self._output(now)
        return True

    # --- seventh and eighth: text and FIN -----------------------------------------------------
    def _text_and_fin(self, seg: Segment, now: float) -> None:
        """Seventh (text) and eighth (FIN) steps, one ACK for both (MUST-58)."""
        state = self.state
        fin = False
        must_ack = False
        if state in (State.ESTABLISHED, State.FIN_WAIT_1, State.FIN_WAIT_2):
            after_close = self.stack.data_after_close  # linux L17 (RCV_SHUTDOWN), freebsd F14 (SS_NOFDREF)
            if (
                after_close is not None
                and state is not State.ESTABLISHED
                and self.receive_shut
                and seg.data
                and sq.gt(sq.add(seg.seq, len(seg.data)), self.rcv_nxt)
            ):
                self._discard(seg, N_("new data after close(): the application reads no more"), after_close.cite)
                self._out.append(Signal("error: connection reset", after_close.cite))
                self._go(State.CLOSED, Event.RCV_DATA_AFTER_CLOSE, after_close.cite)
                rule = lookup(state, Event.RCV_DATA_AFTER_CLOSE, State.CLOSED).rule
                self._reply_rst_to(seg, f"{rule}; {after_close.cite}")
                return
            if seg.data or seg.flags & FIN:
                if seg.seq == self.rcv_nxt:
                    self._deliver(seg.data)
                    fin = bool(seg.flags & FIN)
                    must_ack = True
                elif sq.gt(seg.seq, self.rcv_nxt):
                    # SHLD-31: hold for later; MAY-13: ACK at once to show the gap.
                    self._hold_text(seg)
                    self._send_ack(N_("3.10.7.4 seventh: out-of-order segment held, ACK RCV.NXT (MAY-13)"))
                    return
            if not fin and self.held:
                fin, drained = self._drain_held()
                must_ack = must_ack or drained
        elif seg.flags & FIN and seg.seq == self.rcv_nxt:
            fin = True  # CLOSE-WAIT, CLOSING, LAST-ACK, TIME-WAIT: text is ignored, FIN is not.
        if fin:
            self._process_fin(now)
        elif must_ack:
            self._send_ack(N_("3.10.7.4 seventh: acknowledge the text"))

    def _process_fin(self, now: float) -> None:
        """Eighth step: the peer has closed its side."""
        self.rcv_nxt = sq.add(self.rcv_nxt, 1)
        state = self.state
        self._out.append(Signal("connection closing", N_("3.10.7.4 eighth: FIN received")))
        if state is State.ESTABLISHED:
            rule = lookup(state, Event.RCV_FIN, State.CLOSE_WAIT).rule
            self._go(State.CLOSE_WAIT, Event.RCV_FIN)
            delayed = self.stack.delayed_fin_ack  # linux L5: tcp_fin enters ping-pong mode
            data_received = sq.diff(self.rcv_nxt, self.irs) > 2  # more than the SYN and this FIN
            if delayed is not None and data_received and self.stack.delack > 0:
                self._set_timer("delack", now + self.stack.delack, "set", delayed.cite)
            else:
                self._send_ack(rule)
        elif state is State.FIN_WAIT_1:
            if self.fin_acked:
                self._enter_time_wait(Event.RCV_FIN_ACK_OF_FIN, now, ack=True)
            else:
                rule = lookup(state, Event.RCV_FIN, State.CLOSING).rule
                self._go(State.CLOSING, Event.RCV_FIN)
                self._send_ack(rule)
        elif state is State.FIN_WAIT_2:
            self._enter_time_wait(Event.RCV_FIN, now, ack=True)
        elif state is State.TIME_WAIT:
            self._send_ack(N_("3.10.7.4 eighth: FIN in TIME-WAIT, re-ACK and restart 2MSL"))
            self._restart_time_wait(now)
        else:  # CLOSE-WAIT, CLOSING, LAST-ACK: remain
            self._send_ack(FIN_REMAIN.format(state=state.value))

    def _enter_time_wait(self, event: str, now: float, *, ack: bool = False) -> None:
        """Start the 2·MSL wait and turn off the other timers — or, as a what-if, skip it."""
        old = self.state
        target = State.TIME_WAIT if self.config.time_wait else State.CLOSED
        rule = lookup(old, event, target).rule
        if target is State.CLOSED:
            if ack:  # the ACK goes out before the TCB (and with it RCV.NXT) is deleted
                self._send_ack(rule)
            self._go(State.CLOSED, event)
            return
        self._go(State.TIME_WAIT, event)
        if ack:
            self._send_ack(rule)
        self._cancel_timer("rto")
        if self.timers:  # a stack's own timers (a delayed ACK, FIN-WAIT-2's limit) end here too
            self._cancel_timer("delack")
            self._cancel_timer("finwait2")
        length = self.stack.time_wait_length  # linux L6: TCP_TIMEWAIT_LEN
        if length is None:
            self._set_timer("2msl", now + 2 * self.config.msl, "set")
        else:
            self._set_timer("2msl", now + self.stack.time_wait, "set", length.cite)

    def _restart_time_wait(self, now: float, rule: Rule | None = None) -> None:
        """Restart TIME-WAIT's timer: 2·MSL, or the stack's own length (Linux L6)."""
        length = self.stack.time_wait_length  # linux L6
        if length is None:
            self._set_timer("2msl", now + 2 * self.config.msl, "restart")
        else:
            cite = length.cite if rule is None else f"{rule.cite}; {length.cite}"
            self._set_timer("2msl", now + self.stack.time_wait, "restart", cite)

    def _start_orphan_timeout(self, now: float) -> None:
        """Linux L10: FIN-WAIT-2 after close() lasts tcp_fin_time (tcp_fin_timeout, at least 3.5 RTO)."""
        rule = self.stack.orphan_fin_wait_2
        if rule is not None and "finwait2" not in self.timers:
            timeout = max(self.stack.fin_timeout, 3.5 * self.rto)
            self._set_timer("finwait2", now + timeout, "set", rule.cite)

    # ------------------------------------------------------------------ receive side helpers
    def _hold_text(self, seg: Segment) -> None:
        """Keep an out-of-order (or pre-ESTABLISHED) segment's text and FIN for later."""
        start = sq.add(seg.seq, 1) if seg.flags & SYN else seg.seq
        duplicate = any(h.seq == start and len(h.data) >= len(seg.data) for h in self.held)
        if (seg.data or seg.flags & FIN) and not duplicate:
            self.held.append(_Held(start, seg.data, bool(seg.flags & FIN)))

    def _drain_held(self) -> tuple[bool, bool]:
        """Deliver held text that RCV.NXT has reached. Returns (FIN now in order, anything delivered)."""
        delivered = False
        progress = True
        while progress and self.held:
            progress = False
            for h in list(self.held):
                end = sq.add(h.seq, len(h.data))
                if sq.le(h.seq, self.rcv_nxt):
                    self.held.remove(h)
                    if sq.lt(self.rcv_nxt, end) or (h.fin and end == self.rcv_nxt):
                        self._deliver(h.data[sq.diff(self.rcv_nxt, h.seq) :])
                        delivered = True
                        if h.fin and end == self.rcv_nxt:
                            self.held.clear()
                            return True, True
                    progress = True
        return False, delivered

    def _deliver(self, data: bytes) -> None:
        if data:
            self.rcv_nxt = sq.add(self.rcv_nxt, len(data))
            self.received += data
            if not self.config.quiet:
                self._out.append(Deliver(bytes(data)))

    # ------------------------------------------------------------------ send side helpers
    def _acknowledge(self, ack: Seq, now: float) -> None:
        """SND.UNA advances: drop what is wholly acknowledged, reset the backoff (RFC 6298 5.2–5.3)."""
        self.snd_una = ack
        queue = self.retransmission_queue
        first: Outstanding | None = None
        resent = False
        while queue and ((ack - queue[0].end) & MASK) < HALF:  # le(entry end, SEG.ACK)
            done = queue.pop(0)
            if first is None:
                first = done
            resent = resent or done.resent
        if queue and 0 < ((ack - queue[0].seq) & MASK) < HALF:  # lt(start, SEG.ACK): partly acknowledged, keep the rest
            head = queue[0]
            cut = sq.diff(ack, head.seq)
            if head.flags & SYN:
                cut -= 1
            queue[0] = Outstanding(ack, head.flags & ~SYN, head.data[cut:], head.sent_at, head.resent)
        if first is not None and not resent and self.stack.rtt is not None:
            self._rtt_sample(now - first.sent_at)  # linux L8; Karn: never from a retransmitted segment
        self.rto = self.base_rto
        self.retries = 0
        self.head_since = now
        if queue:
            self._set_timer("rto", now + self.rto, "restart")
        else:
            self._cancel_timer("rto")

    def _update_window(self, seg: Segment, *, force: bool = False) -> None:
        """SND.WND from SEG.WND, unless the segment is older than the last update (WL1/WL2)."""
        wl1, start = self.snd_wl1, seg.seq
        if (
            force
            or 0 < ((start - wl1) & MASK) < HALF  # lt(SND.WL1, SEG.SEQ)
            or (wl1 == start and ((seg.ack - self.snd_wl2) & MASK) < HALF)  # le(SND.WL2, SEG.ACK)
        ):
            self.snd_wnd = seg.wnd
            self.snd_wl1 = seg.seq
            self.snd_wl2 = seg.ack
            self.max_snd_wnd = max(self.max_snd_wnd, seg.wnd)

    def _rtt_sample(self, rtt: float) -> None:
        """Linux L8 (tcp_rtt_estimator, tcp_set_rto): RFC 6298 §2.2–2.3's smoothing with its gains
        (1/8, 1/4), and RTO = SRTT + max(4·RTTVAR, RTO_MIN) bounded by RTO_MAX."""
        stack = self.stack
        if self.srtt == 0.0:
            self.srtt, self.rttvar = max(rtt, 1e-6), rtt / 2  # 0 means "no sample yet"
        else:
            self.rttvar = 0.75 * self.rttvar + 0.25 * abs(self.srtt - rtt)
            self.srtt = 0.875 * self.srtt + 0.125 * rtt
        self.base_rto = min(self.srtt + max(4 * self.rttvar, stack.rto_min), stack.rto_max)

    def _initial_rto(self) -> float:
        """The RTO before any measurement: the configured one, or the stack's (Linux L8: 1 s)."""
        return self.config.rto if self.stack.rtt is None else self.stack.rto_initial

    def _after_handshake(self, now: float) -> None:
        """Entering ESTABLISHED: what was queued in SYN-SENT/SYN-RECEIVED may go now."""
        if self.syn_timed_out and self.base_rto < 3.0 and self.stack.rtt is None:
            # RFC 6298 §5.7: after a SYN timed out, data transmission starts with an RTO of 3 s.
            self.base_rto = self.rto = 3.0
        if self.close_when_established:
            self.close_when_established = False
            self.fin_pending = True
            self._go(State.FIN_WAIT_1, Event.CLOSE)
        self._output(now)

    def _output(self, now: float) -> None:
        """Segmentize the send buffer within the peer's window, then the FIN once it is empty."""
        if not self.send_buffer and not self.fin_pending:
            return  # the common case: called after every ACK with nothing left to send
        if self.state not in (State.ESTABLISHED, State.CLOSE_WAIT, State.FIN_WAIT_1, State.CLOSING, State.LAST_ACK):
            return
        buffer = self.send_buffer
        while buffer:
            in_flight = sq.diff(self.snd_nxt, self.snd_una)
            n = min(self.config.mss, len(buffer), self.snd_wnd - in_flight)
            if n <= 0:
                break  # window closed: no zero-window probing in tcpsim
            chunk = bytes(buffer[:n])
            del buffer[:n]
            flags = PSH if not buffer else 0
            self._transmit(Outstanding(self.snd_nxt, flags, chunk), now, N_("3.10.2 SEND: segmentize and send"))
        if self.fin_pending and not buffer:
            self.fin_pending = False
            self.fin_seq = self.snd_nxt
            rule = N_("3.10.4 CLOSE: all data segmentized, send FIN")
            self._transmit(Outstanding(self.snd_nxt, FIN, b""), now, rule)

    def _transmit(self, entry: Outstanding, now: float, rule: str) -> None:
        """First transmission of a segment: queue it for retransmission and start the RTO (6298 5.1)."""
        if not self.retransmission_queue:
            self.head_since = now
        entry.sent_at = now
        self.retransmission_queue.append(entry)
        if 0 < ((entry.end - self.snd_nxt) & MASK) < HALF:  # lt(SND.NXT, entry end)
            self.snd_nxt = entry.end
        self._send_entry(entry, rule, retransmission=False)
        if "rto" not in self.timers:
            self._set_timer("rto", now + self.rto, "set")

    def _resend_head(self, rule: str, *, retransmission: bool = True) -> None:
        self._send_entry(self.retransmission_queue[0], rule, retransmission=retransmission)

    def _send_entry(self, entry: Outstanding, rule: str, *, retransmission: bool) -> None:
        # Once the peer's SYN is known every segment carries ACK=RCV.NXT; before that, none does.
        synchronized = self.state is not State.SYN_SENT
        flags = entry.flags | ACK if synchronized else entry.flags
        ack = self.rcv_nxt if synchronized else Seq(0)
        self._emit_segment(entry.seq, ack, flags, entry.data, rule, retransmission)

    def _reply_ack(self, seg: Segment, now: float, rule: str, *, challenge: bool = False) -> None:
        """An ACK in reply to a segment we could not accept, rate-limited unless it carried data
        (a data segment without SYN is not part of an ACK loop). ``challenge``: RFC 5961's."""
        if seg.data and not seg.flags & SYN:
            self._send_ack(rule, challenge=challenge)
            return
        if now - self.last_oow_ack < self.config.ack_ratelimit:
            self._discard(seg, N_("reply ACK suppressed by the rate limit"), N_("RFC 5961 7: ACK throttling"))
            return
        self.last_oow_ack = now
        self._send_ack(rule, challenge=challenge)

    def _send_ack(self, rule: str, *, challenge: bool = False) -> None:
        """<SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>"""
        repeat = self.stack.ack_repeats_fin  # freebsd F12: tcp_output sends the FIN again
        if (
            repeat is not None
            and not challenge
            and self.fin_seq is not None
            and self.state in (State.FIN_WAIT_1, State.CLOSING, State.LAST_ACK)
            and not self.fin_acked
        ):
            self._emit_segment(self.fin_seq, self.rcv_nxt, FIN | ACK, b"", f"{rule}; {repeat.cite}", True)
            return
        self._emit_segment(self.snd_nxt, self.rcv_nxt, ACK, b"", rule)

    def _reply_rst(self, seq: Seq, ack: Seq, flags: int, rule: str) -> None:
        """A RST in reply to a segment that has no connection here (§3.10.7.1–3 and the like)."""
        zero = self.stack.reply_rst_window_0  # linux L12 (tcp_v4_send_reset), freebsd F7 (tcp_respond)
        if zero is None:
            self._emit_segment(seq, ack, flags, b"", rule)
        else:
            self._emit_segment(seq, ack, flags, b"", f"{rule}; {zero.cite}", wnd=0)

    def _reply_rst_to(self, seg: Segment, rule: str) -> None:
        """§3.10.7.1's reset for ``seg``: <SEQ=SEG.ACK><CTL=RST>, or without an ACK
        <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>."""
        if seg.flags & ACK:
            self._reply_rst(seg.ack, Seq(0), RST, rule)
        else:
            self._reply_rst(Seq(0), seg.end, RST | ACK, rule)

    def _send_reset(self, rule: str) -> None:
        """The RST of a connection this endpoint drops: <SEQ=SND.NXT><CTL=RST> (§3.10.5), as this
        stack forms it (Linux L2 and FreeBSD F8 add ACK=RCV.NXT; FreeBSD F7 advertises window 0)."""
        stack = self.stack
        with_ack, zero = stack.reset_carries_ack, stack.reset_window_0
        if with_ack is None and zero is None:
            self._emit_segment(self.snd_nxt, Seq(0), RST, b"", rule)
            return
        cites = "; ".join(r.cite for r in (with_ack, zero) if r is not None)
        flags = RST | ACK if with_ack is not None else RST
        self._emit_segment(self.snd_nxt, self.rcv_nxt, flags, b"", f"{rule}; {cites}", wnd=0 if zero else None)

    def _resend_syn_ack(self, seg: Segment, now: float, rule: Rule) -> None:
        """Linux L15, FreeBSD F10: the peer's SYN came again, so our SYN,ACK was lost: resend it
        (at most one per ``ack_ratelimit``, as Linux's tcp_check_req limits it)."""
        if now - self.last_oow_ack < self.config.ack_ratelimit:
            self._discard(seg, N_("SYN,ACK resend suppressed by the rate limit"), f"{rule.cite}; RFC 5961 7")
            return
        self.last_oow_ack = now
        self._resend_head(N_("SYN again in SYN-RECEIVED: resend the SYN,ACK") + f"; {rule.cite}", retransmission=True)

    def _time_wait_stack(self, seg: Segment, now: float) -> None:
        """TIME-WAIT under a stack with its own checks (Linux L11 and L7, FreeBSD F9 and F11)."""
        stack = self.stack
        check = stack.time_wait_check
        assert check is not None
        flags, nxt = seg.flags, self.rcv_nxt
        reopen = stack.time_wait_syn
        new_syn = flags & (SYN | RST | ACK) == SYN and sq.gt(seg.seq, nxt)
        if stack.name == "freebsd":  # tcp_twcheck
            if flags & RST:
                self._discard(seg, N_("TIME-WAIT drops every RST (RFC 1337)"), check.cite)
            elif new_syn and reopen is not None:
                self._reopen(seg, now, reopen)
            elif not flags & ACK:
                self._discard(seg, N_("TIME-WAIT drops a segment without ACK"), check.cite)
            else:
                if flags & FIN and seg.end == nxt:  # the peer's FIN again: our last ACK was lost
                    self._restart_time_wait(now, check)
                if flags != ACK or seg.data or seg.seq != nxt or seg.ack != self.snd_nxt:
                    self._send_ack(check.cite)
            return
        # Linux: tcp_timewait_state_process.
        if seg.seq == nxt and (flags & RST or seg.seg_len == 0):
            if flags & RST:  # tcp_rfc1337 = 0: the RST at RCV.NXT kills TIME-WAIT
                self._go(State.CLOSED, Event.RCV_RST, check.cite)
            else:  # a bare ACK restarts the 60 s, silently
                self._restart_time_wait(now, check)
            return
        if new_syn and reopen is not None and self.listener:
            self._reopen(seg, now, reopen)
            return
        if flags & RST:
            self._discard(seg, N_("TIME-WAIT ignores a RST that is not at RCV.NXT"), check.cite)
            return
        if flags & ACK:
            self._restart_time_wait(now, check)
        self._reply_ack(seg, now, check.cite)

    def _reopen(self, seg: Segment, now: float, rule: Rule) -> None:
        """Linux L7, FreeBSD F11 (RFC 9293 §3.6.1 MAY-2): the SYN ends TIME-WAIT and starts a new
        connection, if the application still listens (without a listener FreeBSD resets)."""
        if not self.listener:
            self._reply_rst_to(seg, N_("SYN above RCV.NXT ends TIME-WAIT, and nothing listens") + f"; {rule.cite}")
            self._go(State.CLOSED, Event.RCV_SYN, rule.cite)
            return
        iss = None
        if self.stack.name == "linux":  # tcp_timewait_state_process: isn = tw_snd_nxt + 65535 + 2
            iss = sq.add(self.snd_nxt, 65537) or Seq(1)
        self._flush()
        self._accept_syn(seg, now, rule.cite, iss)

    def _emit_segment(
        self,
        seq: Seq,
        ack: Seq,
        flags: int,
        data: bytes,
        rule: str,
        retransmission: bool = False,
        wnd: int | None = None,
    ) -> None:
        config = self.config
        if not config.quiet:
            window = self.rcv_wnd if wnd is None else wnd
            segment = Segment(config.port, config.peer_port, seq, ack if flags & ACK else _ZERO, flags, window, data)
            self._out.append(Send(segment, rule, retransmission))
        if flags & ACK and self.timers and "delack" in self.timers:
            self._cancel_timer("delack")  # linux L5: the delayed ACK rides on this segment

    # ------------------------------------------------------------------ bookkeeping
    def _choose_iss(self) -> None:
        """ISS of connection k is ``isn + isn_step * k`` (mod 2^32), as the scenario format says,
        unless the host has chosen it (:attr:`next_iss`)."""
        if self.next_iss is not None:
            self.iss, self.next_iss = self.next_iss, None
        else:
            self.iss = sq.seq(self.config.isn + self.config.isn_step * self.connections)
        self.connections += 1

    def _go(self, target: State, event: str, stack_rule: str | None = None) -> None:
        """Move along a row of the transition table, and tidy up what the new state implies.

        ``stack_rule`` is a personality's rule that made this change happen (or happen this way);
        the trace shows it instead of the row's RFC rule."""
        old = self.state
        transition = lookup(old, event, target)
        self.state = target
        self._out.append(StateChanged(old, target, event, stack_rule or transition.rule))
        if target is State.CLOSED:
            self._delete_tcb()
        elif target is State.LISTEN:
            self._flush()

    def _delete_tcb(self) -> None:
        """CLOSED: forget the connection. The variables stay readable, for display only."""
        self._flush()
        self.passive = False
        self.released = self.receive_shut = False

    def _flush(self) -> None:
        for name in list(self.timers):
            self._cancel_timer(name)  # type: ignore[arg-type]
        self.send_buffer.clear()
        self.retransmission_queue.clear()
        self.held.clear()
        self.fin_pending = False
        self.fin_seq = None
        self.close_when_established = False
        self.rto = self.base_rto = self._initial_rto()
        self.syn_timed_out = False
        self.retries = 0
        self.srtt = self.rttvar = 0.0

    def _set_timer(self, name: TimerName, deadline: float, action: str, rule: str = "") -> None:
        if action == "restart" and name not in self.timers:
            action = "set"
        self.timers[name] = deadline
        if not self.config.quiet:
            self._out.append(TimerChanged(name, action, deadline, rule))  # type: ignore[arg-type]

    def _cancel_timer(self, name: TimerName) -> None:
        if self.timers.pop(name, None) is not None and not self.config.quiet:
            self._out.append(TimerChanged(name, "cancel", None))

    def _discard(self, seg: Segment, reason: str, rule: str) -> None:
        self._out.append(Discard(seg, reason, rule))

    def _error(self, call: str, message: str) -> list[Action]:
        self._out.append(UserError(call, message))
        return self._out
