"""Issue 11, item 10 (command line): --help names FILE|NAME and --lang, `tcpsim list` follows the
course, `states` and `list` take --lang."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tcpsim.scenario import COURSE, bundled, course

Cli = Callable[..., Any]
ROOT = Path(__file__).resolve().parents[2]


def rows(out: str) -> list[str]:
    return [cells[0].strip() for line in out.splitlines() if (cells := line.split("│")[1:-1]) and cells[0].strip()]


def test_help_mentions_the_app_and_the_language(cli: Cli) -> None:
    result = cli("--help")
    assert result.code == 0
    assert "tcpsim [FILE|NAME]" in result.flat and "--lang" in result.out


def test_every_bundled_scenario_has_its_place_in_the_course() -> None:
    assert sorted(COURSE) == sorted(p.stem for p in bundled())
    assert [p.stem for p in course()] == list(COURSE)


def test_list_follows_the_course(cli: Cli) -> None:
    names = rows(cli("list").out)
    assert names == list(COURSE)
    assert names[0] == "three-way-handshake"
    assert names[-2:] == ["lost-final-ack-no-time-wait", "old-duplicate-no-time-wait"]


def test_the_readme_table_follows_the_course() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("| NAME | title | summary |") :]
    assert re.findall(r"^\| `([a-z-]+)` \|", table, flags=re.M)[: len(COURSE)] == list(COURSE)


def test_states_in_chinese(cli: Cli) -> None:
    result = cli("states", "--lang", "zh")
    assert result.code == 0, result.err
    assert "没有连接" in result.out  # CLOSED, explained in Chinese


def test_list_takes_the_language(cli: Cli) -> None:
    result = cli("list", "--lang", "zh")
    assert result.code == 0, result.err
    assert rows(result.out) == list(COURSE)
