"""The compiled build: what ``pip install .`` gives users is tested too, not only the source.

A regular install compiles the core, the lab's engine and the census with mypyc (setup.py); the rest of the
suite runs them as source (the test command's install is editable, which never compiles). mypyc
checks types at run time and some Python idioms behave differently once compiled, so this test
builds the wheel the way a user's install does, and runs the tests of the compiled code against it
in a fresh process: the core's and the lab's own, and the simulation's, scenarios' and command
line's, which drive the core through every bundled scenario, its golden trace and random schedules.

The one difference from a user's build: the C compiler runs at ``-O0 -g0`` here (setup.py's
``MYPYC_OPT_LEVEL`` and ``MYPYC_DEBUG_LEVEL``), not ``-O3 -g1``. mypyc generates the same C either
way, and what this test checks is that the compiled code behaves as the source does; gcc's
optimiser took about 28 s of the build's 66 s of CPU (BENCHMARKS.md, "The test suite"). The speed
of the optimised build is what ``tcpsim bench`` measures (the load lab's figure, the census's
against tshark), from the README's ``pip install .``.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SUITES = [
    "core",
    "sim",
    "lab",
    "scenario",
    "cli",
    "capture/test_capture_census.py",
    "capture/test_capture_reader.py",
    "capture/test_capture_hostile.py",
    "capture/test_capture_fuzz.py",
]
"""The tests run against the compiled build: the folders of the core, the lab and the layers that
drive them, and the capture tests of the compiled census and of the compiled file reader and
decoder (setup.py's ``HOT``), on real, damaged, mutated and hostile captures. Left out: the UI's,
the rest of the capture import's and the exports' (interpreted either way, and the slowest; they
reach the compiled code only through the layers these test)."""

COMPILED = [
    "tcpsim.core.tcb",
    "tcpsim.core.segment",
    "tcpsim.lab.engine",
    "tcpsim.capture.census",
    "tcpsim.capture.tracked",
    "tcpsim.capture.files",
]
INTERPRETED = ["tcpsim.sim.world", "tcpsim.scenario.runner", "tcpsim.capture.observer", "tcpsim.capture.census_text"]
"""Samples of both sides of the line setup.py draws (its ``HOT``)."""

COPY_IGNORE = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis", "*.so", "*.mo")
"""What a fresh clone does not have (the compiled catalogues, *.mo, are git-ignored: the build makes them)."""

pytestmark = pytest.mark.skipif(
    os.environ.get("TCPSIM_TESTING_COMPILED") == "1" or not (shutil.which("cc") or shutil.which("gcc")),
    reason="already inside the compiled run, or no C compiler (setup.py then installs pure Python)",
)


def _pip(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "MYPYC_OPT_LEVEL": "0", "MYPYC_DEBUG_LEVEL": "0"}
    env.pop("TCPSIM_NO_MYPYC", None)
    return subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, env=env, timeout=900)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built as ``pip install .`` builds it (but unoptimised C: see above), unpacked into a
    directory for PYTHONPATH."""
    wheels = tmp_path_factory.mktemp("wheel")
    target = tmp_path_factory.mktemp("site")
    # From a copy, as a fresh clone would be: pip builds in the tree it is given, and mypyc writes its
    # C files into build/ there; the checkout is left as it is.
    source = tmp_path_factory.mktemp("source") / "tcpsim"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(*COPY_IGNORE))
    built = _pip("wheel", "-q", "--no-deps", "-w", str(wheels), str(source))
    assert built.returncode == 0, built.stderr[-4000:]
    (wheel,) = wheels.glob("tcpsim-*.whl")
    assert "none-any" not in wheel.name, f"mypyc did not compile: {wheel.name}\n{built.stderr[-4000:]}"
    installed = _pip("install", "-q", "--no-deps", "--target", str(target), str(wheel))
    assert installed.returncode == 0, installed.stderr[-4000:]
    return target


def _env(site: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(site), "TCPSIM_TESTING_COMPILED": "1"}


def test_the_wheel_compiles_the_core_the_lab_engine_and_the_census_only(compiled: Path, tmp_path: Path) -> None:
    modules = COMPILED + INTERPRETED
    probe = f"import importlib\nfor name in {modules!r}: print(importlib.import_module(name).__file__)\n"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=_env(compiled), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    files = dict(zip(modules, result.stdout.split(), strict=True))
    assert all(f.startswith(str(compiled)) for f in files.values()), files
    assert all(files[m].endswith((".so", ".pyd")) for m in COMPILED), files
    assert all(files[m].endswith(".py") for m in INTERPRETED), files


def test_the_suite_passes_compiled(compiled: Path, tmp_path: Path) -> None:
    # From a directory outside the checkout, so that `import tcpsim` finds the compiled package.
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-n", "0", "-p", "no:cacheprovider", "--rootdir", str(ROOT)]
        + [str(ROOT / "tests" / s) for s in SUITES],
        cwd=tmp_path,
        env=_env(compiled),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]


def test_the_wheel_carries_the_compiled_catalogues(compiled: Path, tmp_path: Path) -> None:
    """The build compiles each ``.po`` into the wheel (setup.py), and the installed tcpsim speaks
    Chinese from it; the catalogues' sources stay out of the wheel."""
    locale = compiled / "tcpsim" / "locale"
    assert (locale / "zh" / "LC_MESSAGES" / "tcpsim.mo").is_file(), sorted(locale.rglob("*"))
    assert not [p for p in locale.rglob("*") if p.suffix in (".po", ".pot")]
    probe = "from tcpsim.cli import main; main(['--lang', 'zh', 'states'])"
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=_env(compiled), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "双方的 FIN 都已确认" in result.stdout and "RFC 9293 连接状态" in result.stdout


def test_the_compiled_census_says_what_the_source_says(compiled: Path, tmp_path: Path) -> None:
    """``tcpsim import --all`` compiled (setup.py's ``HOT``) and as source, line for line the same:
    on every real capture of tests/capture/data and on a generated one of many connections, in
    JSON lines and in text (which reads every finding of the census)."""
    import census_synth  # benchmarks/census_synth.py (pyproject.toml's pythonpath)

    synth = tmp_path / "many.pcap"
    census_synth.write(synth, 600, hosts=40)
    captures = [*sorted((ROOT / "tests" / "capture" / "data").glob("*.pcap*")), synth]
    source = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "100"}
    built = {**_env(compiled), "COLUMNS": "100"}
    for capture in captures:
        for fmt in ("jsonl", "text"):
            args = [sys.executable, "-c", "from tcpsim.cli import entry; entry()", "import", str(capture), "--all"]
            args += ["--format", fmt]
            runs = [
                subprocess.run(args, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
                for env in (source, built)
            ]
            assert [r.returncode for r in runs] == [0, 0], (capture, fmt, runs[0].stderr, runs[1].stderr)
            assert runs[0].stdout == runs[1].stdout, (capture.name, fmt)
