"""Fuzz the capture import: mutated capture files through the whole ``tcpsim import``, and random
frames through the frame decoder.

What counts as a failure: any exception but :class:`CaptureError` (tcpsim's own decoder bugs are
raised, not noted: ``TCPSIM_STRICT=1``), an input that takes longer than ``--timeout`` seconds, and
an input that makes the process allocate past ``--memory`` MiB (the address space is limited, so
a blow-up is a ``MemoryError`` on the spot). Each failing input is written to ``--crashes``.

Two engines: a seeded mutation loop of its own (deterministic: the same seed gives the same
inputs; the suite runs a short one, tests/capture/test_capture_fuzz.py), and atheris, the
coverage-guided fuzzer (``pip install atheris``), with ``--atheris``. A long run::

    nice python tests/capture/fuzz_capture.py --frames 5000000 --seed 1
    nice python tests/capture/fuzz_capture.py --atheris -- -max_total_time=3600

The seeds are every bundled scenario exported in every link type the reader supports, as pcap
and pcapng, and the real Linux captures in tests/capture/data.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import random
import resource
import signal
import struct
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))
os.environ["TCPSIM_STRICT"] = "1"

from capture_files import pcap, pcapng, scenario_packets, to_ipv6, wrap  # noqa: E402

from tcpsim.capture import CaptureError, import_capture  # noqa: E402
from tcpsim.capture.decode import LINK_NAMES, Undecodable, decode  # noqa: E402

HEAVY_MIB = 100
"""An input that raises the process's peak memory by more than this is kept for a look."""
INTERESTING_32 = (0, 1, 0x7F, 0xFF, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF)


class Hang(Exception):
    """One input took more CPU time than the limit."""


SEED_BYTES = 4096
"""Real captures of a few packets are seeds; a mutation of a bigger one (the census's 476 packets)
costs as much as many small ones and finds nothing more."""


def seeds() -> list[bytes]:
    """Capture files to mutate: several scenarios in every link type, both formats, and real captures."""
    out = []
    for name in ("data-transfer", "simultaneous-close", "lost-fin", "three-way-handshake"):
        frames = scenario_packets(name)
        for linktype in sorted(LINK_NAMES):
            version_frames = [(t, to_ipv6(raw)) for t, raw in frames] if linktype == 229 else frames
            if linktype == 228 or (linktype == 229 and name != "data-transfer"):
                continue
            wrapped = [(t, wrap(linktype, raw)) for t, raw in version_frames]
            out.append(pcap(wrapped, linktype))
            if linktype in (1, 101, 113):
                out.append(pcapng(wrapped, linktype))
    for path in sorted((HERE / "data").glob("*.pcap*")):
        if path.stat().st_size <= SEED_BYTES:
            out.append(path.read_bytes())
    return out


def mutate(data: bytes, rng: random.Random) -> bytes:
    """A few random changes of the kinds that break parsers: bytes, length fields, cuts, splices."""
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        kind = rng.random()
        if not out:
            out = bytearray(rng.randbytes(rng.randint(1, 64)))
        at = rng.randrange(len(out))
        if kind < 0.35:
            out[at] = rng.randrange(256)
        elif kind < 0.55 and at + 4 <= len(out):  # a 32-bit field (a length, a time) to an edge value
            out[at : at + 4] = struct.pack(rng.choice("<>") + "I", rng.choice(INTERESTING_32))
        elif kind < 0.65 and at + 2 <= len(out):
            out[at : at + 2] = struct.pack("!H", rng.choice((0, 1, 5, 20, 40, 0xFFFF, rng.randrange(65536))))
        elif kind < 0.75:
            del out[at : at + rng.randint(1, 64)]
        elif kind < 0.85:
            out[at:at] = rng.randbytes(rng.randint(1, 64))
        elif kind < 0.92:
            end = rng.randint(at, min(len(out), at + 512))
            out[at:at] = out[at:end] * rng.randint(1, 4)  # repeat a stretch (records, options)
        else:
            del out[rng.randint(0, len(out)) :]
    return bytes(out)


def mutate_inside(data: bytes, rng: random.Random) -> bytes:
    """Mutate the frames of a little-endian classic pcap and write their records again with the
    right lengths (and times shuffled a little): inputs that reach the decoder and the observer."""
    records = []
    at = 24
    while at + 16 <= len(data):
        sec, frac, caplen, wire = struct.unpack_from("<IIII", data, at)
        records.append([sec, frac, data[at + 16 : at + 16 + caplen], wire - caplen])
        at += 16 + caplen
    for record in records:
        if rng.random() < 0.3:
            record[2] = mutate(record[2], rng)[:4096]
        if rng.random() < 0.05:
            record[0] = rng.choice((0, record[0] - 1, record[0] + 1, 0xFFFFFFFF))
        if rng.random() < 0.05:
            record[3] = rng.choice((0, 1, 1000, 0xFFFFFFFF - len(record[2])))
    if records and rng.random() < 0.3:  # repeat or reorder some
        i = rng.randrange(len(records))
        records.insert(rng.randrange(len(records) + 1), list(records[i]))
    if records and rng.random() < 0.2:  # a long file: the whole exchange again and again
        records = [list(r) for _ in range(rng.randint(2, 40)) for r in records]
    out = bytearray(data[:24])
    for sec, frac, frame, extra in records:
        out += struct.pack("<IIII", sec, frac, len(frame), min(len(frame) + max(extra, 0), 0xFFFFFFFF)) + frame
    return bytes(out)


@dataclass
class Stats:
    inputs: int = 0
    frames: int = 0
    decoded_frames: int = 0
    refused: int = 0
    failures: list[str] = field(default_factory=list)
    slowest: float = 0.0


def run_one(data: bytes, path: Path, stats: Stats, timeout: float) -> None:
    """Import one file, in every output format; raise anything that is not a clean refusal."""
    path.write_bytes(data)
    started = time.process_time()
    signal.setitimer(signal.ITIMER_PROF, timeout)  # CPU time: a busy machine does not make a hang
    try:
        try:
            result = import_capture(path)
        except CaptureError as exc:
            stats.refused += 1
            assert str(path) in str(exc), exc
        else:
            stats.frames += result.capture.frames
            render_all(result, text=stats.inputs % 10 == 0)
    finally:
        signal.setitimer(signal.ITIMER_PROF, 0)
        stats.slowest = max(stats.slowest, time.process_time() - started)
    stats.inputs += 1


def render_all(result, text: bool) -> None:  # type: ignore[no-untyped-def]
    """Every output format of ``tcpsim import`` (the Rich text one only when asked: the slowest)."""
    from rich.console import Console

    from tcpsim.export.imported import write_import_mermaid, write_import_tcpdump
    from tcpsim.render import render_import, write_jsonl

    sink = io.StringIO()
    write_jsonl(result.observation.trace, sink)
    write_import_tcpdump(result, sink)
    write_import_mermaid(result, sink)
    if text:
        render_import(result, Console(file=sink, width=100, highlight=False))


def random_frames(rng: random.Random, pool: list[bytes]) -> Iterator[tuple[int, bytes]]:
    linktypes = sorted(LINK_NAMES)
    while True:
        frame = mutate(rng.choice(pool), rng)[:1600] if rng.random() < 0.8 else rng.randbytes(rng.randint(0, 96))
        yield rng.choice(linktypes), frame


def fuzz(seed: int, frames: int, timeout: float, crashes: Path | None, log: Callable[[str], None] = print) -> Stats:
    """Mutate the seeds until ``frames`` frames have been read by the import (and as many decoded
    on their own); returns the counts and the failures."""
    rng = random.Random(seed)
    corpus = seeds()
    pool = frame_pool(corpus)
    stats = Stats()
    signal.signal(signal.SIGPROF, _alarm)
    started = time.perf_counter()
    report = started
    with tempfile.TemporaryDirectory(dir="/dev/shm" if os.path.isdir("/dev/shm") else None) as folder:
        path = Path(folder) / "input.pcap"
        frame_source = random_frames(rng, pool)
        while stats.frames < frames:
            seed_file = rng.choice(corpus)
            inside = seed_file[:4] == b"\xd4\xc3\xb2\xa1" and rng.random() < 0.75
            data = mutate_inside(seed_file, rng) if inside else mutate(seed_file, rng)
            peak_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            try:
                run_one(data, path, stats, timeout)
                grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - peak_before) >> 10
                if grown > HEAVY_MIB and crashes is not None:  # not a failure, but worth a look
                    crashes.mkdir(parents=True, exist_ok=True)
                    (crashes / f"heavy-{seed}-{stats.inputs}.pcap").write_bytes(data)
                    log(f"input {stats.inputs} raised the peak memory by {grown} MiB; kept in {crashes}")
                for _ in range(20):  # the decoder alone, on frames that break headers at every layer
                    linktype, frame = next(frame_source)
                    with contextlib.suppress(Undecodable):
                        decode(linktype, frame, rng.random() < 0.3)
                    stats.decoded_frames += 1
            except (Exception, Hang) as exc:  # every other exception is a finding
                name = f"{type(exc).__name__}: {exc}"[:300]
                stats.failures.append(name)
                log(f"FAILURE on input {stats.inputs}: {name}")
                if crashes is not None:
                    crashes.mkdir(parents=True, exist_ok=True)
                    (crashes / f"crash-{seed}-{stats.inputs}.pcap").write_bytes(data)
                stats.inputs += 1
            now = time.perf_counter()
            if now - report > 30:
                report = now
                log(progress(stats, now - started))
    log(progress(stats, time.perf_counter() - started))
    return stats


def frame_pool(corpus: list[bytes]) -> list[bytes]:
    """Frames cut out of the seed files (the bytes after each 16-byte pcap record header)."""
    pool = []
    for data in corpus:
        if data[:4] != b"\xd4\xc3\xb2\xa1":
            continue
        at = 24
        while at + 16 <= len(data):
            caplen = struct.unpack_from("<I", data, at + 8)[0]
            pool.append(data[at + 16 : at + 16 + caplen])
            at += 16 + caplen
    return pool


def progress(stats: Stats, seconds: float) -> str:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return (
        f"{seconds:.0f} s: {stats.inputs} files ({stats.refused} refused), {stats.frames} frames imported, "
        f"{stats.decoded_frames} frames decoded alone, slowest file {stats.slowest:.2f} s CPU, "
        f"peak RSS {peak:.0f} MiB, {len(stats.failures)} failures"
    )


def _alarm(signum: int, frame: object) -> None:
    raise Hang("the input took more CPU time than the limit")


def limit_memory(mib: int) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (mib << 20, mib << 20))


def run_atheris(argv: list[str], timeout: float) -> None:
    import atheris  # type: ignore[import-not-found]

    import tcpsim.capture.observer  # noqa: F401  (everything an import runs, loaded before it is instrumented)

    atheris.instrument_all()  # coverage of every loaded module: the reader's, the observer's, the core's

    stats = Stats()
    folder = tempfile.mkdtemp(dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
    path = Path(folder) / "input.pcap"
    signal.signal(signal.SIGPROF, _alarm)
    corpus_dir = Path(folder) / "corpus"
    corpus_dir.mkdir()
    for i, data in enumerate(seeds()):
        (corpus_dir / f"seed-{i}").write_bytes(data)

    def one_input(data: bytes) -> None:
        run_one(data, path, stats, timeout)
        if stats.inputs % 2000 == 0:
            print(progress(stats, time.process_time()), flush=True)

    atheris.Setup([sys.argv[0], *argv, str(corpus_dir)], one_input)
    atheris.Fuzz()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--frames", type=int, default=1_000_000, help="stop after this many frames imported")
    parser.add_argument(
        "--decoder-frames", type=int, default=0, help="then this many random frames through the decoder alone"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=10.0, help="CPU seconds one file may take")
    parser.add_argument("--memory", type=int, default=2048, help="MiB of address space the process may use")
    parser.add_argument("--crashes", type=Path, default=Path("fuzz-crashes"), help="where failing inputs go")
    parser.add_argument("--atheris", action="store_true", help="coverage-guided, with atheris (arguments after --)")
    args, rest = parser.parse_known_args()
    limit_memory(args.memory)
    if args.atheris:
        run_atheris([a for a in rest if a != "--"], args.timeout)
        return 0
    stats = fuzz(args.seed, args.frames, args.timeout, args.crashes)
    if args.decoder_frames:
        failures = fuzz_decoder(args.seed, args.decoder_frames)
        return 1 if stats.failures or failures else 0
    return 1 if stats.failures else 0


def fuzz_decoder(seed: int, frames: int, log: Callable[[str], None] = print) -> int:
    """Random and mutated frames through the decoder alone; returns the number of failures."""
    rng = random.Random(seed)
    source = random_frames(rng, frame_pool(seeds()))
    started = time.perf_counter()
    failures = 0
    for n in range(1, frames + 1):
        linktype, frame = next(source)
        try:
            decode(linktype, frame, rng.random() < 0.3)
        except Undecodable:
            pass
        except Exception as exc:  # a decoder bug
            failures += 1
            log(f"FAILURE on frame {n} (link type {linktype}, {frame.hex()}): {type(exc).__name__}: {exc}")
        if n % 1_000_000 == 0 or n == frames:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            spent = time.perf_counter() - started
            log(f"decoder: {n} frames in {spent:.0f} s, {failures} failures, peak RSS {peak:.0f} MiB")
    return failures


if __name__ == "__main__":
    sys.exit(main())
