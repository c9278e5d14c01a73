"""A click on a row of the timeline or the event log picks that row, not the one below it.

Found driving the app in a browser (tests/serve): ``Rows.on_click`` took the click's ``y`` inside
the widget, which counts the border row above the first row, so every click selected, and a double
click opened, the next row down. In a terminal too."""

from __future__ import annotations

import asyncio

import pytest

from tcpsim.ui.app import TcpsimApp
from tcpsim.ui.screens.dialogs import Details
from tcpsim.ui.widgets.eventlog import EventLog
from tcpsim.ui.widgets.timeline import Timeline


@pytest.mark.parametrize("widget", [Timeline, EventLog], ids=["timeline", "event log"])
def test_a_double_click_opens_the_row_under_the_pointer(widget: type) -> None:
    asyncio.run(double_click_rows(widget))


async def double_click_rows(widget: type) -> None:
    app = TcpsimApp(clock=False)
    async with app.run_test(size=(142, 38)) as pilot:
        for key in "onnn":
            await pilot.press(key)
        await pilot.pause()
        rows = app.query_one(widget)
        top, first = rows.content_region.y - rows.region.y, rows.scroll_offset.y  # the log follows the end
        for row in range(first, first + 3):
            await pilot.click(widget, offset=(rows.content_region.x - rows.region.x + 4, top + row - first), times=2)
            await pilot.pause()
            assert isinstance(app.screen, Details)
            assert app.screen.event is rows.record(row), row
            await pilot.press("escape")
            await pilot.pause()
