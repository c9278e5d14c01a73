"""The whole-capture census (``tcpsim import FILE --all``) against Wireshark's ``tshark -z conv,tcp``.

Issue 14's targets: on a capture of about a million packets of many short connections, tcpsim's
census takes at most 1.5× the time ``tshark -r FILE -q -z conv,tcp`` takes to list the same
conversations (without states), both run here one after the other as fresh processes; and its
peak memory at a million packets is at most 1.5× that at a hundred thousand, since it follows the
connections alive at once, not the packets.

The captures are made by replicating a real Linux loopback conversation (connect, hello, world,
the client closes: 10 packets) from 200 client addresses, 150 connections a second
(``benchmarks/census_synth.py``): the 100,000-packet capture lasts 67 s and the million-packet
one 667 s, so both reach the steady state of 9,000 TIME-WAITs (60 s of connections) that a busy
client's ``ss -s`` would show. They are written once into the temporary folder and reused.
``--quick`` uses 10,000 and 1,000 packets.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

from bench_common import Figure, child_env

FIGURES = {
    "capture_census": "the census of a capture vs tshark -z conv,tcp",
    "capture_census_memory": "the census's memory at 1M vs 100k packets",
}
TARGET = 1.5
MEMORY_TARGET = 1.5
PACKETS_PER_CONNECTION = 10


def _capture(connections: int) -> Path:
    """The replicated capture of ``connections`` connections (made once, kept in the temporary folder)."""
    path = Path(tempfile.gettempdir()) / f"tcpsim-bench-census-{connections}.pcap"
    if not path.exists():
        import census_synth  # beside this file

        partial = path.with_suffix(f".{os.getpid()}.tmp")
        census_synth.write(partial, connections)
        partial.replace(path)
    return path


class Timed(NamedTuple):
    wall: float
    """Seconds, start to exit: the figure."""
    cpu: float
    """User and system seconds: steadier than the wall time on a shared machine, in the details."""
    peak_kib: int
    """Peak resident memory."""


def _timed(command: list[str], env: dict[str, str] | None = None) -> Timed:
    """Run ``command`` with its output discarded: its times and peak memory."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    _pid, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    error = process.stderr.read().decode(errors="replace") if process.stderr else ""
    if process.stderr:
        process.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise RuntimeError(f"{command[0]} failed ({code}): {error.strip()[-2000:]}")
    return Timed(elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss)


def _census(path: Path) -> Timed:
    # -P: with -c Python puts the working folder first on the path, and in a clone (where `tcpsim
    # bench` runs) that is the source tree: the child ran the interpreted source, not the tcpsim
    # child_env() names (3.6x the compiled census's CPU time, reported as the compiled one's).
    command = [sys.executable, "-P", "-c", "from tcpsim.cli import entry; entry()", "import", str(path), "--all"]
    return _timed([*command, "--format", "jsonl"], env=child_env())


def measure(keys: set[str], quick: bool, profile: bool) -> dict[str, Figure]:
    big, small = (1_000, 100) if quick else (100_000, 10_000)
    figures: dict[str, Figure] = {}
    if "capture_census" in keys:
        figures["capture_census"] = _versus_tshark(big)
    if "capture_census_memory" in keys:
        figures["capture_census_memory"] = _memory(big, small)
    return figures


def _versus_tshark(connections: int) -> Figure:
    packets = connections * PACKETS_PER_CONNECTION
    title = "Census of a capture vs tshark -z conv,tcp"
    tshark = shutil.which("tshark")
    if tshark is None:
        return Figure(
            "capture_census", title, None, "× tshark", f"≤ {TARGET:g}×", None, "not measured: tshark is not installed"
        )
    path = _capture(connections)
    tshark_run = _timed([tshark, "-r", str(path), "-q", "-z", "conv,tcp"])
    census_run = _census(path)
    tshark_s, _cpu, tshark_kib = tshark_run
    census_s, _cpu, census_kib = census_run
    ratio = census_s / tshark_s
    cpu_ratio = census_run.cpu / tshark_run.cpu
    return Figure(
        key="capture_census",
        title=title,
        value=round(ratio, 2),
        unit="× tshark",
        target=f"≤ {TARGET:g}×",
        met=ratio <= TARGET,
        summary=(
            f"{packets:,} packets, {connections:,} connections: tcpsim import --all --format jsonl {census_s:.1f} s "
            f"({census_kib / 1024:.0f} MiB), tshark -q -z conv,tcp {tshark_s:.1f} s ({tshark_kib / 1024:.0f} MiB); "
            f"CPU time {cpu_ratio:.2f}× ({census_run.cpu:.1f} s vs {tshark_run.cpu:.1f} s)"
        ),
        details={
            "packets": packets,
            "connections": connections,
            "census_s": census_s,
            "tshark_s": tshark_s,
            "census_cpu_s": census_run.cpu,
            "tshark_cpu_s": tshark_run.cpu,
            "cpu_ratio": round(cpu_ratio, 2),
            "census_peak_kib": census_kib,
            "tshark_peak_kib": tshark_kib,
        },
    )


def _memory(big: int, small: int) -> Figure:
    small_s, _cpu, small_kib = _census(_capture(small))
    big_s, _cpu, big_kib = _census(_capture(big))
    ratio = big_kib / small_kib
    return Figure(
        key="capture_census_memory",
        title="Census: peak memory at 10× the packets",
        value=round(ratio, 2),
        unit="×",
        target=f"≤ {MEMORY_TARGET:g}×",
        met=ratio <= MEMORY_TARGET,
        summary=(
            f"{big * PACKETS_PER_CONNECTION:,} packets: {big_kib / 1024:.0f} MiB in {big_s:.1f} s; "
            f"{small * PACKETS_PER_CONNECTION:,} packets: {small_kib / 1024:.0f} MiB in {small_s:.1f} s"
        ),
        details={"big_peak_kib": big_kib, "small_peak_kib": small_kib, "big_s": big_s, "small_s": small_s},
    )
