"""What start-up leaves out, and that it is all still there when asked for.

The app reaches its first frame sooner by composing less (the state diagram waits for ``v``), by
styling its screen and panes once (their first classes are given before they mount) and by
showing fewer keys in the footer (BENCHMARKS.md, "UI start-up"). These tests check that the
deferred parts arrive when used and that nothing a user can reach was lost on the way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot

from tcpsim.core.states import State
from tcpsim.scenario import load_file, resolve
from tcpsim.ui.app import TcpsimApp
from tcpsim.ui.commands import COMMANDS
from tcpsim.ui.screens.dialogs import Prompt
from tcpsim.ui.widgets.diagram import DiagramCanvas, StateDiagram
from tcpsim.ui.widgets.endpoint import EndpointPane
from tcpsim.ui.widgets.footer import KeyBar

Script = Callable[[TcpsimApp, Pilot], Awaitable[None]]


def drive(script: Script, *, size: tuple[int, int] = (120, 36), scenario_name: str | None = None) -> None:
    scenario = load_file(resolve(scenario_name)) if scenario_name else None
    app = TcpsimApp(scenario, clock=False)

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await script(app, pilot)

    asyncio.run(main())


def test_the_state_diagram_is_composed_on_first_view_and_painted() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        assert not app.query(StateDiagram)
        assert app.screen.has_class("-view-timeline")
        await pilot.press("v")
        await pilot.pause()
        assert app.view == "diagram"
        assert app.screen.has_class("-view-diagram") and not app.screen.has_class("-view-timeline")
        canvas = app.query_one(DiagramCanvas)
        assert canvas.layout_in_use is not None
        assert {box.state for box in canvas.layout_in_use.boxes} == set(State)
        assert canvas.lit(State.CLOSED) == {"client"}
        assert canvas.lit(State.LISTEN) == {"server"}
        await pilot.press("v", "n", "o", "v")  # back to the timeline, act, then the same diagram again
        await pilot.pause()
        assert len(app.query(StateDiagram)) == 1
        assert canvas.lit(State.SYN_SENT) == {"client"}

    drive(script)


def test_the_panes_start_focused_and_coloured_as_before() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        client, server = app.query_one("#client", EndpointPane), app.query_one("#server", EndpointPane)
        assert client.has_class("-focused") and not server.has_class("-focused")
        # The focused pane says what its keys would do now (a line inside it, never cut); the other is quiet.
        assert client.hint_text and not server.hint_text
        assert app.query_one("#client-state").has_class("-closed")
        assert app.query_one("#server-state").has_class("-opening")  # LISTEN
        await pilot.press("tab")
        assert server.has_class("-focused") and not client.has_class("-focused")

    drive(script)


def test_the_footer_shows_the_main_keys_and_every_command_stays_reachable() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        # One widget for the whole key bar (where Textual's footer mounts one per key), every footer
        # command in it at 120 columns.
        bar = app.query_one(KeyBar)
        shown, _, palette = bar.keys_for(app.size.width)
        assert {c.action for c in shown} == {c.action for c in COMMANDS if c.footer} and palette
        assert 8 <= len(shown) <= 10
        line = str(bar.render())
        assert all(f"{c.shown_key} {c.label}" in line for c in shown)
        palette = {command.title for command in app.get_system_commands(app.screen)}
        for command in COMMANDS:
            if command.action != "quit":
                assert f"{command.label} ({command.shown_key})" in palette
        bound = {binding.action for binding in app.BINDINGS}  # type: ignore[union-attr]
        assert bound >= {c.action for c in COMMANDS}

    drive(script)


def test_export_pcap_from_the_app_loads_the_writer_when_asked(tmp_path: Path) -> None:
    target = tmp_path / "handshake.pcap"

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        for _ in range(6):
            await pilot.press("n")
        await pilot.press("p")
        assert isinstance(app.screen, Prompt)
        await pilot.press("ctrl+a", "ctrl+k", *str(target), "enter")
        await pilot.pause()

    drive(script, scenario_name="three-way-handshake")
    assert target.read_bytes()[:4] == b"\xd4\xc3\xb2\xa1"  # a little-endian pcap, with packets after
    assert target.stat().st_size > 24


def test_the_welcome_toast_comes_once_the_screen_is_drawn() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await pilot.pause()
        welcome = [n for n in app._notifications if n.title == app.session.scenario.name]
        assert len(welcome) == 1
        assert "n step · space play" in welcome[0].message

    drive(script)


def test_the_collector_waits_for_the_first_frame_and_no_longer() -> None:
    """tcpsim.ui.quiet_start holds the cyclic collector off while the app starts: the app turns it
    back on once its first frame is drawn, and leaving the launcher does, whatever happened."""
    import gc

    from tcpsim.ui import quiet_start

    assert gc.isenabled()
    with quiet_start():
        assert not gc.isenabled()

        async def script(app: TcpsimApp, pilot: Pilot) -> None:
            assert gc.isenabled()  # drive() waits for the first frame

        drive(script)
        gc.disable()
    assert gc.isenabled()
    try:
        with quiet_start():
            raise ValueError("a file that cannot be opened")
    except ValueError:
        pass
    assert gc.isenabled()
