"""``tcpsim bench``: tcpsim's speed figures, measured in one run on this machine.

Run it as ``tcpsim bench`` or ``python benchmarks/bench.py`` (not ``python -m``: the folder of the
checkout must not come first on the path, or a compiled install would be measured as source). It
measures the tcpsim that the running Python imports, compiled or not, and says which.

Each figure lives in a module of this folder (see :data:`MODULES`) with its target and a verdict;
BENCHMARKS.md has the latest run and says how to add a figure. ``--quick`` runs everything small
(the test suite runs it); ``--profile`` adds each figure's top costs under cProfile (a separate,
untimed pass). Nothing here is asserted by a test: timing tests flake.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

from bench_common import Figure, load_average, machine, source

MODULES = ("bench_engine", "bench_load", "bench_startup", "bench_ui", "bench_output", "bench_serve", "bench_capture")
"""The modules of figures, in the order they run and are shown. Each has ``FIGURES`` (its keys,
each with the progress line shown while it is measured) and ``measure(keys, quick, profile)``,
which returns the :class:`Figure` of each key asked for."""


def modules() -> list[ModuleType]:
    return [importlib.import_module(name) for name in MODULES]


def figure_keys() -> tuple[str, ...]:
    """Every figure's key, in the order they are shown."""
    return tuple(key for module in modules() for key in module.FIGURES)


def run_all(
    quick: bool = False,
    only: tuple[str, ...] | None = None,
    profile: bool = False,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Measure the figures (all, or ``only`` these) and return the whole result as plain data."""
    wanted = set(only or figure_keys())
    figures: dict[str, Figure] = {}
    load_before = load_average()
    started = time.perf_counter()
    for module in modules():
        keys = wanted & set(module.FIGURES)
        if not keys:
            continue
        if progress is not None:
            progress(", ".join(text for key, text in module.FIGURES.items() if key in keys))
        figures |= {key: fig for key, fig in module.measure(keys, quick, profile).items() if key in keys}
    return {
        "benchmark": "tcpsim bench",
        "quick": quick,
        "machine": machine() | {"load_average_before": load_before},
        "source": source(),
        "wall_s": round(time.perf_counter() - started, 1),
        "figures": {key: figures[key].to_dict() for key in figure_keys() if key in figures},
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
    colours = {"PASS": "bold green", "FAIL": "bold red", "N/A": "yellow", "REPORTED": "dim"}
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
    compiled = src.get("compiled")  # True or False; anything else (None, missing): not said
    build = " · compiled (mypyc)" if compiled is True else " · pure Python" if compiled is False else ""
    if not src.get("commit"):
        return build
    return f"{build} · code {src['commit']}" + (" with local changes" if src.get("modified") else "")


def _profiles(prof: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    if "by_tottime" in prof:
        return [("", prof)]
    return [(f" [{name}]", p) for name, p in prof.items() if isinstance(p, dict) and "by_tottime" in p]


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="tcpsim bench", description="tcpsim's speed figures, measured in one run.")
    p.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    p.add_argument("--quick", action="store_true", help="a short run, small sizes (the figures are not the targets')")
    keys = figure_keys()
    p.add_argument(
        "--only",
        action="append",
        choices=keys,
        metavar="FIGURE",
        help=f"measure only this figure (repeatable): {', '.join(keys)}",
    )
    p.add_argument("--profile", action="store_true", help="also profile each figure (cProfile, an untimed pass)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark as the options say; print JSON or a table. Exit 0 whatever the verdicts."""
    args = parser().parse_args(argv)

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


if __name__ == "__main__":
    sys.exit(main())
