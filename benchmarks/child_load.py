"""The load figure's child process: ``python benchmarks/child_load.py '{"rate": …, "connections": …,
"msl": …, "profile": false}'`` runs the lab in a fresh process pinned to the idlest core, and prints
one JSON object: the wall and CPU time, the counts, and memory at a quarter, half, three quarters and all of
the connects, and after the run (see bench_load.py)."""

from __future__ import annotations

import gc
import json
import os
import resource
import sys
import time
from typing import Any


def idle_ticks() -> dict[int, int]:
    """Idle and iowait ticks per CPU since boot (/proc/stat)."""
    ticks = {}
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu") and line[3].isdigit():
                name, *values = line.split()
                ticks[int(name[3:])] = int(values[3]) + int(values[4])
    return ticks


def pin_to_idlest_cpu() -> int | None:
    """Run on the core that was idlest over a fifth of a second: others may be busy with other work."""
    if not hasattr(os, "sched_setaffinity"):
        return None
    usable = sorted(os.sched_getaffinity(0))
    try:
        first = idle_ticks()
        time.sleep(0.2)
        second = idle_ticks()
        pinned = max(usable, key=lambda cpu: second.get(cpu, 0) - first.get(cpu, 0))
    except (OSError, ValueError, IndexError):
        pinned = usable[-1]
    os.sched_setaffinity(0, {pinned})
    return pinned


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def objects() -> int:
    gc.collect()
    return len(gc.get_objects())


def main(cfg: dict[str, Any]) -> dict[str, Any]:
    pinned = pin_to_idlest_cpu()
    try:
        from tcpsim.lab import LoadConfig, LoadLab
    except ImportError as exc:
        return {"available": False, "reason": f"tcpsim.lab: {exc}"}
    rate, n = cfg["rate"], cfg["connections"]
    duration = n / rate
    before = {"objects": objects(), "rss_mb": rss_mb(), "peak_rss_mb": peak_mb()}
    lab = LoadLab(LoadConfig(rate=rate, duration=duration, msl=cfg["msl"]))
    prof = None
    if cfg.get("profile"):
        import cProfile

        prof = cProfile.Profile()
    points, wall, cpu = [], 0.0, 0.0
    for fraction in (0.25, 0.5, 0.75, 1.0, None):
        started, cpu_started = time.perf_counter(), time.process_time()
        if prof:
            prof.enable()
        if fraction is None:
            lab.run()
        else:
            lab.advance_to(duration * fraction)
        if prof:
            prof.disable()
        wall += time.perf_counter() - started
        cpu += time.process_time() - cpu_started
        s = lab.summary()
        points.append(
            {
                "t": round(lab.now, 3),
                "wall_s": round(wall, 3),
                "completed": s.completed,
                "live_tcbs": s.live_tcbs,
                "time_wait": lab.sample().time_wait_client,
                "objects": objects(),
                "rss_mb": round(rss_mb(), 1),
                "peak_rss_mb": round(peak_mb(), 1),
            }
        )
    s = lab.summary()
    out: dict[str, Any] = {
        "available": True,
        "pinned_cpu": pinned,
        "wall_s": wall,
        "cpu_s": cpu,
        "connections": s.completed,
        "attempted": s.attempted,
        "failed": s.failed,
        "reset": s.reset,
        "events": s.events,
        "segments": s.segments,
        "peak_time_wait": s.peak_time_wait_client,
        "peak_tcbs": s.peak_tcbs,
        "simulated_s": s.end,
        "before": before,
        "points": points,
    }
    if prof:
        from bench_common import profile_rows  # only now: the import is not part of what is measured

        out["profile_stats"] = profile_rows(prof)
    return out


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))))
