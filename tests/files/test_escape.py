"""tcpsim.escape: strings from files are shown, never interpreted by a terminal."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from tcpsim.escape import is_hidden, json_visible, visible, visible_bytes


def test_controls_are_escaped_as_repr_writes_them() -> None:
    assert visible("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert visible("title\x1b]0;pwned\x07") == "title\\x1b]0;pwned\\x07"
    assert visible("one\ntwo\r\tthree") == "one\\ntwo\\r\\tthree"
    assert visible("\x7f\x9b\u202e\u2028\U000e0001") == "\\x7f\\x9b\\u202e\\u2028\\U000e0001"


def test_printable_text_is_unchanged() -> None:
    for text in ("Lost final ACK", "丢失的最后一个 ACK", "C:\\temp", "a\u3000b", "é\u00a0x", ""):
        assert visible(text) == text


def test_multiline_keeps_newlines_and_tabs_only() -> None:
    assert visible("a\nb\tc\x1bd", multiline=True) == "a\nb\tc\\x1bd"


@given(st.text())
def test_the_result_has_nothing_hidden(text: str) -> None:
    assert not any(is_hidden(ch) for ch in visible(text))
    assert "\n" not in visible(text)


@given(st.binary())
def test_bytes_are_shown_on_one_line(data: bytes) -> None:
    shown = visible_bytes(data)
    assert not any(is_hidden(ch) for ch in shown)


@given(st.dictionaries(st.text(), st.text()))
def test_json_keeps_its_values_and_hides_nothing(obj: dict[str, str]) -> None:
    line = json_visible(json.dumps(obj, ensure_ascii=False))
    assert json.loads(line) == obj
    assert not any(is_hidden(ch) for ch in line)
    line.encode("utf-8")  # no lone surrogate left to break the output stream
