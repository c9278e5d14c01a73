"""The text ladder's cost: ``tcpsim run --format text`` against ``--format jsonl`` on the same trace.

A scenario of many small sends (issue 16 found 90,000 of them, within the 4 MiB limit, taking
160 s as text against 18 s as JSON lines: Rich's per-line work) is simulated once; then the trace
is written both ways into memory, each timed alone, simulation excluded. The target: the ladder
costs at most 5× the JSON lines of the same trace (Rich builds a styled text per line; JSON lines
are one ``json.dumps`` each). The details also time the ladder written line by line with
``console.print``, as it was before issue 16: the speed-up, measured in the same run.
"""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from bench_common import Figure, maybe_profile, profile_top

FIGURES = {"text": "text ladder vs JSON lines"}
"""The figures this module measures, and what the progress line says while it does."""
TARGET = 5.0


def measure(keys: set[str], quick: bool, profile: bool) -> dict[str, Figure]:
    return {"text": bench_text(quick, profile)}


def _sends_scenario(sends: int) -> Any:
    """A connection, then ``sends`` one-byte sends from the client, 10 ms apart."""
    from tcpsim.scenario.model import EndpointSpec, NetworkSpec, Scenario, Step

    steps = [Step(1, 0.0, "server", "listen"), Step(2, 0.0, "client", "connect")]
    steps += [Step(3 + i, round(1 + i * 0.01, 2), "client", "send", data=b"x") for i in range(sends)]
    return Scenario(
        name="bench: many sends",
        path=None,
        network=NetworkSpec(),
        client=EndpointSpec(port=49152, isn=1000),
        server=EndpointSpec(port=80, isn=5000),
        steps=tuple(steps),
    )


@contextmanager
def _line_writer(fast: bool) -> Iterator[None]:
    """The ladder's batched writer (``fast``), or ``console.print`` per line as before issue 16."""
    from tcpsim import render

    original = render.LineWriter.__init__

    def init(self: Any, console: Any, *, fast: bool = fast) -> None:
        original(self, console, fast=fast)

    render.LineWriter.__init__ = init  # type: ignore[method-assign]
    try:
        yield
    finally:
        render.LineWriter.__init__ = original  # type: ignore[method-assign]


def bench_text(quick: bool, profile: bool = False) -> Figure:
    from rich.console import Console

    from tcpsim.render import render_text, write_jsonl
    from tcpsim.scenario import run

    sends = 1_000 if quick else 10_000
    result = run(_sends_scenario(sends))

    def text(fast: bool = True) -> float:
        console = Console(file=io.StringIO(), width=120, force_terminal=False, highlight=False)
        started = time.perf_counter()
        with _line_writer(fast):
            render_text(result, console)
        return time.perf_counter() - started

    def jsonl() -> float:
        started = time.perf_counter()
        write_jsonl(result.trace, io.StringIO())
        return time.perf_counter() - started

    text_s, jsonl_s = min(text() for _ in range(3)), min(jsonl() for _ in range(3))
    per_line_s = text(fast=False)
    ratio = text_s / jsonl_s
    fig = Figure(
        key="text",
        title="Text ladder vs JSON lines, same trace",
        value=round(ratio, 2),
        unit="× jsonl",
        target=f"≤ {TARGET:g}×",
        met=ratio <= TARGET,
        summary=(
            f"{sends:,} sends, {len(result.trace):,} trace records: text {text_s:.2f} s, jsonl {jsonl_s:.2f} s; "
            f"line by line with console.print {per_line_s:.2f} s ({per_line_s / text_s:.1f}× slower)"
        ),
        details={
            "sends": sends,
            "records": len(result.trace),
            "text_s": text_s,
            "jsonl_s": jsonl_s,
            "per_line_print_s": per_line_s,
        },
    )
    if profile:
        with maybe_profile(True) as profiler:
            text()
        if profiler is not None:
            fig.profile = profile_top(profiler)
    return fig
