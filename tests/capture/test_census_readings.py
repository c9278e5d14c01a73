"""The census says where the packets fit two readings, and shows its progress on a terminal.

Issue 14: "where the packets fit two readings (the ACK lost before or after the capture point), say
so instead of presenting one guess as fact". A capture at one point cannot tell a segment lost after
it from an acknowledgment lost before it, nor an acknowledgment lost after it from a retransmission
that crossed it; the census takes one reading, and says so in the conversation's notes (JSON lines)
and in the summary (both formats). And: "a progress bar on stderr for a long file when stderr is a
terminal", and nothing on stderr when it is not.
"""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path

import census_synth
from capture_files import pcap, scenario_packets

from tcpsim.capture import import_capture
from tcpsim.sim.trace import StateEvent


def lines(out: str) -> list[dict]:
    return [json.loads(line) for line in out.splitlines()]


def census(cli, tmp_path: Path, scenario: str) -> tuple[dict, dict, str]:
    path = tmp_path / f"{scenario}.pcap"
    path.write_bytes(pcap(scenario_packets(scenario), 101))
    found = lines(cli("import", path, "--all", "--format", "jsonl").out)
    (conversation,) = [line for line in found if line["type"] == "conversation"]
    (summary,) = [line for line in found if line["type"] == "summary"]
    text = " ".join(cli("import", path, "--all").out.split())
    return conversation, summary, text


def test_a_segment_sent_again_unanswered_fits_two_readings(cli, tmp_path: Path) -> None:
    """lost-fin: the client's FIN (packet 6) is sent again (packet 7) with nothing from the server
    between. Lost after the capture point (taken), or arrived with its ACK lost before it: the
    server's CLOSE-WAIT would then begin a second earlier."""
    conversation, summary, text = census(cli, tmp_path, "lost-fin")
    (note,) = [n for n in conversation["notes"] if n.startswith("two readings")]
    assert "packet 6, sent again by the client in packet 7" in note
    assert "lost on its way after the capture point" in note and "the reading taken here" in note
    assert "the server's acknowledgment was lost before the capture point" in note
    assert "began 1.000000 s earlier, at packet 6" in note
    assert summary["two_readings"] == 1
    assert "two readings: 1 place where the packets fit two readings" in text
    assert conversation["states"]["server"][-3:] == ["CLOSE-WAIT", "LAST-ACK", "CLOSED"]  # the states stand


def test_a_fin_sent_again_after_its_ack_fits_two_readings(cli, tmp_path: Path) -> None:
    """lost-final-ack: the capture shows the client's last ACK (packet 7), then the server sends its
    FIN again (packet 8). The ACK was lost after the capture point, or the copy crossed it: said,
    where the census used to say the server sent a FIN "in CLOSED, where it cannot"."""
    conversation, summary, text = census(cli, tmp_path, "lost-final-ack")
    (note,) = [n for n in conversation["notes"] if n.startswith("two readings")]
    assert "the server sends its FIN again (packet 8)" in note
    assert "lost after the capture point (the server was still in LAST-ACK" in note
    assert "or this copy crossed it" in note
    assert not [n for n in conversation["notes"] if "where it cannot" in n]
    assert summary["two_readings"] == 1 and summary["matters"] == {"retransmitting": 1}
    assert "two readings: 1 place" in text


def test_a_lost_final_ack_keeps_the_server_in_last_ack_until_a_later_one(cli, tmp_path: Path) -> None:
    """lost-final-ack: the server sends its FIN again (packet 8, at 2.5 s), which it does only from
    LAST-ACK, so the client's ACK captured at 1.6 s never reached it; it is CLOSED by the client's
    next ACK (packet 9, at 2.6 s), as the one-conversation import reads it. The census used to count
    the server CLOSED from 1.6 s on; the lines it wrote before packet 8 showed the loss still do,
    and the note says which."""
    path = tmp_path / "lost-final-ack.pcap"
    path.write_bytes(pcap(scenario_packets("lost-final-ack"), 101))
    found = lines(cli("import", path, "--all", "--format", "jsonl", "--interval", "0.5").out)
    server = {line["t"]: line["counts"] for line in found if line["type"] == "census" and line["host"] == "10.0.0.2"}
    assert server[1.5] == {"LAST-ACK": 1}
    assert server[2.0] == {}  # written before packet 8 showed the loss
    assert server[2.5] == {"LAST-ACK": 1}  # after packet 8, before packet 9
    assert server[2.6] == {}
    (conversation,) = [line for line in found if line["type"] == "conversation"]
    (note,) = [n for n in conversation["notes"] if n.startswith("two readings")]
    assert "acknowledge it (packet 7)" in note
    assert "The census lines from 1.600000 s to 2.500000 s, written before packet 8 showed this" in note
    observation = import_capture(path).observation
    (closed,) = [
        e for e in observation.trace if isinstance(e, StateEvent) and e.endpoint == "server" and e.new == "CLOSED"
    ]
    assert (closed.old, closed.t) == ("LAST-ACK", 2.6)


def test_a_lost_syn_ack_leaves_the_client_in_syn_sent(cli, tmp_path: Path) -> None:
    """lost-syn-ack: the client sends its SYN again (packet 3) after the server's SYN,ACK (packet
    2): it never had it. The census used to take the SYN,ACK as received and the SYN sent again as
    a new connection over a half-open one; the client was SYN-SENT until the copy (packet 4)."""
    conversation, summary, text = census(cli, tmp_path, "lost-syn-ack")
    assert conversation["states"]["client"] == ["SYN-SENT", "ESTABLISHED"]
    assert conversation["final"] == {"client": "ESTABLISHED", "server": "ESTABLISHED"}
    assert "half-open" not in summary["anomalies"] and summary["two_readings"] == 0 and "two readings" not in text
    (note,) = conversation["notes"]
    assert note == (
        "packet 2, the server's SYN,ACK, was lost on its way after the capture point: the client sent its SYN again "
        "(packet 3) after it, as it does only while no SYN,ACK has reached it. The client stayed SYN-SENT until the "
        "copy sent in packet 4 arrived"
    )
    observation = import_capture(tmp_path / "lost-syn-ack.pcap").observation
    assert observation.states("client") == [("CLOSED", "SYN-SENT"), ("SYN-SENT", "ESTABLISHED")]


def test_a_clean_capture_has_one_reading(cli, tmp_path: Path) -> None:
    conversation, summary, text = census(cli, tmp_path, "active-close-client")
    assert summary["two_readings"] == 0 and "two readings" not in text
    assert not [n for n in conversation["notes"] if n.startswith("two readings")]


CONNECTIONS = 10_000
"""100,000 packets: the census reports its progress every 16,384, and the bar shows once 1 s has passed."""


def _run_census(path: Path, stderr_tty: bool) -> tuple[int, bytes, bytes]:
    """``tcpsim import PATH --all --format jsonl`` with stdout to a file and stderr to a terminal
    (a pty) or a pipe: (exit code, stdout, stderr)."""
    command = [sys.executable, "-c", "from tcpsim.cli import entry; entry()", "import", str(path), "--all"]
    command += ["--format", "jsonl"]
    output = path.with_suffix(".jsonl")
    with output.open("wb") as stdout:
        if not stderr_tty:
            done = subprocess.run(command, stdout=stdout, stderr=subprocess.PIPE, timeout=600)
            return done.returncode, output.read_bytes(), done.stderr
        controller, terminal = pty.openpty()
        process = subprocess.Popen(command, stdout=stdout, stderr=terminal)
    os.close(terminal)
    err = bytearray()
    while True:  # read the terminal as the process writes it (a full one would block it)
        ready, _, _ = select.select([controller], [], [], 600)
        if not ready:
            break
        try:
            chunk = os.read(controller, 4096)
        except OSError:  # EIO: the process has closed its end
            break
        if not chunk:
            break
        err += chunk
    code = process.wait(timeout=600)
    os.close(controller)
    return code, output.read_bytes(), bytes(err)


def test_a_long_file_shows_its_progress_on_a_terminal_only(tmp_path: Path) -> None:
    path = tmp_path / "long.pcap"
    census_synth.write(path, CONNECTIONS)
    code, out, err = _run_census(path, stderr_tty=True)
    assert code == 0
    assert lines(out.decode())[-1]["type"] == "summary"  # the output itself, whole, on stdout
    shown = err.decode()
    assert f"reading {path}: " in shown and "% · " in shown and "left" in shown, shown
    assert shown.endswith("\r\x1b[K"), repr(shown[-40:])  # erased at the end: only the output stays
    code, out, err = _run_census(path, stderr_tty=False)
    assert code == 0 and err == b""
    assert lines(out.decode())[-1]["type"] == "summary"


def test_a_segment_its_receiver_answers_late_settles_once(tmp_path: Path) -> None:
    """Data captured at 0.000256 s and answered 5 s later: the census takes it as arrived 3 s after
    its capture. It asked for what was captured by (0.000256 + 3) - 3 s, which floats make
    0.000255999…, so the segment was never due and the census asked again forever (a mutated
    capture of test_capture_census.py hung the suite)."""
    frames = scenario_packets("active-close-client")
    base = frames[0][0]
    times = [0.0, 0.0001, 0.0002, 0.000256] + [5.0 + 0.1 * i for i in range(len(frames) - 4)]
    path = tmp_path / "late.pcap"
    path.write_bytes(pcap([(base + t, raw) for t, (_old, raw) in zip(times, frames, strict=True)], 101))
    command = [sys.executable, "-c", "from tcpsim.cli import entry; entry()", "import", str(path), "--all"]
    done = subprocess.run([*command, "--format", "jsonl"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    (conversation,) = [line for line in lines(done.stdout) if line["type"] == "conversation"]
    assert conversation["final"] == {"client": "TIME-WAIT", "server": "CLOSED"}
