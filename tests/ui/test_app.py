"""The app driven like a user: keys through the Pilot, assertions on the session and the screen."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from storm_seeds import storm_seeds
from textual.pilot import Pilot

from tcpsim.core.states import State
from tcpsim.scenario import load_file, load_text, resolve, run
from tcpsim.ui.app import SPEEDS, TcpsimApp
from tcpsim.ui.screens.dialogs import Details, FaultMenu, Prompt, ScenarioInfo
from tcpsim.ui.screens.help import Help
from tcpsim.ui.screens.load import LoadScenario
from tcpsim.ui.widgets.timeline import Timeline

Script = Callable[[TcpsimApp, Pilot], Awaitable[None]]


def drive(script: Script, *, size: tuple[int, int] = (120, 36), scenario=None, clock: bool = False) -> TcpsimApp:
    app = TcpsimApp(scenario, clock=clock)

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await script(app, pilot)
            await pilot.pause()

    asyncio.run(main())
    return app


def state(app: TcpsimApp, name: str) -> State:
    return app.session.world.endpoints[name].state


async def handshake(app: TcpsimApp, pilot: Pilot) -> None:
    """From the sandbox: the server listens, the client connects, step until both are open."""
    await pilot.press("n", "o")
    for _ in range(12):
        if state(app, "client") is State.ESTABLISHED and state(app, "server") is State.ESTABLISHED:
            return
        await pilot.press("n")


def test_sandbox_opens_with_server_listening() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        assert app.session.scenario.name == "Sandbox"
        assert state(app, "server") is State.LISTEN
        assert state(app, "client") is State.CLOSED

    drive(script)


def test_open_send_close_from_both_sides() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await handshake(app, pilot)
        assert state(app, "client") is State.ESTABLISHED
        await pilot.press("s")
        assert isinstance(app.screen, Prompt)
        await pilot.press("ctrl+a", "ctrl+k", *"hi there", "enter")
        for _ in range(4):
            await pilot.press("n")
        assert bytes(app.session.world.endpoints["server"].received) == b"hi there"
        await pilot.press("c")
        assert state(app, "client") is State.FIN_WAIT_1
        await pilot.press("n", "n", "n")
        assert state(app, "server") is State.CLOSE_WAIT
        await pilot.press("tab", "c")
        assert app.focused_endpoint == "server"
        assert state(app, "server") is State.LAST_ACK
        while state(app, "server") is not State.CLOSED:
            await pilot.press("n")
        assert state(app, "client") is State.TIME_WAIT
        assert state(app, "server") is State.CLOSED

    drive(script)


def test_drop_the_last_ack_and_watch_time_wait_recover_it() -> None:
    """The issue's "done when": drop the last ACK; the FIN comes again; TIME-WAIT re-ACKs it."""

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await handshake(app, pilot)
        await pilot.press("c", "n", "n", "n", "n")  # client FIN, server ACK
        await pilot.press("tab", "c")  # server FIN
        await pilot.press("tab", "d")  # drop the next thing the client sends: the last ACK
        while state(app, "server") is not State.CLOSED and not app.session.finished:
            await pilot.press("n")
        trace = app.session.trace
        assert any(e.type == "drop" for e in trace)
        assert any(e.type == "timer" and e.name == "2msl" and e.action == "restart" for e in trace)
        assert state(app, "server") is State.CLOSED
        assert state(app, "client") is State.TIME_WAIT

    drive(script)


def test_back_rewinds_exactly() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await handshake(app, pilot)
        before = [e.to_dict() for e in app.session.trace]
        now = app.session.now
        depth = app.session.view.progress.done
        await pilot.press("n", "c", "n", "n")
        assert app.session.view.progress.done > depth
        for _ in range(app.session.view.progress.done - depth):
            await pilot.press("b")
        assert [e.to_dict() for e in app.session.trace] == before
        assert app.session.now == now
        for _ in range(40):
            await pilot.press("b")
        # Back to where the sandbox opened: the server's listen at t = 0 is not undone.
        assert [e.type for e in app.session.trace] == ["call", "state"]
        assert state(app, "server") is State.LISTEN

    drive(script)


def test_errors_are_notifications_and_nothing_is_lost() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await pilot.press("c")  # close a CLOSED client
        await pilot.press("f")  # retransmit with nothing outstanding
        await pilot.pause()
        messages = [n.message for n in app._notifications]
        assert "error: connection does not exist" in messages
        assert state(app, "client") is State.CLOSED
        await handshake(app, pilot)
        assert state(app, "client") is State.ESTABLISHED

    drive(script)


def test_abort_sends_rst() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await handshake(app, pilot)
        await pilot.press("a")
        assert state(app, "client") is State.CLOSED
        await pilot.press("n", "n")
        assert state(app, "server") is State.CLOSED
        assert any(e.type == "send" and e.segment.flag_text == "RST" for e in app.session.trace)

    drive(script)


def test_fault_menu_drops_duplicates_or_delays_a_segment_in_flight() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await pilot.press("n", "o")
        await pilot.press("x")
        assert isinstance(app.screen, FaultMenu)
        await pilot.press("u")  # duplicate the SYN
        assert any(e.type == "duplicate" for e in app.session.trace)
        await pilot.press("n", "n", "n")
        await pilot.press("x")
        await pilot.press("l")  # delay whatever is in flight now
        assert any(e.type == "delay" for e in app.session.trace)
        while not app.session.finished:
            await pilot.press("n")
        assert state(app, "client") is State.ESTABLISHED

    drive(script)


def test_fault_with_nothing_in_flight_warns() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await pilot.press("x")
        await pilot.pause()
        assert not isinstance(app.screen, FaultMenu)
        assert app._notifications

    drive(script)


def test_timeline_selection_and_details() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await handshake(app, pilot)
        timeline = app.query_one(Timeline)
        timeline.focus()
        await pilot.press("up", "up", "enter")
        assert isinstance(app.screen, Details)
        await pilot.press("escape")
        assert not isinstance(app.screen, Details)

    drive(script)


def test_speed_keys() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await pilot.press("plus", "plus", "plus")
        assert app.speed_index == 6
        await pilot.press("minus")
        assert SPEEDS[app.speed_index] == 1.0
        for _ in range(20):
            await pilot.press("minus")
        assert app.speed_index == 0

    drive(script)


def test_play_pause() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await pilot.press("minus", "minus", "minus", "minus")  # slowest: a hop takes seconds
        await pilot.press("n", "o", "space")
        assert app.playing
        await pilot.pause(0.4)
        await pilot.press("space")
        assert not app.playing
        assert app.session.now > 0

    drive(script, clock=True)


def test_restart_goes_back_to_zero() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await handshake(app, pilot)
        await pilot.press("r")
        assert app.session.now == 0 and [e.type for e in app.session.trace] == ["call", "state"]
        assert state(app, "server") is State.LISTEN and state(app, "client") is State.CLOSED

    drive(script)


def test_load_a_bundled_scenario_and_a_bad_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('name = "x"\n[[step]]\nat = 0\non = "client"\ndo = "connnect"\n')

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await pilot.press("l")
        assert isinstance(app.screen, LoadScenario)
        await pilot.press("escape")
        assert app.load_path(bad) is False  # a notification, and the app keeps its session
        await pilot.pause()
        assert any("did you mean 'connect'" in n.message for n in app._notifications)
        assert app.session.scenario.name == "Sandbox"
        path = resolve("three-way-handshake") if Path("scenarios/three-way-handshake.toml").exists() else None
        if path is not None:
            assert app.load_path(path)
            assert app.session.scenario.name == load_file(path).name

    drive(script)


def test_save_replays_to_the_same_result(tmp_path: Path) -> None:
    target = tmp_path / "saved.toml"

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await handshake(app, pilot)
        await pilot.press("d", "c")
        for _ in range(8):
            await pilot.press("n")
        await pilot.press("w")
        assert isinstance(app.screen, Prompt)
        await pilot.press("ctrl+a", "ctrl+k", *str(target), "enter")

    app = drive(script)
    result = run(load_text(target.read_text()), until=app.session.now)
    assert result.checks and result.ok, [c for c in result.checks if not c.ok]
    live = [e.to_dict() for e in app.session.trace if e.type in ("state", "send", "drop", "deliver")]
    replay = [e.to_dict() for e in result.trace if e.type in ("state", "send", "drop", "deliver")]
    assert replay == live


def test_views_help_and_relative_numbers() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await pilot.press("v")
        assert app.view == "diagram"
        await pilot.press("v")
        assert app.view == "timeline"
        await pilot.press("t")
        assert app.relative
        await pilot.press("question_mark")
        assert isinstance(app.screen, Help)
        await pilot.press("escape")
        await pilot.press("i")
        assert isinstance(app.screen, ScenarioInfo)
        await pilot.press("escape")
        await pilot.press("tab")
        assert app.focused_endpoint == "server"

    drive(script)


def test_compact_layout_at_80x24_and_log_view() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        assert app.screen.has_class("-compact")
        await handshake(app, pilot)
        await pilot.press("v", "v")
        assert app.view == "log"
        await pilot.press("v")
        assert app.view == "timeline"

    drive(script, size=(80, 24))


def test_command_palette_offers_the_commands() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert any(t.startswith("Step") for t in titles)
        assert any(t.startswith("Drop next") for t in titles)

    drive(script)


@pytest.mark.parametrize("seed", storm_seeds((0, 1, 2)))  # TCPSIM_STORM_SEED=random: a hunt (storm_seeds.py)
def test_random_keys_and_resizes_never_raise(seed: int) -> None:
    """150 random keys per seed, a resize every 30, three fixed seeds: 450 keys and 15 resizes in
    all. Until issue 12's suite work it was 250 a seed and a resize every 40 (750 keys, 21 resizes,
    about 5 s more CPU); each seed's shorter walk reaches less far from the sandbox, a trade made
    for the suite's time. tests/ui/test_storm.py covers the dialogs, typing and the running clock;
    ``TCPSIM_STORM_SEED=random`` hunts with new seeds (storm_seeds.py, README's long hunt)."""
    rng = random.Random(seed)
    keys = [*"nbocsadxfrtv", "tab", "plus", "minus", "escape", "enter", "up", "down", "question_mark"]
    sizes = [(40, 12), (80, 24), (120, 36), (200, 50), (60, 20)]

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        for i in range(150):
            if i % 30 == 0:
                await pilot.resize_terminal(*rng.choice(sizes))
            await pilot.press(rng.choice(keys))
        await pilot.pause()

    drive(script)
