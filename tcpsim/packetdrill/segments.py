"""Comparing a ``>`` line with what the stack sent, field by field, as packetdrill does.

packetdrill checks the TCP header fields in a fixed order (``run_packet.c``, ``verify_tcp``: FIN,
SYN, RST, PSH, ACK, then the sequence number, the acknowledgment number, the window when the line
gives one) and reports the first that differs as ``live packet field tcp_ack_seq: expected: 2 (0x2)
vs actual: 1 (0x1)``. The payload length comes next (packetdrill checks it through the IP total
length); options are not compared (tcpsim has none), and the time last.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..core.segment import Flags
from .model import Packet

_FLAG_FIELDS = (
    ("tcp_fin", Flags.FIN),
    ("tcp_syn", Flags.SYN),
    ("tcp_rst", Flags.RST),
    ("tcp_psh", Flags.PSH),
    ("tcp_ack", Flags.ACK),
)


@dataclass(frozen=True, slots=True)
class Expected:
    flags: int
    seq: int | None
    """None: any sequence number (``...``)."""
    ack: int
    win: int | None
    length: int
    text: str

    @staticmethod
    def of(pkt: Packet) -> Expected:
        flags = 0
        for ch, flag in (("S", Flags.SYN), ("F", Flags.FIN), ("R", Flags.RST), ("P", Flags.PSH), (".", Flags.ACK)):
            if ch in pkt.flags:
                flags |= int(flag)
        numbers = f"...({pkt.length})" if pkt.any_seq else f"{pkt.start}:{pkt.end}({pkt.length})"
        text = f"{pkt.flags} {numbers}"
        if pkt.ack is not None:
            text += f" ack {pkt.ack}"
        if pkt.win is not None:
            text += f" win {pkt.win}"
        if pkt.any_options:
            text += " <...>"
        elif pkt.options is not None:
            text += " <" + ",".join(" ".join([o.name, *map(str, o.values)]) for o in pkt.options) + ">"
        return Expected(flags, None if pkt.any_seq else pkt.start, pkt.ack or 0, pkt.win, pkt.length, text)


@dataclass(frozen=True, slots=True)
class Seen:
    """A segment the stack sent, its numbers already in the script's terms."""

    flags: int
    seq: int
    ack: int
    win: int
    length: int


def aggregate(parts: list[Seen]) -> Seen:
    """Several back-to-back segments as one (packetdrill's ``aggregate_packets``): the first's
    sequence number, the last one's header, the payloads added up."""
    first, last = parts[0], parts[-1]
    return Seen(last.flags, first.seq, last.ack, last.win, sum(p.length for p in parts))


def compare(expected: Expected, seen: Seen) -> str | None:
    """The first field that differs, in packetdrill's words; None when the segment matches."""
    for name, flag in _FLAG_FIELDS:
        want, got = int(bool(expected.flags & flag)), int(bool(seen.flags & flag))
        if want != got:
            return _field(name, want, got)
    if expected.seq is not None and expected.seq != seen.seq:
        return _field("tcp_seq", expected.seq, seen.seq)
    if expected.ack != seen.ack:
        return _field("tcp_ack_seq", expected.ack, seen.ack)
    if expected.win is not None and expected.win != seen.win:
        return _field("tcp_window", expected.win, seen.win)
    if expected.length != seen.length:
        return f"live packet payload: expected {expected.length} bytes vs actual {seen.length} bytes"
    return None


def _field(name: str, want: int, got: int) -> str:
    return f"live packet field {name}: expected: {want} ({want:#x}) vs actual: {got} ({got:#x})"


def flag_letters(flags: int) -> str:
    """tcpdump's letters, as packetdrill writes them: ``S.``, ``F.``, ``P.``, ``R``, ``.``."""
    text = "".join(
        ch for ch, flag in (("S", Flags.SYN), ("F", Flags.FIN), ("R", Flags.RST), ("P", Flags.PSH)) if flags & flag
    )
    if flags & Flags.ACK:
        text += "."
    return text or "-"


def describe_expected(expected: Expected) -> str:
    return expected.text


def describe_seen(seen: Seen, t: float | None) -> str:
    text = f"{flag_letters(seen.flags)} {seen.seq}:{(seen.seq + seen.length) & 0xFFFF_FFFF}({seen.length})"
    if seen.flags & Flags.ACK:
        text += f" ack {seen.ack}"
    text += f" win {seen.win}"
    return text if t is None else f"{t:.6f} {text}"
