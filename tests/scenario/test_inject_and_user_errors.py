"""``inject`` (a puppet peer: defaults, and the sender is not involved) and user-call errors (trace
lines of that endpoint, never file errors)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tcpsim.cli import main

HEAD = """\
name = "inject"
[client]
isn = 1000
[server]
isn = 5000
"""


def step(at: float, on: str, do: str, extra: str = "") -> str:
    return f'\n[[step]]\nat = {at}\non = "{on}"\ndo = "{do}"\n{extra}\n'


def inject(at: float, segment: str) -> str:
    return step(at, "network", "inject", f"segment = {{ {segment} }}")


def expect(at: float, body: str) -> str:
    return f"\n[[expect]]\nat = {at}\n{body}\n"


# handshake done at 0.3; the client has sent "abc" (SND.NXT 1004), the server "xy" (SND.NXT 5003)
TALKING = (
    HEAD
    + step(0.0, "server", "listen")
    + step(0.0, "client", "connect")
    + step(0.5, "client", "send", 'data = "abc"')
    + step(0.5, "server", "send", 'data = "xy"')
)


def injected(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == "inject"]


def own_sends(events: list[dict[str, Any]], endpoint: str) -> list[dict[str, Any]]:
    return [e for e in events if e["type"] == "send" and e["endpoint"] == endpoint]


# ---------------------------------------------------------------- inject


@pytest.mark.parametrize(("sender", "seq", "ack"), [("client", 1004, 5003), ("server", 5003, 1004)])
def test_inject_defaults_seq_and_ack_to_snd_nxt_and_rcv_nxt(play, sender: str, seq: int, ack: int) -> None:
    _, events = play(TALKING + inject(1.0, f'from = "{sender}", flags = "ACK"'))
    (line,) = injected(events)
    assert (line["endpoint"], line["flags"], line["seq"], line["ack"], line["len"]) == (sender, "ACK", seq, ack, 0)


def test_inject_uses_the_given_seq_and_ack(play) -> None:
    _, events = play(TALKING + inject(1.0, 'from = "client", flags = "ACK", seq = 7, ack = 4294967295'))
    (line,) = injected(events)
    assert (line["seq"], line["ack"]) == (7, 4294967295)


def test_injected_ack_is_zero_without_the_ack_flag(play) -> None:
    _, events = play(TALKING + inject(1.0, 'from = "client", flags = "RST", ack = 77'))
    (line,) = injected(events)
    assert (line["flags"], line["seq"], line["ack"]) == ("RST", 1004, 0)


def test_inject_before_any_connection_does_not_crash(play) -> None:
    result, events = play(HEAD + inject(0.0, 'from = "client", flags = "SYN"') + expect(1.0, 'server = "CLOSED"'))
    assert result.ok
    assert len(injected(events)) == 1
    assert any(e["type"] == "arrive" and e["endpoint"] == "server" for e in events)


def test_injected_rst_resets_the_peer_but_not_the_sender(play) -> None:
    text = TALKING + inject(1.0, 'from = "client", flags = "RST"')
    text += expect(1.2, 'client = "ESTABLISHED"\nserver = "CLOSED"')
    result, events = play(text)
    assert result.ok, result.failures
    client_states = [e for e in events if e["type"] == "state" and e["endpoint"] == "client"]
    assert client_states[-1]["to"] == "ESTABLISHED" and client_states[-1]["t"] < 1.0


def test_inject_does_not_change_the_senders_sequence_numbers(play) -> None:
    # The puppet client "sends" 3 bytes the real client knows nothing of; the real client's next
    # segment still starts at its own SND.NXT, and its last_sent is not the injected one.
    text = TALKING + inject(1.0, 'from = "client", flags = "PSH,ACK", data = "zzz"')
    # (the client's own last segment is its ACK of "xy" at 0.6)
    text += expect(1.05, 'last_sent = { from = "client", flags = "ACK", seq = 1004, ack = 5003, len = 0 }')
    text += step(2.0, "client", "send", 'data = "d"')
    # (until: the two ends now disagree on the client's sequence numbers and ACK each other forever,
    # the ACK war of a desynchronised connection, as real TCP does)
    result, events = play(text, until=2.05)
    assert result.ok, result.failures
    (line,) = injected(events)
    assert (line["seq"], line["data"]) == (1004, "zzz")
    late = [e for e in own_sends(events, "client") if e["t"] == 2.0 and e["data"]]
    assert [(e["seq"], e["data"]) for e in late] == [(1004, "d")]
    # the server took the puppet's bytes as real
    delivered = "".join(e["data"] for e in events if e["type"] == "deliver" and e["endpoint"] == "server")
    assert delivered.startswith("abczzz")


def test_inject_line_has_an_id_and_its_own_type(play) -> None:
    # (until: this puppet FIN desynchronises the two ends into an endless ACK war, as real TCP would)
    _, events = play(TALKING + inject(1.0, 'from = "server", flags = "FIN,ACK"'), until=1.5)
    (line,) = injected(events)
    ids = [e["id"] for e in events if e["type"] in ("send", "inject")]
    assert line["id"] in ids and ids.count(line["id"]) == 1
    assert not [e for e in events if e["type"] == "send" and e["id"] == line["id"]]


def test_injected_segments_can_be_dropped_by_rules(play) -> None:
    text = (
        TALKING
        + step(0.9, "network", "drop", 'match = { flags = "RST" }')
        + inject(1.0, 'from = "client", flags = "RST"')
    )
    result, events = play(text + expect(1.5, 'server = "ESTABLISHED"'))
    (line,) = injected(events)
    assert any(e["type"] == "drop" and e["id"] == line["id"] for e in events)
    assert result.ok


# ---------------------------------------------------------------- user-call errors


@pytest.mark.parametrize(
    ("steps", "endpoint", "message"),
    [
        (step(0.0, "client", "close"), "client", "connection does not exist"),
        (step(0.0, "client", "send", 'data = "x"'), "client", "connection does not exist"),
        (
            step(0.0, "server", "listen") + step(0.0, "server", "send", 'data = "x"'),
            "server",
            "foreign socket unspecified",
        ),
        (step(0.0, "client", "retransmit"), "client", ""),
        (step(0.0, "client", "connect") + step(0.05, "client", "connect"), "client", "connection already exists"),
        (step(0.0, "server", "listen") + step(0.5, "server", "listen"), "server", "connection already exists"),
    ],
)
def test_user_call_errors_are_trace_lines(play, steps: str, endpoint: str, message: str) -> None:
    _, events = play(HEAD + steps)
    errors = [e for e in events if e["type"] == "error"]
    assert len(errors) == 1, errors
    assert errors[0]["endpoint"] == endpoint
    assert message in errors[0]["message"]
    assert errors[0]["message"]


def test_retransmit_with_nothing_outstanding_is_an_error(play) -> None:
    _, events = play(TALKING + step(2.0, "client", "retransmit"))
    (error,) = [e for e in events if e["type"] == "error"]
    assert (error["t"], error["endpoint"]) == (2.0, "client")


def test_close_twice_is_an_error(play) -> None:
    _, events = play(TALKING + step(1.0, "client", "close") + step(1.5, "client", "close"))
    (error,) = [e for e in events if e["type"] == "error"]
    assert (error["t"], error["endpoint"]) == (1.5, "client")
    assert "closing" in error["message"]


def test_the_run_goes_on_after_an_error(play) -> None:
    text = HEAD + step(0.0, "client", "close") + step(0.0, "server", "listen") + step(0.0, "client", "connect")
    result, _ = play(text + expect(1.0, 'client = "ESTABLISHED"\nserver = "ESTABLISHED"'))
    assert result.ok


def test_user_call_errors_keep_exit_0_when_expectations_hold(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "errors.toml"
    path.write_text(
        HEAD + step(0.0, "client", "close") + step(0.0, "client", "retransmit") + expect(1.0, 'client = "CLOSED"')
    )
    assert main(["run", str(path)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    flat = " ".join(out.split())
    assert "close: error: connection does not exist" in flat
    assert "all 1 checks hold" in flat
    assert main(["run", str(path), "--format", "jsonl"]) == 0
    out, _ = capsys.readouterr()
    assert out.count('"type":"error"') == 2
