"""Issue 11, what a new user reads first: the status line while the sandbox waits for them, and the
help's account of time travel and of the diagram. Each test failed before its fix."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable

from rich.console import Console
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Label, Static

from tcpsim import i18n
from tcpsim.core.states import State
from tcpsim.ui.app import TcpsimApp
from tcpsim.ui.screens.help import Help

Script = Callable[[TcpsimApp, Pilot], Awaitable[None]]


def drive(script: Script, *, size: tuple[int, int] = (120, 36)) -> TcpsimApp:
    app = TcpsimApp(clock=False)

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await script(app, pilot)

    asyncio.run(main())
    return app


def status(app: TcpsimApp) -> str:
    return str(app.query_one("#status", Static).render())


def test_8_the_sandbox_status_line_never_says_nothing_is_left_while_the_user_can_act() -> None:
    seen: list[str] = []

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        seen.append(status(app))  # the server listens, the client waits for o
        await pilot.press("o")
        while app.session.view.endpoints["server"].state is not State.ESTABLISHED:
            await pilot.press("n")
        await pilot.press("n")  # nothing more: the connection is open and idle
        await pilot.pause()
        seen.append(status(app))

    drive(script)
    for line in seen:
        assert "nothing left to happen" not in line, line
        assert "your move" in line, line


def test_8_a_dead_end_toast_is_withdrawn_once_the_user_acts() -> None:
    """Seen in tmux: "The connection is open and idle: s sends data, c closes it" stayed on screen
    after c, above the FIN-WAIT-2 dead end's own toast."""
    shown: list[list[str]] = []

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await pilot.press("o")
        while app.session.view.endpoints["server"].state is not State.ESTABLISHED:
            await pilot.press("n")
        await pilot.press("n")  # nothing more: the connection is open and idle
        await pilot.pause()
        shown.append([n.message for n in app._notifications])
        await pilot.press("c")
        await pilot.pause()
        shown.append([n.message for n in app._notifications])
        while app.session.step():
            pass
        await pilot.press("n")  # the next dead end: the server's application must close
        await pilot.pause()
        shown.append([n.message for n in app._notifications])

    drive(script)
    idle, closing, stuck = shown
    assert any("open and idle" in m for m in idle), idle
    assert not any("open and idle" in m for m in closing), closing
    dead_ends = [m for m in stuck if m.startswith("Nothing more will happen")]
    assert len(dead_ends) == 1 and "must close" in dead_ends[0], stuck


def test_8_the_status_line_says_your_move_in_chinese_too() -> None:
    i18n.set_language("zh")
    try:
        lines: list[str] = []

        async def script(app: TcpsimApp, pilot: Pilot) -> None:
            lines.append(status(app))

        drive(script)
        assert "轮到你" in lines[0], lines[0]
    finally:
        i18n.set_language("en")


def test_help_explains_time_travel_and_the_diagram() -> None:
    texts: list[str] = []

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, Help)
        console = Console(width=100, record=True, file=io.StringIO())
        for node in app.screen.query("Label, Static"):
            assert isinstance(node, Label | Static)
            console.print(node.content if not isinstance(node.content, str) else Text(node.content))
        texts.append(console.export_text())

    drive(script)
    text = " ".join(texts[0].split())
    assert "Time travel" in text and "replay the same future, your own actions included" in text
    assert "The state diagram" in text and "RFC 9293 Figure 5" in text
