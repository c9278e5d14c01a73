"""``tcpsim run``: exit codes 0 / 1 / 2, what a failure says, NAME resolution and option errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

import tcpsim.scenario.library as library

ROOT = Path(__file__).resolve().parents[2]

HANDSHAKE = """\
name = "handshake"
summary = "SYN, SYN-ACK, ACK"
[client]
isn = 1000
[server]
isn = 5000

[[step]]
at = 0.0
on = "server"
do = "listen"

[[step]]
at = 0.0
on = "client"
do = "connect"
"""

PASSING = (
    HANDSHAKE
    + """
[[expect]]
at = 0.3
client = "ESTABLISHED"
server = "ESTABLISHED"
last_sent = { from = "client", flags = "ACK", seq = 1001, ack = 5001 }
"""
)

FAILING_STATE = (
    HANDSHAKE
    + """
[[expect]]
at = 0.3
server = "ESTABLISHED"

[[expect]]
at = 0.15
client = "ESTABLISHED"
"""
)

FAILING_RECEIVED = (
    HANDSHAKE
    + """
[[expect]]
at = 0.3
received = { server = "hello" }
"""
)

FAILING_LAST_SENT = (
    HANDSHAKE
    + """
[[expect]]
at = 0.3
last_sent = { from = "client", flags = "ACK", seq = 9999, ack = 5001 }
"""
)


# ---------------------------------------------------------------- exit 0


def test_passing_scenario_exits_0(write, cli) -> None:
    r = cli("run", write(PASSING))
    assert r.code == 0, r.out + r.err
    assert r.err == ""
    assert "handshake" in r.out
    assert "all 3 checks hold" in r.flat


def test_passing_scenario_exits_0_in_jsonl(write, cli) -> None:
    r = cli("run", write(PASSING), "--format", "jsonl")
    assert r.code == 0
    assert r.err == ""


def test_scenario_without_expectations_exits_0(write, cli) -> None:
    r = cli("run", write(HANDSHAKE))
    assert r.code == 0
    assert "No expectations" in r.flat


def test_text_output_shows_the_ladder(write, cli) -> None:
    flat = cli("run", write(PASSING)).flat
    for piece in ("SYN 1000", "SYN,ACK 5000 ack 1001", "ACK 1001 ack 5001", "LISTEN → SYN-RECEIVED"):
        assert piece in flat
    assert "3.10.7.2" in flat  # the RFC rule under a transition


def test_no_rules_leaves_the_rfc_rules_out(write, cli) -> None:
    r = cli("run", write(PASSING), "--no-rules")
    assert r.code == 0
    assert "3.10.7.2" not in r.out


# ---------------------------------------------------------------- exit 1


def test_failing_state_exits_1_and_says_which(write, cli) -> None:
    r = cli("run", write(FAILING_STATE))
    assert r.code == 1
    assert r.err == ""
    flat = r.flat
    assert "1 of 2 checks failed" in flat
    # which one (the second [[expect]] in the file), at which time, expected vs actual
    failure = re.search(r"at t=0\.15 ✗ expect #2: expected client is ESTABLISHED, but it is SYN-SENT", flat)
    assert failure, flat
    assert "✓ expect #1: server is ESTABLISHED" in flat


def test_failing_received_says_expected_and_actual(write, cli) -> None:
    r = cli("run", write(FAILING_RECEIVED))
    assert r.code == 1
    assert "expected server has received 'hello', but it has received ''" in r.flat


def test_failing_last_sent_prints_a_side_by_side_table(write, cli) -> None:
    r = cli("run", write(FAILING_LAST_SENT))
    assert r.code == 1
    assert "expect #1" in r.out and "last_sent" in r.out
    rows = {}
    for line in r.out.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃]", line)[1:-1]]
        if len(cells) == 3:
            rows[cells[0]] = (cells[1], cells[2])
    assert rows["field"] == ("expected", "actual")
    assert rows["seq"] == ("9999", "1001")
    assert rows["ack"] == ("5001", "5001")
    assert rows["flags"] == ("ACK", "ACK")
    assert rows["from"] == ("client", "client")


def test_failing_last_sent_when_nothing_was_sent(write, cli) -> None:
    text = HANDSHAKE + '\n[[expect]]\nat = 0.05\nlast_sent = { from = "server", flags = "SYN,ACK" }\n'
    r = cli("run", write(text))
    assert r.code == 1
    assert "Traceback" not in r.out + r.err
    assert "SYN,ACK" in r.out


def test_failing_expectation_exits_1_in_jsonl(write, cli) -> None:
    r = cli("run", write(FAILING_STATE), "--format", "jsonl")
    assert r.code == 1
    expects = [e for e in map(json.loads, r.out.splitlines()) if e["type"] == "expect"]
    assert [e["ok"] for e in expects] == [False, True]  # in time order: 0.15, then 0.3
    bad = expects[0]
    assert (bad["endpoint"], bad["expected"], bad["actual"]) == ("client", "ESTABLISHED", "SYN-SENT")


# ---------------------------------------------------------------- exit 2: input and options


def test_bad_input_exits_2(write, cli) -> None:
    r = cli("run", write(HANDSHAKE.replace('do = "connect"', 'do = "conect"')))
    assert r.code == 2
    assert r.out == ""
    assert "did you mean 'connect'?" in r.flat_err
    assert "Traceback" not in r.err


@pytest.fixture
def fake_library(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A bundled-scenario folder of our own, so NAME tests do not depend on scenarios/."""
    folder = tmp_path / "library"
    folder.mkdir()
    for stem in ("lost-syn", "lost-fin", "three-way-handshake"):
        (folder / f"{stem}.toml").write_text(PASSING.replace('"handshake"', f'"{stem} title"'))
    monkeypatch.setattr(library, "scenarios_dir", lambda: folder)
    monkeypatch.chdir(tmp_path)
    return folder


def test_name_resolves_to_a_bundled_scenario(fake_library, cli) -> None:
    r = cli("run", "three-way-handshake")
    assert r.code == 0, r.err
    assert "three-way-handshake title" in r.out


@pytest.mark.parametrize("spelling", ["Three_Way_Handshake", "three way handshake", " three-way-handshake "])
def test_name_is_forgiving_about_case_and_separators(fake_library, cli, spelling: str) -> None:
    assert cli("run", spelling).code == 0


def test_unknown_name_suggests_the_closest(fake_library, cli) -> None:
    r = cli("run", "three-way-handshak")
    assert r.code == 2
    assert r.out == ""
    assert "three-way-handshak" in r.err
    assert "did you mean 'three-way-handshake'?" in r.flat_err
    assert "Traceback" not in r.err


def test_unknown_name_far_from_everything_lists_what_there_is(fake_library, cli) -> None:
    r = cli("run", "zzzz")
    assert r.code == 2
    assert "no bundled scenario" in r.flat_err
    assert "lost-syn" in r.flat_err  # nothing close: the bundled names are listed


def test_a_file_beats_a_bundled_name(fake_library, cli, tmp_path: Path) -> None:
    (tmp_path / "lost-syn").write_text(FAILING_STATE)
    assert cli("run", "lost-syn").code == 1  # the local file (no .toml), not the bundled passing one


def test_missing_toml_path_is_not_looked_up_as_a_name(fake_library, cli) -> None:
    r = cli("run", "lost-syn.toml")
    assert r.code == 2
    assert "no such file" in r.flat_err


@pytest.mark.parametrize(
    ("value", "hint"),
    [("-1", "≥ 0"), ("-0.5", "≥ 0"), ("abc", "abc"), ("", "''"), ("nan", "≥ 0"), ("inf", "≥ 0"), ("1s", "1s")],
)
def test_bad_until_exits_2(write, cli, value: str, hint: str) -> None:
    r = cli("run", write(PASSING), f"--until={value}")
    assert r.code == 2
    assert r.out == ""
    assert "--until" in r.err
    assert hint in r.err
    assert "Traceback" not in r.err


def test_negative_until_as_a_separate_argument(write, cli) -> None:
    r = cli("run", write(PASSING), "--until", "-3")
    assert r.code == 2
    assert "--until" in r.err


def test_unknown_format_exits_2(write, cli) -> None:
    r = cli("run", write(PASSING), "--format", "xml")
    assert r.code == 2
    assert r.out == ""
    assert "--format" in r.err and "xml" in r.err


def test_run_without_a_scenario_exits_2(cli) -> None:
    r = cli("run")
    assert r.code == 2
    assert r.out == ""


# ---------------------------------------------------------------- the real command, end to end


def _tcpsim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tcpsim.cli", *args], capture_output=True, text=True, timeout=60, cwd=ROOT
    )


@pytest.mark.parametrize(("text", "code"), [(PASSING, 0), (FAILING_STATE, 1), (PASSING + "\n[oops]\n", 2)])
def test_exit_codes_end_to_end(tmp_path: Path, text: str, code: int) -> None:
    path = tmp_path / "s.toml"
    path.write_text(text)
    proc = _tcpsim("run", str(path))
    assert proc.returncode == code, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    if code == 2:
        assert proc.stdout == ""
        assert str(path) in proc.stderr.replace("\n", "")


def test_bad_until_end_to_end(tmp_path: Path) -> None:
    path = tmp_path / "s.toml"
    path.write_text(PASSING)
    proc = _tcpsim("run", str(path), "--until", "soon")
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert "--until" in proc.stderr


def test_a_run_that_never_goes_quiet_is_a_clean_error(write, cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """A run that keeps producing events stops at the event limit with a short error, not a
    traceback. (Since replies to unacceptable segments are rate-limited, no bundled behaviour loops
    for ever; the limit is lowered here below what the scenario needs, to exercise the path.)"""
    import functools

    import tcpsim.cli.play
    from tcpsim.scenario import run

    monkeypatch.setattr(tcpsim.cli.play, "run", functools.partial(run, max_events=8))
    text = (
        HANDSHAKE
        + '\n[[step]]\nat = 1.0\non = "network"\ndo = "inject"\nsegment = { from = "server", flags = "FIN,ACK" }\n'
    )
    path = write(text)
    r = cli("run", path)
    assert r.code == 2
    assert "Traceback" not in r.out + r.err
    assert str(path) in r.err.replace("\n", "") and "quiet" in r.flat_err and "--until" in r.flat_err
