"""Build: a regular install compiles the protocol core, the lab's engine and the census with mypyc.

Two figures need compiling (BENCHMARKS.md): the TIME-WAIT lab's (100,000 connections through
TIME-WAIT in under 10 s), which runs only :mod:`tcpsim.core` and :mod:`tcpsim.lab.engine`, and the
whole-capture census's (``tcpsim import --all`` within 1.5x of ``tshark -z conv,tcp``), which runs
the core and the capture modules in :data:`HOT`; so only those are compiled. Everything else,
and those too in the test command's editable install, is ordinary Python. The source is the
reference: the suite runs it, and also builds this compiled form and runs the tests of the
compiled code against it (tests/test_compiled.py).

The message catalogues (``tcpsim/locale/LANG/LC_MESSAGES/tcpsim.po``) are compiled with Babel into
the ``.mo`` files that Python's gettext reads: into the build for a wheel, and for an editable
install into the source tree, beside their ``.po``, where the running source looks for them
(git-ignored; ``pybabel compile`` refreshes them after an edit, tcpsim/locale/README.md).

Apart from those catalogues, nothing here writes into the source tree or deletes from it, so a
compiled module can never sit beside its ``.py`` and shadow it:

* setuptools builds in a fresh temporary folder (only mypyc's generated C stays in ``build/``), so
  neither a stale compiled module nor a stale ``.py`` from an earlier build (a module since
  removed, or compiled then and not now) can end up in the wheel;
* an editable install (``pip install -e .``) and an in-place build (``build_ext --inplace``) do
  not compile at all: they would put extension modules beside the sources, where Python imports
  them first and edits would silently not run;
* compiled modules that something else left in the tree are reported, never deleted.

Pure Python too when ``TCPSIM_NO_MYPYC=1``, or when mypyc or the C compiler is missing or fails
(a warning says so): tcpsim works the same, only slower.
"""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_ext import build_ext
from setuptools.command.build_py import build_py

HOT = [
    "tcpsim/core/",
    "tcpsim/lab/engine.py",
    "tcpsim/capture/files.py",
    "tcpsim/capture/decode.py",
    "tcpsim/capture/census.py",
    "tcpsim/capture/census_hosts.py",
    "tcpsim/capture/tracked.py",
    "tcpsim/capture/tracked_sides.py",
    "tcpsim/capture/tracked_sent.py",
    "tcpsim/capture/anomalies.py",
    "tcpsim/capture/census_records.py",
]
"""What mypyc compiles: the code the load lab runs for every event, and what the whole-capture
census runs for every packet (reading the file, decoding the frame, following each side)."""

EDITABLE_COMMANDS = ("editable_wheel", "develop")
"""setuptools commands of an editable install (PEP 660's build_editable runs ``editable_wheel``)."""


def warn(text: str) -> None:
    print(f"tcpsim: {text}", file=sys.stderr)


def fresh_build_folder() -> str:
    """A temporary folder for this build only, removed when setup.py exits."""
    folder = tempfile.mkdtemp(prefix="tcpsim-build-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


BUILD = fresh_build_folder()


LOCALE = Path("tcpsim") / "locale"
"""The message catalogues: ``LANG/LC_MESSAGES/tcpsim.po``, compiled to ``.mo`` beside them."""


def compile_catalogues(target: Path) -> None:
    """Each ``tcpsim.po`` under :data:`LOCALE` as ``target/LANG/LC_MESSAGES/tcpsim.mo`` (fuzzy
    translations left out, as gettext's msgfmt does). Babel is a build requirement (pyproject.toml)."""
    try:
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po
    except ImportError as exc:
        raise SystemExit(f"tcpsim: Babel is needed to compile the message catalogues ({exc})") from None
    for po in sorted(LOCALE.glob("*/LC_MESSAGES/tcpsim.po")):
        with po.open("rb") as source:
            catalogue = read_po(source, locale=po.parent.parent.name)
        mo = target / po.relative_to(LOCALE).with_suffix(".mo")
        mo.parent.mkdir(parents=True, exist_ok=True)
        partial = mo.with_suffix(".mo.partial")
        with partial.open("wb") as out:
            write_mo(out, catalogue, use_fuzzy=False)
        partial.replace(mo)  # whole or not at all: a running tcpsim never reads half a catalogue


class BuildPy(build_py):
    """A wheel carries the bundled scenarios as tcpsim/_scenarios (a checkout reads scenarios/), and
    the compiled message catalogues; an editable install gets its catalogues compiled in place."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "tcpsim" / "_scenarios"
        if Path("scenarios").is_dir() and not self.editable_mode:
            shutil.copytree("scenarios", target, dirs_exist_ok=True)
        compile_catalogues(LOCALE if self.editable_mode else Path(self.build_lib) / LOCALE)


class BuildExt(build_ext):
    """Compiles into the build folder only; a C compiler that fails (or is missing) leaves the
    pure-Python modules, which build_py has already put there, in place."""

    def run(self) -> None:
        if self.inplace and self.extensions:
            warn("an in-place build would shadow the sources with compiled modules: pure Python (setup.py)")
            self.extensions = []
            return
        try:
            super().run()
        except Exception as exc:
            warn(f"WARNING: compiling with mypyc failed ({exc!r}): installing pure Python")
            for output in self.get_outputs():  # half a compile: none of it goes into the wheel
                Path(output).unlink(missing_ok=True)
            self.extensions = []


def report_shadowing_modules() -> None:
    """Compiled modules beside the sources (left by an older tcpsim's build, or made by hand)
    would be imported instead of the ``.py`` files: say so, and leave the user's files alone."""
    found = sorted(str(p) for pattern in ("*.so", "*.pyd") for p in Path("tcpsim").rglob(pattern))
    if found:
        warn(f"WARNING: compiled modules in the source tree shadow their .py files; delete them: {' '.join(found)}")


def ext_modules() -> list:
    report_shadowing_modules()
    if any(command in sys.argv for command in EDITABLE_COMMANDS):
        warn("editable install: pure Python, so that edits to the source take effect (setup.py)")
        return []
    if os.environ.get("TCPSIM_NO_MYPYC", "") not in ("", "0"):
        warn("TCPSIM_NO_MYPYC is set: pure Python")
        return []
    try:
        from mypyc.build import mypycify

        # mypyc writes its C files into build/ in the tree (setuptools wants relative source paths);
        # they are regenerated on every build and never packaged.
        # MYPYC_OPT_LEVEL and MYPYC_DEBUG_LEVEL: the C compiler's -O and -g, by default -O3 -g1, the build
        # the figures are measured on; tests/test_compiled.py builds at -O0 -g0 (the same C, compiled
        # faster: it checks behaviour, not speed).
        opt, debug = os.environ.get("MYPYC_OPT_LEVEL", "3"), os.environ.get("MYPYC_DEBUG_LEVEL", "1")
        return mypycify(HOT, opt_level=opt, debug_level=debug)
    except BaseException as exc:  # mypyc missing, or a type error (mypycify exits with SystemExit)
        warn(f"WARNING: mypyc compilation skipped ({exc!r}): installing pure Python")
        return []


setup(
    packages=find_packages(include=["tcpsim", "tcpsim.*"]),
    ext_modules=ext_modules(),
    cmdclass={"build_py": BuildPy, "build_ext": BuildExt},
    options={"build": {"build_base": os.path.join(BUILD, "build")}},
)
