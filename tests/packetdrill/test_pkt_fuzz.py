"""Any text is a script with a verdict: 0, 1 or 2, never a traceback, never a hang (hypothesis)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from tcpsim.packetdrill.runner import run_text

SCRIPTS = [p.read_text() for p in sorted((Path(__file__).parent / "scripts").glob("*.pkt"))]
PIECES = [
    "0 ",
    "+0 ",
    "+0.1 ",
    "* ",
    "1~2 ",
    "+0...0.1 ",
    "< ",
    "> ",
    "S ",
    "S. ",
    "F. ",
    "R ",
    ". ",
    "P. ",
    "- ",
    "0:0(0) ",
    "1:1(0) ",
    "1:101(100) ",
    "ack 1 ",
    "win 65535 ",
    "<mss 1460,wscale 7> ",
    "<...> ",
    "socket(..., SOCK_STREAM, IPPROTO_TCP) = 3",
    "bind(3, ..., ...) = 0",
    "listen(3, 1) = 0",
    "accept(3, ..., ...) = 4",
    "connect(3, ..., ...) = -1 EINPROGRESS",
    "close(4) = 0",
    "read(4, ..., 10) = 0",
    "write(4, ..., 10) = 10",
    "shutdown(4, SHUT_WR) = 0",
    "fcntl(3, F_SETFL, O_NONBLOCK) = 0",
    "setsockopt(4, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0",
    "`ss -tan | grep -c ESTAB | grep 1`",
    "`sysctl -w net.inet.tcp.msl=10`",
    "`tcpdrop -s TIME_WAIT`",
    "#ifdef X\n",
    "#else\n",
    "#endif\n",
    "\n",
    "--tolerance_usecs=1\n",
    "// c\n",
    "/* ",
    " */",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    "=",
    "`",
    '"',
    "...",
]


@given(st.text(max_size=400))
def test_any_text_gets_a_verdict(text: str) -> None:
    assert run_text(text).verdict.code in (0, 1, 2)


@given(st.lists(st.sampled_from(PIECES), max_size=60))
def test_script_shaped_text_gets_a_verdict(pieces: list[str]) -> None:
    assert run_text("".join(pieces)).verdict.code in (0, 1, 2)


@given(
    st.sampled_from(SCRIPTS),
    st.lists(st.tuples(st.integers(0, 5000), st.integers(0, 40), st.sampled_from(PIECES)), max_size=4),
)
def test_edited_scripts_get_a_verdict(script: str, edits: list[tuple[int, int, str]]) -> None:
    for at, cut, piece in edits:
        at %= len(script) + 1
        script = script[:at] + piece + script[at + cut :]
    assert run_text(script).verdict.code in (0, 1, 2)
