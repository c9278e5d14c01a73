"""``match`` on network steps (spec §3): exact flags (order-insensitive), ``has``, ``data``,
``from``; ``count`` transmissions from ``at`` on, retransmissions included; the earliest-declared
rule wins where rules overlap."""

from __future__ import annotations

from typing import Any

import pytest

HEAD = """\
name = "match"
[network]
latency = 0.1
rto = 1.0
[client]
isn = 1000
[server]
isn = 5000
"""

# client: SYN #1 at 0.0; server: SYN,ACK #2 at 0.1; client: ACK #3 at 0.2;
# client: PSH,ACK "hi" #4 at 1.0 (server ACKs it: #5 at 1.1); client: FIN,ACK at 2.0, ...
CONVERSATION = """
[[step]]
at = 0.0
on = "server"
do = "listen"

[[step]]
at = 0.0
on = "client"
do = "connect"

[[step]]
at = 1.0
on = "client"
do = "send"
data = "hi"

[[step]]
at = 2.0
on = "client"
do = "close"
"""


def rule(do: str, at: float = 0.0, match: str | None = None, extra: str = "") -> str:
    text = f'\n[[step]]\nat = {at}\non = "network"\ndo = "{do}"\n'
    if match is not None:
        text += f"match = {{ {match} }}\n"
    return text + extra + "\n"


def faults(events: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """(fault, sender, flags) for each drop / duplicate / delay, in order."""
    sent = {e["id"]: e for e in events if e["type"] in ("send", "inject")}
    return [
        (e["type"], sent[e["id"]]["endpoint"], sent[e["id"]]["flags"])
        for e in events
        if e["type"] in ("drop", "duplicate", "delay")
    ]


def dropped(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    sent = {e["id"]: e for e in events if e["type"] in ("send", "inject")}
    return [sent[e["id"]] for e in events if e["type"] == "drop"]


@pytest.mark.parametrize("flags", ["SYN,ACK", "ACK,SYN", "ACK, SYN"])
def test_flags_are_the_exact_set_in_any_order(play, flags: str) -> None:
    _, events = play(HEAD + rule("drop", match=f'flags = "{flags}"') + CONVERSATION)
    assert faults(events) == [("drop", "server", "SYN,ACK")]


def test_flags_ack_is_a_pure_ack_only(play) -> None:
    _, events = play(HEAD + rule("drop", match='flags = "ACK"', extra="count = 3") + CONVERSATION)
    got = dropped(events)
    assert got and all(e["flags"] == "ACK" for e in got)
    assert len(got) == 3
    # the SYN,ACK, the data segment and the FIN,ACK all carry ACK but were not taken
    assert {"SYN,ACK", "PSH,ACK", "FIN,ACK"} <= {e["flags"] for e in events if e["type"] == "send"}


def test_has_matches_a_flag_among_others(play) -> None:
    _, events = play(HEAD + rule("drop", match='has = "FIN"') + CONVERSATION)
    assert faults(events) == [("drop", "client", "FIN,ACK")]


def test_has_syn_matches_syn_and_syn_ack(play) -> None:
    _, events = play(HEAD + rule("duplicate", match='has = "SYN"', extra="count = 2") + CONVERSATION)
    assert faults(events) == [("duplicate", "client", "SYN"), ("duplicate", "server", "SYN,ACK")]


@pytest.mark.parametrize(("data", "expected"), [("true", "PSH,ACK"), ("false", "SYN")])
def test_data_true_or_false(play, data: str, expected: str) -> None:
    _, events = play(HEAD + rule("drop", match=f"data = {data}") + CONVERSATION)
    assert [e["flags"] for e in dropped(events)] == [expected]
    assert bool(dropped(events)[0]["len"]) is (data == "true")


def test_from_selects_the_sender(play) -> None:
    _, events = play(HEAD + rule("drop", match='from = "server"') + CONVERSATION)
    assert faults(events) == [("drop", "server", "SYN,ACK")]


def test_keys_combine(play) -> None:
    _, events = play(HEAD + rule("drop", match='from = "server", flags = "ACK", data = false') + CONVERSATION)
    assert faults(events) == [("drop", "server", "ACK")]
    assert dropped(events)[0]["t"] == 1.1  # the server's ACK of "hi"


@pytest.mark.parametrize("match", [None, ""])
def test_no_match_means_any_segment(play, match: str | None) -> None:
    _, events = play(HEAD + rule("drop", match=match) + CONVERSATION)
    assert faults(events) == [("drop", "client", "SYN")]


def test_a_rule_applies_from_its_at_including_that_instant(play) -> None:
    # the client's ACK goes out at 0.2, while the SYN,ACK arrival is handled, before any step of 0.2
    _, events = play(HEAD + rule("drop", at=0.2) + CONVERSATION)
    assert [(e["t"], e["flags"]) for e in dropped(events)] == [(0.2, "ACK")]


def test_a_rule_ignores_segments_sent_before_its_at(play) -> None:
    _, events = play(HEAD + rule("drop", at=0.25, match='flags = "ACK"') + CONVERSATION)
    assert [(e["t"], e["endpoint"]) for e in dropped(events)] == [(1.1, "server")]


def test_count_takes_that_many_then_stops(play) -> None:
    _, events = play(HEAD + rule("drop", match='from = "client"', extra="count = 2") + CONVERSATION)
    assert [(e["t"], e["flags"], e["retransmission"]) for e in dropped(events)] == [
        (0.0, "SYN", False),
        (1.0, "SYN", True),
    ]


def test_retransmissions_count_as_transmissions(play) -> None:
    # count = 1: only the first SYN is lost, its retransmission at 1.0 gets through
    _, events = play(HEAD + rule("drop", match='flags = "SYN"') + CONVERSATION)
    syns = [(e["t"], e["retransmission"]) for e in events if e["type"] == "send" and e["flags"] == "SYN"]
    assert syns == [(0.0, False), (1.0, True)]
    # count = 2: the first retransmission is lost too; the next one comes after a doubled RTO
    opening = CONVERSATION.split("at = 1.0")[0].rsplit("[[step]]", 1)[0]  # listen and connect only
    _, events = play(HEAD + rule("drop", match='flags = "SYN"', extra="count = 2") + opening)
    syns = [(e["t"], e["retransmission"]) for e in events if e["type"] == "send" and e["flags"] == "SYN"]
    assert syns == [(0.0, False), (1.0, True), (3.0, True)]
    assert len(dropped(events)) == 2
    assert any(e["type"] == "state" and e["to"] == "ESTABLISHED" and e["t"] == 3.2 for e in events)


def test_earliest_declared_wins_where_rules_overlap(play) -> None:
    text = HEAD + rule("drop", match='from = "client"') + rule("duplicate", match='from = "client"') + CONVERSATION
    _, events = play(text)
    # the first SYN goes to the drop rule; once that is used up, its retransmission is duplicated
    assert faults(events)[:2] == [("drop", "client", "SYN"), ("duplicate", "client", "SYN")]


def test_earliest_declared_wins_reversed(play) -> None:
    text = HEAD + rule("duplicate", match='from = "client"') + rule("drop", match='from = "client"') + CONVERSATION
    _, events = play(text)
    assert faults(events)[:2] == [("duplicate", "client", "SYN"), ("drop", "client", "ACK")]


def test_earliest_declared_wins_even_when_it_starts_later(play) -> None:
    # Declared first: duplicate from 0.5. Declared second: drop from 0.0. "hi" at 1.0 matches both.
    text = (
        HEAD + rule("duplicate", at=0.5, match="data = true") + rule("drop", at=0.0, match="data = true") + CONVERSATION
    )
    _, events = play(text)
    assert faults(events)[0] == ("duplicate", "client", "PSH,ACK")


def test_delay_by_zero_and_delay_reorders(play) -> None:
    # delaying the SYN,ACK by 0.05 makes it arrive at 0.25 instead of 0.2
    text = HEAD + rule("delay", match='flags = "SYN,ACK"', extra="by = 0.05") + CONVERSATION
    _, events = play(text)
    syn_ack = next(e for e in events if e["type"] == "send" and e["flags"] == "SYN,ACK")
    arrival = next(e for e in events if e["type"] == "arrive" and e["id"] == syn_ack["id"])
    assert arrival["t"] == 0.25


def test_delay_lets_a_later_segment_overtake(play) -> None:
    # Two data segments; the first is held back 0.5 s and arrives after the second.
    text = (
        HEAD
        + CONVERSATION.replace('data = "hi"', 'data = "ab"')
        + rule("delay", at=0.9, match="data = true", extra="by = 0.5")
    )
    text += '\n[[step]]\nat = 1.1\non = "client"\ndo = "send"\ndata = "cd"\n'
    text += '\n[[expect]]\nat = 1.7\nreceived = { server = "abcd" }\n'
    result, events = play(text)
    data_arrivals = [
        e["id"] for e in events if e["type"] == "arrive" and e["endpoint"] == "server" and 1.0 < e["t"] < 1.7
    ]
    data_ids = [e["id"] for e in events if e["type"] == "send" and e.get("data") in ("ab", "cd")]
    assert data_arrivals == data_ids[::-1]
    assert result.ok, result.failures  # in order and once, despite the reordering
