"""Issue 16, finding 11: an ACK storm that nothing can end stops the run at once, and says why.

Two endpoints that disagree about the sequence space (a scenario injected a byte the client never
sent) each answer the other's ACK with an ACK (RFC 9293 §3.10.7.4). The 0.5 s reply limit (RFC 5961
§7, Linux's tcp_invalid_ratelimit) ends that loop when the round trip is shorter than 0.5 s; when it
is longer, the storm goes on for ever, as on a real network, and ``run`` stops with AckStormError
instead of a million events and 400 MB.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tcpsim.scenario import load_text, run
from tcpsim.scenario.storm import AckStormError
from tcpsim.sim.trace import DiscardEvent, SendEvent

Cli = Callable[..., Any]


def storm(latency: float, extra: str = "") -> str:
    return f"""\
name = "ACK war"
[network]
latency = {latency}
[client]
isn = 1000
[server]
isn = 5000
[[step]]
at = 0
on = "server"
do = "listen"
[[step]]
at = 0
on = "client"
do = "connect"
[[step]]
at = 2
on = "network"
do = "inject"
segment = {{ from = "client", flags = "PSH,ACK", data = "x" }}
{extra}"""


def test_a_storm_that_never_ends_is_stopped_at_once() -> None:
    started = time.perf_counter()
    with pytest.raises(AckStormError) as info:
        run(load_text(storm(0.3)))
    assert time.perf_counter() - started < 5  # was 9.4 s and 400 MB
    found = info.value.storm
    assert (found.since, found.period) == (2.6, 0.6)
    assert "ACK of something not yet sent" in found.rules["client"]
    assert "unacceptable segment" in found.rules["server"]


def test_a_round_trip_under_the_reply_limit_ends_the_loop() -> None:
    result = run(load_text(storm(0.2)))  # 0.4 s round trip: the limit suppresses a reply
    assert any(isinstance(e, DiscardEvent) and "rate limit" in e.reason for e in result.trace)
    assert sum(isinstance(e, SendEvent) for e in result.trace) < 20


def test_until_shows_a_storm_that_fits_the_budget() -> None:
    result = run(load_text(storm(0.3)), until=60)
    acks = [e.t for e in result.trace if isinstance(e, SendEvent) and e.t > 2.5]
    assert len(acks) == 192  # one every 0.3 s, alternately, from 2.6 to 59.9
    assert (acks[0], acks[-1]) == (2.6, 59.9)


def test_until_too_far_is_refused_with_the_count() -> None:
    with pytest.raises(AckStormError) as info:
        run(load_text(storm(0.3)), until=1e300)
    assert info.value.needed is not None and info.value.needed > 10**299


def test_a_planned_step_that_ends_the_storm_lets_it_run() -> None:
    abort = '[[step]]\nat = 40\non = "client"\ndo = "abort"\n'
    result = run(load_text(storm(0.3, abort)))
    assert result.world.endpoints["client"].state.value == "CLOSED"


def test_an_armed_drop_that_breaks_the_loop_lets_it_run() -> None:
    drop = '[[step]]\nat = 0\non = "network"\ndo = "drop"\nmatch = { from = "server", flags = "ACK" }\ncount = 200\n'
    result = run(load_text(storm(0.3, drop)))  # the 200th drop of the server's ACK ends it... or one earlier
    assert result.world.next_time() is None


def test_the_command_line_names_the_storm_and_advises(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "storm.toml"
    path.write_text(storm(0.3))
    result = cli("run", path)
    assert result.code == 2
    assert "an ACK storm from t = 2.6 s" in result.flat_err
    assert "use --until T to watch it (--until 9 shows ten rounds)" in result.flat_err
    result = cli("run", path, "--until", "1e300")
    assert result.code == 2
    assert "--until 1e+300 would take about 3.3e+300 more of its segments" in result.flat_err
    assert "use a smaller --until" in result.flat_err
    assert cli("run", path, "--until", "9", "--format", "jsonl").code == 0
