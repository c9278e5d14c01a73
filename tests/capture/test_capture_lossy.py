"""Real Linux connections that lose a segment after the capture point: the census and the
one-conversation import end where ``ss`` is, and read the loss as the kernel lived it.

Issue 14: the census must be "correct on what real captures hold", and where the packets fit two
readings, say so. Two losses a capture point cannot see were read wrong:

- a lost SYN,ACK: the census took the captured SYN,ACK as received, then read the client's SYN
  sent again as a new connection over a half-open one (client states SYN-SENT, ESTABLISHED,
  CLOSED, SYN-SENT, ESTABLISHED and a half-open anomaly). The kernel's client stayed SYN-SENT.
- a lost final ACK: the census counted the server CLOSED from the captured ACK, also after the
  server sent its FIN again, which it does only from LAST-ACK.

The captures are made by lossy_support.py (namespaces, a router that drops the segment after
tcpdump saw it): shipped in data/ with what ``ss -tan`` said (lossy.json), and made again here when
this machine can (root, namespaces, tc).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from capture_support import CaptureUnavailable
from lossy_support import LOSSES, capture

from tcpsim.capture import import_capture
from tcpsim.capture.reader import endpoint_text

DATA = Path(__file__).resolve().parent / "data"
SHIPPED = json.loads((DATA / "lossy.json").read_text(encoding="utf-8"))
EXPECTED = {
    "lost-syn-ack": {"client": "ESTABLISHED", "server": "ESTABLISHED"},
    "lost-final-ack": {"client": "TIME-WAIT", "server": "CLOSED"},
}


def lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def check(cli, path: Path, record: dict) -> dict:
    """The census and the one-conversation import against ``ss``; returns the conversation's line."""
    loss, client, server, ss = record["loss"], record["client"], record["server"], record["ss"]
    assert ss == EXPECTED[loss]
    found = lines(cli("import", path, "--all", "--format", "jsonl").out)
    (conversation,) = [line for line in found if line["type"] == "conversation"]
    summary = found[-1]
    assert (conversation["client"], conversation["server"]) == (client, server)
    assert conversation["final"] == ss
    last = {line["host"]: line["counts"] for line in found if line["type"] == "census" and line["t"] == summary["end"]}
    kernel: dict[str, dict[str, int]] = {}
    for name, address in (("client", client), ("server", server)):
        if ss[name] != "CLOSED":
            states = kernel.setdefault(address.rsplit(":", 1)[0], {})
            states[ss[name]] = states.get(ss[name], 0) + 1
    assert {host: counts for host, counts in last.items() if counts} == kernel
    assert "half-open" not in summary["anomalies"]
    result = import_capture(path)  # the one-conversation import agrees
    obs = result.observation
    assert (endpoint_text(obs.roles["client"]), endpoint_text(obs.roles["server"])) == (client, server)
    assert {name: state.value for name, state in obs.end_states.items()} == ss
    for name in ("client", "server"):
        entered = [obs.states(name)[0][0], *(new for _old, new in obs.states(name))]
        while entered[-1] != ss[name]:  # a TIME-WAIT's end, projected past the capture
            entered.pop()
        census = conversation["states"][name]
        assert entered[-len(census) :] == census, (name, entered, census)
    return conversation


def check_lost_syn_ack(conversation: dict) -> None:
    assert conversation["states"]["client"] == ["SYN-SENT", "ESTABLISHED"]
    assert conversation["states"]["server"] == ["LISTEN", "SYN-RECEIVED", "ESTABLISHED"]
    (note,) = [n for n in conversation["notes"] if "SYN,ACK" in n]
    assert note.startswith("packet 2, the server's SYN,ACK, was lost on its way after the capture point")
    assert "The client stayed SYN-SENT until the copy" in note


def check_lost_final_ack(conversation: dict) -> None:
    assert conversation["states"]["server"][-2:] == ["LAST-ACK", "CLOSED"]
    assert conversation["states"]["client"][-1] == "TIME-WAIT"
    (note,) = [n for n in conversation["notes"] if n.startswith("two readings")]
    assert "the server sends its FIN again" in note and "the server was still in LAST-ACK" in note


CHECKS = {"lost-syn-ack": check_lost_syn_ack, "lost-final-ack": check_lost_final_ack}


def test_both_losses_are_shipped() -> None:
    assert sorted(record["loss"] for record in SHIPPED.values()) == sorted(LOSSES)


@pytest.mark.parametrize("name", sorted(SHIPPED))
def test_shipped_lossy_capture_matches_ss(cli, name: str) -> None:
    record = SHIPPED[name]
    CHECKS[record["loss"]](check(cli, DATA / name, record))


@pytest.mark.parametrize("loss", LOSSES)
def test_live_lossy_capture_matches_ss(cli, tcpdump: str, tmp_path: Path, loss: str) -> None:
    try:
        live = capture(loss, tmp_path / f"{loss}.pcap", tcpdump)
    except CaptureUnavailable as exc:
        pytest.skip(str(exc))
    record = {"loss": live.loss, "client": live.client, "server": live.server, "ss": live.ss}
    CHECKS[loss](check(cli, Path(live.path), record))
