"""What every figure shares: the :class:`Figure` record, the machine and the code measured, child
processes, and cProfile summaries."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import cProfile

HERE = Path(__file__).resolve().parent
TERMINAL = (120, 36)
"""The terminal size every UI figure is taken at."""


@dataclass
class Figure:
    """One measured figure: its value, the target and whether the value meets it.

    ``target`` None: the figure is reported, not held to a target (the engine's, since issue 12).
    """

    key: str
    title: str
    value: float | None
    unit: str
    target: str | None
    met: bool | None
    """None: no verdict (the figure is not available, or it has no target)."""
    summary: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    profile: dict[str, Any] | None = None

    @property
    def verdict(self) -> str:
        if self.value is None:
            return "N/A"
        if self.target is None:
            return "REPORTED"
        if self.met is None:
            return "N/A"
        return "PASS" if self.met else "FAIL"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "title": self.title,
            "value": self.value,
            "unit": self.unit,
            "target": self.target if self.target is not None else "reported, not a target",
            "verdict": self.verdict,
            "summary": self.summary,
            "details": self.details,
        }
        if self.profile is not None:
            out["profile"] = self.profile
        return out


# ---------------------------------------------------------------------------------------- the code measured
def tcpsim_module() -> Any:
    import tcpsim

    return tcpsim


def compiled() -> bool:
    """Whether the core runs compiled by mypyc (a regular install) or as source (setup.py)."""
    from tcpsim.core import tcb

    return not (tcb.__file__ or "").endswith(".py")


def package_root() -> str:
    """The folder holding the ``tcpsim`` package this process imported (a checkout or site-packages)."""
    path: str = tcpsim_module().__file__
    return os.path.dirname(os.path.dirname(os.path.abspath(path)))


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """A child process imports the very tcpsim this process runs (a checkout's source, or an
    installed and compiled copy), whatever its working directory or script path puts first."""
    env = {**os.environ, **(extra or {})}
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root(), env.get("PYTHONPATH")) if p)
    return env


def run_child(script: str, *args: str, env: dict[str, str] | None = None, timeout: float = 600) -> dict[str, Any]:
    """Run ``benchmarks/SCRIPT`` in a fresh process of this Python; its last line of output is JSON."""
    import json

    result = subprocess.run(
        [sys.executable, str(HERE / script), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=child_env(env),
    )
    if result.returncode != 0:
        raise RuntimeError(f"benchmark child failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def source() -> dict[str, Any]:
    """Which code was measured: compiled or not, the git commit and the files of tcpsim changed
    since (if the tcpsim measured is a checkout's)."""
    root = package_root()
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
        "tcpsim": tcpsim_module().__version__,
        "os": f"{platform.system()} {platform.release()}",
    }


def load_average() -> list[float] | None:
    """The 1, 5 and 15-minute load averages: figures taken on a busy machine are worth less."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:  # pragma: no cover - not Unix
        return None


# ---------------------------------------------------------------------------------------- profiling
def profile_rows(profiler: cProfile.Profile) -> list[list[Any]]:
    """A profile as rows (file, line, function, cc, ncalls, tottime, cumtime): what a child process
    prints in its JSON for :func:`stats_top` in the driver."""
    import io
    import pstats

    stats = pstats.Stats(profiler, stream=io.StringIO())
    return [
        [f, line, fn, cc, nc, tt, ct]
        for (f, line, fn), (cc, nc, tt, ct, _callers) in stats.stats.items()  # type: ignore[attr-defined]
    ]


def profile_top(profiler: cProfile.Profile, limit: int = 15) -> dict[str, Any]:
    """The top functions of a profile, by own time and by cumulative time."""
    return stats_top(profile_rows(profiler), limit)


def stats_top(rows: list[list[Any]], limit: int = 15) -> dict[str, Any]:
    """The top functions of ``pstats`` rows (file, line, function, cc, ncalls, tottime, cumtime),
    as a child process sends them: by own time and by cumulative time."""
    total = sum(r[5] for r in rows) or 1e-12

    def top(index: int) -> list[dict[str, Any]]:
        return [
            {
                "function": f"{short_path(f)}:{line}({fn})",
                "ncalls": nc,
                "tottime_s": round(tt, 4),
                "cumtime_s": round(ct, 4),
                "tottime_pct": round(100 * tt / total, 1),
            }
            for f, line, fn, _cc, nc, tt, ct in sorted(rows, key=lambda r: r[index], reverse=True)[:limit]
        ]

    return {"total_s": round(total, 3), "by_tottime": top(5), "by_cumtime": top(6)}


def short_path(filename: str) -> str:
    for marker in ("site-packages/", "/tcpsim/", "lib/python3"):
        if marker in filename:
            tail = filename.split(marker, 1)[1]
            return ("tcpsim/" + tail) if marker == "/tcpsim/" else tail
    return filename


@contextmanager
def maybe_profile(enabled: bool) -> Iterator[cProfile.Profile | None]:
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
