"""A session that is a record (an imported capture, a packetdrill script) cannot be changed: the app
must not offer the keys that would change it, nor let the user type data to send before saying so.
Found in tmux: on a conversation opened from the census, the key bar offered "o Open  s Send
c Close", and `s` asked for the text to send, then answered that a capture cannot be changed."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.pilot import Pilot

from tcpsim.capture import import_capture
from tcpsim.capture.session import ImportSession
from tcpsim.ui.app import TcpsimApp
from tcpsim.ui.screens.dialogs import Prompt
from tcpsim.ui.widgets.footer import KeyBar

CAPTURE = Path(__file__).resolve().parents[1] / "capture" / "data" / "linux-client-closes-lo.pcap"


def footer_text(app: TcpsimApp) -> str:
    return app.query_one("#keys", KeyBar).render().plain  # type: ignore[union-attr]


def test_a_capture_offers_no_key_that_would_change_it_and_s_says_so_at_once() -> None:
    app = TcpsimApp(session=ImportSession(import_capture(CAPTURE)), clock=False)
    seen: dict[str, object] = {}

    async def main() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            seen["footer"] = footer_text(app)
            await step(pilot, 3)  # a segment in flight, for x
            await pilot.press("s")
            await pilot.pause()
            seen["prompt"] = isinstance(app.screen, Prompt)
            await pilot.press("x")
            await pilot.pause()
            seen["modal"] = app.screen is not app.screen_stack[0]
            seen["toasts"] = [n.message for n in app._notifications]

    asyncio.run(main())
    footer = str(seen["footer"])
    assert "n Step" in footer and "b Back" in footer, footer
    for key in ("o Open", "s Send", "c Close"):
        assert key not in footer, footer
    assert seen["prompt"] is False, "s asked for text that the capture could never send"
    assert seen["modal"] is False, "x offered faults that the capture could never take"
    toasts = [str(t) for t in seen["toasts"]]  # type: ignore[attr-defined]
    assert sum("a record of what happened" in t for t in toasts) >= 1, toasts


def test_the_sandbox_still_offers_them() -> None:
    app = TcpsimApp(clock=False)
    seen: dict[str, str] = {}

    async def main() -> None:
        async with app.run_test(size=(120, 36)) as pilot:
            await pilot.pause()
            seen["footer"] = footer_text(app)

    asyncio.run(main())
    for key in ("o Open", "s Send", "c Close"):
        assert key in seen["footer"], seen["footer"]


async def step(pilot: Pilot, times: int) -> None:
    for _ in range(times):
        await pilot.press("n")
        await pilot.pause()
