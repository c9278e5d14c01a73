"""A FIN sent again after the capture showed its acknowledgment: that acknowledgment never
reached its sender, whichever state the census had moved it to (issue 14).

RFC 9293 3.10.7.4, fifth: only an acknowledgment of its FIN moves a side on from FIN-WAIT-1
(to FIN-WAIT-2), CLOSING (to TIME-WAIT) or LAST-ACK (to CLOSED), and a side sends its FIN again
only while it waits for one. The lost final ACK (LAST-ACK) is in test_census_readings.py; here the
same proof for a side that closed first: in a simultaneous close (CLOSING, its TIME-WAIT and 2·MSL
only start from the later acknowledgment), and alone (FIN-WAIT-1), from each state the census can
have reached by then (FIN-WAIT-2, TIME-WAIT, and CLOSED once either ended by its timer). The
captures are the simulator's own, taken at each sender, with the acknowledgment dropped after it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from capture_files import pcap, scenario_packets

from tcpsim.capture.tracked_sent import Senders

HANDSHAKE = """
name = "{name}"
summary = "a lost acknowledgment of a FIN"
description = "For the census's tests."

[network]
msl = 5.0

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

SIMULTANEOUS = """
[[step]]
at = 1.0
on = "client"
do = "close"

[[step]]
at = 1.0
on = "server"
do = "close"

[[step]]
at = 1.05
on = "network"
do = "drop"
match = { from = "server", flags = "ACK" }
"""
"""Both close at 1.0; the server's ACK of the client's FIN (packet 6, 1.1 s) is lost. The client,
in CLOSING, sends its FIN again at 2.0 s (packet 8); the server, in TIME-WAIT, acknowledges it
again (packet 9, 2.1 s)."""

ALONE = """
[[step]]
at = 1.0
on = "network"
do = "drop"
match = { from = "server", flags = "ACK" }

[[step]]
at = 1.0
on = "client"
do = "close"

[[step]]
at = 3.0
on = "server"
do = "close"
"""
"""The client closes at 1.0; the server's ACK (packet 5, 1.1 s) is lost. The client, in
FIN-WAIT-1, sends its FIN again at 2.0 s (packet 6), acknowledged again (packet 7, 2.1 s); the
server closes at 3.0 s (packet 8)."""


def capture(tmp_path: Path, steps: str, *, late: float = 0.0, from_packet: int = 0) -> Path:
    """The capture of a scenario made of the handshake and ``steps``; packets from ``from_packet``
    on (numbered from 1) moved ``late`` seconds later."""
    scenario = tmp_path / "lost-ack.toml"
    scenario.write_text(HANDSHAKE.format(name="lost ack") + steps)
    frames = scenario_packets(scenario)
    if late:
        frames = [(t + (late if n >= from_packet else 0.0), raw) for n, (t, raw) in enumerate(frames, 1)]
    path = tmp_path / "lost-ack.pcap"
    path.write_bytes(pcap(frames, 101))
    return path


def census(cli, path: Path, *options: str) -> tuple[dict, dict[float, dict], dict]:
    """(the conversation, the client host's census lines by time, the summary)."""
    found = [json.loads(line) for line in cli("import", path, "--all", "--format", "jsonl", *options).out.splitlines()]
    (conversation,) = [line for line in found if line["type"] == "conversation"]
    (summary,) = [line for line in found if line["type"] == "summary"]
    client = {line["t"]: line["counts"] for line in found if line["type"] == "census" and line["host"] == "10.0.0.1"}
    return conversation, client, summary


def two_readings(conversation: dict) -> str:
    (note,) = [n for n in conversation["notes"] if n.startswith("two readings")]
    return note


def test_a_fin_sent_again_from_time_wait_puts_a_simultaneous_closer_back_in_closing(cli, tmp_path: Path) -> None:
    """The census took the lost ACK (packet 6) as received: the client went FIN-WAIT-2, then
    TIME-WAIT when it acknowledged the server's FIN (packet 7), and read its FIN sent again from
    TIME-WAIT as a mere retransmission, TIME-WAIT (and its 2·MSL) from 1.1 s. The kernel was in
    CLOSING until the server's second ACK (packet 9): TIME-WAIT from 2.1 s, to 12.1 s."""
    conversation, client, summary = census(cli, capture(tmp_path, SIMULTANEOUS), "--interval", "0.5", "--msl", "5")
    assert conversation["states"]["client"] == ["SYN-SENT", "ESTABLISHED", "FIN-WAIT-1", "CLOSING", "TIME-WAIT"]
    assert client[1.0] == {"FIN-WAIT-1": 1}
    assert client[1.5] == {"TIME-WAIT": 1}  # written before packet 8 showed the loss
    assert client[2.0] == {"CLOSING": 1}  # after packet 8, before packet 9
    assert client[2.1] == {"TIME-WAIT": 1}
    assert summary["peaks"]["10.0.0.1"]["CLOSING"] == {"n": 1, "t": 2.0}
    assert summary["two_readings"] == 1 and summary["anomalies"] == {"retransmissions": 1}
    assert two_readings(conversation) == (
        "two readings: the client sends its FIN again (packet 8) after the capture showed the server acknowledge it "
        "(packet 6), so that acknowledgment had not reached it yet: it was lost after the capture point (the client "
        "was still in CLOSING until a later one arrived: the reading taken here), or this copy crossed it on the way "
        "(then the client was in TIME-WAIT from just after packet 8). The census lines from 1.100000 s to 2.000000 s, "
        "written before packet 8 showed this, count the client in FIN-WAIT-2 → TIME-WAIT"
    )
    assert "the capture ends with the client 10.0.0.1:49152 in TIME-WAIT: it ends at 12.100000 s" in " ".join(
        conversation["notes"]
    )


def test_linux_holds_that_time_wait_60_s_from_the_later_ack(cli, tmp_path: Path) -> None:
    conversation, client, _summary = census(
        cli, capture(tmp_path, SIMULTANEOUS), "--interval", "0.5", "--stack", "linux"
    )
    assert conversation["states"]["client"][-2:] == ["CLOSING", "TIME-WAIT"]
    assert client[2.0] == {"CLOSING": 1}
    assert "the client 10.0.0.1:49152 in TIME-WAIT: it ends at 62.100000 s" in " ".join(conversation["notes"])


def test_a_fin_sent_again_after_that_time_wait_ended_is_closing_too(cli, tmp_path: Path) -> None:
    """--msl 0.3: the census's TIME-WAIT from 1.1 s ends at 1.7 s (CLOSED) before the FIN copy at
    2.0 s. The copy still proves CLOSING: the note counts what the census said in between, CLOSED
    included, where it used to say the client "is CLOSED from then on"."""
    conversation, client, _summary = census(cli, capture(tmp_path, SIMULTANEOUS), "--interval", "0.5", "--msl", "0.3")
    assert conversation["states"]["client"][-2:] == ["CLOSING", "TIME-WAIT"]
    assert client[2.0] == {"CLOSING": 1} and client[2.1] == {"TIME-WAIT": 1}
    assert two_readings(conversation).endswith("count the client in FIN-WAIT-2 → TIME-WAIT → CLOSED")


def test_a_fin_sent_again_from_fin_wait_2_puts_its_sender_back_in_fin_wait_1(cli, tmp_path: Path) -> None:
    """The server's ACK of the client's FIN (packet 5) is lost, the server does not close yet: the
    client sends its FIN again from what the census took for FIN-WAIT-2. It was in FIN-WAIT-1 until
    the second ACK (packet 7, 2.1 s)."""
    conversation, client, summary = census(cli, capture(tmp_path, ALONE), "--interval", "0.5", "--msl", "5")
    assert conversation["states"]["client"] == ["SYN-SENT", "ESTABLISHED", "FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT"]
    assert client[1.5] == {"FIN-WAIT-2": 1}  # written before packet 6
    assert client[2.0] == {"FIN-WAIT-1": 1}
    assert client[2.5] == {"FIN-WAIT-2": 1}
    assert summary["two_readings"] == 1
    note = two_readings(conversation)
    assert "(packet 6) after the capture showed the server acknowledge it (packet 5)" in note
    assert "(the client was still in FIN-WAIT-1 until a later one arrived: the reading taken here)" in note
    assert "(then the client was in FIN-WAIT-2 from just after packet 6)" in note
    assert note.endswith(
        "The census lines from 1.100000 s to 2.000000 s, written before packet 6 showed this, "
        "count the client in FIN-WAIT-2"
    )


def test_after_linux_s_orphan_fin_wait_2_ended(cli, tmp_path: Path) -> None:
    """Linux ends an orphan's FIN-WAIT-2 after 60 s (tcp_fin_timeout): with the FIN copy 68 s
    later, the census had the client CLOSED from 61.1 s; it was in FIN-WAIT-1."""
    path = capture(tmp_path, ALONE, late=68.0, from_packet=6)
    conversation, client, _summary = census(cli, path, "--interval", "10", "--stack", "linux")
    assert client[60.0] == {"FIN-WAIT-2": 1} and client[70.0] == {"FIN-WAIT-1": 1}
    assert conversation["states"]["client"][-3:] == ["FIN-WAIT-1", "FIN-WAIT-2", "TIME-WAIT"]
    assert two_readings(conversation).endswith("count the client in FIN-WAIT-2 → CLOSED")


def test_a_model_the_core_cannot_rebuild_stays_and_says_so(
    cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Should the core not end where the side waited, the model stays as it was, and the note says
    what the census counts instead of claiming a state (it used to say "CLOSED from then on",
    untrue of a side the census had in TIME-WAIT)."""
    monkeypatch.setattr(Senders, "_rebuilt", lambda *_args: None)
    conversation, client, _summary = census(cli, capture(tmp_path, SIMULTANEOUS), "--interval", "0.5", "--msl", "5")
    assert conversation["states"]["client"][-2:] == ["FIN-WAIT-2", "TIME-WAIT"]
    assert client[2.0] == {"TIME-WAIT": 1}
    note = two_readings(conversation)
    assert "(the client was still waiting for it until a later one arrived)" in note
    assert note.endswith(
        "The census keeps the acknowledgment as received when it was captured: it counts the "
        "client in FIN-WAIT-2 → TIME-WAIT from then on"
    )
