"""Helpers for the scenario-format tests: play a scenario text and look at its trace as JSON objects."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from typing import Any

import pytest

from tcpsim.scenario import RunResult, load_text, run

Play = Callable[..., tuple[RunResult, list[dict[str, Any]]]]


@pytest.fixture
def play() -> Play:
    """``play(text, until=None)``: load the text strictly, run it, and return the result and its
    trace as the dicts ``--format jsonl`` prints."""

    def _play(text: str, until: float | None = None) -> tuple[RunResult, list[dict[str, Any]]]:
        scenario = load_text(textwrap.dedent(text), "test.toml")
        result = run(scenario, until=until)
        return result, [e.to_dict() for e in result.trace]

    return _play
