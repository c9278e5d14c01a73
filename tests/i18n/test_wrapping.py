"""CJK-aware wrapping (issue 11, defect 9: "wrapping breaks after a Latin word and leaves a
near-empty line"): Chinese breaks between characters, Latin words stay whole, widths in cells."""

from __future__ import annotations

from hypothesis import assume, given
from hypothesis import strategies as st
from rich.console import Console
from rich.table import Table
from rich.text import Text

from tcpsim.richtext import Wrapped, wrap_text
from tcpsim.wrapping import NO_LINE_END, NO_LINE_START, _units, cell_width, paragraphs, wrap

TIME_WAIT_ZH = "双方的 FIN 都已确认；等待 2·MSL，以便重发丢失的最后一个 ACK，并让旧报文段消亡。"


def test_a_cjk_character_takes_two_cells() -> None:
    assert cell_width("TIME-WAIT") == 9
    assert cell_width("等待") == 4
    assert cell_width("，") == 2
    assert cell_width("e\u0301") == 1  # a combining accent takes no cell


def test_rich_alone_leaves_a_near_empty_line_after_a_latin_word() -> None:
    """The defect, reproduced with Rich's own wrapping: the Chinese sentence after "FIN" moves to
    the next line whole."""
    lines = Text(TIME_WAIT_ZH).wrap(Console(width=40), 40)
    assert lines[0].plain.rstrip() == "双方的 FIN 都已确认；等待"
    assert cell_width(lines[0].plain.rstrip()) == 25  # and 15 cells left empty
    assert cell_width(wrap(TIME_WAIT_ZH, 40)[0]) == 39


def test_chinese_breaks_between_characters_and_fills_each_line() -> None:
    lines = wrap(TIME_WAIT_ZH, 30)
    assert lines == ["双方的 FIN 都已确认；等待", "2·MSL，以便重发丢失的最后一个", "ACK，并让旧报文段消亡。"]
    assert all(cell_width(line) <= 30 for line in lines)
    assert all(cell_width(line) >= 25 for line in lines[:-1])
    assert wrap(TIME_WAIT_ZH, 40) == [
        "双方的 FIN 都已确认；等待 2·MSL，以便重",
        "发丢失的最后一个 ACK，并让旧报文段消亡。",
    ]


def test_latin_words_stay_whole_and_break_at_spaces() -> None:
    lines = wrap("The quick brown fox jumps over the lazy dog", 12)
    assert lines == ["The quick", "brown fox", "jumps over", "the lazy dog"]
    assert wrap("TIME-WAIT，等待", 12) == ["TIME-WAIT，", "等待"]


def test_closing_punctuation_never_starts_a_line_nor_opening_ends_one() -> None:
    assert wrap("一二三四五，六", 10) == ["一二三四", "五，六"]
    assert wrap("一二三（四五", 8) == ["一二三", "（四五"]


def test_a_word_wider_than_the_line_is_cut_by_cells() -> None:
    assert wrap("x supercalifragilistic", 10) == ["x", "supercalif", "ragilistic"]
    assert wrap("一二三四五六", 5) == ["一二", "三四", "五六"]


def test_newlines_are_kept_and_spaces_at_a_break_dropped() -> None:
    assert wrap("one two\nthree", 5) == ["one", "two", "three"]
    assert wrap("", 10) == []


words = st.one_of(
    st.text(alphabet="abcdefghij-·", min_size=1, max_size=12),
    st.text(alphabet="客户端服务器状态等待确认报文段，。（）“”", min_size=1, max_size=12),
    st.sampled_from(["TIME-WAIT", "SYN,ACK", "2·MSL", "RCV.NXT"]),
)


@given(st.lists(st.tuples(words, st.sampled_from(["", " "])), min_size=1, max_size=30), st.integers(8, 60))
def test_wrapping_properties(pieces: list[tuple[str, str]], width: int) -> None:
    text = "".join(word + space for word, space in pieces).strip()
    lines = wrap(text, width)
    # nothing is lost but the spaces at the breaks, and no line is wider than the width
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assume(all(cell_width(text[a:b].rstrip()) <= width for a, b in _units(text)))  # else a unit is cut
    for i, line in enumerate(lines):
        assert line and cell_width(line) <= width, line
        assert i == 0 or line[0] not in NO_LINE_START, line
        assert i == len(lines) - 1 or line[-1] not in NO_LINE_END or line + " " in text, line
        if i + 2 < len(lines):  # greedy: the next line's first unit did not fit on this one
            a, b = _units(lines[i + 1])[0]
            first = lines[i + 1][a:b].rstrip()
            gap = 1 if line + " " + first in text else 0
            assert cell_width(line) + gap + cell_width(first) > width, (line, first)


def test_no_character_is_left_alone_on_the_last_line() -> None:
    lines = wrap("TIME-WAIT 实验：大量短连接，不打开界面，随时间统计各状态的数量", 60)
    assert lines == ["TIME-WAIT 实验：大量短连接，不打开界面，随时间统计各状态的", "数量"]


def test_no_character_and_its_closing_punctuation_are_left_alone_on_the_last_line() -> None:
    # the client pane's retransmission timer at 80x24, in Chinese: "次）" was a line of its own
    text = "◔ RTO  1.00 s  （RTO 1 秒，已重试 0 次）"
    assert wrap(text, 36)[-1] != "次）"
    assert [cell_width(line) <= 36 for line in wrap(text, 36)] == [True, True]


def test_paragraphs_undo_hard_line_breaks_and_keep_list_items() -> None:
    text = "First line\ngoes on.\n\n1. t=0.0  Handshake\n   continued.\n2. Next.\n中文第一行\n接着写。\n"
    assert paragraphs(text) == ["First line goes on.", "1. t=0.0 Handshake continued.", "2. Next. 中文第一行接着写。"]
    assert paragraphs("- a\n- b\n  c") == ["- a", "- b c"]


def test_wrapped_renderable_in_a_rich_table_keeps_styles() -> None:
    table = Table("state", "meaning")
    table.add_row("TIME-WAIT", Wrapped(Text(TIME_WAIT_ZH, style="bold")))
    console = Console(width=50, record=True, color_system=None)
    console.print(table)
    lines = console.export_text().splitlines()
    body = [line for line in lines if "│" in line]
    cells = [line.split("│")[2].strip() for line in body]
    assert "".join(cells).replace(" ", "") == TIME_WAIT_ZH.replace(" ", "")
    assert all(cell_width(cell) >= 30 for cell in cells[:-1])  # no near-empty line
    assert all(cell_width(line) <= 50 for line in lines)
    pieces = wrap_text(Text(TIME_WAIT_ZH, style="bold"), 20)
    assert all(piece.style == "bold" or piece.spans for piece in pieces)
