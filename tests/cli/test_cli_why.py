"""Issue 11, the "why" layer: `tcpsim states` (and the help screen, tests/ui/test_why_help.py) say
why MSL is finite, the values in use, why the 4-tuple waits, that only the active closer waits, and
what RFC 9293 changed from RFC 793, in English and in Chinese."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tcpsim import why
from tcpsim.scenario import bundled

Cli = Callable[..., Any]


def test_states_explains_why_after_the_table(cli: Cli) -> None:
    result = cli("states")
    assert result.code == 0, result.err
    flat = result.flat
    for title, _text in why.SECTIONS:
        assert title in flat
    assert flat.index("TIME-WAIT") < flat.index("Why a segment's life is finite")  # the table first
    for fact in ("TTL", "2 minutes", "TCP_TIMEWAIT_LEN (60*HZ)", "include/net/tcp.h", "4-tuple", "RFC 5961"):
        assert fact in flat, fact
    assert "reconnect-same-ports" in flat  # the scenario that meets the waiting 4-tuple


def test_states_explains_why_in_chinese(cli: Cli) -> None:
    result = cli("states", "--lang", "zh")
    assert result.code == 0, result.err
    flat = result.flat.replace(" ", "")
    assert "为什么报文段的寿命是有限的" in flat and "只有先关闭的一方等待" in flat
    assert "TCP_TIMEWAIT_LEN" in flat  # RFC and kernel names stay as they are spelled


def test_the_scenarios_named_in_the_why_exist() -> None:
    names = {p.stem for p in bundled()}
    text = " ".join(t for _, t in why.SECTIONS)
    for name in (
        "reconnect-same-ports",
        "old-duplicate-time-wait",
        "old-duplicate-no-time-wait",
        "active-close-server",
        "simultaneous-close",
        "rst-challenge-ack",
        "syn-in-time-wait",
    ):
        assert name in text and name in names, name
