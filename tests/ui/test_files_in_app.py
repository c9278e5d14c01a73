"""Issue 16 in the app: ``w`` and ``p`` never replace a file without asking (the scenario the
session was loaded from asks more plainly), write through tcpsim.files (atomically), a pcap that
cannot be made is a notification, and text from files is shown escaped in every widget."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from tcpsim.scenario import load_file
from tcpsim.ui.app import TcpsimApp
from tcpsim.ui.screens.dialogs import Confirm, ScenarioInfo

Script = Callable[[TcpsimApp, Pilot], Awaitable[None]]


def drive(script: Script, app: TcpsimApp | None = None, size: tuple[int, int] = (120, 36)) -> TcpsimApp:
    app = app or TcpsimApp(clock=False)

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await script(app, pilot)
            await pilot.pause()
            assert app._exception is None and app.is_running

    asyncio.run(main())
    return app


async def type_into_prompt(app: TcpsimApp, pilot: Pilot, key: str, text: str) -> None:
    await pilot.press(key)
    app.screen.query_one(Input).value = text
    await pilot.press("enter")
    await pilot.pause()


def messages(app: TcpsimApp) -> list[str]:
    return [n.message for n in app._notifications]


def test_w_asks_before_replacing_a_file_and_n_keeps_it(tmp_path: Path) -> None:
    target = tmp_path / "mine.toml"
    target.write_text("precious")

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await pilot.press("o", "n")
        await type_into_prompt(app, pilot, "w", str(target))
        assert isinstance(app.screen, Confirm)
        await pilot.press("enter")  # the focused button keeps the file
        await pilot.pause()
        assert target.read_text() == "precious"
        await type_into_prompt(app, pilot, "w", str(target))
        await pilot.press("y")
        await pilot.pause()
        assert target.read_text().startswith("name = ")

    drive(script)


def test_p_asks_before_replacing_a_file(tmp_path: Path) -> None:
    target = tmp_path / "old.pcap"
    target.write_bytes(b"old")

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await pilot.press("o", "n", "n")
        await type_into_prompt(app, pilot, "p", str(target))
        assert isinstance(app.screen, Confirm)
        await pilot.press("n")
        await pilot.pause()
        assert target.read_bytes() == b"old"
        await type_into_prompt(app, pilot, "p", str(target))
        await pilot.press("y")
        await pilot.pause()
        assert target.read_bytes()[:4] == b"\xd4\xc3\xb2\xa1"
        assert any("packets written" in m for m in messages(app))

    drive(script)


def test_w_over_the_loaded_scenario_asks_plainly(tmp_path: Path) -> None:
    source = tmp_path / "story.toml"
    source.write_text('name = "Story"\n[[step]]\nat = 0\non = "server"\ndo = "listen"\n')

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await type_into_prompt(app, pilot, "w", str(source))
        assert isinstance(app.screen, Confirm)
        assert "loaded from" in app.screen.question
        await pilot.press("escape")
        await pilot.pause()
        assert source.read_text().startswith('name = "Story"\n[[step]]')

    drive(script, TcpsimApp(load_file(source), clock=False))


def test_p_with_a_segment_no_packet_can_carry_is_a_notification(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The loader refuses an inject no IPv4 packet can carry; should a segment still be one (a capture,
    a future format), the exporter's PcapError is a notification and the app goes on (it used to end
    with a traceback)."""
    from tcpsim.export import pcap

    def refuse(trace, scenario, path, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise pcap.PcapError("<stream>", "not written: segment #1 carries 70,000 bytes")

    monkeypatch.setattr(pcap, "write_pcap", refuse)
    target = tmp_path / "big.pcap"

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await pilot.press("o", "n")
        await type_into_prompt(app, pilot, "p", str(target))
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors and "70,000 bytes" in errors[0].message and "big.pcap" in errors[0].message, messages(app)
        assert not target.exists()

    drive(script)


HOSTILE = """
name = "Evil\\u001b[2J\\u001b]0;pwned\\u0007 name"
summary = "clear \\u001b[31mred"
description = "a story \\u001b[2J that clears"
[[step]]
at = 0
on = "server"
do = "listen"
note = "note \\u001b[5m blink"
[[step]]
at = 0
on = "client"
do = "connect"
[[step]]
at = 0.5
on = "client"
do = "send"
data = "data \\u001b[2J\\u0007"
"""


def test_text_from_files_is_shown_escaped_in_every_widget(tmp_path: Path) -> None:
    path = tmp_path / "evil.toml"
    path.write_text(HOSTILE)
    scenario = load_file(path)

    def strips(app: TcpsimApp) -> str:
        return "\n".join(strip.text for strip in app.screen._compositor.render_strips())

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        for _ in range(12):
            await pilot.press("n")
        await pilot.press("t")
        await pilot.pause()
        seen = [strips(app)]
        await pilot.press("i")
        assert isinstance(app.screen, ScenarioInfo)
        await pilot.pause()
        seen.append(strips(app))
        await pilot.press("escape", "home", "enter")
        await pilot.pause()
        seen.append(strips(app))
        for text in seen:
            assert "\x1b" not in text and "\x07" not in text
        assert "\\x1b" in seen[0]  # the status line's name, the log's data: escaped, visible
        assert "\\x1b" in seen[1]
        toasts = " ".join(n.message + n.title for n in app._notifications)
        assert "\x1b" not in toasts

    drive(script, TcpsimApp(scenario, clock=False))
