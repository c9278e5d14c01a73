"""Read a capture file (classic pcap or pcapng) into TCP segments, and group them into conversations.

Records and blocks are walked here so that a file cut short is noticed where it is cut; the
headers, blocks and packets themselves are decoded by dpkt. Link types: Ethernet (what tcpdump
writes on Linux loopback), Linux cooked capture v1 and v2 (``tcpdump -i any``), BSD loopback
(NULL and LOOP, what macOS writes on ``lo0``), and raw IPv4/IPv6 (what tcpsim's own export writes).
IPv4 and IPv6 both; TCP checksums are not checked, since captures on the sending host see the
checksum before the network card fills it in.

Every problem with the file itself is a :class:`CaptureError` whose message names the file and
says what is wrong, for ``tcpsim import`` to print (exit code 2).
"""

from __future__ import annotations

import os
import socket
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.segment import Flags, Segment
from ..core.seq import seq

if TYPE_CHECKING:
    import dpkt

# dpkt (with the 70-odd protocol modules its package imports, ~20 ms) is imported by the functions
# that decode a capture file, not here: the observer and the capture package import this module for
# its types and helpers, and only reading a file needs the decoder.

LINKTYPE_NULL, LINKTYPE_ETHERNET, LINKTYPE_LOOP = 0, 1, 108
LINKTYPE_RAW, LINKTYPE_RAW_BSD, LINKTYPE_RAW_OPENBSD = 101, 12, 14
LINKTYPE_IPV4, LINKTYPE_IPV6 = 228, 229
LINKTYPE_LINUX_SLL, LINKTYPE_LINUX_SLL2 = 113, 276
LINK_NAMES = {
    LINKTYPE_NULL: "BSD loopback (NULL)",
    LINKTYPE_ETHERNET: "Ethernet",
    LINKTYPE_LOOP: "OpenBSD loopback (LOOP)",
    LINKTYPE_RAW: "raw IP",
    LINKTYPE_RAW_BSD: "raw IP",
    LINKTYPE_RAW_OPENBSD: "raw IP",
    LINKTYPE_IPV4: "raw IPv4",
    LINKTYPE_IPV6: "raw IPv6",
    LINKTYPE_LINUX_SLL: "Linux cooked capture (SLL)",
    LINKTYPE_LINUX_SLL2: "Linux cooked capture v2 (SLL2)",
}
SUPPORTED = "Ethernet, Linux cooked capture (SLL, SLL2), BSD loopback and raw IP"

_PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("<", 1_000),
    b"\xa1\xb2\xc3\xd4": (">", 1_000),
    b"\x4d\x3c\xb2\xa1": ("<", 1),
    b"\xa1\xb2\x3c\x4d": (">", 1),
}
_PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
_BSD_INET6 = (10, 24, 28, 30)  # AF_INET6 on Linux, the BSDs, macOS and FreeBSD
_TCP_FLAGS = Flags.SYN | Flags.FIN | Flags.RST | Flags.PSH | Flags.ACK
_MAX_PAYLOAD = 1 << 20
"""A snap-length cut is padded back to the payload's real length, but never beyond this."""
MAX_CAPTURE_BYTES = 256 * 1024 * 1024
"""Bigger captures are refused with a hint to cut them: tcpsim holds the whole file and every
segment in memory, and a connection worth stepping through is far smaller. It also bounds what a
device or a pipe (``tcpsim import /dev/zero``, ``<(…)``) can make it read."""


class CaptureError(Exception):
    """The capture cannot be read or holds nothing to import; the message says why, naming the file."""


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


@dataclass(slots=True)
class Capture:
    """What a file held: its TCP segments, and a count of everything else."""

    path: Path
    format: str
    """``pcap`` or ``pcapng``."""
    link_types: list[int]
    frames: int
    packets: list[TcpPacket]
    skipped: dict[str, int] = field(default_factory=dict)
    """Frames that are not TCP segments, by reason (``not IP``, ``UDP``, ``fragment``…)."""

    def skip(self, reason: str) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + 1


@dataclass(slots=True)
class Conversation:
    """Every segment between two (address, port) pairs, both ways, in capture order."""

    index: int
    """0-based, in order of first packet, like Wireshark's ``tcp.stream``."""
    a: tuple[str, int]
    """The sender of the first packet."""
    b: tuple[str, int]
    packets: list[TcpPacket] = field(default_factory=list)

    @property
    def first(self) -> float:
        return self.packets[0].time

    @property
    def last(self) -> float:
        return self.packets[-1].time

    def describe(self, origin: float | None = None) -> str:
        """``stream 0: 127.0.0.1:41234 <-> 127.0.0.1:8080, 10 packets, 0.000000 s to 0.004512 s``."""
        origin = self.first if origin is None else origin
        return (
            f"stream {self.index}: {endpoint_text(self.a)} <-> {endpoint_text(self.b)}, "
            f"{len(self.packets)} packet{'s' if len(self.packets) != 1 else ''}, "
            f"{self.first - origin:.6f} s to {self.last - origin:.6f} s"
        )


def endpoint_text(endpoint: tuple[str, int]) -> str:
    address, port = endpoint
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


# ---------------------------------------------------------------------------------------- files
def _read_at_most(path: Path, limit: int) -> bytes | None:
    """The file's bytes, or None if it holds more than ``limit``. The header is read first, so that
    a device or a pipe of something else (``/dev/zero``) is refused at once, not after ``limit``."""
    with path.open("rb") as f:
        head = f.read(4)
        if head not in _PCAP_MAGICS and head != _PCAPNG_MAGIC:
            return head  # not a capture: the caller says so from these bytes
        data = head + f.read(limit - len(head) + 1)
    return None if len(data) > limit else data


def read_capture(path: str | os.PathLike[str]) -> Capture:
    """Every TCP segment of a pcap or pcapng file. Raises :class:`CaptureError`."""
    path = Path(path)
    name = str(path)
    try:
        data = _read_at_most(path, MAX_CAPTURE_BYTES)
    except FileNotFoundError:
        raise CaptureError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise CaptureError(f"{name}: is a directory, not a capture file") from None
    except OSError as exc:
        raise CaptureError(f"{name}: cannot read it ({exc.strerror or exc})") from None
    except ValueError:  # a NUL in the name
        raise CaptureError(f"{name}: not a possible file name (it contains a NUL character)") from None
    if data is None:
        raise CaptureError(
            f"{name}: larger than {MAX_CAPTURE_BYTES >> 20} MiB; cut out the connection first "
            "(tcpdump -r FILE -w SMALL 'port N', or editcap)"
        )
    if not data:
        raise CaptureError(f"{name}: the file is empty (a capture file starts with a pcap or pcapng header)")
    magic = data[:4]
    if magic in _PCAP_MAGICS:
        capture = _read_pcap(name, path, data)
    elif magic == _PCAPNG_MAGIC:
        capture = _read_pcapng(name, path, data)
    else:
        raise CaptureError(
            f"{name}: not a pcap or pcapng capture (it starts with the bytes {data[:4].hex(' ')}; "
            "a pcap file starts with d4 c3 b2 a1 or a1 b2 c3 d4, a pcapng file with 0a 0d 0d 0a)"
        )
    if capture.frames == 0:
        raise CaptureError(f"{name}: the capture holds no packets")
    if not capture.packets:
        what = ", ".join(f"{count} {reason}" for reason, count in sorted(capture.skipped.items()))
        raise CaptureError(
            f"{name}: no TCP segment in the capture, so no TCP connection to import "
            f"({capture.frames} packet{'s' if capture.frames != 1 else ''}: {what})"
        )
    return capture


def _truncated(name: str, frame: int, offset: int, what: str) -> CaptureError:
    return CaptureError(
        f"{name}: the file is truncated: it ends in the middle of {what} (packet {frame}, at byte {offset}); "
        f"the {frame - 1} packet{'s' if frame - 1 != 1 else ''} before it are complete. "
        "Was the capture stopped abruptly, or the file cut short while copying?"
    )


def _read_pcap(name: str, path: Path, data: bytes) -> Capture:
    import dpkt.pcap

    order, unit = _PCAP_MAGICS[data[:4]]  # nanoseconds per tick of the fraction
    header_cls = dpkt.pcap.LEFileHdr if order == "<" else dpkt.pcap.FileHdr
    record_cls = dpkt.pcap.LEPktHdr if order == "<" else dpkt.pcap.PktHdr
    if len(data) < header_cls.__hdr_len__:
        raise CaptureError(f"{name}: the file is truncated inside its pcap header ({len(data)} bytes)")
    header = header_cls(data[: header_cls.__hdr_len__])
    linktype = header.linktype & 0x0FFFFFFF  # the top bits carry FCS information
    _check_link(name, linktype)
    capture = Capture(path, "pcap", [linktype], 0, [])
    offset = header_cls.__hdr_len__
    hlen = record_cls.__hdr_len__
    while offset < len(data):
        frame = capture.frames + 1
        if offset + hlen > len(data):
            raise _truncated(name, frame, offset, "a packet record's header")
        record = record_cls(data[offset : offset + hlen])
        start = offset + hlen
        if record.caplen > max(header.snaplen, 262144) * 4:
            raise CaptureError(
                f"{name}: packet {frame} (at byte {offset}) claims {record.caplen} bytes: "
                "the file is corrupt or not really a pcap"
            )
        if start + record.caplen > len(data):
            raise _truncated(name, frame, offset, "a packet")
        capture.frames = frame
        _decode(
            capture,
            frame,
            record.tv_sec * 1_000_000_000 + record.tv_usec * unit,
            linktype,
            data[start : start + record.caplen],
            record.len,
        )
        offset = start + record.caplen
    return capture


def _read_pcapng(name: str, path: Path, data: bytes) -> Capture:
    import dpkt.pcapng

    capture = Capture(path, "pcapng", [], 0, [])
    interfaces: list[tuple[int, int, int]] = []  # (link type, ticks per second, offset in seconds)
    little = True
    offset = 0
    last_time = 0
    while offset < len(data):
        if offset + 12 > len(data):
            raise _truncated(name, capture.frames + 1, offset, "a block header")
        block_type = data[offset : offset + 4]
        if block_type == _PCAPNG_MAGIC:  # a section header: fixes the byte order for its section
            bom = data[offset + 8 : offset + 12]
            if bom == b"\x4d\x3c\x2b\x1a":
                little = True
            elif bom == b"\x1a\x2b\x3c\x4d":
                little = False
            else:
                raise CaptureError(f"{name}: pcapng section header at byte {offset} has no valid byte-order mark")
            interfaces = []
        fmt = "<II" if little else ">II"
        kind, length = struct.unpack(fmt, data[offset : offset + 8])
        if length < 12 or length % 4:
            raise CaptureError(f"{name}: pcapng block at byte {offset} has an impossible length {length}: corrupt file")
        if offset + length > len(data):
            raise _truncated(name, capture.frames + 1, offset, "a block")
        block = data[offset : offset + length]
        try:
            if kind == dpkt.pcapng.PCAPNG_BT_IDB:
                idb = (dpkt.pcapng.InterfaceDescriptionBlockLE if little else dpkt.pcapng.InterfaceDescriptionBlock)(
                    block
                )
                ticks, shift = 1_000_000, 0
                for opt in idb.opts:
                    if opt.code == dpkt.pcapng.PCAPNG_OPT_IF_TSRESOL and opt.data:
                        value = opt.data[0]
                        ticks = 2 ** (value & 0x7F) if value & 0x80 else 10 ** (value & 0x7F)
                    elif opt.code == dpkt.pcapng.PCAPNG_OPT_IF_TSOFFSET and len(opt.data) >= 8:
                        shift = struct.unpack("<q" if little else ">q", opt.data[:8])[0]
                linktype = idb.linktype
                _check_link(name, linktype)
                interfaces.append((linktype, max(ticks, 1), shift))
                if linktype not in capture.link_types:
                    capture.link_types.append(linktype)
            elif kind in (dpkt.pcapng.PCAPNG_BT_EPB, dpkt.pcapng.PCAPNG_BT_PB):
                if kind == dpkt.pcapng.PCAPNG_BT_EPB:
                    epb = (dpkt.pcapng.EnhancedPacketBlockLE if little else dpkt.pcapng.EnhancedPacketBlock)(block)
                    iface, high, low, wire = epb.iface_id, epb.ts_high, epb.ts_low, epb.pkt_len
                else:
                    epb = (dpkt.pcapng.PacketBlockLE if little else dpkt.pcapng.PacketBlock)(block)
                    iface, high, low, wire = epb.iface_id, epb.ts_high, epb.ts_low, epb.pkt_len
                if iface >= len(interfaces):
                    raise CaptureError(
                        f"{name}: packet at byte {offset} names interface {iface}, which is not described"
                    )
                linktype, ticks, shift = interfaces[iface]
                capture.frames += 1
                last_time = shift * 1_000_000_000 + ((high << 32) | low) * 1_000_000_000 // ticks
                _decode(capture, capture.frames, last_time, linktype, bytes(epb.pkt_data), wire)
            elif kind == 3:  # simple packet block: interface 0, no timestamp
                if not interfaces:
                    raise CaptureError(f"{name}: packet at byte {offset} comes before any interface is described")
                wire = struct.unpack("<I" if little else ">I", block[8:12])[0]
                capture.frames += 1
                _decode(
                    capture, capture.frames, last_time, interfaces[0][0], block[12 : 12 + min(wire, length - 16)], wire
                )
        except (dpkt.UnpackError, struct.error) as exc:
            raise CaptureError(f"{name}: pcapng block at byte {offset} cannot be decoded ({exc})") from None
        offset += length
    return capture


def _check_link(name: str, linktype: int) -> None:
    if linktype not in LINK_NAMES:
        raise CaptureError(f"{name}: link type {linktype} is not supported (tcpsim reads {SUPPORTED} captures)")


# ---------------------------------------------------------------------------------------- packets
def _decode(capture: Capture, frame: int, time_ns: int, linktype: int, raw: bytes, wire_len: int) -> None:
    """Append the frame's TCP segment to the capture, or count why it is not one."""
    import dpkt

    try:
        ip = _network_layer(linktype, raw)
    except (dpkt.UnpackError, struct.error, ValueError):
        capture.skip("undecodable")
        return
    if ip is None:
        capture.skip("not IP")
        return
    missing = max(0, wire_len - len(raw))
    if isinstance(ip, dpkt.ip.IP):
        if ip.mf or ip.offset:
            capture.skip("IP fragments")
            return
        src, dst = socket.inet_ntop(socket.AF_INET, ip.src), socket.inet_ntop(socket.AF_INET, ip.dst)
        proto = ip.p
    else:
        src, dst = socket.inet_ntop(socket.AF_INET6, ip.src), socket.inet_ntop(socket.AF_INET6, ip.dst)
        proto = ip.p
    if proto != dpkt.ip.IP_PROTO_TCP:
        capture.skip({17: "UDP", 1: "ICMP", 58: "ICMPv6"}.get(proto, f"IP protocol {proto}"))
        return
    tcp = ip.data
    if not isinstance(tcp, dpkt.tcp.TCP):
        capture.skip("undecodable TCP")
        return
    payload = bytes(tcp.data)
    if missing:
        payload += b"\0" * min(missing, _MAX_PAYLOAD)
    wscale = mss = None
    try:
        for kind, value in dpkt.tcp.parse_opts(tcp.opts):
            if kind == dpkt.tcp.TCP_OPT_WSCALE and len(value) == 1:
                wscale = min(value[0], 14)  # RFC 7323 §2.3: larger shifts are taken as 14
            elif kind == dpkt.tcp.TCP_OPT_MSS and len(value) == 2:
                mss = int.from_bytes(value, "big")
    except (dpkt.UnpackError, struct.error, IndexError):
        pass
    flags = Flags(tcp.flags & _TCP_FLAGS)
    segment = Segment(
        sport=tcp.sport,
        dport=tcp.dport,
        seq=seq(tcp.seq),
        ack=seq(tcp.ack) if flags & Flags.ACK else seq(0),
        flags=flags,
        wnd=tcp.win,
        data=payload,
    )
    capture.packets.append(TcpPacket(frame, time_ns, src, dst, segment, tcp.flags, wscale, mss, missing))


def _network_layer(linktype: int, raw: bytes) -> dpkt.ip.IP | dpkt.ip6.IP6 | None:
    import dpkt

    if linktype == LINKTYPE_ETHERNET:
        inner = dpkt.ethernet.Ethernet(raw).data
    elif linktype == LINKTYPE_LINUX_SLL:
        inner = dpkt.sll.SLL(raw).data
    elif linktype == LINKTYPE_LINUX_SLL2:
        inner = dpkt.sll2.SLL2(raw).data
    elif linktype in (LINKTYPE_NULL, LINKTYPE_LOOP):
        if len(raw) < 4:
            return None
        family = int.from_bytes(raw[:4], "big" if linktype == LINKTYPE_LOOP else "little")
        if family > 0xFFFF:  # NULL is in the capturing host's byte order, which may not be ours
            family = int.from_bytes(raw[:4], "big")
        inner = _ip(raw[4:]) if family == socket.AF_INET or family in _BSD_INET6 else None
    else:
        inner = _ip(raw)
    return inner if isinstance(inner, dpkt.ip.IP | dpkt.ip6.IP6) else None


def _ip(raw: bytes) -> dpkt.ip.IP | dpkt.ip6.IP6 | None:
    import dpkt

    version = raw[0] >> 4 if raw else 0
    if version == 4:
        return dpkt.ip.IP(raw)
    if version == 6:
        return dpkt.ip6.IP6(raw)
    return None


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
        conv.packets.append(packet)
    return list(found.values())


def iter_streams(capture: Capture) -> Iterator[str]:
    """One line per conversation, for listing them (times from the capture's first TCP packet)."""
    origin = capture.packets[0].time
    for conv in conversations(capture.packets):
        yield conv.describe(origin)
