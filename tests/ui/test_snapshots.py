"""Snapshot tests of the main views at key moments (pytest-textual-snapshot).

After an intended change of the screens: ``pytest tests/ui/test_snapshots.py --snapshot-update``.
The app runs with its clock stopped and moves only by steps, so every picture is reproducible.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Callable
from pathlib import Path

from textual.pilot import Pilot

from tcpsim.ui.app import TcpsimApp


def _load_tool(name: str):  # type: ignore[no-untyped-def]
    """tools/NAME.py of this checkout, the developer tool that makes the screenshots in the README."""
    path = Path(__file__).resolve().parents[2] / "tools" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"tcpsim_tools_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


_screenshots = _load_tool("screenshots")
SHOTS, Shot = _screenshots.SHOTS, _screenshots.Shot


def _app(shot: Shot) -> TcpsimApp:
    return shot.app()


def _steps_until(shot: Shot) -> Callable[[Pilot], object]:
    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        assert isinstance(app, TcpsimApp)
        for _ in range(2000):
            if shot.until(app) or app.session.finished:
                break
            await pilot.press("n")
        app.clear_notifications()  # before the keys too: a toast under a dialog stays drawn, or not, by timing
        await pilot.pause()
        for key in shot.keys:
            await pilot.press(key)
        await pilot.pause()
        app.clear_notifications()

    return run_before


def _shot(name: str) -> Shot:
    return next(s for s in SHOTS if s.file == name)


def test_handshake_in_flight(snap_compare) -> None:
    shot = _shot("handshake-in-flight.svg")
    assert snap_compare(_app(shot), terminal_size=shot.size, run_before=_steps_until(shot))


def test_time_wait_countdown_restarted(snap_compare) -> None:
    shot = _shot("time-wait-countdown.svg")
    assert snap_compare(_app(shot), terminal_size=shot.size, run_before=_steps_until(shot))


def test_state_diagram(snap_compare) -> None:
    shot = _shot("state-diagram.svg")
    assert snap_compare(_app(shot), terminal_size=shot.size, run_before=_steps_until(shot))


def test_compact_80x24(snap_compare) -> None:
    shot = _shot("compact-80x24.svg")
    assert snap_compare(_app(shot), terminal_size=shot.size, run_before=_steps_until(shot))


def test_help_screen(snap_compare) -> None:
    shot = _shot("help.svg")
    assert snap_compare(_app(shot), terminal_size=shot.size, run_before=_steps_until(shot))


def test_packetdrill_script_in_the_app(snap_compare) -> None:
    """A .pkt under linux: the stack under test and the remote peer, each line ✓ where it held."""
    shot = _shot("packetdrill-script.svg")
    assert snap_compare(_app(shot), terminal_size=shot.size, run_before=_steps_until(shot))


def test_stack_chooser(snap_compare) -> None:
    """k: the four stacks, each with its one line, linux (playing) marked."""
    shot = _shot("stack-chooser.svg")
    assert snap_compare(_app(shot), terminal_size=shot.size, run_before=_steps_until(shot))
