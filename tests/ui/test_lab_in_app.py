"""The TIME-WAIT lab reached from the app: ``L`` opens it over the two-endpoint view, escape comes
back to that view as it was, and ``tcpsim load --ui`` opens the app on the lab alone.

The lab screen itself (its figures, keys and settings) is tested in test_lab_screen.py; here, what
joins it to the app: the command catalogue, the keys and the palette that must not reach the hidden
session, and memory over a long run inside the running app.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import tracemalloc
from collections.abc import Awaitable, Callable

from rich.cells import cached_cell_len
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Static

from tcpsim.cli import parser
from tcpsim.core.states import State
from tcpsim.lab.model import LoadConfig
from tcpsim.lab.settings import PRESETS, default_config, parse_settings
from tcpsim.ui import lab_app
from tcpsim.ui.app import TcpsimApp
from tcpsim.ui.commands import COMMANDS
from tcpsim.ui.screens.help import Help
from tcpsim.ui.screens.lab import HISTORY, LoadLabScreen

Script = Callable[[TcpsimApp, Pilot], Awaitable[None]]

SESSION_KEYS = ("o", "a", "x", "f", "b", "t", "v", "w", "i", "l", "L", "s", "question_mark", "tab", "space")
"""Two-endpoint keys that the lab does not bind itself: none may reach the hidden session."""


def run(app: TcpsimApp, script: Script, size: tuple[int, int] = (120, 36)) -> None:
    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            app.clear_notifications()
            await script(app, pilot)

    asyncio.run(main())
    assert app._exception is None, app._exception


def view_of(app: TcpsimApp) -> tuple[object, ...]:
    """Everything the two-endpoint view holds: the session and its state, and the view settings."""
    s = app.session
    eps = s.world.endpoints
    return (
        s,
        s.scenario,
        s.now,
        tuple(s.trace),
        eps["client"].state,
        eps["server"].state,
        app.playing,
        app.focused_endpoint,
        app.view,
        app.relative,
        app.speed_index,
    )


async def busy(app: TcpsimApp, pilot: Pilot) -> None:
    """A session with something to lose: connected, time moved on."""
    await pilot.press("o")
    for _ in range(4):
        await pilot.press("n")
    assert app.session.world.endpoints["client"].state is State.ESTABLISHED


def test_L_is_one_command_in_the_catalogue_with_chinese_and_in_help() -> None:
    (lab,) = [c for c in COMMANDS if c.action == "load_lab"]
    assert lab.key == "L" and not lab.footer  # start-up builds one widget per footer key
    load = next(c for c in COMMANDS if c.action == "load")
    assert "capture" in load.description  # `l` opens captures as well

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await pilot.press("question_mark")
        assert isinstance(app.screen, Help)
        text = " ".join(
            strip.text
            for w in app.screen.query(Static)
            for strip in w.render_lines(Region(0, 0, w.outer_size.width, w.outer_size.height))
        )
        assert "L The TIME-WAIT lab, live" in " ".join(text.split())
        assert "or a capture (pcap, pcapng)" in " ".join(text.split())

    run(TcpsimApp(clock=False), script)


def test_L_opens_the_lab_and_escape_comes_back_to_the_session_unchanged() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await busy(app, pilot)
        await pilot.press("space")  # playing: the lab stops the hidden clock
        home = app.screen
        await pilot.press("L")
        lab = app.screen
        assert isinstance(lab, LoadLabScreen)
        assert lab.config == default_config() == parse_settings(LoadConfig(rate=1, duration=1), PRESETS[0])
        assert lab.paused and lab.lab.now == 0  # the app's clock is off in tests: so is the lab's
        assert app.playing is False
        before = view_of(app)
        lab.advance(130)
        lab._show_all()
        await pilot.press("n")  # the lab's own step: one chart column, not a session event
        assert lab.lab.now > 130 and lab.lab.sample().time_wait_client > 6_000 * 0.9 * 2 / 3
        assert "TIME-WAIT lab" in str(lab.query_one("#lab-status", Static).render())
        for key in SESSION_KEYS:
            await pilot.press(key)
            assert app.screen is lab, f"{key} opened {app.screen!r} over the lab"
        assert app.screen_stack == [home, lab]
        assert view_of(app) == before, "a key reached the hidden session"
        await pilot.press("escape")
        assert app.screen is home and not lab.is_attached
        assert view_of(app) == before
        await pilot.press("c")  # the two-endpoint keys work again
        assert app.session.world.endpoints["client"].state is State.FIN_WAIT_1
        await pilot.press("L")  # and the lab opens afresh
        assert isinstance(app.screen, LoadLabScreen) and app.screen is not lab and app.screen.lab.now == 0
        await pilot.press("q")  # q leaves the lab, not the app
        assert app.screen is home and app.is_running

    run(TcpsimApp(clock=False), script)


def test_the_palette_offers_the_lab_and_never_the_session_commands_over_it() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        home = app.screen
        titles = [c.title for c in app.get_system_commands(home)]
        assert "TIME-WAIT lab (L)" in titles and "Step (n)" in titles
        await pilot.press("L")
        lab = app.screen
        over_lab = [c.title for c in app.get_system_commands(lab)]
        ours = {f"{c.label} ({c.shown_key})" for c in COMMANDS}
        assert over_lab and not ours & set(over_lab), over_lab  # Textual's own: theme, keys, quit…
        # The palette, opened over the lab and asked for a session command, finds nothing to run.
        before = view_of(app)
        await pilot.press("ctrl+p")
        await pilot.press(*"step")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("escape")
        assert app.screen is lab and view_of(app) == before
        await pilot.press("escape")
        assert app.screen is home
        # From the two-endpoint view, the palette opens the lab.
        await pilot.press("ctrl+p")
        await pilot.press(*"TIME-WAIT lab")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, LoadLabScreen)

    run(TcpsimApp(clock=False), script)


def test_a_resize_under_the_lab_lays_out_the_view_it_comes_back_to() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        home = app.screen
        assert not home.has_class("-compact")
        await pilot.press("L")
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert app.screen.has_class("-narrow")
        await pilot.press("escape")
        assert app.screen is home and home.has_class("-compact")
        main = home.query_one("#main")
        assert main.children.index(home.query_one("#server")) < main.children.index(home.query_one("#centre"))

    run(TcpsimApp(clock=False), script)


# ---------------------------------------------------------------------------------------- tcpsim load --ui
def load_args(*options: str) -> argparse.Namespace:
    return parser().parse_args(["load", "--ui", *options])


def test_load_ui_opens_the_app_on_the_lab_with_the_options_and_leaving_it_ends_the_app() -> None:
    args = load_args("--rate", "500", "--duration", "30", "--msl", "10", "--ports", "1000-1999", "--closer", "server")
    app = lab_app(args, clock=False)

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        lab = app.screen
        assert isinstance(lab, LoadLabScreen)
        assert lab.config == LoadConfig(rate=500, duration=30, msl=10, ports=(1000, 1999), closer="server")
        assert not app._notifications  # no welcome toast for a sandbox nobody asked for
        lab.advance(25)
        lab._show_all()
        await pilot.pause()
        sample = lab.lab.sample()
        assert sample.time_wait_server > 0 and sample.time_wait_client == 0  # the server closes first
        await pilot.press("escape")
        await pilot.pause()
        assert not app.is_running

    run(app, script)


def test_load_ui_q_ends_the_app_too() -> None:
    app = lab_app(load_args("--rate", "10", "--duration", "5"), clock=False)

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        assert isinstance(app.screen, LoadLabScreen)
        await pilot.press("q")
        await pilot.pause()
        assert not app.is_running

    run(app, script)


# ---------------------------------------------------------------------------------------- memory
def test_memory_stays_bounded_over_a_long_run_in_the_app() -> None:
    """An hour of simulated time at 2,000 connects a second (7.2 million, nearly all refused: 100
    ports held 60 s each) in the running app, drawn frame by frame: the chart's history stops at
    HISTORY points and the lab's TCBs at the port range. Then N frames and N more of a simulated
    second each (2,000 connects a frame), memory traced: what is in use after 2N is not materially
    more than after N. A leak of one small object per connection would be over 1.5 MB there; what
    moves otherwise (some kB) is Rich's and Textual's bounded caches of measured text filling
    up with new numbers, emptied before each measure where they can be.
    (Tracing the whole hour would take minutes: tracemalloc slows every allocation.)"""
    config = LoadConfig(rate=2000, duration=5000, msl=30, ports=(50000, 50099))
    n = 15

    async def frames(lab: LoadLabScreen, pilot: Pilot, count: int, seconds: float) -> None:
        for _ in range(count):
            lab.advance(seconds)
            lab._show_all()
            await pilot.pause()
            assert len(lab.history) <= HISTORY
            assert lab.lab.live_tcbs() <= 2 * config.port_count + 1

    def in_use() -> int:
        cached_cell_len.cache_clear()
        gc.collect()
        return tracemalloc.get_traced_memory()[0]

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        app.action_load_lab(config)
        await pilot.pause()
        lab = app.screen
        assert isinstance(lab, LoadLabScreen)
        await frames(lab, pilot, 30, 120.0)  # the hour: the history is full after 20 minutes (600 × 2 s)
        assert lab.lab.now == 3600 and len(lab.history) == HISTORY
        sample = lab.lab.sample()
        assert sample.attempted == 7_200_001 and sample.failed > 7_000_000  # t = 0 to 3600 s, both included
        tracemalloc.start()
        try:
            await frames(lab, pilot, n, 1.0)
            after_n = in_use()
            await frames(lab, pilot, n, 1.0)
            after_2n = in_use()
        finally:
            tracemalloc.stop()
        assert lab.lab.now == 3600 + 2 * n
        grown = after_2n - after_n
        assert grown < 512 * 1024, f"{grown:,} more bytes in use after {n} more frames ({after_n:,} after {n})"

    run(TcpsimApp(clock=False), script)
