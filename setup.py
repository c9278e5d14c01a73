"""Build: a regular install compiles the hot modules with mypyc; an editable one stays pure Python.

The hot modules (the protocol core, the simulation, the lab's engine, the scenario runner) are
ordinary type-hinted Python, and they are the reference: the test suite runs them as source. A
regular install (``pip install .``) compiles them with mypyc to C extensions, which run the load
lab and the engine about three times faster (BENCHMARKS.md); the suite also builds and tests that
compiled form (tests/test_compiled.py).

An editable install (``pip install -e .``) never compiles: an extension module sits beside its
``.py`` and Python imports it first, so an edit to the source would silently not run. For the same
reason every build starts by deleting compiled modules an older build left in the tree.

Pure Python too when ``TCPSIM_NO_MYPYC=1``, or when mypyc or the C compiler is missing or fails
(a warning says so): tcpsim works the same, only slower.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

HOT = [
    "tcpsim/core/",
    "tcpsim/sim/",
    "tcpsim/lab/engine.py",
    "tcpsim/scenario/runner.py",
]
"""What mypyc compiles: the code every simulated event runs through."""

EDITABLE_COMMANDS = ("editable_wheel", "develop")
"""setuptools commands of an editable install (PEP 660's build_editable runs ``editable_wheel``)."""


def warn(text: str) -> None:
    print(f"tcpsim: {text}", file=sys.stderr)


class BuildPy(build_py):
    """A wheel carries the bundled scenarios as tcpsim/_scenarios (a checkout reads scenarios/)."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "tcpsim" / "_scenarios"
        if Path("scenarios").is_dir() and not self.editable_mode:
            shutil.copytree("scenarios", target, dirs_exist_ok=True)


class BuildExt(build_ext):
    """A C compiler that fails (or is missing) leaves the pure-Python modules in place."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:
            warn(f"WARNING: compiling with mypyc failed ({exc!r}): installing pure Python")
            self.extensions = []
            remove_stale_builds(Path(self.build_lib))


def remove_stale_builds(*folders: Path) -> None:
    """Compiled modules left by an earlier build would shadow the .py files: in the tree (an
    in-place build), or in setuptools' build folder, which pip reuses when it builds in the tree,
    so that a failed compile would otherwise package the last successful one."""
    for folder in (Path("."), *folders):
        for path in [*folder.glob("tcpsim/**/*.so"), *folder.glob("tcpsim/**/*.pyd"), *folder.glob("*__mypyc*")]:
            path.unlink()


def ext_modules() -> list:
    remove_stale_builds()
    if any(command in sys.argv for command in EDITABLE_COMMANDS):
        warn("editable install: pure Python, so that edits to the source take effect (setup.py)")
        return []
    if os.environ.get("TCPSIM_NO_MYPYC", "") not in ("", "0"):
        warn("TCPSIM_NO_MYPYC is set: pure Python")
        return []
    try:
        from mypyc.build import mypycify

        return mypycify(HOT, opt_level=os.environ.get("MYPYC_OPT_LEVEL", "3"))
    except BaseException as exc:  # mypyc missing, or a type error (mypycify exits with SystemExit)
        warn(f"WARNING: mypyc compilation skipped ({exc!r}): installing pure Python")
        return []


setup(
    packages=find_packages(include=["tcpsim", "tcpsim.*"]),
    ext_modules=ext_modules(),
    cmdclass={"build_py": BuildPy, "build_ext": BuildExt},
)
