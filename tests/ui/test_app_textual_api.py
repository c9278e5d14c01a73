"""Where the app meets Textual's own API: two bugs mypy found (issue 12), each reproduced here.

- ``if self.is_mounted:`` on the App: there it is a method (about a widget), so the guard was
  always true, and setting a reactive before the app runs reached for a screen that did not exist.
- ``action_back`` overrode Textual's ``App.action_back`` (an async action that pops a screen):
  ``app.back`` rewound the session instead. Ours is ``step_back``, still on the key ``b``.
"""

from __future__ import annotations

import asyncio

from tcpsim.core.states import State
from tcpsim.ui.app import TcpsimApp
from tcpsim.ui.screens.help import Help
from tcpsim.ui.widgets.endpoint import EndpointPane


def test_reactives_set_before_the_app_runs_wait_for_its_screen() -> None:
    app = TcpsimApp(clock=False)
    app.focused_endpoint = "server"  # raised ScreenStackError: the watcher ran without a screen

    async def main() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            panes = {pane.endpoint_name: pane.has_class("-focused") for pane in app.query(EndpointPane)}
            assert panes == {"client": False, "server": True}
            await pilot.press("tab")
            assert app.focused_endpoint == "client"

    asyncio.run(main())


def test_textuals_back_action_pops_a_screen_and_b_still_steps_back() -> None:
    app = TcpsimApp(clock=False)

    async def main() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            await pilot.press("o", "n")  # the client's SYN is on its way: one event to undo
            trace = len(app.session.trace)
            await pilot.press("question_mark")
            assert isinstance(app.screen, Help)
            await app.run_action("back")  # Textual's: pop the screen on top
            await pilot.pause()
            assert not isinstance(app.screen, Help)
            assert len(app.session.trace) == trace, "app.back rewound the session"
            await pilot.press("b")
            assert len(app.session.trace) < trace
            assert app.session.world.endpoints["client"].state is State.SYN_SENT

    asyncio.run(main())
