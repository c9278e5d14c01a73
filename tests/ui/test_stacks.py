"""Stack personalities in the app, driven like a user (issue 13): ``tcpsim --stack NAME``, the
``k`` key's chooser, which stack is playing on screen, the rules in the event log, a capture
observed again, and a packetdrill script in the app (``tcpsim FILE.pkt``)."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from tcpsim import cli
from tcpsim.core.states import State
from tcpsim.scenario.view import SessionProtocol
from tcpsim.ui.app import TcpsimApp
from tcpsim.ui.opening import OpenError, open_session
from tcpsim.ui.screens.stacks import StackChooser
from tcpsim.ui.widgets.endpoint import EndpointPane
from tcpsim.ui.widgets.eventlog import EventLog
from tcpsim.ui.widgets.timeline import Timeline

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "tests" / "packetdrill" / "scripts"
CAPTURE = ROOT / "tests" / "capture" / "data" / "linux-client-closes-lo.pcap"

Script = Callable[[TcpsimApp, Pilot], Awaitable[None]]


def drive(session: SessionProtocol, script: Script, size: tuple[int, int] = (120, 36)) -> TcpsimApp:
    app = TcpsimApp(session=session, clock=False)

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await script(app, pilot)
            await pilot.pause()

    asyncio.run(main())
    return app


def status(app: TcpsimApp) -> str:
    return app._status_line


def titles(app: TcpsimApp) -> dict[str, str]:
    return {str(p.endpoint_name): str(p.border_title) for p in app.query(EndpointPane)}


def toasts(app: TcpsimApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


def rendered(renderable: object) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text().strip()


def prompt_text(options: OptionList, index: int) -> str:
    return rendered(options.get_option_at_index(index).prompt)


def log_rows(app: TcpsimApp) -> list[str]:
    log = app.query_one("#log", EventLog)
    return [log.row_text(row, 400).plain for row in range(len(log.positions))]


async def step_until(app: TcpsimApp, pilot: Pilot, t: float) -> None:
    for _ in range(200):
        if app.session.view.t >= t or app.session.view.finished:
            return
        await pilot.press("n")


def test_tcpsim_stack_linux_opens_the_scenario_as_linux_and_says_so() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        assert app.session.view.stack == "linux"
        assert "Active close by the client · stack linux · t =" in status(app)
        assert titles(app) == {"client": "client", "server": "server"}  # one stack: the status line says it
        await step_until(app, pilot, 1.14)
        # the rule that fired is in the event log where it fired: Linux's delayed ACK of the FIN (L5)
        rows = log_rows(app)
        assert any("delayed ACK timer set" in r and "linux L5:" in r for r in rows), rows
        assert any("sends #7 ACK" in r and "linux L5:" in r for r in rows), rows

    drive(open_session("active-close-client", "linux"), script)


def test_the_default_stack_is_not_named_on_the_status_line() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        assert app.session.view.stack == "rfc9293"
        assert "stack" not in status(app)

    drive(open_session("active-close-client"), script)


def test_k_offers_the_four_stacks_with_the_one_playing_marked_and_plays_the_session_again() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await step_until(app, pilot, 1.2)
        t = app.session.view.t
        await pilot.press("k")
        assert isinstance(app.screen, StackChooser)
        options = app.screen.query_one("#stack-list", OptionList)
        assert [options.get_option_at_index(i).id for i in range(options.option_count)] == [
            "rfc9293",
            "rfc793",
            "linux",
            "freebsd",
        ]
        assert options.highlighted == 2  # linux, playing now
        assert [i for i in range(4) if "(playing now)" in prompt_text(options, i)] == [2]
        assert prompt_text(options, 2).startswith("● 3 linux")
        await pilot.press("escape")
        assert not isinstance(app.screen, StackChooser) and app.session.view.stack == "linux"
        await pilot.press("k", "down", "enter")  # the one after linux: freebsd
        await pilot.pause()
        view = app.session.view
        assert view.stack == "freebsd" and view.t == t
        assert "· stack freebsd ·" in status(app)
        said = toasts(app)
        assert any(s.startswith("Stack freebsd: Played again as freebsd:") for s in said), said
        await pilot.press("k", "1")  # a digit chooses at once: back to the default
        await pilot.pause()
        assert app.session.view.stack == "rfc9293" and "stack" not in status(app)
        assert any("None of its rules" not in s for s in toasts(app))

    drive(open_session("active-close-client", "linux"), script)


def test_a_stack_whose_rules_fired_is_named_with_them_and_old_failures_are_gone() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await step_until(app, pilot, 1.2)
        await pilot.press("k", "3")  # linux
        await pilot.pause()
        said = toasts(app)
        assert any("Its rules that fired so far: L1, L5" in s or "Its rules that fired so far: L5" in s for s in said)
        # the scenario's expectations were written for RFC 9293: under linux one fails, and says so
        assert app.session.view.checks.failed
        assert any(s.startswith("✗ expect #3") for s in said), said
        await pilot.press("k", "1")
        await pilot.pause()
        assert not app.session.view.checks.failed
        assert not [s for s in toasts(app) if s.startswith("✗")]  # linux's failures were of linux's story

    drive(open_session("active-close-client"), script)


def test_user_actions_survive_a_new_stack_and_r_restarts_as_it() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await pilot.press("o")  # the sandbox: connect
        for _ in range(6):
            await pilot.press("n")
        states = {name: ep.state for name, ep in app.session.view.endpoints.items()}
        assert states == {"client": State.ESTABLISHED, "server": State.ESTABLISHED}
        await pilot.press("k", "3")
        await pilot.pause()
        assert app.session.view.stack == "linux"
        assert {name: ep.state for name, ep in app.session.view.endpoints.items()} == states
        await pilot.press("r")
        view = app.session.view
        assert view.stack == "linux" and view.t == 0.0
        assert view.endpoints["client"].state is State.CLOSED and view.endpoints["server"].state is State.LISTEN

    drive(open_session(None), script)


def test_the_sandbox_opens_as_the_stack_asked_for_with_its_server_listening() -> None:
    session = open_session(None, "freebsd")
    assert session.view.stack == "freebsd"
    assert session.view.endpoints["server"].state is State.LISTEN


def test_each_pane_names_its_stack_when_the_two_differ(tmp_path: Path) -> None:
    text = (ROOT / "scenarios" / "active-close-client.toml").read_text(encoding="utf-8")
    path = tmp_path / "mixed.toml"
    path.write_text(text.replace("[client]\n", '[client]\nstack = "linux"\n', 1), encoding="utf-8")

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        assert titles(app) == {"client": "client · linux", "server": "server · rfc9293"}
        assert "· stack client linux/server rfc9293 ·" in status(app)
        await pilot.press("k")
        assert isinstance(app.screen, StackChooser)
        options = app.screen.query_one("#stack-list", OptionList)
        assert not [i for i in range(4) if "●" in prompt_text(options, i)]  # neither one is playing alone
        await pilot.press("4")
        await pilot.pause()
        assert titles(app) == {"client": "client", "server": "server"}
        assert "· stack freebsd ·" in status(app)

    drive(open_session(str(path)), script)


def test_a_capture_is_observed_again_as_another_stack() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        for _ in range(3):
            await pilot.press("n")
        await pilot.press("k")
        assert isinstance(app.screen, StackChooser)
        assert "observed again" in rendered(app.screen.query_one("#stack-what", Static).content)
        await pilot.press("3")
        await pilot.pause()
        assert app.session.view.stack == "linux" and app.session.view.source == "capture"
        assert "· stack linux ·" in status(app)
        assert any(s.startswith("Stack linux: Observed again as linux") for s in toasts(app))
        await pilot.press("c")  # still a record
        await pilot.pause()
        assert app.session.view.stack == "linux"

    drive(open_session(str(CAPTURE)), script)


def test_a_packetdrill_script_in_the_app_each_line_as_it_holds() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        assert titles(app) == {"client": "client · remote peer: the script", "server": "server · under test: linux"}
        assert app.focused_endpoint == "server"  # the stack under test has the focus, and the hint
        assert str(app.query_one("#client-state").render()) == "REMOTE PEER"
        assert "linux under test" in status(app) and "0/19 lines" in status(app)
        for _ in range(5):
            await pilot.press("n")
        assert "5/19 lines" in status(app)
        timeline = app.query_one("#timeline", Timeline)
        rows = [timeline.row_text(r, 100).plain for r in range(len(timeline.positions))]
        assert any("✓ line 9: +0    listen(3, 1) = 0" in r for r in rows), rows
        await pilot.press("c")
        await pilot.pause()
        assert any("drives both endpoints" in s for s in toasts(app))
        while not app.session.view.finished:
            await pilot.press("n")
        await pilot.press("n")
        assert any("every line holds" in s for s in toasts(app))
        assert "checks 19/19 ✓" in status(app)  # every line but the 15 option, comment and blank ones
        await pilot.press("k", "4")
        await pilot.pause()
        assert app.session.view.stack == "freebsd" and "freebsd under test" in status(app)
        assert titles(app)["server"] == "server · under test: freebsd"

    drive(open_session(str(SCRIPTS / "passive-close-delayed-ack.pkt"), "linux"), script)


def test_a_script_line_that_fails_is_announced_where_and_why() -> None:
    text = (SCRIPTS / "passive-close.pkt").read_text(encoding="utf-8").replace("> . 1:1(0) ack 2", "> F. 1:1(0) ack 2")

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        while not app.session.view.finished:
            await pilot.press("n")
        await pilot.pause()
        (failed,) = app.session.view.checks.failed
        assert any(s.startswith(f"✗ line {failed.index}: +0    > F. 1:1(0) ack 2") for s in toasts(app))
        assert "✗" in status(app)
        await pilot.press("n")
        assert any(f"The script stops at line {failed.index}" in s for s in toasts(app))

    from tcpsim.packetdrill.session import ScriptSession

    drive(ScriptSession(text, "bad.pkt"), script)


def test_a_script_opens_from_the_load_dialog(tmp_path: Path) -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        assert app.load_path(SCRIPTS / "passive-open.pkt")
        await pilot.pause()
        assert app.session.view.source == "script" and app.focused_endpoint == "server"
        bad = tmp_path / "bad.pkt"
        bad.write_bytes(b"0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3\n")
        assert app.load_path(bad) is False
        await pilot.pause()
        assert any("bad.pkt:1: unsupported:" in s for s in toasts(app))
        assert app.session.view.source == "script"

    drive(open_session(None), script)


def test_a_script_that_cannot_be_opened_or_a_define_without_one_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.pkt"
    bad.write_text("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 poll(3) = 0\n", encoding="utf-8")
    with pytest.raises(OpenError, match=r"bad\.pkt:2: unsupported"):
        open_session(str(bad))
    assert cli.main([str(bad)]) == 2
    assert "bad.pkt:2: unsupported" in capsys.readouterr().err
    assert cli.main(["-D", "X", "active-close-client"]) == 2
    assert "-D/--define applies to packetdrill scripts" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        cli.main(["--stack", "linx"])
    assert exited.value.code == 2
    assert "did you mean linux" in capsys.readouterr().err
