"""Issue 11, the "why" layer in the help screen (`?`): every part of tcpsim.why, under the
TIME-WAIT section, in English and in Chinese."""

from __future__ import annotations

import asyncio
import io

import pytest
from rich.console import Console
from rich.text import Text
from textual.widgets import Label, Static

from tcpsim import i18n, why
from tcpsim.ui.app import TcpsimApp
from tcpsim.ui.screens.help import Help


def shown(app: TcpsimApp) -> str:
    """Every label and paragraph of the screen, as Rich renders it at 100 columns."""
    console = Console(width=100, record=True, file=io.StringIO())
    for node in app.screen.query("Label, Static"):
        assert isinstance(node, Label | Static)
        content = node.content
        console.print(content if not isinstance(content, str) else Text(content))
    return console.export_text()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_help_tells_the_why(lang: str) -> None:
    i18n.set_language(lang)
    app = TcpsimApp(clock=False)
    text = ""

    async def main() -> None:
        nonlocal text
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.press("question_mark")
            assert isinstance(app.screen, Help)
            text = shown(app).replace("\n", "").replace(" ", "")

    asyncio.run(main())
    for title, body in why.SECTIONS:
        assert i18n._(title).replace(" ", "") in text
        assert i18n._(body)[:20].replace(" ", "") in text
    assert "TCP_TIMEWAIT_LEN" in text
    if lang == "zh":
        assert "只有先关闭的一方等待" in text
