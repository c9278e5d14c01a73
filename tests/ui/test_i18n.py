"""Chinese explanations (``--lang zh``): complete, and used by the screens."""

from __future__ import annotations

import asyncio

from tcpsim.core.states import State
from tcpsim.ui import i18n
from tcpsim.ui.app import TcpsimApp
from tcpsim.ui.commands import COMMANDS
from tcpsim.ui.screens.help import Help


def test_every_string_state_and_command_has_a_chinese_version() -> None:
    assert set(i18n._TEXT["zh"]) == set(i18n._TEXT["en"])
    assert set(i18n._STATES_ZH) == set(State)
    assert {c.action for c in COMMANDS} <= set(i18n._COMMANDS_ZH)
    for lang in i18n.LANGUAGES:
        assert set(i18n._HINTS[lang]) == set(State)


def test_the_app_speaks_chinese() -> None:
    i18n.set_language("zh")
    try:
        app = TcpsimApp(clock=False)

        async def main() -> None:
            async with app.run_test(size=(120, 36)) as pilot:
                pane = app.query_one("#server")
                assert pane.border_title == "服务器"
                await pilot.press("question_mark")
                assert isinstance(app.screen, Help)

        asyncio.run(main())
        assert i18n.describe_state(State.TIME_WAIT).startswith("双方")
    finally:
        i18n.set_language("en")
