"""Infer both sides' states from a capture by running the shared core as a passive observer.

Each side of the conversation gets an :class:`~tcpsim.core.tcb.Endpoint` of its own. A segment
seen going from A to B is fed to B's ``segment_arrives``; what A itself sends is explained by the
model's own predictions (the segments A's endpoint asked to send) or, failing that, by the user
call that would make A send it (:mod:`.explain`). The side that answers a SYN with a SYN,ACK was
listening: it gets a passive OPEN just before the SYN reaches it. A segment sent again with a
sequence number already seen is a retransmission, never a new call. When each segment reaches its
receiver is inferred (:mod:`.arrival`): a capture has one vantage point.

The observers' retransmission timers never fire (real time in a capture is not the model's); the
2·MSL timer does, and where it outlasts the capture its end is projected after it, with a note. A
stack personality's own timers fire too (Linux's delayed ACK of a FIN, its FIN-WAIT-2 limit): with
``--stack linux`` the observers are Linux's TCP, whose TIME-WAIT lasts 60 s whatever ``--msl``, whose
abort RSTs carry an ACK, and whose ACK of a FIN may ride on the FIN,ACK that follows it.
Everything the state machine cannot explain (a segment the inferred state does not allow, bytes
missing from the capture, a capture that starts mid-connection) becomes a :class:`CaptureNote`:
the observer says so rather than guessing silently.

One pass, in bounded memory: the packets come from an iterator, read at most
:data:`~.window.HORIZON` ahead (:mod:`.window`), and :meth:`Observer.records` hands out each trace
record as soon as nothing can change it any more (a segment taken as lost keeps the records after
its send open, for a drop to go in, until it turns up or falls behind the horizon). :meth:`run`
keeps them all instead, with a snapshot of both sides after every packet for the app.

The observer is one class in layers, each in its own module: :mod:`.arrival` decides when each
segment reaches its receiver, :mod:`.observer_trace` keeps the trace and hands it out,
:mod:`.observer_start` sets both sides up before the first packet, and this module runs the
packets through them and explains what each side sent.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator

from ..core import actions as act
from ..core import seq as sq
from ..core.names import EndpointName, peer_of
from ..core.personality import personality
from ..core.states import State
from ..core.tcb import Endpoint
from ..i18n import _, ngettext
from ..sim.trace import CallEvent, SendEvent, TraceEvent, round_time
from .arrival import FORCED, NAMES, SCAN_PER_PACKET, SCAN_START, Flying, Lost
from .clone import clone, snapshot
from .explain import ACK, GAP_BUDGET, RST, SYN, mismatch_text
from .notes import DEFAULT_MSL, CaptureNote
from .observation import Frame, Observation, merged
from .observer_start import Starting
from .reader import Conversation, FrameNote, TcpPacket
from .window import PacketWindow

__all__ = ["DEFAULT_MSL", "CaptureNote", "Frame", "Observation", "Observer", "clone", "merged", "observe", "snapshot"]


class Observer(Starting):
    """Runs the two observers over one conversation: :meth:`run` returns the :class:`Observation`
    with its whole trace; :meth:`records` hands the trace out as it becomes final, then
    :attr:`observation` holds the rest."""

    def __init__(
        self,
        conversation: Conversation,
        msl: float = DEFAULT_MSL,
        items: Iterable[TcpPacket | FrameNote] | None = None,
        unnoted: int = 0,
        *,
        frames: bool = True,
        stack: str = "rfc9293",
    ) -> None:
        """``items``: the conversation's packets and the reader's notes, in file order (default:
        the conversation's packets); ``unnoted``: how many notes the reader counted beyond those;
        ``stack``: the personality both observers behave as (ValueError for an unknown one)."""
        if not msl > 0:
            raise ValueError("msl must be > 0")
        self.personality = personality(stack)
        first, _, stream = PacketWindow.peek(conversation.packets if items is None else items)
        if first is None:
            raise ValueError("a conversation without packets")
        self.conv = conversation
        self.msl = msl
        self.unnoted = unnoted
        self.keep_frames = frames
        self.first = first
        self.origin_ns = first.time_ns
        self.trace = []
        self.flushed = 0
        """Records handed out already (and no longer in :attr:`trace`)."""
        self.frames: list[Frame] = []
        self.preds = {n: [] for n in NAMES}
        self.inbox = {n: [] for n in NAMES}
        self.lost = {n: [] for n in NAMES}
        self.last_arrival = {n: None for n in NAMES}
        self.now = 0.0
        self.gap_budget = GAP_BUDGET
        self.scan_budget, self.scan_spent = SCAN_START, False
        self.observation: Observation | None = None
        self._next_id = 1
        self._streaming = False
        self._notes = self._problems = 0
        self.roles, self._start_note = self._roles(first)
        self.side: dict[tuple[str, int], EndpointName] = {
            self.roles["client"]: "client",
            self.roles["server"]: "server",
        }
        self.window = PacketWindow(stream, self.side)
        self.scale = self._window_scales()
        (_, cport), (_, sport) = self.roles["client"], self.roles["server"]
        self.eps = {"client": Endpoint(self._config(cport, sport)), "server": Endpoint(self._config(sport, cport))}

    # ------------------------------------------------------------------ the run
    def run(self) -> Observation:
        """Observe the whole conversation, keeping every record (and a frame after every packet)."""
        for _step in self._steps():
            pass
        assert self.observation is not None
        return self.observation

    def records(self) -> Iterator[TraceEvent]:
        """Observe the conversation, handing out each record once it is final (for a long capture:
        memory then follows the look ahead, not the capture); :attr:`observation` after the last."""
        self._streaming = True
        self.keep_frames = False
        for _step in self._steps():
            yield from self._final()
        yield from self._final()

    def _steps(self) -> Iterator[None]:
        if self._start_note is not None:
            self._seed_mid_connection()
            self._note(self._start_note, "start", t=0.0)
        elif self.first.segment.flags & ACK:
            self._seed_before_syn_ack()
        self._frame()
        i = 0
        previous: TcpPacket | None = None
        while (packet := self.window.get(i)) is not None:
            for note in self.window.take_notes(packet.frame):
                self._frame_note(note)
            t = self._t(packet)
            if previous is not None and t < self.now:
                self._backwards(packet, previous, t, self.window.sender(i))
            self._advance(t)
            self._sent(i)
            self._settle(i)
            self._settle_lost(i)
            self.scan_budget = min(self.scan_budget + SCAN_PER_PACKET, SCAN_START)
            self._frame()
            previous = packet
            i += 1
            self.window.release(i)
            yield
        end_time = self.now
        for note in self.window.take_notes(None):
            self._frame_note(note)
        if self.unnoted:
            self._note(
                ngettext(
                    "{n} more packet of the file was left out or read with an assumption, as those noted above "
                    "(only the first are noted one by one).",
                    "{n} more packets of the file were left out or read with an assumption, as those noted above "
                    "(only the first are noted one by one).",
                    self.unnoted,
                ).format(n=self.unnoted),
                "capture",
            )
        for name in NAMES:  # nothing more is sent: whatever is still on its way arrives
            while self.inbox[name]:
                self._deliver(name, self.inbox[name].pop(0), None)
        self._settle_lost(None)
        self._missing_predictions()
        end_states: dict[str, State] = {n: ep.state for n, ep in self.eps.items()}
        self._project(end_time)
        self._frame()
        kept = self.trace if not self._streaming else []
        notes = [e for e in self.trace if isinstance(e, CaptureNote)]  # those not handed out yet
        endpoints: dict[str, Endpoint] = {n: ep for n, ep in self.eps.items()}
        self.observation = Observation(
            self.conv,
            dict(self.roles),
            kept,
            endpoints,
            end_states,
            end_time,
            self.origin_ns / 1e9,
            self.msl,
            self.frames,
            i,
            self._notes + len(notes),
            self._problems + sum(n.kind != "projection" for n in notes),
        )

    def _frame_note(self, note: FrameNote) -> None:
        """A frame of the file the reader left out or read with an assumption: said where it was."""
        at = (note.time_ns - self.origin_ns) / 1e9
        self._note(
            _("packet {frame} (stamped {at} s): {text} (it may belong to this conversation or another).").format(
                frame=note.frame, at=f"{at:.6f}", text=note.text
            ),
            "capture",
        )

    def _backwards(self, packet: TcpPacket, before: TcpPacket, t: float, sender: str) -> None:
        """A packet stamped earlier than the one before it: kept in the capture's order, said so."""
        earlier = self._t(before) - t
        self._note(
            _(
                "packet {frame} is stamped {t} s, {earlier} s before packet {frame2} just before it: the "
                "capture's clock went back (a clock step, or captures merged out of order). The packets are taken "
                "in the capture's order, this one at {now} s."
            ).format(
                frame=packet.frame, t=f"{t:.6f}", earlier=f"{earlier:.6f}", frame2=before.frame, now=f"{self.now:.6f}"
            ),
            "time",
            sender,
        )

    def _advance(self, t: float) -> None:
        """Move the clock to ``t``, firing every timer due by then (2·MSL, and a stack's own delayed
        ACK and FIN-WAIT-2 limit), at its deadline; never the retransmission timer."""
        while True:
            due = sorted(
                (deadline, n, timer)
                for n, ep in self.eps.items()
                for timer, deadline in ep.timers.items()
                if timer != "rto"
            )
            if not due or due[0][0] > t + 1e-9:
                break
            deadline, name, timer = due[0]
            self.now = round_time(max(self.now, deadline))
            self._record(name, self.eps[name].timer_expired(timer, deadline))  # type: ignore[arg-type]
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
            if ep.stack.time_wait_length is not None:  # linux L6: 60 s, whatever --msl
                text = _(
                    "The capture ends at {end_time} s with the {name} in TIME-WAIT: {length} s after the wait began, "
                    "at {deadline} s, it would delete the TCB ({rule})."
                ).format(
                    end_time=f"{end_time:.6f}",
                    name=name,
                    length=f"{ep.stack.time_wait:g}",
                    deadline=f"{deadline:.6f}",
                    rule=ep.stack.time_wait_length.cite,
                )
            else:
                text = _(
                    "The capture ends at {end_time} s with the {name} in TIME-WAIT: 2·MSL after the wait began, at "
                    "{deadline} s, it would delete the TCB (MSL = {msl} s, --msl; Linux always waits 60 s)."
                ).format(end_time=f"{end_time:.6f}", name=name, deadline=f"{deadline:.6f}", msl=f"{self.msl:g}")
            self._note(
                text,
                "projection",
                name,
                t=end_time,
            )
        self._advance(last)

    def _missing_predictions(self) -> None:
        for name in NAMES:
            for p in self.preds[name]:
                self._note(
                    _(
                        "the model would have the {name} send {describe} at {t} s ({rule}); the capture has no such "
                        "segment."
                    ).format(name=name, describe=p.segment.describe(), t=f"{p.t:.6f}", rule=p.rule),
                    "missing",
                    name,
                )
            self.preds[name].clear()

    # ------------------------------------------------------------------ a segment seen on the wire
    def _sent(self, i: int) -> None:
        """Explain the packet at ``i`` as something its sender did, and put it on its way."""
        name = self.window.sender(i)
        peer = peer_of(name)
        packet = self.window.get(i)
        assert packet is not None
        seg = self._view(i)
        ep = self.eps[name]
        abort_ok = self._behaves_aborted(i)
        twin, preds = clone(ep), [copy.copy(p) for p in self.preds[name]]

        def later(start: int, length: int) -> bytes | None:
            return self.window.sent_later(name, i, start, length)

        explained = self._account(name, seg, twin, preds, abort_ok, later=later)
        if explained.ok:  # the dry run explains it: it becomes the real one (the calls deliver nothing)
            twin.received = ep.received
            self.eps[name] = ep = twin
            self.preds[name] = preds
        else:
            if not self._try_late_arrival(name, seg, abort_ok):
                self._fill_from_ack(name, seg)
            explained = self._account(name, seg, ep, self.preds[name], abort_ok, later=later)
        self.gap_budget -= len(explained.gap)
        for inferred in explained.calls:
            if inferred.user:
                self.trace.append(CallEvent(self.now, name, inferred.call, inferred.data, inferred.note))
            self._record(name, inferred.actions, predict=False, rule=FORCED.get(inferred.call, ""))
        if explained.calls and not explained.ok:
            explained.notes.append(("unexplained", mismatch_text(name, seg, explained, self.preds[name])))
        sid = self._next_id
        self._next_id += 1
        for inferred in explained.calls:
            if not inferred.predicts:  # bytes missing from the capture: they reach the peer unseen
                self._ghost(peer, [a.segment for a in inferred.actions if isinstance(a, act.Send)])
        event = SendEvent(self.now, name, sid, packet.segment, explained.rule, explained.retransmission)
        self.trace.append(event)
        flying = Flying(sid, seg, event, i)
        reason = self._lost_reason(i, seg)
        if reason is not None:
            self.lost[peer].append(Lost(flying, reason))
        else:
            self.inbox[peer].append(flying)
        for kind, text in explained.notes:
            self._note(_("#{sid}: {text}").format(sid=sid, text=text), kind, name)
        if packet.missing:
            self._note(
                _(
                    "#{sid}: {missing} octets of its payload are beyond the capture's snap length; they are taken as "
                    "zeros"
                ).format(sid=sid, missing=packet.missing),
                "gap",
                name,
            )
        if seg.flags & ACK and self.personality.delayed_fin_ack is None:
            # The pure ACKs the model wanted are covered by any later acknowledgment: the real stack
            # may have delayed one. A model that delays ACKs as its stack does (Linux L5) needs no
            # such allowance.
            self.preds[name] = [p for p in self.preds[name] if not (p.pure_ack and sq.le(p.segment.ack, seg.ack))]
        ep.rcv_wnd = seg.wnd  # RCV.WND is what this side advertises

    def _behaves_aborted(self, i: int) -> bool:
        """An ABORT explains a RST only if its sender then behaves as aborted: its next segment, if
        any, is another RST or a new SYN, not data or an ACK of the old connection."""
        k = self.window.next_of(self.window.sender(i), i)
        if k is None:
            return True
        flags = self.window.segment(k).flags
        return bool(flags & RST or (flags & SYN and not flags & ACK))


def observe(
    conversation: Conversation,
    msl: float = DEFAULT_MSL,
    frame_notes: Iterable[FrameNote] = (),
    unnoted: int = 0,
    *,
    frames: bool = True,
    stack: str = "rfc9293",
) -> Observation:
    """Run the two observers over a conversation (``frame_notes``: the reader's notes on the file's
    frames, which go into the trace among the packets, in file order; ``unnoted``: how many more
    there were; ``frames``: keep a snapshot of both sides after every packet, for the app;
    ``stack``: the personality both observers behave as)."""
    items = merged(conversation.packets, frame_notes)
    return Observer(conversation, msl, items, unnoted, frames=frames, stack=stack).run()
