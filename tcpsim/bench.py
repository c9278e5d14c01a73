"""``tcpsim bench``: the speed targets of issue 5, measured in one run on this machine.

Five figures, each with its target and a verdict (see BENCHMARKS.md for the latest run):

1. **engine** — simulated events per second running whole connections headless (every bundled
   scenario, again and again, and a world doing connect/send/close cycles), as a ratio against a
   bare ``heapq`` loop doing the same number of pushes and pops with a trivial dispatch, timed in
   the same run. Target ≥ 0.25.
2. **load** — 100,000 connections through TIME-WAIT in the lab (:mod:`tcpsim.lab`), headless, in a
   fresh process pinned to one core. Target < 10 s. **load_memory**: memory must not grow with
   finished connections: the growth of the resident set and of live objects over the second half of
   the run, when as many TCBs are alive as in the first half but twice as many connections finished.
3. **startup** — process start to the first full frame of ``tcpsim``, as a ratio against a minimal
   Textual app (two Static panes and a Footer), each in fresh processes, median. Target ≤ 1.5×.
4. **timeline** — one full redraw of the timeline with 100, 10,000 and 100,000 segments in
   history. Target: the 100,000 figure within 1.5× of the 100 figure.
5. **keypress** — ``n`` (step) to the updated frame with 10,000 segments in history, median: the
   first frame drawn after the step, which shows it in the panes, the timeline and the status
   line. Target < 50 ms. The frames that follow by themselves (the event log's deferred scroll, a
   pane whose height changed) are reported too, as the time until every widget has settled.

Frames are timed where Textual makes them (the screen's compositor refresh) and encoded to the
terminal's escape sequences as a real terminal driver would, although the app runs headless.
``--quick`` runs everything small (for the test suite); ``--profile`` adds each figure's top costs
under cProfile (a separate, untimed pass). Nothing here is asserted by a test: timing tests flake.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from . import __version__

if TYPE_CHECKING:
    import asyncio
    import cProfile

# `tcpsim` builds its whole parser, this module's options included, on every start: the heavier
# modules (asyncio, subprocess, cProfile, json, …) are imported where they are used.

FIGURES = ("engine", "load", "load_memory", "startup", "timeline", "keypress")
TIMELINE_SIZES = (100, 10_000, 100_000)
QUICK_TIMELINE_SIZES = (100, 1_000, 5_000)
TERMINAL = (120, 36)
"""The terminal size every UI figure is taken at."""


# ---------------------------------------------------------------------------------------- results
@dataclass
class Figure:
    """One measured figure: its value, the target and whether the value meets it."""

    key: str
    title: str
    value: float | None
    unit: str
    target: str
    met: bool | None
    """None: no verdict (the figure is not available)."""
    summary: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    profile: dict[str, Any] | None = None

    @property
    def verdict(self) -> str:
        if self.value is None or self.met is None:
            return "N/A"
        return "PASS" if self.met else "FAIL"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "title": self.title,
            "value": self.value,
            "unit": self.unit,
            "target": self.target,
            "verdict": self.verdict,
            "summary": self.summary,
            "details": self.details,
        }
        if self.profile is not None:
            out["profile"] = self.profile
        return out


def machine() -> dict[str, Any]:
    """The machine the figures were taken on."""
    import platform

    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        usable = os.cpu_count() or 1
    try:
        from importlib.metadata import version

        textual_version = version("textual")
    except Exception:  # pragma: no cover - textual is a dependency
        textual_version = "?"
    return {
        "cpu": model,
        "cores": os.cpu_count() or 1,
        "usable_cores": usable,
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "textual": textual_version,
        "tcpsim": __version__,
        "os": f"{platform.system()} {platform.release()}",
    }


def _load_average() -> list[float] | None:
    """The 1, 5 and 15-minute load averages: figures taken on a busy machine are worth less."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover - not Unix
        return None


def compiled() -> bool:
    """Whether the hot modules run compiled by mypyc (a regular install) or as source (setup.py)."""
    from .core import tcb

    return not (tcb.__file__ or "").endswith(".py")


def _package_root() -> str:
    return os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """A child process imports the very tcpsim this process runs (a checkout's source, or an
    installed and compiled copy), whatever its working directory or script path puts first."""
    env = {**os.environ, **(extra or {})}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (_package_root(), env.get("PYTHONPATH")) if p)
    return env


def source() -> dict[str, Any]:
    """Which code was measured: compiled or not, the git commit and the files of tcpsim changed
    since (if in a checkout)."""
    import subprocess

    root = _package_root()
    built = compiled()
    try:
        commit = subprocess.run(
            ["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=10
        )
        status = subprocess.run(
            ["git", "-C", root, "status", "--porcelain", "--untracked-files=no", "--", "tcpsim"],
            capture_output=True,
            text=True,
            timeout=10,
        )
    except (OSError, subprocess.SubprocessError):
        return {"compiled": built, "commit": None, "modified": []}
    if commit.returncode != 0:
        return {"compiled": built, "commit": None, "modified": []}
    modified = [line[3:] for line in status.stdout.splitlines()]
    return {"compiled": built, "commit": commit.stdout.strip(), "modified": modified}


# ---------------------------------------------------------------------------------------- profiling
def profile_top(profiler: cProfile.Profile, limit: int = 15) -> dict[str, list[dict[str, Any]]]:
    """The top functions of a profile, by own time and by cumulative time."""
    import io
    import pstats

    stats = pstats.Stats(profiler, stream=io.StringIO())
    total = sum(row[2] for row in stats.stats.values()) or 1e-12  # type: ignore[attr-defined]

    def rows(index: int) -> list[dict[str, Any]]:
        ordered = sorted(stats.stats.items(), key=lambda kv: kv[1][index], reverse=True)  # type: ignore[attr-defined]
        out = []
        for (filename, line, name), (_cc, ncalls, tottime, cumtime, _callers) in ordered[:limit]:
            out.append(
                {
                    "function": f"{_short_path(filename)}:{line}({name})",
                    "ncalls": ncalls,
                    "tottime_s": round(tottime, 4),
                    "cumtime_s": round(cumtime, 4),
                    "tottime_pct": round(100 * tottime / total, 1),
                }
            )
        return out

    return {"total_s": round(total, 3), "by_tottime": rows(2), "by_cumtime": rows(3)}


def _short_path(filename: str) -> str:
    for marker in ("site-packages/", "/tcpsim/", "lib/python3"):
        if marker in filename:
            tail = filename.split(marker, 1)[1]
            return ("tcpsim/" + tail) if marker == "/tcpsim/" else tail
    return filename


@contextmanager
def _maybe_profile(enabled: bool) -> Iterator[cProfile.Profile | None]:
    import cProfile

    if not enabled:
        yield None
        return
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        yield profiler
    finally:
        profiler.disable()


# ---------------------------------------------------------------------------------------- 1. engine
def _cycles_scenario(cycles: int) -> Any:
    """A world doing ``cycles`` whole connections: connect, request, reply, close both ways, TIME-WAIT."""
    from .scenario.model import EndpointSpec, NetworkSpec, Scenario, Step

    steps = [Step(1, 0.0, "server", "listen")]
    period = 4.0
    for k in range(cycles):
        t = k * period
        steps += [
            Step(0, t + 0.01, "client", "connect"),
            Step(0, t + 0.5, "client", "send", data=b"GET / HTTP/1.0\r\n\r\n"),
            Step(0, t + 1.0, "server", "send", data=b"HTTP/1.0 200 OK\r\n\r\nok"),
            Step(0, t + 1.5, "client", "close"),
            Step(0, t + 2.0, "server", "close"),
            Step(0, t + 3.0, "server", "listen"),
        ]
    steps = [Step(i, s.at, s.on, s.do, data=s.data) for i, s in enumerate(steps, start=1)]
    return Scenario(
        name="bench: connect/send/close cycles",
        path=None,
        network=NetworkSpec(latency=0.1, msl=0.5),
        client=EndpointSpec(port=49152, isn=1000),
        server=EndpointSpec(port=80, isn=5000),
        steps=tuple(steps),
    )


def _play(scenarios: list[Any]) -> tuple[int, int, float]:
    """Run each scenario as ``tcpsim run`` does (``scenario.runner.run``'s loop, counted).

    Returns (items processed by ``World.step``, heap pushes, seconds)."""
    from .scenario import build_world, check

    events = pushes = 0
    started = time.perf_counter()
    for scenario in scenarios:
        world = build_world(scenario)
        step, next_time, trace = world.step, world.next_time, world.trace
        while next_time() is not None:
            processed = step()
            events += 1
            if processed is not None and processed.kind == "checkpoint":
                trace.extend(check(world, processed.payload))
        pushes += world._order  # one per heap push: every item, stale timer items included
    return events, pushes, time.perf_counter() - started


def bare_heapq_loop(pushes: int, depth: int = 8) -> float:
    """A bare event loop: ``pushes`` pushes and as many pops of (time, class, order, kind, payload)
    tuples, each popped item dispatched on its kind to a trivial handler; the heap holds ``depth``
    items (as a world's queue holds a few). Returns seconds."""
    import heapq

    counts = [0, 0, 0]

    def on_arrive(payload: object) -> None:
        counts[0] += 1

    def on_timer(payload: object) -> None:
        counts[1] += 1

    def on_command(payload: object) -> None:
        counts[2] += 1

    kinds = ("arrive", "timer", "command")
    push, pop = heapq.heappush, heapq.heappop
    queue: list[tuple[float, int, int, str, object]] = []
    depth = max(1, min(depth, pushes))
    started = time.perf_counter()
    for order in range(depth):
        push(queue, (order * 0.1, 0, order, kinds[order % 3], None))
    for order in range(depth, pushes):
        t, _cls, _order, kind, payload = pop(queue)
        if kind == "arrive":
            on_arrive(payload)
        elif kind == "timer":
            on_timer(payload)
        else:
            on_command(payload)
        push(queue, (t + 0.1 * (order % 7 + 1), 0, order, kinds[order % 3], payload))
    while queue:
        t, _cls, _order, kind, payload = pop(queue)
        if kind == "arrive":
            on_arrive(payload)
        elif kind == "timer":
            on_timer(payload)
        else:
            on_command(payload)
    elapsed = time.perf_counter() - started
    assert sum(counts) == pushes
    return elapsed


def bench_engine(quick: bool, profile: bool = False) -> Figure:
    import gc

    from .scenario import bundled, load_file

    bundled_scenarios = [load_file(p) for p in bundled()]
    repeats = 10 if quick else 150
    cycles = 200 if quick else 4_000
    workload_a = bundled_scenarios * repeats
    workload_b = [_cycles_scenario(cycles)]
    gc.collect()
    a_events, a_pushes, a_s = _play(workload_a)
    b_events, b_pushes, b_s = _play(workload_b)
    events, pushes, engine_s = a_events + b_events, a_pushes + b_pushes, a_s + b_s
    # The bare loop, best of three (it is short; the engine run is long enough to be steady).
    bare_s = min(bare_heapq_loop(pushes) for _ in range(3))
    ratio = bare_s / engine_s
    fig = Figure(
        key="engine",
        title="Engine throughput vs a bare heapq loop",
        value=round(ratio, 4),
        unit="× bare loop",
        target="≥ 0.25",
        met=ratio >= 0.25,
        summary=(
            f"{events / engine_s:,.0f} events/s; bare loop {pushes / bare_s:,.0f} items/s ({pushes:,} pushes and pops)"
        ),
        details={
            "events": events,
            "heap_pushes": pushes,
            "engine_s": round(engine_s, 3),
            "events_per_s": round(events / engine_s),
            "bare_loop_s": round(bare_s, 4),
            "bare_items_per_s": round(pushes / bare_s),
            "bundled_scenarios": {
                "scenarios": len(bundled_scenarios),
                "repeats": repeats,
                "events": a_events,
                "events_per_s": round(a_events / a_s),
            },
            "cycles": {"connections": cycles, "events": b_events, "events_per_s": round(b_events / b_s)},
            "definition": "ratio = bare-loop seconds / engine seconds for the same number of heap pushes and pops",
        },
    )
    if profile:
        with _maybe_profile(True) as prof:
            _play(workload_a)
            _play(workload_b)
        assert prof is not None
        fig.profile = profile_top(prof)
    return fig


# ---------------------------------------------------------------------------------------- 2. load
_LOAD_CHILD = r"""
import gc, json, os, resource, sys, time
cfg = json.loads(sys.argv[1])
pinned = None

def idle_ticks():
    ticks = {}
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu") and line[3].isdigit():
                name, *values = line.split()
                ticks[int(name[3:])] = int(values[3]) + int(values[4])  # idle + iowait
    return ticks

if hasattr(os, "sched_setaffinity"):
    usable = sorted(os.sched_getaffinity(0))
    try:  # the core that was idlest over a fifth of a second: others may be busy with other work
        first = idle_ticks(); time.sleep(0.2); second = idle_ticks()
        pinned = max(usable, key=lambda cpu: second.get(cpu, 0) - first.get(cpu, 0))
    except (OSError, ValueError, IndexError):
        pinned = usable[-1]
    os.sched_setaffinity(0, {pinned})
try:
    from tcpsim.lab import LoadConfig, LoadLab
except ImportError as exc:
    print(json.dumps({"available": False, "reason": f"tcpsim.lab: {exc}"}))
    sys.exit(0)
if not hasattr(LoadLab, "advance_to"):
    print(json.dumps({"available": False, "reason": "tcpsim.lab.LoadLab has no advance_to"}))
    sys.exit(0)

def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20

def peak_mb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

def objects():
    gc.collect()
    return len(gc.get_objects())

rate, n = cfg["rate"], cfg["connections"]
duration = n / rate
before = {"objects": objects(), "rss_mb": rss_mb(), "peak_rss_mb": peak_mb()}
lab = LoadLab(LoadConfig(rate=rate, duration=duration, msl=cfg["msl"]))
prof = None
if cfg.get("profile"):
    import cProfile
    prof = cProfile.Profile()
points, wall = [], 0.0
for frac in (0.25, 0.5, 0.75, 1.0, None):
    started = time.perf_counter()
    if prof: prof.enable()
    if frac is None:
        lab.run()
    else:
        lab.advance_to(duration * frac)
    if prof: prof.disable()
    wall += time.perf_counter() - started
    s = lab.summary()
    points.append({
        "t": round(lab.now, 3), "wall_s": round(wall, 3), "completed": s.completed,
        "live_tcbs": s.live_tcbs, "time_wait": lab.sample().time_wait_client,
        "objects": objects(), "rss_mb": round(rss_mb(), 1), "peak_rss_mb": round(peak_mb(), 1),
    })
s = lab.summary()
out = {
    "available": True, "pinned_cpu": pinned, "wall_s": wall, "connections": s.completed,
    "attempted": s.attempted, "failed": s.failed, "reset": s.reset, "events": s.events,
    "segments": s.segments, "peak_time_wait": s.peak_time_wait_client, "peak_tcbs": s.peak_tcbs,
    "simulated_s": s.end, "before": before, "points": points,
}
if prof:
    import pstats, io
    st = pstats.Stats(prof, stream=io.StringIO())
    out["profile_stats"] = [
        [f, l, fn, cc, nc, tt, ct] for (f, l, fn), (cc, nc, tt, ct, _c) in st.stats.items()
    ]
print(json.dumps(out))
"""


def _run_child(code: str, *args: str, env: dict[str, str] | None = None, timeout: float = 600) -> dict[str, Any]:
    import subprocess
    import tempfile

    with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False, encoding="utf-8") as f:
        f.write(code)
        path = f.name
    try:
        result = subprocess.run(
            [sys.executable, path, *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_child_env(env),
        )
    finally:
        os.unlink(path)
    if result.returncode != 0:
        raise RuntimeError(f"benchmark child failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
    import json

    return json.loads(result.stdout.strip().splitlines()[-1])


def _stats_top(rows: list[list[Any]], limit: int = 15) -> dict[str, Any]:
    total = sum(r[5] for r in rows) or 1e-12

    def top(index: int) -> list[dict[str, Any]]:
        return [
            {
                "function": f"{_short_path(f)}:{line}({fn})",
                "ncalls": nc,
                "tottime_s": round(tt, 4),
                "cumtime_s": round(ct, 4),
                "tottime_pct": round(100 * tt / total, 1),
            }
            for f, line, fn, _cc, nc, tt, ct in sorted(rows, key=lambda r: r[index], reverse=True)[:limit]
        ]

    return {"total_s": round(total, 3), "by_tottime": top(5), "by_cumtime": top(6)}


def bench_load(quick: bool, profile: bool = False) -> tuple[Figure, Figure]:
    import json
    import subprocess

    connections = 4_000 if quick else 100_000
    rate, msl = 400.0, 30.0
    if quick:
        msl = 2.5  # 400/s × 5 s = 2,000 TIME-WAITs at a time: a steady state within 10 s
    target_s = 10.0 * connections / 100_000
    try:
        data = _run_child(_LOAD_CHILD, json.dumps({"rate": rate, "connections": connections, "msl": msl}))
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
            f"{data['events']:,} events, {data['events'] / wall:,.0f} events/s; {rate:g}/s, MSL {msl:g} s, "
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
            pdata = _run_child(
                _LOAD_CHILD, json.dumps({"rate": rate, "connections": connections, "msl": msl, "profile": True})
            )
            load.profile = _stats_top(pdata["profile_stats"])
        except (RuntimeError, ValueError, KeyError) as exc:
            load.profile = {"error": str(exc)}
    return load, memory


# ---------------------------------------------------------------------------------------- 3. startup
_STARTUP_CHILD = r"""
import json, os, sys, time
T0 = float(os.environ["TCPSIM_BENCH_T0"])
which = sys.argv[1]
width, height = int(sys.argv[2]), int(sys.argv[3])
prof = None
if os.environ.get("TCPSIM_BENCH_PROFILE"):
    import cProfile
    prof = cProfile.Profile()
    prof.enable()
if which == "tcpsim":
    import tcpsim.cli  # what `tcpsim` does before it opens the app: its parsers, then tcpsim.ui.launch
    tcpsim.cli.parser()
    tcpsim.cli.ui_parser().parse_args([])
    from tcpsim.ui.app import TcpsimApp as Base
    from tcpsim.ui.i18n import set_language
    set_language("en")
else:
    from textual.app import App, ComposeResult
    from textual.containers import Horizontal
    from textual.widgets import Footer, Static

    class Base(App):
        BINDINGS = [("q", "quit", "Quit")]

        def compose(self) -> ComposeResult:
            with Horizontal():
                yield Static("client", id="client")
                yield Static("server", id="server")
            yield Footer()
t_imported = time.time() - T0
frames = []

class Bench(Base):
    if which == "tcpsim":  # a relative CSS_PATH is read beside the class's own module
        import tcpsim.ui.app as _ui_app
        CSS_PATH = os.path.join(os.path.dirname(_ui_app.__file__), Base.CSS_PATH)

    def on_mount(self):
        self.call_after_refresh(self._first_frame)

    def _first_frame(self):
        self._t_frame = time.time() - T0
        self.exit()

app = Bench()
_display = app._display

def display(screen, renderable):
    # Headless drivers skip encoding the frame; do it as a terminal driver would.
    _display(screen, renderable)
    if renderable is not None and hasattr(renderable, "render_segments"):
        renderable.render_segments(app.console)
        frames.append(time.time() - T0)

app._display = display
app.run(headless=True, size=(width, height))
if prof:
    prof.disable()
out = {"imported": t_imported, "first_frame": app._t_frame, "frames": len(frames),
       "first_display": frames[0] if frames else None, "done": time.time() - T0}
if prof:
    import pstats, io
    st = pstats.Stats(prof, stream=io.StringIO())
    out["profile_stats"] = [[f, l, fn, cc, nc, tt, ct] for (f, l, fn), (cc, nc, tt, ct, _c) in st.stats.items()]
print(json.dumps(out))
"""


def _startup_once(which: str, script: str, cache: str, profile: bool = False) -> dict[str, Any]:
    """One fresh process of app ``which`` (``tcpsim`` or ``minimal``) up to its first full frame.

    Bytecode is cached in ``cache`` (and written there by the first, untimed run), as it is for an
    installed package, even where the environment says PYTHONDONTWRITEBYTECODE."""
    import json
    import subprocess

    env = {k: v for k, v in _child_env().items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = cache
    if profile:
        env["TCPSIM_BENCH_PROFILE"] = "1"
    env["TCPSIM_BENCH_T0"] = repr(time.time())
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, script, which, str(TERMINAL[0]), str(TERMINAL[1])],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    process_s = time.perf_counter() - started
    if result.returncode != 0:
        raise RuntimeError(f"start-up child ({which}) failed: {result.stderr.strip()[-2000:]}")
    data = json.loads(result.stdout.strip().splitlines()[-1])
    data["process"] = process_s
    return data


def bench_startup(quick: bool, profile: bool = False) -> Figure:
    import statistics
    import tempfile

    repeats = 2 if quick else 7
    runs: dict[str, list[dict[str, Any]]] = {"minimal": [], "tcpsim": []}
    prof: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="tcpsim-bench-") as tmp:
        script = os.path.join(tmp, "startup_child.py")
        with open(script, "w", encoding="utf-8") as f:
            f.write(_STARTUP_CHILD)
        cache = os.path.join(tmp, "pycache")
        for which in ("minimal", "tcpsim"):  # untimed: writes the bytecode, warms the OS caches
            _startup_once(which, script, cache)
        for _ in range(repeats):  # interleaved, so that drift hits both alike
            for which in ("minimal", "tcpsim"):
                runs[which].append(_startup_once(which, script, cache))
        if profile:
            for which in ("tcpsim", "minimal"):
                prof[which] = _stats_top(_startup_once(which, script, cache, profile=True)["profile_stats"])

    def med(which: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[which])

    ratio = med("tcpsim", "first_frame") / med("minimal", "first_frame")
    fig = Figure(
        key="startup",
        title="UI start-up to the first full frame vs a minimal app",
        value=round(ratio, 3),
        unit="×",
        target="≤ 1.5×",
        met=ratio <= 1.5,
        summary=(
            f"tcpsim {1000 * med('tcpsim', 'first_frame'):.0f} ms, minimal app "
            f"{1000 * med('minimal', 'first_frame'):.0f} ms (median of {repeats}, fresh processes)"
        ),
        details={
            which: {
                "first_frame_ms": round(1000 * med(which, "first_frame")),
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


# ---------------------------------------------------------------------------------------- 4–5. UI
def synthetic_trace(segments: int) -> list[Any]:
    """A session's trace holding ``segments`` segments, as a long exchange makes it: the client
    sends a line, the server ACKs it, again and again (the same records a real world writes)."""
    from .core.segment import Flags, Segment
    from .core.seq import Seq
    from .sim.trace import ArriveEvent, CallEvent, DeliverEvent, SendEvent, StateEvent, TimerEvent

    trace: list[Any] = [
        CallEvent(0.0, "server", "listen"),
        StateEvent(0.0, "server", "CLOSED", "LISTEN", "passive OPEN", "3.10.1 OPEN: passive"),
        CallEvent(0.0, "client", "connect"),
        StateEvent(0.0, "client", "CLOSED", "SYN-SENT", "active OPEN", "3.10.1 OPEN: active, send SYN"),
        StateEvent(0.15, "client", "SYN-SENT", "ESTABLISHED", "rcv SYN,ACK", "3.10.7.3"),
        StateEvent(0.2, "server", "SYN-RECEIVED", "ESTABLISHED", "rcv ACK of SYN", "3.10.7.4"),
    ]
    data = b"hello"
    ack_flags, data_flags = Flags.ACK, Flags.ACK | Flags.PSH
    client_seq, server_seq = 1001, 5001
    sid = 0
    t = 1.0
    for _ in range(segments // 2):
        sid += 1
        trace.append(CallEvent(t, "client", "send", data))
        seg = Segment(49152, 80, Seq(client_seq), Seq(server_seq), data_flags, 65535, data)
        trace.append(SendEvent(t, "client", sid, seg, "3.10.2 SEND: ESTABLISHED, segmentize and send"))
        trace.append(TimerEvent(t, "client", "rto", "set", t + 1.0))
        client_seq += len(data)
        trace.append(ArriveEvent(t + 0.1, "server", sid))
        trace.append(DeliverEvent(t + 0.1, "server", data))
        sid += 1
        ack = Segment(80, 49152, Seq(server_seq), Seq(client_seq), ack_flags, 65535)
        trace.append(SendEvent(t + 0.1, "server", sid, ack, "3.10.7.4 seventh: acknowledge the text"))
        trace.append(ArriveEvent(t + 0.2, "client", sid))
        trace.append(TimerEvent(t + 0.2, "client", "rto", "cancel", None))
        t += 0.5
    return trace


def long_session_scenario(sends: int) -> Any:
    """A real session: the server listens, the client connects and sends a line every 0.5 s."""
    from .scenario.model import EndpointSpec, NetworkSpec, Scenario, Step

    steps = [Step(1, 0.0, "server", "listen"), Step(2, 0.0, "client", "connect")]
    steps += [Step(3 + i, 1.0 + 0.5 * i, "client", "send", data=b"hello") for i in range(sends)]
    return Scenario(
        name="bench: a long session",
        path=None,
        network=NetworkSpec(msl=5.0),
        client=EndpointSpec(port=49152, isn=1000),
        server=EndpointSpec(port=80, isn=5000),
        steps=tuple(steps),
    )


class _FrameClock:
    """Times the frames Textual makes: wraps the screen's compositor refresh (the frame's work) and
    the app's display (adding the terminal encoding a headless driver skips)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.frames: list[tuple[float, float]] = []
        self.waiter: asyncio.Event | None = None
        screen = app.screen
        refresh = screen._compositor_refresh
        display = app._display

        def timed_refresh() -> None:
            started = time.perf_counter()
            refresh()
            self.frames.append((started, time.perf_counter()))
            if self.waiter is not None:
                self.waiter.set()

        def encoding_display(target: Any, renderable: Any) -> None:
            display(target, renderable)
            if renderable is not None and hasattr(renderable, "render_segments"):
                renderable.render_segments(app.console)

        screen._compositor_refresh = timed_refresh
        app._display = encoding_display

    def arm(self) -> asyncio.Event:
        import asyncio

        self.waiter = asyncio.Event()
        return self.waiter

    async def next_frame(self, timeout: float = 10.0) -> tuple[float, float]:
        import asyncio

        assert self.waiter is not None
        await asyncio.wait_for(self.waiter.wait(), timeout)
        self.waiter = None
        return self.frames[-1]


async def _settle(pilot: Any) -> None:
    """Wait until the app is idle (no CPU used for 20 ms): every frame a change causes is drawn."""
    await pilot.pause()


async def _quiet(clock: _FrameClock, quiet: float = 0.1, limit: float = 2.0) -> None:
    """Wait until no frame has been drawn for ``quiet`` seconds (without forcing one, as
    ``Pilot.pause`` does): the frames a change causes come in their own time."""
    import asyncio

    started = time.perf_counter()
    while time.perf_counter() - started < limit:
        await asyncio.sleep(quiet / 4)
        last = clock.frames[-1][1] if clock.frames else started
        if time.perf_counter() - last >= quiet:
            return


def _timeline_frames(segments: int, repeats: int, profile: bool) -> dict[str, Any]:
    import asyncio
    import cProfile
    import statistics

    from .ui.app import TcpsimApp
    from .ui.widgets.timeline import Timeline

    trace = synthetic_trace(segments)
    app = TcpsimApp(clock=False)
    out: dict[str, Any] = {}

    async def main() -> None:
        async with app.run_test(size=TERMINAL) as pilot:
            await _settle(pilot)
            clock = _FrameClock(app)
            timeline = app.query_one("#timeline", Timeline)
            lines = [0]
            render_line = timeline.render_line

            def counted(y: int) -> Any:
                lines[0] += 1
                return render_line(y)

            timeline.render_line = counted  # type: ignore[method-assign]
            started = time.perf_counter()
            timeline.sync(trace, trace[-1].t + 0.3, {}, 0.1)
            out["sync_ms"] = round(1000 * (time.perf_counter() - started), 2)
            await _settle(pilot)
            draws, latencies, drawn = [], [], []
            prof = cProfile.Profile() if profile else None
            for _ in range(repeats):
                lines[0] = 0
                clock.arm()
                asked = time.perf_counter()
                if prof:
                    prof.enable()
                timeline.refresh()
                begin, end = await clock.next_frame()
                if prof:
                    prof.disable()
                draws.append(end - begin)
                latencies.append(end - asked)
                drawn.append(lines[0])
                await _settle(pilot)
            out["frame_ms"] = round(1000 * statistics.median(draws), 3)
            out["frame_ms_min"] = round(1000 * min(draws), 3)
            out["refresh_to_frame_ms"] = round(1000 * statistics.median(latencies), 3)
            out["lines_drawn"] = statistics.median(drawn)
            out["rows"] = len(timeline.rows)
            out["height"] = timeline.size.height
            if prof:
                out["profile"] = profile_top(prof)

    asyncio.run(main())
    return out


def bench_timeline(quick: bool, profile: bool = False) -> Figure:
    sizes = QUICK_TIMELINE_SIZES if quick else TIMELINE_SIZES
    repeats = 5 if quick else 20
    results = {n: _timeline_frames(n, repeats, profile and n == sizes[-1]) for n in sizes}
    small, big = results[sizes[0]]["frame_ms"], results[sizes[-1]]["frame_ms"]
    ratio = big / small
    fig = Figure(
        key="timeline",
        title=f"Timeline frame: {sizes[-1]:,} vs {sizes[0]:,} segments",
        value=round(ratio, 3),
        unit="×",
        target="≤ 1.5×",
        met=ratio <= 1.5,
        summary="; ".join(f"{n:,}: {r['frame_ms']:.2f} ms" for n, r in results.items())
        + f" (full redraw of {results[sizes[-1]]['lines_drawn']:g} lines, median of {repeats})",
        details={str(n): {k: v for k, v in r.items() if k != "profile"} for n, r in results.items()},
    )
    if profile:
        fig.profile = results[sizes[-1]].get("profile")
    return fig


def bench_keypress(quick: bool, profile: bool = False) -> Figure:
    import asyncio
    import cProfile
    import statistics

    from .ui.app import TcpsimApp

    segments = 2_000 if quick else 10_000
    presses = 10 if quick else 40
    scenario = long_session_scenario(segments // 2 + presses + 50)
    app = TcpsimApp(scenario, clock=False)
    world = app.session.world
    sent = 0
    while sent < segments:  # build the history headless (no snapshots: only the presses need them)
        processed = world.step()
        assert processed is not None
        if processed.kind == "arrive":
            sent += 1
    out: dict[str, Any] = {}

    async def main() -> None:
        async with app.run_test(size=TERMINAL) as pilot:
            await _settle(pilot)
            clock = _FrameClock(app)
            action_step = app.action_step
            spans: list[tuple[float, float]] = []

            def timed_step() -> None:
                started = time.perf_counter()
                action_step()
                spans.append((started, time.perf_counter()))
                clock.arm()  # the first frame after the step is the updated one

            app.action_step = timed_step  # type: ignore[method-assign]
            from textual import events

            totals, actions, draws, lasts, counts = [], [], [], [], []
            prof = cProfile.Profile() if profile else None
            for _ in range(presses):
                key = events.Key("n", "n")
                key.set_sender(app)
                pressed = time.perf_counter()
                if prof:
                    prof.enable()
                app._driver.send_message(key)  # type: ignore[union-attr]  # as a terminal's input arrives
                while clock.waiter is None:
                    await asyncio.sleep(0)
                begin, end = await clock.next_frame()
                if prof:
                    prof.disable()
                totals.append(end - pressed)
                actions.append(spans[-1][1] - spans[-1][0])
                draws.append(end - begin)
                await _quiet(clock)  # the follow-up frames the press causes, at their own pace
                after = [f for f in clock.frames if f[0] >= pressed]
                counts.append(len(after))
                lasts.append(after[-1][1] - pressed)
            out["press_to_frame_ms"] = round(1000 * statistics.median(totals), 2)
            out["press_to_frame_ms_p90"] = round(1000 * sorted(totals)[int(0.9 * (len(totals) - 1))], 2)
            out["press_to_last_frame_ms"] = round(1000 * statistics.median(lasts), 2)
            out["frames_per_press"] = statistics.median(counts)
            out["action_ms"] = round(1000 * statistics.median(actions), 2)
            out["frame_ms"] = round(1000 * statistics.median(draws), 2)
            out["trace_records"] = len(app.session.trace)
            if prof:
                out["profile"] = profile_top(prof)

    asyncio.run(main())
    ms = out["press_to_frame_ms"]
    fig = Figure(
        key="keypress",
        title=f"Key press (n, step) to the updated frame at {segments:,} segments",
        value=ms,
        unit="ms",
        target="< 50 ms",
        met=ms < 50.0,
        summary=(
            f"median of {presses}: step and refresh_view {out['action_ms']:.1f} ms, frame {out['frame_ms']:.1f} ms, "
            f"p90 {out['press_to_frame_ms_p90']:.1f} ms; every widget settled after "
            f"{out['press_to_last_frame_ms']:.0f} ms ({out['frames_per_press']:g} frames)"
        ),
        details={k: v for k, v in out.items() if k != "profile"} | {"segments": segments, "presses": presses},
    )
    if profile:
        fig.profile = out.get("profile")
    return fig


# ---------------------------------------------------------------------------------------- running
def run_all(
    quick: bool = False,
    only: tuple[str, ...] | None = None,
    profile: bool = False,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Measure the figures (all, or ``only`` these) and return the whole result as plain data."""
    wanted = set(only or FIGURES)
    figures: dict[str, Figure] = {}
    load_before = _load_average()
    started = time.perf_counter()

    def note(text: str) -> None:
        if progress is not None:
            progress(text)

    if "engine" in wanted:
        note("engine throughput")
        figures["engine"] = bench_engine(quick, profile)
    if wanted & {"load", "load_memory"}:
        note("load mode (a fresh process, one core)")
        load, memory = bench_load(quick, profile)
        figures["load"], figures["load_memory"] = load, memory
    if "startup" in wanted:
        note("UI start-up (fresh processes)")
        figures["startup"] = bench_startup(quick, profile)
    if "timeline" in wanted:
        note("UI timeline frames")
        figures["timeline"] = bench_timeline(quick, profile)
    if "keypress" in wanted:
        note("UI key press")
        figures["keypress"] = bench_keypress(quick, profile)
    return {
        "benchmark": "tcpsim bench",
        "quick": quick,
        "machine": machine() | {"load_average_before": load_before},
        "source": source(),
        "wall_s": round(time.perf_counter() - started, 1),
        "figures": {key: figures[key].to_dict() for key in FIGURES if key in figures},
    }


def print_table(result: dict[str, Any], console: Any = None) -> None:
    """The result as a Rich table: figure, measured, target, verdict, and the machine."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    console = console or Console(highlight=False)
    m = result["machine"]
    table = Table(
        title=f"tcpsim bench{' --quick' if result.get('quick') else ''}",
        title_justify="left",
        caption=(
            f"{m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable) · {m['python']} · textual {m['textual']}"
            f" · {m['os']}{_source_text(result.get('source'))} · measured in one run of {result['wall_s']:g} s"
            + (f", load average {m['load_average_before'][0]:g} before" if m.get("load_average_before") else "")
        ),
        caption_justify="left",
    )
    table.add_column("figure")
    table.add_column("measured", justify="right", no_wrap=True)
    table.add_column("target", no_wrap=True)
    table.add_column("verdict", no_wrap=True)
    colours = {"PASS": "bold green", "FAIL": "bold red", "N/A": "yellow"}
    for fig in result["figures"].values():
        value = fig["value"]
        measured = "not available" if value is None else f"{value:,.4g} {fig['unit']}"
        title = Text(fig["title"])
        if fig.get("summary"):
            title.append("\n" + fig["summary"], style="dim")
        table.add_row(title, measured, fig["target"], Text(fig["verdict"], colours.get(fig["verdict"], "")))
    console.print(table)
    for key, fig in result["figures"].items():
        prof = fig.get("profile")
        if not prof:
            continue
        for label, top in _profiles(prof):
            console.print(Text(f"\n{key}: top costs by own time{label} (cProfile)", style="bold"))
            for row in top["by_tottime"][:12]:
                console.print(
                    f"  {row['tottime_s']:8.3f} s {row['tottime_pct']:5.1f} %  cum {row['cumtime_s']:8.3f} s"
                    f"  {row['ncalls']:>9,}  {row['function']}",
                    soft_wrap=True,
                )


def _source_text(src: dict[str, Any] | None) -> str:
    if not src:
        return ""
    build = {True: " · compiled (mypyc)", False: " · pure Python"}.get(src.get("compiled"), "")  # type: ignore[call-overload]
    if not src.get("commit"):
        return build
    return f"{build} · code {src['commit']}" + (" with local changes" if src.get("modified") else "")


def _profiles(prof: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    if "by_tottime" in prof:
        return [("", prof)]
    return [(f" [{name}]", p) for name, p in prof.items() if isinstance(p, dict) and "by_tottime" in p]


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    p.add_argument("--quick", action="store_true", help="a short run, small sizes (the figures are not the targets')")
    p.add_argument(
        "--only",
        action="append",
        choices=FIGURES,
        metavar="FIGURE",
        help=f"measure only this figure (repeatable): {', '.join(FIGURES)}",
    )
    p.add_argument("--profile", action="store_true", help="also profile each figure (cProfile, an untimed pass)")


def main_from_args(args: argparse.Namespace) -> int:
    """Run the benchmark as the parsed options say; print JSON or a table. Exit 0 whatever the verdicts."""

    def progress(text: str) -> None:
        if not args.json:
            print(f"measuring {text}…", file=sys.stderr, flush=True)

    result = run_all(
        quick=args.quick, only=tuple(args.only) if args.only else None, profile=args.profile, progress=progress
    )
    if args.json:
        import json

        sys.stdout.write(json.dumps(result) + "\n")
        sys.stdout.flush()
    else:
        print_table(result)
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tcpsim.bench", description=__doc__.splitlines()[0])
    add_arguments(p)
    return main_from_args(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
