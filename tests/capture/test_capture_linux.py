"""Real Linux connections: the import infers the states that ``ss`` showed for them.

Two sources: small captures made here and shipped in ``data/`` (Ethernet pcap from ``tcpdump -i
lo``, Linux cooked v2 in pcapng from ``tcpdump -i any`` through editcap, each with what ``ss -tan``
said right after the close, in ``data/expected.json``), and captures made now, in the test's
setup, with tcpdump on loopback (skipped when tcpdump cannot capture here).

Linux's TIME-WAIT is 60 s, 2·MSL with the default MSL of 30 s; a socket ``ss`` does not list is
CLOSED.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest
from capture_support import EXCHANGES, CaptureUnavailable, capture

from tcpsim.capture import import_capture
from tcpsim.capture.reader import endpoint_text
from tcpsim.export.imported import tcpdump_import_lines

DATA = Path(__file__).resolve().parent / "data"
EXPECTED = json.loads((DATA / "expected.json").read_text(encoding="utf-8"))
STATES_BY_EXCHANGE = {
    "client-closes": {"client": "TIME-WAIT", "server": "CLOSED"},
    "server-closes": {"client": "CLOSED", "server": "TIME-WAIT"},
    "client-resets": {"client": "CLOSED", "server": "CLOSED"},
}


def check_against_ss(path: Path, client: str, server: str, ss: dict[str, str], exchange: str) -> None:
    result = import_capture(path)
    obs = result.observation
    assert endpoint_text(obs.roles["client"]) == client
    assert endpoint_text(obs.roles["server"]) == server
    assert {name: state.value for name, state in obs.end_states.items()} == ss
    assert obs.problems == [], [n.text for n in obs.problems]
    if exchange == "client-resets":
        assert obs.states("client")[-1] == ("ESTABLISHED", "CLOSED")
        assert obs.states("server")[-1] == ("ESTABLISHED", "CLOSED")
    else:
        closer = "client" if exchange == "client-closes" else "server"
        assert obs.states(closer)[-1] == ("TIME-WAIT", "CLOSED")  # projected, 60 s after
        assert [n.kind for n in obs.notes] == ["projection"] and "60" in obs.notes[0].text


def test_the_shipped_captures_cover_pcap_and_pcapng() -> None:
    assert {Path(name).suffix for name in EXPECTED} == {".pcap", ".pcapng"}
    assert {record["exchange"] for record in EXPECTED.values()} == set(EXCHANGES)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_shipped_capture_matches_ss(name: str) -> None:
    record = EXPECTED[name]
    assert record["ss"] == STATES_BY_EXCHANGE[record["exchange"]]
    check_against_ss(DATA / name, record["client"], record["server"], record["ss"], record["exchange"])


@pytest.mark.parametrize("exchange", EXCHANGES)
def test_live_loopback_capture_matches_ss(tcpdump: str, tmp_path: Path, exchange: str) -> None:
    try:
        live = capture(exchange, tmp_path / f"{exchange}.pcap", tcpdump)
    except CaptureUnavailable as exc:
        pytest.skip(str(exc))
    assert live.ss == STATES_BY_EXCHANGE[exchange], live.ss_lines
    check_against_ss(Path(live.path), live.client, live.server, live.ss, exchange)


OPTIONS = re.compile(r", options \[[^\]]*\]")


@pytest.mark.parametrize("name", sorted(n for n in EXPECTED if n.endswith(".pcap")))
def test_tcpdump_format_prints_what_tcpdump_prints(tcpdump: str, name: str) -> None:
    """``--format tcpdump`` of a real capture: tcpdump's own lines (TCP options aside)."""
    command = [tcpdump, "-n", "-S", "-tt", "-r", str(DATA / name)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    result = import_capture(DATA / name)
    origin = result.observation.origin
    theirs = []
    for line in done.stdout.splitlines():
        stamp, rest = line.split(" ", 1)
        theirs.append((round(float(stamp) - origin, 6), OPTIONS.sub("", rest)))
    ours = []
    for line in tcpdump_import_lines(result):
        if not line.startswith("#"):
            stamp, rest = line.split(" ", 1)
            ours.append((float(stamp), rest))
    assert ours == theirs


def test_ipv6_and_a_refused_connection() -> None:
    """``tcpdump -i lo`` while a client talks to [::1] (the server closes first) and then connects
    to 127.0.0.1:1, where nothing listens."""
    path = DATA / "linux-ipv6-and-refused-lo.pcap"
    first = import_capture(path).observation
    assert first.roles["client"][0] == "::1"
    assert {n: s.value for n, s in first.end_states.items()} == {"client": "CLOSED", "server": "TIME-WAIT"}
    assert first.problems == []
    refused = import_capture(path, stream=1).observation
    assert refused.roles["server"] == ("127.0.0.1", 1)
    assert refused.states("client") == [("CLOSED", "SYN-SENT"), ("SYN-SENT", "CLOSED")]
    assert refused.states("server") == [] and refused.problems == []
