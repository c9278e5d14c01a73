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
- Windows are not checked (the census does not read the window-scale option): every segment is
  taken as inside the window.
- The model's retransmission timers never fire: a retransmission is seen in the capture, or not at
  all. Timers that end states do fire: 2·MSL (TIME-WAIT) and a stack's own (Linux's FIN-WAIT-2
  limit).
- Bytes missing from the capture (sent before the capture began, lost before the capture point)
  are taken as zeros, so that sequence numbers stay right; their content never matters here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core import actions as act
from ..core import seq as sq
from ..core.segment import ACK, FIN, RST, SYN, Segment
from ..core.seq import Seq
from ..core.states import State
from ..core.tcb import Endpoint, EndpointConfig
from ..i18n import _

if TYPE_CHECKING:
    from .census import Census

UNLIMITED = 1 << 30
"""The window every segment is taken to advertise, and the MSS: windows are not checked."""
SETTLE = 3.0
"""Seconds after which a segment its receiver has not answered is taken to have arrived: longer
than a first retransmission takes (RFC 6298's initial RTO is 1 s, then 2 s), so that a copy sent
again finds the first one still on its way, and takes it as lost."""
MAX_GAP = 1 << 20
"""The most octets missing at one place that are made up (as zeros) to keep the numbers right."""
MAX_QUEUE = 512
"""Segments one side may have outstanding in its model before the model takes them as
acknowledged: a capture of one direction only would otherwise keep every byte sent."""

CLOSED, LISTEN, SYN_SENT, SYN_RECEIVED = State.CLOSED, State.LISTEN, State.SYN_SENT, State.SYN_RECEIVED
ESTABLISHED, CLOSE_WAIT, TIME_WAIT = State.ESTABLISHED, State.CLOSE_WAIT, State.TIME_WAIT
FIN_WAIT_1, FIN_WAIT_2, CLOSING, LAST_ACK = State.FIN_WAIT_1, State.FIN_WAIT_2, State.CLOSING, State.LAST_ACK
GONE = (CLOSED, LISTEN)
"""States in which a side holds no connection (a listener is not one)."""
SENDING = (ESTABLISHED, CLOSE_WAIT)
ABORTABLE = (SYN_RECEIVED, ESTABLISHED, FIN_WAIT_1, FIN_WAIT_2, CLOSE_WAIT, CLOSING, LAST_ACK)
CLOSED_AFTER_FIN = (FIN_WAIT_1, FIN_WAIT_2, CLOSING, LAST_ACK, TIME_WAIT)
SIDES = ("a", "b")
NAME = {state: state.value for state in State}
"""Each state's RFC spelling: a dict lookup, where ``state.value`` is a call into Python's enum
module on every state change (measured: a tenth of a census's time, BENCHMARKS.md)."""


def shared_config(msl: float, personality: object) -> EndpointConfig:
    """One configuration for every endpoint of a census: the ports it holds would only go into
    segments the endpoint asks to send, which nobody reads here."""
    return EndpointConfig(
        port=0,
        peer_port=0,
        isn=0,
        msl=msl,
        mss=UNLIMITED,
        rcv_wnd=UNLIMITED,
        personality=personality,  # type: ignore[arg-type]
    )


class Flight:
    """A segment on its way to a side's model: what it is, when and where it was captured."""

    __slots__ = ("frame", "seg", "t")

    def __init__(self, seg: Segment, t: float, frame: int) -> None:
        self.seg = seg
        self.t = t
        self.frame = frame


class Tracked:
    """One conversation: both sides' endpoints, what is on its way to each, and what it showed.

    Side 0 is the sender of the conversation's first packet, side 1 its receiver; :attr:`client`
    says which of them is the client (the sender of the first SYN seen).
    """

    __slots__ = (
        "addr",
        "again_frames",
        "again_t",
        "census",
        "client",
        "close_wait",
        "ended",
        "eps",
        "fins",
        "first",
        "first_frame",
        "gaps",
        "hosts",
        "ident",
        "inbox",
        "key",
        "last",
        "last_frame",
        "last_syn",
        "lasting_close_wait",
        "lost",
        "mid",
        "notes",
        "octets",
        "packets",
        "resets",
        "retransmissions",
        "rkey",
        "scheduled",
        "states",
        "syn_frame",
        "syn_seen",
        "synacks",
        "time_wait_since",
        "unacknowledged",
    )

    def __init__(
        self,
        census: Census,
        ident: int,
        key: bytes,
        rkey: bytes,
        addr: tuple[tuple[str, int], tuple[str, int]],
        config: EndpointConfig,
    ) -> None:
        self.census = census
        self.ident = ident
        self.key, self.rkey = key, rkey
        self.addr = addr
        """(host, port) of side 0 and side 1."""
        self.hosts = (addr[0][0], addr[1][0])
        self.eps = [Endpoint(config), Endpoint(config)]
        self.client = 0
        self.states: tuple[list[str], list[str]] = ([], [])
        """Every state each side entered, in order (RFC spellings)."""
        self.inbox: tuple[list[Flight], list[Flight]] = ([], [])
        """Segments on their way to each side, oldest first."""
        self.first = self.last = 0.0
        self.first_frame = self.last_frame = 0
        self.packets = 0
        self.octets = 0
        """Payload bytes both ways, retransmissions included (what the app's census table shows)."""
        self.notes: list[str] = []
        self.mid = False
        """The capture starts in the middle of this connection."""
        self.syn_seen = False
        self.syn_frame = 0
        self.retransmissions = [0, 0]
        self.again_frames: tuple[list[int], list[int]] = ([], [])
        """The first few packets each side sent again."""
        self.again_t = [0.0, 0.0]
        """When each side first sent something again."""
        self.synacks = [0, 0]
        self.last_syn: list[Segment | None] = [None, None]
        """The last SYN each side sent (a SYN,ACK that comes late still answers it)."""
        self.lasting_close_wait = 0.0
        """The longest stay in CLOSE-WAIT that ended, in seconds."""
        self.lost = [0, 0]
        """Segments sent again while their first copy was still unacknowledged, by sender."""
        self.resets: list[tuple[int, int]] = []
        """(side, frame) of each RST sent."""
        self.fins = [0, 0]
        """The frame of each side's first FIN."""
        self.close_wait: list[tuple[float, int] | None] = [None, None]
        """When and at which packet each side entered CLOSE-WAIT (None: not in it)."""
        self.time_wait_since: list[tuple[float, int] | None] = [None, None]
        self.gaps: tuple[list[tuple[Seq, Seq]], list[tuple[Seq, Seq]]] = ([], [])
        """Sequence ranges each side sent that the capture has not shown yet (filled with zeros)."""
        self.scheduled = [0.0, 0.0]
        """The deadline last queued for each side's timer (to queue each only once)."""
        self.unacknowledged = False
        self.ended: float | None = None
        """When both sides were last seen holding no connection (None: at least one holds one)."""

    # ------------------------------------------------------------------ reading
    @property
    def server(self) -> int:
        return 1 - self.client

    def role(self, side: int) -> str:
        """The side's role, in the language spoken (for the notes' and anomalies' words)."""
        return _("client") if side == self.client else _("server")

    def final(self, side: int) -> str:
        return NAME[self.eps[side].state]

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

    def note(self, text: str) -> None:
        if len(self.notes) < 20:
            self.notes.append(text)

    # ------------------------------------------------------------------ what arrived
    def _settle(self, side: int, seg: Segment, t: float) -> None:
        """``side`` sends ``seg``: what is on its way to it arrived before, unless ``seg``
        acknowledges none of it (then it had not arrived yet, or was lost on the way)."""
        inbox = self.inbox[side]
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
        for side in (0, 1):
            inbox = self.inbox[side]
            while inbox and inbox[0].t <= t and not inbox[0].seg.flags & SYN:
                flight = inbox.pop(0)
                self._arrive(side, flight.seg, flight.t, None, flight.frame)
            if inbox and not inbox[0].seg.flags & SYN and (oldest is None or inbox[0].t < oldest):
                oldest = inbox[0].t
        return oldest

    def _arrive(self, side: int, seg: Segment, t: float, answer: Segment | None, frame: int) -> None:
        """SEGMENT ARRIVES at ``side``'s model (the packet ``frame``; 0: one the capture lacks);
        ``answer``: the SYN,ACK with which ``side`` answers, when ``seg`` is a SYN."""
        ep = self.eps[side]
        old = ep.state
        flags = seg.flags
        if (
            flags & SYN
            and not flags & ACK
            and old in GONE
            and answer is not None
            and answer.flags & ACK
            and answer.ack == sq.add(seg.seq, 1)
        ):
            if old is CLOSED:  # it answers a SYN with SYN,ACK: it was listening
                self._call(side, ep.open_passive(t), t, frame)
                old = ep.state
            ep.next_iss = answer.seq  # the ISS its SYN,ACK shows (RFC 9293 3.4.1: the host's choice)
        actions = ep.segment_arrives(seg, t)
        if ep.received:
            del ep.received[:]  # the application reads it: nothing here needs the bytes
        if ep.state is not old or old is TIME_WAIT:
            self._changed(side, old, actions, t, frame)

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

    # ------------------------------------------------------------------ what a side sent
    def _sent_syn(self, side: int, seg: Segment, t: float, frame: int) -> None:
        ep = self.eps[side]
        state = ep.state
        if not self.syn_seen:
            self.syn_seen, self.syn_frame = True, frame
        self.last_syn[side] = seg
        if state is SYN_SENT and seg.seq == ep.iss:
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
            self.census.half_open(self, side, frame, t, state.value)
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
        self.census.reset(self, side, frame, t)
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
        if state in CLOSED_AFTER_FIN and (((end - ep.snd_nxt) & sq.MASK) >= sq.HALF or end == ep.snd_nxt):
            self._again(side, start, end, frame)
            return
        if state is CLOSED and self.resets:
            return  # sent before the RST reached it: it crossed the RST
        if state is CLOSED and flags & FIN and self.fins[side] and len(self.states[side]) >= 2:
            self._fin_again_after_its_ack(side, frame)
            return
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
                    self.census.lost(self, side, frame)
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

    def _fin_again_after_its_ack(self, side: int, frame: int) -> None:
        """``side`` sends its FIN again after the capture showed its peer acknowledge it, which
        the model took as received (it is CLOSED): two readings, which the note says."""
        self._retransmitted(side, frame)
        self.census.readings += 1
        before = self.states[side][-2]
        self.note(
            _(
                "two readings: the {role} sends its FIN again (packet {frame}) after the capture showed the {peer} "
                "acknowledge it: that acknowledgment was lost after the capture point (the {role} was still in "
                "{state} until a later one arrived), or this copy crossed it on the way (it was sent before the "
                "acknowledgment arrived). The census takes the acknowledgment as received when it was captured: "
                "the {role} is CLOSED from then on"
            ).format(role=self.role(side), frame=frame, peer=self.role(1 - side), state=before)
        )

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

    # ------------------------------------------------------------------ what the core did
    def _call(self, side: int, actions: list[act.Action], t: float, frame: int) -> None:
        """A call on ``side``'s endpoint has returned ``actions``: follow any state change."""
        for a in actions:
            if isinstance(a, act.StateChanged):
                self._changed(side, a.old, actions, t, frame)
                return
        if self.eps[side].state is TIME_WAIT:
            self._timers(side)

    def _changed(self, side: int, old: State, actions: list[act.Action], t: float, frame: int) -> None:
        """``side`` moved from ``old`` (through any states ``actions`` show) to where it is now."""
        ep = self.eps[side]
        new = ep.state
        states = self.states[side]
        for a in actions:
            if isinstance(a, act.StateChanged):
                states.append(NAME[a.new])
        if new is not old:
            self.census.moved(self.hosts[side], old, new)
            if old is CLOSE_WAIT:
                since = self.close_wait[side]
                if since is not None:
                    self.lasting_close_wait = max(self.lasting_close_wait, t - since[0])
                    self.census.close_wait_ended(self, side, since, t, frame)
                self.close_wait[side] = None
            if new is CLOSE_WAIT:
                self.close_wait[side] = (t, frame or self.last_frame)
            if new is TIME_WAIT:
                self.time_wait_since[side] = (t, frame or self.last_frame)
                self.census.time_wait_entered(self, side, t)
            elif old is TIME_WAIT:
                self.time_wait_since[side] = None
        if ep.timers and (len(ep.timers) > 1 or "rto" not in ep.timers):
            self._timers(side)

    def _timers(self, side: int) -> None:
        """Queue the endpoint's timers that end states (never the retransmission timer)."""
        for name, deadline in self.eps[side].timers.items():
            if name != "rto" and deadline != self.scheduled[side]:
                self.scheduled[side] = deadline
                self.census.schedule(deadline, self, side, name)

    def fire(self, side: int, name: str, deadline: float) -> None:
        """A queued timer's deadline has come (ignored if the endpoint has moved it since)."""
        ep = self.eps[side]
        if ep.timers.get(name) != deadline:
            return
        old = ep.state
        actions = ep.timer_expired(name, deadline)  # type: ignore[arg-type]
        if ep.state is not old:
            self._changed(side, old, actions, deadline, 0)
        elif ep.timers:
            self._timers(side)
        self.check_ended(deadline)

    def cut_short(self, side: int, t: float) -> None:
        """A new connection on these addresses and ports ends ``side``'s TIME-WAIT: its TCB is
        deleted (as ABORT in TIME-WAIT does, RFC 9293 3.10.5)."""
        ep = self.eps[side]
        self._call(side, ep.abort(t), t, 0)
        if ep.state is not CLOSED:  # not expected of the core; never leave a state counted twice
            self.census.moved(self.hosts[side], ep.state, CLOSED)
            ep.state = CLOSED

    def check_ended(self, t: float) -> None:
        if self.eps[0].state in GONE and self.eps[1].state in GONE and not self.inbox[0] and not self.inbox[1]:
            if self.ended is None:
                self.ended = t
                self.census.ended(self)
        else:
            self.ended = None

    def new_connection_ends_this(self, side: int) -> bool:
        """Whether a SYN ``side`` sends now begins a new conversation on these addresses and ports:
        nothing of this one is left but a TIME-WAIT, which the SYN cuts short (or meets)."""
        mine, peer = self.eps[side].state, self.eps[1 - side].state
        return mine in (CLOSED, LISTEN, TIME_WAIT) and peer in (CLOSED, LISTEN, TIME_WAIT)
