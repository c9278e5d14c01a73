"""Issue 16, finding 14: messages that say what is wrong and what to do."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

Cli = Callable[..., Any]


def test_an_empty_scenario_argument(cli: Cli) -> None:
    result = cli("run", "")
    assert result.code == 2
    assert "argument is empty" in result.err and "directory" not in result.err


def test_an_empty_capture_argument(cli: Cli) -> None:
    result = cli("import", "", "--format", "jsonl")
    assert result.code == 2
    assert "FILE argument is empty" in result.err and "directory" not in result.err


def test_a_capture_run_as_a_scenario_points_at_import(cli: Cli, tmp_path: Path) -> None:
    capture = tmp_path / "x.pcap"
    capture.write_bytes(b"\xd4\xc3\xb2\xa1\x02\x00\x04\x00" + bytes(16))
    result = cli("run", capture)
    assert result.code == 2
    assert "packet capture" in result.err and "tcpsim import FILE" in result.flat_err
