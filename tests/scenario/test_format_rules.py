"""Rules of the scenario format (spec §3): ordering in time and within an instant, ISNs, the
what-if switch, and the limits of each ranged key (inclusive where the spec says so)."""

from __future__ import annotations

from typing import Any

import pytest

from tcpsim.scenario import ScenarioError, load_text

HEAD = """\
name = "rules"
[client]
isn = 1000
[server]
isn = 5000
"""


def step(at: float, on: str, do: str, extra: str = "") -> str:
    return f'\n[[step]]\nat = {at}\non = "{on}"\ndo = "{do}"\n{extra}\n'


def expect(at: float, body: str) -> str:
    return f"\n[[expect]]\nat = {at}\n{body}\n"


HANDSHAKE = HEAD + step(0.0, "server", "listen") + step(0.0, "client", "connect")


def calls(events: list[dict[str, Any]]) -> list[tuple[float, str, str]]:
    return [(e["t"], e["endpoint"], e["call"]) for e in events if e["type"] == "call"]


def at_instant(events: list[dict[str, Any]], t: float) -> list[dict[str, Any]]:
    return [e for e in events if e["t"] == t]


# ---------------------------------------------------------------- time order, file order


def test_steps_in_any_file_order_run_in_time_order(play) -> None:
    text = (
        HEAD
        + step(2.0, "client", "close")
        + step(1.0, "client", "send", 'data = "x"')
        + step(0.0, "client", "connect")
        + step(0.0, "server", "listen")
        + expect(1.5, 'received = { server = "x" }')
    )
    result, events = play(text)
    assert calls(events) == [
        (0.0, "client", "connect"),
        (0.0, "server", "listen"),
        (1.0, "client", "send"),
        (2.0, "client", "close"),
    ]
    assert result.ok
    assert not [e for e in events if e["type"] == "error"]


def test_steps_at_one_instant_run_in_file_order(play) -> None:
    close_then_send = HANDSHAKE + step(1.0, "client", "close") + step(1.0, "client", "send", 'data = "late"')
    _, events = play(close_then_send)
    errors = [e for e in events if e["type"] == "error"]
    assert [(e["t"], e["endpoint"], e["call"]) for e in errors] == [(1.0, "client", "send")]
    assert "closing" in errors[0]["message"]

    send_then_close = HANDSHAKE + step(1.0, "client", "send", 'data = "late"') + step(1.0, "client", "close")
    result, events = play(send_then_close + expect(1.5, 'received = { server = "late" }'))
    assert not [e for e in events if e["type"] == "error"]
    assert result.ok
    sends = [e["flags"] for e in events if e["type"] == "send" and e["t"] == 1.0]
    assert sends == ["PSH,ACK", "FIN,ACK"]


def test_steps_with_times_that_differ_only_by_rounding_share_an_instant(play) -> None:
    text = HANDSHAKE + step(1.0000000001, "client", "close") + step(1.0, "client", "send", 'data = "x"')
    _, events = play(text)
    assert [(e["t"], e["call"]) for e in events if e["type"] == "call" and e["t"] > 0] == [
        (1.0, "close"),
        (1.0, "send"),
    ]
    assert [e["call"] for e in events if e["type"] == "error"] == ["send"]


def test_arrivals_come_before_steps_at_one_instant(play) -> None:
    # The SYN reaches the server at 0.1, the same instant as its listen: the SYN is handled first,
    # while the server is still CLOSED, so it is refused with a RST.
    text = HEAD + step(0.0, "client", "connect") + step(0.1, "server", "listen") + expect(0.1, 'server = "LISTEN"')
    result, events = play(text + expect(0.2, 'client = "CLOSED"'))
    kinds = [(e["type"], e.get("endpoint")) for e in at_instant(events, 0.1)]
    assert kinds.index(("arrive", "server")) < kinds.index(("call", "server"))
    rst = next(e for e in events if e["type"] == "send" and e["endpoint"] == "server")
    assert rst["flags"] == "RST,ACK"
    assert rst["t"] < next(e["t"] for e in events if e["type"] == "state" and e["to"] == "LISTEN") + 1e-9
    assert result.ok


def test_timers_come_before_steps_at_one_instant(play) -> None:
    # The SYN is lost; its retransmission timer fires at 1.0, the instant of the abort step.
    text = (
        HEAD
        + step(0.0, "network", "drop", 'match = { flags = "SYN" }')
        + step(0.0, "client", "connect")
        + step(1.0, "client", "abort")
    )
    _, events = play(text)
    order = [(e["type"], e.get("action") or e.get("call") or e.get("flags")) for e in at_instant(events, 1.0)]
    assert order.index(("timer", "expire")) < order.index(("send", "SYN")) < order.index(("call", "abort"))
    assert any(e["type"] == "send" and e["retransmission"] for e in events)


def test_expectations_come_after_steps_at_one_instant(play) -> None:
    # written before the step in the file, checked after it
    text = (
        HANDSHAKE
        + expect(1.0, 'client = "FIN-WAIT-1"\nlast_sent = { from = "client", flags = "FIN,ACK" }')
        + step(1.0, "client", "close")
    )
    result, events = play(text)
    assert result.ok, result.failures
    instant = at_instant(events, 1.0)
    assert [e["type"] for e in instant][-2:] == ["expect", "expect"]


def test_expectations_see_arrivals_and_timers_of_their_instant(play) -> None:
    text = HANDSHAKE + expect(0.3, 'server = "ESTABLISHED"') + expect(0.2, 'client = "ESTABLISHED"')
    result, _ = play(text)
    assert result.ok, result.failures
    # and one instant earlier they do not hold yet
    result, _ = play(HANDSHAKE + expect(0.29999, 'server = "ESTABLISHED"'))
    assert not result.ok


def test_expectations_between_events(play) -> None:
    result, _ = play(HANDSHAKE + expect(0.15, 'client = "SYN-SENT"\nserver = "SYN-RECEIVED"'))
    assert result.ok


def test_expectations_after_the_run_goes_quiet_are_still_checked(play) -> None:
    result, events = play(HANDSHAKE + expect(50.0, 'client = "ESTABLISHED"'))
    assert result.ok and not result.unchecked
    assert events[-1]["type"] == "expect" and events[-1]["t"] == 50.0


# ---------------------------------------------------------------- ISNs


def syn_seqs(events: list[dict[str, Any]], endpoint: str) -> list[int]:
    return [
        e["seq"]
        for e in events
        if e["type"] == "send" and e["endpoint"] == endpoint and "SYN" in e["flags"] and not e["retransmission"]
    ]


def reconnects(client_isn: int, server_isn: int) -> str:
    """Three connections: refused (nobody listens), then two real ones each ended by an abort."""
    text = f'name = "isn"\n[client]\nisn = {client_isn}\n[server]\nisn = {server_isn}\n'
    text += step(0.0, "client", "connect")
    for t in (1.0, 3.0):
        text += step(t, "server", "listen") + step(t, "client", "connect") + step(t + 1, "client", "abort")
    return text


def test_connection_k_uses_isn_plus_64000_k(play) -> None:
    _, events = play(reconnects(1000, 5000))
    assert syn_seqs(events, "client") == [1000, 65000, 129000]
    assert syn_seqs(events, "server") == [5000, 69000]


def test_isn_steps_wrap_modulo_2_32(play) -> None:
    isn = 2**32 - 100
    _, events = play(reconnects(isn, 2**32 - 1))
    assert syn_seqs(events, "client") == [isn, (isn + 64000) % 2**32, (isn + 128000) % 2**32]
    assert syn_seqs(events, "server") == [2**32 - 1, 63999]


def test_isn_is_derived_from_the_seed_when_not_fixed(play) -> None:
    def first_syns(seed: int) -> tuple[int, int]:
        text = f'name = "seeded"\n[network]\nseed = {seed}\n' + step(0.0, "server", "listen")
        _, events = play(text + step(0.0, "client", "connect"))
        return syn_seqs(events, "client")[0], syn_seqs(events, "server")[0]

    assert first_syns(7) == first_syns(7)
    client, server = first_syns(7)
    assert client != server
    assert first_syns(8) != first_syns(7)
    for value in (*first_syns(0), *first_syns(8)):
        assert 0 <= value < 2**32


# ---------------------------------------------------------------- the what-if switch


@pytest.mark.parametrize(("time_wait", "after_fin"), [(True, "TIME-WAIT"), (False, "CLOSED")])
def test_time_wait_switch(play, time_wait: bool, after_fin: str) -> None:
    text = HANDSHAKE.replace("isn = 1000", f"isn = 1000\ntime_wait = {str(time_wait).lower()}")
    text += step(1.0, "client", "close") + step(2.0, "server", "close")
    result, events = play(text + expect(2.15, f'client = "{after_fin}"'))
    assert result.ok, result.failures
    fin_wait_2_exit = next(e for e in events if e["type"] == "state" and e["from"] == "FIN-WAIT-2")
    assert fin_wait_2_exit["to"] == after_fin


# ---------------------------------------------------------------- ranges: the limits themselves are valid


@pytest.mark.parametrize(
    "fragment",
    [
        "[network]\nlatency = 0",
        "[network]\nmsl = 0.001",
        "[network]\nrto = 0.001",
        "[network]\nseed = -5",
        "[client]\nisn = 0",
        "[client]\nisn = 4294967295",
        "[server]\nport = 1",
        "[server]\nport = 65535",
        "[client]\ntime_wait = false",
    ],
)
def test_boundary_values_are_accepted(fragment: str) -> None:
    text = 'name = "edge"\n' + fragment + "\n" + step(0.0, "server", "listen")
    load_text(text)


@pytest.mark.parametrize(
    "extra",
    [
        step(0, "network", "drop", "count = 1"),
        step(0, "network", "delay", "by = 0"),
        step(0, "network", "duplicate", "match = {}"),
        step(0.0, "network", "inject", 'segment = { from = "client", flags = "" }'),
        step(0, "client", "send", 'data = "é ✓ 漢字"'),
    ],
)
def test_boundary_steps_are_accepted(extra: str) -> None:
    load_text('name = "edge"\n' + step(0, "server", "listen") + extra)


def test_integer_times_are_fine() -> None:
    scenario = load_text('name = "ints"\n' + step(1, "server", "listen") + expect(2, 'server = "LISTEN"'))
    assert scenario.steps[0].at == 1.0 and scenario.expectations[0].at == 2.0


def test_unknown_keys_are_errors_even_when_harmless() -> None:
    with pytest.raises(ScenarioError, match="unknown key 'colour'"):
        load_text('name = "x"\ncolour = "blue"\n' + step(0, "server", "listen"))


@pytest.mark.parametrize(
    ("state", "canonical"),
    [("TIME-WAIT", "TIME-WAIT"), ("SYN-RECEIVED", "SYN-RECEIVED"), ("CLOSED", "CLOSED")],
)
def test_every_rfc_state_name_is_accepted(state: str, canonical: str) -> None:
    scenario = load_text('name = "x"\n' + step(0, "server", "listen") + expect(1, f'client = "{state}"'))
    assert scenario.expectations[0].states["client"].value == canonical
