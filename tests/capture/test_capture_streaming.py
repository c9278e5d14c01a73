"""Streaming imports (the printed formats): the same trace as the app's import, record for record,
handed out as the observer goes, in memory that follows the look ahead and not the capture."""

from __future__ import annotations

import io
import struct
import tracemalloc
from pathlib import Path

import pytest
from capture_files import pcap, scenario_packets
from rich.console import Console

from tcpsim.capture import ImportResult, import_capture
from tcpsim.export.imported import write_import_mermaid, write_import_tcpdump
from tcpsim.render import render_import
from tcpsim.scenario import bundled

DATA = Path(__file__).resolve().parent / "data"
SCENARIOS = [p.stem for p in bundled()]


def exported(tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.pcap"
    path.write_bytes(pcap(scenario_packets(name), 101))
    return path


def both(path: Path, stream: int | None = None) -> tuple[list, list]:
    kept = import_capture(path, stream, frames=False)
    streamed = import_capture(path, stream, streaming=True)
    return kept.observation.trace, list(streamed.records())


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_bundled_scenario_streams_the_same_trace(tmp_path: Path, name: str) -> None:
    kept, streamed = both(exported(tmp_path, name))
    assert [r.to_dict() for r in streamed] == [r.to_dict() for r in kept]


@pytest.mark.parametrize("path", sorted(DATA.glob("*.pcap*")), ids=lambda p: p.name)
def test_every_real_capture_streams_the_same_trace_and_output(path: Path) -> None:
    kept, streamed = both(path)
    assert [r.to_dict() for r in streamed] == [r.to_dict() for r in kept]
    for write in (write_import_tcpdump, write_import_mermaid, write_text):
        a, b = io.StringIO(), io.StringIO()
        write(import_capture(path), a)
        write(import_capture(path, streaming=True), b)
        assert a.getvalue() == b.getvalue()


def write_text(result: ImportResult, out: io.StringIO) -> None:
    render_import(result, Console(file=out, width=120, highlight=False))


def test_the_observation_is_there_once_the_records_are_read(tmp_path: Path) -> None:
    result = import_capture(exported(tmp_path, "lost-fin"), streaming=True)
    with pytest.raises(RuntimeError, match="once its records have been read"):
        result.observation  # noqa: B018
    records = list(result.records())
    obs = result.observation
    assert obs.trace == [] and obs.packets == len(scenario_packets("lost-fin"))
    assert obs.note_count == sum(r.type == "note" for r in records) and obs.problem_count >= 1
    assert obs.end_states == import_capture(result.capture.path).observation.end_states


def long_conversation(path: Path, exchanges: int) -> Path:
    """One connection: the client sends ``exchanges`` lines of 100 bytes, each acknowledged."""
    client, server = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])

    def packet(src: bytes, dst: bytes, sport: int, dport: int, seqno: int, ack: int, flags: int, data: bytes) -> bytes:
        tcp = struct.pack("!HHIIBBHHH", sport, dport, seqno & 0xFFFFFFFF, ack, 5 << 4, flags, 65535, 0, 0) + data
        return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 0, 0, 64, 6, 0, src, dst) + tcp

    frames = [(1.0, packet(client, server, 40000, 80, 100, 0, 0x02, b""))]
    frames.append((1.001, packet(server, client, 80, 40000, 900, 101, 0x12, b"")))
    frames.append((1.002, packet(client, server, 40000, 80, 101, 901, 0x10, b"")))
    seqno = 101
    for k in range(exchanges):
        t = 1.01 + k * 0.001
        frames.append((t, packet(client, server, 40000, 80, seqno, 901, 0x18, b"x" * 100)))
        seqno += 100
        frames.append((t + 0.0005, packet(server, client, 80, 40000, 901, seqno, 0x10, b"")))
    path.write_bytes(pcap(frames, 101))
    return path


def test_streaming_memory_does_not_grow_with_the_conversation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tcpsim.capture import files

    monkeypatch.setattr(files, "_CHUNK", 1 << 14)  # the reader's own buffer out of the comparison
    short = long_conversation(tmp_path / "short.pcap", 3000)  # both longer than the look ahead
    long = long_conversation(tmp_path / "long.pcap", 12000)

    def peak(path: Path) -> int:
        tracemalloc.start()
        try:
            result = import_capture(path, streaming=True)
            count = sum(1 for _ in result.records())
            assert count > 4000
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()

    peak_short, peak_long = peak(short), peak(long)
    assert peak_long < peak_short + 500_000, (peak_short, peak_long)  # kept, the trace would add ~20 MB
