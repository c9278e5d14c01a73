"""The drawn state diagram in the app: driven by keys, checked on what it lights and says, and pictured.

Snapshots at 80×24 (the compact figure), 120×36 and 160×48 (the full one), after a handshake and
after a simultaneous close; after an intended change: ``pytest tests/ui/test_diagram.py --snapshot-update``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot

from tcpsim import i18n
from tcpsim.core.states import State
from tcpsim.scenario import load_file, resolve
from tcpsim.ui.app import TcpsimApp
from tcpsim.ui.widgets.diagram import DiagramCanvas
from tcpsim.ui.widgets.diagram_caption import DiagramCaption

Script = Callable[[TcpsimApp, Pilot], Awaitable[None]]
SIZES = [(80, 24), (120, 36), (160, 48)]


def drive(script: Script, *, size: tuple[int, int] = (120, 36), scenario: str | None = None) -> None:
    app = TcpsimApp(load_file(resolve(scenario)) if scenario else None, clock=False)

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await script(app, pilot)

    asyncio.run(main())


def state(app: TcpsimApp, name: str) -> State:
    return app.session.world.endpoints[name].state


async def handshake(app: TcpsimApp, pilot: Pilot) -> None:
    """Sandbox: the client connects, step until both ends are ESTABLISHED."""
    await pilot.press("o")
    while not (state(app, "client") is state(app, "server") is State.ESTABLISHED):
        await pilot.press("n")


async def simultaneous_close(app: TcpsimApp, pilot: Pilot) -> None:
    """The simultaneous-close scenario, until the client reaches TIME-WAIT (the server is CLOSING)."""
    while state(app, "client") is not State.TIME_WAIT:
        await pilot.press("n")


def caption_text(app: TcpsimApp) -> str:
    caption = app.query_one(DiagramCaption)
    return "\n".join(line.plain for line in caption._lines(caption.size.width))


# ------------------------------------------------------------------ focus and keyboard scrolling
@pytest.mark.parametrize("size", [(80, 24), (120, 36)])
def test_v_focuses_the_diagram_and_the_arrow_and_page_keys_scroll_it(size: tuple[int, int]) -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await handshake(app, pilot)
        await pilot.press("v")
        await pilot.pause()
        canvas = app.query_one(DiagramCanvas)
        assert app.focused is canvas
        assert canvas.max_scroll_y > 0  # the notes and the legend are below the figure
        await pilot.press("home")
        assert canvas.scroll_offset.y == 0
        await pilot.press("down")
        assert canvas.scroll_offset.y == 1
        await pilot.pause()
        if size[0] >= 120:  # where the caption's first line has room, it says that more is below
            assert "↓ notes and legend" in caption_text(app)
        await pilot.press("pagedown")
        assert canvas.scroll_offset.y > 1
        await pilot.press("end")
        assert canvas.scroll_offset.y == canvas.max_scroll_y
        await pilot.pause()
        assert "↓ notes and legend" not in caption_text(app)
        await pilot.press("pageup", "up", "home")
        assert canvas.scroll_offset.y == 0
        await pilot.press("n", "c")  # the session's keys still reach the app while the diagram has focus
        assert state(app, "client") is State.FIN_WAIT_1

    drive(script, size=size)


def test_a_terminal_narrower_than_the_compact_figure_scrolls_sideways() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await pilot.press("v")
        await pilot.pause()
        canvas = app.query_one(DiagramCanvas)
        assert canvas.max_scroll_x > 0
        await pilot.press("right", "right")
        assert canvas.scroll_offset.x == 2
        await pilot.press("left", "left")
        assert canvas.scroll_offset.x == 0

    drive(script, size=(64, 24))


def test_the_diagram_takes_focus_again_whenever_it_is_shown() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        before = app.focused
        await pilot.press("v")
        await pilot.pause()
        canvas = app.query_one(DiagramCanvas)
        assert app.focused is canvas
        await pilot.press("v")  # back to the timeline: what had the keys before has them again
        await pilot.pause()
        assert app.focused is before
        await pilot.press("v")
        await pilot.pause()
        assert app.focused is canvas

    drive(script)


def test_the_compact_view_gives_the_diagram_the_whole_height_at_80x24() -> None:
    """Defect 6: the diagram filled 11 of the 23 rows under the status line."""

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await pilot.press("v")
        await pilot.pause()
        canvas = app.query_one(DiagramCanvas)
        assert canvas.layout_in_use is not None and canvas.layout_in_use.short_labels
        caption = app.query_one(DiagramCaption)
        assert canvas.size.height + caption.size.height == 24 - 4  # status, footer, the border's two rows
        assert canvas.size.height >= canvas.layout_in_use.height  # the whole figure in sight

    drive(script, size=(80, 24))


def test_the_full_figure_is_in_sight_at_120x36() -> None:
    """Defect 6: TIME-WAIT and the legend were below the edge."""

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await handshake(app, pilot)
        await pilot.press("v")
        await pilot.pause()
        canvas = app.query_one(DiagramCanvas)
        assert canvas.layout_in_use is not None and not canvas.layout_in_use.short_labels
        assert canvas.scroll_offset.y == 0
        assert canvas.size.height >= canvas.layout_in_use.height

    drive(script, size=(120, 36))


# ------------------------------------------------------------------ what is lit and counted
def test_after_a_handshake_both_are_lit_in_established_with_their_last_arrows() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await handshake(app, pilot)
        await pilot.press("v")
        await pilot.pause()
        canvas = app.query_one(DiagramCanvas)
        assert canvas.lit(State.ESTABLISHED) == {"client", "server"}
        assert canvas.lit(State.LISTEN) == canvas.lit(State.CLOSED) == set()
        assert canvas.lit_arrows() == {
            "client": {("SYN-SENT", "rcv SYN,ACK", "ESTABLISHED")},
            "server": {("SYN-RECEIVED", "rcv ACK of SYN", "ESTABLISHED")},
        }
        text = caption_text(app)
        assert "client: SYN-SENT → ESTABLISHED (rcv SYN,ACK / snd ACK)." in text.replace("\n", " ")
        assert "RFC 9293 §3.10.7.3, fourth check" in text.replace("\n", " ")
        assert "5/20 arrows walked" in text
        await pilot.press("tab")  # the caption explains the focused endpoint's last step
        assert "server: SYN-RECEIVED → ESTABLISHED (rcv ACK of SYN)." in caption_text(app).replace("\n", " ")

    drive(script)


def test_a_simultaneous_close_counts_the_arrows_both_took_and_rewinding_uncounts_them() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await pilot.press("v")
        await simultaneous_close(app, pilot)
        await pilot.pause()
        canvas = app.query_one(DiagramCanvas)
        assert canvas.lit(State.TIME_WAIT) == {"client"}
        assert canvas.lit(State.CLOSING) == {"server"}
        lines = canvas.content_text()
        assert any("CLOSE / snd FIN ✓2" in line for line in lines)  # ESTABLISHED → FIN-WAIT-1, both ends
        assert any("rcv FIN / snd ACK ✓2" in line for line in lines)  # FIN-WAIT-1 → CLOSING, both ends
        assert any("✓1 rcv ACK of FIN" in line for line in lines)  # CLOSING → TIME-WAIT, the client
        while state(app, "client") is not State.ESTABLISHED:
            await pilot.press("b")
        await pilot.pause()
        lines = canvas.content_text()
        assert not any("✓2" in line for line in lines)
        assert canvas.lit(State.ESTABLISHED) == {n for n in ("client", "server") if state(app, n) is State.ESTABLISHED}
        assert "client" in canvas.lit(State.ESTABLISHED)

    drive(script, size=(160, 48), scenario="simultaneous-close")


def test_a_step_figure_5_leaves_out_is_lit_in_the_list_and_explained() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await handshake(app, pilot)
        await pilot.press("a", "v")  # the client aborts: ABORT / snd RST, listed under the figure
        await pilot.pause()
        canvas = app.query_one(DiagramCanvas)
        assert ("ESTABLISHED", "ABORT", "CLOSED") in canvas.lit_arrows()["client"]
        text = caption_text(app).replace("\n", " ")
        assert "client: ESTABLISHED → CLOSED (ABORT / snd RST)." in text
        assert "a RST tells the peer" in text and "RFC 9293 §3.10.5" in text

    drive(script)


def test_what_if_rows_are_listed_only_when_a_session_takes_one() -> None:
    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await pilot.press("v")
        await pilot.pause()
        canvas = app.query_one(DiagramCanvas)
        assert not any("What-if only" in line for line in canvas.content_text())
        while not app.session.finished:
            await pilot.press("n")
        await pilot.pause()
        assert any("What-if only" in line for line in canvas.content_text())

    drive(script, scenario="lost-final-ack-no-time-wait")


def test_the_diagram_speaks_chinese() -> None:
    i18n.set_language("zh")
    try:

        async def script(app: TcpsimApp, pilot: Pilot) -> None:
            await handshake(app, pilot)
            await pilot.press("v")
            await pilot.pause()
            text = "".join(caption_text(app).split())
            assert "客户端：SYN-SENT→ESTABLISHED（rcvSYN,ACK/sndACK）" in text
            assert "三次握手" in text and "RFC9293§3.10.7.3第四项检查" in text
            canvas = app.query_one(DiagramCanvas)
            assert any("怎样读这张图" in line for line in canvas.content_text())

        drive(script, size=(80, 24))
    finally:
        i18n.set_language("en")


# ------------------------------------------------------------------ pictures
def _before(steps: Script) -> Callable[[Pilot], Awaitable[None]]:
    async def run_before(pilot: Pilot) -> None:
        app = pilot.app
        assert isinstance(app, TcpsimApp)
        await steps(app, pilot)
        await pilot.press("v")
        await pilot.pause()
        app.clear_notifications()
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_after_a_handshake(snap_compare, size: tuple[int, int]) -> None:
    assert snap_compare(TcpsimApp(clock=False), terminal_size=size, run_before=_before(handshake))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_after_a_simultaneous_close(snap_compare, size: tuple[int, int]) -> None:
    app = TcpsimApp(load_file(resolve("simultaneous-close")), clock=False)
    assert snap_compare(app, terminal_size=size, run_before=_before(simultaneous_close))


def test_snapshot_in_chinese_at_120x36(snap_compare) -> None:
    i18n.set_language("zh")
    try:
        assert snap_compare(TcpsimApp(clock=False), terminal_size=(120, 36), run_before=_before(handshake))
    finally:
        i18n.set_language("en")


def test_snapshot_in_chinese_at_80x24_after_a_simultaneous_close(snap_compare) -> None:
    i18n.set_language("zh")
    try:
        app = TcpsimApp(load_file(resolve("simultaneous-close")), clock=False)
        assert snap_compare(app, terminal_size=(80, 24), run_before=_before(simultaneous_close))
    finally:
        i18n.set_language("en")


def test_snapshot_in_chinese_at_160x48_after_a_simultaneous_close(snap_compare) -> None:
    """The full figure in Chinese, with room for the list of the arrows it leaves out."""
    i18n.set_language("zh")
    try:
        app = TcpsimApp(load_file(resolve("simultaneous-close")), clock=False)
        assert snap_compare(app, terminal_size=(160, 48), run_before=_before(simultaneous_close))
    finally:
        i18n.set_language("en")
