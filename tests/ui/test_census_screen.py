"""The census screen (issue 14, "In the app"): ``tcpsim import FILE`` on a capture of more than one
conversation opens the census (chart and a sortable, filterable table of conversations); enter opens
one conversation in the two-pane view; escape comes back, the table as it was left.

Snapshots of the screen are in test_census_snapshot.py; the census itself (its counts, anomalies
and conversations) is tested in tests/capture/test_capture_census.py.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from census_captures import DATA, census_synth, mixed
from textual.pilot import Pilot
from textual.widgets import Input

from tcpsim.capture.session import ImportSession
from tcpsim.cli import main
from tcpsim.core.states import State
from tcpsim.ui.app import TcpsimApp
from tcpsim.ui.census_model import SORTS, Collector, read_census, shown
from tcpsim.ui.screens.census import CensusScreen
from tcpsim.ui.screens.census_help import CensusHelp
from tcpsim.ui.widgets.census_chart import CensusChart
from tcpsim.ui.widgets.census_table import VirtualTable
from tcpsim.ui.widgets.footer import KeyBar

Script = Callable[[TcpsimApp, Pilot], Awaitable[None]]


@pytest.fixture(scope="module")
def capture(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return mixed(tmp_path_factory.mktemp("census"))


def run(app: TcpsimApp, script: Script, size: tuple[int, int] = (120, 36)) -> None:
    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await script(app, pilot)

    asyncio.run(main())
    assert app._exception is None, app._exception


def opened(monkeypatch: pytest.MonkeyPatch, *argv: str) -> TcpsimApp:
    """The app ``tcpsim ARGV`` would run (built by the command line as it is, not run)."""
    apps: list[TcpsimApp] = []
    monkeypatch.setattr(TcpsimApp, "run", lambda self, *a, **k: apps.append(self))
    assert main(list(argv)) == 0
    (app,) = apps
    return app


async def loaded(app: TcpsimApp, pilot: Pilot) -> CensusScreen:
    """The census screen once its census is read (in its worker thread)."""
    for _ in range(400):
        screen = app.screen
        if isinstance(screen, CensusScreen) and screen.data is not None:
            await pilot.pause()
            return screen
        await pilot.pause(0.02)
    raise AssertionError(f"no census after 8 s: {app.screen!r} {[n.message for n in app._notifications]}")


async def conversation(app: TcpsimApp, pilot: Pilot) -> ImportSession:
    """The two-pane view, once enter's conversation is read."""
    for _ in range(400):
        if not isinstance(app.screen, CensusScreen):
            await pilot.pause()
            assert isinstance(app.session, ImportSession)
            return app.session
        await pilot.pause(0.02)
    raise AssertionError("enter opened no conversation")


def ids(screen: CensusScreen) -> list[int]:
    return [row.id for row in screen.listed]


def test_import_of_several_conversations_opens_the_census(capture: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = opened(monkeypatch, "import", str(capture))

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        screen = await loaded(app, pilot)
        assert screen.data is not None and screen.data.result is not None
        assert len(screen.data.rows) == 44 == screen.data.result.conversations
        table = screen.query_one(VirtualTable)
        assert table.row_count == 44 and table.has_focus
        status = str(screen.query_one("#census-status").render())
        assert f"{capture}: 44 TCP conversations in 400 packets over 26.4 s · sorted by # ↑" in status
        # The chart: the busiest host first (the most endpoints at one census), h for the next.
        chart = screen.query_one(CensusChart)
        assert str(chart.border_title).startswith("Census over time · 10.1.0.0 (1 of 10 hosts) · one column = ")
        for _ in range(10):
            if "10.0.0.1 (" in str(chart.border_title):
                break
            await pilot.press("h")
        drawn = str(chart.render())  # the server: its states in the RFC's order, each with its peak
        assert drawn.index("ESTABLISHED") < drawn.index("CLOSE-WAIT") < drawn.index("TIME-WAIT")
        assert "one column = 0.4 s" in str(chart.border_title)  # 0.2 s censuses, merged two by two to fit
        # The anomalies, in plain words.
        words = screen.anomaly_text
        assert "a CLOSE-WAIT that lasts at 22 s: the server 10.0.0.1:40299 stayed in CLOSE-WAIT" in words
        assert "half-open connection at 0.5 s" in words
        # Each row: the 4-tuple, times, packets, bytes, final states, why it matters.
        half = next(row for row in screen.listed if row.client.startswith("127.0.0.1"))
        assert (half.client_state, half.server_state, half.packets) == ("SYN-SENT", "SYN-RECEIVED", 2)
        assert half.matters == ("never-closed", "half-open")
        cells = table.texts(ids(screen).index(half.id))
        assert list(cells[:8]) == ["12", half.client, "127.0.0.1:40299", "0.5", "0.500014", "2", "0", "SYN-SENT"]
        assert list(cells[8:]) == ["SYN-RECEIVED", "never closed, half-open"]
        # Not the stream-0 list on stderr that the printed formats still get.

    run(app, script)


def test_a_chart_with_no_room_for_every_state_names_those_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """At 80x24 the chart of ::1 (six states) was cropped at its panel's edge: TIME-WAIT, the state
    that ended the conversation, was missing and nothing said so."""
    app = opened(monkeypatch, "import", str(DATA / "linux-ipv6-and-refused-lo.pcap"))
    rows = ("SYN-SENT", "SYN-RECEIVED", "ESTABLISHED", "FIN-WAIT-1", "LAST-ACK", "TIME-WAIT")

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        screen = await loaded(app, pilot)
        drawn = str(screen.query_one(CensusChart).render())
        assert [line.split()[0] for line in drawn.splitlines()[1:7]] == list(rows)  # all of them at 80x24
        assert "not shown" not in drawn
        await pilot.resize_terminal(80, 14)
        await pilot.pause()
        chart = screen.query_one(CensusChart)
        drawn = str(chart.render())
        lines = drawn.splitlines()
        assert len(lines) == chart.size.height < len(rows) + 2
        kept = [line.split()[0] for line in lines[1:-2]]
        assert kept == list(rows[: len(kept)])
        assert lines[-1] == "not shown, a taller terminal has room: " + ", ".join(rows[len(kept) :])

    run(app, script, size=(80, 24))


def test_the_census_opens_without_importing_a_conversation_first(
    capture: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``tcpsim import FILE`` imported stream 0 before it opened the census: a pass over the file
    for nothing, and a capture whose stream 0 was over the app's limit was refused, though its
    census (which steps through nothing) could be shown. Now the file is read only as far as its
    second conversation before the census reads it."""
    from tcpsim.capture import load, part, reader

    for module in (load, part):  # any conversation is over the app's limit
        monkeypatch.setattr(module, "APP_PACKETS", 1)
    decoded = []
    decode = reader.decode_frame
    monkeypatch.setattr(reader, "decode_frame", lambda frame, into: decoded.append(frame.number) or decode(frame, into))
    app = opened(monkeypatch, "import", str(capture))
    assert len(decoded) < 10, decoded  # frames 1 and 2 are already two conversations (of 400 frames)
    assert not isinstance(app.session, ImportSession)  # nothing was imported to lie under the census

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        screen = await loaded(app, pilot)
        assert screen.data is not None and len(screen.data.rows) == 44
        assert not screen.can_leave  # nothing underneath to go back to
        await pilot.press("enter")  # a conversation (a few packets) over the limit is refused in words, not a crash
        for _ in range(200):
            if app._notifications and screen.opening is None:
                break
            await pilot.pause(0.02)
        (note,) = [n for n in app._notifications if n.title == "Cannot open the conversation"]
        assert "more than 1 packets" in note.message
        assert app.screen is screen

    run(app, script)


def test_one_conversation_opens_directly(monkeypatch: pytest.MonkeyPatch) -> None:
    app = opened(monkeypatch, "import", str(DATA / "linux-client-closes-lo.pcap"))

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        assert not isinstance(app.screen, CensusScreen) and app._census is None
        assert isinstance(app.session, ImportSession)

    run(app, script)


def test_stream_opens_that_conversation_not_the_census(capture: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = opened(monkeypatch, "import", str(capture), "--stream", "3")

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        assert not isinstance(app.screen, CensusScreen)
        assert app.session.scenario.name == f"{capture.name}, stream 3"

    run(app, script)


def test_a_capture_file_named_on_the_app_opens_its_census(capture: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``tcpsim FILE.pcap`` as ``tcpsim import FILE``."""
    app = opened(monkeypatch, str(capture))

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await loaded(app, pilot)

    run(app, script)


def test_sort_filter_open_and_come_back(capture: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = opened(monkeypatch, "import", str(capture))

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        screen = await loaded(app, pilot)
        assert ids(screen) == list(range(44))
        await pilot.press("s")  # by client: address, then port as a number
        assert screen.column == "client"
        clients = [row.client for row in screen.listed]
        assert clients[0] == "10.1.0.0:1024" and clients[-1].startswith("127.0.0.1:")
        await pilot.press("r")
        assert [row.client for row in screen.listed] == clients[::-1]
        # A click on a header sorts by it; a second click reverses.
        table = screen.query_one(VirtualTable)
        x = table.column_x("packets") + 1
        await pilot.click(table, offset=(x, 0))
        assert (screen.column, screen.reverse) == ("packets", False)
        packets = [row.packets for row in screen.listed]
        assert packets == sorted(packets) and packets[0] == 2
        await pilot.click(table, offset=(x, 0))
        assert (screen.column, screen.reverse) == ("packets", True)
        # / filters on every word, in addresses, ports, states and anomalies alike.
        await pilot.press("slash")
        assert screen.query_one(Input).has_focus
        await pilot.press(*"59467 closed", "enter")
        assert screen.filter_text == "59467 closed" and len(screen.listed) == 8
        assert all(row.server.endswith(":59467") for row in screen.listed)
        assert table.has_focus and table.row_count == 8
        status = str(screen.query_one("#census-status").render())
        assert "sorted by packets ↓ · filter “59467 closed”: 8 of 44" in status
        await pilot.press("down", "down")
        chosen = screen.listed[2]
        assert screen.selected == chosen.id
        await pilot.press("enter")
        session = await conversation(app, pilot)
        assert session.scenario.name == f"{capture.name}, stream {chosen.id}"
        assert app.query_one(KeyBar).extra == {"census"}  # the footer says esc goes back
        assert "escape" in footer_keys(screen)  # and the census's, once it is shown again
        while session.step():
            pass
        assert session.view.endpoints["client"].state is State.CLOSED  # reset, as the row said
        assert sum(1 for e in session.view.trace.records if type(e).__name__ == "SendEvent") == chosen.packets
        await pilot.press("escape")
        assert app.screen is screen
        assert (screen.column, screen.reverse, screen.filter_text) == ("packets", True, "59467 closed")
        assert screen.selected == chosen.id and table.cursor_row == 2 and table.row_count == 8
        # Escape clears the filter, the selection kept; once more goes back to the conversation.
        await pilot.press("escape")
        assert screen.filter_text == "" and len(screen.listed) == 44 and screen.selected == chosen.id
        assert screen.listed[table.cursor_row].id == chosen.id
        await pilot.press("escape")
        assert app.screen is app.screen_stack[0] and app.session is session

    run(app, script)


def footer_keys(screen: CensusScreen) -> set[str]:
    """The keys the census screen's footer shows now."""
    return {key for key, active in screen.active_bindings.items() if active.enabled and active.binding.show}


def test_escape_with_nothing_opened_says_what_to_do(capture: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = opened(monkeypatch, "import", str(capture))

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        screen = await loaded(app, pilot)
        assert "escape" not in footer_keys(screen)  # nothing to go back to: the footer does not offer it
        app.clear_notifications()
        await pilot.press("escape")
        assert app.screen is screen
        assert [n.message for n in app._notifications] == ["enter opens the selected conversation; q quits"]
        await pilot.press("slash")  # a filter to clear: escape is offered while it is there
        assert "escape" in footer_keys(screen)
        await pilot.press("escape")
        assert "escape" not in footer_keys(screen) and screen.filter_text == ""
        await pilot.press("question_mark")
        assert isinstance(app.screen, CensusHelp)
        await pilot.press("escape")
        assert app.screen is screen
        for key in ("n", "o", "space", "tab", "b", "l"):  # the hidden two-pane view's keys do nothing here
            await pilot.press(key)
        assert app.screen is screen and app.session.view.t == 0.0
        await pilot.press("q")
        assert app._exit_renderables is not None or not app.is_running

    run(app, script)


def test_load_from_the_app_opens_the_census_over_the_session(capture: Path) -> None:
    """``l`` of a capture of several conversations: the census over the session the user had, which
    escape comes back to untouched; a conversation opened replaces it."""
    app = TcpsimApp(clock=False)

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        await pilot.press("o", "n", "n")
        before = app.session
        t = before.view.t
        assert app.load_path(capture)
        screen = await loaded(app, pilot)
        await pilot.press("escape")
        assert app.screen is app.screen_stack[0] and app.session is before and before.view.t == t
        await pilot.press("escape")  # the census again, as it was
        assert app.screen is screen
        await pilot.press("enter")
        session = await conversation(app, pilot)
        assert session.scenario.name == f"{capture.name}, stream 0"
        # Another file forgets the census: escape no longer goes back to it.
        assert app.load_path(DATA / "linux-client-closes-lo.pcap")
        assert app._census is None and app.query_one(KeyBar).extra == frozenset()
        await pilot.press("escape")
        assert app.screen is app.screen_stack[0]

    run(app, script)


def test_a_conversation_that_cannot_be_read_is_a_notification(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = mixed(tmp_path)
    app = opened(monkeypatch, "import", str(path))

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        screen = await loaded(app, pilot)
        os.truncate(path, 24)  # the file changed since its census: nothing left but its header
        await pilot.press("enter")
        for _ in range(200):
            if screen.opening is None:
                break
            await pilot.pause(0.02)
        assert app.screen is screen
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors and "conversation 0 is not where the census found it (packets 1 to" in errors[-1].message
        path.unlink()
        await pilot.press("down", "enter")
        for _ in range(200):
            if screen.opening is None:
                break
            await pilot.pause(0.02)
        assert app.screen is screen
        assert "no such file" in [n for n in app._notifications if n.severity == "error"][-1].message

    run(app, script)


def test_a_file_without_tcp_is_a_clear_message(tmp_path: Path) -> None:
    """The census of a file that holds no TCP (here opened directly: the command line refuses it first)."""
    from tcpsim.ui.census_actions import CensusSource

    empty = tmp_path / "udp.pcap"
    census_synth.head(DATA / "linux-client-closes-lo.pcap", 0, empty)
    app = TcpsimApp(clock=False)

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        app.open_census(CensusSource(str(empty), 30.0, "rfc9293"))
        for _ in range(200):
            if any(n.severity == "error" for n in app._notifications):
                break
            await pilot.pause(0.02)
        (error,) = [n for n in app._notifications if n.severity == "error"]
        assert error.message.startswith(f"{empty}: ") and error.title == "Cannot read the census"
        await pilot.press("escape")
        assert app.screen is app.screen_stack[0]  # back to the sandbox it was opened over

    run(app, script)


def test_thousands_of_conversations(tmp_path: Path) -> None:
    """1,100 conversations (a TIME-WAIT pile-up): every one in the table, sorted and filtered."""
    path = tmp_path / "pile.pcap"
    census_synth.write(path, 1100, hosts=1)
    app = TcpsimApp(clock=False)

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        assert app.load_path(path)
        screen = await loaded(app, pilot)
        table = screen.query_one(VirtualTable)
        assert table.row_count == 1100
        assert "TIME-WAIT pile-up" in screen.anomaly_text
        await pilot.press("r", "end")
        assert table.cursor_row == 1099 and screen.selected == 0
        await pilot.press("slash", *":2123", "enter")
        assert [row.client for row in screen.listed] == ["10.1.0.0:2123"]

    run(app, script)


def test_sorting_and_filtering_are_plain_functions(capture: Path) -> None:
    data = read_census(str(capture), Collector(), msl=30.0, stack="rfc9293")
    for column in SORTS:
        rows = shown(data.rows, column, False, "")
        assert sorted(row.id for row in rows) == list(range(44))
    assert [r.id for r in shown(data.rows, "id", True, "")] == list(range(43, -1, -1))
    assert [r.id for r in shown(data.rows, "id", False, "CLOSE-WAIT")] == [3]  # "lasts": the row says why
    assert [r.id for r in shown(data.rows, "id", False, "half-open 127.0.0.1")] == [12]
    assert shown(data.rows, "id", False, "nothing-like-this") == []


def test_a_column_cut_by_the_edge_is_not_drawn_in_part(capture: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """At 80x24 the bytes column was cut after its first digit: 10 bytes read as 1, 5 as nothing.
    A column that does not fit whole is drawn as "…" in every row until the table scrolls to it."""
    app = opened(monkeypatch, "import", str(capture))

    async def script(app: TcpsimApp, pilot: Pilot) -> None:
        screen = await loaded(app, pilot)
        table = screen.query_one(VirtualTable)
        lines = [table.render_line(y).text for y in range(4)]
        assert lines[0].split()[-2:] == ["packets", "…"] and lines[1].split()[-2:] == ["10", "…"], lines
        assert all(line.split()[-1] == "…" for line in lines)
        table.scroll_to(x=table.column_x("client") + 3, animate=False)  # into the client column
        await pilot.pause()
        lines = [table.render_line(y).text for y in range(4)]
        assert all(line.startswith("…") for line in lines), lines  # not "1.0.0:1024", another address
        table.scroll_to(x=table.max_scroll_x, animate=False)
        await pilot.pause()
        assert table.render_line(1).text.split()[:3] == ["10", "10", "TIME-WAIT"]  # packets, bytes, whole

    run(app, script, size=(80, 24))
