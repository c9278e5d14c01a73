"""``tcpsim load``: the headless TIME-WAIT lab on the command line, its output and its exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tcpsim.cli import SUBCOMMANDS

ROOT = Path(__file__).resolve().parents[2]


def test_load_is_a_subcommand() -> None:
    assert "load" in SUBCOMMANDS


def test_text_prints_a_table_and_a_summary(cli) -> None:
    result = cli("load", "--rate", 50, "--duration", 4, "--msl", 1, "--interval", 1)
    assert result.code == 0, result.err
    assert result.err == ""
    out = " ".join(result.out.split())
    assert "C:TW" in out and "failed" in out and "TW TIME-WAIT" in out and "EADDRNOTAVAIL" in out
    assert "peak TIME-WAIT: client 101, server 0" in out
    assert "rate × 2·MSL = 50 × 2 s = 100" in out
    assert "200 attempted, 200 ok, 0 failed" in out
    assert "events/s" in out and "wall time" in out


def test_text_says_when_the_ports_run_out(cli) -> None:
    result = cli("load", "--rate", 20, "--duration", 3, "--msl", 5, "--ports", "40000-40009")
    assert result.code == 0, result.err
    out = " ".join(result.out.split())
    assert "50 failed with EADDRNOTAVAIL (Cannot assign requested address), the first at t = 0.5 s" in out
    assert "the ports run out" in out


def test_jsonl_is_one_object_per_sample_then_the_summary(cli) -> None:
    result = cli(
        "load", "--rate", 40, "--duration", 3, "--msl", 0.5, "--closer", "server", "--format", "jsonl",
        "--interval", 0.5, "--latency", 0.002,
    )  # fmt: skip
    assert result.code == 0, result.err
    lines = [json.loads(line) for line in result.out.splitlines()]
    *samples, summary = lines
    assert [s["type"] for s in samples] == ["sample"] * len(samples)
    assert [s["t"] for s in samples] == [0.5 * k for k in range(1, len(samples) + 1)]
    assert samples[3]["time_wait"] == {"client": 0, "server": 40}
    assert samples[3]["server"]["TIME-WAIT"] == 40 and samples[3]["server"]["LISTEN"] == 1
    assert summary["type"] == "summary"
    assert summary["closer"] == "server" and summary["peak_time_wait"]["server"] == 41
    assert summary["connects"] == {"attempted": 120, "ok": 120, "failed": 0}
    assert summary["completed"] == 120 and summary["events"] > 0 and summary["wall"] >= 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--rate", "10", "--duration", "5", "--ports", "5000-4000"], "the range '5000-4000' is empty"),
        (["--rate", "10", "--duration", "5", "--ports", "5000"], "expected LO-HI"),
        (["--rate", "10", "--duration", "5", "--ports", "1-70000"], "ports are 1 to 65535"),
        (["--rate", "-5", "--duration", "5"], "argument --rate: must be > 0"),
        (["--rate", "ten", "--duration", "5"], "argument --rate: expected a number"),
        (["--rate", "10", "--duration", "0"], "argument --duration: must be > 0"),
        (["--rate", "10", "--duration", "inf"], "argument --duration: must be > 0"),
        (["--rate", "10", "--duration", "5", "--msl", "0"], "argument --msl: must be > 0"),
        (["--rate", "10", "--duration", "5", "--latency", "-1"], "argument --latency: must be ≥ 0"),
        (["--rate", "10", "--duration", "5", "--closer", "both"], "argument --closer: invalid choice"),
        (["--rate", "10", "--duration", "5", "--format", "csv"], "argument --format: invalid choice"),
        (["--duration", "5"], "the following arguments are required: --rate"),
        (["--rate", "1e7", "--duration", "100"], "the lab runs at most 10,000,000"),
        (["--rate", "10", "--duration", "1e7"], "--duration: at most 1e+06 seconds"),
        (["--rate", "10", "--duration", "5", "--interval", "0.000001"], "more than 100,000 samples"),
    ],
)
def test_bad_arguments_exit_2_with_a_clear_message(cli, argv: list[str], message: str) -> None:
    result = cli("load", *argv)
    assert result.code == 2
    assert result.out == ""
    assert message in " ".join(result.err.split())
    assert "Traceback" not in result.err


def test_the_lab_loads_no_ui_library() -> None:
    code = (
        "import sys, tcpsim.lab, tcpsim.lab.report, tcpsim.lab.options\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "assert not bad, bad\n"
        "assert not [m for m in sys.modules if m.startswith(('tcpsim.scenario', 'tcpsim.ui', 'tcpsim.cli'))]\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


def test_the_options_repeat_the_models_values() -> None:
    """``tcpsim.lab.options`` does not import the lab's model (every start builds this parser), so it
    repeats the two values its options need; they must stay the model's."""
    from tcpsim.lab import model, options

    assert options.CLOSERS == model.CLOSERS
    assert options.DEFAULT_PORTS == model.DEFAULT_PORTS
