"""The suite's own packetdrill scripts (tests/packetdrill/scripts): one per state and event tcpsim's
stacks support, written in the dialect of google/packetdrill and the FreeBSD tcp-testsuite, with
``#ifdef`` branches where the stacks differ. Each must hold line by line under every stack, and each
line of the branch played must have been played (none left unrun)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tcpsim.core.personality import PERSONALITIES
from tcpsim.core.states import State
from tcpsim.packetdrill.runner import run_script

SCRIPTS = sorted((Path(__file__).parent / "scripts").glob("*.pkt"))


def test_there_is_a_script_for_each_state() -> None:
    text = "\n".join(p.read_text() for p in SCRIPTS)
    spelt = {
        State.LISTEN: "LISTEN",
        State.SYN_SENT: "SYN_SENT",
        State.SYN_RECEIVED: "SYN-RECV",
        State.ESTABLISHED: "ESTAB",
        State.FIN_WAIT_1: "FIN_WAIT_1",
        State.FIN_WAIT_2: "FIN_WAIT_2",
        State.CLOSE_WAIT: "CLOSE-WAIT",
        State.CLOSING: "CLOSING",
        State.LAST_ACK: "LAST-ACK",
        State.TIME_WAIT: "TIME_WAIT",
    }
    for state, name in spelt.items():
        assert f"grep -c {name} | grep 1" in text, f"no script asserts {state}"


@pytest.mark.parametrize("stack", PERSONALITIES)
@pytest.mark.parametrize("path", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_script_holds(path: Path, stack: str) -> None:
    result = run_script(path, stack)
    assert result.verdict.code == 0, result.verdict.message
    run = result.run
    assert run is not None
    played = {r.line for r in run.results}
    events = {e.line for e in run.script.events}
    assert events <= played


def test_the_freebsd_branch_is_chosen_by_define() -> None:
    """With -D FreeBSD the FreeBSD lines are in the script: under rfc9293 its getsockopt of the
    rounded buffer (65700, FreeBSD's rule) is a located mismatch."""
    path = Path(__file__).parent / "scripts" / "rst-in-time-wait-right-edge.pkt"
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if "[65700]" in text)
    result = run_script(path, defines=("FreeBSD",))
    assert result.verdict.code == 1
    assert result.verdict.line == line
    assert "SO_RCVBUF: expected [65700] but the value is [65536]" in result.verdict.message
