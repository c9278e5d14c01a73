"""Each supported system call, line kind and option of the dialect (README, "The dialect") played
on its own and holding (exit 0), with what it must have done; a meta-test keeps the table complete.

The mismatches (exit 1, located) are in test_pkt_mismatch.py, what is not modelled (exit 2, located)
in test_pkt_unsupported.py; the scripts of tests/packetdrill/scripts/ play whole stories."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tcpsim.core.segment import Flags
from tcpsim.core.states import State
from tcpsim.packetdrill.runner import ScriptResult
from tcpsim.sim.trace import SendEvent

Play = Callable[..., ScriptResult]

Check = Callable[[ScriptResult], bool]
"""What must hold once the script has run, beyond its verdict."""


def _local_state(result: ScriptResult) -> State:
    assert result.run is not None
    return result.run.local_state


def _sent(result: ScriptResult) -> list[SendEvent]:
    assert result.run is not None
    return [e for e in result.run.world.trace if isinstance(e, SendEvent) and e.endpoint == result.run.local]


def _any(_: ScriptResult) -> bool:
    return True


SUPPORTED: list[tuple[str, str, bool, Check]] = [
    # (feature, script, established: it follows PASSIVE_OPEN (its first line is line 8), what must hold)
    # ---- system calls
    ("socket", "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3", False, _any),
    ("bind listen accept", "+0 close(4) = 0\n+0 > F. 1:1(0) ack 1", True, _any),
    ("fcntl F_GETFL", "+0 fcntl(4, F_GETFL) = 0x2 (flags O_RDWR)", True, _any),
    (
        "fcntl F_SETFL O_NONBLOCK",
        "+0 fcntl(4, F_SETFL, O_RDWR | O_NONBLOCK) = 0\n+0 fcntl(4, F_GETFL) = 0x802 (flags O_RDWR|O_NONBLOCK)",
        True,
        _any,
    ),
    (
        "setsockopt SO_REUSEADDR SO_REUSEPORT",
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
        "+0 setsockopt(3, SOL_SOCKET, SO_REUSEADDR, [1], 4) = 0\n"
        "+0 setsockopt(3, SOL_SOCKET, SO_REUSEPORT, [1], 4) = 0\n"
        "+0 bind(3, ..., ...) = 0\n+0 listen(3, 1) = 0",
        False,
        lambda r: _local_state(r) is State.LISTEN,
    ),
    ("setsockopt TCP_NODELAY 1", "+0 setsockopt(4, IPPROTO_TCP, TCP_NODELAY, [1], 4) = 0", True, _any),
    (
        "setsockopt getsockopt SO_RCVBUF",
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
        "+0 setsockopt(3, SOL_SOCKET, SO_RCVBUF, [1000], 4) = 0\n"
        "+0 getsockopt(3, SOL_SOCKET, SO_RCVBUF, [1000], [4]) = 0\n"
        "+0 bind(3, ..., ...) = 0\n+0 listen(3, 1) = 0\n"
        "+0.1 < S 0:0(0) win 65535 <mss 1460>\n+0 > S. 0:0(0) ack 1 win 1000",
        False,
        _any,
    ),
    ("getsockopt SO_ERROR", "+0 getsockopt(4, SOL_SOCKET, SO_ERROR, [0], [4]) = 0", True, _any),
    (
        "setsockopt SO_LINGER 0 then close is ABORT",
        "+0 setsockopt(4, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0\n+0 close(4) = 0\n+0 > R 1:1(0)",
        True,
        lambda r: _local_state(r) in (State.CLOSED, State.LISTEN),
    ),
    (
        "connect blocking",
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0...0.1 connect(3, ..., ...) = 0\n"
        "+0 > S 0:0(0) win 65535\n+0.1 < S. 0:0(0) ack 1 win 65535\n+0 > . 1:1(0) ack 1",
        False,
        lambda r: _local_state(r) is State.ESTABLISHED,
    ),
    (
        "connect EINPROGRESS EALREADY EISCONN",
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0\n"
        "+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)\n"
        "+0 > S 0:0(0) win 65535\n"
        "+0 connect(3, ..., ...) = -1 EALREADY (Operation already in progress)\n"
        "+0.1 < S. 0:0(0) ack 1 win 65535\n+0 > . 1:1(0) ack 1\n"
        "+0 connect(3, ..., ...) = -1 EISCONN (Transport endpoint is already connected)",
        False,
        lambda r: _local_state(r) is State.ESTABLISHED,
    ),
    ("write", "+0 write(4, ..., 10) = 10\n+0 > P. 1:11(10) ack 1", True, _any),
    ("send", "+0 send(4, ..., 10, 0) = 10\n+0 > P. 1:11(10) ack 1", True, _any),
    (
        "read counts the bytes delivered",
        "+0.1 < P. 1:11(10) ack 1 win 65535\n+0 > . 1:1(0) ack 11\n+0 read(4, ..., 100) = 10",
        True,
        _any,
    ),
    (
        "recv",
        "+0.1 < P. 1:11(10) ack 1 win 65535\n+0 > . 1:1(0) ack 11\n"
        "+0 recv(4, ..., 4, 0) = 4\n+0 recv(4, ..., 100, 0) = 6",
        True,
        _any,
    ),
    (
        "EWOULDBLOCK is EAGAIN",
        "+0 fcntl(4, F_SETFL, O_RDWR | O_NONBLOCK) = 0\n"
        "+0 read(4, ..., 10) = -1 EWOULDBLOCK (Resource temporarily unavailable)\n"
        "+0 read(4, ..., 10) = -1 EAGAIN (Resource temporarily unavailable)",
        True,
        _any,
    ),
    (
        "shutdown SHUT_WR is CLOSE of the send side",
        "+0 shutdown(4, SHUT_WR) = 0\n+0 > F. 1:1(0) ack 1\n+0.1 < P. 1:6(5) ack 2 win 65535\n+0 > . 2:2(0) ack 6\n"
        "+0 read(4, ..., 10) = 5",
        True,
        lambda r: _local_state(r) is State.FIN_WAIT_2,
    ),
    (
        "shutdown SHUT_RD",
        "+0 shutdown(4, SHUT_RD) = 0\n+0 read(4, ..., 10) = 0",
        True,
        lambda r: _local_state(r) is State.ESTABLISHED,
    ),
    (
        "shutdown SHUT_RDWR",
        "+0 shutdown(4, SHUT_RDWR) = 0\n+0 > F. 1:1(0) ack 1\n+0 read(4, ..., 10) = 0\n"
        "+0 write(4, ..., 10) = -1 EPIPE (Broken pipe)",
        True,
        lambda r: _local_state(r) is State.FIN_WAIT_1,
    ),
    ("close", "+0 close(4) = 0\n+0 > F. 1:1(0) ack 1", True, lambda r: _local_state(r) is State.FIN_WAIT_1),
    # ---- packets and times
    ("inbound packet", "+0.1 < P. 1:11(10) ack 1 win 65535\n+0 > . 1:1(0) ack 11", True, _any),
    ("outbound packet, win checked when given", "+0 close(4) = 0\n+0 > F. 1:1(0) ack 1 win 65535", True, _any),
    ("flags - for none and combinations", "+0.1 < FP. 1:3(2) ack 1 win 65535\n+0 > . 1:1(0) ack 4", True, _any),
    ("absolute time", "0.3 close(4) = 0\n0.3 > F. 1:1(0) ack 1", True, _any),
    ("relative time", "+0.1 close(4) = 0\n+0 > F. 1:1(0) ack 1", True, _any),
    ("any time *", "+0.1 close(4) = 0\n* > F. 1:1(0) ack 1", True, _any),
    ("time range ~", "+0.1 close(4) = 0\n+0~+0.1 > F. 1:1(0) ack 1", True, _any),
    (
        "blocking call with an end time ...",
        "+0...0.2 read(4, ..., 10) = 10\n+0.2 < P. 1:11(10) ack 1 win 65535\n+0 > . 1:1(0) ack 11",
        True,
        _any,
    ),
    (
        "TSO: one > line for segments back to back",
        "+0.1 < . 1:1(0) ack 1 win 65535\n+0 write(4, ..., 2920) = 2920\n+0 > P. 1:2921(2920) ack 1",
        True,
        lambda r: len([e for e in _sent(r) if e.segment.data]) == 2,
    ),
    ("options <...> parsed, not compared", "+0.1 < . 1:1(0) ack 1 win 65535 <nop,nop,sack 1:2>", True, _any),
    (
        "SYN sequence numbers absolute",
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0\n"
        "+0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)\n+0 > S 0:0(0) win 65535\n"
        "+0.1 < S. 1000000:1000000(0) ack 1 win 65535\n+0 > . 1:1(0) ack 1\n"
        "+0.1 < P. 1:3(2) ack 1 win 65535\n+0 > . 1:1(0) ack 3",
        False,
        lambda r: _local_state(r) is State.ESTABLISHED,
    ),
    # ---- preprocessor and shell lines
    (
        "#ifdef #ifndef #else #endif",
        "#ifdef STANDARD\n+0 close(4) = 0\n#else\n+0 write(4, ..., 1) = 1\n#endif\n"
        "#ifndef Linux\n+0 > F. 1:1(0) ack 1\n#endif",
        True,
        _any,
    ),
    ("sysctl a stack models", "+0 `sysctl -w net.inet.tcp.insecure_rst=0`", True, _any),
    ("state check ss", "+0 `ss -tan | grep -c ESTAB | grep 1`", True, _any),
    ("state check netstat", "+0 `netstat -tn | grep -c ESTABLISHED | grep 1`", True, _any),
    ("state check sockstat", "+0 `sockstat -4 -P tcp -s | grep packetdril | grep -c ESTABLISHED | grep 1`", True, _any),
    (
        "tcpdrop",
        "+0 `tcpdrop -s ESTABLISHED`\n+0 > R 1:1(0)",
        True,
        lambda r: any(e.segment.flags & Flags.RST for e in _sent(r)),
    ),
    ("other shell lines skipped", "+0 `echo never run`", True, lambda r: r.run is not None and bool(r.run.skipped)),
    # ---- options
    ("--tolerance_usecs", "--tolerance_usecs=100000\n+0.1 close(4) = 0\n+0.05 > F. 1:1(0) ack 1", True, _any),
    ("--tolerance_percent", "--tolerance_percent=100\n+1 close(4) = 0\n+0.5 > F. 1:1(0) ack 1", True, _any),
    (
        "--ip_version",
        "--ip_version=ipv6\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 bind(3, ..., ...) = 0\n"
        "+0 listen(3, 1) = 0\n+0.1 < S 0:0(0) win 65535\n+0 > S. 0:0(0) ack 1 win 65535",
        False,
        _any,
    ),
    (
        "--mss",
        "--mss=1000\n+0.1 < . 1:1(0) ack 1 win 65535\n+0 write(4, ..., 1460) = 1460\n+0 > P. 1:1461(1460) ack 1",
        True,
        lambda r: [len(e.segment.data) for e in _sent(r) if e.segment.data] == [1000, 460],
    ),
    (
        "--mtu",
        "--mtu=1040\n+0.1 < . 1:1(0) ack 1 win 65535\n+0 write(4, ..., 1460) = 1460\n+0 > P. 1:1461(1460) ack 1",
        True,
        lambda r: [len(e.segment.data) for e in _sent(r) if e.segment.data] == [1000, 460],
    ),
    (
        "--bind_port --connect_port",
        "--bind_port=9000\n--connect_port=9001\n0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
        "+0 bind(3, ..., ...) = 0\n+0 listen(3, 1) = 0\n+0.1 < S 0:0(0) win 65535\n+0 > S. 0:0(0) ack 1",
        False,
        lambda r: _sent(r)[0].segment.sport == 9000,
    ),
    (
        "--strict_segments",
        "--strict_segments\n+0.1 < . 1:1(0) ack 1 win 65535\n+0 write(4, ..., 2920) = 2920\n"
        "+0 > . 1:1461(1460) ack 1\n+0 > P. 1461:2921(1460) ack 1",
        True,
        _any,
    ),
    ("--define replaces the word", "--define=FD=4\n+0 close(FD) = 0\n+0 > F. 1:1(0) ack 1", True, _any),
]

FEATURES = {
    # the README's dialect section, line by line: every feature named there has a row above
    "socket", "fcntl F_GETFL", "fcntl F_SETFL O_NONBLOCK", "setsockopt SO_REUSEADDR SO_REUSEPORT",
    "setsockopt TCP_NODELAY 1", "setsockopt getsockopt SO_RCVBUF", "getsockopt SO_ERROR",
    "setsockopt SO_LINGER 0 then close is ABORT", "bind listen accept", "connect blocking",
    "connect EINPROGRESS EALREADY EISCONN", "write", "send", "read counts the bytes delivered", "recv",
    "EWOULDBLOCK is EAGAIN", "shutdown SHUT_WR is CLOSE of the send side", "shutdown SHUT_RD",
    "shutdown SHUT_RDWR", "close", "inbound packet", "outbound packet, win checked when given",
    "flags - for none and combinations", "absolute time", "relative time", "any time *", "time range ~",
    "blocking call with an end time ...", "TSO: one > line for segments back to back",
    "options <...> parsed, not compared", "SYN sequence numbers absolute", "#ifdef #ifndef #else #endif",
    "sysctl a stack models", "state check ss", "state check netstat", "state check sockstat", "tcpdrop",
    "other shell lines skipped", "--tolerance_usecs", "--tolerance_percent", "--ip_version", "--mss", "--mtu",
    "--bind_port --connect_port", "--strict_segments", "--define replaces the word",
}  # fmt: skip


@pytest.mark.parametrize(("feature", "text", "established", "check"), SUPPORTED, ids=[s[0] for s in SUPPORTED])
def test_each_supported_feature_holds_on_its_own(
    play: Play, passive_open: str, feature: str, text: str, established: bool, check: Check
) -> None:
    if established and text.startswith("--"):  # option lines go before the first event
        lines = text.split("\n")
        options = [line for line in lines if line.startswith("--")]
        body = "\n".join(line for line in lines if not line.startswith("--"))
        result = play("\n".join(options) + "\n" + passive_open + body)
    else:
        result = play(text, established=established)
    assert result.verdict.code == 0, result.verdict.message
    assert check(result), feature


def test_every_feature_of_the_dialect_has_a_row() -> None:
    assert {s[0] for s in SUPPORTED} == FEATURES
