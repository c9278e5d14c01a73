"""mypy, as configured in pyproject.toml ([tool.mypy]): strict below the UI, in benchmarks/ and in
tools/, its default checks in the UI. The compiled build's mypyc type-checks the same code, so a type error here
is also a build that silently falls back to pure Python."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_mypy_is_clean() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary"], cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
