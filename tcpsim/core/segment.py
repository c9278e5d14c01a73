"""The TCP segment as the state machine sees it (RFC 9293 §3.1), without options or checksums.

Flags are written in one canonical order everywhere (``SYN,FIN,RST,PSH,ACK``) so that traces,
scenario files and tests compare as plain strings. A segment holds its flags as a plain ``int``:
:class:`Flags` names the bits for parsing and display, but ``IntFlag`` arithmetic costs about a
microsecond per operation, and the core tests flags several times per segment.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntFlag
from typing import Final

from .seq import Seq, add

FIN: Final = 0x01
SYN: Final = 0x02
RST: Final = 0x04
PSH: Final = 0x08
ACK: Final = 0x10
"""The control bits as plain ints, the one definition of their values: the core tests them on every
segment, and compiled (setup.py) a ``Final`` literal is inlined where it is used."""


class Flags(IntFlag):
    """The control bits tcpsim models, named for parsing and display (URG is not modelled: nothing
    here uses urgent data)."""

    FIN = FIN
    SYN = SYN
    RST = RST
    PSH = PSH
    ACK = ACK


FLAG_ORDER: tuple[Flags, ...] = (Flags.SYN, Flags.FIN, Flags.RST, Flags.PSH, Flags.ACK)
FLAG_NAMES: dict[str, Flags] = {f.name: f for f in FLAG_ORDER if f.name is not None}
NO_FLAGS = Flags(0)
_ORDER: tuple[tuple[int, str], ...] = tuple((int(f), f.name or "") for f in FLAG_ORDER)


def format_flags(flags: int) -> str:
    """``Flags.SYN | Flags.ACK`` → ``"SYN,ACK"``; no flags → ``""``."""
    bits = int(flags)
    return ",".join(name for bit, name in _ORDER if bits & bit)


def parse_flags(text: str) -> Flags:
    """``"ack, fin"`` → ``Flags.FIN | Flags.ACK``. Raises ``ValueError`` naming a bad flag."""
    flags = NO_FLAGS
    for part in text.replace("|", ",").replace("+", ",").split(","):
        name = part.strip().upper()
        if not name:
            continue
        if name not in FLAG_NAMES:
            raise ValueError(f"unknown flag {part.strip()!r} (flags are SYN, FIN, RST, PSH, ACK)")
        flags |= FLAG_NAMES[name]
    return flags


@dataclass(slots=True, unsafe_hash=True)
class Segment:
    """One TCP segment. ``ack`` is meaningful only when ``Flags.ACK`` is set (else it is 0).

    A value: never changed once made, so that the network, the trace and a duplicate can share
    one. Not a frozen dataclass only because a frozen one's ``__init__`` costs four times as much
    (0.7 µs against 0.15 µs, measured), and the core builds one for every segment it sends.
    """

    sport: int
    dport: int
    seq: Seq
    ack: Seq
    flags: int
    """The control bits, as an int (compare with :class:`Flags` members or their int values)."""
    wnd: int = 65535
    data: bytes = b""

    @property
    def seg_len(self) -> int:
        """SEG.LEN: payload octets plus one each for SYN and FIN (RFC 9293 §3.4)."""
        flags = self.flags
        return len(self.data) + (1 if flags & SYN else 0) + (1 if flags & FIN else 0)

    @property
    def end(self) -> Seq:
        """The sequence number just after this segment: SEG.SEQ + SEG.LEN."""
        return add(self.seq, self.seg_len)

    def has(self, flag: int) -> bool:
        """Whether a control bit is set."""
        return self.flags & flag != 0

    @property
    def flag_text(self) -> str:
        """The flags in canonical order, e.g. ``"FIN,ACK"``."""
        return format_flags(self.flags)

    def with_(self, **changes: object) -> Segment:
        """A copy with some fields changed (a segment itself is never changed: see the class)."""
        fields = {
            "sport": self.sport,
            "dport": self.dport,
            "seq": self.seq,
            "ack": self.ack,
            "flags": self.flags,
            "wnd": self.wnd,
            "data": self.data,
        }
        unknown = changes.keys() - fields.keys()
        if unknown:
            raise TypeError(f"Segment has no field {sorted(unknown)[0]!r}")
        fields.update(changes)
        return Segment(**fields)  # type: ignore[arg-type]  # 5× cheaper than dataclasses.replace

    def describe(self) -> str:
        """A compact one-line form for notes and logs: ``SYN,ACK seq=5000 ack=1001``
        (:func:`segment_label` with ``fields``)."""
        return segment_label(self, fields=True)


def segment_label(seg: Segment, sid: int | None = None, *, fields: bool = False, width: int | None = None) -> str:
    """The one way a segment is written on a line of text, in every view.

    ``#4 PSH,ACK 1001 ack 5001 len 5`` (the ladder, the timeline, the event log), or with
    ``fields`` ``PSH,ACK seq=1001 ack=5001 len=5`` (Mermaid, the notes of an import). The ``#id``
    comes first when ``sid`` is given; ``ack`` only when the ACK flag is set (else the field means
    nothing), ``len`` only when the segment carries data; a segment without flags says
    ``no flags``. ``width`` asks for the most telling form that fits that many characters, so that
    a view short of room keeps its arrow: the ACK number goes first, then the sequence number,
    then the length; what still does not fit is cut, ending in ``…``.
    """
    seq_text = f"seq={seg.seq}" if fields else str(seg.seq)
    ack_text = (f"ack={seg.ack}" if fields else f"ack {seg.ack}") if seg.flags & ACK else ""
    len_text = (f"len={len(seg.data)}" if fields else f"len {len(seg.data)}") if seg.data else ""
    head = [f"#{sid}"] if sid is not None else []
    head.append(format_flags(seg.flags) or "no flags")
    forms = (
        [*head, seq_text, ack_text, len_text],
        [*head, seq_text, len_text],
        [*head, len_text],
        head,
    )
    for parts in forms:
        text = " ".join(p for p in parts if p)
        if width is None or len(text) <= width:
            return text
    assert width is not None
    return text[: max(0, width - 1)] + "…" if width > 0 else ""
