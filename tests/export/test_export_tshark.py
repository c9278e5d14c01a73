"""Wireshark reads every export: tshark decodes each packet of each bundled scenario with no checksum
error and nothing malformed, sees the same conversation, and flags the retransmissions tcpsim made.

One tshark call per file, all of them run at once by a module fixture; the tests read its results.
"""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from export_support import SCENARIOS, result_of

from tcpsim.export import EPOCH, captured, write_pcap

FIELDS = (
    "frame.number",
    "frame.time_epoch",
    "frame.protocols",
    "ip.src",
    "ip.dst",
    "ip.id",
    "ip.ttl",
    "ip.checksum.status",
    "tcp.srcport",
    "tcp.dstport",
    "tcp.seq",
    "tcp.ack",
    "tcp.flags",
    "tcp.len",
    "tcp.window_size_value",
    "tcp.checksum.status",
    "tcp.payload",
    "tcp.analysis.retransmission",
    "tcp.analysis.fast_retransmission",
    "tcp.analysis.spurious_retransmission",
    "_ws.malformed",
    "_ws.expert.severity",
    "_ws.expert.message",
)
GOOD = "1"  # Wireshark's PROTO_CHECKSUM_E_GOOD: verified, and correct
PI_ERROR = 0x00800000  # expert severity "Error": bad checksums, malformed packets, bogus header lengths
POINTS = ("sender", "receiver")

# Where tcpsim retransmits because a segment was lost, Wireshark must see exactly those
# retransmissions. Elsewhere it may flag more than tcpsim did: the SYN,ACKs of a simultaneous
# open repeat their SYN's sequence number, and the old-duplicate scenarios reuse the ports and
# the ISNs on purpose, so a new connection looks like the old one sent again.
EXACT = ("lost-syn", "lost-syn-ack", "lost-fin", "lost-final-ack", "lost-final-ack-no-time-wait", "give-up")


def tshark_rows(tshark: str, path: Path) -> list[dict[str, str]]:
    """One dict per packet, from one tshark call with checksum validation on and absolute numbers."""
    command = [tshark, "-n", "-r", str(path)]
    command += ["-o", "tcp.check_checksum:TRUE", "-o", "ip.check_checksum:TRUE"]
    command += ["-o", "tcp.relative_sequence_numbers:FALSE"]
    command += ["-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=;"]
    for field in FIELDS:
        command += ["-e", field]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return [dict(zip(FIELDS, line.split("\t"), strict=True)) for line in done.stdout.splitlines()]


def problems(rows: list[dict[str, str]]) -> list[str]:
    """Every checksum error, malformed packet and error-level expert item tshark reported."""
    found = []
    for row in rows:
        n = row["frame.number"]
        if not row["frame.protocols"].startswith("raw:ip:tcp"):
            found.append(f"frame {n}: decoded as {row['frame.protocols']}")
        if row["ip.checksum.status"] != GOOD or row["tcp.checksum.status"] != GOOD:
            found.append(f"frame {n}: checksum status ip={row['ip.checksum.status']} tcp={row['tcp.checksum.status']}")
        if row["_ws.malformed"]:
            found.append(f"frame {n}: malformed")
        severities = [int(s) for s in row["_ws.expert.severity"].split(";") if s]
        for severity, message in zip(severities, row["_ws.expert.message"].split(";"), strict=False):
            if severity >= PI_ERROR:
                found.append(f"frame {n}: {message}")
    return found


@pytest.fixture(scope="module")
def views(tshark: str, tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], list[dict[str, str]]]:
    """tshark's reading of every bundled scenario's export, at both capture points."""
    folder = tmp_path_factory.mktemp("pcaps")
    jobs = {}
    for name in SCENARIOS:
        result = result_of(name)
        for point in POINTS:
            path = folder / f"{name}-{point}.pcap"
            write_pcap(result.trace, result.scenario, path, point)
            jobs[name, point] = path
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        futures = {key: pool.submit(tshark_rows, tshark, path) for key, path in jobs.items()}
        return {key: future.result() for key, future in futures.items()}


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("name", SCENARIOS)
def test_tshark_decodes_every_packet_cleanly(views: dict, name: str, point: str) -> None:
    rows = views[name, point]
    assert rows
    assert problems(rows) == []


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("name", SCENARIOS)
def test_tshark_sees_the_same_conversation(views: dict, name: str, point: str) -> None:
    result = result_of(name)
    packets = list(captured(result.trace, point))
    rows = views[name, point]
    assert len(rows) == len(packets)
    address = {"client": "10.0.0.1", "server": "10.0.0.2"}
    for packet, row in zip(packets, rows, strict=True):
        seg = packet.send.segment
        assert (row["ip.src"], row["ip.dst"]) == (address[packet.sender], address[packet.receiver])
        assert int(row["ip.id"], 16) == packet.send.id
        assert row["ip.ttl"] == "64"
        assert (int(row["tcp.srcport"]), int(row["tcp.dstport"])) == (seg.sport, seg.dport)
        assert (int(row["tcp.seq"]), int(row["tcp.ack"])) == (seg.seq, seg.ack)
        assert int(row["tcp.flags"], 16) == int(seg.flags)
        assert int(row["tcp.len"]) == len(seg.data)
        assert int(row["tcp.window_size_value"]) == seg.wnd
        assert bytes.fromhex(row["tcp.payload"].replace(":", "")) == seg.data
        assert abs(float(row["frame.time_epoch"]) - (EPOCH + packet.t)) < 1e-6


def _flagged(row: dict[str, str]) -> bool:
    return any(
        row[f]
        for f in (
            "tcp.analysis.retransmission",
            "tcp.analysis.fast_retransmission",
            "tcp.analysis.spurious_retransmission",
        )
    )


@pytest.mark.parametrize("name", SCENARIOS)
def test_tshark_flags_the_retransmissions_tcpsim_made(views: dict, name: str) -> None:
    result = result_of(name)
    ours = {p.send.id for p in captured(result.trace) if p.send.retransmission}
    theirs = {int(row["ip.id"], 16) for row in views[name, "sender"] if _flagged(row)}
    assert ours <= theirs
    if name in EXACT:
        assert ours and ours == theirs


def test_a_duplicate_at_the_receiver_is_a_retransmission_to_wireshark(views: dict) -> None:
    rows = views["duplicate-segment", "receiver"]
    ids = [int(row["ip.id"], 16) for row in rows]
    copy = next(i for i in ids if ids.count(i) == 2)
    first, second = (row for row in rows if int(row["ip.id"], 16) == copy)
    assert not _flagged(first) and _flagged(second)


def test_the_checker_does_catch_bad_packets(tshark: str, tmp_path: Path) -> None:
    """The clean bill above means something: a bad checksum and a truncated header are reported."""
    result = result_of("three-way-handshake")
    good = tmp_path / "good.pcap"
    write_pcap(result.trace, result.scenario, good)
    data = bytearray(good.read_bytes())
    first = 24 + 16  # the file header, the first packet's header
    data[first + 20 + 16] ^= 0xFF  # the first packet's TCP checksum
    second = first + 40 + 16
    data[second + 10] ^= 0xFF  # the second packet's IP checksum
    third = second + 40 + 16
    data[third + 20 + 12] = 0x30  # the third packet's TCP data offset: 12 bytes, less than a header
    bad = tmp_path / "bad.pcap"
    bad.write_bytes(bytes(data))
    found = problems(tshark_rows(tshark, bad))
    assert any(f.startswith("frame 1: checksum") for f in found), found
    assert any(f.startswith("frame 2: checksum") for f in found), found
    assert any(f.startswith("frame 3:") and "header length" in f for f in found), found
