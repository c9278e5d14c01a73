"""``tcpsim run … --pcap FILE --capture-point … --format tcpdump|mermaid``, and the UI's ``p``."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from export_support import read_pcap, result_of
from tcpsim_cli import CliResult

from tcpsim.export import pcap_bytes

Cli = Callable[..., CliResult]


def test_pcap_is_written_beside_the_usual_output(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "lost-fin.pcap"
    result = cli("run", "lost-fin", "--pcap", target)
    assert result.code == 0, result.err
    assert "Lost FIN" in result.out  # the ladder still prints
    result_ = result_of("lost-fin")
    assert target.read_bytes() == pcap_bytes(result_.trace, result_.scenario)
    _, packets = read_pcap(target.read_bytes())
    assert len(packets) == 10


def test_capture_point_receiver(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "rx.pcap"
    assert cli("run", "lost-fin", "--pcap", target, "--capture-point", "receiver", "--format", "jsonl").code == 0
    _, packets = read_pcap(target.read_bytes())
    assert len(packets) == 9


def test_until_cuts_the_capture(cli: Cli, tmp_path: Path) -> None:
    target = tmp_path / "early.pcap"
    assert cli("run", "lost-fin", "--until", "0.15", "--pcap", target, "--format", "jsonl").code == 0
    assert len(read_pcap(target.read_bytes())[1]) == 2


def test_an_unwritable_pcap_is_bad_input(cli: Cli, tmp_path: Path) -> None:
    for target in (tmp_path / "no" / "such" / "dir.pcap", tmp_path):
        result = cli("run", "lost-fin", "--pcap", target)
        assert result.code == 2
        assert result.out == ""
        assert result.err.startswith(f"tcpsim: error: cannot write the pcap to {target}: ")
        assert "Traceback" not in result.err


def test_an_unwritable_pcap_never_shows_a_traceback(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "x.pcap"
    done = subprocess.run(
        [sys.executable, "-m", "tcpsim.cli", "run", "lost-syn", "--pcap", str(target), "--format", "tcpdump"],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "No such file or directory" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout == ""


def test_a_bad_capture_point_is_bad_input(cli: Cli) -> None:
    result = cli("run", "lost-fin", "--capture-point", "middle")
    assert result.code == 2 and "--capture-point" in result.err


def test_format_tcpdump(cli: Cli) -> None:
    result = cli("run", "three-way-handshake", "--format", "tcpdump")
    assert result.code == 0, result.err
    segments = [line for line in result.out.splitlines() if not line.startswith("# ")]
    assert segments[0] == "0.000000 IP 10.0.0.1.49152 > 10.0.0.2.80: Flags [S], seq 1000, win 65535, length 0"
    assert len(segments) == 3
    rx = cli("run", "lost-syn", "--format", "tcpdump", "--capture-point", "receiver")
    assert "0.000000 IP" not in rx.out and "1.100000 IP 10.0.0.1.49152 > 10.0.0.2.80: Flags [S]," in rx.out


def test_format_tcpdump_keeps_the_exit_code_of_a_failed_expectation(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "fails.toml"
    path.write_text(
        'name = "x"\n[[step]]\nat = 0\non = "server"\ndo = "listen"\n[[expect]]\nat = 1\nserver = "CLOSED"\n'
    )
    result = cli("run", path, "--format", "tcpdump")
    assert result.code == 1
    assert "# 1.000000 expect #1 FAILED: expected server is CLOSED, but it is LISTEN" in result.out


def test_format_mermaid(cli: Cli) -> None:
    result = cli("run", "lost-syn", "--format", "mermaid")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "sequenceDiagram"
    assert "    Client-xServer: t=0 SYN seq=1000 (lost)" in lines


def test_the_ui_exports_the_session_so_far(tmp_path: Path) -> None:
    from textual.widgets import Input

    from tcpsim.scenario import load_file, resolve
    from tcpsim.ui.app import TcpsimApp
    from tcpsim.ui.screens.dialogs import Prompt

    target = tmp_path / "ui.pcap"
    app = TcpsimApp(load_file(resolve("lost-fin")), clock=False)
    messages: list[tuple[str, str]] = []

    async def main() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            for _ in range(6):
                await pilot.press("n")
            await pilot.press("p")
            assert isinstance(app.screen, Prompt)
            app.screen.query_one(Input).value = str(target)
            await pilot.press("enter")
            await pilot.pause()
            messages.extend((n.message, n.severity) for n in app._notifications)
            await pilot.press("p")
            app.screen.query_one(Input).value = str(tmp_path / "no" / "x.pcap")
            await pilot.press("enter")
            await pilot.pause()
            messages.extend((n.message, n.severity) for n in app._notifications)
            assert app.session.trace

    asyncio.run(main())
    _, packets = read_pcap(target.read_bytes())
    sent = [e for e in app.session.trace if e.type in ("send", "inject")]
    assert 0 < len(packets) == len(sent)
    assert any("packets written to" in m and s == "information" for m, s in messages), messages
    assert any("No such file or directory" in m and s == "error" for m, s in messages), messages


def test_the_exporters_load_no_ui_library() -> None:
    code = (
        "import sys, tcpsim.export\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich', 'scapy'))\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
