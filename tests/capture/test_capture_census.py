"""``tcpsim import FILE --all``: every conversation, the census over time, against what Linux says.

The live test makes a capture of many connections at once on loopback (``census_support``) and
reads ``ss -tan`` just before tcpdump stops: the census's last line for each host must count the
sockets ``ss`` lists in each state, and each conversation must end in the states ``ss`` shows for
its two ends. The other tests check the line formats issue 14 spells out, the CSV, ``--interval``,
and the errors.
"""

from __future__ import annotations

import json
import math
import random
import re
from pathlib import Path

import census_synth
import fuzz_capture
import pytest
from capture_files import pcap, scenario_packets
from capture_support import CaptureUnavailable
from census_support import CensusCapture, capture_many, recorded
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.cells import cell_len

from tcpsim.capture.census import Census
from tcpsim.capture.census_records import CENSUS_STATES, ConversationRecord, Sample
from tcpsim.capture.census_writers import _line
from tcpsim.capture.files import CaptureError

DATA = Path(__file__).resolve().parent / "data"
LINUX = DATA / "linux-client-closes-lo.pcap"
CONVERSATION_KEYS = ["type", "id", "client", "server", "first", "last", "packets", "states", "final", "notes"]
CENSUS_KEYS = ["type", "t", "host", "counts"]


def lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


@pytest.fixture(scope="module", params=["recorded", "live"])
def many(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> CensusCapture:
    """Many real Linux connections at once: the one in data/ (made by ``census_support.py
    --per-kind 6 --pace 0.05 --record``: 52 conversations over 10.8 s, what the README shows), and
    one made now, where tcpdump can run."""
    if request.param == "recorded":
        return recorded(DATA / "linux-busy-lo.pcap")
    try:
        return capture_many(tmp_path_factory.mktemp("census") / "many.pcap", request.getfixturevalue("tcpdump"))
    except CaptureUnavailable as exc:
        pytest.skip(str(exc))


@pytest.mark.parametrize("stack", ["rfc9293", "linux"])
def test_the_census_ends_where_ss_is(cli, many: CensusCapture, stack: str) -> None:
    result = cli("import", many.path, "--all", "--format", "jsonl", "--stack", stack)
    assert result.code == 0, result.err
    found = lines(result.out)
    summary = found[-1]
    assert summary["type"] == "summary" and summary["broken"] is None
    last = {line["host"]: line["counts"] for line in found if line["type"] == "census" and line["t"] == summary["end"]}
    assert {host: counts for host, counts in last.items() if counts} == many.counts(), _disagreement(found, many)
    assert set(many.counts()) == {"127.0.0.1", "127.0.0.2", "127.0.0.3", "127.0.0.4"}
    kinds = {state for counts in many.counts().values() for state in counts}
    assert {"ESTABLISHED", "TIME-WAIT", "CLOSE-WAIT", "FIN-WAIT-2"} <= kinds


def _disagreement(found: list[dict], many: CensusCapture) -> str:
    """Where the census and ss part, said in full: the live capture is made anew each run (and
    deleted after it), so a failure in CI must carry what it takes to tell which reading was wrong."""
    out = [f"ss: {sorted(many.sockets)}"]
    for line in found:
        if line["type"] in ("conversation", "anomaly"):
            out.append(json.dumps(line))
    return "\n".join(out)


@pytest.mark.parametrize("stack", ["rfc9293", "linux"])
def test_each_conversation_ends_as_ss_shows_it(cli, many: CensusCapture, stack: str) -> None:
    found = lines(cli("import", many.path, "--all", "--format", "jsonl", "--stack", stack).out)
    conversations = [line for line in found if line["type"] == "conversation"]
    assert sorted(c["id"] for c in conversations) == list(range(len(conversations)))
    by_tuple: dict[tuple[str, str], list[dict]] = {}
    for conv in sorted(conversations, key=lambda c: c["id"]):
        by_tuple.setdefault((conv["client"], conv["server"]), []).append(conv)
    for (client, server), convs in by_tuple.items():
        *earlier, latest = convs
        expected = {"client": many.state_of(client, server), "server": many.state_of(server, client)}
        assert latest["final"] == expected, latest
        for conv in earlier:  # a 4-tuple used again: the old connection is gone
            assert conv["final"] == {"client": "CLOSED", "server": "CLOSED"}, conv
    # The two reused 4-tuples are two conversations each; the connections open before the capture
    # began are there, started in their middle, with a note.
    assert sum(len(convs) == 2 for convs in by_tuple.values()) == 2
    middle = [c for c in conversations if c["notes"] and "middle of this connection" in c["notes"][0]]
    assert len(middle) == 6
    assert all(c["states"]["client"][0] == "ESTABLISHED" for c in middle)
    anomalies = {line["kind"] for line in found if line["type"] == "anomaly"}
    assert {"port-reuse", "syn-to-time-wait"} <= anomalies


def test_the_line_formats(cli) -> None:
    """The conversation and census lines exactly as issue 14 spells them."""
    result = cli("import", LINUX, "--all", "--format", "jsonl")
    assert result.code == 0 and result.err == ""
    raw = result.out.splitlines()
    found = [json.loads(line) for line in raw]
    conversations = [line for line in found if line["type"] == "conversation"]
    census = [line for line in found if line["type"] == "census"]
    assert len(conversations) == 1
    conv = conversations[0]
    assert list(conv) == CONVERSATION_KEYS
    assert conv["id"] == 0 and conv["packets"] == 10 and conv["first"] == 0.0
    assert conv["client"] == "127.0.0.1:54990" and conv["server"] == "127.0.0.1:40299"
    assert conv["states"] == {
        "client": ["SYN-SENT", "ESTABLISHED", "FIN-WAIT-1", "TIME-WAIT"],
        "server": ["LISTEN", "SYN-RECEIVED", "ESTABLISHED", "CLOSE-WAIT", "LAST-ACK", "CLOSED"],
    }
    assert conv["final"] == {"client": "TIME-WAIT", "server": "CLOSED"}
    assert all(list(line) == CENSUS_KEYS for line in census)
    assert census[0] == {"type": "census", "t": 0.0, "host": "127.0.0.1", "counts": {"SYN-SENT": 1}}
    # Once at the end of the capture, t = the last packet: the TIME-WAIT counts until its 2·MSL ends.
    assert census[-1] == {"type": "census", "t": conv["last"], "host": "127.0.0.1", "counts": {"TIME-WAIT": 1}}
    compact = [json.dumps(line, separators=(",", ":"), ensure_ascii=False) for line in found]
    assert raw == compact  # one object a line, as issue 14 writes them
    assert found[-1]["type"] == "summary"


def test_interval_and_csv(cli, tmp_path: Path) -> None:
    path = tmp_path / "close.pcap"
    path.write_bytes(pcap(scenario_packets("active-close-client"), 101))
    found = lines(cli("import", path, "--all", "--format", "jsonl", "--interval", "0.5").out)
    census = [line for line in found if line["type"] == "census"]
    end = found[-1]["end"]
    times = sorted({line["t"] for line in census})
    assert times[:-1] == [i * 0.5 for i in range(len(times) - 1)] and times[-1] == end
    csv = cli("import", path, "--all", "--format", "csv", "--interval", "0.5")
    assert csv.code == 0
    rows = [row.split(",") for row in csv.out.splitlines()]
    assert rows[0] == ["t", "host", *CENSUS_STATES]
    assert len(rows) - 1 == len(census)
    for row, line in zip(rows[1:], census, strict=True):
        assert float(row[0]) == line["t"] and row[1] == line["host"]
        assert {s: int(n) for s, n in zip(CENSUS_STATES, row[2:], strict=True) if int(n)} == line["counts"]
    # every two seconds: fewer lines, the same end
    coarse = [line for line in lines(cli("import", path, "--all", "--format", "jsonl", "--interval", "2").out)]
    assert sorted({line["t"] for line in coarse if line["type"] == "census"})[-1] == end


def test_a_time_wait_counts_until_its_2msl_ends(cli, tmp_path: Path) -> None:
    """With a short MSL the TIME-WAIT is over before the capture ends: the census shows it gone."""
    path = tmp_path / "close.pcap"
    path.write_bytes(pcap(scenario_packets("active-close-client"), 101))
    found = lines(cli("import", path, "--all", "--format", "jsonl", "--msl", "0.01").out)
    census = [line for line in found if line["type"] == "census"]
    assert census[-1]["counts"] == {}  # the host had endpoints at the census before, none now
    conv = next(line for line in found if line["type"] == "conversation")
    assert conv["states"]["client"][-2:] == ["TIME-WAIT", "CLOSED"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--all", "--stream", "0"], "--stream picks one conversation"),
        (["--format", "csv"], "--format csv applies to --all"),
        (["--interval", "2"], "--interval applies to --all"),
        (["--all", "--format", "tcpdump"], "--all prints --format text, jsonl or csv"),
    ],
)
def test_options_that_do_not_go_together(cli, args: list[str], message: str) -> None:
    result = cli("import", LINUX, *args)
    assert result.code == 2 and result.out == ""
    assert message in result.err and "Traceback" not in result.err


@pytest.mark.parametrize("value", ["0", "-1", "nan", "soon", "1e-9"])
def test_a_bad_interval(cli, value: str) -> None:
    result = cli("import", LINUX, "--all", "--interval", value)
    assert result.code == 2 and "--interval" in result.err and "Traceback" not in result.err


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_not_a_capture(cli, tmp_path: Path, fmt: str) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello\n")
    result = cli("import", path, "--all", "--format", fmt)
    assert result.code == 2 and result.out == ""
    assert f"{path}: not a pcap or pcapng capture" in result.err and "Traceback" not in result.err


def test_a_truncated_capture(cli, tmp_path: Path) -> None:
    """The census of what comes before the break is printed, then the error, located; exit 2."""
    path = tmp_path / "cut.pcap"
    path.write_bytes(LINUX.read_bytes()[:-30])
    result = cli("import", path, "--all", "--format", "jsonl")
    assert result.code == 2
    assert "the file is truncated" in result.err and "packet 10" in result.err
    assert "the census above covers the packets before it" in result.err
    summary = lines(result.out)[-1]
    assert summary["type"] == "summary" and summary["packets"] == 9 and summary["broken"]


def test_no_tcp(cli, tmp_path: Path) -> None:
    path = tmp_path / "empty.pcap"
    path.write_bytes(pcap([], 101))
    result = cli("import", path, "--all", "--format", "jsonl")
    assert result.code == 2 and result.out == "" and "no TCP segment" in result.err


# ---------------------------------------------------------------------------------------- text
def test_text_is_the_default(cli, many: CensusCapture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    result = cli("import", many.path, "--all", "--stack", "linux")
    assert result.code == 0, result.err
    out = result.out
    assert all(cell_len(line) <= 100 for line in out.splitlines())
    assert "Census over time" in out and "Conversations that matter" in out and "Summary" in out
    for host, counts in many.counts().items():  # each host charted, each state's count at the end
        assert f"\n{host}\n" in out
        for state, n in counts.items():
            assert re.search(rf"\n  {state} +[ ▁▂▃▄▅▆▇█]+ \d+ \([0-9.]+\) · {n}\n", out), (host, state)
    established = sum(n for counts in many.counts().values() for s, n in counts.items() if s == "ESTABLISHED")
    assert f"never closed (open at the end of the capture): {established // 2}" in out
    assert "syn-to-time-wait at" in out and "port-reuse at" in out


def test_text_names_a_lost_segment(cli, tmp_path: Path) -> None:
    """The FIN sent again while its first copy was on its way: lost, and the server's CLOSE-WAIT
    begins when the copy that arrived did, not at the lost one."""
    path = tmp_path / "lost.pcap"
    path.write_bytes(pcap(scenario_packets("lost-fin"), 101))
    out = " ".join(cli("import", path, "--all", "--interval", "0.1").out.split())
    assert "retransmitting: 1" in out
    assert "1 segment sent again (1 while unacknowledged)" in out
    assert "stuck in CLOSE-WAIT" not in out  # 0.5 s between the FIN that arrived and the server's
    found = lines(cli("import", path, "--all", "--format", "jsonl").out)
    (anomaly,) = [line for line in found if line["type"] == "anomaly"]
    assert anomaly["kind"] == "retransmissions" and anomaly["packets"] == [7] and anomaly["t"] == 2.0


def test_a_long_census_fits_its_columns(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """260 censuses in 40 columns: merged two by two, each column the most of its stretch."""
    monkeypatch.setenv("COLUMNS", "80")
    path = tmp_path / "close.pcap"
    path.write_bytes(pcap(scenario_packets("active-close-client"), 101))
    out = cli("import", path, "--all", "--interval", "0.01").out
    assert all(cell_len(line) <= 80 for line in out.splitlines()), out
    step = float(re.search(r"one column = ([0-9.]+) s", " ".join(out.split())).group(1))
    assert step in (0.04, 0.08)
    assert re.search(r"\n  TIME-WAIT +[ ▁▂▃▄▅▆▇█]+ 1 \([0-9.]+\) · 1\n", out)


def test_text_in_chinese(cli, many: CensusCapture, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    result = cli("--lang", "zh", "import", many.path, "--all")
    assert result.code == 0
    assert all(cell_len(line) <= 80 for line in result.out.splitlines())
    assert "状态普查" in result.out and "值得关注的会话" in result.out and "摘要" in result.out
    jsonl = cli("--lang", "zh", "import", many.path, "--all", "--format", "jsonl").out
    assert "中途" not in jsonl and "middle of this connection" in jsonl  # JSON lines stay English


# ---------------------------------------------------------------------------------------- anomalies
def anomalies(cli, path: Path, *args: str) -> list[dict]:
    result = cli("import", path, "--all", "--format", "jsonl", *args)
    assert result.code == 0, result.err
    return [line for line in lines(result.out) if line["type"] == "anomaly"]


def test_a_time_wait_pile_up(cli, tmp_path: Path) -> None:
    """1,100 connections from one client that closes first: 1,100 TIME-WAITs on it at once."""
    path = tmp_path / "pile.pcap"
    census_synth.write(path, 1100, hosts=1)
    (pile,) = [a for a in anomalies(cli, path) if a["kind"] == "time-wait-pile-up"]
    assert pile["host"] == "10.1.0.0"
    assert "TIME-WAIT piles up on 10.1.0.0: 1,100 endpoints at once" in pile["text"]
    assert "local ports 1024 to 2123, toward 10.0.0.1:40299" in pile["text"]
    assert len(pile["packets"]) == 1  # where the first TIME-WAIT began


def test_an_rst_storm(cli, tmp_path: Path) -> None:
    """300 connections a second from one client, each reset by it: a storm of RSTs from that host."""
    path = tmp_path / "storm.pcap"
    census_synth.write(path, 600, hosts=1, rate=300.0, source=DATA / "linux-client-resets-lo.pcap")
    (storm,) = [a for a in anomalies(cli, path) if a["kind"] == "rst-storm"]
    assert storm["host"] == "10.1.0.0"
    # Each RST comes 23 ms after its connection's SYN: the last 4 fall in the third second, which,
    # with fewer than 100, is not part of the storm.
    assert storm["text"].startswith("10.1.0.0 sent 596 RSTs in 2 s (from 0 s), at least 100 a second")
    assert len(storm["packets"]) == 8 and storm["conversations"][:2] == [0, 1]


def test_a_close_wait_that_lasts(cli, tmp_path: Path) -> None:
    """The server's application closes 1.9 s after the client did (the capture stretched 100,000 times)."""
    path = tmp_path / "slow.pcap"
    census_synth.write(path, 1, stretch=100_000.0)
    found = lines(cli("import", path, "--all", "--format", "jsonl").out)
    (wait,) = [a for a in found if a["type"] == "anomaly" and a["kind"] == "close-wait"]
    assert wait["host"] == "10.0.0.1" and wait["packets"] == [8, 9]
    assert wait["text"].startswith("the server 10.0.0.1:40299 stayed in CLOSE-WAIT for ")
    summary = found[-1]
    assert summary["matters"] == {"close-wait": 1}


def test_a_half_open_connection(cli, tmp_path: Path) -> None:
    """A SYN answered, the handshake never completed: the server holds an embryonic connection."""
    cut = census_synth.head(DATA / "linux-client-closes-lo.pcap", 2, tmp_path / "cut.pcap")
    found = lines(cli("import", cut, "--all", "--format", "jsonl").out)
    (half,) = [a for a in found if a["type"] == "anomaly"]
    assert half["kind"] == "half-open" and half["packets"] == [1]
    assert "answered a SYN (packet 1) and the handshake never completed" in half["text"]
    conv = next(line for line in found if line["type"] == "conversation")
    assert conv["final"] == {"client": "SYN-SENT", "server": "SYN-RECEIVED"}


class _Null:
    """A sink that checks each line can be written, and keeps nothing."""

    def conversation(self, record: object) -> None:
        json.dumps(record.to_json(), allow_nan=False)  # type: ignore[attr-defined]

    sample = anomaly = summary = conversation


def test_mutated_captures_are_counted_or_refused_and_nothing_else(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The census reads what the capture fuzzer's seeds become when mutated: a census or a
    CaptureError, never another exception (tcpsim's own decoder bugs raise: TCPSIM_STRICT)."""
    monkeypatch.setenv("TCPSIM_STRICT", "1")
    rng = random.Random(14)
    corpus = fuzz_capture.seeds()
    path = tmp_path / "mutated"
    read = refused = 0
    for i in range(300):
        seed = corpus[i % len(corpus)]
        data = fuzz_capture.mutate_inside(seed, rng) if i % 2 else fuzz_capture.mutate(seed, rng)
        path.write_bytes(data)
        for stack in ("rfc9293", "linux"):
            try:
                Census(str(path), _Null(), stack=stack, interval=0.25).run()
                read += 1
            except CaptureError:
                refused += 1
    assert read > 100 and refused > 10


def test_a_year_without_packets_is_not_a_flood_of_lines(cli, tmp_path: Path) -> None:
    """A connection open across a year-long gap (or a timestamp a year ahead): the censuses that
    could only repeat the one before are left out but the last before the next packet, and counted."""
    frames = scenario_packets("active-close-client")
    path = tmp_path / "year.pcap"
    path.write_bytes(pcap(frames[:4] + [(t + 3.15e7, frame) for t, frame in frames[4:]], 101))
    found = lines(cli("import", path, "--all", "--format", "jsonl", "--interval", "0.25").out)
    census = [line for line in found if line["type"] == "census"]
    assert len(census) < 50
    assert found[-1]["quiet"] > 3.15e7 * 4 - 20  # nearly every quarter of a second of the year
    before = [line for line in census if 3.15e7 - 1 < line["t"] < 3.15e7 + 1]  # the last before the gap ends
    assert {line["host"]: line["counts"] for line in before} == {
        "10.0.0.1": {"ESTABLISHED": 1},
        "10.0.0.2": {"ESTABLISHED": 1},
    }
    assert census[-1]["t"] == found[-1]["end"]
    conv = next(line for line in found if line["type"] == "conversation")
    assert conv["final"] == {"client": "TIME-WAIT", "server": "CLOSED"}


def test_a_host_that_empties_and_fills_again(cli, tmp_path: Path) -> None:
    """Three connections from one client, 100 s apart: its TIME-WAITs end between them, so the host
    is left with no endpoint twice with the same peaks (a traceback, comparing their dicts, before)."""
    path = tmp_path / "sparse.pcap"
    census_synth.write(path, 3, hosts=1, rate=0.01)
    result = cli("import", path, "--all", "--format", "jsonl")
    assert result.code == 0, result.err
    summary = lines(result.out)[-1]
    assert summary["peaks"]["10.1.0.0"] == {"SYN-SENT": {"n": 1, "t": 0.0}, "TIME-WAIT": {"n": 1, "t": 1.0}}


def test_times_are_never_written_in_exponent_form() -> None:
    """A loopback capture lasts under a millisecond: its census said "one column = 2e-05 s"."""
    from tcpsim.capture.census_text import seconds

    assert [seconds(v) for v in (0.0, 2e-05, 5e-05, 0.000225, 1.5, 26.4, 3600.0)] == [
        "0",
        "0.00002",
        "0.00005",
        "0.000225",
        "1.5",
        "26.4",
        "3,600",
    ]


_texts = st.text(max_size=30)  # any text: quotes, backslashes, control characters, non-ASCII
_times = st.floats(min_value=0, max_value=1e10, allow_nan=False)


@settings(max_examples=200)
@given(
    st.integers(min_value=0, max_value=10**12),
    _texts,
    _texts,
    _times,
    _times,
    st.integers(min_value=0, max_value=10**9),
    st.lists(st.sampled_from(CENSUS_STATES), max_size=8),
    st.lists(_texts, max_size=3),
)
def test_a_conversation_line_is_what_json_dumps_writes(
    ident: int, client: str, server: str, first: float, last: float, packets: int, states: list[str], notes: list[str]
) -> None:
    """The conversation and census lines are spelt out for speed (``json_line``): the same text as
    the json module writes for the record's ``to_json()``."""
    record = ConversationRecord(
        ident,
        client,
        server,
        first,
        last,
        packets,
        {"client": states, "server": states[::-1]},
        {"client": "CLOSED", "server": client},
        notes,
    )
    assert record.json_line() == _line(record.to_json())


@settings(max_examples=200)
@given(_times, _texts, st.dictionaries(st.sampled_from(CENSUS_STATES), st.integers(min_value=0, max_value=10**6)))
def test_a_census_line_is_what_json_dumps_writes(t: float, host: str, counts: dict[str, int]) -> None:
    sample = Sample(t, host, counts)
    assert sample.json_line() == _line(sample.to_json())


def test_a_time_json_cannot_write_is_refused_as_json_refuses_it() -> None:
    for t in (math.inf, math.nan):
        with pytest.raises(ValueError):
            _line(Sample(t, "h", {}).to_json())
        with pytest.raises(ValueError):
            Sample(t, "h", {}).json_line()
