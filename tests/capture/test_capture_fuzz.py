"""The capture fuzzer's short run, in the suite: a fixed seed, so every run tries the same inputs
(the long runs, with other seeds or with atheris, are in the README's Development section)."""

from __future__ import annotations

import pytest
from fuzz_capture import fuzz


def test_mutated_captures_are_imported_or_refused_and_nothing_else(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TCPSIM_STRICT", "1")  # tcpsim's own decoder bugs raise instead of being noted
    # 1,800 frames: over 50 inputs with the seeds in data/ (1,500 made 50 once the lossy captures joined them)
    stats = fuzz(seed=2026, frames=1800, timeout=20.0, crashes=None, log=lambda line: None)
    assert stats.failures == []
    assert stats.inputs > 50 and stats.refused < stats.inputs and stats.decoded_frames > 1000
