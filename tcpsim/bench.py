"""``tcpsim bench``: a thin entry to the benchmarks, which live in the repository, not the package.

The benchmarks are developer tools (``benchmarks/`` in a clone: a driver, one module per group of
figures, and the child processes they start). This finds them and runs them with this Python, so
that they measure this tcpsim: the checkout's source for an editable install, the compiled package
for a regular one (README, "Start"). It looks in the checkout this package was imported from, then
in the current folder and the folders above it (a clone into which tcpsim was installed). From an
install with no clone at hand it says where the benchmarks are, and exits 2.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

SCRIPT = Path("benchmarks") / "bench.py"
NOT_FOUND = (
    "tcpsim bench: the benchmarks are not part of the installed package: they live in the tcpsim "
    "repository's benchmarks/ folder. Run `tcpsim bench` inside a clone of the repository (it measures "
    "the tcpsim installed here), or `python benchmarks/bench.py` there."
)


def add_arguments(p: argparse.ArgumentParser) -> None:
    """Every option goes to the benchmarks' own parser (``tcpsim bench --help`` shows them); the
    subcommand's parser is made with ``add_help=False`` and a prefix no option uses."""
    p.add_argument("options", nargs="*", help=argparse.SUPPRESS)


def find_script(start: Path | None = None) -> Path | None:
    """``benchmarks/bench.py`` of the checkout this package is in, else of the folder ``start``
    (default: the current one) or one above it; None when there is none."""
    here = Path(__file__).resolve().parent.parent
    folder = (start or Path.cwd()).resolve()
    for root in (here, folder, *folder.parents):
        script = root / SCRIPT
        if script.is_file() and (root / "tcpsim" / "__init__.py").is_file():
            return script
    return None


def main_from_args(args: argparse.Namespace) -> int:
    """Run the benchmarks with the options given; their exit code, or 2 when they cannot be found."""
    script = find_script()
    if script is None:
        print(NOT_FOUND, file=sys.stderr)
        return 2
    return subprocess.call([sys.executable, str(script), *args.options])
