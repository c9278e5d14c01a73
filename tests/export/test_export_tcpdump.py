"""``--format tcpdump``: segment lines exactly as ``tcpdump -n -S`` prints them, the rest as comments."""

from __future__ import annotations

import io
import re

import pytest
from export_support import SCENARIOS, result_of

from tcpsim.core.segment import Flags, Segment
from tcpsim.export import tcpdump_flags, tcpdump_line, tcpdump_lines, write_tcpdump
from tcpsim.sim.trace import ArriveEvent, SendEvent

# A segment line, as tcpdump prints one (the seq part is absent from a bare ACK).
LINE = re.compile(
    r"^\d+\.\d{6} IP \d+\.\d+\.\d+\.\d+\.\d+ > \d+\.\d+\.\d+\.\d+\.\d+: "
    r"Flags \[(?:[FSRP.]+|none)\](?:, seq \d+(?::\d+)?)?(?:, ack \d+)?, win \d+, length \d+$"
)


def test_the_handshake_reads_like_tcpdump() -> None:
    result = result_of("three-way-handshake")
    lines = [line for line in tcpdump_lines(result.trace, result.scenario) if not line.startswith("#")]
    assert lines == [
        "0.000000 IP 10.0.0.1.49152 > 10.0.0.2.80: Flags [S], seq 1000, win 65535, length 0",
        "0.100000 IP 10.0.0.2.80 > 10.0.0.1.49152: Flags [S.], seq 5000, ack 1001, win 65535, length 0",
        "0.200000 IP 10.0.0.1.49152 > 10.0.0.2.80: Flags [.], ack 5001, win 65535, length 0",
    ]


@pytest.mark.parametrize(
    ("flags", "letters"),
    [
        ("SYN", "S"),
        ("SYN,ACK", "S."),
        ("ACK", "."),
        ("PSH,ACK", "P."),
        ("FIN,ACK", "F."),
        ("FIN,PSH,ACK", "FP."),
        ("RST", "R"),
        ("RST,ACK", "R."),
        ("SYN,FIN", "FS"),
        ("", "none"),
    ],
)
def test_flag_letters_in_tcpdumps_order(flags: str, letters: str) -> None:
    from tcpsim.core.segment import parse_flags

    assert tcpdump_flags(parse_flags(flags)) == letters


def test_data_shows_its_range_and_wraps_modulo_2_32() -> None:
    seg = Segment(49152, 80, 1001, 5001, Flags.PSH | Flags.ACK, 65535, b"hello")
    assert tcpdump_line(0.5, seg, "10.0.0.1", "10.0.0.2") == (
        "0.500000 IP 10.0.0.1.49152 > 10.0.0.2.80: Flags [P.], seq 1001:1006, ack 5001, win 65535, length 5"
    )
    wrapped = seg.with_(seq=2**32 - 2)
    assert "seq 4294967294:3," in tcpdump_line(0, wrapped, "a", "b")
    rst = Segment(80, 49152, 7, 0, Flags.RST, 0)
    assert tcpdump_line(1, rst, "10.0.0.2", "10.0.0.1").endswith("Flags [R], seq 7, win 0, length 0")


@pytest.mark.parametrize("name", SCENARIOS)
@pytest.mark.parametrize("point", ["sender", "receiver"])
def test_every_line_is_a_segment_or_a_comment(name: str, point: str) -> None:
    result = result_of(name)
    lines = list(tcpdump_lines(result.trace, result.scenario, point))
    segments = [line for line in lines if not line.startswith("# ")]
    assert all(LINE.match(line) for line in segments), [line for line in segments if not LINE.match(line)]
    kind = SendEvent if point == "sender" else ArriveEvent
    assert len(segments) == sum(isinstance(e, kind) for e in result.trace)
    times = [float(line.split()[0]) for line in segments]
    assert times == sorted(times)
    states = sum(e.type == "state" for e in result.trace)
    assert sum(" -> " in line for line in lines if line.startswith("# ")) == states


def test_drops_states_and_expectations_are_comments() -> None:
    result = result_of("lost-syn")
    lines = list(tcpdump_lines(result.trace, result.scenario))
    assert lines[0].startswith("# tcpsim: Lost SYN: captured at the sender")
    assert "# 0.000000 client: CLOSED -> SYN-SENT (active OPEN)" in lines
    assert "# 0.050000 lost on the wire: the client's Flags [S], seq 1000 sent at 0.000000" in lines
    assert "# 1.000000 retransmission by the client" in lines
    assert any(line.startswith("# 0.500000 expect #1 ok: client is SYN-SENT") for line in lines)
    syns = [line for line in lines if "Flags [S]," in line and not line.startswith("#")]
    assert [s.split()[0] for s in syns] == ["0.000000", "1.000000"]


def test_the_receiver_misses_the_drop_and_sees_the_duplicate_twice() -> None:
    lost = result_of("lost-syn")
    syns = [
        line
        for line in tcpdump_lines(lost.trace, lost.scenario, "receiver")
        if "Flags [S]," in line and not line.startswith("#")
    ]
    assert [s.split()[0] for s in syns] == ["1.100000"]
    dup = result_of("duplicate-segment")
    data = [
        line
        for line in tcpdump_lines(dup.trace, dup.scenario, "receiver")
        if "length 0" not in line and not line.startswith("#")
    ]
    sent = [
        line for line in tcpdump_lines(dup.trace, dup.scenario) if "length 0" not in line and not line.startswith("#")
    ]
    assert len(data) == len(sent) + 1


def test_injected_segments_and_failed_expectations_say_so() -> None:
    from tcpsim.scenario import load_text, run

    scenario = load_text(
        "\n".join(
            [
                'name = "fails"',
                "[client]\nisn = 1000\n[server]\nisn = 5000",
                '[[step]]\nat = 0\non = "server"\ndo = "listen"',
                '[[step]]\nat = 0.5\non = "network"\ndo = "inject"\n'
                'segment = { from = "client", flags = "RST", seq = 77 }',
                '[[expect]]\nat = 1\nserver = "CLOSED"',
            ]
        )
    )
    result = run(scenario)
    lines = list(tcpdump_lines(result.trace, scenario))
    assert "# 0.500000 injected by the scenario, as if from the client" in lines
    assert "0.500000 IP 10.0.0.1.49152 > 10.0.0.2.80: Flags [R], seq 77, win 65535, length 0" in lines
    assert "# 1.000000 expect #1 FAILED: expected server is CLOSED, but it is LISTEN" in lines


def test_write_tcpdump_and_a_bad_capture_point() -> None:
    result = result_of("three-way-handshake")
    out = io.StringIO()
    write_tcpdump(result.trace, result.scenario, out)
    assert out.getvalue() == "\n".join(tcpdump_lines(result.trace, result.scenario)) + "\n"
    with pytest.raises(ValueError, match="capture point"):
        tcpdump_lines(result.trace, result.scenario, "middle")
