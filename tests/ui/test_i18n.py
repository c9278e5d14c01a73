"""The app in Chinese (``--lang zh``): its words come from the catalogue, marked where they are
written (tcpsim/ui/i18n.py, a table of the app's own, is gone: issue 11, defect 9)."""

from __future__ import annotations

import asyncio

from tcpsim import i18n
from tcpsim.core.states import State
from tcpsim.ui.app import TcpsimApp
from tcpsim.ui.commands import COMMANDS
from tcpsim.ui.screens.help import Help
from tcpsim.ui.words import HINTS, OPEN_HINT


def test_every_hint_state_and_command_has_a_chinese_version() -> None:
    zh = i18n.translation("zh")
    phrases = [p for state in State for p in HINTS[state]] + list(OPEN_HINT.values())
    phrases += [c.label for c in COMMANDS] + [c.description for c in COMMANDS]
    phrases += [s.description for s in State]
    untranslated = [p for p in phrases if zh.gettext(p) == p]
    assert not untranslated


def test_the_app_speaks_chinese() -> None:
    i18n.set_language("zh")
    try:
        app = TcpsimApp(clock=False)

        async def main() -> None:
            async with app.run_test(size=(120, 36)) as pilot:
                pane = app.query_one("#server")
                assert pane.border_title == "服务器"
                assert app.query_one("#timeline").border_title == "时间线"
                await pilot.press("question_mark")
                assert isinstance(app.screen, Help)

        asyncio.run(main())
        assert i18n._(State.TIME_WAIT.description).startswith("双方")
    finally:
        i18n.set_language("en")
