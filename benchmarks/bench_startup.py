"""UI start-up: process start to the first full frame of ``tcpsim`` (the command with no arguments,
through its entry, headless), as a ratio against a minimal Textual app (two Static panes and a
Footer), each in fresh processes (child_startup.py), median; each process's CPU time to that frame
is in the details, the figure a shared machine changes least.
Target ≤ 1.3× (issue 11: "first full frame ≤ 1.3× a minimal Textual app"; it was 1.5×)."""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from bench_common import HERE, TERMINAL, Figure, child_env, stats_top

FIGURES = {"startup": "UI start-up (fresh processes)"}

TARGET = 1.3
"""The largest ratio that passes (issue 11)."""


def measure(keys: set[str], quick: bool, profile: bool) -> dict[str, Figure]:
    return {"startup": bench_startup(quick, profile)}


def _startup_once(which: str, cache: str, profile: bool = False) -> dict[str, Any]:
    """One fresh process of app ``which`` (``tcpsim`` or ``minimal``) up to its first full frame.

    Bytecode is cached in ``cache`` (and written there by the first, untimed run), as it is for an
    installed package, even where the environment says PYTHONDONTWRITEBYTECODE."""
    import json
    import subprocess

    env = {k: v for k, v in child_env().items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache
    if profile:
        env["TCPSIM_BENCH_PROFILE"] = "1"
    env["TCPSIM_BENCH_T0"] = repr(time.time())
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, str(HERE / "child_startup.py"), which, str(TERMINAL[0]), str(TERMINAL[1])],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    process_s = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"start-up child ({which}) failed: {result.stderr.strip()[-2000:]}")
    data: dict[str, Any] = json.loads(result.stdout.strip().splitlines()[-1])  # child_startup.py's figures
    data["process"] = process_s
    return data


def bench_startup(quick: bool, profile: bool = False) -> Figure:
    import statistics
    import tempfile

    repeats = 2 if quick else 7
    runs: dict[str, list[dict[str, Any]]] = {"minimal": [], "tcpsim": []}
    prof: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="tcpsim-bench-") as tmp:
        cache = os.path.join(tmp, "pycache")
        for which in ("minimal", "tcpsim"):  # untimed: writes the bytecode, warms the OS caches
            _startup_once(which, cache)
        for _ in range(repeats):  # interleaved, so that drift hits both alike
            for which in ("minimal", "tcpsim"):
                runs[which].append(_startup_once(which, cache))
        if profile:
            for which in ("tcpsim", "minimal"):
                prof[which] = stats_top(_startup_once(which, cache, profile=True)["profile_stats"])

    def med(which: str, key: str) -> float:
        return statistics.median(float(r[key]) for r in runs[which])

    ratio = med("tcpsim", "first_frame") / med("minimal", "first_frame")
    fig = Figure(
        key="startup",
        title="UI start-up to the first full frame vs a minimal app",
        value=round(ratio, 3),
        unit="×",
        target=f"≤ {TARGET:g}×",
        met=ratio <= TARGET,
        summary=(
            f"tcpsim {1000 * med('tcpsim', 'first_frame'):.0f} ms, minimal app "
            f"{1000 * med('minimal', 'first_frame'):.0f} ms (median of {repeats}, fresh processes)"
        ),
        details={
            which: {
                "first_frame_ms": round(1000 * med(which, "first_frame")),
                "cpu_to_first_frame_ms": round(1000 * med(which, "cpu_first_frame")),
                "imports_done_ms": round(1000 * med(which, "imported")),
                "whole_process_ms": round(1000 * med(which, "process")),
                "frames_before_first_full": statistics.median(r["frames"] for r in runs[which]),
                "runs_first_frame_ms": [round(1000 * r["first_frame"]) for r in runs[which]],
            }
            for which in runs
        }
        | {"repeats": repeats, "terminal": list(TERMINAL)},
    )
    if profile:
        fig.profile = prof
    return fig
