"""When the segments of a capture reach their receivers, as far as the capture can tell.

A capture has one vantage point, so arrival is inferred. A segment arrives at its capture time,
unless the receiver's next segment shows it had not arrived yet (that segment still acknowledges
less, or is one the receiver could only send without it, like the FIN of a simultaneous close or
the data sent just before a RST landed): then it arrives just after that segment. A segment its
sender sends again before the receiver has acknowledged it is taken as lost, unless a later
segment of the receiver can only be explained by its late arrival (an old duplicate) within
:data:`~.window.HORIZON` packets. A pure ACK after which the receiver still retransmits what it
acknowledges is taken as lost too. Bytes missing from the capture (an acknowledgment of more than
was seen) are sent by the model and reach the peer unseen, so that both models can go on.

:class:`Arrivals` is the part of the :class:`~.observer.Observer` that decides this; it works on
the observer's endpoints, predictions and trace.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

from ..core import actions as act
from ..core import seq as sq
from ..core.names import EndpointName, peer_of
from ..core.segment import Segment
from ..core.states import State
from ..core.tcb import Endpoint
from ..i18n import _
from ..sim.trace import ArriveEvent, CallEvent, DropEvent, SendEvent, TraceEvent
from .clone import clone
from .explain import (
    ACK,
    PSH,
    RST,
    SYN,
    Account,
    Inferred,
    Prediction,
    covered,
    exact_rst,
    expire_now,
    is_retransmission,
    predictions,
    same,
    silent_abort,
    unfillable,
)
from .notes import CaptureNote
from .window import HORIZON, PacketWindow

NAMES: tuple[EndpointName, EndpointName] = ("client", "server")
SCAN_PER_PACKET = 64
"""How far, on average, the look ahead for a lost segment may go per packet: its cost stays linear
in the capture's length whatever the capture does (real retransmissions come well within it)."""
SCAN_START = 100_000
FORCED = {
    "forget": (
        "inferred from the capture: the side no longer had the connection (see the note); an ABORT that sends nothing"
    ),
    "2msl": "inferred from the capture: TIME-WAIT ended before 2·MSL, since a new connection began (see the note)",
}


@dataclass(slots=True)
class Flying:
    """A captured segment on its way to its receiver's observer."""

    sid: int
    segment: Segment
    """As the receiver's core sees it (the window scaled)."""
    send: SendEvent
    """Its record in the trace."""
    position: int
    """The position of its packet in the conversation."""


@dataclass(slots=True)
class Lost:
    """A segment taken as lost; it may still turn out to have arrived late (within the horizon)."""

    flying: Flying
    reason: str


class Arrivals:
    """The observer's decisions about arrivals (mixed into :class:`~.observer.Observer`)."""

    # What the observer provides (set in its __init__).
    eps: dict[EndpointName, Endpoint]
    preds: dict[EndpointName, list[Prediction]]
    inbox: dict[EndpointName, list[Flying]]
    lost: dict[EndpointName, list[Lost]]
    last_arrival: dict[EndpointName, Segment | None]
    window: PacketWindow
    trace: list[TraceEvent]
    now: float
    gap_budget: int
    scan_budget: int
    """Packets :meth:`_lost_reason` may still look at ahead (it earns :data:`SCAN_PER_PACKET` per packet)."""
    scan_spent: bool

    def _record(
        self,
        name: EndpointName,
        actions: list[act.Action],
        arriving: int = 0,
        *,
        predict: bool = True,
        rule: str = "",
    ) -> None:
        raise NotImplementedError

    def _note(self, text: str, kind: str, endpoint: str | None = None, t: float | None = None) -> None:
        raise NotImplementedError

    def _account(
        self,
        name: EndpointName,
        seg: Segment,
        ep: Endpoint,
        preds: list[Prediction],
        abort_ok: bool,
        last: Segment | None = None,
    ) -> Account:
        raise NotImplementedError

    def _view(self, k: int) -> Segment:
        raise NotImplementedError

    def _t_at(self, k: int) -> float:
        raise NotImplementedError

    def _behaves_aborted(self, i: int) -> bool:
        raise NotImplementedError

    def _insert(self, index: int, events: list[TraceEvent]) -> None:
        raise NotImplementedError

    def _index_after(self, event: TraceEvent) -> int:
        raise NotImplementedError

    # ------------------------------------------------------------------ settling what is on its way
    def _settle(self, i: int) -> None:
        """Deliver what is on its way to each side now, unless that side's next segment shows it has
        not arrived yet."""
        for name in NAMES:
            k = self.window.next_of(name, i)
            inbox = self.inbox[name]
            for flying in list(inbox):
                rest = inbox[inbox.index(flying) + 1 :]
                variant = self._arrival(name, flying, k, rest)
                if variant is None:
                    if k is not None and self._made_redundant(name, flying, k):
                        inbox.remove(flying)
                        reason = f"the {name} still retransmitted at {self._t_at(k):.6f} s what it acknowledges"
                        self.lost[name].append(Lost(flying, reason))
                    continue
                inbox.remove(flying)
                self._deliver(name, flying, k, variant)

    def _made_redundant(self, name: EndpointName, flying: Flying, k: int) -> bool:
        """A pure ACK deferred past a retransmission it would have made unnecessary: lost."""
        seg = flying.segment
        if seg.seg_len or seg.flags & RST or not seg.flags & ACK:
            return False
        upcoming = self._view(k)
        return bool(upcoming.seg_len) and sq.le(upcoming.end, seg.ack) and is_retransmission(self.eps[name], upcoming)

    def _variants(self, name: EndpointName, seg: Segment, k: int | None) -> list[str]:
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
                calls.append(Inferred("2msl", b"", "", expire_now(ep), user=False))
            elif ep.state is not State.CLOSED:
                calls.append(Inferred("forget", b"", "", silent_abort(ep, self.now), user=False))
            calls.append(Inferred("listen", b"", "", ep.open_passive(self.now)))
        if variant in ("listen", "isn") and k is not None:
            ep.next_iss = self.window.segment(k).seq  # the SYN,ACK it sends shows the ISS it chose
        return calls

    def _arrival(self, name: EndpointName, flying: Flying, k: int | None, rest: list[Flying]) -> str | None:
        """How ``flying`` reaches ``name`` now, or None if it must wait until after the packet at ``k``.

        It waits when that packet, the receiver's next, fits the model without it but not with it
        (followed by ``rest``, the segments still on their way behind it): it acknowledges less,
        or is not the reply the arrival would call for.
        """
        if k is None:
            return self._variants(name, flying.segment, k)[0]
        if self._surely_arrived(name, flying.segment, k):
            return "plain"
        variants = self._variants(name, flying.segment, k)
        upcoming = self._view(k)
        abort_ok = self._behaves_aborted(k)
        for variant in variants:
            ep, preds = clone(self.eps[name]), [copy.copy(p) for p in self.preds[name]]
            new: list[Prediction] = []
            for inferred in self._prepare(ep, variant, k):
                new += predictions(inferred.actions, 0.0)
            for seg in [flying.segment, *(f.segment for f in rest)]:
                for a in ep.segment_arrives(seg, self.now):
                    if isinstance(a, act.Send):
                        new += predictions([a], 0.0)
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
            if all(id(p) not in left or covered([p], upcoming) for p in new if p.pure_ack):
                return variant
        without = self._account(
            name, upcoming, clone(self.eps[name]), [copy.copy(p) for p in self.preds[name]], abort_ok
        )
        return None if without.ok and not without.strained else variants[0]

    def _surely_arrived(self, name: EndpointName, seg: Segment, k: int) -> bool:
        """Whether the receiver's next packet acknowledges the segment's new bytes: then it has
        arrived, and no dry run is needed to say so (the common case of data, the cheap test)."""
        if seg.flags & (SYN | RST) or not seg.seg_len:
            return False
        ep = self.eps[name]
        if not ep.state.synchronized or not sq.le(seg.seq, ep.rcv_nxt) or not sq.gt(seg.end, ep.rcv_nxt):
            return False
        upcoming = self.window.segment(k)
        return bool(upcoming.flags & ACK) and not upcoming.flags & RST and sq.ge(upcoming.ack, seg.end)

    def _deliver(self, name: EndpointName, flying: Flying, k: int | None, variant: str | None = None) -> None:
        ep = self.eps[name]
        variant = variant or self._variants(name, flying.segment, k)[0]
        if variant == "listen" and ep.state is not State.CLOSED:
            self._note(
                _(
                    "a new SYN (#{sid}) reaches the {name} in {state} and it answers SYN,ACK: it accepted a new "
                    "connection on the same port pair (Linux does in TIME-WAIT when the SYN's sequence number is "
                    "above the old connection's), where RFC 9293 would send a challenge ACK."
                ).format(sid=flying.sid, name=name, state=ep.state),
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

    def _ghost(self, name: EndpointName, segments: list[Segment]) -> None:
        """Segments missing from the capture reach ``name`` unseen, so that its model can go on."""
        for ghost in segments:
            self.last_arrival[name] = ghost
            self._record(name, self.eps[name].segment_arrives(ghost, self.now))

    def _fill_from_ack(self, name: EndpointName, seg: Segment) -> None:
        """``name`` acknowledges bytes its peer's model never sent: they are missing from the capture.
        The peer sends them (as zeros) and they arrive, unseen, before this segment."""
        peer = peer_of(name)
        ep, other = self.eps[name], self.eps[peer]
        if not seg.flags & ACK or seg.flags & SYN or not ep.state.synchronized:
            return
        if other.state not in (State.ESTABLISHED, State.CLOSE_WAIT) or ep.rcv_nxt != other.snd_nxt:
            return
        missing = sq.diff(seg.ack, other.snd_nxt)
        if missing <= 0 or unfillable(other, missing, self.gap_budget) is not None:
            return
        self.gap_budget -= missing
        self._note(
            _(
                "{missing} octets the {peer} sent ({snd_nxt} to {ack}) are not in the capture, but the {name} "
                "acknowledges them: packets the capture missed. The model lets them arrive (as zeros)."
            ).format(missing=missing, peer=peer, snd_nxt=other.snd_nxt, ack=seg.ack, name=name),
            "gap",
            peer,
        )
        actions = other.send(bytes(missing), self.now)
        self._record(peer, actions, predict=False)
        self._ghost(name, [a.segment for a in actions if isinstance(a, act.Send)])

    # ------------------------------------------------------------------ lost, and late
    def _lost_reason(self, i: int, seg: Segment) -> str | None:
        """Why the segment at ``i`` is taken as lost, if it is: its sender sends it again before the
        receiver acknowledges it."""
        if not seg.seg_len or seg.flags & RST:
            return None
        name = self.window.sender(i)
        if not self.window.again(name, seg.seq, i):  # the common case: nothing sent again to look for
            return None
        first_reply = True
        for k in self.window.ahead(i):
            self.scan_budget -= 1
            if self.scan_budget < 0:  # a capture built to make this look far ahead again and again
                if not self.scan_spent:
                    self.scan_spent = True
                    self._note(
                        _(
                            "packet {frame} and those after it send so much again (retransmissions, or copies "
                            "of earlier "
                            "segments) that tcpsim stops looking ahead for their loss, to finish in time: "
                            "from here on, a "
                            "segment sent again is taken to have arrived."
                        ).format(frame=self.window.get(i).frame),  # type: ignore[union-attr]
                        "unexplained",
                        name,
                    )
                return None
            other = self.window.segment(k)
            mine = self.window.sender(k) == name
            if not mine and other.flags & ACK and sq.ge(other.ack, seg.end):
                return None  # acknowledged (tested first: cheaper than the dry run below)
            if not mine and first_reply:
                first_reply = False
                if self._reacts(peer_of(name), seg, k):
                    return None
            if mine:
                if (other.flags & ~PSH) == (seg.flags & ~PSH) and other.seq == seg.seq and sq.ge(other.end, seg.end):
                    return f"the {name} sent it again at {self._t_at(k):.6f} s, before it was acknowledged"
                if other.flags & SYN and not other.flags & ACK and other.seq != seg.seq:
                    return None  # a new connection
        return None

    def _reacts(self, name: EndpointName, seg: Segment, k: int) -> bool:
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
            if any(same(s, upcoming, exact_rst(ep)) for s in sends):
                return True
        return False

    def _try_late_arrival(self, name: EndpointName, seg: Segment, abort_ok: bool) -> bool:
        """What ``name`` sends, unexplained, may be explained by a segment taken as lost arriving
        now, late: an old duplicate delayed in the network."""
        for lost in reversed(self.lost[name]):
            ep, preds = clone(self.eps[name]), [copy.copy(p) for p in self.preds[name]]
            preds += predictions(ep.segment_arrives(lost.flying.segment, self.now), 0.0)
            if self._account(name, seg, ep, preds, abort_ok, lost.flying.segment).ok:
                self.lost[name].remove(lost)
                self._note(
                    _(
                        "#{sid}, sent at {t} s and taken as lost, arrives only now: what the {name} sends next makes "
                        "sense only after it (an old duplicate, delayed in the network)."
                    ).format(sid=lost.flying.sid, t=f"{lost.flying.send.t:.6f}", name=name),
                    "late",
                    name,
                )
                self._deliver(name, lost.flying, None, "plain")
                return True
        return False

    def _settle_lost(self, position: int | None) -> None:
        """Segments taken as lost that can no longer turn up (sent more than the horizon before
        ``position``; None: all, at the end): a drop, just after they were sent."""
        done = [
            lost
            for name in NAMES
            for lost in self.lost[name]
            if position is None or lost.flying.position < position - HORIZON
        ]
        for lost in sorted(done, key=lambda lost: lost.flying.sid):
            receiver: EndpointName = "server" if lost.flying.send.endpoint == "client" else "client"
            self.lost[receiver].remove(lost)
            send = lost.flying.send
            text = (
                f"#{lost.flying.sid} ({send.segment.describe()}) is taken as lost on its way to the {receiver}: "
                f"{lost.reason}."
            )
            events: list[TraceEvent] = [
                DropEvent(send.t, lost.flying.sid, send.endpoint),
                CaptureNote(send.t, text, send.endpoint, "lost"),
            ]
            self._insert(self._index_after(send), events)

    def _oldest_lost(self) -> SendEvent | None:
        """The send of the oldest segment still taken as lost (the trace cannot be final past it)."""
        pending = [lost.flying for name in NAMES for lost in self.lost[name]]
        return min(pending, key=lambda f: f.sid).send if pending else None
