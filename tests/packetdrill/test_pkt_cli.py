"""``tcpsim run FILE.pkt [--stack NAME] [-D NAME]...``: exit codes, where the verdict is printed,
the formats, and ``--stack`` while only rfc9293 exists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tcpsim.cli import main

SCRIPTS = Path(__file__).parent / "scripts"


def write(tmp_path: Path, text: str, name: str = "t.pkt") -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_a_passing_script_is_exit_0_with_each_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(SCRIPTS / "passive-close.pkt")]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    assert out.splitlines()[0] == (
        "passive-close.pkt: stack rfc9293 (defined: STANDARD); the stack under test is the server"
    )
    assert "> F. 11:11(0) ack 2 win 65535" in out and "3.10.4 CLOSE: all data segmentized, send FIN" in out
    assert out.splitlines()[-1].startswith("passive-close.pkt: pass — every line holds")


def test_a_failing_line_is_exit_1_located_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 close(3) = 1\n")
    assert main(["run", path]) == 1
    out, err = capsys.readouterr()
    assert err == f"{path}:2: runtime error in close call: Expected result 1 but got 0\n"
    assert "FAILS" in out and "FAIL at line 2" in out


def test_unsupported_is_exit_2_located(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < udp (10)\n")
    assert main(["run", path]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"{path}:2: unsupported: UDP packets (tcpsim models TCP only)\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe0 close(3) = 0", ":1: not UTF-8 text"),
        (b"0 close(3) = 0\n\x00", ":2: a NUL byte"),
        (b"", ":1: syntax error at the end of the script"),
    ],
)
def test_bad_files_are_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str) -> None:
    path = tmp_path / "bad.pkt"
    path.write_bytes(content)
    assert main(["run", str(path)]) == 2
    assert message in capsys.readouterr().err


def test_a_missing_file_is_exit_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(tmp_path / "nope.pkt")]) == 2
    assert "cannot read the script" in capsys.readouterr().err


@pytest.mark.parametrize(("stack", "define"), [("rfc9293", "STANDARD"), ("linux", "Linux"), ("freebsd", "FreeBSD")])
def test_every_stack_plays_a_script_and_defines_its_name(
    stack: str, define: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 13: --stack selects the personality, which defines its #ifdef name."""
    assert main(["run", str(SCRIPTS / "closed-port.pkt"), "--stack", stack]) == 0
    assert f"stack {stack} (defined: {define})" in capsys.readouterr().out


def test_an_unknown_stack_is_bad_input_with_the_names(capsys: pytest.CaptureFixture[str]) -> None:
    for target in (str(SCRIPTS / "closed-port.pkt"), "three-way-handshake"):
        with pytest.raises(SystemExit) as exc:
            main(["run", target, "--stack", "linx"])
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert "unknown stack 'linx' (did you mean linux?)" in err and "rfc9293, rfc793, linux, freebsd" in err
    # scenarios take --stack too, but not -D
    assert main(["run", "three-way-handshake", "--stack", "freebsd", "--format", "jsonl"]) == 0
    capsys.readouterr()
    assert main(["run", "three-way-handshake", "-D", "X"]) == 2
    assert "-D/--define applies to packetdrill scripts" in capsys.readouterr().err


def test_defines_choose_the_ifdef_branch(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path,
        "0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n#ifdef EXTRA\n+0 close(9) = 0\n#endif\n",
    )
    assert main(["run", path]) == 0
    assert main(["run", path, "-D", "EXTRA"]) == 1
    assert ":3: runtime error in close call" in capsys.readouterr().err


def test_until_does_not_apply(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(SCRIPTS / "closed-port.pkt"), "--until", "1"]) == 2
    assert "--until applies to scenarios" in capsys.readouterr().err


def test_jsonl_is_the_trace_with_each_script_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", str(SCRIPTS / "closed-port.pkt"), "--format", "jsonl"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    notes = [r["text"] for r in records if r["type"] == "note"]
    assert notes[0] == "script line 5 holds: 0     < S 0:0(0) win 65535"
    sends = [r for r in records if r["type"] == "send" and not r.get("injected")]
    assert sends and sends[0]["flags"] == "RST,ACK"


def test_tcpdump_and_pcap(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pcap = tmp_path / "out.pcap"
    assert main(["run", str(SCRIPTS / "closed-port.pkt"), "--format", "tcpdump", "--pcap", str(pcap)]) == 0
    out = capsys.readouterr().out
    assert "IP 192.168.0.1.8080 > 192.0.2.1.40001: Flags [R.], seq 0, ack 1" in out
    assert pcap.stat().st_size > 24
