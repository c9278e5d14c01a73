"""``tcpsim import``: the formats, the choice of stream, the app, and the layers."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path

import pytest
from capture_files import pcap, scenario_packets, two_streams
from textual.pilot import Pilot

from tcpsim.capture import import_capture
from tcpsim.capture.observer import CaptureNote
from tcpsim.capture.session import READ_ONLY, ImportSession
from tcpsim.core.states import State
from tcpsim.scenario import load_text, resolve
from tcpsim.ui.app import TcpsimApp
from tcpsim.ui.widgets.timeline import Timeline

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
LINUX = DATA / "linux-client-closes-lo.pcap"


def test_jsonl(cli) -> None:
    result = cli("import", LINUX, "--format", "jsonl")
    assert result.code == 0 and result.err == ""
    lines = [json.loads(line) for line in result.out.splitlines()]
    types = {line["type"] for line in lines}
    assert {"state", "send", "arrive", "call", "note", "timer"} <= types
    assert [line["to"] for line in lines if line["type"] == "state" and line["endpoint"] == "client"] == [
        "SYN-SENT",
        "ESTABLISHED",
        "FIN-WAIT-1",
        "TIME-WAIT",
        "CLOSED",
    ]


def test_text(cli) -> None:
    result = cli("import", LINUX, "--format", "text")
    flat = " ".join(result.out.split())
    assert result.code == 0
    assert "at the end of the capture" in flat and "client TIME-WAIT, server CLOSED" in flat
    assert "every segment is explained by the state machine" in flat
    assert "inferred: the server answered a SYN with SYN,ACK, so it was listening" in flat


def test_text_says_what_it_cannot_explain(cli, tmp_path: Path) -> None:
    path = tmp_path / "lost.pcap"
    path.write_bytes(pcap(scenario_packets("lost-fin"), 101))
    flat = " ".join(cli("import", path, "--format", "text", "--no-rules").out.split())
    assert "⚠ #6 (FIN,ACK seq=1004 ack=5001) is taken as lost" in flat  # one label format (issue 12)
    assert "1 note on what the state machine cannot explain" in flat


def test_tcpdump_and_mermaid(cli) -> None:
    tcpdump = cli("import", LINUX, "--format", "tcpdump").out.splitlines()
    assert tcpdump[0].startswith(f"# tcpsim import: {LINUX}, stream 0: client 127.0.0.1:")
    assert any(line.startswith("# ") and "note client (projection)" in line for line in tcpdump)
    mermaid = cli("import", LINUX, "--format", "mermaid").out.splitlines()
    assert mermaid[:4] == [
        "sequenceDiagram",
        f"    title {LINUX.name}, stream 0",
        "    participant Client",
        "    participant Server",
    ]
    assert any(line.startswith("    Note over Client,Server: t=0.000264 The capture ends") for line in mermaid)
    assert not any("e-0" in line for line in mermaid)


def test_several_streams_are_listed_and_the_first_shown(cli, tmp_path: Path) -> None:
    path = two_streams(tmp_path / "two.pcap")
    result = cli("import", path, "--format", "jsonl")
    assert result.code == 0
    err = " ".join(result.err.split())
    assert "2 TCP conversations; showing stream 0" in err
    assert "stream 0: 10.0.0.1:49152 <-> 10.0.0.2:80, 4 packets" not in err  # three-way-handshake has 3
    assert "stream 0: 10.0.0.1:49152 <-> 10.0.0.2:80, 3 packets, 0.000000 s to 0.200000 s" in err
    assert "stream 1: 10.0.0.1:49153 <-> 10.0.0.2:20480" not in err
    assert "stream 1:" in err
    sends = [json.loads(line) for line in result.out.splitlines() if '"send"' in line]
    assert len(sends) == 3


def test_stream_chooses_the_conversation(cli, tmp_path: Path) -> None:
    path = two_streams(tmp_path / "two.pcap")
    result = cli("import", path, "--stream", "1", "--format", "jsonl")
    assert result.code == 0 and result.err == ""
    states = [json.loads(line) for line in result.out.splitlines() if '"state"' in line]
    assert states[-1]["endpoint"] == "server" and states[-1]["from"] == "TIME-WAIT"
    bad = cli("import", path, "--stream", "2", "--format", "jsonl")
    assert bad.code == 2 and "there is no stream 2: the capture has 2 TCP conversations (0 to 1)" in bad.err


def test_msl(cli) -> None:
    out = cli("import", LINUX, "--format", "jsonl", "--msl", "2").out
    last = json.loads(out.splitlines()[-1])
    assert last["to"] == "CLOSED" and last["t"] == pytest.approx(4.000256)
    assert cli("import", LINUX, "--msl", "nan").code == 2


def test_without_format_the_app_opens(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """One conversation opens in the two-endpoint view (several open their census:
    tests/ui/test_census_screen.py)."""
    opened = []
    monkeypatch.setattr("tcpsim.ui.launch_import", lambda result, language: opened.append((result, language)) or 0)
    assert cli("import", LINUX, "--lang", "zh").code == 0
    ((result, language),) = opened
    assert language == "zh" and result.observation.end_states["client"] is State.TIME_WAIT


def test_capture_package_loads_no_ui_library() -> None:
    code = (
        "import sys, tcpsim.capture, tcpsim.capture.session, tcpsim.export.imported\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich'))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True)


# ---------------------------------------------------------------------------------------- the app
def drive(result, script, size=(120, 36)) -> TcpsimApp:
    app = TcpsimApp(session=ImportSession(result), clock=False)

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await script(app, pilot)
            await pilot.pause()

    asyncio.run(main())
    return app


def test_the_app_steps_through_an_import() -> None:
    result = import_capture(LINUX)

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        session = app.session
        assert session.now == 0.0 and session.view.endpoints["client"].state is State.CLOSED
        await pilot.press("n")
        assert session.view.endpoints["client"].state is State.SYN_SENT
        while not session.finished:
            await pilot.press("n")
        assert session.view.endpoints["client"].state is State.CLOSED  # 2·MSL after the capture
        await pilot.press("b")
        assert session.view.endpoints["client"].state is State.TIME_WAIT
        assert app.query_one("#timeline", Timeline).rows
        await pilot.press("r")
        assert session.now == 0.0 and len(session.trace) == result.observation.frames[0].trace_len

    drive(result, script)


def test_the_app_refuses_changes_to_an_import() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await pilot.press("o")
        await pilot.pause()
        assert any(READ_ONLY in str(n.message) for n in app._notifications)

    drive(import_capture(LINUX), script)


def test_notes_are_rows_of_the_timeline(tmp_path: Path) -> None:
    path = tmp_path / "lost.pcap"
    path.write_bytes(pcap(scenario_packets("lost-syn"), 101))
    result = import_capture(path)

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        while not app.session.finished:
            await pilot.press("n")
        rows = app.query_one("#timeline", Timeline).rows
        assert any(isinstance(row, CaptureNote) and row.kind == "lost" for row in rows)

    drive(result, script)


def test_loading_a_scenario_leaves_the_import() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        assert app.load_path(resolve("three-way-handshake"))
        assert type(app.session).__name__ == "Session"
        await pilot.press("n", "n")
        assert app.session.world.endpoints["server"].state is State.LISTEN

    drive(import_capture(LINUX), script)


def test_saving_an_import_writes_its_inferred_calls(tmp_path: Path) -> None:
    session = ImportSession(import_capture(LINUX))
    scenario = load_text(session.to_toml(), tmp_path / "saved.toml")
    # The listen comes first (issue 16, finding 10a): with latency 0, a SYN meets a closed port if
    # the connect runs before the listen at their common instant.
    assert [(s.on, s.do) for s in scenario.steps] == [
        ("server", "listen"),
        ("client", "connect"),
        ("client", "send"),
        ("server", "send"),
        ("client", "close"),
        ("server", "close"),
    ]
    assert scenario.client.address == "127.0.0.1"
