"""Which language tcpsim speaks: ``--lang``, else the environment as gettext reads it, else English;
only languages with a catalogue."""

from __future__ import annotations

import pytest

from tcpsim import i18n
from tcpsim.core.states import State


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, "en"),
        ({"LANG": "zh_CN.UTF-8"}, "zh"),
        ({"LANG": "zh_TW.UTF-8"}, "zh"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "POSIX"}, "en"),
        ({"LANG": "fr_FR.UTF-8"}, "en"),
        ({"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, "en"),  # LC_ALL overrides LANG
        ({"LC_MESSAGES": "zh_CN", "LANG": "en_US"}, "zh"),
        ({"LANGUAGE": "fr:zh_CN:en", "LANG": "en_US.UTF-8"}, "zh"),  # the first one available
        ({"LANGUAGE": "en:zh", "LANG": "zh_CN.UTF-8"}, "en"),
        ({"LANGUAGE": "", "LANG": "zh_CN.UTF-8"}, "zh"),
    ],
)
def test_the_environment_chooses_the_language(environ: dict[str, str], expected: str) -> None:
    assert i18n.language_from_environment(environ) == expected


def test_the_languages_are_those_with_a_catalogue() -> None:
    assert set(i18n.languages()) >= {"en", "zh"}
    with pytest.raises(ValueError, match="unknown language 'xx'"):
        i18n.set_language("xx")


def test_marked_strings_follow_the_language() -> None:
    english = State.TIME_WAIT.description
    try:
        assert i18n.set_language("zh") == "zh"
        assert i18n._(english).startswith("双方的 FIN 都已确认")
        assert i18n._("") == ""  # not the catalogue's header
        assert i18n._("a string no catalogue has") == "a string no catalogue has"
        assert i18n.number(12345.6, 1) == "12,345.6"
        i18n.set_language("en")
        assert i18n._(english) == english
    finally:
        i18n.set_language("en")


def test_a_story_is_translated_paragraph_by_paragraph() -> None:
    text = "This is the first reason TIME-WAIT exists (RFC 9293 §3.6.1, MUST-13). The side that closes\nfirst"
    try:
        i18n.set_language("zh")
        assert i18n.story(text) == [i18n._(text.replace("\n", " "))]
    finally:
        i18n.set_language("en")
