"""What tcpsim does not model is refused with exit 2, ``FILE:LINE: unsupported: …``, before or as
the line runs; options and calls that only describe the test machine are accepted and listed."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tcpsim.packetdrill.runner import ScriptResult

Play = Callable[..., ScriptResult]

UNSUPPORTED = [
    ("0 < udp (100)", 1, "UDP packets"),
    ("0 < icmp unreachable", 1, "ICMP packets"),
    ("0 < [ect0] S 0:0(0) win 1", 1, "IP header fields"),
    ("0 < 1 > 2 S 0:0(0) win 1", 1, "port numbers in a packet line"),
    ("0 < SE 0:0(0) win 1", 1, "the TCP flag 'E', ECE (ECN)"),
    ("0 < SW 0:0(0) win 1", 1, "the TCP flag 'W', CWR (ECN)"),
    ("0 < U. 0:0(0) ack 1 win 1", 1, "the TCP flag 'U', URG"),
    ("0 < . 0:0(0) ack 1 win 1 urg 1", 1, "the urgent pointer"),
    ("0 < . 0:0(0) ack 1 win 1 <nop>/udp(1 > 2)", 1, "TCP encapsulated in UDP"),
    ("0 close(3) = 0\n+0 %{ print(1) }%", 2, "%{ python }% code snippets"),
    ("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 poll([], 0, 0) = 0", 2, "the system call poll()"),
    ("0 socket(..., SOCK_DGRAM, IPPROTO_UDP) = 3", 1, "socket type SOCK_DGRAM"),
    ("0 socket(..., SOCK_STREAM, IPPROTO_SCTP) = 3", 1, "protocol IPPROTO_SCTP"),
    ("0 fcntl(3, F_GETFD) = 0", 1, "fcntl F_GETFD"),
    ("0 setsockopt(3, SOL_SOCKET, SO_SNDBUF, [1000], 4) = 0", 1, "setsockopt SO_SNDBUF"),
    ("0 setsockopt(3, IPPROTO_TCP, TCP_NODELAY, [0], 4) = 0", 1, "Nagle's algorithm"),
    ("0 setsockopt(3, SOL_SOCKET, SO_LINGER, {onoff=1, linger=5}, 8) = 0", 1, "SO_LINGER with a timeout"),
    ("0 setsockopt(3, SOL_IP, IP_TOS, [1], 4) = 0", 1, "setsockopt at level SOL_IP"),
    ("0 send(4, ..., 10, MSG_DONTWAIT) = 10", 1, "send() flags MSG_DONTWAIT"),
    ('0 write(4, "hello", 5) = 5', 1, "a write() buffer other than ..."),
    ("--non_fatal=packet\n0 close(3) = 0", 1, "--non_fatal"),
    ("--wire_server\n0 close(3) = 0", 1, "wire client and server"),
    ("0 `sysctl -w net.inet.tcp.insecure_rst=1`", 1, "without RFC 5961 §3"),
    ("0 `sysctl -w net.inet.tcp.insecure_syn=1`", 1, "without RFC 5961 §4"),
    ("0 `sysctl -w net.inet.tcp.drop_synfin=1`", 1, "dropping SYN+FIN segments"),
]


@pytest.mark.parametrize(("text", "line", "message"), UNSUPPORTED, ids=[m for _, _, m in UNSUPPORTED])
def test_unsupported_is_exit_2_located(play: Play, text: str, line: int, message: str) -> None:
    verdict = play(text).verdict
    assert verdict.code == 2, verdict
    assert verdict.line == line
    assert verdict.message.startswith(f"t.pkt:{line}: unsupported: "), verdict.message
    assert message in verdict.message


def test_a_second_connection_while_the_tcb_is_in_use(play: Play) -> None:
    verdict = play(
        """\
        +0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 5
        +0 fcntl(5, F_SETFL, O_NONBLOCK) = 0
        +0 connect(5, ..., ...) = -1 EINPROGRESS (Operation now in progress)
        """,
        established=True,
    ).verdict
    assert verdict.code == 2
    assert verdict.message == (
        "t.pkt:10: unsupported: a second connection while the TCB is in use (tcpsim runs one TCB per script)"
    )


def test_so_rcvbuf_on_a_connected_socket(play: Play) -> None:
    verdict = play("+0 setsockopt(4, SOL_SOCKET, SO_RCVBUF, [1000], 4) = 0", established=True).verdict
    assert (verdict.code, verdict.line) == (2, 8)
    assert "SO_RCVBUF on a connected socket" in verdict.message


def test_unsupported_lines_are_refused_before_the_first_line_runs(play: Play) -> None:
    result = play("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 close(7) = 0\n+1 poll([], 0, 0) = 0")
    assert result.verdict.code == 2 and result.verdict.line == 3
    assert result.run is None  # nothing was played


BAD_OPTIONS = [
    ("--bogus=1", "unrecognized option --bogus"),
    ("--tolerance_usecs=abc", "--tolerance_usecs needs a number"),
    ("--tolerance_usecs=-5", "--tolerance_usecs out of range"),
    ("--ip_version=ipv5", "--ip_version must be one of ipv4, ipv4-mapped-ipv6, ipv6"),
    ("--mss=0", "--mss out of range"),
]


@pytest.mark.parametrize(("option", "message"), BAD_OPTIONS, ids=[m for _, m in BAD_OPTIONS])
def test_bad_options_are_malformed(play: Play, option: str, message: str) -> None:
    verdict = play(f"{option}\n0 close(3) = 0").verdict
    assert (verdict.code, verdict.line) == (2, 1)
    assert message in verdict.message and "unsupported" not in verdict.message


def test_options_about_the_test_machine_are_accepted_and_listed(play: Play) -> None:
    result = play(
        "--ip_version=ipv6\n--remote_ip=2001:db8::1\n--speed=1000\n--verbose\n--define=X=1\n"
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3"
    )
    assert result.verdict.code == 0
    assert result.run is not None
    skipped = {s.line: s.detail for s in result.run.skipped}
    assert skipped == {
        2: "--remote_ip: addresses only label the packets of an export",
        3: "--speed: the simulated link has no speed limit",
    }
    assert result.run.config.mss == 1440  # IPv6 on a 1500-byte MTU


def test_shell_lines_never_run_and_unknown_ones_are_listed(play: Play, tmp_path: object) -> None:
    result = play(
        """\
        `rm -rf /`
        0 `touch /tmp/tcpsim-must-not-exist`
        +0 `sysctl -w net.inet.tcp.sack.enable=1 net.inet.tcp.recvspace=1000`
        +0 `ss -tan | awk '{print $1}'`
        +0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
        +0 getsockopt(3, SOL_SOCKET, SO_RCVBUF, [1000], [4]) = 0
        """
    )
    assert result.verdict.code == 0, result.verdict.message
    import os

    assert not os.path.exists("/tmp/tcpsim-must-not-exist")
    assert result.run is not None
    skipped = [(s.line, s.detail) for s in result.run.skipped]
    assert skipped == [
        (1, "`rm -rf /`: a shell command tcpsim does not model"),
        (2, "`touch /tmp/tcpsim-must-not-exist`: a shell command tcpsim does not model"),
        (3, "sysctl net.inet.tcp.sack.enable: not modelled by tcpsim"),
        (4, "`ss -tan | awk '{print $1}'`: a ss pipeline with a stage tcpsim does not read (\"awk '{print $1}'\")"),
    ]
