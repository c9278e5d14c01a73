"""The census screen's snapshots (pytest-textual-snapshot): at 80x24 and 120x36, in English and
Chinese, on a capture of 44 conversations of every kind (census_captures.mixed), and with a filter.

After an intended change: ``pytest -n 0 tests/ui/test_census_snapshot.py --snapshot-update``."""

from __future__ import annotations

from pathlib import Path

import pytest
from census_captures import mixed
from test_snapshots import _screenshots  # tools/screenshots.py
from textual.pilot import Pilot

from tcpsim import i18n
from tcpsim.ui.app import TcpsimApp
from tcpsim.ui.census_actions import CensusSource
from tcpsim.ui.screens.census import CensusScreen

NAME = "mixed.pcap"


@pytest.fixture
def here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The capture, named as a user would type it (the status line shows the name given)."""
    mixed(tmp_path, NAME)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _app(language: str) -> TcpsimApp:
    i18n.set_language(language)
    return TcpsimApp(census=CensusSource(NAME, 30.0, "rfc9293"), clock=False)  # as tcpsim import NAME opens


async def _loaded(pilot: Pilot) -> None:
    app = pilot.app
    for _ in range(500):
        screen = app.screen
        if isinstance(screen, CensusScreen) and screen.data is not None:
            break
        await pilot.pause(0.02)
    await pilot.pause()
    app.clear_notifications()
    await pilot.pause()


@pytest.mark.parametrize("language", ["en", "zh"])
@pytest.mark.parametrize("size", [(80, 24), (120, 36)], ids=["80x24", "120x36"])
def test_the_census(snap_compare, here: Path, language: str, size: tuple[int, int]) -> None:
    assert snap_compare(_app(language), terminal_size=size, run_before=_loaded)


def test_sorted_and_filtered(snap_compare, here: Path) -> None:
    async def run_before(pilot: Pilot) -> None:
        await _loaded(pilot)
        await pilot.press("s", "s", "r", "slash", *"10.0.0.1:40299", "enter", "down")
        await pilot.pause()

    assert snap_compare(_app("en"), terminal_size=(120, 36), run_before=run_before)


def test_the_readme_census(snap_compare, monkeypatch: pytest.MonkeyPatch) -> None:
    """The README's census (tools/screenshots.py's CENSUS_SHOT): a real Linux capture."""
    monkeypatch.chdir(_screenshots.CENSUS_CAPTURE.parent)
    i18n.set_language("en")

    async def run_before(pilot: Pilot) -> None:
        await _screenshots.census_loaded(pilot.app)
        await pilot.pause()
        pilot.app.clear_notifications()
        await pilot.pause()

    assert snap_compare(_screenshots.census_app(), terminal_size=_screenshots.CENSUS_SHOT[1], run_before=run_before)
