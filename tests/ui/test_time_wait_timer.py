"""TIME-WAIT's timer is named as the stack playing the endpoint has it (issue 11, Speed's neighbour
in "smaller"): RFC 9293 waits 2·MSL and calls the timer 2MSL; Linux waits a fixed 60 s
(TCP_TIMEWAIT_LEN) whatever the MSL, so under ``--stack linux`` the pane, the timeline, the event
log and the details say TIME-WAIT and 60 s, never 2·MSL (with the default MSL of 30 s both last
60 s, and the pane said "2·MSL" under Linux too), in English and in Chinese."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

from rich.console import Console
from textual.pilot import Pilot
from textual.widgets import Static

from tcpsim import i18n
from tcpsim.core.states import State
from tcpsim.ui.app import TcpsimApp
from tcpsim.ui.opening import open_session
from tcpsim.ui.screens.dialogs import Details
from tcpsim.ui.widgets.eventlog import EventLog
from tcpsim.ui.widgets.timeline import Timeline

ROOT = Path(__file__).resolve().parents[2]


def text(renderable: object) -> str:
    console = Console(width=200, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def rows(app: TcpsimApp, widget: type[EventLog | Timeline]) -> list[str]:
    shown = app.query_one(widget)
    return [shown.row_text(row, 400).plain for row in range(len(shown.positions))]


async def close_both(app: TcpsimApp, pilot: Pilot[None]) -> None:
    """The sandbox: connect, the client closes, the server closes at once: the client's TIME-WAIT."""
    await pilot.press("o", *"nnnnnn", "c", "n", "n", "tab", "c")
    for _ in range(10):
        if app.session.view.endpoints["client"].state is State.TIME_WAIT:
            break
        await pilot.press("n")
    assert app.session.view.endpoints["client"].state is State.TIME_WAIT
    await pilot.pause()


def run(stack: str | None, checks: list[tuple[str, list[str], list[str]]]) -> None:
    """Drive the sandbox under ``stack`` through the client's TIME-WAIT and past it; collect what
    the pane, the log and the timeline say, and the details of the timer's expiry."""
    app = TcpsimApp(session=open_session(None, stack), clock=False)

    async def main() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await close_both(app, pilot)
            pane = text(app.query_one("#client-body", Static).content)
            log_in_wait = rows(app, EventLog)
            for _ in range(10):  # the server's last ACK arrives, then TIME-WAIT ends
                await pilot.press("n")
                if app.session.view.endpoints["client"].state is State.CLOSED:
                    break
            await pilot.pause()
            log, timeline = rows(app, EventLog), rows(app, Timeline)
            expiry = next(i for i, r in enumerate(log) if "expired" in r or "到期" in r)
            log_widget = app.query_one(EventLog)
            log_widget.focus()
            log_widget.select_position(log_widget.positions[expiry])
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, Details)
            details = "\n".join(text(shown.content) for shown in app.screen.query(Static))
            checks.extend([("pane", [pane], []), ("log", log_in_wait + log, []), ("timeline", timeline, [details])])

    asyncio.run(main())


def said(checks: list[tuple[str, list[str], list[str]]]) -> str:
    return "\n".join(line for _, lines, more in checks for line in lines + more)


def two_msl(everything: str) -> list[str]:
    """Where the timer or its length is called 2MSL (the why column's citations of RFC 9293's rules,
    "start 2MSL", stay as the RFC words them: the next line cites the stack's own rule)."""
    words = ("2MSL timer", "2MSL wait", "2MSL expired", "2MSL RESTARTED", "Timeout=2MSL", "2·MSL", "2MSL 定时器")
    return [line for line in everything.splitlines() if any(w in line for w in words)]


def test_under_linux_the_time_wait_timer_is_the_stacks_60_s_not_2msl() -> None:
    checks: list[tuple[str, list[str], list[str]]] = []
    run("linux", checks)
    assert not two_msl(said(checks))
    pane = checks[0][1][0]
    assert "◔ TIME-WAIT 60 s" in pane, pane
    log = checks[1][1]
    assert any("TIME-WAIT timer set: it expires at t = 60.600 s" in r and "linux L6" in r for r in log), log
    assert any("TIME-WAIT timer expired" in r for r in log), log
    assert any("TIME-WAIT → CLOSED on Timeout=60 s" in r for r in log), log
    timeline = checks[2][1]
    assert any("◔ TIME-WAIT until t = 60.6 s" in r for r in timeline), timeline
    assert any("◔ TIME-WAIT expired" in r for r in timeline), timeline
    assert "TIME-WAIT timer expired" in checks[2][2][0]  # the details of the expiry


def test_under_rfc9293_it_is_2msl() -> None:
    checks: list[tuple[str, list[str], list[str]]] = []
    run(None, checks)  # the sandbox's MSL is 5 s
    pane, log, timeline = checks[0][1][0], checks[1][1], checks[2][1]
    assert "◔ TIME-WAIT 2·MSL" in pane, pane
    assert any("2MSL timer set: it expires at t = 10.600 s" in r for r in log), log
    assert any("TIME-WAIT → CLOSED on Timeout=2MSL" in r for r in log), log
    assert any("◔ 2MSL wait until t = 10.6 s" in r for r in timeline) and any("◔ 2MSL expired" in r for r in timeline)


def test_with_an_msl_of_30_s_linux_s_60_s_is_still_not_2msl(tmp_path: Path) -> None:
    """2·MSL and Linux's TIME-WAIT both last 60 s here: the pane named Linux's 2·MSL (it compared
    the lengths)."""
    toml = (ROOT / "scenarios" / "simultaneous-close.toml").read_text(encoding="utf-8")
    scenario = tmp_path / "msl30.toml"
    scenario.write_text(toml.replace("msl = 5.0", "msl = 30.0"), encoding="utf-8")
    said: dict[str | None, str] = {}
    for stack in (None, "linux"):
        app = TcpsimApp(session=open_session(str(scenario), stack), clock=False)

        async def main(app: TcpsimApp = app, stack: str | None = stack) -> None:
            async with app.run_test(size=(120, 36)) as pilot:
                for _ in range(30):
                    if app.session.view.endpoints["client"].state is State.TIME_WAIT:
                        break
                    await pilot.press("n")
                await pilot.pause()
                assert app.session.view.endpoints["client"].time_wait == 60.0
                said[stack] = text(app.query_one("#client-body", Static).content)

        asyncio.run(main())
    assert "◔ TIME-WAIT 2·MSL" in said[None], said[None]
    assert "◔ TIME-WAIT 60 s" in said["linux"] and not two_msl(said["linux"]), said["linux"]


def test_in_chinese_too() -> None:
    i18n.set_language("zh")
    try:
        checks: list[tuple[str, list[str], list[str]]] = []
        run("linux", checks)
    finally:
        i18n.set_language("en")
    assert not two_msl(said(checks))
    log = checks[1][1]
    assert any("TIME-WAIT 定时器到期" in r for r in log), log
    assert any("Timeout=60 秒" in r for r in log), log
