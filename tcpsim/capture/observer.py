"""Infer both sides' states from a capture by running the shared core as a passive observer.

Each side of the conversation gets an :class:`~tcpsim.core.tcb.Endpoint` of its own. A segment
seen going from A to B is fed to B's ``segment_arrives``; what A itself sends is explained by the
model's own predictions (the segments A's endpoint asked to send) or, failing that, by the user
call that would make A send it: a first SYN is an active OPEN with that ISN, data is a SEND, a
FIN a CLOSE, and a RST that nothing explains an ABORT. The side that answers a SYN with a SYN,ACK
was listening: it gets a passive OPEN just before the SYN reaches it. A segment sent again with a
sequence number already seen is a retransmission, never a new call.

When a segment reaches its receiver is inferred, not known: a capture has one vantage point.
A segment arrives at its capture time, unless the receiver's next segment shows it had not
arrived yet (that segment still acknowledges less, or is one the receiver could only send
without it, like the FIN of a simultaneous close or the data sent just before a RST landed): then
it arrives just after that segment. A segment its sender sends again before the receiver has
acknowledged it is taken as lost, unless a later segment of the receiver can only be explained by
its late arrival (an old duplicate). A pure ACK after which the receiver still retransmits what it
acknowledges is taken as lost too. Bytes missing from the capture (a sequence number that jumps
ahead, or an acknowledgment of more than was seen) are sent by the model and reach the peer
unseen, so that both models can go on.

The observers' retransmission timers never fire (real time in a capture is not the model's); the
2·MSL timer does, and where it outlasts the capture its end is projected after it, with a note.
Everything the state machine cannot explain (a segment the inferred state does not allow, bytes
missing from the capture, a capture that starts mid-connection) becomes a :class:`CaptureNote`:
the observer says so rather than guessing silently.
"""

from __future__ import annotations

import copy
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from operator import attrgetter

from ..core import actions as act
from ..core import seq as sq
from ..core.segment import Flags, Segment
from ..core.seq import Seq
from ..core.states import State
from ..core.tcb import Endpoint, EndpointConfig
from ..sim.trace import (
    ArriveEvent,
    CallEvent,
    DeliverEvent,
    DiscardEvent,
    DropEvent,
    ErrorEvent,
    SendEvent,
    SignalEvent,
    StateEvent,
    TimerEvent,
    TraceEvent,
    round_time,
)
from .notes import DEFAULT_MSL, CaptureNote  # defined apart, for what needs them without the observer
from .reader import Conversation, FrameNote, TcpPacket, endpoint_text

# Plain ints: IntFlag arithmetic costs about a microsecond per operation (see tcpsim.core.segment).
SYN, FIN, RST, ACK, PSH = int(Flags.SYN), int(Flags.FIN), int(Flags.RST), int(Flags.ACK), int(Flags.PSH)
NAMES = ("client", "server")
UNLIMITED = 1 << 30
"""The window (and MSS) an observer assumes where the capture does not tell: never the limit."""
MAX_GAP = 1 << 20
"""The most octets missing from the capture at one place that the model makes up (as zeros)."""
GAP_BUDGET = 16 << 20
"""The most octets missing from the capture that the model makes up in all, whatever the file claims."""

SEND_STATES = (State.ESTABLISHED, State.CLOSE_WAIT, State.SYN_SENT, State.SYN_RECEIVED)
FIN_STATES = (State.ESTABLISHED, State.CLOSE_WAIT, State.SYN_RECEIVED)
ABORT_RST_STATES = (State.SYN_RECEIVED, State.ESTABLISHED, State.FIN_WAIT_1, State.FIN_WAIT_2, State.CLOSE_WAIT)

RULE_RETRANSMISSION = (
    "seen again in the capture: a retransmission (the sender's timer or a fast retransmit; "
    "tcpsim runs no real timers on a capture)"
)
RULE_EXTRA_ACK = (
    "an ACK the model would not send here (delayed or duplicate ACK, or window update); allowed in this state"
)
RULE_KEEPALIVE = "a keep-alive probe, SEG.SEQ = SND.NXT - 1 (RFC 9293 3.8.4; not modelled)"
RULE_UNEXPLAINED = "not explained by the state machine (see the note)"
FORCED = {
    "forget": (
        "inferred from the capture: the side no longer had the connection (see the note); an ABORT that sends nothing"
    ),
    "2msl": "inferred from the capture: TIME-WAIT ended before 2·MSL, since a new connection began (see the note)",
}


def peer_of(name: str) -> str:
    return "server" if name == "client" else "client"


@dataclass(slots=True)
class Prediction:
    """A segment an observer's endpoint asked to send, waiting to be seen in the capture."""

    segment: Segment
    rule: str
    retransmission: bool
    t: float

    @property
    def pure_ack(self) -> bool:
        seg = self.segment
        return not seg.data and not seg.flags & (SYN | FIN | RST) and bool(seg.flags & ACK)


@dataclass(slots=True)
class Flying:
    """A captured segment on its way to its receiver's observer."""

    sid: int
    segment: Segment
    """As the receiver's core sees it (the window scaled)."""


@dataclass(slots=True)
class Lost:
    """A segment taken as lost; it may still turn out to have arrived late."""

    flying: Flying
    trace_index: int
    """Where its drop goes in the trace, if it never turns up: just after it was sent."""
    reason: str


@dataclass(frozen=True, slots=True)
class Frame:
    """The observation after one packet (or timer): for stepping through an import in the UI."""

    t: float
    trace_len: int
    endpoints: dict[str, Endpoint]


@dataclass(slots=True)
class Inferred:
    """A user call inferred from the capture (or, ``user`` False, something the host did to the TCB)."""

    call: str
    data: bytes
    note: str
    actions: list[act.Action]
    user: bool = True
    predicts: bool = True
    """Whether its sends are expected in the capture (not for bytes the capture is missing)."""


@dataclass(slots=True)
class Account:
    """How a segment an endpoint sent is explained."""

    ok: bool = False
    rule: str = RULE_UNEXPLAINED
    retransmission: bool = False
    calls: list[Inferred] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)
    """(kind, text)."""
    gap: bytes = b""
    """Bytes missing from the capture before this segment, sent by the model and fed to the peer."""
    strained: bool = False
    """The explanation needs the model to have been wrong (the side had forgotten the connection):
    good enough to go on with, not to decide that a segment has not arrived yet."""


@dataclass(slots=True)
class Observation:
    """What the observers made of one conversation."""

    conversation: Conversation
    roles: dict[str, tuple[str, int]]
    trace: list[TraceEvent]
    endpoints: dict[str, Endpoint]
    end_states: dict[str, State]
    """Each side's state right after the capture's last packet (what ``ss`` would show then)."""
    end_time: float
    """The time of the last packet, in seconds since the first."""
    origin: float
    """The absolute time of the first packet."""
    msl: float
    frames: list[Frame]

    @property
    def notes(self) -> list[CaptureNote]:
        return [e for e in self.trace if isinstance(e, CaptureNote)]

    @property
    def problems(self) -> list[CaptureNote]:
        """The notes on what the state machine cannot explain (not the projection past the end)."""
        return [n for n in self.notes if n.kind != "projection"]

    def states(self, endpoint: str) -> list[tuple[str, str]]:
        """The (from, to) of every state change of one side, in order."""
        return [(e.old, e.new) for e in self.trace if isinstance(e, StateEvent) and e.endpoint == endpoint]


_FIELDS = tuple(f.name for f in fields(Endpoint))
_GET_FIELDS = attrgetter(*_FIELDS)


def clone(ep: Endpoint) -> Endpoint:
    """A copy of an endpoint for a dry run: its TCB and queues, but not the bytes it has received.

    Field by field rather than ``copy.copy``, which goes through ``__reduce_ex__`` and costs about
    eight times as much: the observer makes a few dry runs for every packet."""
    twin = object.__new__(Endpoint)
    for name, value in zip(_FIELDS, _GET_FIELDS(ep), strict=True):
        setattr(twin, name, value)
    twin.send_buffer = bytearray(ep.send_buffer)
    twin.retransmission_queue = list(ep.retransmission_queue)
    twin.held = list(ep.held)
    twin.received = bytearray()
    twin.timers = dict(ep.timers)
    return twin


def snapshot(ep: Endpoint) -> Endpoint:
    """A copy to show later: like :func:`clone`, with the last bytes received kept for display."""
    twin = clone(ep)
    twin.received = bytearray(ep.received[-256:])
    return twin


def _same(pred: Segment, seg: Segment) -> bool:
    """Whether a seen segment is the predicted one: flags (PSH aside), numbers and payload.

    A RST matches on its sequence number (and ACK field when both carry one): Linux sets ACK on
    the RST of an abort, which RFC 9293's ``<SEQ=SND.NXT><CTL=RST>`` leaves out.
    """
    if pred.flags & RST or seg.flags & RST:
        if not (pred.flags & RST and seg.flags & RST) or pred.seq != seg.seq:
            return False
        return not (pred.flags & ACK and seg.flags & ACK) or pred.ack == seg.ack
    if (pred.flags & ~PSH) != (seg.flags & ~PSH) or pred.seq != seg.seq:
        return False
    if pred.flags & ACK and pred.ack != seg.ack:
        return False
    return pred.data == seg.data


def _take_prediction(preds: list[Prediction], seg: Segment) -> Prediction | None:
    """Remove and return the prediction(s) the seen segment fulfils: one, or a run of them that
    the sender put in one segment (data and FIN together, or data the model would split)."""
    for i, p in enumerate(preds):
        if _same(p.segment, seg):
            return preds.pop(i)
    if seg.flags & RST or not seg.seg_len:
        return None
    for i, first in enumerate(preds):
        if first.segment.seq != seg.seq or first.segment.flags & RST or not first.segment.seg_len:
            continue
        run, data, control, end = [], b"", 0, first.segment.seq
        for p in preds[i:]:
            s = p.segment
            if s.seq != end or s.flags & RST or (s.flags & ACK) != (seg.flags & ACK) or s.ack != seg.ack:
                break
            run.append(p)
            data += s.data
            control |= s.flags & (SYN | FIN)
            end = s.end
            if sq.ge(end, seg.end):
                break
        if len(run) > 1 and end == seg.end and data == seg.data and control == seg.flags & (SYN | FIN):
            for p in run:
                preds.remove(p)
            return run[0]
    return None


def _covered(preds: Iterable[Prediction], seg: Segment) -> bool:
    """Whether every pure ACK among ``preds`` is covered by ``seg``'s acknowledgment."""
    return all(not p.pure_ack or (seg.flags & ACK and sq.le(p.segment.ack, seg.ack)) for p in preds)


def _predict(send: act.Send) -> Prediction:
    return Prediction(send.segment, send.rule, send.retransmission, 0.0)


def _prime_isn(ep: Endpoint, iss: int) -> None:
    """Make the endpoint's next connection choose ``iss`` (connection k uses isn + isn_step·k)."""
    ep.config = copy.copy(ep.config)  # a dry run's copy shares the config until here
    ep.config.isn = (iss - ep.config.isn_step * ep.connections) % (1 << 32)


class Observer:
    """Runs the two observers over one conversation; :meth:`run` returns the :class:`Observation`."""

    def __init__(
        self,
        conversation: Conversation,
        msl: float = DEFAULT_MSL,
        frame_notes: Iterable[FrameNote] = (),
        unnoted: int = 0,
        *,
        frames: bool = True,
    ) -> None:
        if not msl > 0:
            raise ValueError("msl must be > 0")
        self.conv = conversation
        self.frame_notes = list(frame_notes)
        self.unnoted = unnoted
        self.keep_frames = frames
        self.packets = conversation.packets
        self.msl = msl
        self.origin = self.packets[0].time
        self.origin_ns = self.packets[0].time_ns
        self.trace: list[TraceEvent] = []
        self.frames: list[Frame] = []
        self.preds: dict[str, list[Prediction]] = {n: [] for n in NAMES}
        self.inbox: dict[str, list[Flying]] = {n: [] for n in NAMES}
        self.lost: dict[str, list[Lost]] = {n: [] for n in NAMES}
        self.last_arrival: dict[str, Segment | None] = {n: None for n in NAMES}
        self.sends: dict[int, SendEvent] = {}
        self.now = 0.0
        self.gap_budget = GAP_BUDGET
        self._next_id = 1
        self.roles, self._start_note = self._roles()
        self.side = {self.roles["client"]: "client", self.roles["server"]: "server"}
        self.sender = [self.side[p.source] for p in self.packets]
        self._next_index = self._index_next()
        self.scale = self._window_scales()
        (_, cport), (_, sport) = self.roles["client"], self.roles["server"]
        self.eps = {
            "client": Endpoint(self._config(cport, sport)),
            "server": Endpoint(self._config(sport, cport)),
        }

    # ------------------------------------------------------------------ set-up
    def _config(self, port: int, peer: int) -> EndpointConfig:
        return EndpointConfig(port=port, peer_port=peer, isn=0, msl=self.msl, mss=UNLIMITED, rcv_wnd=65535)

    def _roles(self) -> tuple[dict[str, tuple[str, int]], str | None]:
        first = self.packets[0]
        flags = first.segment.flags
        if flags & SYN and not flags & ACK:
            return {"client": first.source, "server": first.destination}, None
        if flags & SYN and flags & ACK:
            return {"client": first.destination, "server": first.source}, None
        a, b = first.source, first.destination
        client, server = (a, b) if a[1] >= b[1] else (b, a)
        return {"client": client, "server": server}, (
            f"The capture starts in the middle of a connection: its first packet (frame {first.frame}) is not a "
            "SYN. Both sides are taken to be ESTABLISHED, with the sequence numbers of the first segments they "
            f"send; the client is taken to be {endpoint_text(client)}, the side with the higher (ephemeral) port, "
            "and window scaling is unknown, so windows are not checked."
        )

    def _index_next(self) -> dict[str, list[int | None]]:
        """For each side and position i, the position of that side's next packet after i."""
        nxt: dict[str, list[int | None]] = {n: [None] * len(self.packets) for n in NAMES}
        upcoming: dict[str, int | None] = {n: None for n in NAMES}
        for i in range(len(self.packets) - 1, -1, -1):
            for n in NAMES:
                nxt[n][i] = upcoming[n]
            upcoming[self.sender[i]] = i
        return nxt

    def _window_scales(self) -> dict[str, int | None]:
        """The shift of each side's windows (RFC 7323): only when both SYNs offered one; None when the
        SYNs are not in the capture (the window is then unknown, and taken as no limit)."""
        offered: dict[str, int | None] = {}
        for packet, name in zip(self.packets, self.sender, strict=True):
            if packet.segment.flags & SYN and name not in offered:
                offered[name] = packet.wscale
        if len(offered) < 2:
            return {n: None for n in NAMES}
        if offered["client"] is None or offered["server"] is None:
            return {n: 0 for n in NAMES}
        return dict(offered)

    def _view(self, index: int) -> Segment:
        """The segment at ``index`` as the core takes it: the window scaled to octets."""
        seg = self.packets[index].segment
        if seg.flags & SYN:
            return seg
        shift = self.scale[self.sender[index]]
        return seg.with_(wnd=UNLIMITED if shift is None else seg.wnd << shift)

    def _seed_mid_connection(self) -> None:
        """Both sides ESTABLISHED, numbered from the first segments each sends (or its peer acknowledges)."""
        first: dict[str, Segment] = {}
        for packet, name in zip(self.packets, self.sender, strict=True):
            first.setdefault(name, packet.segment)
        for name in NAMES:
            ep, own, other = self.eps[name], first.get(name), first.get(peer_of(name))
            snd = own.seq if own is not None else (other.ack if other is not None else Seq(0))
            rcv = other.seq if other is not None else Seq(0)
            if own is not None and own.flags & ACK:
                rcv = own.ack
            ep.state = State.ESTABLISHED
            ep.passive = name == "server"
            ep.connections = 1
            ep.iss, ep.irs = sq.add(snd, -1), sq.add(rcv, -1)
            ep.snd_una = ep.snd_nxt = snd
            ep.rcv_nxt = rcv
            ep.snd_wnd = ep.max_snd_wnd = UNLIMITED
            ep.snd_wl1, ep.snd_wl2 = rcv, snd
            ep.rcv_wnd = UNLIMITED

    def _seed_before_syn_ack(self) -> None:
        """The capture starts with the server's SYN,ACK: the client's SYN went just before it."""
        synack = self.packets[0].segment
        client, server = self.eps["client"], self.eps["server"]
        syn = Segment(synack.dport, synack.sport, sq.add(synack.ack, -1), Seq(0), SYN, 65535)
        self._note(
            f"The capture starts with the server's SYN,ACK: the client's SYN (ISN {syn.seq}, from its acknowledgment) "
            "is not in it, and is taken to have been sent, and to have reached a listening server, just before.",
            "start",
            t=0.0,
        )
        _prime_isn(client, syn.seq)
        self.trace.append(CallEvent(0.0, "client", "connect", b"", "inferred: the SYN before the capture began"))
        self._record("client", client.open_active(0.0), predict=False)
        self.trace.append(CallEvent(0.0, "server", "listen", b"", "inferred: it answered a SYN with SYN,ACK"))
        self._record("server", server.open_passive(0.0))
        _prime_isn(server, synack.seq)
        self.last_arrival["server"] = syn
        self._record("server", server.segment_arrives(syn, 0.0))

    # ------------------------------------------------------------------ recording
    def _t(self, packet: TcpPacket) -> float:
        return round_time((packet.time_ns - self.origin_ns) / 1e9)

    def _note(self, text: str, kind: str, endpoint: str | None = None, t: float | None = None) -> None:
        self.trace.append(CaptureNote(self.now if t is None else t, text, endpoint, kind))

    def _record(
        self, name: str, actions: list[act.Action], arriving: int = 0, *, predict: bool = True, rule: str = ""
    ) -> None:
        """Put what an observer did in the trace; what it asked to send becomes predictions. ``rule``
        replaces the rule of a state change the host forced (it is not the RFC's doing)."""
        now, trace = self.now, self.trace
        for a in actions:
            if isinstance(a, act.Send):
                if predict:
                    self.preds[name].append(Prediction(a.segment, a.rule, a.retransmission, now))
            elif isinstance(a, act.StateChanged):
                trace.append(StateEvent(now, name, a.old.value, a.new.value, a.event, rule or a.rule))
                if a.new is State.CLOSED:  # no TCB, nothing more to send but the RST it just asked for
                    self.preds[name] = [p for p in self.preds[name] if p.segment.flags & RST]
            elif isinstance(a, act.TimerChanged):
                if a.name == "2msl":  # the retransmission timer is the real stack's, not the model's
                    trace.append(TimerEvent(now, name, a.name, a.action, a.deadline))
            elif isinstance(a, act.Deliver):
                trace.append(DeliverEvent(now, name, a.data))
            elif isinstance(a, act.UserError):
                trace.append(ErrorEvent(now, name, a.call, a.message))
            elif isinstance(a, act.Signal):
                trace.append(SignalEvent(now, name, a.message, a.rule))
            elif isinstance(a, act.Discard):
                trace.append(DiscardEvent(now, name, arriving, a.reason, a.rule))
        self.eps[name].timers.pop("rto", None)

    def _frame(self) -> None:
        if not self.keep_frames:  # only the app steps through frames; the printed formats need none
            return
        if self.frames and self.frames[-1].trace_len == len(self.trace) and self.frames[-1].t == self.now:
            return  # nothing happened since the last one
        self.frames.append(Frame(self.now, len(self.trace), {n: snapshot(ep) for n, ep in self.eps.items()}))

    # ------------------------------------------------------------------ the run
    def run(self) -> Observation:
        if self._start_note is not None:
            self._seed_mid_connection()
            self._note(self._start_note, "start", t=0.0)
        elif self.packets[0].segment.flags & ACK:
            self._seed_before_syn_ack()
        self._frame()
        notes = iter(self.frame_notes)
        pending = next(notes, None)
        for i, packet in enumerate(self.packets):
            while pending is not None and pending.frame < packet.frame:
                self._frame_note(pending)
                pending = next(notes, None)
            t = self._t(packet)
            if i and t < self.now:
                self._backwards(i, t)
            self._advance(t)
            self._sent(i)
            self._settle(i)
            self._frame()
        end_time = self.now
        while pending is not None:
            self._frame_note(pending)
            pending = next(notes, None)
        if self.unnoted:
            self._note(
                f"{self.unnoted} more packet{'s' if self.unnoted != 1 else ''} of the file were left out or read "
                f"with an assumption, as those noted above (only the first {len(self.frame_notes)} are noted).",
                "capture",
            )
        for name in NAMES:  # nothing more is sent: whatever is still on its way arrives
            while self.inbox[name]:
                self._deliver(name, self.inbox[name].pop(0), None)
        self._finish_lost()
        self._missing_predictions()
        end_states = {n: ep.state for n, ep in self.eps.items()}
        self._project(end_time)
        self._frame()
        return Observation(
            self.conv, dict(self.roles), self.trace, self.eps, end_states, end_time, self.origin, self.msl, self.frames
        )

    def _frame_note(self, note: FrameNote) -> None:
        """A frame of the file the reader left out or read with an assumption: said where it was."""
        at = (note.time_ns - self.origin_ns) / 1e9
        self._note(
            f"packet {note.frame} (stamped {at:.6f} s): {note.text} (it may belong to this conversation or another).",
            "capture",
        )

    def _backwards(self, i: int, t: float) -> None:
        """A packet stamped earlier than the one before it: kept in the capture's order, said so."""
        packet, before = self.packets[i], self.packets[i - 1]
        earlier = self._t(before) - t
        self._note(
            f"packet {packet.frame} is stamped {t:.6f} s, {earlier:.6f} s before packet {before.frame} just "
            "before it: the capture's clock went back (a clock step, or captures merged out of order). The packets "
            f"are taken in the capture's order, this one at {self.now:.6f} s.",
            "time",
            self.sender[i],
        )

    def _advance(self, t: float) -> None:
        """Move the clock to ``t``, firing every 2·MSL timer due by then, at its deadline."""
        while True:
            due = sorted((ep.timers["2msl"], n) for n, ep in self.eps.items() if "2msl" in ep.timers)
            if not due or due[0][0] > t + 1e-9:
                break
            deadline, name = due[0]
            self.now = round_time(max(self.now, deadline))
            self._record(name, self.eps[name].timer_expired("2msl", deadline))
            self._frame()
        self.now = max(self.now, t)

    def _project(self, end_time: float) -> None:
        """TIME-WAIT that outlasts the capture: say when it would end, then end it there."""
        last = end_time
        for name, ep in self.eps.items():
            deadline = ep.timers.get("2msl")
            if deadline is None:
                continue
            last = max(last, deadline)
            self._note(
                f"The capture ends at {end_time:.6f} s with the {name} in TIME-WAIT: 2·MSL after the wait began, at "
                f"{deadline:.6f} s, it would delete the TCB (MSL = {self.msl:g} s, --msl; Linux always waits 60 s).",
                "projection",
                name,
                t=end_time,
            )
        self._advance(last)

    # ------------------------------------------------------------------ a segment seen on the wire
    def _sent(self, i: int) -> None:
        """Explain the packet at ``i`` as something its sender did, and put it on its way."""
        name = self.sender[i]
        peer = peer_of(name)
        packet = self.packets[i]
        seg = self._view(i)
        ep = self.eps[name]
        abort_ok = self._behaves_aborted(i)
        twin, preds = clone(ep), [copy.copy(p) for p in self.preds[name]]
        account = self._account(name, seg, twin, preds, abort_ok)
        if account.ok:  # the dry run explains it: it becomes the real one (the calls deliver nothing)
            twin.received = ep.received
            self.eps[name] = ep = twin
            self.preds[name] = preds
        else:
            if not self._try_late_arrival(name, seg, abort_ok):
                self._fill_from_ack(name, seg)
            account = self._account(name, seg, ep, self.preds[name], abort_ok)
        self.gap_budget -= len(account.gap)
        for inferred in account.calls:
            if inferred.user:
                self.trace.append(CallEvent(self.now, name, inferred.call, inferred.data, inferred.note))
            self._record(name, inferred.actions, predict=False, rule=FORCED.get(inferred.call, ""))
        if account.calls and not account.ok:
            account.notes.append(("unexplained", self._mismatch_text(name, seg, account)))
        sid = self._next_id
        self._next_id += 1
        for inferred in account.calls:
            if not inferred.predicts:  # bytes missing from the capture: they reach the peer unseen
                self._ghost(peer, [a.segment for a in inferred.actions if isinstance(a, act.Send)])
        event = SendEvent(self.now, name, sid, packet.segment, account.rule, account.retransmission)
        self.trace.append(event)
        self.sends[sid] = event
        flying = Flying(sid, seg)
        reason = self._lost_reason(i, seg)
        if reason is not None:
            self.lost[peer].append(Lost(flying, len(self.trace), reason))
        else:
            self.inbox[peer].append(flying)
        for kind, text in account.notes:
            self._note(f"#{sid}: {text}", kind, name)
        if packet.missing:
            self._note(
                f"#{sid}: {packet.missing} octets of its payload are beyond the capture's snap length; "
                "they are taken as zeros",
                "gap",
                name,
            )
        if seg.flags & ACK:  # the pure ACKs the model wanted are covered by any later acknowledgment
            self.preds[name] = [p for p in self.preds[name] if not (p.pure_ack and sq.le(p.segment.ack, seg.ack))]
        ep.rcv_wnd = seg.wnd  # RCV.WND is what this side advertises

    def _account(
        self,
        name: str,
        seg: Segment,
        ep: Endpoint,
        preds: list[Prediction],
        abort_ok: bool = True,
        last: Segment | None = None,
    ) -> Account:
        """Explain a segment ``ep`` sent: a prediction, a retransmission, or an inferred user call.

        Works on whatever endpoint and predictions it is given, so that a dry run on copies asks
        "would this explain it?" without changing anything. The calls' sends are added to
        ``preds`` (and the one seen taken out again).
        """
        acc = Account()
        taken = _take_prediction(preds, seg)
        if taken is not None:
            acc.ok, acc.rule, acc.retransmission = True, taken.rule, taken.retransmission
            return acc
        if self._is_retransmission(ep, seg):
            acc.ok, acc.rule, acc.retransmission = True, RULE_RETRANSMISSION, True
            return acc
        flags, state, now = seg.flags, ep.state, self.now
        if flags & SYN and flags & ACK:
            acc.notes.append(("unexplained", f"a SYN,ACK the model does not expect: the {name} is in {state}"))
            return acc
        if flags & SYN:
            if state is State.TIME_WAIT and "2msl" in ep.timers:
                acc.notes.append(
                    (
                        "time-wait",
                        f"the {name} opens a new connection on the same port pair while the model has it in "
                        f"TIME-WAIT (until {ep.timers['2msl']:.6f} s): its TIME-WAIT ended early (Linux reuses a "
                        "TIME-WAIT port pair for a new outgoing connection when timestamps make it safe, "
                        "net.ipv4.tcp_tw_reuse; or --msl is longer than the stack's).",
                    )
                )
                acc.calls.append(Inferred("2msl", b"", "", self._expire_now(ep), user=False))
                acc.strained = True
            elif state not in (State.CLOSED, State.LISTEN):
                acc.notes.append(
                    (
                        "unexplained",
                        f"the {name} sends a new SYN while the model has it in {state}: the capture misses how that "
                        "connection ended. The model forgets it (an ABORT that sends nothing).",
                    )
                )
                acc.calls.append(Inferred("forget", b"", "", self._silent_abort(ep), user=False))
                acc.strained = True
            _prime_isn(ep, seg.seq)
            acc.calls.append(
                Inferred("connect", b"", f"inferred: the {name} sent a SYN (ISN {seg.seq})", ep.open_active(now))
            )
            if seg.data:
                acc.notes.append(("unexplained", "data on a SYN (TCP Fast Open) is not modelled"))
        elif flags & RST:
            if state in ABORT_RST_STATES and seg.seq == ep.snd_nxt and abort_ok:
                acc.calls.append(Inferred("abort", b"", f"inferred: the {name} sent a RST", ep.abort(now)))
            elif abort_ok and self._closed_reply(ep, seg, self.last_arrival[name] if last is None else last):
                acc.ok, acc.strained, acc.rule = (
                    True,
                    True,
                    "3.10.7.1: the RST a CLOSED endpoint sends (it had no connection any more)",
                )
                acc.notes.append(
                    (
                        "unexplained",
                        f"the {name} answers with the RST a CLOSED endpoint sends (3.10.7.1) while the model has it in "
                        f"{state}: it no longer had the connection (it left that state early, or never entered it).",
                    )
                )
                acc.calls.append(Inferred("forget", b"", "", self._silent_abort(ep), user=False))
                preds[:] = [p for p in preds if p.segment.flags & RST]
                return acc
            else:
                acc.notes.append(("unexplained", self._rst_text(name, seg, ep)))
                return acc
        elif seg.data or flags & FIN:
            if sq.gt(seg.seq, ep.snd_nxt) and state in (State.ESTABLISHED, State.CLOSE_WAIT):
                missing = sq.diff(seg.seq, ep.snd_nxt)
                refused = self._unfillable(ep, missing)
                gap = f"{missing} octets the {name} sent before this ({ep.snd_nxt} to {seg.seq}) are not in the capture"
                if refused is None:
                    acc.gap = bytes(missing)
                    acc.notes.append(
                        (
                            "gap",
                            f"{gap}: packets the capture missed, or lost before it. The model lets them arrive (as "
                            "zeros) so that it can go on.",
                        )
                    )
                    acc.calls.append(Inferred("send", acc.gap, "", ep.send(acc.gap, now), user=False, predicts=False))
                else:
                    acc.notes.append(("gap", f"{gap}, and the model does not make them up: {refused}."))
            if seg.seq != ep.snd_nxt:
                if sq.lt(seg.seq, ep.snd_nxt) and sq.lt(ep.snd_nxt, seg.end) and state in SEND_STATES:
                    fresh = seg.data[sq.diff(ep.snd_nxt, seg.seq) :]
                    acc.calls.append(
                        Inferred("send", fresh, f"inferred: new data from the {name}", ep.send(fresh, now))
                    )
                    acc.ok, acc.rule, acc.retransmission = True, RULE_RETRANSMISSION, True
                    return acc
                acc.notes.append(("unexplained", self._seq_text(name, seg, ep)))
                return acc
            if seg.data:
                if state not in SEND_STATES:
                    acc.notes.append(("unexplained", f"the {name} sends data in {state}, where SEND is refused"))
                    return acc
                acc.calls.append(Inferred("send", seg.data, f"inferred: the {name} sent data", ep.send(seg.data, now)))
            if flags & FIN:
                if ep.state not in FIN_STATES:
                    acc.notes.append(("unexplained", f"the {name} sends a FIN in {ep.state}, where CLOSE sends none"))
                    return acc
                acc.calls.append(Inferred("close", b"", f"inferred: the {name} sent a FIN", ep.close(now)))
        else:  # no SYN, FIN, RST or data: an ACK
            if not (state.synchronized or state is State.SYN_RECEIVED):
                acc.notes.append(("unexplained", f"the {name} sends an ACK in {state}, where it has no connection"))
                return acc
            ack_ok = bool(flags & ACK) and seg.ack == ep.rcv_nxt
            if ack_ok and seg.seq == ep.snd_nxt:
                acc.ok, acc.rule = True, RULE_EXTRA_ACK
            elif ack_ok and seg.seq == sq.add(ep.snd_nxt, -1):
                acc.ok, acc.rule = True, RULE_KEEPALIVE
            else:
                acc.notes.append(("unexplained", self._ack_text(name, seg, ep)))
            return acc
        new = [
            Prediction(a.segment, a.rule, a.retransmission, now)
            for inferred in acc.calls
            if inferred.predicts
            for a in inferred.actions
            if isinstance(a, act.Send)
        ]
        preds.extend(new)
        taken = _take_prediction(preds, seg)
        if taken is not None:
            acc.ok, acc.rule, acc.retransmission = True, taken.rule, taken.retransmission
        else:  # the model's own version of this very segment differs: it was seen, not to wait for
            mine = {
                id(p)
                for p in new
                if p.segment.seg_len and sq.le(seg.seq, p.segment.seq) and sq.lt(p.segment.seq, seg.end)
            }
            preds[:] = [p for p in preds if id(p) not in mine]
        return acc

    # --- helpers of the explanation -------------------------------------------------------------
    def _is_retransmission(self, ep: Endpoint, seg: Segment) -> bool:
        """A segment whose sequence space this side has already sent, carrying its current ACK."""
        if ep.state is State.CLOSED or not seg.seg_len or seg.flags & RST:
            return False
        if seg.flags & ACK and seg.ack != ep.rcv_nxt:
            return False
        if seg.flags & SYN:
            return seg.seq == ep.iss and ep.state in (State.SYN_SENT, State.SYN_RECEIVED)
        return sq.le(sq.add(ep.iss, 1), seg.seq) and sq.le(seg.end, ep.snd_nxt)

    def _expire_now(self, ep: Endpoint) -> list[act.Action]:
        return ep.timer_expired("2msl", ep.timers["2msl"])

    def _silent_abort(self, ep: Endpoint) -> list[act.Action]:
        """ABORT without the RST it may send: for a connection the capture shows is gone."""
        return [a for a in ep.abort(self.now) if not isinstance(a, act.Send)]

    def _closed_reply(self, ep: Endpoint, seg: Segment, last: Segment | None) -> bool:
        """Whether ``seg`` is the RST a CLOSED endpoint would send to the last segment that reached it."""
        if last is None or last.flags & RST or ep.state is State.CLOSED:
            return False
        closed = Endpoint(copy.copy(ep.config))
        return any(_same(a.segment, seg) for a in closed.segment_arrives(last, self.now) if isinstance(a, act.Send))

    def _behaves_aborted(self, i: int) -> bool:
        """An ABORT explains a RST only if its sender then behaves as aborted: its next segment, if
        any, is another RST or a new SYN, not data or an ACK of the old connection."""
        k = self._next_index[self.sender[i]][i]
        if k is None:
            return True
        flags = self.packets[k].segment.flags
        return bool(flags & RST or (flags & SYN and not flags & ACK))

    def _rst_text(self, name: str, seg: Segment, ep: Endpoint) -> str:
        return (
            f"the {name} sends a RST (seq {seg.seq}) that the state machine does not explain: in {ep.state} with "
            f"SND.NXT = {ep.snd_nxt} nothing it received calls for one, and it goes on as if it had not aborted. "
            f"A forged or injected RST? The model leaves the {name} as it is."
        )

    def _seq_text(self, name: str, seg: Segment, ep: Endpoint) -> str:
        return (
            f"the {name} sends seq {seg.seq} (length {seg.seg_len}) in {ep.state} while the model has SND.NXT = "
            f"{ep.snd_nxt}: neither a retransmission of what it sent nor its next data."
        )

    def _ack_text(self, name: str, seg: Segment, ep: Endpoint) -> str:
        if seg.flags & ACK and sq.gt(seg.ack, ep.rcv_nxt):
            return (
                f"the {name} acknowledges {seg.ack}, beyond the {ep.rcv_nxt} the model has received: segments "
                "from its peer are missing from the capture."
            )
        return (
            f"an ACK (seq {seg.seq}, ack {seg.ack}) that does not fit the model of the {name} "
            f"(SND.NXT = {ep.snd_nxt}, RCV.NXT = {ep.rcv_nxt})."
        )

    def _mismatch_text(self, name: str, seg: Segment, account: Account) -> str:
        calls = ", ".join(c.call.upper() for c in account.calls if c.user)
        wanted = [p.segment.describe() for p in self.preds[name][-3:]]
        return (
            f"after {calls or 'that'}, the model would have the {name} send {' / '.join(wanted) or 'nothing'}; "
            f"the capture shows {seg.describe()}."
        )

    def _lost_reason(self, i: int, seg: Segment, horizon: int = 5000) -> str | None:
        """Why the segment at ``i`` is taken as lost, if it is: its sender sends it again before the
        receiver acknowledges it."""
        if not seg.seg_len or seg.flags & RST:
            return None
        name = self.sender[i]
        first_reply = True
        for k in range(i + 1, min(len(self.packets), i + 1 + horizon)):
            other = self.packets[k].segment
            if self.sender[k] != name and other.flags & ACK and sq.ge(other.ack, seg.end):
                return None  # acknowledged (checked first: cheaper than the dry run below)
            if self.sender[k] != name and first_reply:
                first_reply = False
                if self._reacts(peer_of(name), seg, k):
                    return None
            if self.sender[k] == name:
                if (other.flags & ~PSH) == (seg.flags & ~PSH) and other.seq == seg.seq and sq.ge(other.end, seg.end):
                    when = self._t(self.packets[k])
                    return f"the {name} sent it again at {when:.6f} s, before it was acknowledged"
                if other.flags & SYN and not other.flags & ACK and other.seq != seg.seq:
                    return None  # a new connection
            elif other.flags & ACK and sq.ge(other.ack, seg.end):
                return None
        return None

    def _reacts(self, name: str, seg: Segment, k: int) -> bool:
        """Whether the packet at ``k`` is exactly what ``name`` would send on receiving ``seg`` now."""
        upcoming = self._view(k)
        for variant in self._variants(name, seg, k):
            ep = clone(self.eps[name])
            sends = [
                a.segment
                for inferred in self._prepare(ep, variant, k)
                for a in inferred.actions
                if isinstance(a, act.Send)
            ]
            sends += [a.segment for a in ep.segment_arrives(seg, self.now) if isinstance(a, act.Send)]
            if any(_same(s, upcoming) for s in sends):
                return True
        return False

    # ------------------------------------------------------------------ arrivals
    def _settle(self, i: int) -> None:
        """Deliver what is on its way to each side now, unless that side's next segment shows it has
        not arrived yet."""
        for name in NAMES:
            k = self._next_index[name][i]
            for flying in list(self.inbox[name]):
                rest = self.inbox[name][self.inbox[name].index(flying) + 1 :]
                variant = self._arrival(name, flying, k, rest)
                if variant is None:
                    if self._made_redundant(name, flying, k):
                        self.inbox[name].remove(flying)
                        self.lost[name].append(
                            Lost(
                                flying,
                                self._trace_index_of(flying.sid),
                                f"the {name} still retransmitted at {self._t(self.packets[k]):.6f} s "  # type: ignore[index]
                                "what it acknowledges",
                            )
                        )
                    continue
                self.inbox[name].remove(flying)
                self._deliver(name, flying, k, variant)

    def _trace_index_of(self, sid: int) -> int:
        event = self.sends[sid]
        for index in range(len(self.trace) - 1, -1, -1):
            if self.trace[index] is event:
                return index + 1
        return len(self.trace)

    def _made_redundant(self, name: str, flying: Flying, k: int | None) -> bool:
        """A pure ACK deferred past a retransmission it would have made unnecessary: lost."""
        seg = flying.segment
        if k is None or seg.seg_len or seg.flags & RST or not seg.flags & ACK:
            return False
        upcoming = self._view(k)
        return (
            bool(upcoming.seg_len)
            and sq.le(upcoming.end, seg.ack)
            and self._is_retransmission(self.eps[name], upcoming)
        )

    def _variants(self, name: str, seg: Segment, k: int | None) -> list[str]:
        """How a segment might reach ``name``: plainly, or (a SYN answered by a SYN,ACK) at a listener."""
        ep = self.eps[name]
        if not (seg.flags & SYN and not seg.flags & ACK) or k is None or ep.state is State.SYN_SENT:
            return ["plain"]
        upcoming = self._view(k)
        if upcoming.flags & (SYN | ACK | RST) != SYN | ACK or upcoming.ack != seg.end:
            return ["plain"]
        if ep.state is State.LISTEN:
            return ["isn"]
        if ep.state is State.CLOSED:
            return ["listen"]
        return ["plain", "listen"]

    def _prepare(self, ep: Endpoint, variant: str, k: int | None) -> list[Inferred]:
        """Make ``ep`` ready for a SYN: end what it holds, listen, take its ISN from its SYN,ACK."""
        calls: list[Inferred] = []
        if variant == "listen":
            if ep.state is State.TIME_WAIT and "2msl" in ep.timers:
                calls.append(Inferred("2msl", b"", "", self._expire_now(ep), user=False))
            elif ep.state is not State.CLOSED:
                calls.append(Inferred("forget", b"", "", self._silent_abort(ep), user=False))
            calls.append(Inferred("listen", b"", "", ep.open_passive(self.now)))
        if variant in ("listen", "isn") and k is not None:
            _prime_isn(ep, self.packets[k].segment.seq)
        return calls

    def _arrival(self, name: str, flying: Flying, k: int | None, rest: list[Flying]) -> str | None:
        """How ``flying`` reaches ``name`` now, or None if it must wait until after the packet at ``k``.

        It waits when that packet, the receiver's next, fits the model without it but not with it
        (followed by ``rest``, the segments still on their way behind it): it acknowledges less,
        or is not the reply the arrival would call for.
        """
        variants = self._variants(name, flying.segment, k)
        if k is None:
            return variants[0]
        upcoming = self._view(k)
        abort_ok = self._behaves_aborted(k)
        for variant in variants:
            ep, preds = clone(self.eps[name]), [copy.copy(p) for p in self.preds[name]]
            new: list[Prediction] = []
            for inferred in self._prepare(ep, variant, k):
                new += [_predict(a) for a in inferred.actions if isinstance(a, act.Send)]
            for seg in [flying.segment, *(f.segment for f in rest)]:
                for a in ep.segment_arrives(seg, self.now):
                    if isinstance(a, act.Send):
                        new.append(_predict(a))
                    elif isinstance(a, act.StateChanged) and a.new is State.CLOSED:
                        preds = [p for p in preds if p.segment.flags & RST]
                        new = [p for p in new if p.segment.flags & RST]
            preds.extend(new)
            last = rest[-1].segment if rest else flying.segment
            if not self._account(name, upcoming, ep, preds, abort_ok, last).ok:
                continue
            left = {id(p) for p in preds}
            reaction = [p for p in new if not p.pure_ack]
            if reaction and all(id(p) in left for p in reaction):
                continue  # the arrival calls for a reply, and the next segment is not it
            if all(id(p) not in left or _covered([p], upcoming) for p in new if p.pure_ack):
                return variant
        without = self._account(
            name, upcoming, clone(self.eps[name]), [copy.copy(p) for p in self.preds[name]], abort_ok
        )
        return None if without.ok and not without.strained else variants[0]

    def _deliver(self, name: str, flying: Flying, k: int | None, variant: str | None = None) -> None:
        ep = self.eps[name]
        variant = variant or self._variants(name, flying.segment, k)[0]
        if variant == "listen" and ep.state is not State.CLOSED:
            self._note(
                f"a new SYN (#{flying.sid}) reaches the {name} in {ep.state} and it answers SYN,ACK: it accepted a new "
                "connection on the same port pair (Linux does in TIME-WAIT when the SYN's sequence number is above "
                "the old connection's), where RFC 9293 would send a challenge ACK.",
                "time-wait",
                name,
            )
        for inferred in self._prepare(ep, variant, k):
            if inferred.user:
                note = f"inferred: the {name} answered a SYN with SYN,ACK, so it was listening"
                self.trace.append(CallEvent(self.now, name, inferred.call, b"", note))
            self._record(name, inferred.actions, rule=FORCED.get(inferred.call, ""))
        self.trace.append(ArriveEvent(self.now, name, flying.sid))
        self.last_arrival[name] = flying.segment
        self._record(name, ep.segment_arrives(flying.segment, self.now), flying.sid)

    def _ghost(self, name: str, segments: list[Segment]) -> None:
        """Segments missing from the capture reach ``name`` unseen, so that its model can go on."""
        for ghost in segments:
            self.last_arrival[name] = ghost
            self._record(name, self.eps[name].segment_arrives(ghost, self.now))

    def _fill_from_ack(self, name: str, seg: Segment) -> None:
        """``name`` acknowledges bytes its peer's model never sent: they are missing from the capture.
        The peer sends them (as zeros) and they arrive, unseen, before this segment."""
        peer = peer_of(name)
        ep, other = self.eps[name], self.eps[peer]
        if not seg.flags & ACK or seg.flags & SYN or not ep.state.synchronized:
            return
        if other.state not in (State.ESTABLISHED, State.CLOSE_WAIT) or ep.rcv_nxt != other.snd_nxt:
            return
        missing = sq.diff(seg.ack, other.snd_nxt)
        if missing <= 0 or self._unfillable(other, missing) is not None:
            return
        self.gap_budget -= missing
        self._note(
            f"{missing} octets the {peer} sent ({other.snd_nxt} to {seg.ack}) are not in the capture, but the "
            f"{name} acknowledges them: packets the capture missed. The model lets them arrive (as zeros).",
            "gap",
            peer,
        )
        actions = other.send(bytes(missing), self.now)
        self._record(peer, actions, predict=False)
        self._ghost(name, [a.segment for a in actions if isinstance(a, act.Send)])

    def _unfillable(self, ep: Endpoint, missing: int) -> str | None:
        """Why the model cannot let ``missing`` octets the capture lacks go from ``ep`` to its peer
        as zeros (None: it can). A capture's sequence numbers can claim any gap: the zeros are made
        only for what one window could have carried, and for at most :data:`GAP_BUDGET` in all."""
        room = ep.snd_wnd - sq.diff(ep.snd_nxt, ep.snd_una)
        if missing > MAX_GAP:
            return f"more than the {MAX_GAP} octets a gap may have"
        if missing > room:
            return f"more than the {max(room, 0)} octets its peer's window leaves room for"
        if missing > self.gap_budget:
            return f"the model has already made up {GAP_BUDGET - self.gap_budget} octets for this capture, its limit"
        return None

    def _try_late_arrival(self, name: str, seg: Segment, abort_ok: bool) -> bool:
        """What ``name`` sends, unexplained, may be explained by a segment taken as lost arriving
        now, late: an old duplicate delayed in the network."""
        for lost in reversed(self.lost[name]):
            ep, preds = clone(self.eps[name]), [copy.copy(p) for p in self.preds[name]]
            for a in ep.segment_arrives(lost.flying.segment, self.now):
                if isinstance(a, act.Send):
                    preds.append(Prediction(a.segment, a.rule, a.retransmission, 0.0))
            if self._account(name, seg, ep, preds, abort_ok, lost.flying.segment).ok:
                self.lost[name].remove(lost)
                sent = self.sends[lost.flying.sid]
                self._note(
                    f"#{lost.flying.sid}, sent at {sent.t:.6f} s and taken as lost, arrives only now: what the {name} "
                    "sends next makes sense only after it (an old duplicate, delayed in the network).",
                    "late",
                    name,
                )
                self._deliver(name, lost.flying, None, "plain")
                return True
        return False

    def _finish_lost(self) -> None:
        """Segments taken as lost that never turned up: a drop, just after they were sent."""
        inserts: list[tuple[int, TraceEvent]] = []
        for name in NAMES:
            for lost in self.lost[name]:
                sender = peer_of(name)
                send = self.sends[lost.flying.sid]
                inserts.append((lost.trace_index, DropEvent(send.t, lost.flying.sid, sender)))
                text = (
                    f"#{lost.flying.sid} ({send.segment.describe()}) is taken as lost on its way to the {name}: "
                    f"{lost.reason}."
                )
                inserts.append((lost.trace_index, CaptureNote(send.t, text, sender, "lost")))
        order = sorted(range(len(inserts)), key=lambda j: (inserts[j][0], j), reverse=True)
        for j in order:
            index, event = inserts[j]
            self.trace.insert(index, event)
        positions = sorted(index for index, _ in inserts)
        self.frames = [Frame(f.t, f.trace_len + bisect_right(positions, f.trace_len), f.endpoints) for f in self.frames]

    def _missing_predictions(self) -> None:
        for name in NAMES:
            for p in self.preds[name]:
                self._note(
                    f"the model would have the {name} send {p.segment.describe()} at {p.t:.6f} s ({p.rule}); the "
                    "capture has no such segment.",
                    "missing",
                    name,
                )
            self.preds[name].clear()


def observe(
    conversation: Conversation,
    msl: float = DEFAULT_MSL,
    frame_notes: Iterable[FrameNote] = (),
    unnoted: int = 0,
    *,
    frames: bool = True,
) -> Observation:
    """Run the two observers over a conversation (``frame_notes``: the reader's notes on the file's
    frames, which go into the trace among the packets, in file order; ``unnoted``: how many more
    there were; ``frames``: keep a snapshot of both sides after every packet, for the app)."""
    return Observer(conversation, msl, frame_notes, unnoted, frames=frames).run()
