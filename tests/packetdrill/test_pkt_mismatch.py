"""A line that does not hold stops the run with exit 1 and ``FILE:LINE:`` what was expected and what
the stack did, in packetdrill's words; the lines before it are reported as held."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tcpsim.packetdrill.runner import ScriptResult

Play = Callable[..., ScriptResult]

MISMATCHES = [
    ("+0.1 close(4) = 0\n+0 > . 1:1(0) ack 1", 9, "live packet field tcp_fin: expected: 0 (0x0) vs actual: 1 (0x1)"),
    ("+0.1 close(4) = 0\n+0 > F. 2:2(0) ack 1", 9, "live packet field tcp_seq: expected: 2 (0x2) vs actual: 1 (0x1)"),
    ("+0.1 close(4) = 0\n+0 > F. 1:1(0) ack 5", 9, "live packet field tcp_ack_seq: expected: 5 (0x5) vs actual: 1"),
    (
        "+0.1 close(4) = 0\n+0 > F. 1:1(0) ack 1 win 9",
        9,
        "live packet field tcp_window: expected: 9 (0x9) vs actual: 65535",
    ),
    ("+0 write(4, ..., 10) = 10\n+0 > P. 1:6(5) ack 1", 9, "live packet payload: expected 5 bytes vs actual 10 bytes"),
    (
        "+0.1 close(4) = 0\n+0.5 > F. 1:1(0) ack 1",
        9,
        "timing error: expected outbound packet at 0.800000 sec but happened at 0.300000 sec; tolerance 0.062500 sec",
    ),
    (
        "+0.1 close(4) = 0\n+0.2~+0.3 > F. 1:1(0) ack 1",
        9,
        "timing error: expected outbound packet in time range 0.500000~0.600000 sec but happened at 0.300000 sec",
    ),
    (
        "+0.1 < . 1:1(0) ack 1 win 65535\n+0 > . 1:1(0) ack 1",
        9,
        "timed out waiting for packet: expected . 1:1(0) ack 1 at 0.300000 sec, and the stack sent nothing until",
    ),
    ("+0 write(4, ..., 10) = 9", 8, "runtime error in write call: Expected result 9 but got 10"),
    (
        "+0 close(4) = 0\n+0 close(4) = 0",
        9,
        "runtime error in close call: Expected result 0 but got -1 with errno EBADF (Bad file descriptor)",
    ),
    (
        "+0 read(4, ..., 10) = -1 EPIPE (Broken pipe)",
        8,
        "runtime error in read call: the call blocks (nothing to read)",
    ),
    (
        "+0 fcntl(4, F_SETFL, O_NONBLOCK) = 0\n+0 read(4, ..., 10) = -1 EPIPE (Broken pipe)",
        9,
        "Expected errno EPIPE (Broken pipe) but got EAGAIN (Resource temporarily unavailable)",
    ),
    (
        "+0...0.5 read(4, ..., 10) = 10\n+0.1 < P. 1:11(10) ack 1 win 65535",
        8,
        "timing error: expected system call return at 0.700000 sec but happened at 0.300000 sec",
    ),
    (
        "+0...0.1 read(4, ..., 10) = 10\n+1 < P. 1:11(10) ack 1 win 65535",
        8,
        "timing error: expected system call return at 0.300000 sec, but at 1.200000 sec it still blocks "
        "(nothing to read)",
    ),
    ("+0...0.1 read(4, ..., 10) = 10", 8, "the script ended, but the read() call started here still blocks"),
    (
        "+0 `ss -tan | grep -c TIME-WAIT | grep 1`",
        8,
        "error executing `ss -tan | grep -c TIME-WAIT | grep 1` command: "
        "the state check does not hold (the stack's sockets now: LISTEN (fd 3); ESTAB (fd 4)",
    ),
    (
        "+0 getsockopt(4, SOL_SOCKET, SO_RCVBUF, [1], [4]) = 0",
        8,
        "getsockopt SO_RCVBUF: expected [1] but the value is [65535]",
    ),
    (
        "+0 getsockopt(4, SOL_SOCKET, SO_ERROR, [ECONNRESET], [4]) = 0",
        8,
        "SO_ERROR: expected ECONNRESET, got 0 (no error)",
    ),
]


@pytest.mark.parametrize(("text", "line", "message"), MISMATCHES, ids=[m[:50] for _, _, m in MISMATCHES])
def test_a_line_that_does_not_hold_is_exit_1_located(play: Play, text: str, line: int, message: str) -> None:
    result = play(text, established=True)
    verdict = result.verdict
    assert verdict.code == 1, verdict
    assert verdict.line == line
    assert verdict.message.startswith(f"t.pkt:{line}: "), verdict.message
    assert message in verdict.message
    assert result.run is not None
    statuses = [r.status for r in result.run.results]
    assert statuses[-1] == "failed" and "failed" not in statuses[:-1]


def test_a_packet_mismatch_shows_both_packets_and_why_the_stack_sent_it(play: Play) -> None:
    verdict = play("+0.1 close(4) = 0\n+0 > . 1:1(0) ack 1", established=True).verdict
    assert verdict.message.split("\n")[1:] == [
        "script packet:  0.300000 . 1:1(0) ack 1",
        "actual packet:  0.300000 F. 1:1(0) ack 1 win 65535",
        "(the stack sent it for: 3.10.4 CLOSE: all data segmentized, send FIN)",
    ]


def test_an_unexpected_segment_is_compared_with_the_next_outbound_line(play: Play) -> None:
    """packetdrill sniffs every segment: one the script did not expect meets the next ``>`` line."""
    verdict = play("+0.1 < R 100:100(0) win 65535\n+0.1 close(4) = 0\n+0 > F. 1:1(0) ack 1", established=True).verdict
    assert verdict.line == 10
    assert "live packet field tcp_fin: expected: 1 (0x1) vs actual: 0 (0x0)" in verdict.message
    assert "challenge ACK" in verdict.message


def test_segments_nobody_checked_are_noted_not_failed(play: Play) -> None:
    result = play("+0.1 close(4) = 0", established=True)
    assert result.verdict.code == 0
    assert result.run is not None
    assert result.run.notes[-1].startswith("after the last line the stack also sent, unchecked: 0.300000 F. 1:1(0)")


def test_a_blocking_call_that_returns_in_time_holds(play: Play) -> None:
    result = play(
        "+0...0.2 read(4, ..., 100) = 10\n+0.2 < P. 1:11(10) ack 1 win 65535\n+0 > . 1:1(0) ack 11",
        established=True,
    )
    assert result.verdict.code == 0, result.verdict.message
    assert result.run is not None
    assert [(r.line, r.status) for r in result.run.results[-4:]] == [(8, "blocked"), (8, "ok"), (9, "ok"), (10, "ok")]


def test_a_call_waits_for_the_blocked_one(play: Play) -> None:
    """packetdrill runs one system call at a time: a call after a blocked one waits for it."""
    result = play(
        "+0...0.2 accept(3, ..., ...) = 5\n+0 close(4) = 0\n+0 > F. 1:1(0) ack 1",
        established=True,
    )
    assert result.verdict.code == 1
    assert result.verdict.line == 8
    assert "line 9 needs to run, but the accept() call started here still blocks" in result.verdict.message
