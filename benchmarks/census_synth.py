"""Big captures made of a real one: a conversation replicated from many clients, for the census.

``tcpsim bench`` needs a capture of about a million packets of many short connections, and the
anomaly tests (tests/capture/test_capture_census.py, which find this module through pytest's
``pythonpath``) need a thousand TIME-WAITs on one host or a hundred RSTs in a second. Both are made
here by replicating real conversations (the Linux loopback captures in ``tests/capture/data/``): each copy
comes from its own client address and port (``10.1.x.y``, ports from 1024), starts ``1/rate``
seconds after the one before, and keeps the original's packets, sequence numbers and relative
timing (stretched by ``stretch``). Copies overlap in time as a busy server's connections do, and
the file is written in time order, as tcpdump writes it.
"""

from __future__ import annotations

import heapq
import struct
from collections.abc import Iterator
from pathlib import Path

from tcpsim.capture.files import CaptureFile

DATA = Path(__file__).resolve().parent.parent / "tests" / "capture" / "data"
"""The real captures a copy is made of (the same files the capture tests read)."""
SERVER = bytes([10, 0, 0, 1])
_RECORD = struct.Struct("<IIII")


def template(path: Path) -> tuple[int, list[tuple[int, bytes]]]:
    """The link type and (nanoseconds since the first packet, frame) of a one-conversation capture."""
    with CaptureFile(path) as source:
        records = list(source.records())
    first = records[0].time_ns
    return records[0].linktype, [(r.time_ns - first, r.data) for r in records]


def _ip_checksum(header: bytearray) -> int:
    header[10:12] = b"\0\0"
    total: int = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _copies(
    frames: list[tuple[int, bytes]], count: int, hosts: int, rate: float, stretch: float
) -> Iterator[tuple[int, bytes]]:
    """Every copy's frames, as (time in ns, frame), in time order (a heap of the copies alive)."""
    at = 14  # Ethernet (tcpdump -i lo)
    first = frames[0][1]
    client_port = first[at + (first[at] & 15) * 4 : at + (first[at] & 15) * 4 + 2]  # loopback: tell sides by port
    gap = round(1e9 / rate)
    heap: list[tuple[int, int, int]] = []  # (time of its next frame, copy, index of that frame)
    started = 0
    while started < count or heap:
        next_start = started * gap if started < count else None
        if heap and (next_start is None or heap[0][0] <= next_start):
            t, copy, index = heapq.heappop(heap)
        else:
            t, copy, index = next_start or 0, started, 0
            started += 1
        frame = bytearray(frames[index][1])
        host = copy % hosts
        address = bytes([10, 1, host >> 8 & 255, host & 255])
        port = 1024 + (copy // hosts) % 64000
        ihl = (frame[at] & 15) * 4
        outbound = frame[at + ihl : at + ihl + 2] == client_port
        if outbound:
            frame[at + 12 : at + 20] = address + SERVER
            frame[at + ihl : at + ihl + 2] = port.to_bytes(2, "big")
        else:
            frame[at + 12 : at + 20] = SERVER + address
            frame[at + ihl + 2 : at + ihl + 4] = port.to_bytes(2, "big")
        header = frame[at : at + ihl]
        frame[at + 10 : at + 12] = _ip_checksum(header).to_bytes(2, "big")
        yield t, bytes(frame)
        if index + 1 < len(frames):
            start = copy * gap
            heapq.heappush(heap, (start + round(frames[index + 1][0] * stretch), copy, index + 1))


def write(
    path: Path,
    count: int,
    *,
    source: Path = DATA / "linux-client-closes-lo.pcap",
    hosts: int = 200,
    rate: float = 150.0,
    stretch: float = 100.0,
    epoch: int = 1_700_000_000,
) -> int:
    """Write ``count`` copies of ``source``'s conversation to ``path`` (pcap, microseconds);
    returns the number of packets written."""
    linktype, frames = template(source)
    packets = 0
    with path.open("wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype))
        for t, frame in _copies(frames, count, hosts, rate, stretch):
            seconds, micro = divmod(t // 1000, 1_000_000)
            out.write(_RECORD.pack(epoch + seconds, micro, len(frame), len(frame)))
            out.write(frame)
            packets += 1
    return packets


def head(source: Path, count: int, path: Path) -> Path:
    """The first ``count`` packets of ``source``, as a pcap (a conversation cut short)."""
    linktype, frames = template(source)
    with path.open("wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, linktype))
        for t, frame in frames[:count]:
            seconds, micro = divmod(t // 1000, 1_000_000)
            out.write(_RECORD.pack(1_700_000_000 + seconds, micro, len(frame), len(frame)) + frame)
    return path
