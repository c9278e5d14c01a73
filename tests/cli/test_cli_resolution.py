"""Issue 16, finding 12: command-line durations below the clock's resolution are refused."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tcpsim.lab import options as lab_options
from tcpsim.sim.trace import RESOLUTION

Cli = Callable[..., Any]


def test_the_lab_repeats_the_clock_resolution_exactly() -> None:
    assert lab_options.RESOLUTION == RESOLUTION


@pytest.mark.parametrize("option", ["--msl", "--latency"])
@pytest.mark.parametrize("value", ["5e-324", "1e-10"])
def test_load_refuses_a_duration_below_the_resolution(cli: Cli, option: str, value: str) -> None:
    result = cli("load", "--rate", "10", "--duration", "1", option, value)
    assert result.code == 2
    assert "1e-09 seconds" in result.err and "resolution" in result.err


def test_import_refuses_an_msl_below_the_resolution(cli: Cli) -> None:
    result = cli("import", "x.pcap", "--msl", "1e-10", "--format", "jsonl")
    assert result.code == 2
    assert "1e-09 seconds" in result.err
