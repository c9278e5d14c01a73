"""What one side of a conversation of a whole capture sent, explained as the user call that
would send it: a SYN an OPEN, data a SEND, a FIN a CLOSE, a RST an ABORT; and what was sent
before (a retransmission, or the capture's late copy of a gap it showed missing).

Part of :class:`~.tracked.Tracked` (see :mod:`.tracked_sides`): kept apart because this is where
the capture's packets are read as a side's acts, with the notes that say where a packet fits two
readings or none, while the arrivals of what was sent are decided in :mod:`.tracked`.
"""

from __future__ import annotations

from typing import Final

from ..core import seq as sq
from ..core.segment import ACK, FIN, SYN, Segment
from ..core.seq import Seq
from ..core.states import State
from ..core.tcb import Endpoint
from ..i18n import _
from .tracked_sides import (
    ABORTABLE,
    CLOSED,
    CLOSED_AFTER_FIN,
    CLOSING,
    FIN_WAIT_1,
    FIN_WAIT_2,
    GONE,
    LAST_ACK,
    MAX_GAP,
    MAX_NOTES,
    MAX_QUEUE,
    NAME,
    PAST_ITS_ACK,
    SENDING,
    SYN_RECEIVED,
    SYN_SENT,
    TIME_WAIT,
    UNLIMITED,
    Flight,
    Sides,
)

_FIN_SENT_IN: Final = (NAME[FIN_WAIT_1], NAME[LAST_ACK])
"""The states in which a side sends its FIN (a CLOSE in ESTABLISHED or CLOSE-WAIT, RFC 9293 3.10.4)."""
_COUNTED_PAST_ITS_ACK: Final = (NAME[FIN_WAIT_2], NAME[TIME_WAIT], NAME[CLOSED])
"""The states a side is counted in once its FIN is taken as acknowledged."""


class Senders(Sides):
    """Explains each packet as its sender's act (mixed into :class:`~.tracked.Tracked`)."""

    __slots__ = ()

    # ------------------------------------------------------------------ what a side sent
    def _sent_syn(self, side: int, seg: Segment, t: float, frame: int) -> None:
        ep = self.eps[side]
        state = ep.state
        if not self.syn_seen:
            self.syn_seen, self.syn_frame = True, frame
        self.last_syn[side] = seg
        if state is SYN_SENT and seg.seq == ep.iss:
            self.syn_again[side] = frame
            if self.syn_ack_note is not None:
                self._syn_again_settles(side)
            self._again(side, seg.seq, sq.add(seg.seq, 1), frame)
            return
        if state is TIME_WAIT:
            deadline = ep.timers.get("2msl", t)
            self.note(
                _(
                    "the {role} opens a new connection (packet {frame}) on the same addresses and ports while in "
                    "TIME-WAIT (until {deadline} s): its TIME-WAIT ended early."
                ).format(role=self.role(side), frame=frame, deadline=f"{deadline:.6f}")
            )
            self._call(side, ep.timer_expired("2msl", deadline), t, frame)
        elif state not in GONE:
            self.census.half_open(self.whole, side, frame, t, state.value)
            self._call(side, ep.abort(t), t, frame)  # it had lost the connection: forgotten, nothing sent
        ep.next_iss = seg.seq  # the ISN the SYN shows (RFC 9293 3.4.1)
        self._call(side, ep.open_active(t), t, frame)

    def _sent_syn_ack(self, side: int, seg: Segment, t: float, frame: int) -> None:
        ep = self.eps[side]
        state = ep.state
        self.synacks[side] += 1
        if state in GONE:
            syn = self.last_syn[1 - side]
            if syn is None and not self.syn_seen:
                self._syn_before_capture(side, seg, t, frame)
                return
            if syn is not None and seg.ack == sq.add(syn.seq, 1):  # it answers a SYN that arrived earlier
                self._arrive(side, syn, t, seg, self.syn_frame)
                return
            self.note(
                _(
                    "the {role} sends a SYN,ACK (packet {frame}) that answers no SYN the capture shows it received"
                ).format(role=self.role(side), frame=frame)
            )
            return
        if seg.seq == ep.iss and self.synacks[side] > 1:
            self._again(side, seg.seq, sq.add(seg.seq, 1), frame)

    def _syn_before_capture(self, side: int, seg: Segment, t: float, frame: int) -> None:
        """The conversation starts with the server's SYN,ACK: the client's SYN went just before."""
        client = 1 - side
        self.syn_seen, self.syn_frame = True, frame
        syn = Segment(0, 0, sq.add(seg.ack, -1), Seq(0), SYN, UNLIMITED)
        cep, sep = self.eps[client], self.eps[side]
        if cep.state in GONE:
            cep.next_iss = syn.seq
            self._call(client, cep.open_active(t), t, frame)
        self._call(side, sep.open_passive(t), t, frame)
        sep.next_iss = seg.seq
        self._arrive(side, syn, t, None, 0)
        self.note(
            _(
                "the conversation starts with the server's SYN,ACK (packet {frame}): the client's SYN is not in the "
                "capture and is taken to have been sent just before"
            ).format(frame=frame)
        )

    def _sent_rst(self, side: int, seg: Segment, t: float, frame: int) -> None:
        ep = self.eps[side]
        self.census.reset(self.whole, side, frame, t)
        if len(self.resets) < 8:
            self.resets.append((side, frame))
        if ep.state in ABORTABLE:  # the sender has dropped the connection: an ABORT (or a crash)
            self._call(side, ep.abort(t), t, frame)
        # Otherwise a reply that changes nothing for its sender: a closed port's (3.10.7.1), or
        # SYN-SENT's and TIME-WAIT's to an unacceptable segment.

    def _sent_data(self, side: int, seg: Segment, t: float, frame: int) -> None:
        ep = self.eps[side]
        state = ep.state
        start, data, flags = seg.seq, seg.data, seg.flags
        end = sq.add(start, len(data) + (1 if flags & FIN else 0))
        if state in SENDING or (state is SYN_RECEIVED and not data):
            nxt = ep.snd_nxt
            if start != nxt:
                if ((start - nxt) & sq.MASK) >= sq.HALF:  # lt(SEG.SEQ, SND.NXT)
                    if ((end - nxt) & sq.MASK) >= sq.HALF or end == nxt:  # le(end, SND.NXT): sent before
                        self._again(side, start, end, frame)
                        return
                    data = data[sq.diff(nxt, start) :]  # partly new: the new part
                else:
                    missing = sq.diff(start, nxt)
                    if missing > MAX_GAP:
                        self.note(
                            _(
                                "packet {frame}: {missing} octets the {role} sent before it are not in the capture, "
                                "more than tcpsim makes up; its numbers are not followed from here"
                            ).format(frame=frame, missing=missing, role=self.role(side))
                        )
                        return
                    gaps = self.gaps[side]
                    if len(gaps) < 16:
                        gaps.append((nxt, start))
                    self._call(side, ep.send(bytes(missing), t), t, frame)
            if data:
                self._call(side, ep.send(data, t), t, frame)
            if flags & FIN:
                if not self.fins[side]:
                    self.fins[side] = frame
                self._call(side, ep.close(t), t, frame)
            if len(ep.retransmission_queue) > MAX_QUEUE:
                self._unacknowledged(side, t)
            return
        if (
            flags & FIN
            and self.fin_acked[side] is not None
            and ((state in PAST_ITS_ACK and end == ep.snd_nxt) or (state is CLOSED and not self.resets))
            and self._fin_again_after_its_ack(side, seg, t, frame)
        ):
            return
        if state in CLOSED_AFTER_FIN and (((end - ep.snd_nxt) & sq.MASK) >= sq.HALF or end == ep.snd_nxt):
            self._again(side, start, end, frame)
            return
        if state is CLOSED and self.resets:
            return  # sent before the RST reached it: it crossed the RST
        self.note(
            _(
                "the {role} sends data or a FIN (packet {frame}) in {state}, where it cannot: the capture misses how "
                "it got there"
            ).format(role=self.role(side), frame=frame, state=state.value)
        )

    def _again(self, side: int, start: Seq, end: Seq, frame: int) -> None:
        """Octets sent before: the capture's own late copy of a gap, or a retransmission."""
        gaps = self.gaps[side]
        for i, (lo, hi) in enumerate(gaps):
            if sq.le(lo, start) and sq.le(end, hi):
                if start == lo and end == hi:
                    del gaps[i]
                return  # out of order at the capture point: seen after what followed it
        self._retransmitted(side, frame)
        ep = self.eps[side]
        if ((ep.snd_una - end) & sq.MASK) >= sq.HALF and ep.snd_una != end:  # lt(SND.UNA, end): unacknowledged
            inbox = self.inbox[1 - side]
            for i, flight in enumerate(inbox):
                if flight.seg.seq == start:
                    # Its first copy is still on its way: nothing from the receiver acknowledged it.
                    # Taken as lost (this copy arrives instead); if it was its acknowledgment that
                    # was lost, the receiver's states are the same, only entered earlier.
                    del inbox[i]
                    self.lost[side] += 1
                    self.census.lost(self.whole, side, frame)
                    if flight.seg.flags & SYN and self.syn_again[1 - side] > flight.frame:
                        self.note(self._syn_ack_lost(side, flight.frame, frame))
                    else:
                        if flight.seg.flags & SYN and len(self.notes) < MAX_NOTES:
                            self.syn_ack_note = (len(self.notes), flight.frame, frame)
                        self._lost_or_its_ack(side, flight, frame)
                    break

    def _lost_or_its_ack(self, side: int, first: Flight, frame: int) -> None:
        """The packets fit two readings (issue 14): the first copy was lost after the capture
        point, or it arrived and the acknowledgment was lost before the capture point. Said, with
        the one the census takes and what the other would change."""
        self.census.readings += 1
        self.note(
            _(
                "two readings: packet {first}, sent again by the {role} in packet {frame} before anything "
                "acknowledged it, was lost on its way after the capture point (the {peer} received only the copy: "
                "the reading taken here), or it arrived and the {peer}'s acknowledgment was lost before the capture "
                "point (then the {peer}'s states began {seconds} s earlier, at packet {first})"
            ).format(
                first=first.frame,
                role=self.role(side),
                frame=frame,
                peer=self.role(1 - side),
                seconds=f"{self.last - first.t:.6f}",
            )
        )

    def _syn_ack_lost(self, side: int, first: int, frame: int) -> str:
        """The note on a SYN,ACK (packet ``first``, sent by ``side``) sent again (packet ``frame``)
        whose receiver sent its own SYN again after it: still in SYN-SENT then, so that first copy
        never reached it. One reading: had it arrived, with the acknowledgment lost before the
        capture point, the receiver would have been ESTABLISHED, where it sends no SYN."""
        return _(
            "packet {first}, the {role}'s SYN,ACK, was lost on its way after the capture point: the {peer} "
            "sent its SYN again (packet {syn}) after it, as it does only while no SYN,ACK has reached it. The "
            "{peer} stayed SYN-SENT until the copy sent in packet {frame} arrived"
        ).format(first=first, role=self.role(side), peer=self.role(1 - side), syn=self.syn_again[1 - side], frame=frame)

    def _syn_again_settles(self, side: int) -> None:
        """``side`` sends its SYN again after a SYN,ACK was taken as lost with two readings (the
        copies crossed at the capture point): the SYN shows which, and the note is corrected."""
        pending = self.syn_ack_note
        if pending is None:
            return
        index, first, copy = pending
        self.syn_ack_note = None
        self.notes[index] = self._syn_ack_lost(1 - side, first, copy)
        self.census.readings -= 1

    def _fin_again_after_its_ack(self, side: int, seg: Segment, t: float, frame: int) -> bool:
        """``side`` sends its FIN again after the capture showed its peer acknowledge it, which the
        model took as received (it is in FIN-WAIT-2, TIME-WAIT or CLOSED). Either reading of the
        packets has it still waiting for that acknowledgment when it sent this copy (RFC 9293
        3.10.7.4, fifth: only an acknowledgment of its FIN moves a side on from FIN-WAIT-1, CLOSING
        or LAST-ACK): the model goes back to where it waited, and the note says what the other
        reading changes. False when the history shows no FIN of this side waiting there."""
        states = self.states[side]
        sent_in = next((i for i in range(len(states) - 1, -1, -1) if states[i] in _FIN_SENT_IN), -1)
        acked = self.fin_acked[side]
        if sent_in < 0 or acked is None:
            return False
        self._retransmitted(side, frame)
        self.census.readings += 1
        passed = states[sent_in + 1 :]
        counted = " → ".join(state for state in passed if state in _COUNTED_PAST_ITS_ACK)
        if states[sent_in] == NAME[LAST_ACK]:
            waited = LAST_ACK
        elif NAME[CLOSING] in passed or NAME[TIME_WAIT] in passed:
            waited = CLOSING  # the peer's FIN had reached it (it acknowledged it) while it waited
        else:
            waited = FIN_WAIT_1
        at, ack = acked
        common = {"role": self.role(side), "frame": frame, "peer": self.role(1 - side), "ack": ack}
        ep = self._rebuilt(side, seg, t, waited)
        if ep is None:  # not expected of the core: the model stays as it was, and the note says so
            self.note(
                _(
                    "two readings: the {role} sends its FIN again (packet {frame}) after the capture showed the {peer} "
                    "acknowledge it (packet {ack}): that acknowledgment was lost after the capture point (the {role} "
                    "was still waiting for it until a later one arrived), or this copy crossed it on the way (it was "
                    "sent before the acknowledgment arrived). The census keeps the acknowledgment as received when it "
                    "was captured: it counts the {role} in {counted} from then on"
                ).format(counted=counted, **common)
            )
            return True
        old = self.eps[side].state
        self.eps[side] = ep
        del states[sent_in + 1 :]
        if waited is CLOSING:
            states.append(NAME[CLOSING])
        self.fin_acked[side] = None
        self.time_wait_since[side] = None
        self.census.moved(self.hosts[side], old, waited)
        window = {"at": f"{at:.6f}", "now": f"{t:.6f}"}
        if waited is LAST_ACK:
            self.note(
                _(
                    "two readings: the {role} sends its FIN again (packet {frame}) after the capture showed the {peer} "
                    "acknowledge it (packet {ack}), so that acknowledgment had not reached it yet: it was lost after "
                    "the capture point (the {role} was still in LAST-ACK until a later one arrived: the reading taken "
                    "here), or this copy crossed it on the way (then the {role} was CLOSED just after packet {frame}). "
                    "The census lines from {at} s to {now} s, written before packet {frame} showed this, count the "
                    "{role} CLOSED"
                ).format(**common, **window)
            )
            return True
        self.note(
            _(
                "two readings: the {role} sends its FIN again (packet {frame}) after the capture showed the {peer} "
                "acknowledge it (packet {ack}), so that acknowledgment had not reached it yet: it was lost after the "
                "capture point (the {role} was still in {state} until a later one arrived: the reading taken here), or "
                "this copy crossed it on the way (then the {role} was in {next} from just after packet {frame}). The "
                "census lines from {at} s to {now} s, written before packet {frame} showed this, count the {role} in "
                "{counted}"
            ).format(
                state=NAME[waited],
                next=NAME[TIME_WAIT if waited is CLOSING else FIN_WAIT_2],
                counted=counted,
                **common,
                **window,
            )
        )
        return True

    def _rebuilt(self, side: int, seg: Segment, t: float, waited: State) -> Endpoint | None:
        """``side``'s TCB as it was while it waited in ``waited`` for the acknowledgment of the FIN
        it sends again (``seg``), rebuilt from that FIN (its sequence number, and the peer's FIN it
        acknowledges) as the core would have it, none of its moves counted again: LAST-ACK through
        CLOSE-WAIT (the peer's FIN arrives, RFC 9293 3.10.7.4 eighth) and a CLOSE (3.10.4); CLOSING
        through a CLOSE (FIN-WAIT-1) and the peer's FIN, which does not acknowledge ours (eighth);
        FIN-WAIT-1 through a CLOSE. None if the core ends elsewhere."""
        fin = sq.add(seg.seq, len(seg.data))
        config = self.eps[side].config
        passive = side != self.client
        if waited is FIN_WAIT_1:
            ep = Endpoint.resumed(config, fin, seg.ack, snd_wnd=UNLIMITED, rcv_wnd=UNLIMITED, passive=passive)
            ep.close(t)
        else:
            peer_fin = sq.add(seg.ack, -1)
            ep = Endpoint.resumed(config, fin, peer_fin, snd_wnd=UNLIMITED, rcv_wnd=UNLIMITED, passive=passive)
            their_fin = Segment(0, 0, peer_fin, fin, FIN | ACK, UNLIMITED)
            if waited is LAST_ACK:
                ep.segment_arrives(their_fin, t)
                ep.close(t)
            else:
                ep.close(t)
                ep.segment_arrives(their_fin, t)
        ep.timers.pop("rto", None)
        return ep if ep.state is waited else None

    def _retransmitted(self, side: int, frame: int) -> None:
        if not self.retransmissions[side]:
            self.again_t[side] = self.last
        self.retransmissions[side] += 1
        frames = self.again_frames[side]
        if len(frames) < 8:
            frames.append(frame)

    def _unacknowledged(self, side: int, t: float) -> None:
        """Nothing of what ``side`` sends is acknowledged in the capture (one direction only?): its
        model takes all of it as acknowledged, so as not to keep every byte."""
        ep = self.eps[side]
        ack = Segment(0, 0, ep.rcv_nxt, ep.snd_nxt, ACK, UNLIMITED)
        self._arrive(side, ack, t, None, 0)
        if not self.unacknowledged:
            self.unacknowledged = True
            self.note(
                _(
                    "the capture shows no acknowledgment of what the {role} sends: taken as acknowledged (a capture "
                    "of one direction only?)"
                ).format(role=self.role(side))
            )
