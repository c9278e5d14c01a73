"""The load lab's live screen, driven like a user: keys through the Pilot, assertions on what is shown.

Most tests stop the screen's clock (``clock=False``) and move the lab with ``advance``, so that
what is on screen follows from the configuration alone; two let the real timer run briefly to
check that the clock, pause and speed keys work as a user would see them.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
from collections.abc import Awaitable, Callable

import pytest
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Input

from tcpsim.lab.model import LoadConfig
from tcpsim.lab.options import add_arguments
from tcpsim.lab.settings import parse_settings
from tcpsim.ui.app import TcpsimApp
from tcpsim.ui.screens.dialogs import Prompt
from tcpsim.ui.screens.lab import HISTORY, SPEEDS, LoadLabScreen, lab_screen_from_args

Script = Callable[[TcpsimApp, LoadLabScreen, Pilot], Awaitable[None]]

SMALL = LoadConfig(rate=100, duration=60, msl=30, ports=(60000, 60099))
"""100 connects a second on 100 ports held 60 s each: the ports run out after one second."""
ROOMY = LoadConfig(rate=50, duration=60, msl=5, ports=(40000, 40999))
"""50 a second × 2·MSL 10 s = 500 TIME-WAITs on 1,000 ports: they last."""


def drive(
    script: Script, config: LoadConfig = ROOMY, *, clock: bool = False, size: tuple[int, int] = (120, 36)
) -> None:
    """Run the app with the lab screen pushed on it, then the script."""
    app = TcpsimApp(clock=False)

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            app.clear_notifications()
            screen = LoadLabScreen(config, clock=clock)
            await app.push_screen(screen)
            await pilot.pause()
            await script(app, screen, pilot)
            await pilot.pause()

    asyncio.run(main())


PANELS = "#lab-status, #lab-states, #lab-ss, #lab-ports, #lab-failed, #lab-why, PortsBar, LabChart"


def shown(screen: LoadLabScreen, panels: str = PANELS) -> str:
    """The text of the screen's panels as drawn now (the chart with its border and title)."""
    parts = []
    for widget in screen.query(panels):
        if widget.display and widget.size.area:
            strips = widget.render_lines(Region(0, 0, widget.outer_size.width, widget.outer_size.height))
            parts.append("\n".join(strip.text for strip in strips))
    return "\n".join(parts)


def flat(screen: LoadLabScreen) -> str:
    """What the screen shows as one line: a phrase is found wherever the panels wrapped it."""
    return " ".join(shown(screen).replace("│", " ").split())


def row(screen: LoadLabScreen, state: str) -> list[str]:
    """The numbers on a state's line of the per-state table: [client, server]."""
    text = shown(screen, "#lab-states")
    for line in text.splitlines():
        words = line.replace("│", " ").split()
        for i, word in enumerate(words):  # one or two (client, server) groups per line
            if word == state:
                return words[i + 1 : i + 3]
    raise AssertionError(f"no {state} row in:\n{text}")


def count(screen: LoadLabScreen, state: str, side: int = 0) -> int:
    return int(row(screen, state)[side].replace(",", ""))


async def advance(screen: LoadLabScreen, pilot: Pilot, seconds: float) -> None:
    screen.advance(seconds)
    screen._show_all()
    await pilot.pause()


def errors(app: TcpsimApp) -> list[str]:
    return [n.message for n in app._notifications if n.severity == "error"]


async def answer(app: TcpsimApp, pilot: Pilot, key: str, text: str) -> None:
    """Press ``key``, replace the prompt's text with ``text`` and confirm."""
    await pilot.press(key)
    await pilot.pause()
    assert isinstance(app.screen, Prompt)
    app.screen.query_one(Input).value = text
    await pilot.press("enter")
    await pilot.pause()


def test_counts_per_state_follow_the_clock() -> None:
    async def script(app: TcpsimApp, screen: LoadLabScreen, pilot: Pilot) -> None:
        text = flat(screen)
        assert "t = 0.0 s" in text
        assert row(screen, "TIME-WAIT") == ["0", "0"]
        assert row(screen, "LISTEN") == ["0", "1"]  # the server's listening socket
        await advance(screen, pilot, 4)
        text = flat(screen)
        assert "t = 4.0 s" in text
        tw_early = count(screen, "TIME-WAIT")
        assert 150 <= tw_early <= 200  # 50/s for 4 s, minus the last few still closing
        assert "2·MSL 10 s" in text
        await advance(screen, pilot, 16)  # past 2·MSL: the steady state, rate × 2·MSL
        text = flat(screen)
        tw = count(screen, "TIME-WAIT")
        assert 490 <= tw <= 500
        assert row(screen, "TIME-WAIT")[1] == "0"  # the client closes first: TIME-WAIT is on the client
        assert f"TIME-WAIT on the client: {tw:,} now, ≈ 500 expected" in text
        assert "timewait" in text and "ss -s" in text
        assert screen.history[-1].t == 20 and screen.history[-1].time_wait == tw

    drive(script)


def test_the_clock_runs_on_a_timer() -> None:
    async def script(app: TcpsimApp, screen: LoadLabScreen, pilot: Pilot) -> None:
        assert not screen.paused
        await pilot.pause(0.4)
        assert screen.lab.now > 0
        assert screen.history  # the chart is fed as time passes
        assert f"t = {screen.lab.now:,.1f} s" in flat(screen)

    drive(script, clock=True)


def test_ports_run_out_and_connects_fail_with_address_not_available() -> None:
    async def script(app: TcpsimApp, screen: LoadLabScreen, pilot: Pilot) -> None:
        assert "✓ every connect got a port" in flat(screen)
        await advance(screen, pilot, 3)
        text = flat(screen)
        assert "100 of 100 in use (100%)" in text
        assert "EADDRNOTAVAIL, address not available" in text
        assert "Cannot assign requested address" in text
        assert "First at t = 1 s" in text
        failed = screen.lab.sample().failed
        assert failed == 201  # 301 tried in [0, 3], 100 ports
        assert f"✗ {failed} connects failed" in text
        assert screen.query_one("#lab-failed").has_class("-failing")
        assert "so they run out at about t = 1 s" in text  # the explanation's forecast
        assert "▇" in text  # the chart's failure strip

    drive(script, SMALL)


def test_changing_msl_closer_ports_and_rate_restarts_with_new_figures() -> None:
    async def script(app: TcpsimApp, screen: LoadLabScreen, pilot: Pilot) -> None:
        await advance(screen, pilot, 20)
        assert count(screen, "TIME-WAIT") >= 490
        first_lab = screen.lab

        await answer(app, pilot, "m", "1")  # MSL 1 s: 2·MSL 2 s, so 50/s × 2 s = 100
        assert screen.config.msl == 1 and screen.lab is not first_lab and screen.lab.now == 0
        assert len(screen.history) == 1  # the chart starts over
        await advance(screen, pilot, 6)
        text = flat(screen)
        assert 95 <= count(screen, "TIME-WAIT") <= 100
        assert "2·MSL 2 s" in text and "= 100 (Little's law)" in text

        await pilot.press("c")  # the server closes first: TIME-WAIT moves to the server
        await pilot.pause()
        assert screen.config.closer == "server" and screen.config.msl == 1
        await advance(screen, pilot, 6)
        client_tw, server_tw = row(screen, "TIME-WAIT")
        assert client_tw == "0" and 95 <= int(server_tw) <= 100
        assert "TIME-WAIT on the server" in flat(screen)

        await pilot.press("c")
        await answer(app, pilot, "p", "50000-50049")  # 50 ports held 2 s each: 25/s at most
        assert screen.config.ports == (50000, 50049) and screen.config.closer == "client"
        await advance(screen, pilot, 4)
        text = flat(screen)
        assert "50 of 50 in use (100%)" in text and "address not available" in text

        await answer(app, pilot, "r", "10")  # 10/s × 2 s = 20 TIME-WAITs: 50 ports are enough
        assert screen.config.rate == 10
        await advance(screen, pilot, 6)
        text = flat(screen)
        assert "✓ every connect got a port" in text
        assert 18 <= count(screen, "TIME-WAIT") <= 20
        assert not errors(app)
        assert any("Restarted" in n.message for n in app._notifications)

    drive(script)


def test_presets_change_the_picture() -> None:
    async def script(app: TcpsimApp, screen: LoadLabScreen, pilot: Pilot) -> None:
        await pilot.press("2")
        await pilot.pause()
        assert screen.config.ports == (60000, 60999) and screen.config.closer == "client"
        await advance(screen, pilot, 12)
        assert "address not available" in flat(screen) and screen.lab.sample().failed > 0
        await pilot.press("3")
        await pilot.pause()
        assert screen.config.closer == "server"
        await advance(screen, pilot, 12)
        assert screen.lab.sample().failed == 0
        assert "SYNs met their 4-tuple still in TIME-WAIT" in flat(screen)

    drive(script)


def test_bad_values_are_notifications_naming_the_field_and_the_lab_goes_on() -> None:
    async def script(app: TcpsimApp, screen: LoadLabScreen, pilot: Pilot) -> None:
        await pilot.pause(0.25)
        lab, config = screen.lab, screen.config
        for key, text, expected in [
            ("m", "abc", "MSL (--msl): expected a number of seconds, got 'abc'"),
            ("p", "6000-5000", "port range (--ports): the range '6000-5000' is empty"),
            ("p", "--", "port range (--ports): expected LO-HI"),
            ("r", "0", "rate (--rate): must be > 0 connections per second"),
            ("d", "1e9", "duration (--duration)"),
        ]:
            app.clear_notifications()
            await answer(app, pilot, key, text)
            messages = errors(app)
            assert len(messages) == 1 and expected in messages[0], (text, messages)
            assert "goes on with 50/s for 60 s" in messages[0]
            assert "Traceback" not in messages[0]
            assert screen.lab is lab and screen.config is config  # the old run, untouched
            assert app.screen is screen
        before = lab.now
        await pilot.pause(0.3)
        assert lab.now > before  # still running
        # A cancelled prompt (escape) or an empty answer changes nothing either.
        await pilot.press("m")
        await pilot.press("escape")
        await pilot.pause()
        assert screen.lab is lab and app.screen is screen

    drive(script, clock=True)


def test_pause_step_and_speed_keys() -> None:
    async def script(app: TcpsimApp, screen: LoadLabScreen, pilot: Pilot) -> None:
        speed = screen.speed
        await pilot.press("space")
        assert screen.paused and "paused" in flat(screen)
        assert app.playing is False  # the app's own space (play) did not fire underneath
        now = screen.lab.now
        await pilot.pause(0.3)
        assert screen.lab.now == now  # paused: the clock stands
        await pilot.press("plus")
        assert screen.speed == SPEEDS[SPEEDS.index(speed) + 1]
        await pilot.press("minus", "minus")
        assert screen.speed == SPEEDS[SPEEDS.index(speed) - 1]
        assert f"×{screen.speed:g}" in flat(screen)
        await pilot.press("n")  # one chart column
        assert screen.lab.now > now and screen.paused
        await pilot.press("space")
        assert not screen.paused
        await pilot.pause(0.3)
        assert screen.lab.now > now
        await pilot.press("tab")  # the app's switch-endpoint key does nothing to the hidden view
        assert app.focused_endpoint == "client"

    drive(script, clock=True)


def test_escape_and_q_close_the_screen() -> None:
    async def script(app: TcpsimApp, screen: LoadLabScreen, pilot: Pilot) -> None:
        default = app.screen_stack[0]
        await pilot.press("escape", "escape")  # the second finds the screen gone: nothing more closes
        await pilot.pause()
        assert app.screen is default and app.is_running
        again = LoadLabScreen(ROOMY, clock=False)
        await app.push_screen(again)
        await pilot.pause()
        await pilot.press("q")
        await pilot.pause()
        assert not isinstance(app.screen, LoadLabScreen)
        assert app.is_running  # q closed the screen, not the app

    drive(script)


def test_a_run_to_the_end_says_so() -> None:
    config = LoadConfig(rate=20, duration=2, msl=0.5, ports=(40000, 40999))

    async def script(app: TcpsimApp, screen: LoadLabScreen, pilot: Pilot) -> None:
        await advance(screen, pilot, 100)
        assert screen.finished and screen.lab.done
        assert screen.lab.now < 10  # the clock stops with the last event
        assert "finished" in flat(screen)
        assert row(screen, "TIME-WAIT") == ["0", "0"]
        await pilot.press("R")
        await pilot.pause()
        assert not screen.finished and screen.lab.now == 0

    drive(script, config)


def test_a_long_run_keeps_memory_bounded() -> None:
    """Ten simulated minutes at 200 connects a second (the ports run out over and over), driven as
    fast as the lab goes: the chart's history stops at HISTORY points, the lab's TCBs at the port
    range, and the memory blocks in use do not grow from the fourth minute to the tenth.

    ``sys.getallocatedblocks`` rather than tracemalloc: it costs nothing, where tracing every
    allocation would make the run several times slower, and a leak of one object per connection
    or per chart point would still show as tens of thousands of blocks."""
    config = LoadConfig(rate=200, duration=600, msl=2, ports=(50000, 50099))

    async def script(app: TcpsimApp, screen: LoadLabScreen, pilot: Pilot) -> None:
        for _ in range(20):  # drawn every 12 s: Textual's own caches (bounded) fill up meanwhile
            await advance(screen, pilot, 12)
        assert len(screen.history) == HISTORY  # 1,200 points made so far, 600 kept
        gc.collect()
        middle = sys.getallocatedblocks()
        for _ in range(20):
            await advance(screen, pilot, 18)
            assert len(screen.history) == HISTORY
            assert screen.lab.live_tcbs() <= 2 * config.port_count
        gc.collect()
        grown = sys.getallocatedblocks() - middle
        assert screen.lab.now == 600
        sample = screen.lab.sample()
        assert sample.attempted == 120_000 and sample.failed > 90_000
        assert grown < 4_000, f"{grown:,} more memory blocks after six more simulated minutes"
        assert screen.history[0].t == pytest.approx(600 - (HISTORY - 1) * screen.step_size)

    drive(config=config, script=script)


def test_it_fits_any_terminal() -> None:
    async def script(app: TcpsimApp, screen: LoadLabScreen, pilot: Pilot) -> None:
        await advance(screen, pilot, 3)
        wide = flat(screen)
        assert screen.has_class("-short") is False and "ss -s on the client" in wide
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        assert screen.has_class("-narrow") and screen.has_class("-short")
        narrow = flat(screen)
        assert "TIME-WAIT" in narrow and "address not available" in narrow
        await pilot.resize_terminal(40, 12)
        await pilot.pause()
        await advance(screen, pilot, 3)
        assert app.screen is screen
        await pilot.resize_terminal(120, 36)
        await pilot.pause()
        assert not screen.has_class("-narrow")

    drive(script, SMALL)


def test_the_cli_options_make_the_screen() -> None:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--rate", "500", "--duration", "30", "--msl", "10", "--ports", "1000-1999"])
    screen = lab_screen_from_args(args, clock=False)
    assert screen.config == LoadConfig(rate=500, duration=30, msl=10, ports=(1000, 1999))
    bad = parser.parse_args(["--rate", "1e6", "--duration", "1e6"])
    try:
        lab_screen_from_args(bad)
    except ValueError as exc:
        assert "--rate × --duration" in str(exc)
    else:
        raise AssertionError("too many connections accepted")
    # The screen's settings are parsed by `tcpsim load`'s own parser: what one refuses, so does the other.
    assert parse_settings(SMALL, {"msl": "2.5", "closer": "server"}) == LoadConfig(
        rate=100, duration=60, msl=2.5, ports=(60000, 60099), closer="server"
    )
