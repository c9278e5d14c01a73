"""``tcpsim serve --files DIR --lang zh SCENARIO``: the dialogs confined to DIR, the app in Chinese
in the browser's font."""

from __future__ import annotations

import time
import unicodedata
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tcpsim.i18n import translation
from tcpsim.scenario import resolve
from tcpsim.serve.browser import ServeProcess, Tab


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("serve")
    files = root / "class"
    files.mkdir()
    lesson = resolve("three-way-handshake").read_text().replace('name = "', 'name = "Lesson one: ', 1)
    (files / "lesson.toml").write_text(lesson)
    (root / "outside.toml").write_text(lesson.replace("Lesson one", "Outside"))
    return files


@pytest.fixture(scope="module")
def tab(browser: Any, folder: Path) -> Iterator[Tab]:
    with ServeProcess(["--files", str(folder), "--lang", "zh", "lost-final-ack"]) as server:
        assert f"files: in {folder}" in server.banner[1]
        t = Tab(browser)
        t.open(server.url, wait_for="q")
        yield t
        t.close()
        assert server.wait_sessions(0) == []


ZH = translation("zh").gettext
TYPE_A_PATH = "……或输入"  # "…or type the path", as the load dialog's field says it in Chinese
OUTSIDE = "超出了本会话可用的文件夹"  # "outside the folder this session may use"
TO_LOAD = ZH("enter to load · escape to cancel")
TO_CONFIRM = ZH("enter to confirm · escape to cancel")


def test_the_title_and_the_screen_are_in_chinese(tab: Tab) -> None:
    name = translation("zh").gettext("Lost final ACK")
    assert name != "Lost final ACK"
    assert tab.page.title() == f"tcpsim — {name}"
    screen = tab.wait_for("已暂停")  # "paused", in the status line
    assert sum(unicodedata.east_asian_width(c) == "W" for c in screen) > 20


def test_the_load_dialog_offers_the_folder_and_refuses_a_name_outside_it(tab: Tab, folder: Path) -> None:
    tab.press("l")
    tab.wait_for("Lesson one", TYPE_A_PATH)
    tab.click(*tab.find(TYPE_A_PATH))
    tab.type("../outside.toml")
    tab.press("Enter")
    tab.wait_for(OUTSIDE)
    tab.wait_gone(TO_LOAD)
    assert "Outside" not in tab.screen()
    tab.press("l")
    tab.wait_for("Lesson one", TYPE_A_PATH)
    tab.click(*tab.find(TYPE_A_PATH))
    tab.type("lesson.toml")
    tab.press("Enter")
    tab.wait_gone(TO_LOAD)
    deadline = time.monotonic() + 15
    while not tab.screen().startswith(" Lesson one: ") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert tab.screen().startswith(" Lesson one: Three-way handshake"), tab.screen()


def test_saving_writes_inside_the_folder_and_nowhere_else(tab: Tab, folder: Path) -> None:
    tab.press("w")
    tab.wait_for("（在 /", TO_CONFIRM, "lesson-one--")
    tab.click(*tab.find("lesson-one--"))  # the name field has the keys (a toast may cover its end)
    tab.press("End", "Control+u")  # clear the proposed name
    tab.wait_gone("lesson-one--")
    tab.type("../escaped.toml")
    tab.wait_for("../escaped.toml")
    tab.press("Enter")
    tab.wait_for(OUTSIDE)
    tab.wait_gone(TO_CONFIRM)
    assert not (folder.parent / "escaped.toml").exists()
    tab.press("w")
    tab.wait_for("（在 /", TO_CONFIRM, "lesson-one--")
    tab.press("Enter")
    saved = folder / "lesson-one--three-way-handshake-saved.toml"
    deadline = time.monotonic() + 15
    while not saved.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert saved.read_text().startswith('name = "Lesson one: Three-way handshake (edited)"')
    assert sorted(p.name for p in folder.iterdir()) == ["lesson-one--three-way-handshake-saved.toml", "lesson.toml"]


def test_chinese_is_drawn_in_a_cjk_font_of_the_browser(tab: Tab) -> None:
    """The terminal's characters in Chinese come from a real CJK font (the one .ci/run installs),
    not the missing-glyph box: Chromium names the fonts it drew a node's text with (DevTools'
    CSS.getPlatformFontsForNode), for a node in the terminal's own font stack."""
    text = "已暂停"  # "paused", on the status line
    assert text in tab.screen()
    family = tab.page.evaluate("() => window.__tcpsimTerminals[0].terminal.options.fontFamily")
    tab.page.evaluate(
        """([family, text]) => {
            const probe = document.createElement("span");
            probe.id = "cjk-probe";
            probe.style.fontFamily = family;
            probe.textContent = text;
            document.body.appendChild(probe);
        }""",
        [family, text],
    )
    devtools = tab.context.new_cdp_session(tab.page)
    try:
        devtools.send("DOM.enable")
        devtools.send("CSS.enable")
        root = devtools.send("DOM.getDocument")["root"]["nodeId"]
        node = devtools.send("DOM.querySelector", {"nodeId": root, "selector": "#cjk-probe"})["nodeId"]
        fonts = devtools.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    finally:
        devtools.detach()
        tab.page.evaluate("() => document.getElementById('cjk-probe').remove()")
    drawn = {f["familyName"]: f["glyphCount"] for f in fonts}
    assert sum(drawn.values()) == len(text), drawn
    assert not any("Roboto" in name for name in drawn), drawn  # the terminal's Latin font has no CJK
