"""Issue 16, finding 8: output errors are never reported as a failed expectation.

A closed pipe keeps the exit code the run earned (0 when every expectation holds), an output that
cannot be written is exit 2 with a message, and a terminal that cannot encode the output gets an
ASCII rendering; never a traceback. These run ``tcpsim`` as a process: the streams are the point.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

TCPSIM = [sys.executable, "-m", "tcpsim.cli"]
COMMANDS = [
    ["run", "lost-fin"],
    ["run", "lost-fin", "--format", "jsonl"],
    ["run", "lost-fin", "--format", "tcpdump"],
    ["run", "lost-fin", "--format", "mermaid"],
    ["list"],
    ["states"],
    ["run", "--help"],
    ["load", "--rate", "50", "--duration", "5"],
]
FAILING = """\
name = "Fails"
[[step]]
at = 0
on = "server"
do = "listen"
[[expect]]
at = 1
server = "CLOSED"
"""


def env(**extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHONIOENCODING", "LC_", "LANG"))}
    return {**base, "COLUMNS": "100", **extra}


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_closed_pipe_is_no_error(command: list[str]) -> None:
    proc = subprocess.Popen([*TCPSIM, *command], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env())
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()  # as `| head -1` does
    err = proc.stderr.read().decode()
    assert proc.wait(timeout=60) == 0, err
    assert err == ""


def test_a_closed_pipe_keeps_a_failed_expectation(tmp_path: Path) -> None:
    source = tmp_path / "fails.toml"
    source.write_text(FAILING)
    proc = subprocess.Popen([*TCPSIM, "run", str(source)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env())
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.readline()
    proc.stdout.close()
    assert proc.wait(timeout=60) == 1
    assert proc.stderr.read() == b""


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_an_unwritable_output_is_exit_2_with_a_message(command: list[str]) -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run([*TCPSIM, *command], stdout=full, stderr=subprocess.PIPE, text=True, env=env())
    assert done.returncode == 2, done.stderr
    assert done.stderr == "tcpsim: error: cannot write the output: No space left on device\n"


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_an_ascii_terminal_gets_ascii(command: list[str]) -> None:
    done = subprocess.run([*TCPSIM, *command], capture_output=True, env=env(PYTHONIOENCODING="ascii"))
    assert done.returncode == 0, done.stderr.decode()
    assert done.stderr == b""
    done.stdout.decode("ascii")  # every byte is ASCII


def test_the_ascii_ladder_keeps_its_arrows() -> None:
    done = subprocess.run([*TCPSIM, "run", "lost-fin"], capture_output=True, env=env(PYTHONIOENCODING="ascii"))
    text = done.stdout.decode("ascii")
    assert "ESTABLISHED -> FIN-WAIT-1" in text
    assert "-->" in text and "<--" in text  # segments keep their direction
    assert "\\u" not in text  # nothing of tcpsim's own is escaped


def test_ascii_jsonl_is_still_json_with_the_same_values(tmp_path: Path) -> None:
    source = tmp_path / "s.toml"
    source.write_text(
        'name = "中文 😀"\n[[step]]\nat = 0\non = "server"\ndo = "listen"\nnote = "é 😀"\n', encoding="utf-8"
    )
    ascii_run = subprocess.run(
        [*TCPSIM, "run", str(source), "--format", "jsonl"], capture_output=True, env=env(PYTHONIOENCODING="ascii")
    )
    utf_run = subprocess.run(
        [*TCPSIM, "run", str(source), "--format", "jsonl"], capture_output=True, env=env(PYTHONIOENCODING="utf-8")
    )
    assert ascii_run.returncode == utf_run.returncode == 0
    import json

    ascii_lines = [json.loads(line) for line in ascii_run.stdout.decode("ascii").splitlines()]
    utf_lines = [json.loads(line) for line in utf_run.stdout.decode("utf-8").splitlines()]
    assert ascii_lines == utf_lines
