"""The load-mode figure of the speed targets: N connections through TIME-WAIT, headless.

``python -m tcpsim.lab.bench [--connections N]`` prints one JSON object: wall time, events per
second, peak TIME-WAIT, peak TCBs and the process's peak RSS. The target (issue 5) is 100,000
connections in under 10 s on one core; run it twice with different N to see that memory follows
the TCBs alive at once (rate × 2·MSL), not the connections that have finished.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time

from . import engine
from .engine import LoadLab
from .model import LoadConfig
from .report import max_rss_mb

TARGET_SECONDS = 10.0


def measure(connections: int = 100_000, rate: float = 400.0, msl: float = 30.0) -> dict[str, object]:
    """Run ``connections`` connections at ``rate`` per second, each through 2·MSL of TIME-WAIT on
    the client (400/s × 60 s = 24,000 at a time, within Linux's 28,232 ephemeral ports)."""
    lab = LoadLab(LoadConfig(rate=rate, duration=connections / rate, msl=msl))
    started = time.perf_counter()
    summary = lab.run()
    wall = time.perf_counter() - started
    return {
        "benchmark": "load",
        "connections": summary.completed,
        "rate": rate,
        "msl": msl,
        "simulated_s": round(summary.end, 3),
        "events": summary.events,
        "wall_s": round(wall, 3),
        "events_per_s": round(summary.events / wall),
        "target_s": TARGET_SECONDS * connections / 100_000,
        "met": wall <= TARGET_SECONDS * connections / 100_000,
        "peak_time_wait": summary.peak_time_wait_client,
        "peak_tcbs": summary.peak_tcbs,
        "max_rss_mb": round(max_rss_mb() or 0.0, 1),
        "compiled": not (engine.__file__ or "").endswith(".py"),  # mypyc, by a regular install (setup.py)
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tcpsim.lab.bench", description=__doc__.splitlines()[0])
    p.add_argument("--connections", type=int, default=100_000)
    p.add_argument("--rate", type=float, default=400.0)
    p.add_argument("--msl", type=float, default=30.0)
    args = p.parse_args(argv)
    if args.connections < 1 or args.rate <= 0 or args.msl <= 0:
        p.error("--connections, --rate and --msl must be positive")
    sys.stdout.write(json.dumps(measure(args.connections, args.rate, args.msl)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
