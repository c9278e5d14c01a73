"""Captures for the census screen's tests: several kinds of conversation in one file.

Made of the real Linux loopback conversations in ``tests/capture/data``, replicated from many
clients by ``benchmarks/census_synth.py``: each set's clients are moved to their own addresses
(``10.1.K.y`` for set K) so that no two sets share a 4-tuple, and the sets are merged in time order,
as tcpdump would have written them.
"""

from __future__ import annotations

import struct
from pathlib import Path

import census_synth  # benchmarks/census_synth.py, on pytest's pythonpath

TESTS = Path(__file__).resolve().parent.parent
DATA = TESTS / "capture" / "data"
IP = 14  # Ethernet (tcpdump -i lo)


def _moved(frame: bytes, k: int) -> bytes:
    """``frame`` with its 10.1.x.y address moved to 10.1.k.y (the IP header's checksum made again)."""
    out = bytearray(frame)
    for at in (IP + 12, IP + 16):
        if out[at : at + 2] == b"\x0a\x01":
            out[at + 2] = k
    ihl = (out[IP] & 15) * 4
    out[IP + 10 : IP + 12] = census_synth._ip_checksum(out[IP : IP + ihl]).to_bytes(2, "big")
    return bytes(out)


def mixed(folder: Path, name: str = "mixed.pcap") -> Path:
    """A capture of 44 conversations: 30 that close cleanly (the client closes, then TIME-WAIT), 8
    reset by their client, 4 closed by the server first, 1 whose server stays in CLOSE-WAIT for
    seconds, and 1 handshake never completed (half-open); over 3 to 4 hosts and 4 seconds."""
    sets = [
        dict(count=30, hosts=3, rate=10.0, stretch=1000.0),
        dict(count=8, hosts=2, rate=4.0, stretch=1000.0, source=DATA / "linux-client-resets-lo.pcap"),
        dict(count=4, hosts=2, rate=2.0, stretch=1000.0, source=DATA / "linux-server-closes-lo.pcap"),
        dict(count=1, hosts=1, stretch=100_000.0),
    ]
    frames: list[tuple[int, int, bytes]] = []
    for k, options in enumerate(sets):
        part = folder / f"part{k}.pcap"
        census_synth.write(part, **options)  # type: ignore[arg-type]
        _linktype, records = census_synth.template(part)
        frames += [(t, k, _moved(frame, k)) for t, frame in records]
    cut = census_synth.head(DATA / "linux-client-closes-lo.pcap", 2, folder / "cut.pcap")
    _linktype, records = census_synth.template(cut)
    frames += [(t + 500_000_000, 9, frame) for t, frame in records]  # half-open, half a second in
    frames.sort(key=lambda item: (item[0], item[1]))
    path = folder / name
    with path.open("wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for t, _k, frame in frames:
            seconds, micro = divmod(t // 1000, 1_000_000)
            out.write(struct.pack("<IIII", 1_700_000_000 + seconds, micro, len(frame), len(frame)) + frame)
    return path
