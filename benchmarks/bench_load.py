"""The load figures: 100,000 connections through TIME-WAIT in the lab (:mod:`tcpsim.lab`),
headless, in a fresh process pinned to one core (child_load.py). Target < 10 s. **load_memory**:
memory must not grow with finished connections: the growth of the resident set and of live objects
over the second half of the run, when as many TCBs are alive as in the first half but twice as many
connections have finished."""

from __future__ import annotations

from bench_common import Figure, run_child, stats_top

FIGURES = {"load": "load mode (a fresh process, one core)", "load_memory": "load mode: memory"}


def measure(keys: set[str], quick: bool, profile: bool) -> dict[str, Figure]:
    load, memory = bench_load(quick, profile)
    return {"load": load, "load_memory": memory}


def bench_load(quick: bool, profile: bool = False) -> tuple[Figure, Figure]:
    import json
    import subprocess

    connections = 4_000 if quick else 100_000
    rate, msl = 400.0, 30.0
    if quick:
        msl = 2.5  # 400/s × 5 s = 2,000 TIME-WAITs at a time: a steady state within 10 s
    target_s = 10.0 * connections / 100_000
    try:
        data = run_child("child_load.py", json.dumps({"rate": rate, "connections": connections, "msl": msl}))
    except (RuntimeError, ValueError, subprocess.TimeoutExpired) as exc:
        data = {"available": False, "reason": str(exc)}
    if not data.get("available"):
        reason = data.get("reason", "not available")
        na = {"available": False, "reason": reason}
        return (
            Figure("load", "Load: 100,000 connections through TIME-WAIT", None, "s", "< 10 s", None, reason, na),
            Figure("load_memory", "Load: memory vs finished connections", None, "%", "≤ 5 %", None, reason, na),
        )
    wall = data["wall_s"]
    load = Figure(
        key="load",
        title=f"Load: {connections:,} connections through TIME-WAIT",
        value=round(wall, 3),
        unit="s",
        target=f"< {target_s:g} s",
        met=wall < target_s,
        summary=(
            f"{data['events']:,} events, {data['events'] / wall:,.0f} events/s, CPU {data['cpu_s']:.2f} s "
            "(below the wall time when other work shared the core); "
            f"{rate:g}/s, MSL {msl:g} s, "
            f"{data['peak_time_wait']:,} in TIME-WAIT at the peak; one core (cpu {data['pinned_cpu']})"
        ),
        details={k: data[k] for k in ("connections", "attempted", "failed", "reset", "events", "segments")}
        | {
            "rate": rate,
            "msl": msl,
            "simulated_s": data["simulated_s"],
            "peak_time_wait": data["peak_time_wait"],
            "peak_tcbs": data["peak_tcbs"],
            "pinned_cpu": data["pinned_cpu"],
            "events_per_s": round(data["events"] / wall),
            "cpu_s": round(data["cpu_s"], 3),
        },
    )
    # Memory: from the middle to the end of the connects the same number of TCBs is alive (rate × 2·MSL
    # in TIME-WAIT) while the finished connections double; nothing should grow.
    points = data["points"]
    mid, end, after = points[1], points[3], points[4]
    finished = max(1, end["completed"] - mid["completed"])
    rss_growth = 100 * (end["rss_mb"] - mid["rss_mb"]) / mid["rss_mb"]
    per_1000 = 1000 * (end["objects"] - mid["objects"]) / finished
    retained = after["objects"] - data["before"]["objects"]
    retained_per_conn = retained / max(1, data["connections"])
    memory = Figure(
        key="load_memory",
        title="Load: memory growth over the second half",
        value=round(rss_growth, 2),
        unit="% RSS",
        target="≤ 5 %",
        met=rss_growth <= 5.0 and retained_per_conn < 0.01,
        summary=(
            f"RSS {mid['rss_mb']:.0f} → {end['rss_mb']:.0f} MB while {finished:,} more connections finished; "
            f"live objects {per_1000:+.1f} per 1,000 finished; after the run {retained:+,} objects "
            f"vs before; peak RSS {after['peak_rss_mb']:.0f} MB"
        ),
        details={
            "before": data["before"],
            "points": points,
            "objects_per_1000_finished": round(per_1000, 2),
            "objects_retained_after_run": retained,
            "peak_rss_mb": after["peak_rss_mb"],
        },
    )
    if profile:
        try:
            pdata = run_child(
                "child_load.py", json.dumps({"rate": rate, "connections": connections, "msl": msl, "profile": True})
            )
            load.profile = stats_top(pdata["profile_stats"])
        except (RuntimeError, ValueError, KeyError) as exc:
            load.profile = {"error": str(exc)}
    return load, memory
