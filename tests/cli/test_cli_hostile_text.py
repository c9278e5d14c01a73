"""Issue 16, finding 7: text from a file is shown, never interpreted by the terminal.

ESC sequences (clear screen, colours, an OSC window title), a bell, C1 controls, bidirectional
overrides and newlines in a scenario's name, summary, notes and data reach no output raw, in any
format; a newline in the name cannot forge a tcpdump packet line or a Mermaid statement.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tcpsim.escape import is_hidden

Cli = Callable[..., Any]  # the `cli` fixture of tests/cli/conftest.py

HOSTILE = r"\u001b[2J\u001b]0;pwned\u0007\u009b31m\u202eX"
SCENARIO = f"""\
name = "Evil{HOSTILE}\\n0.000000 IP 6.6.6.6.1 > 6.6.6.6.2: Flags [R], seq 0, win 0, length 0\\n[red]markup[/red]"
summary = "sum{HOSTILE}"
[client]
isn = 1000
[[step]]
at = 0
on = "server"
do = "listen"
note = "listen{HOSTILE}\\nsecond line"
[[step]]
at = 0
on = "client"
do = "connect"
[[step]]
at = 1
on = "client"
do = "send"
data = "data{HOSTILE}"
note = "send{HOSTILE}"
[[step]]
at = 1
on = "network"
do = "drop"
match = {{ from = "server" }}
note = "drop{HOSTILE}"
[[expect]]
at = 2
server = "ESTABLISHED"
received = {{ server = "data{HOSTILE}" }}
note = "expect{HOSTILE}"
"""
TCPDUMP_PACKET = re.compile(r"^\d+\.\d{6} IP 10\.0\.0\.[12]\.\d+ > 10\.0\.0\.[12]\.\d+: Flags \[")


def raw_controls(text: str) -> list[str]:
    return sorted({repr(ch) for ch in text if ch != "\n" and is_hidden(ch)})


@pytest.fixture
def hostile(write: Callable[..., Path]) -> Path:
    return write(SCENARIO)


@pytest.mark.parametrize("fmt", ["text", "jsonl", "tcpdump", "mermaid"])
def test_no_format_lets_a_control_character_through(cli: Cli, hostile: Path, fmt: str) -> None:
    result = cli("run", hostile, "--format", fmt)
    assert result.code == 0, result.err
    assert raw_controls(result.out) == []
    assert raw_controls(result.err) == []
    assert "\\x1b[2J" in result.out or "\\u001b[2J" in result.out  # shown, not dropped


def test_the_text_ladder_shows_escapes_and_no_markup(cli: Cli, hostile: Path) -> None:
    out = cli("run", hostile).out
    assert "Evil\\x1b[2J\\x1b]0;pwned\\x07\\x9b31m\\u202eX\\n0.000000 IP" in out
    assert "[red]markup[/red]" in out  # Rich markup in a name is text, not a style
    assert "listen\\x1b[2J" in out and "send\\x1b[2J" in out and "drop\\x1b[2J" in out and "expect\\x1b[2J" in out


def test_a_newline_cannot_forge_a_tcpdump_line(cli: Cli, hostile: Path) -> None:
    lines = cli("run", hostile, "--format", "tcpdump").out.splitlines()
    packets = [line for line in lines if not line.startswith("# ")]
    assert packets and all(TCPDUMP_PACKET.match(line) for line in packets), packets
    assert not any("6.6.6.6" in line for line in packets)


def test_a_newline_cannot_forge_a_mermaid_statement(cli: Cli, hostile: Path) -> None:
    lines = cli("run", hostile, "--format", "mermaid").out.splitlines()
    assert lines[0] == "sequenceDiagram"
    assert all(line.startswith("    ") for line in lines[1:])
    assert sum(line.startswith("    title ") for line in lines) == 1


def test_jsonl_keeps_the_exact_values(cli: Cli, hostile: Path) -> None:
    out = cli("run", hostile, "--format", "jsonl").out
    calls = [json.loads(line) for line in out.splitlines() if '"type":"call"' in line]
    assert calls[0]["note"] == "listen\x1b[2J\x1b]0;pwned\x07\x9b31m\u202eX\nsecond line"


def test_an_error_message_shows_the_file_name_escaped(cli: Cli, tmp_path: Path) -> None:
    result = cli("run", str(tmp_path / "no\x1b]0;pwned\x07such.toml"))
    assert result.code == 2
    assert raw_controls(result.err) == []
    assert "no\\x1b]0;pwned\\x07such.toml" in result.err


def test_an_error_about_a_value_shows_it_escaped(cli: Cli, write: Callable[..., Path]) -> None:
    path = write('name = "x"\n[[step]]\nat = 0\non = "client\\u001b[2J"\ndo = "listen"\n')
    result = cli("run", path)
    assert result.code == 2
    assert raw_controls(result.err) == []
