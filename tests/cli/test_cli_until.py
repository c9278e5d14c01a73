"""``--until T``: every event with t ≤ T is processed, none after; without it, the run goes to quiet."""

from __future__ import annotations

import pytest

LOST_FIN = """\
name = "lost FIN"
[network]
latency = 0.1
msl = 1.0
rto = 1.0
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

[[step]]
at = 0.5
on = "client"
do = "send"
data = "hi"

[[step]]
at = 1.0
on = "network"
do = "drop"
match = { from = "client", has = "FIN" }

[[step]]
at = 1.0
on = "client"
do = "close"

[[step]]
at = 3.0
on = "server"
do = "close"

[[expect]]
at = 0.3
client = "ESTABLISHED"

[[expect]]
at = 2.5
client = "FIN-WAIT-2"
server = "CLOSE-WAIT"

[[expect]]
at = 9.0
client = "CLOSED"
server = "CLOSED"
"""


@pytest.fixture
def full(jsonl) -> list[dict]:
    return jsonl(LOST_FIN)


def test_without_until_the_run_goes_to_quiet(full) -> None:
    # the last thing is the end of TIME-WAIT: nothing in flight, no timer pending
    states = [e for e in full if e["type"] == "state"]
    assert states[-1]["endpoint"] == "client" and states[-1]["to"] == "CLOSED"
    assert [e["ok"] for e in full if e["type"] == "expect"] == [True] * 5
    timers = [e for e in full if e["type"] == "timer"]
    pending: dict[tuple[str, str], bool] = {}
    for e in timers:
        pending[e["endpoint"], e["name"]] = e["action"] in ("set", "restart")
    assert not any(pending.values())


@pytest.mark.parametrize("until", [0.0, 0.05, 0.1, 0.3, 0.30000001, 1.0, 1.05, 2.0, 2.1, 2.5, 3.2, 5.0, 100.0])
def test_until_processes_exactly_the_events_up_to_t(jsonl, full, until: float) -> None:
    part = jsonl(LOST_FIN, "--until", repr(until))
    assert part == [e for e in full if e["t"] <= until]


def test_until_on_an_instant_reached_by_adding_latencies(jsonl, full) -> None:
    # 0.1 + 0.1 + 0.1 is not 0.3 in binary floating point; the arrival at "0.3" still counts.
    part = jsonl(LOST_FIN, "--until", "0.3")
    assert any(e["type"] == "arrive" and e["t"] == 0.3 for e in part)
    assert any(e["type"] == "expect" and e["t"] == 0.3 for e in part)
    assert not any(e["t"] > 0.3 for e in part)


def test_until_stops_before_pending_timers_fire(jsonl) -> None:
    part = jsonl(LOST_FIN, "--until", "1.99")
    assert not any(e["type"] == "send" and e["retransmission"] for e in part)
    part = jsonl(LOST_FIN, "--until", "2")
    assert any(e["type"] == "send" and e["retransmission"] and e["t"] == 2.0 for e in part)


def test_until_in_text_format_reports_the_unreached_expectations(write, cli) -> None:
    r = cli("run", write(LOST_FIN), "--until", "1")
    assert r.code == 0
    flat = r.flat
    assert "t = 1:" in flat
    assert "not reached before --until" in flat
    assert "#2 (at 2.5)" in flat and "#3 (at 9)" in flat


def test_until_does_not_hide_a_failure_before_t(write, cli) -> None:
    failing = LOST_FIN.replace('client = "ESTABLISHED"', 'client = "SYN-SENT"')
    assert cli("run", write(failing), "--until", "0.5").code == 1
    assert cli("run", write(failing), "--until", "0.2").code == 0  # not yet checked


def test_until_zero_runs_only_instant_zero(jsonl) -> None:
    part = jsonl(LOST_FIN, "--until", "0")
    assert part and all(e["t"] == 0.0 for e in part)
    assert [e["type"] for e in part if e["type"] in ("state", "send")] == ["state", "state", "send"]
