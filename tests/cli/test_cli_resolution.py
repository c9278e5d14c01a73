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


def test_a_lab_run_too_big_for_reasonable_time_is_refused_up_front(cli: Cli) -> None:
    """Issue 16, finding 13: 10,000,000 connections would take most of an hour; refused at once."""
    result = cli("load", "--rate", "100000", "--duration", "100", "--closer", "server", "--ports", "1-65535")
    assert result.code == 2
    assert "10,000,000 connections; a headless run takes at most 1,000,000" in result.flat_err
    assert result.out == ""


def test_long_lab_work_shows_progress_on_a_terminal() -> None:
    import io
    import time

    from tcpsim.stdio import Progress

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    progress = Progress("simulating", stream=screen, delay=0)
    time.sleep(0.01)
    progress.update(0.25, "t = 30 s")
    assert "simulating: 25% · t = 30 s · 0 s so far, about 0 s left" in screen.getvalue()
    progress.done()
    assert screen.getvalue().endswith("\r\x1b[K")
    quiet = io.StringIO()  # not a terminal: nothing at all
    Progress("x", stream=quiet, delay=0).update(0.5)
    assert quiet.getvalue() == ""
