"""Read a capture file (classic pcap or pcapng) into TCP segments, grouped into conversations.

:mod:`.files` walks the file's records and refuses a broken file (validated first, before any
decoding); :mod:`.decode` turns each frame into a TCP segment. Link types: Ethernet (what tcpdump
writes on Linux loopback; VLAN, MPLS and PPPoE included), Linux cooked capture v1 and v2
(``tcpdump -i any``), BSD loopback (NULL and LOOP, what macOS writes on ``lo0``), and raw
IPv4/IPv6 (what tcpsim's own export writes). IPv4 and IPv6 both; TCP checksums are not checked,
since captures on the sending host see the checksum before the network card fills it in.

One pass, whatever the file's size: every TCP conversation is counted, and only the packets of
the one asked for are kept (or all of them, for :func:`read_capture` without a stream).

A frame whose bytes contradict themselves does not stop the import: it becomes a
:class:`FrameNote` ("packet 7: not decodable: …") and the reading goes on. Exceptions from the
decoder are told apart by type: :class:`~.decode.Undecodable` is the capture's fault; anything
else is tcpsim's own bug, which the note says plainly (and which the tests, with
``TCPSIM_STRICT=1``, raise instead of noting).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..core.segment import Segment
from ..core.seq import Seq
from ..i18n import _, ngettext
from ..sim.trace import round_time
from .decode import TCP_FLAGS, Decoded, Skip, Undecodable, decode
from .files import CaptureError, CaptureFile, Record

__all__ = ["Capture", "CaptureError", "Conversation", "FrameNote", "TcpPacket", "conversations", "read_capture"]

MAX_CAPTURE_BYTES = 256 * 1024 * 1024
"""Bigger captures are refused with a hint to cut them (checked before anything is read)."""
MAX_CONVERSATIONS = 100_000
"""Conversations counted and listed; the packets of more are counted together (issue 14 reads
whole captures with its own, expiring table)."""
MAX_FRAME_NOTES = 100
"""Frames noted one by one; beyond this the notes are counted (a fuzzed file can have millions)."""
STRICT_ENV = "TCPSIM_STRICT"
"""Set to 1, an exception of tcpsim's own decoder is raised instead of noted (for tests and fuzzing)."""


@dataclass(frozen=True, slots=True)
class TcpPacket:
    """One TCP segment as it was captured."""

    frame: int
    """1-based position of the packet in the file (Wireshark's frame number)."""
    time_ns: int
    """Absolute capture time, nanoseconds since the Unix epoch (exact, for differences)."""
    src: str
    dst: str
    segment: Segment
    """The segment as tcpsim models it (flags beyond SYN FIN RST PSH ACK are left out)."""
    raw_flags: int
    """All the TCP flag bits, URG, ECE and CWR included."""
    wscale: int | None = None
    """The window-scale option, on a SYN."""
    mss: int | None = None
    missing: int = 0
    """Payload octets cut off by the capture's snap length (they are zeros in ``segment.data``)."""

    @property
    def time(self) -> float:
        """Absolute capture time, seconds since the Unix epoch."""
        return self.time_ns / 1e9

    @property
    def source(self) -> tuple[str, int]:
        return (self.src, self.segment.sport)

    @property
    def destination(self) -> tuple[str, int]:
        return (self.dst, self.segment.dport)


@dataclass(frozen=True, slots=True)
class FrameNote:
    """Something about one frame of the file that the import had to leave out or assume."""

    frame: int
    time_ns: int
    text: str
    """What is wrong: ``not decodable: …``."""


@dataclass(slots=True)
class Conversation:
    """Every segment between two (address, port) pairs, both ways, in capture order."""

    index: int
    """0-based, in order of first packet, like Wireshark's ``tcp.stream``."""
    a: tuple[str, int]
    """The sender of the first packet."""
    b: tuple[str, int]
    packets: list[TcpPacket] = field(default_factory=list)
    """Its packets, when they were kept (a long capture keeps only the conversation asked for)."""
    count: int = 0
    first_ns: int = 0
    last_ns: int = 0
    latest_ns: int = 0
    """The latest time stamped on any of its packets (not the last one's, if time went backwards)."""

    def __post_init__(self) -> None:
        if self.packets and not self.count:
            self.count = len(self.packets)
            self.first_ns, self.last_ns = self.packets[0].time_ns, self.packets[-1].time_ns
            self.latest_ns = max(p.time_ns for p in self.packets)

    def add(self, packet: TcpPacket, keep: bool) -> None:
        if not self.count:
            self.first_ns = self.latest_ns = packet.time_ns
        self.count += 1
        self.last_ns = packet.time_ns
        self.latest_ns = max(self.latest_ns, packet.time_ns)
        if keep:
            self.packets.append(packet)

    @property
    def span(self) -> float:
        """Seconds from its first packet to its latest (what an import calls the capture's end)."""
        return round_time(max(self.latest_ns - self.first_ns, 0) / 1e9)

    @property
    def first(self) -> float:
        return self.first_ns / 1e9

    @property
    def last(self) -> float:
        return self.last_ns / 1e9

    def describe(self, origin: float | None = None) -> str:
        """``stream 0: 127.0.0.1:41234 <-> 127.0.0.1:8080, 10 packets, 0.000000 s to 0.004512 s``."""
        origin = self.first if origin is None else origin
        return (
            f"stream {self.index}: {endpoint_text(self.a)} <-> {endpoint_text(self.b)}, "
            f"{self.count} packet{'s' if self.count != 1 else ''}, "
            f"{self.first - origin:.6f} s to {self.last - origin:.6f} s"
        )


@dataclass(slots=True)
class Capture:
    """What a file held: its TCP conversations, the packets kept, and a count of everything else."""

    path: Path
    format: str
    """``pcap`` or ``pcapng``."""
    link_types: list[int]
    frames: int
    packets: list[TcpPacket]
    """The TCP packets kept: all of them, or those of the conversation asked for."""
    skipped: dict[str, int] = field(default_factory=dict)
    """Frames that are not TCP segments, by reason (``not IP``, ``UDP``, ``IP fragments``…)."""
    notes: list[FrameNote] = field(default_factory=list)
    """Frames left out or read with an assumption, each named (the first :data:`MAX_FRAME_NOTES`)."""
    unnoted: int = 0
    """Notes beyond those kept."""
    conversations: list[Conversation] = field(default_factory=list)
    first_ns: int | None = None
    """The time of the first TCP packet (the origin of the times in a list of conversations)."""

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1

    def note(self, frame: int, time_ns: int, text: str) -> None:
        if len(self.notes) < MAX_FRAME_NOTES:
            self.notes.append(FrameNote(frame, time_ns, text))
        else:
            self.unnoted += 1


def endpoint_text(endpoint: tuple[str, int]) -> str:
    address, port = endpoint
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


# ---------------------------------------------------------------------------------------- the file
def read_capture(path: str | os.PathLike[str], stream: int | None = None) -> Capture:
    """Every TCP conversation of a pcap or pcapng file; the packets of all of them, or (``stream``)
    of that one only. Raises :class:`CaptureError`."""
    with CaptureReader(path, stream) as reader:
        return reader.capture


class CaptureReader:
    """A capture file, checked and read once (its conversations counted, the packets asked for
    kept), and open to be read again for one conversation's packets (:meth:`items`), for as long as
    it is not closed. Raises :class:`CaptureError`."""

    def __init__(
        self,
        path: str | os.PathLike[str],
        keep: int | None = None,
        limit: tuple[int, int] | None = None,
        *,
        enough: int | None = None,
    ) -> None:
        """``keep``: the conversation whose packets the capture keeps (None: all; -1: none), at most
        ``limit`` of them and of their payload bytes (more is a :class:`CaptureError`); ``enough``:
        stop reading once that many conversations are found (the capture is then counted only so far)."""
        self.source = source = CaptureFile(path, MAX_CAPTURE_BYTES)
        try:
            if source.size > MAX_CAPTURE_BYTES:
                raise CaptureError(
                    _(
                        "{name}: larger than {MAX_CAPTURE_BYTES} MiB; cut out the connection first (tcpdump -r FILE -w "
                        "SMALL 'port N', or editcap)"
                    ).format(name=source.name, MAX_CAPTURE_BYTES=MAX_CAPTURE_BYTES >> 20)
                )
            source.validate()
            self.capture = Capture(source.path, source.format, source.link_types, 0, [])
            _read(source.records(), self.capture, keep, limit, enough)
            _check(source.name, self.capture)
        except BaseException:
            source.close()
            raise

    def items(self, index: int) -> Iterator[TcpPacket | FrameNote]:
        """The packets of conversation ``index`` and the notes on the file's frames, in file order,
        read from the file again (nothing else is kept)."""
        conv = self.capture.conversations[index]
        ends = {conv.a, conv.b}
        scratch = Capture(self.capture.path, self.capture.format, [], 0, [])
        for record in self.source.records():
            noted = len(scratch.notes)
            packet = decode_frame(record, scratch)
            if len(scratch.notes) > noted:
                yield from scratch.notes[noted:]
            if packet is not None and packet.source in ends and packet.destination in ends:
                yield packet

    def close(self) -> None:
        self.source.close()

    def __enter__(self) -> CaptureReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _check(name: str, capture: Capture) -> None:
    if capture.frames == 0:
        raise CaptureError(_("{name}: the capture holds no packets").format(name=name))
    if not capture.conversations:
        what = ", ".join(f"{count} {reason}" for reason, count in sorted(capture.skipped.items()))
        raise CaptureError(
            ngettext(
                "{name}: no TCP segment in the capture, so no TCP connection to import ({n} packet: {what})",
                "{name}: no TCP segment in the capture, so no TCP connection to import ({n} packets: {what})",
                capture.frames,
            ).format(name=name, n=capture.frames, what=what)
        )


def _read(
    records: Iterable[Record],
    capture: Capture,
    stream: int | None,
    limit: tuple[int, int] | None = None,
    enough: int | None = None,
) -> None:
    """Decode every record into ``capture``: conversations counted, packets kept as asked (and
    refused past ``limit``, packets and payload bytes kept, as soon as there are more), until the
    end or until ``enough`` conversations are found."""
    kept_bytes = 0
    found: dict[tuple[tuple[str, int], tuple[str, int]], Conversation] = {}
    convs = capture.conversations
    keep_all = stream is None
    for record in records:
        capture.frames = record.number
        packet = decode_frame(record, capture)
        if packet is None:
            continue
        source, destination = packet.source, packet.destination
        key = (source, destination) if source <= destination else (destination, source)
        conv = found.get(key)
        if conv is None:
            if len(convs) >= MAX_CONVERSATIONS:  # each is remembered: their number is bounded, not the file's
                capture.skip(f"TCP, beyond the first {MAX_CONVERSATIONS:,} conversations")
                continue
            conv = found[key] = Conversation(len(convs), source, destination)
            convs.append(conv)
            if capture.first_ns is None:
                capture.first_ns = packet.time_ns
            if len(convs) == enough:
                return
        keep = keep_all or conv.index == stream
        conv.add(packet, keep)
        if keep:
            capture.packets.append(packet)
            kept_bytes += len(packet.segment.data)
            if limit is not None and (len(capture.packets) > limit[0] or kept_bytes > limit[1]):
                raise CaptureError(
                    _(
                        "{path}: stream {index} has more than {limit} packets or {limit2} MiB of payload (snap-length "
                        "cuts count as the length the IP header gives), more than the app steps through; "
                        "print it instead "
                        "(tcpsim import FILE --format text, jsonl, tcpdump or mermaid, which have no such "
                        "limit), or cut "
                        "it (editcap -r FILE SMALL 1-100000)"
                    ).format(path=capture.path, index=conv.index, limit=f"{limit[0]:,}", limit2=limit[1] >> 20)
                )


def decode_frame(record: Record, capture: Capture) -> TcpPacket | None:
    """The frame's TCP segment, or None with the reason counted or noted in ``capture``.

    The boundary between the file and tcpsim: no exception from decoding a frame escapes it.
    """
    try:
        decoded = decode(record.linktype, record.data, record.wire > len(record.data))
    except Undecodable as exc:
        capture.skip("not decodable")
        capture.note(record.number, record.time_ns, _("not decodable: {exc}; left out").format(exc=exc))
        return None
    except Exception as exc:  # not the capture's fault: a bug in tcpsim's decoder
        if os.environ.get(STRICT_ENV) == "1":
            raise
        capture.skip("not decodable")
        capture.note(
            record.number,
            record.time_ns,
            _(
                "not decodable: tcpsim's decoder failed on it ({name}: {exc}). This is a bug in tcpsim, not in "
                "the capture: please report it with the file. The packet is left out"
            ).format(name=type(exc).__name__, exc=exc),
        )
        return None
    if isinstance(decoded, Skip):
        capture.skip(decoded.reason)
        return None
    return _packet(record, decoded, capture)


def _packet(record: Record, d: Decoded, capture: Capture) -> TcpPacket:
    flags = d.flags & TCP_FLAGS
    payload = d.payload + bytes(d.missing) if d.missing else d.payload
    if d.bad_options is not None and flags & 0x02:  # on a SYN the options matter: window scale, MSS
        capture.note(
            record.number,
            record.time_ns,
            _("its TCP options are malformed ({bad_options}); the options before it are read, the rest ignored").format(
                bad_options=d.bad_options
            ),
        )
    segment = Segment(d.sport, d.dport, Seq(d.seq), Seq(d.ack if flags & 0x10 else 0), flags, d.window, payload)
    return TcpPacket(record.number, record.time_ns, d.src, d.dst, segment, d.flags, d.wscale, d.mss, d.missing)


# ---------------------------------------------------------------------------------------- streams
def conversations(packets: list[TcpPacket]) -> list[Conversation]:
    """The TCP conversations, by (address, port) pairs both ways, in order of their first packet.

    Like Wireshark's ``tcp.stream`` numbering, but a port pair reused for a new connection stays
    one conversation: tcpsim follows both connections on the same two endpoints, as a scenario does.
    """
    found: dict[frozenset[tuple[str, int]], Conversation] = {}
    for packet in packets:
        key = frozenset((packet.source, packet.destination))
        conv = found.get(key)
        if conv is None:
            conv = found[key] = Conversation(len(found), packet.source, packet.destination)
        conv.add(packet, True)
    return list(found.values())


def iter_streams(capture: Capture) -> Iterator[str]:
    """One line per conversation, for listing them (times from the capture's first TCP packet)."""
    origin = (capture.first_ns or 0) / 1e9
    for conv in capture.conversations:
        yield conv.describe(origin)
