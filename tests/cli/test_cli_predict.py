"""`tcpsim --predict [FILE|NAME]` (issue 11): the app opens in predict mode; `tcpsim serve --predict`
gives every tab the same."""

from __future__ import annotations

from typing import Any

import pytest

from tcpsim import cli
from tcpsim.serve import app_argv


def test_predict_is_an_option_of_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[tuple[Any, ...]] = []
    monkeypatch.setattr(cli, "_open_ui", lambda args, language: opened.append((args.scenario, args.predict)) or 0)
    assert cli.main(["--predict", "lost-final-ack"]) == 0
    assert cli.main(["three-way-handshake"]) == 0
    assert opened == [("lost-final-ack", True), ("three-way-handshake", False)]


def test_the_apps_help_says_what_predict_does(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        cli.ui_parser().parse_args(["--help"])
    assert "--predict" in capsys.readouterr().out


def test_served_sessions_get_predict_mode() -> None:
    args = cli.parser().parse_args(["serve", "--predict", "lost-final-ack"])
    assert "--predict" in app_argv(args, cli.ui_parser(), "lost-final-ack")
