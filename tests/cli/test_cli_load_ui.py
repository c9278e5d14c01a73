"""``tcpsim load --ui``: the options of ``tcpsim load``, checked before the app starts.

Bad options exit 2 with a message and never open the app; good ones open it on the lab screen
(the app is not run here: its ``run`` is replaced, and the app it was called on is looked at).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tcpsim.lab.model import LoadConfig
from tcpsim.ui.app import TcpsimApp
from tcpsim.ui.screens.lab import LoadLabScreen


@pytest.fixture
def started(monkeypatch: pytest.MonkeyPatch) -> list[TcpsimApp]:
    """The apps that ``tcpsim`` asked to run (none may really start in a test)."""
    apps: list[TcpsimApp] = []
    monkeypatch.setattr(TcpsimApp, "run", lambda self, *a, **k: apps.append(self))
    return apps


def test_load_ui_opens_the_app_on_the_lab_with_the_options(cli: Callable[..., Any], started: list[TcpsimApp]) -> None:
    result = cli("load", "--ui", "--rate", "250", "--duration", "60", "--msl", "5", "--ports", "40000-40999")
    assert (result.code, result.out, result.err) == (0, "", "")
    (app,) = started
    lab = app._lab_only
    assert isinstance(lab, LoadLabScreen)
    assert lab.config == LoadConfig(rate=250, duration=60, msl=5, ports=(40000, 40999))


def test_load_ui_without_rate_and_duration_starts_from_the_preset(
    cli: Callable[..., Any], started: list[TcpsimApp]
) -> None:
    result = cli("load", "--ui", "--msl", "10")
    assert (result.code, result.err) == (0, "")
    (app,) = started
    assert app._lab_only.config == LoadConfig(rate=100, duration=300, msl=10)
    assert cli("load", "--ui", "--rate", "40").code == 0
    assert started[-1]._lab_only.config == LoadConfig(rate=40, duration=300)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--rate", "0", "--duration", "10"], "argument --rate: must be > 0 connections per second"),
        (["--rate", "10", "--duration", "10", "--ports", "6000-5000"], "the range '6000-5000' is empty"),
        (["--rate", "10", "--duration", "10", "--closer", "both"], "invalid choice: 'both'"),
        (["--rate", "1e6", "--duration", "1e6"], "--rate × --duration asks for"),  # the lab's own check
        (["--rate", "10", "--duration", "10", "--format", "jsonl"], "--format applies to the headless run"),
        (["--rate", "10", "--duration", "10", "--lang", "fr"], "invalid choice: 'fr'"),
    ],
)
def test_bad_options_exit_2_before_the_app_starts(
    options: list[str], message: str, cli: Callable[..., Any], started: list[TcpsimApp]
) -> None:
    result = cli("load", "--ui", *options)
    assert result.code == 2 and result.out == ""
    assert message in result.flat_err
    assert "Traceback" not in result.err
    assert not started


def test_the_help_says_what_leaving_the_lab_does(cli: Callable[..., Any]) -> None:
    result = cli("load", "--help")
    assert result.code == 0
    assert "--ui" in result.flat and "escape or q leaves the lab and ends tcpsim" in result.flat


@pytest.mark.parametrize("name", ["x" * 300, "x" * 300 + ".pcap"])
def test_import_a_name_too_long_or_a_loop_of_links(name: str, cli: Callable[..., Any], tmp_path: Path) -> None:
    (tmp_path / "a.pcap").symlink_to(tmp_path / "b.pcap")
    (tmp_path / "b.pcap").symlink_to(tmp_path / "a.pcap")
    for path, reason in ((tmp_path / name, "File name too long"), (tmp_path / "a.pcap", "Too many levels")):
        result = cli("import", path)
        assert result.code == 2 and result.out == ""
        assert "Traceback" not in result.err
        assert reason in result.flat_err
