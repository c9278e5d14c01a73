"""Make the screenshots in ``screenshots/``: ``python tools/screenshots.py [FOLDER]``.

Each SVG shot loads a bundled scenario (or one of the packetdrill test scripts), as a stack if it
names one, steps it to a moment worth seeing and saves the screen. The
app runs headless with its clock stopped, so the same code makes the same pictures every time.
The snapshot tests (tests/ui/test_snapshots.py) take the same shots.

The census shot is of a real capture (``tests/capture/data/linux-busy-lo.pcap``: 52 Linux loopback
connections of every kind over 10.8 s, with what ``ss`` listed at its end), read as ``--stack linux``.

The PNG shots are of ``tcpsim serve`` in a real browser (Debian's headless Chromium, through
tcpsim.serve.browser): what a student sees in a tab, in English and in Chinese. Where no browser can
be driven here they are left as they are, with the reason printed.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tcpsim.core.names import EndpointName
from tcpsim.core.states import State
from tcpsim.ui.app import TcpsimApp
from tcpsim.ui.census_actions import CensusSource
from tcpsim.ui.opening import open_session
from tcpsim.ui.screens.census import CensusScreen

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Shot:
    file: str
    scenario: str | None
    until: Callable[[TcpsimApp], bool]
    """Step until this holds."""
    keys: tuple[str, ...] = ()
    size: tuple[int, int] = (130, 38)
    stack: str | None = None
    """Played by this stack personality (``tcpsim --stack NAME``)."""

    def app(self) -> TcpsimApp:
        """The app as ``tcpsim [--stack NAME] [SCENARIO]`` opens it, with its clock stopped."""
        opened = open_session(self.scenario, self.stack)
        assert not isinstance(opened, CensusSource), "a shot steps a session: CENSUS_SHOT is the census's"
        return TcpsimApp(session=opened, clock=False)


def _state(app: TcpsimApp, name: EndpointName) -> State:
    return app.session.view.endpoints[name].state


def _in_flight(app: TcpsimApp, flags: str) -> bool:
    return any(f.segment.flag_text == flags for f in app.session.view.flights.values())


def _restarted(app: TcpsimApp) -> bool:
    return any(e.type == "timer" and getattr(e, "action", "") == "restart" for e in app.session.view.trace.records)


SHOTS: tuple[Shot, ...] = (
    Shot("handshake-in-flight.svg", "three-way-handshake", lambda a: _in_flight(a, "SYN,ACK")),
    Shot("data-transfer.svg", "data-transfer", lambda a: a.session.view.endpoints["server"].received_total > 0),
    Shot("time-wait-countdown.svg", "lost-final-ack", lambda a: _restarted(a)),
    Shot("state-diagram.svg", "simultaneous-close", lambda a: _state(a, "client") is State.TIME_WAIT, ("v",)),
    Shot("no-time-wait-rst.svg", "lost-final-ack-no-time-wait", lambda a: _in_flight(a, "RST")),
    Shot("compact-80x24.svg", "active-close-client", lambda a: _state(a, "client") is State.FIN_WAIT_2, (), (80, 24)),
    Shot("help.svg", None, lambda a: True, ("question_mark",), (110, 40)),
    Shot(
        "packetdrill-script.svg",
        str(ROOT / "tests" / "packetdrill" / "scripts" / "passive-close-delayed-ack.pkt"),
        lambda a: a.session.view.progress.done >= 16,
        stack="linux",
    ),
    Shot(
        "stack-chooser.svg",
        "active-close-client",
        lambda a: a.session.view.t >= 1.14,
        ("k",),
        (120, 36),
        stack="linux",
    ),
)


CENSUS_CAPTURE = ROOT / "tests" / "capture" / "data" / "linux-busy-lo.pcap"
CENSUS_SHOT = ("census.svg", (120, 36))


def census_app() -> TcpsimApp:
    """``tcpsim import linux-busy-lo.pcap --stack linux`` run in the capture's folder (the status
    line shows the name as typed), with its clock stopped."""
    return TcpsimApp(census=CensusSource(CENSUS_CAPTURE.name, 30.0, "linux"), clock=False)


async def census_loaded(app: TcpsimApp) -> None:
    """Wait until the census screen has read its capture (in its worker thread)."""
    for _ in range(1000):
        screen = app.screen
        if isinstance(screen, CensusScreen) and screen.data is not None:
            return
        await asyncio.sleep(0.01)
    raise TimeoutError(f"{CENSUS_CAPTURE}: the census was not read in 10 s")


async def take_census(folder: Path) -> Path:
    file, size = CENSUS_SHOT
    path = (folder / file).resolve()
    here = Path.cwd()
    os.chdir(CENSUS_CAPTURE.parent)
    try:
        app = census_app()
        async with app.run_test(size=size) as pilot:
            await census_loaded(app)
            await pilot.pause()
            app.clear_notifications()
            await pilot.pause()
            app.save_screenshot(str(path))
    finally:
        os.chdir(here)
    return path


async def take(shot: Shot, folder: Path) -> Path:
    app = shot.app()
    async with app.run_test(size=shot.size) as pilot:
        for _ in range(2000):
            if shot.until(app) or app.session.view.finished:
                break
            await pilot.press("n")
        app.clear_notifications()  # before the keys too: a toast under a dialog stays drawn, or not, by timing
        await pilot.pause()
        for key in shot.keys:
            await pilot.press(key)
        await pilot.pause()
        app.clear_notifications()
        await pilot.pause()
        path = folder / shot.file
        app.save_screenshot(str(path))
    return path


BROWSER_SHOTS = (
    # file, tcpsim serve's options, keys pressed, the text that shows they took effect
    ("served-in-browser.png", ["lost-final-ack"], ("n",) * 14, "TIME-WAIT"),
    ("served-in-browser-zh.png", ["--lang", "zh", "three-way-handshake"], ("n", "n", "n"), "SYN-SENT"),
)


def take_in_browser(folder: Path) -> list[Path]:
    """The browser shots: a tab of ``tcpsim serve`` after a few keys, as a PNG of the page."""
    from tcpsim.serve.browser import ServeProcess, Tab, chromium, unavailable

    reason = unavailable()
    if reason is not None:
        print(f"browser shots not taken: {reason}", file=sys.stderr)
        return []
    taken = []
    with chromium() as browser:
        for file, options, keys, shown in BROWSER_SHOTS:
            with ServeProcess(options, cwd="/") as server:
                tab = Tab(browser, width=1282, height=758)  # 16 px cells: 142 × 36
                try:
                    tab.open(server.url, wait_for="q ")
                    tab.press(*keys)
                    tab.wait_for(shown)
                    tab.page.wait_for_timeout(600)  # the last frame drawn, the fade-in over
                    path = folder / file
                    tab.page.screenshot(path=str(path))
                    taken.append(path)
                finally:
                    tab.close()
    return taken


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    folder = Path(args[0] if args else "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    for shot in SHOTS:
        print(asyncio.run(take(shot, folder)))
    print(asyncio.run(take_census(folder)))
    for path in take_in_browser(folder):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
