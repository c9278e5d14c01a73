"""Helpers for the packetdrill tests: play a script given as text and look at its verdict."""

from __future__ import annotations

import textwrap
from collections.abc import Callable

import pytest

from tcpsim.packetdrill.runner import ScriptResult, run_text

Play = Callable[..., ScriptResult]

PASSIVE_OPEN = """\
0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0    bind(3, ..., ...) = 0
+0    listen(3, 1) = 0
+0.1  < S 0:0(0) win 65535 <mss 1460>
+0    > S. 0:0(0) ack 1 win 65535
+0.1  < . 1:1(0) ack 1 win 65535
+0    accept(3, ..., ...) = 4
"""
"""Seven lines to ESTABLISHED on descriptor 4 (lines 1-7), for scripts that start there."""


@pytest.fixture
def passive_open() -> str:
    """:data:`PASSIVE_OPEN`, for a test that places it itself (a test module cannot import this
    conftest by name: another directory's conftest may hold that name first)."""
    return PASSIVE_OPEN


@pytest.fixture
def play() -> Play:
    """``play(text, *defines, established=False)``: run the (dedented) script text; with
    ``established`` the text follows :data:`PASSIVE_OPEN`, so its first line is line 8."""

    def _play(text: str, *defines: str, established: bool = False) -> ScriptResult:
        body = textwrap.dedent(text)
        if established:
            body = PASSIVE_OPEN + body
        return run_text(body, "t.pkt", "rfc9293", tuple(defines))

    return _play
