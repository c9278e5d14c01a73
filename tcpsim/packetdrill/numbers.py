"""Script numbers and wire numbers: packetdrill's ISN bookkeeping (``socket.h``).

A script writes sequence and acknowledgment numbers relative to each side's ISN, except in SYNs,
whose numbers are absolute; windows as the script's side sees them, scaled on the wire when both
SYNs carried a window scale option. :class:`Numbering` learns the ISNs and scales from the SYNs as
they pass and translates every other segment both ways.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.segment import Flags, Segment
from ..core.seq import MASK
from .model import Packet
from .segments import Seen


@dataclass
class Numbering:
    """The ISNs and window scales learned so far, and the translation they give."""

    live_isn: int = 0
    """The stack under test's ISN, as it sent it."""
    script_isn: int = 0
    """The same ISN as the script wrote it (0 for ``...``)."""
    remote_isn: int = 0
    local_ws: int | None = None
    remote_ws: int | None = None

    @property
    def scaling(self) -> bool:
        """RFC 7323 §2.2: windows are scaled only when both SYNs carried a window scale option."""
        return self.local_ws is not None and self.remote_ws is not None

    def remote_syn(self, pkt: Packet) -> None:
        """A ``<`` SYN that opens a connection: its numbers are the remote side's ISN and scale."""
        self.remote_isn = pkt.start
        self.remote_ws = option(pkt, "wscale")

    def local_syn(self, seq: int, pkt: Packet) -> None:
        """The stack's SYN, sent with ``seq`` and matched by the ``>`` line ``pkt``."""
        self.live_isn = seq
        if "S" in pkt.flags:
            self.script_isn = pkt.start  # 0 for ``...``: as if the script had written 0
            self.local_ws = option(pkt, "wscale")

    def to_wire(self, pkt: Packet, flags: Flags) -> tuple[int, int, int]:
        """A ``<`` line's sequence number, acknowledgment number and window, as the stack receives them."""
        syn = bool(flags & Flags.SYN)
        seq = pkt.start if syn else pkt.start + self.remote_isn
        ack = (pkt.ack or 0) + (self.live_isn - self.script_isn if syn else self.live_isn)
        win = pkt.win or 0
        if self.scaling and not syn and self.remote_ws:
            win <<= self.remote_ws
        return seq & MASK, ack & MASK, win

    def seen(self, seg: Segment) -> Seen:
        """A segment the stack sent, in the script's numbers."""
        syn = bool(seg.flags & Flags.SYN)
        seq = (seg.seq - (self.live_isn - self.script_isn if syn else self.live_isn)) & MASK
        ack = (seg.ack - (0 if syn else self.remote_isn)) & MASK if seg.flags & Flags.ACK else seg.ack
        win = seg.wnd >> self.local_ws if self.scaling and not syn and self.local_ws else seg.wnd
        return Seen(seg.flags, seq, ack, win, len(seg.data))


def flags_of(letters: str) -> Flags:
    """A line's flags as the script writes them (``S.``, ``F.``, ``R``, ``P.``)."""
    flags = Flags(0)
    for ch, flag in (("S", Flags.SYN), ("F", Flags.FIN), ("R", Flags.RST), ("P", Flags.PSH), (".", Flags.ACK)):
        if ch in letters:
            flags |= flag
    return flags


def option(pkt: Packet, name: str) -> int | None:
    """The first value of the line's option ``name`` (``mss``, ``wscale``), if it has one."""
    for opt in pkt.options or ():
        if opt.name == name and opt.values:
            return opt.values[0]
    return None
