"""The conversation's packets as the observer reads them: one at a time, with a bounded look ahead.

The observer looks ahead of the packet it explains: to the receiver's next packet (had a segment
arrived before it?), the sender's next (does a RST's sender behave as aborted?), a copy sent again
(was it lost?), the two SYNs (window scaling) and each side's first segment (a capture that starts
mid-connection). It never needs more than :data:`HORIZON` packets ahead, so that is all it holds,
and it lets go of each packet once explained: memory follows the look ahead, not the capture.
Packets beyond the horizon are not seen: a side silent for longer has, as far as the observer can
tell, no next packet.

The packets come as an iterator of :class:`~.reader.TcpPacket`, with the reader's
:class:`~.reader.FrameNote` among them in file order; the notes are kept aside for the observer
to put into the trace where they belong.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator

from ..core import seq as sq
from ..core.names import EndpointName
from ..core.segment import Segment
from ..core.seq import Seq
from .reader import FrameNote, TcpPacket

Item = TcpPacket | FrameNote
"""What the reader hands the observer: the conversation's packets, and notes on the file's frames."""

HORIZON = 5000
"""How many packets ahead the observer may look."""
HORIZON_BYTES = 32 << 20
"""…and how many payload bytes ahead, whichever comes first (at least one packet is read ahead)."""


class PacketWindow:
    """Packets by absolute position (0 = the conversation's first), read on demand, released behind."""

    def __init__(self, items: Iterable[TcpPacket | FrameNote], side: dict[tuple[str, int], EndpointName]) -> None:
        self._items: Iterator[TcpPacket | FrameNote] = iter(items)
        self._side = side
        self._held: deque[TcpPacket] = deque()
        self._senders: deque[EndpointName] = deque()
        self._bytes = 0
        self.base = 0
        """The position of the first packet held."""
        self.notes: deque[FrameNote] = deque()
        """The reader's notes read so far and not yet taken, in file order."""
        self.done = False
        """Whether the iterator has been read to its end."""
        # Positions held, by sender and by (sender, sequence number): a question about "the next
        # packet of" a side that is silent, or "the same segment again", costs no walk through
        # the look ahead (a one-way capture would otherwise make every packet walk all of it).
        self._of: dict[EndpointName, deque[int]] = {"client": deque(), "server": deque()}
        self._by_seq: dict[tuple[EndpointName, int], deque[int]] = {}

    @staticmethod
    def peek(
        items: Iterable[TcpPacket | FrameNote],
    ) -> tuple[TcpPacket | None, list[FrameNote], Iterator[TcpPacket | FrameNote]]:
        """The first packet of ``items``, the notes before it, and an iterator over all of them again."""
        it = iter(items)
        notes: list[FrameNote] = []
        for item in it:
            if isinstance(item, TcpPacket):
                return item, notes, _chain(notes, item, it)
            notes.append(item)
        return None, notes, iter(notes)

    def _pull(self) -> bool:
        """Read one more packet (and the notes before it); False at the end."""
        for item in self._items:
            if isinstance(item, TcpPacket):
                position = self.base + len(self._held)
                name = self._side[item.source]
                self._held.append(item)
                self._senders.append(name)
                self._bytes += len(item.segment.data)
                self._of[name].append(position)
                self._by_seq.setdefault((name, item.segment.seq), deque()).append(position)
                return True
            self.notes.append(item)
        self.done = True
        return False

    def get(self, k: int) -> TcpPacket | None:
        """The packet at position ``k``, or None past the end (or past the horizon from the oldest held)."""
        index = k - self.base
        if index < 0:
            raise IndexError(f"packet {k} was released")
        while index >= len(self._held):
            if not self._more():
                return None
        return self._held[index]

    def sender(self, k: int) -> EndpointName:
        self.get(k)
        return self._senders[k - self.base]

    def segment(self, k: int) -> Segment:
        packet = self.get(k)
        if packet is None:
            raise IndexError(f"no packet {k}")
        return packet.segment

    def next_of(self, name: EndpointName, i: int) -> int | None:
        """The position of ``name``'s next packet after ``i``, if one is in sight."""
        positions = self._of[name]
        while True:
            for k in positions:  # in order; those before the current packet are released soon
                if k > i:
                    return k
            if not self._more():
                return None

    def again(self, name: EndpointName, seq: int, i: int) -> bool:
        """Whether ``name`` sends a segment with sequence number ``seq`` again after ``i``, in sight."""
        while self._more():  # read as far as can be seen
            pass
        return any(k > i for k in self._by_seq.get((name, seq), ()))

    def sent_later(self, name: EndpointName, i: int, start: int, length: int) -> bytes | None:
        """The ``length`` octets from sequence number ``start`` on, if ``name``'s packets after ``i``
        in sight carry every one of them: bytes that arrive out of order, after later ones."""
        pieces: list[tuple[int, bytes]] = []
        seen = 0
        while True:
            for k in list(self._of[name])[seen:]:
                seen += 1
                if k <= i:
                    continue
                seg = self._held[k - self.base].segment
                offset = sq.diff(seg.seq, Seq(start))  # where its payload starts in the range
                data = seg.data[max(0, -offset) : max(0, length - offset)]
                if data:
                    pieces.append((max(offset, 0), data))
            found = _assemble(pieces, length)
            if found is not None or not self._more():
                return found

    def _more(self) -> bool:
        """Read one packet more, if the horizon allows and there is one."""
        if len(self._held) > HORIZON or (self._bytes > HORIZON_BYTES and len(self._held) > 1) or self.done:
            return False
        return self._pull()

    def ahead(self, i: int, limit: int = HORIZON) -> Iterator[int]:
        """The positions after ``i`` in sight, at most ``limit`` of them."""
        k = i + 1
        while k <= i + limit and self.get(k) is not None:
            yield k
            k += 1

    def release(self, before: int) -> None:
        """Let go of every packet before position ``before``."""
        while self.base < before and self._held:
            packet = self._held.popleft()
            name = self._senders.popleft()
            self._bytes -= len(packet.segment.data)
            self._of[name].popleft()
            same = self._by_seq[(name, packet.segment.seq)]
            same.popleft()
            if not same:
                del self._by_seq[(name, packet.segment.seq)]
            self.base += 1

    def take_notes(self, before_frame: int | None) -> list[FrameNote]:
        """The reader's notes on frames before ``before_frame`` (None: all that are left)."""
        while before_frame is None and not self.done:  # the end: read the notes after the last packet
            self._pull()
        out = []
        while self.notes and (before_frame is None or self.notes[0].frame < before_frame):
            out.append(self.notes.popleft())
        return out


def _assemble(pieces: list[tuple[int, bytes]], length: int) -> bytes | None:
    """``length`` octets from (offset, data) pieces, if they cover every one (the first copy of an
    octet counts: a retransmission carries the same bytes)."""
    out = bytearray(length)
    covered = 0
    for offset, data in sorted(pieces, key=lambda piece: piece[0]):
        if offset > covered:
            return None
        end = offset + len(data)
        if end > covered:
            out[covered:end] = data[covered - offset :]
            covered = end
    return bytes(out) if covered >= length else None


def _chain(
    notes: list[FrameNote], first: TcpPacket, rest: Iterator[TcpPacket | FrameNote]
) -> Iterator[TcpPacket | FrameNote]:
    yield from notes
    yield first
    yield from rest
