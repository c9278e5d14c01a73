"""Stack personalities on the command line and in scenario files (issue 13): ``[network] stack``,
``[client] stack``, ``tcpsim run --stack`` and ``--compare``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from tcpsim_cli import CliResult

from tcpsim.core.personality import LINUX
from tcpsim.scenario import load_text
from tcpsim.scenario.runner import build_world, stacks_of, with_stack

CLOSE = """\
    name = "close"
    {network}
    {client}
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
    on = "client"
    do = "close"
    [[step]]
    at = 1.5
    on = "server"
    do = "close"
"""


def scenario(network: str = "", client: str = "") -> str:
    return CLOSE.format(network=network, client=client)


def states(records: list[dict[str, Any]], who: str) -> list[str]:
    return [r["to"] for r in records if r["type"] == "state" and r["endpoint"] == who]


def test_network_stack_is_both_endpoints_and_an_endpoint_may_name_its_own() -> None:
    s = load_text(scenario('[network]\nstack = "linux"', '[client]\nstack = "freebsd"'))
    assert stacks_of(s) == {"client": "freebsd", "server": "linux"}
    world = build_world(s)
    assert world.endpoints["server"].stack is LINUX
    assert world.endpoints["client"].stack.name == "freebsd"
    assert stacks_of(load_text(scenario())) == {"client": "rfc9293", "server": "rfc9293"}


def test_an_unknown_stack_in_a_file_is_located(write: Callable[..., Path], cli: Callable[..., CliResult]) -> None:
    result = cli("run", write(scenario('[network]\nstack = "linx"')))
    assert result.code == 2
    assert "[network]" in result.err and "'linx' is not one of rfc9293, rfc793, linux, freebsd" in result.flat_err
    assert "did you mean" in result.err


def test_stack_option_plays_the_file_as_that_stack(jsonl: Callable[..., list[dict[str, Any]]]) -> None:
    """Linux: FIN-WAIT-1 → FIN-WAIT-2 → TIME-WAIT (L1) is not reached here; the client waits its
    60 s TIME-WAIT (L6) whatever the msl, and the rule is on the timer record."""
    rfc = jsonl(scenario("[network]\nmsl = 5.0"))
    linux = jsonl(scenario("[network]\nmsl = 5.0"), "--stack", "linux")
    end = [r["t"] for r in rfc if r["type"] == "state" and r["from"] == "TIME-WAIT"]
    end_linux = [r["t"] for r in linux if r["type"] == "state" and r["from"] == "TIME-WAIT"]
    assert end_linux[0] - end[0] == pytest.approx(60 - 10)
    timers = [r for r in linux if r["type"] == "timer" and r["name"] == "2msl" and r["action"] == "set"]
    assert timers and "linux L6" in timers[0]["rule"]
    assert all("rule" not in r for r in rfc if r["type"] == "timer")  # the default trace is unchanged


def test_with_stack_overrides_every_endpoint() -> None:
    s = with_stack(load_text(scenario("", '[client]\nstack = "freebsd"')), "rfc793")
    assert stacks_of(s) == {"client": "rfc793", "server": "rfc793"}


def test_compare_lists_each_endpoints_differences_with_their_rules(
    write: Callable[..., Path], cli: Callable[..., CliResult]
) -> None:
    path = write(scenario("[network]\nmsl = 5.0"))
    result = cli("run", path, "--compare", "linux")
    assert result.code == 0, result.err
    assert "close: rfc9293 (a) against linux (b)" in result.out
    assert "server: 1 difference" in result.out
    assert "linux L5" in result.out  # the server's delayed ACK
    assert "client: 2 differences" in result.out and "linux L6" in result.out
    out = cli("run", path, "--compare", "rfc9293,linux", "--format", "jsonl").out
    records = [json.loads(line) for line in out.splitlines()]
    assert records[0]["type"] == "compare" and records[0]["a"] == "rfc9293" and records[0]["b"] == "linux"
    assert {r["id"] for d in records[1:] for r in d["rules"]} >= {"L5", "L6"}


def test_compare_with_itself_finds_nothing(write: Callable[..., Path], cli: Callable[..., CliResult]) -> None:
    result = cli("run", write(scenario()), "--stack", "freebsd", "--compare", "freebsd")
    assert "client: the same states and segments at the same times" in result.out
    assert "server: the same states and segments at the same times" in result.out


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (("--compare", "bsd"), "unknown stack 'bsd'"),
        (("--compare", "linux,freebsd,rfc793"), "give one stack, or two"),
        (("--compare", "linux,freebsd", "--stack", "rfc793"), "leave out --stack"),
        (("--compare", "linux", "--format", "mermaid"), "--format text or jsonl"),
    ],
)
def test_bad_compare_options_are_exit_2(
    write: Callable[..., Path], cli: Callable[..., CliResult], options: tuple[str, ...], message: str
) -> None:
    result = cli("run", write(scenario()), *options)
    assert result.code == 2 and message in result.flat_err


def test_a_saved_scenario_keeps_its_stacks() -> None:
    from tcpsim.scenario.dump import dump

    s = load_text(scenario('[network]\nstack = "linux"', '[client]\nstack = "freebsd"'))
    again = load_text(dump(s))
    assert stacks_of(again) == {"client": "freebsd", "server": "linux"}
    assert again.network == s.network and again.client == s.client


def test_the_ladder_names_linux_time_wait_for_what_it_is(cli: Callable[..., CliResult]) -> None:
    """``tcpsim run --stack linux`` said "MSL 5s (TIME-WAIT 10s)" and "◔ 2MSL wait until t = 62.1 s":
    Linux holds TIME-WAIT a fixed 60 s (TCP_TIMEWAIT_LEN), which is no 2·MSL."""
    linux = cli("run", "active-close-client", "--stack", "linux").out
    assert "MSL 5s (TIME-WAIT 60s)" in linux and "◔ TIME-WAIT until t = 62.1 s" in linux
    assert "2MSL wait" not in linux
    rfc = cli("run", "active-close-client").out
    assert "MSL 5s (TIME-WAIT 10s)" in rfc and "◔ 2MSL wait until t = 12.1 s" in rfc
