"""Sequence numbers as the user asked to see them (``t``), and segment labels that fit their row.

Relative numbers count from each side's ISN, as Wireshark shows them. The panes know the ISN of
the current connection; a history of several connections needs the ISN each row was sent under,
so :class:`SeqBases` follows the trace: a SYN sets its sender's base (the first segment seen
stands in for a capture that starts mid-connection), and a row asks for the base in force at its
own place in the trace.
"""

from __future__ import annotations

from bisect import bisect_right

from ..core.names import peer_of
from ..core.segment import Flags, Segment
from ..sim.trace import SendEvent, TraceEvent

MASK = 0xFFFFFFFF


class SeqBases:
    """Each endpoint's ISN along the trace, so that every row can be shown relative to its own."""

    def __init__(self) -> None:
        self._at: dict[str, list[int]] = {"client": [], "server": []}
        self._base: dict[str, list[int]] = {"client": [], "server": []}

    def feed(self, index: int, record: TraceEvent) -> None:
        """Note a record (trace position ``index``): a SYN starts a new base for its sender."""
        if not isinstance(record, SendEvent) or record.injected:
            return
        seg = record.segment
        positions = self._at[record.endpoint]
        if seg.flags & Flags.SYN or not positions:
            positions.append(index)
            self._base[record.endpoint].append(int(seg.seq))

    def truncate(self, length: int) -> None:
        """Forget what came from records at positions ``length`` and later (the trace was cut)."""
        for name, positions in self._at.items():
            keep = bisect_right(positions, length - 1)
            del positions[keep:]
            del self._base[name][keep:]

    def base(self, endpoint: str, index: int) -> int | None:
        """The ISN ``endpoint`` used at trace position ``index``, if one has been seen."""
        positions = self._at.get(endpoint)
        if not positions:
            return None
        i = bisect_right(positions, index)
        return self._base[endpoint][i - 1] if i else None


def relative(value: int, base: int | None) -> int:
    return value if base is None else (value - base) & MASK


def label_forms(seg: Segment, sid: int, seq: int, ack: int) -> list[str]:
    """A segment's label, from the full one down to shorter ones that still say what it is.

    ``#4 PSH,ACK 1001 ack 5001 len 5``, then ``… ack 5001 +5``, then ``#4 PSH,ACK 1001 +5``, then
    ``#4 PSH,ACK``, then ``#4``. A row too narrow for the full label takes the first that fits, so
    that the arrow (the direction and the flight) is never what gets cut.
    """
    flags = seg.flag_text or "no flags"
    has_ack = bool(seg.flags & Flags.ACK)
    size = len(seg.data)
    head = f"#{sid} {flags} {seq}"
    ack_part = f" ack {ack}" if has_ack else ""
    full = head + ack_part + (f" len {size}" if size else "")
    forms = [full]
    if size:
        forms.append(head + ack_part + f" +{size}")
        forms.append(head + f" +{size}")
    elif has_ack:
        forms.append(head)
    forms += [f"#{sid} {flags}", f"#{sid}"]
    return forms


def numbers(seg: Segment, sender: str, index: int, bases: SeqBases | None) -> tuple[int, int]:
    """(seq, ack) of a segment sent at trace position ``index``: relative when ``bases`` is given."""
    if bases is None:
        return int(seg.seq), int(seg.ack)
    return relative(int(seg.seq), bases.base(sender, index)), relative(int(seg.ack), bases.base(peer_of(sender), index))  # type: ignore[arg-type]


def segment_text(seg: Segment, sid: int, sender: str, index: int, bases: SeqBases | None) -> str:
    """The full label of a segment, its numbers relative when ``bases`` is given."""
    seq, ack = numbers(seg, sender, index, bases)
    return label_forms(seg, sid, seq, ack)[0]
