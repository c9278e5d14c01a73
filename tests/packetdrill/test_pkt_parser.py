"""The dialect's parser: tokens, the script model, #ifdef lines and defines, and every syntax error
located at its line (exit 2, never a traceback)."""

from __future__ import annotations

import pytest

from tcpsim.packetdrill.lexer import tokenize
from tcpsim.packetdrill.model import Array, Assign, Int, Or, Packet, ScriptError, Shell, Struct, Syscall, Word
from tcpsim.packetdrill.parser import parse


def test_tokens_follow_packetdrills_longest_match() -> None:
    kinds = [(t.kind, t.text) for t in tokenize("+.01...0.011 0x02 F. 1:1001(1000) --x=ipv4-mapped-ipv6", "t")]
    assert kinds[:9] == [
        ("PUNCT", "+"),
        ("FLOAT", ".01"),
        ("ELLIPSIS", "..."),
        ("FLOAT", "0.011"),
        ("HEX", "0x02"),
        ("WORD", "F"),
        ("PUNCT", "."),
        ("INT", "1"),
        ("PUNCT", ":"),
    ]
    option = [t for t in tokenize("--ip_version=ipv4-mapped-ipv6 --verbose", "t") if t.kind == "OPTION"]
    assert [(o.text, o.value) for o in option] == [("ip_version", "ipv4-mapped-ipv6"), ("verbose", None)]


def test_a_script_as_data() -> None:
    script = parse(
        """--tolerance_usecs=75000
`init.sh`
// a comment
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3 /* block
comment */
+0.1...0.2 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0 > S. 0:0(0) ack 1 win 65535 <mss 1460,nop,wscale 7,sackOK,TS val 1 ecr 0,sack 1:2 3:4>
1~2 > . 1:1(0) ack 1 <...>
* > P. 1:1001(1000) ack 1
+0 setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0
+0 fcntl(3, F_SETFL, O_RDWR|O_NONBLOCK) = 0
+0 `sysctl -w a.b=1`
`cleanup.sh`
""",
        "t.pkt",
    )
    assert [(o.name, o.value) for o in script.options] == [("tolerance_usecs", "75000")]
    assert script.init_command == (2, Shell("init.sh"))
    assert script.cleanup_command == (13, Shell("cleanup.sh"))
    lines = [e.line for e in script.events]
    assert lines == [4, 6, 7, 8, 9, 10, 11, 12]
    connect = script.events[1]
    assert connect.when.kind == "relative" and connect.when.start == pytest.approx(0.1)
    assert isinstance(connect.action, Syscall)
    assert connect.action.end == pytest.approx(0.2)
    assert connect.action.errno == "EINPROGRESS" and connect.action.result == Int(-1)
    synack = script.events[2].action
    assert isinstance(synack, Packet)
    assert (synack.direction, synack.flags, synack.start, synack.end, synack.length) == (">", "S.", 0, 0, 0)
    assert (synack.ack, synack.win) == (1, 65535)
    assert [o.name for o in synack.options or ()] == ["mss", "nop", "wscale", "sackOK", "TS", "sack"]
    assert script.events[3].when.kind == "absolute_range" and script.events[3].action.any_options  # type: ignore[union-attr]
    assert script.events[4].when.kind == "any"
    linger = script.events[5].action
    assert isinstance(linger, Syscall)
    assert linger.args[3] == Struct((Assign(Word("onoff"), Int(1)), Assign(Word("linger"), Int(0))))
    fcntl = script.events[6].action
    assert isinstance(fcntl, Syscall) and fcntl.args[2] == Or(Word("O_RDWR"), Word("O_NONBLOCK"))
    assert script.events[7].action == Shell("sysctl -w a.b=1")
    getsockopt = parse("0 getsockopt(3, SOL_SOCKET, SO_RCVBUF, [65536], [4]) = 0", "t").events[0].action
    assert isinstance(getsockopt, Syscall) and isinstance(getsockopt.args[3], Array)


IFDEF = """\
0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
#ifdef FreeBSD
+0 close(3) = 0
#else
+0 close(4) = 0
#endif
#ifndef Linux
+0 close(5) = 0
#endif
"""


def test_ifdef_else_endif_with_defines() -> None:
    def closes(defines: dict[str, str]) -> list[int]:
        events = parse(IFDEF, "t", defines).events[1:]
        calls = [e.action for e in events]
        return [c.args[0].value for c in calls if isinstance(c, Syscall) and isinstance(c.args[0], Int)]

    assert closes({}) == [4, 5]
    assert closes({"FreeBSD": "1"}) == [3, 5]
    assert closes({"Linux": "1"}) == [4]
    # lines keep their numbers whatever is left out
    assert [e.line for e in parse(IFDEF, "t", {"FreeBSD": "1"}).events] == [1, 3, 8]


def test_a_define_with_a_value_replaces_the_word() -> None:
    script = parse("0 write(FD, ..., SIZE) = SIZE", "t", {"FD": "4", "SIZE": "1000"})
    sc = script.events[0].action
    assert isinstance(sc, Syscall) and sc.args[0] == Int(4) and sc.result == Int(1000)
    header = parse("--define=N=7\n0 close(N) = 0", "t")
    assert header.events[0].action.args[0] == Int(7)  # type: ignore[union-attr]


BAD = [
    ("", 1, "a script needs at least one timed event"),
    ("0 socket(", 1, "syntax error at the end of the script"),
    ("0 close(3) = 0\n+0 > S 0:0 ack 1", 2, "expected '('"),
    ("0 close(3) = 0\n\n+0 > S 0:1(0) win 1", 3, "inconsistent TCP sequence numbers and payload size"),
    ("0 < S 0:0(0)", 1, "window must be specified for inbound packets"),
    ("0 < S 0:0(0) win 1 <...>", 1, "<...> for TCP options can only be used with outbound packets"),
    ("0.5 close(3) = 0", 1, "first event should be at time 0"),
    ("0 close(3) = 0\n1~2 close(3) = 0", 2, "event time range can only be used with outbound packets"),
    ("0 close(3) = 0\n* < S 0:0(0) win 1", 2, "event time <star> can only be used with outbound packets"),
    ("0 close(3) = 0\n2~1 > S 0:0(0)", 2, "time range is backwards"),
    ("0 close(3) = 0\n-1 close(3) = 0", 2, "negative time"),
    ("0 > X 0:0(0)", 1, "Invalid TCP flag: 'X'"),
    ("0 > S 0:0(0) win 70000", 1, "TCP window value out of range"),
    ("0 > S 0:0(0) <mss 1460, bogus>", 1, "unknown TCP option 'bogus'"),
    ("0 > S 0:0(0) <wscale 15>", 1, "wscale value out of range"),
    ("0 close(3) = 0\n+0 frobnicate", 2, "expected a packet"),
    ("0 close(3) = 0\n+0 `unclosed", 2, "is never closed"),
    ("0 close(3) = 0 /* open", 1, "comment /* is never closed"),
    ("#ifdef X\n0 close(3) = 0", 1, "#ifdef without #endif"),
    ("0 close(3) = 0\n#endif", 2, "#endif without #ifdef"),
    ("0 close(3) = 0\n#else", 2, "#else without #ifdef"),
    ("#ifdef\n0 close(3) = 0\n#endif", 1, "#ifdef needs one name"),
    ("0 close(3) = 0\n# not a directive", 2, "syntax error at '#'"),
    ("0 close(3) = 0\n--late=1", 2, "options (--name=value) belong before the first event"),
    ("0 close(3) = 0\n`cmd`\n+0 close(3) = 0", 2, "needs a time"),
    ("0 f(" + "[" * 100 + ")", 1, "nested more than 64 deep"),
]


@pytest.mark.parametrize(("text", "line", "message"), BAD, ids=[m for _, _, m in BAD])
def test_malformed_scripts_are_located(text: str, line: int, message: str) -> None:
    with pytest.raises(ScriptError) as info:
        parse(text, "bad.pkt")
    error = info.value
    assert not error.unsupported
    assert error.line == line, str(error)
    assert message in str(error)
    assert str(error).startswith(f"bad.pkt:{line}: ")
