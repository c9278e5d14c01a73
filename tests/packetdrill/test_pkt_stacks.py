"""Stack personalities in packetdrill scripts: what lives in the socket layer or behind a sysctl
(FreeBSD F1 and its insecure sysctls, Linux L13, the errno a reset leaves), the ``#ifdef`` names,
the ``...`` sequence number of the FreeBSD tcp-testsuite, and ``--compare`` on a script."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from tcpsim.cli import main
from tcpsim.core.personality import FREEBSD_INSECURE_RST, FREEBSD_RCVBUF, LINUX_RCVBUF
from tcpsim.packetdrill.runner import ScriptResult, run_text
from tcpsim.sim.trace import NoteEvent

SCRIPTS = Path(__file__).parent / "scripts"

ACTIVE = """\
0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0    fcntl(3, F_SETFL, O_RDWR | O_NONBLOCK) = 0
+0    connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)
+0    > S 0:0(0) <...>
+0.1  < S. 0:0(0) ack 1 win 32767 <mss {mss}>
+0    > . 1:1(0) ack 1
"""


def play(text: str, stack: str) -> ScriptResult:
    return run_text(textwrap.dedent(text), "t.pkt", stack)


def notes(result: ScriptResult) -> str:
    assert result.run is not None
    return "\n".join(e.text for e in result.run.world.trace if isinstance(e, NoteEvent))


@pytest.mark.parametrize(("mss", "expected"), [(1460, 65700), (1440, 66240), (1000, 66000)])
def test_f1_tcp_mss_rounds_the_receive_buffer_to_the_mss(mss: int, expected: int) -> None:
    """F1, sys/netinet/tcp_input.c tcp_mss: roundup(65536, MSS) once the peer's MSS is known."""
    text = "0 `sysctl -w net.inet.tcp.recvspace=65536`\n" + ACTIVE.format(mss=mss)
    text += f"+0 getsockopt(3, SOL_SOCKET, SO_RCVBUF, [{expected}], [4]) = 0\n"
    result = play(text, "freebsd")
    assert result.verdict.code == 0, result.verdict.message
    assert FREEBSD_RCVBUF.cite in notes(result)
    assert result.run is not None and result.run.world.endpoints["client"].rcv_space == expected
    assert play(text, "rfc9293").verdict.code == 1  # the other stacks keep 65536


def test_f1_passive_side_is_rounded_when_accepted_and_the_listener_is_not() -> None:
    """F1 through syncache_socket: the accepted socket's buffer, not the listener's."""
    text = """\
    0 `sysctl -w net.inet.tcp.recvspace=65536`
    +0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
    +0 bind(3, ..., ...) = 0
    +0 listen(3, 1) = 0
    +0 < S 0:0(0) win 32767 <mss 1440>
    +0 > S. 0:0(0) ack 1 win 65535
    +0.1 < . 1:1(0) ack 1 win 32767
    +0 accept(3, ..., ...) = 4
    +0 getsockopt(4, SOL_SOCKET, SO_RCVBUF, [66240], [4]) = 0
    +0 getsockopt(3, SOL_SOCKET, SO_RCVBUF, [65536], [4]) = 0
    """
    assert play(text, "freebsd").verdict.code == 0


def test_l13_sock_setsockopt_doubles_so_rcvbuf() -> None:
    """L13, net/core/sock.c __sock_set_rcvbuf: getsockopt returns twice the size (at least
    SOCK_MIN_RCVBUF); the window stays the size asked for."""
    text = """\
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
    +0 getsockopt(3, SOL_SOCKET, SO_RCVBUF, [131072], [4]) = 0
    +0 setsockopt(3, SOL_SOCKET, SO_RCVBUF, [10000], 4) = 0
    +0 getsockopt(3, SOL_SOCKET, SO_RCVBUF, [20000], [4]) = 0
    +0 bind(3, ..., ...) = 0
    +0 listen(3, 1) = 0
    +0 < S 0:0(0) win 32767 <mss 1460>
    +0 > S. 0:0(0) ack 1 win 10000
    """
    result = play(text, "linux")
    assert result.verdict.code == 0, result.verdict.message
    assert LINUX_RCVBUF.cite in notes(result)


@pytest.mark.parametrize(
    ("setting", "stack", "code", "said"),
    [
        ("net.inet.tcp.insecure_rst=1", "freebsd", 0, FREEBSD_INSECURE_RST.cite),
        ("net.inet.tcp.insecure_rst=0", "freebsd", 0, "RFC 5961 §3.2"),
        ("net.inet.tcp.insecure_rst=1", "rfc793", 0, "already the rfc793 stack's behaviour"),
        ("net.inet.tcp.insecure_rst=0", "rfc793", 2, "play the script with --stack freebsd"),
        ("net.inet.tcp.insecure_rst=1", "rfc9293", 2, "or --stack rfc793"),
        ("net.inet.tcp.insecure_rst=1", "linux", 2, "without RFC 5961 §3.2"),
        ("net.inet.tcp.insecure_syn=0", "linux", 0, "already the linux stack's behaviour"),
        ("net.inet.tcp.drop_synfin=1", "freebsd", 0, "drop_synfin=1"),
        ("net.inet.tcp.drop_synfin=1", "rfc9293", 2, "dropping SYN+FIN segments"),
    ],
)
def test_freebsd_sysctls_switch_its_rules_and_are_refused_where_a_stack_cannot(
    setting: str, stack: str, code: int, said: str
) -> None:
    """F4, F5, F6: FreeBSD's sysctls turn its rules on and off; another stack accepts a setting
    only where it already behaves so, and otherwise says which stack can play the script."""
    result = play(f"0 `sysctl -w {setting}`\n", stack)
    assert result.verdict.code == code
    where = result.verdict.message if code else " ".join(r.detail for r in result.run.results)  # type: ignore[union-attr]
    assert said in where


def test_freebsd_insecure_rst_then_back_to_the_default() -> None:
    """F4 at run time: the sysctl changes the stack under test from that line on."""
    text = """\
    0 `sysctl -w net.inet.tcp.insecure_rst=1`
    +0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
    +0 bind(3, ..., ...) = 0
    +0 listen(3, 1) = 0
    +0 < S 0:0(0) win 65535 <mss 1460>
    +0 > S. 0:0(0) ack 1 win 65535
    +0.1 < . 1:1(0) ack 1 win 65535
    +0 accept(3, ..., ...) = 4
    +0.1 < R 100:100(0) win 65535
    +0 getsockopt(4, SOL_SOCKET, SO_ERROR, [ECONNRESET], [4]) = 0
    +0 `ss -tan | grep -c ESTAB | grep 0`
    """
    assert play(text, "freebsd").verdict.code == 0
    assert play(text.replace("insecure_rst=1", "insecure_rst=0"), "freebsd").verdict.code == 1


@pytest.mark.parametrize(("stack", "errno"), [("linux", "EPIPE"), ("freebsd", "ECONNRESET"), ("rfc9293", "EPIPE")])
def test_a_reset_in_close_wait_leaves_each_stacks_errno(stack: str, errno: str) -> None:
    """Linux's tcp_reset gives EPIPE in CLOSE-WAIT, FreeBSD's tcp_do_segment ECONNRESET."""
    text = f"""\
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
    +0 bind(3, ..., ...) = 0
    +0 listen(3, 1) = 0
    +0 < S 0:0(0) win 65535 <mss 1460>
    +0 > S. 0:0(0) ack 1 win 65535
    +0.1 < . 1:1(0) ack 1 win 65535
    +0 accept(3, ..., ...) = 4
    +0.1 < F. 1:1(0) ack 1 win 65535
    +0 > . 1:1(0) ack 2 win 65535
    +0.1 < R 2:2(0) win 65535
    +0 getsockopt(4, SOL_SOCKET, SO_ERROR, [{errno}], [4]) = 0
    """
    result = play(text, stack)
    assert result.verdict.code == 0, result.verdict.message


def test_any_sequence_number_matches_any_and_is_refused_inbound() -> None:
    """The FreeBSD tcp-testsuite writes ``> S. ...(0)`` where the stack picks the ISN."""
    text = """\
    0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
    +0 bind(3, ..., ...) = 0
    +0 listen(3, 1) = 0
    +0 < S 0:0(0) win 65535 <mss 1460>
    +0 > S. ...(0) ack 1 win 65535
    """
    assert play(text, "rfc9293").verdict.code == 0
    bad = play("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < S ...(0) win 1\n", "rfc9293")
    assert bad.verdict.code == 2 and "can only be used with outbound packets" in bad.verdict.message


@pytest.mark.parametrize(("stack", "define"), [("rfc793", "RFC793"), ("linux", "Linux"), ("freebsd", "FreeBSD")])
def test_each_stack_defines_only_its_own_name(stack: str, define: str) -> None:
    text = "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
    for name in ("STANDARD", "RFC793", "Linux", "FreeBSD"):
        text += f"#ifdef {name}\n+0 close({9 if name != define else 3}) = 0\n#endif\n"
    assert play(text, stack).verdict.code == 0


def test_compare_on_a_script_prints_the_differences_and_keeps_the_first_verdict(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = str(SCRIPTS / "abort-linger.pkt")
    assert main(["run", path, "--compare", "linux"]) == 0
    out = capsys.readouterr().out
    assert "rfc9293 (a) against linux (b); the stack under test is the server" in out
    assert "sends RST,ACK" in out and "linux L2" in out
    assert "rfc9293: pass" in out and "linux: pass" in out
    assert main(["run", path, "--compare", "linux,freebsd", "--format", "jsonl"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert records[0] == {"type": "compare", "a": "linux", "b": "freebsd", "differences": {"server": 1}}
    assert {r["id"] for r in records[1]["rules"]} == {"F7", "F8", "L2"}
    assert [r["type"] for r in records[-2:]] == ["verdict", "verdict"]
