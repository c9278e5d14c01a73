"""Helpers for the export tests: run the bundled scenarios once, read a pcap back without dpkt."""

from __future__ import annotations

import functools
import socket
import struct
from dataclasses import dataclass

from tcpsim.scenario import RunResult, bundled, load_file, run

SCENARIOS = [p.stem for p in bundled()]


@functools.cache
def result_of(name: str) -> RunResult:
    """The headless run of a bundled scenario (runs are deterministic, so one is enough)."""
    return run(load_file(next(p for p in bundled() if p.stem == name)))


def checksum(data: bytes) -> int:
    """RFC 1071 one's-complement sum; a header with a correct checksum sums to 0xFFFF."""
    if len(data) % 2:
        data += b"\0"
    total = sum(int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return total


@dataclass(frozen=True)
class Parsed:
    """One packet of a pcap, decoded by hand (independently of the library that wrote it)."""

    sec: int
    usec: int
    src: str
    dst: str
    ip_id: int
    ttl: int
    df: bool
    ip_ok: bool
    sport: int
    dport: int
    seq: int
    ack: int
    flags: int
    wnd: int
    tcp_ok: bool
    payload: bytes


def read_pcap(data: bytes) -> tuple[int, list[Parsed]]:
    """The link type and packets of a classic little-endian microsecond pcap of raw IPv4/TCP."""
    magic, major, minor, _zone, _sigfigs, _snaplen, linktype = struct.unpack("<IHHiIII", data[:24])
    assert (magic, major, minor) == (0xA1B2C3D4, 2, 4)
    packets, offset = [], 24
    while offset < len(data):
        sec, usec, incl, orig = struct.unpack("<IIII", data[offset : offset + 16])
        assert incl == orig
        assert 0 <= usec < 1_000_000
        raw = data[offset + 16 : offset + 16 + incl]
        offset += 16 + incl
        ver_ihl, _tos, total, ip_id, frag, ttl, proto, _sum = struct.unpack("!BBHHHBBH", raw[:12])
        assert ver_ihl == 0x45 and proto == 6 and total == len(raw)
        src, dst = socket.inet_ntoa(raw[12:16]), socket.inet_ntoa(raw[16:20])
        tcp = raw[20:]
        sport, dport, seq, ack, off_flags, wnd, _tsum, _urg = struct.unpack("!HHIIHHHH", tcp[:20])
        assert off_flags >> 12 == 5  # no options
        pseudo = raw[12:20] + struct.pack("!BBH", 0, 6, len(tcp))
        packets.append(
            Parsed(
                sec=sec,
                usec=usec,
                src=src,
                dst=dst,
                ip_id=ip_id,
                ttl=ttl,
                df=bool(frag & 0x4000),
                ip_ok=checksum(raw[:20]) == 0xFFFF,
                sport=sport,
                dport=dport,
                seq=seq,
                ack=ack,
                flags=off_flags & 0x3F,
                wnd=wnd,
                tcp_ok=checksum(pseudo + tcp) == 0xFFFF,
                payload=tcp[20:],
            )
        )
    return linktype, packets
