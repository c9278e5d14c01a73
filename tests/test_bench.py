"""``tcpsim bench``: every figure is measured and reported. The targets are not asserted here:
timings depend on the machine and its load, so a test on them would flake (BENCHMARKS.md has them)."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

from rich.console import Console

from tcpsim.bench import FIGURES, bare_heapq_loop, print_table, synthetic_trace
from tcpsim.sim.trace import SendEvent

ROOT = Path(__file__).resolve().parent.parent


def test_quick_bench_reports_every_figure_as_json() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "tcpsim.cli", "bench", "--quick", "--json"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["quick"] is True
    for key in ("cpu", "cores", "python", "textual"):
        assert data["machine"][key], key
    assert set(data["figures"]) == set(FIGURES)
    for key, figure in data["figures"].items():
        value = figure["value"]
        assert isinstance(value, int | float) and not isinstance(value, bool), (key, value)
        assert value >= 0, (key, value)
        assert figure["target"], key
        assert figure["verdict"] in ("PASS", "FAIL"), (key, figure["verdict"])


def test_table_shows_verdicts_and_a_figure_not_available() -> None:
    figure = {"title": "Engine", "value": 0.03, "unit": "×", "target": "≥ 0.25", "verdict": "FAIL", "summary": "s"}
    missing = {"title": "Load", "value": None, "unit": "s", "target": "< 10 s", "verdict": "N/A", "summary": ""}
    result = {
        "quick": False,
        "wall_s": 1.0,
        "machine": {
            "cpu": "Some CPU",
            "cores": 2,
            "usable_cores": 2,
            "python": "CPython 3.11",
            "textual": "8.2.8",
            "os": "Linux",
        },
        "source": {"commit": "abc1234", "modified": []},
        "figures": {"engine": figure, "load": missing},
    }
    out = io.StringIO()
    print_table(result, Console(file=out, width=160, color_system=None))
    text = out.getvalue()
    assert "FAIL" in text and "N/A" in text and "not available" in text
    assert "Some CPU" in text and "abc1234" in text


def test_bare_loop_and_synthetic_trace() -> None:
    assert bare_heapq_loop(1_000) > 0
    trace = synthetic_trace(100)
    assert sum(isinstance(e, SendEvent) for e in trace) == 100
    assert [e.t for e in trace] == sorted(e.t for e in trace)
