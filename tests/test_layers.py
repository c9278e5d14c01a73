"""The layers point one way, as the contracts in pyproject.toml ([tool.importlinter]) list them.

import-linter checks every import statement against those contracts; the fresh-process tests check
what actually gets loaded, which catches lazy or indirect imports too.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _tool(name: str) -> str:
    """The tool installed beside this Python (the project's own venv) before any on the PATH."""
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found


def test_import_linter_contracts_hold() -> None:
    exe = _tool("lint-imports")
    result = subprocess.run([exe], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("module", ["tcpsim.core", "tcpsim.sim", "tcpsim.scenario", "tcpsim.lab.engine"])
def test_lower_layers_load_no_ui_library(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_core_does_not_import_the_simulation() -> None:
    code = (
        "import sys, tcpsim.core\n"
        "bad = sorted(m for m in sys.modules if m.startswith(('tcpsim.sim', 'tcpsim.scenario', 'tcpsim.ui')))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_ruff_is_clean() -> None:
    exe = _tool("ruff")
    result = subprocess.run([exe, "check", "tcpsim", "tests"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
