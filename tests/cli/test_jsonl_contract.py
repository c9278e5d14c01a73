"""The ``--format jsonl`` contract (spec §4): one JSON object per line, in the order things happen,
with at least the documented types and fields, named and typed as documented."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

STATES = {
    "CLOSED",
    "LISTEN",
    "SYN-SENT",
    "SYN-RECEIVED",
    "ESTABLISHED",
    "FIN-WAIT-1",
    "FIN-WAIT-2",
    "CLOSE-WAIT",
    "CLOSING",
    "LAST-ACK",
    "TIME-WAIT",
}
FLAG_ORDER = ["SYN", "FIN", "RST", "PSH", "ACK"]
ENDPOINTS = {"client", "server"}
LATENCY = 0.1

# Exercises every line type: user-call errors, a duplicate, a delay, a drop and its retransmission,
# an injected segment, data delivery, 2MSL set / restart / expire (the final ACK is lost), expectations.
EVERYTHING = """\
name = "every line type"
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
on = "client"
do = "close"          # error: connection does not exist

[[step]]
at = 0.0
on = "server"
do = "listen"

[[step]]
at = 0.0
on = "server"
do = "send"           # error: foreign socket unspecified
data = "too early"

[[step]]
at = 0.0
on = "client"
do = "connect"

[[step]]
at = 0.5
on = "network"
do = "duplicate"
match = { from = "client", data = true }

[[step]]
at = 0.5
on = "network"
do = "delay"
by = 0.3
match = { from = "server", flags = "ACK" }

[[step]]
at = 0.5
on = "client"
do = "send"
data = "hello"

[[step]]
at = 1.0
on = "network"
do = "drop"
match = { from = "client", data = true }

[[step]]
at = 1.0
on = "client"
do = "send"
data = "world"

[[step]]
at = 2.5
on = "network"
do = "inject"
segment = { from = "server", flags = "ACK" }

[[step]]
at = 3.0
on = "client"
do = "close"

[[step]]
at = 3.5
on = "network"
do = "drop"
match = { from = "client", flags = "ACK" }

[[step]]
at = 3.5
on = "server"
do = "close"

[[expect]]
at = 0.3
client = "ESTABLISHED"
server = "ESTABLISHED"

[[expect]]
at = 2.5
received = { server = "helloworld" }
last_sent = { from = "client", has = "PSH", seq = 1006, len = 5 }

[[expect]]
at = 3.7
client = "TIME-WAIT"
"""

# An abort (a bare RST, so ack 0) and a SYN to a closed port (RST,ACK).
RESETS = """\
name = "resets"
[client]
isn = 1000
[server]
isn = 5000

[[step]]
at = 0.0
on = "client"
do = "connect"

[[step]]
at = 1.0
on = "server"
do = "listen"

[[step]]
at = 1.0
on = "client"
do = "connect"

[[step]]
at = 2.0
on = "client"
do = "abort"

[[expect]]
at = 2.5
client = "CLOSED"
server = "CLOSED"
"""


@pytest.fixture(scope="module")
def everything(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, Any]]:
    # Module-scoped: run once in-process without the function-scoped fixtures.
    import io
    from contextlib import redirect_stdout

    from tcpsim.cli import main

    path = tmp_path_factory.mktemp("jsonl") / "everything.toml"
    path.write_text(EVERYTHING)
    buf = io.StringIO()
    with redirect_stdout(buf):
        code = main(["run", str(path), "--format", "jsonl"])
    assert code == 0, buf.getvalue()

    return [strict(line) for line in buf.getvalue().splitlines()]


def strict(line: str) -> dict[str, Any]:
    def reject(name: str) -> Any:
        raise ValueError(f"not JSON: {name}")

    return json.loads(line, parse_constant=reject)


def of(events: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == kind]


def is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def is_int(v: object) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


# ---------------------------------------------------------------- every line


def test_every_line_is_a_json_object_with_t_and_type(jsonl) -> None:
    for text in (EVERYTHING, RESETS):
        events = jsonl(text)
        assert events
        for e in events:
            assert is_number(e["t"]) and e["t"] >= 0
            assert isinstance(e["type"], str) and e["type"]


def test_lines_are_in_non_decreasing_time(everything) -> None:
    times = [e["t"] for e in everything]
    assert times == sorted(times)


def test_every_documented_type_appears(everything) -> None:
    types = {e["type"] for e in everything}
    documented = {"state", "send", "arrive", "drop", "duplicate", "delay", "deliver", "error", "timer", "expect"}
    assert documented | {"inject"} <= types


def test_output_is_deterministic(jsonl) -> None:
    assert jsonl(EVERYTHING) == jsonl(EVERYTHING)


# ---------------------------------------------------------------- per type


def test_state_lines(everything) -> None:
    lines = of(everything, "state")
    assert lines
    current = dict.fromkeys(ENDPOINTS, "CLOSED")
    for e in lines:
        assert e["endpoint"] in ENDPOINTS
        assert e["from"] in STATES and e["to"] in STATES
        assert e["from"] == current[e["endpoint"]], "state lines of one endpoint form a chain from CLOSED"
        current[e["endpoint"]] = e["to"]
        assert isinstance(e["rule"], str) and re.match(r"\d+(\.\d+)+\b", e["rule"]), e["rule"]


def test_send_lines(everything) -> None:
    lines = of(everything, "send")
    assert lines
    for e in lines:
        assert e["endpoint"] in ENDPOINTS
        assert is_int(e["id"]) and e["id"] >= 1
        assert isinstance(e["flags"], str)
        for key in ("seq", "ack", "len"):
            assert is_int(e[key]) and 0 <= e[key] < 2**32
        assert isinstance(e["retransmission"], bool)
        assert isinstance(e["rule"], str) and re.match(r"\d+(\.\d+)+\b", e["rule"]), e["rule"]
    assert any(e["retransmission"] for e in lines)


def test_send_len_counts_the_payload(everything) -> None:
    for e in of(everything, "send"):
        if "data" in e:
            assert e["len"] == len(e["data"].encode("utf-8"))
    hello = [e for e in of(everything, "send") if e.get("data") == "hello"]
    assert hello and hello[0]["len"] == 5


def test_ids_are_unique_per_transmission(everything) -> None:
    ids = [e["id"] for e in everything if e["type"] in ("send", "inject")]
    assert len(ids) == len(set(ids))
    assert ids == sorted(ids)


def test_inject_lines(everything) -> None:
    (line,) = of(everything, "inject")
    assert is_int(line["id"])
    assert line["flags"] == "ACK"
    assert line["t"] == 2.5
    # the injected segment travels like any other
    assert [a["t"] for a in of(everything, "arrive") if a["id"] == line["id"]] == [2.6]


def test_arrive_lines(everything) -> None:
    sent = {e["id"]: e for e in everything if e["type"] in ("send", "inject")}
    for e in of(everything, "arrive"):
        assert e["endpoint"] in ENDPOINTS
        assert is_int(e["id"]) and e["id"] in sent
        assert e["endpoint"] != sent[e["id"]]["endpoint"], "a segment arrives at the peer"
        assert e["t"] >= sent[e["id"]]["t"] + LATENCY - 1e-9


def test_drop_lines(everything) -> None:
    drops = of(everything, "drop")
    assert len(drops) == 2
    arrived = {e["id"] for e in of(everything, "arrive")}
    for e in drops:
        assert is_int(e["id"])
        assert e["id"] not in arrived, "a dropped segment never arrives"


def test_duplicate_lines_and_the_copy_arrives_with_the_same_id(everything) -> None:
    (dup,) = of(everything, "duplicate")
    assert is_int(dup["id"])
    sent = next(e for e in of(everything, "send") if e["id"] == dup["id"])
    assert sent["data"] == "hello"
    arrivals = [e for e in of(everything, "arrive") if e["id"] == dup["id"]]
    assert len(arrivals) == 2
    assert {a["t"] for a in arrivals} == {round(sent["t"] + LATENCY, 6)}
    assert {a["endpoint"] for a in arrivals} == {"server"}


def test_delay_lines(everything) -> None:
    (delay,) = of(everything, "delay")
    assert is_int(delay["id"]) and is_number(delay["by"])
    assert delay["by"] == 0.3
    sent = next(e for e in of(everything, "send") if e["id"] == delay["id"])
    (arrival,) = [e for e in of(everything, "arrive") if e["id"] == delay["id"]]
    assert arrival["t"] == pytest.approx(sent["t"] + LATENCY + 0.3)


def test_deliver_lines(everything) -> None:
    lines = of(everything, "deliver")
    for e in lines:
        assert e["endpoint"] in ENDPOINTS and isinstance(e["data"], str)
    assert "".join(e["data"] for e in lines if e["endpoint"] == "server") == "helloworld"


def test_error_lines(everything) -> None:
    lines = of(everything, "error")
    assert [(e["t"], e["endpoint"]) for e in lines] == [(0.0, "client"), (0.0, "server")]
    for e in lines:
        assert isinstance(e["message"], str)
    assert "connection does not exist" in lines[0]["message"]
    assert "foreign socket unspecified" in lines[1]["message"]


def test_timer_lines(everything) -> None:
    lines = of(everything, "timer")
    for e in lines:
        assert e["endpoint"] in ENDPOINTS
        assert isinstance(e["name"], str)
        assert e["action"] in ("set", "restart", "cancel", "expire")
        if e["action"] != "cancel":
            assert is_number(e["deadline"])
        else:
            assert e["deadline"] is None or is_number(e["deadline"])
    two_msl = [(e["action"], e["t"], e["deadline"]) for e in lines if e["name"] == "2msl"]
    # FIN arrives at 3.6: 2MSL = 2 s; the retransmitted FIN at 4.6 restarts it; it expires at 6.6
    assert two_msl == [("set", 3.6, 5.6), ("restart", 4.6, 6.6), ("expire", 6.6, 6.6)]


def test_expect_lines(everything) -> None:
    lines = of(everything, "expect")
    assert [e["t"] for e in lines] == [0.3, 0.3, 2.5, 2.5, 3.7], "one line per checked item, at its `at`"
    for e in lines:
        assert e["ok"] is True
        assert e["endpoint"] in ENDPOINTS
        assert "expected" in e and "actual" in e
    assert (lines[0]["endpoint"], lines[0]["expected"], lines[0]["actual"]) == ("client", "ESTABLISHED", "ESTABLISHED")
    assert lines[2]["expected"] == lines[2]["actual"] == "helloworld"


# ---------------------------------------------------------------- flags and ack


def test_flags_are_canonical_comma_separated_names(jsonl) -> None:
    seen = set()
    for text in (EVERYTHING, RESETS):
        for e in jsonl(text):
            if e["type"] not in ("send", "inject"):
                continue
            names = e["flags"].split(",") if e["flags"] else []
            assert all(n in FLAG_ORDER for n in names), e["flags"]
            assert names == sorted(names, key=FLAG_ORDER.index), f"not canonical: {e['flags']}"
            assert len(set(names)) == len(names)
            seen.add(e["flags"])
    assert {"SYN", "SYN,ACK", "ACK", "PSH,ACK", "FIN,ACK", "RST", "RST,ACK"} <= seen


def test_ack_is_zero_without_the_ack_flag(jsonl) -> None:
    checked = 0
    for text in (EVERYTHING, RESETS):
        for e in jsonl(text):
            if e["type"] in ("send", "inject") and "ACK" not in e["flags"].split(","):
                assert e["ack"] == 0, e
                checked += 1
    assert checked >= 3  # SYNs and the bare RST of the abort


def test_resets(jsonl) -> None:
    events = jsonl(RESETS)
    sends = [(e["endpoint"], e["flags"], e["seq"], e["ack"]) for e in of(events, "send")]
    assert ("server", "RST,ACK", 0, 1001) in sends  # 3.10.7.1: SYN to a CLOSED port
    assert ("client", "RST", 65001, 0) in sends  # 3.10.5: ABORT in ESTABLISHED (second connection's ISN)


# ---------------------------------------------------------------- numbers that are not JSON


def test_huge_but_finite_settings_never_give_non_json(write, cli) -> None:
    text = (
        RESETS.replace("[client]", "[network]\nmsl = 1e308\n\n[client]").replace('do = "abort"', 'do = "close"')
        + '\n[[step]]\nat = 2.5\non = "server"\ndo = "close"\n'
    )
    r = cli("run", write(text), "--format", "jsonl")
    if r.code == 2:  # rejecting such a value as out of range is fine too
        assert "msl" in r.err
        return
    events = [strict(line) for line in r.out.splitlines()]  # rejects NaN and Infinity
    assert any(e["type"] == "timer" and e["name"] == "2msl" for e in events)
