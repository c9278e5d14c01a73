"""The compiled build: what ``pip install .`` gives users is tested too, not only the source.

A regular install compiles the hot modules with mypyc (setup.py); the rest of the suite runs them as
source (the test command's install is editable, which never compiles). mypyc checks types at run
time and some Python idioms behave differently once compiled, so this test builds the wheel the way
a user's install does, and runs every test below the UI against it in a fresh process.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SUITES = ["core", "sim", "lab", "scenario", "golden", "capture", "export", "bad_inputs", "cli"]
"""Every test directory but the UI's (the UI is interpreted either way; its tests are the slowest)."""

COPY_IGNORE = (".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".*_cache", ".hypothesis", "*.so")

pytestmark = pytest.mark.skipif(
    os.environ.get("TCPSIM_TESTING_COMPILED") == "1" or not (shutil.which("cc") or shutil.which("gcc")),
    reason="already inside the compiled run, or no C compiler (setup.py then installs pure Python)",
)


def _pip(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("TCPSIM_NO_MYPYC", None)
    return subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True, env=env, timeout=900)


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built as ``pip install .`` builds it, unpacked into a directory for PYTHONPATH."""
    wheels = tmp_path_factory.mktemp("wheel")
    target = tmp_path_factory.mktemp("site")
    # From a copy without the checkout's build/: pip builds in the tree and reuses that folder, and
    # a stale compiled module there must not hide a compile that fails now (a fresh clone has none).
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


def test_the_wheel_is_compiled_and_imported(compiled: Path, tmp_path: Path) -> None:
    probe = (
        "import tcpsim.core.tcb, tcpsim.sim.world, tcpsim.lab.engine\n"
        "for m in (tcpsim.core.tcb, tcpsim.sim.world, tcpsim.lab.engine): print(m.__file__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, env=_env(compiled), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    files = result.stdout.split()
    assert len(files) == 3
    assert all(f.startswith(str(compiled)) and f.endswith((".so", ".pyd")) for f in files), files


def test_the_suite_passes_compiled(compiled: Path, tmp_path: Path) -> None:
    # From a directory outside the checkout, so that `import tcpsim` finds the compiled package.
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "--rootdir", str(ROOT)]
        + [str(ROOT / "tests" / s) for s in SUITES],
        cwd=tmp_path,
        env=_env(compiled),
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
