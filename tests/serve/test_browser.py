"""One ``tcpsim serve`` (the sandbox) in a real Chromium: the page, the keys, the palette, the mouse,
resizing, and one process per tab."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tcpsim.serve.browser import ServeProcess, Tab


@pytest.fixture(scope="module")
def server(browser: Any) -> Iterator[ServeProcess]:
    with ServeProcess() as s:
        yield s


@pytest.fixture(scope="module")
def tab(browser: Any, server: ServeProcess) -> Iterator[Tab]:
    """The first tab, kept across this file's tests (they follow one another's steps)."""
    t = Tab(browser)
    t.open(server.url)
    yield t
    t.close()


def both_panes(screen: str, state: str) -> bool:
    """Whether the client pane (left) and the server pane (right) both show ``state`` in their box."""
    for line in screen.splitlines():
        if line.count(f" {state} ") == 2:
            first, second = line.index(f" {state} "), line.rindex(f" {state} ")
            return first < len(line) / 3 and second > 2 * len(line) / 3
    return False


def test_the_page_names_tcpsim_and_the_scenario_and_shows_the_first_screen(tab: Tab) -> None:
    assert tab.page.title() == "tcpsim — Sandbox"
    screen = tab.wait_for("Sandbox", "LISTEN", "CLOSED", "Quit")
    assert any("╭─ client" in line and "╭─ server" in line for line in screen.splitlines()), screen


def test_o_then_n_three_times_shows_established_in_both_panes(tab: Tab) -> None:
    tab.press("o", "n", "n", "n")
    tab.wait_for("SYN-RECEIVED → ESTABLISHED")
    assert both_panes(tab.screen(), "ESTABLISHED"), tab.screen()


def test_c_closes_the_client(tab: Tab) -> None:
    tab.press("c")
    screen = tab.wait_for("ESTABLISHED → FIN-WAIT-1")
    assert any(" FIN-WAIT-1 " in line and " ESTABLISHED " in line for line in screen.splitlines()), screen


def test_a_double_click_on_a_timeline_row_shows_its_details(tab: Tab) -> None:
    col, row = tab.find("#1 SYN 1000")
    tab.click(col + 2, row, count=2)
    try:
        screen = tab.wait_for("escape to close")
        assert "Segment sent at t = 0 s" in screen and "3.10.1 OPEN" in screen, screen
    finally:
        tab.press("Escape")
        tab.wait_gone("escape to close")


def test_the_command_palette_opens_help(tab: Tab) -> None:
    tab.press("Control+p")
    try:
        tab.wait_for("Search for commands")
        tab.type("help")
        tab.wait_for("Help (?)")
        tab.press("Enter")
        tab.wait_for("Keys", "every state explained, and why TIME-WAIT lasts 2·MSL")
    finally:
        tab.press("Escape")
    tab.wait_gone("Search for commands", "escape to close")


def test_a_second_tab_is_a_session_of_its_own(browser: Any, server: ServeProcess, tab: Tab) -> None:
    other = Tab(browser)
    try:
        other.open(server.url)
        screen = other.wait_for("LISTEN")
        assert not both_panes(screen, "ESTABLISHED") and "FIN-WAIT-1" not in screen
        other.press("o", "n")
        other.wait_for("LISTEN → SYN-RECEIVED")
        assert "ESTABLISHED → FIN-WAIT-1" in tab.screen()
        assert "ESTABLISHED → FIN-WAIT-1" not in other.screen()
        assert len(server.wait_sessions(2)) == 2
    finally:
        other.close()
    assert len(server.wait_sessions(1)) == 1


def test_without_files_loading_offers_the_bundled_scenarios_and_takes_no_path(tab: Tab) -> None:
    tab.press("l")
    try:
        screen = tab.wait_for("Load a scenario or a capture", "Lost final ACK")
        assert "type the path" not in screen
    finally:
        tab.press("Escape")
    tab.wait_gone("Load a scenario or a capture")


@pytest.mark.parametrize(
    ("key", "name", "start"),
    [("w", "sandbox-saved.toml", b'name = "Sandbox'), ("p", "sandbox.pcap", b"\xd4\xc3\xb2\xa1")],
)
def test_without_files_saving_and_exporting_are_downloads(tab: Tab, key: str, name: str, start: bytes) -> None:
    with tab.page.expect_download() as download:
        tab.press(key)
    assert download.value.suggested_filename == name
    with open(download.value.path(), "rb") as handle:
        assert handle.read().startswith(start)
    tab.wait_for(f"{name}: sent to your browser as a download.")


def test_resizing_the_window_resizes_the_app(tab: Tab) -> None:
    wide = tab.geometry()
    assert wide["cols"] >= 110
    assert any("client" in line and "Timeline" in line for line in tab.screen().splitlines()[:3])
    tab.page.set_viewport_size({"width": 760, "height": 560})
    tab.page.wait_for_function("() => window.__tcpsimTerminals[0].terminal.cols < 100")
    narrow = tab.geometry()
    assert narrow["cols"] < 100 and narrow["rows"] < wide["rows"]
    # The app lays itself out again for the new width: the two panes side by side above the timeline.
    screen = tab.wait_for("╭─ server", "╭─ Timeline")
    assert any("╭─ client" in line and "╭─ server" in line for line in screen.splitlines()), screen
    assert all(len(line.rstrip()) <= narrow["cols"] for line in screen.splitlines())
    tab.page.set_viewport_size({"width": 1280, "height": 800})
    tab.page.wait_for_function("() => window.__tcpsimTerminals[0].terminal.cols >= 110")


def test_closing_the_tabs_ends_their_processes(browser: Any, server: ServeProcess, tab: Tab) -> None:
    assert len(server.wait_sessions(1)) == 1
    tab.close()
    assert server.wait_sessions(0) == []
