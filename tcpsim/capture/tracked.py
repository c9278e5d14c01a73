"""One conversation of a whole capture, followed by a light observer around the shared core.

``tcpsim import FILE --all`` follows every conversation of a capture in one pass, at the pace of a
packet dissector, so it cannot afford what the one-conversation observer (:mod:`.observer`) does
for each packet: dry runs on copies of both endpoints, a look ahead of thousands of packets, a
trace record for everything. What it keeps is what decides the states: each side is an
:class:`~tcpsim.core.tcb.Endpoint` of the same RFC 9293 core (or of the stack personality asked
for), fed directly. What one side sends is explained by the user call that would send it (a SYN is
an OPEN with that ISN, data a SEND, a FIN a CLOSE, a RST an ABORT; a side answering a SYN with
SYN,ACK was listening), and what it sent is fed to the other side's SEGMENT ARRIVES. The segments
the core asks to send are not compared with the capture: the capture says what was sent.

Where it simplifies, it says so (in the conversation's notes, and in README's "Whole captures"):

- A segment that occupies sequence space (a SYN, data, a FIN) arrives at its receiver when the
  receiver's next packet acknowledges it; if that packet acknowledges less, the segment had not
  arrived when it was sent (crossing FINs, a SYN,ACK's reply), or it was lost; sent again while
  on its way, it was lost. A receiver that sends nothing for :data:`SETTLE` seconds is taken to
  have received it at its capture time. Pure
  ACKs and RSTs arrive at their capture time.
- A later packet can prove such a reading wrong, and the model is then corrected rather than
  bent: a SYN sent again from SYN-SENT shows that nothing on its way to its sender had arrived (a
  SYN,ACK would have made it ESTABLISHED), so it stays SYN-SENT; a FIN sent again after the
  capture showed its acknowledgment shows that its sender never left the state it waited in for
  that acknowledgment (LAST-ACK, CLOSING or FIN-WAIT-1), which it re-enters
  (:meth:`~.tracked_sent.Senders._fin_again_after_its_ack`). The census streams: the lines it wrote
  before the proof are not rewritten (holding every line back for as long as a retransmission
  can take would delay every count for a rare loss); the note says which times they cover.
- Windows are not checked (the census does not read the window-scale option): every segment is
  taken as inside the window.
- The model's retransmission timers never fire: a retransmission is seen in the capture, or not at
  all. Timers that end states do fire: 2·MSL (TIME-WAIT) and a stack's own (Linux's FIN-WAIT-2
  limit).
- Bytes missing from the capture (sent before the capture began, lost before the capture point)
  are taken as zeros, so that sequence numbers stay right; their content never matters here.
"""

from __future__ import annotations

from typing import Final

from ..core import seq as sq
from ..core.segment import ACK, FIN, RST, SYN, Segment
from ..core.seq import Seq
from ..core.tcb import Endpoint
from ..i18n import _
from .tracked_sent import Senders
from .tracked_sides import (
    CLOSED,
    ESTABLISHED,
    FIN_WAIT_1,
    FIN_WAIT_2,
    GONE,
    MAX_GAP,
    NAME,
    SENDING,
    SETTLE,
    SYN_SENT,
    UNLIMITED,
    Flight,
    shared_config,
)

ROUNDING: Final = 1e-9
"""Seconds within which a capture time counts as reached: a nanosecond, the finest a capture
records. Without it a segment captured at 0.000256 s was never due at (0.000256 + 3) - 3 s, and
the census asked again forever (found by the mutated captures of test_capture_census.py)."""

__all__ = ["GONE", "NAME", "SETTLE", "UNLIMITED", "Flight", "Tracked", "shared_config"]


class Tracked(Senders):
    """One conversation: both sides' endpoints, what is on its way to each, and what it showed.

    Side 0 is the sender of the conversation's first packet, side 1 its receiver; :attr:`client`
    says which of them is the client (the sender of the first SYN seen).
    """

    __slots__ = ()

    # ------------------------------------------------------------------ a packet
    def packet(self, side: int, seg: Segment, t: float, frame: int) -> None:
        """A packet ``side`` sent: settle what it shows reached it, explain it, send it on."""
        self.packets += 1
        self.octets += len(seg.data)
        self.last, self.last_frame = t, frame
        if self.inbox[side]:
            self._settle(side, seg, t)
        flags = seg.flags
        if flags & SYN:
            if flags & ACK:
                self._sent_syn_ack(side, seg, t, frame)
            else:
                self._sent_syn(side, seg, t, frame)
        elif flags & RST:
            self._sent_rst(side, seg, t, frame)
        elif seg.data or flags & FIN:
            self._sent_data(side, seg, t, frame)
        if flags & ACK and self.eps[side].state.synchronized:
            self._acknowledged(side, seg, t)
        other = 1 - side
        if seg.data or flags & (SYN | FIN):
            inbox = self.inbox[other]
            if not inbox:
                self.census.flying(self, t)
            inbox.append(Flight(seg, t, frame))
        else:
            self._arrive(other, seg, t, None, frame)
        self.check_ended(t)

    def start(self, side: int, seg: Segment, t: float, frame: int) -> None:
        """The conversation's first packet: who the client is, and where each side starts."""
        self.first, self.first_frame = t, frame
        flags = seg.flags
        if flags & SYN:
            self.client = 1 if flags & ACK else 0
            return
        self.mid = True
        self.client = 0
        # Both sides are under way: ESTABLISHED, numbered from this packet (the sender's next
        # octet, and what it acknowledges as the peer's).
        ack = seg.ack if flags & ACK else seg.seq
        other = 1 - side
        config = self.eps[0].config
        self.eps[side] = Endpoint.resumed(
            config, seg.seq, ack, snd_wnd=UNLIMITED, rcv_wnd=UNLIMITED, passive=side != self.client
        )
        self.eps[other] = Endpoint.resumed(
            config, ack, seg.seq, snd_wnd=UNLIMITED, rcv_wnd=UNLIMITED, passive=other != self.client
        )
        for s in (0, 1):
            self.states[s].append(ESTABLISHED.value)
            self.census.moved(self.hosts[s], CLOSED, ESTABLISHED)
        self.note(
            _(
                "the capture starts in the middle of this connection: its first packet ({frame}) is not a SYN. "
                "Both sides are taken to be ESTABLISHED, numbered from that packet; the client is taken to be "
                "its sender."
            ).format(frame=frame)
        )

    # ------------------------------------------------------------------ what arrived
    def _settle(self, side: int, seg: Segment, t: float) -> None:
        """``side`` sends ``seg``: what is on its way to it arrived before, unless ``seg``
        acknowledges none of it (then it had not arrived yet, or was lost on the way)."""
        inbox = self.inbox[side]
        if seg.flags & SYN and not seg.flags & ACK:
            ep = self.eps[side]
            if ep.state is SYN_SENT and seg.seq == ep.iss:
                # Its SYN again: no SYN,ACK has reached it (one would have made it ESTABLISHED and
                # had it acknowledge, RFC 9293 3.10.7.3): what is on its way was lost after the
                # capture point, or is still on its way (a copy sent again shows which).
                return
        evidence = seg.flags & ACK and not seg.flags & RST
        answer = seg if seg.flags & SYN else None
        while inbox:
            flight = inbox[0]
            if evidence and ((flight.seg.seq - seg.ack) & sq.MASK) < sq.HALF:  # le(SEG.ACK, its SEQ)
                return
            del inbox[0]
            if evidence and flight.seg.data:
                self._shut_down_only(side)
            self._arrive(side, flight.seg, flight.t, answer, flight.frame)

    def _shut_down_only(self, side: int) -> None:
        """``side`` sent its FIN and now acknowledges new data instead of resetting: it had shut
        down its sending side only (shutdown(SHUT_WR)), not closed its socket. The FIN was taken
        as close(), after which a stack that resets on data after close (Linux L17, FreeBSD F14)
        would have, and an orphan's FIN-WAIT-2 limit (Linux L10) would apply: neither does."""
        ep = self.eps[side]
        if ep.receive_shut and ep.state in (FIN_WAIT_1, FIN_WAIT_2):
            ep.released = ep.receive_shut = False
            ep.timers.pop("finwait2", None)  # its queued deadline is then ignored (see fire)

    def settle_by(self, t: float) -> float | None:
        """Segments captured before ``t`` whose receiver has not answered: arrived. Returns the
        capture time of the oldest still on its way, if any.

        Not a SYN or a SYN,ACK (nor what follows it): a handshake nobody answers did not happen
        for its receiver (a SYN lost, filtered, or from a spoofed address; a SYN,ACK whose client
        is gone leaves the server SYN-RECEIVED, half-open), and the receiver of a SYN that did
        arrive answers it at once."""
        oldest: float | None = None
        t += ROUNDING  # the census asks for (captured + SETTLE) - SETTLE, which floats can put below captured
        for side in (0, 1):
            inbox = self.inbox[side]
            while inbox and inbox[0].t <= t and not inbox[0].seg.flags & SYN:
                flight = inbox.pop(0)
                self._arrive(side, flight.seg, flight.t, None, flight.frame)
            if inbox and not inbox[0].seg.flags & SYN and (oldest is None or inbox[0].t < oldest):
                oldest = inbox[0].t
        return oldest

    def _missing_sent(self, side: int, ack: Seq, t: float) -> None:
        """The peer acknowledges octets ``side`` sent that the capture lacks (sent before it began,
        or lost before the capture point): ``side`` sent them (as zeros), unseen."""
        ep = self.eps[side]
        missing = sq.diff(ack, ep.snd_nxt)
        if missing > MAX_GAP:
            return
        self.note(
            _(
                "{missing} octets the {role} sent ({start} to {ack}) are not in the capture, but its peer "
                "acknowledges them: the capture missed them."
            ).format(missing=missing, role=self.role(side), start=ep.snd_nxt, ack=ack)
        )
        self._call(side, ep.send(bytes(missing), t), t, 0)

    def _acknowledged(self, side: int, seg: Segment, t: float) -> None:
        """``side`` acknowledges ``seg.ack``: octets its model has not received yet reached it
        unseen (the capture missed them); they go to its model as zeros."""
        ep = self.eps[side]
        if not (0 < ((seg.ack - ep.rcv_nxt) & sq.MASK) < sq.HALF):  # gt(SEG.ACK, RCV.NXT)
            return
        peer = self.eps[1 - side]
        missing = sq.diff(seg.ack, ep.rcv_nxt)
        if missing > MAX_GAP:
            return
        if peer.state in SENDING and sq.gt(seg.ack, peer.snd_nxt):
            self._missing_sent(1 - side, seg.ack, t)
        ghost = Segment(0, 0, ep.rcv_nxt, ep.snd_una, ACK, UNLIMITED, bytes(missing))
        self._arrive(side, ghost, t, None, 0)
