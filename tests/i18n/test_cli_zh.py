"""``tcpsim --lang zh``: the command line in Chinese, argparse's own words included (issue 11,
defect 9: "tcpsim --help stays English; states --lang zh and list --lang zh are refused")."""

from __future__ import annotations

import argparse
import inspect
from pathlib import Path

import pytest
from rich.cells import cell_len

from tcpsim import argtext, i18n
from tcpsim.cli import take_language
from tcpsim.scenario import bundled, load_file
from tcpsim.wrapping import paragraphs


def test_help_is_chinese_argparse_words_too(cli) -> None:
    result = cli("--lang", "zh", "--help")
    assert result.code == 0
    assert result.out.startswith("用法：tcpsim")
    assert "选项:" in result.out and "显示本帮助信息并退出" in result.out  # argparse adds the colon itself
    assert "两个 TCP 端点运行同一个 RFC 9293 状态机" in result.flat
    assert "--lang" in result.out and "FILE|NAME" in result.out
    assert "usage" not in result.out and "options" not in result.out


def test_a_subcommand_help_and_errors_are_chinese(cli) -> None:
    result = cli("run", "--help", "--lang", "zh")
    assert "位置参数" in result.out and "梯形图、JSON 行" in result.flat
    result = cli("--lang=zh", "run")
    assert result.code == 2
    assert "tcpsim run：错误：缺少以下参数：FILE|NAME" in result.flat_err
    result = cli("--lang", "zh", "run", "lost-fin", "--until", "soon")
    assert result.code == 2 and "参数 --until：需要以秒为单位的时间，得到的是 'soon'" in result.flat_err


def test_english_stays_as_it_was(cli) -> None:
    result = cli("--help")
    assert result.out.startswith("usage: tcpsim") and "options:" in result.out
    assert cli("run").err.rstrip().endswith("error: the following arguments are required: FILE|NAME")


def test_an_unknown_language_is_refused_with_the_choices(cli) -> None:
    result = cli("--lang", "xx", "list")
    assert result.code == 2
    assert "argument --lang: invalid choice: 'xx' (choose from 'en', 'zh')" in result.flat_err


def test_the_environment_chooses_chinese(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LANGUAGE", "")
    monkeypatch.setenv("LANG", "zh_CN.UTF-8")
    assert "RFC 9293 连接状态" in cli("states").out
    assert "RFC 9293 connection states" in cli("states", "--lang", "en").out


def test_list_in_chinese(cli) -> None:
    result = cli("list", "--lang", "zh")
    assert result.code == 0
    assert "内置场景（tcpsim run NAME）" in result.out
    assert "最后的 ACK 丢失" in result.flat and "三次握手" in result.flat


def test_states_in_chinese(cli) -> None:
    result = cli("--lang", "zh", "states")
    assert result.code == 0
    flat = result.flat.replace(" ", "")
    assert "双方的FIN都已确认；等待2·MSL" in flat
    assert "TIME-WAIT" in result.out and "关闭中" in result.out  # the state's RFC name, the phase translated


@pytest.mark.parametrize("width", [80, 120])
def test_run_in_chinese_fits_the_terminal(cli, monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    monkeypatch.setenv("COLUMNS", str(width))
    result = cli("--lang", "zh", "run", "lost-final-ack")
    assert result.code == 0
    assert "最后的 ACK 丢失" in result.out
    assert "✓ 全部" in result.out and "项检查都成立" in result.out
    assert "（最后的 ACK：它将会丢失）" in result.out  # an expectation's note
    assert "客户端 :49152" in result.out and "#7 丢失" in result.out
    assert all(cell_len(line) <= width for line in result.out.splitlines())


def test_argparse_messages_are_spelt_as_argparse_spells_them() -> None:
    """The msgids in tcpsim.argtext are argparse's own, on this Python: else they would never match."""
    source = inspect.getsource(argparse)
    for message in (*argtext.MESSAGES, "expected %s argument", "expected %s arguments"):
        assert repr(message) in source or f'"{message}"' in source, message


def test_lang_is_taken_from_anywhere_on_the_line() -> None:
    assert take_language(["run", "x", "--lang", "zh"]) == ("zh", ["run", "x"])
    assert take_language(["--lang=zh", "list"]) == ("zh", ["list"])
    assert take_language(["--lang", "xx", "list"]) == (None, ["--lang", "xx", "list"])
    assert take_language(["run", "--", "--lang", "zh"]) == (None, ["run", "--", "--lang", "zh"])


@pytest.mark.parametrize("path", bundled(), ids=lambda p: p.stem)
def test_every_bundled_scenario_is_told_in_chinese(path) -> None:
    scenario = load_file(path)
    try:
        i18n.set_language("zh")
        texts = [scenario.name, scenario.summary, *paragraphs(scenario.description)]
        texts += [s.note for s in scenario.steps if s.note] + [e.note for e in scenario.expectations if e.note]
        untranslated = [t for t in texts if t and i18n._(t) == t]
        assert not untranslated
        assert len(i18n.story(scenario.description)) == len(paragraphs(scenario.description)) > 0
    finally:
        i18n.set_language("en")


def test_a_bad_scenario_is_explained_in_chinese_with_the_same_location(cli) -> None:
    bad = Path(__file__).resolve().parents[1] / "bad_inputs" / "on-typo.toml"
    english = cli("run", bad)
    chinese = cli("--lang", "zh", "run", bad)
    assert english.code == chinese.code == 2
    assert f"{bad}: [[step]] #1 (at = 0), key 'on': 'netwrok' is not one of" in english.flat_err
    assert f"tcpsim：错误：{bad}: [[step]] #1 (at = 0)，键 'on': 'netwrok' 不是 client, server, network 中的一个" in (
        chinese.flat_err
    )
    assert "（你是不是想写 'network'？）" in chinese.flat_err
    assert "没有这个文件，也没有这个名字的内置场景" in cli("--lang", "zh", "run", "no-such-scenario").flat_err


@pytest.mark.parametrize("width", [80, 120])
def test_chinese_help_fits_the_terminal(cli, monkeypatch: pytest.MonkeyPatch, width: int) -> None:
    """argparse wraps by characters; tcpsim's formatter wraps by cells, so Chinese help stays inside."""
    monkeypatch.setenv("COLUMNS", str(width))
    for argv in (["--help"], ["run", "--help"], ["load", "--help"], ["import", "--help"]):
        out = cli("--lang", "zh", *argv).out
        assert all(cell_len(line) <= width for line in out.splitlines()), (argv, out)
