"""Golden traces: every bundled scenario's JSONL trace, byte for byte.

A change in behaviour shows up here as a diff of the trace, to be read and either fixed or
accepted with ``TCPSIM_UPDATE_GOLDEN=1 python -m pytest tests/scenario/test_golden.py``.
"""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from tcpsim.render import write_jsonl
from tcpsim.scenario import bundled, load_file, run

GOLDEN = Path(__file__).resolve().parent.parent / "golden"


@pytest.mark.parametrize("path", bundled(), ids=lambda p: p.stem)
def test_trace_matches_golden(path: Path) -> None:
    out = io.StringIO()
    write_jsonl(run(load_file(path)).trace, out)
    golden = GOLDEN / f"{path.stem}.jsonl"
    if os.environ.get("TCPSIM_UPDATE_GOLDEN") or not golden.exists():
        golden.write_text(out.getvalue(), encoding="utf-8")
        if not os.environ.get("TCPSIM_UPDATE_GOLDEN"):
            pytest.fail(f"{golden} did not exist; it has been written: check it in")
    assert out.getvalue() == golden.read_text(encoding="utf-8")


def test_every_golden_file_has_its_scenario() -> None:
    names = {p.stem for p in bundled()}
    assert {g.stem for g in GOLDEN.glob("*.jsonl")} <= names
