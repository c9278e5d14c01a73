"""A packetdrill script as a session (``tcpsim FILE.pkt``): one line per step, each line a check
where it happened, the same verdict as ``tcpsim run FILE.pkt``, and exact steps back."""

from __future__ import annotations

from pathlib import Path

import pytest

from tcpsim.packetdrill.model import ScriptError
from tcpsim.packetdrill.runner import run_script
from tcpsim.packetdrill.session import ScriptSession, open_script
from tcpsim.scenario.expect import ExpectEvent
from tcpsim.scenario.view import SessionProtocol
from tcpsim.sim.trace import NoteEvent

SCRIPTS = Path(__file__).resolve().parent / "scripts"

PASSIVE = """\
0     socket(..., SOCK_STREAM, IPPROTO_TCP) = 3
+0    bind(3, ..., ...) = 0
+0    listen(3, 1) = 0
+0.1  < S 0:0(0) win 65535 <mss 1460>
+0    > S. 0:0(0) ack 1 win 65535
+0.1  < . 1:1(0) ack 1 win 65535
+0    accept(3, ..., ...) = 4
"""


def _checks(session: ScriptSession) -> list[ExpectEvent]:
    view = session.view
    return [e for e in view.trace.records[: view.trace.length] if isinstance(e, ExpectEvent)]


def test_every_line_of_a_passing_script_is_a_check_that_holds_where_it_happened() -> None:
    session = open_script(SCRIPTS / "passive-close.pkt", "linux")
    assert isinstance(session, SessionProtocol)
    view = session.view
    assert (view.source, view.read_only, view.stack) == ("script", True, "linux")
    assert view.stacks == {"server": "linux", "client": ""}  # the stack under test is the server
    assert view.progress.kind == "lines" and view.progress.done == 0
    while session.step():
        pass
    headless = run_script(SCRIPTS / "passive-close.pkt", "linux")
    assert headless.run is not None
    held = [r for r in headless.run.results if r.status == "ok"]
    checks = _checks(session)
    assert [(c.index, c.expected, c.ok) for c in checks] == [(r.line, r.text, True) for r in held]
    assert [c.t for c in checks] == [r.t for r in held]
    assert session.view.checks.passed == len(held) and not session.view.checks.failed
    assert session.view.next is None and session.view.progress.done == session.view.progress.total


def test_a_line_that_does_not_hold_is_a_failed_check_with_packetdrills_words() -> None:
    text = PASSIVE + "+0.1  < F. 1:1(0) ack 1 win 65535\n+0    > F. 1:1(0) ack 2 win 65535\n"
    session = ScriptSession(text, "x.pkt")
    while session.step():
        pass
    failed = session.view.checks.failed
    assert [c.index for c in failed] == [9]
    assert failed[0].check == "script" and failed[0].expected.startswith("+0    > F.")
    assert "live packet field tcp_fin" in failed[0].actual and "actual packet:" in failed[0].actual
    assert session.run.verdict is not None and session.run.verdict.code == 1


def test_what_tcpsim_cannot_play_stops_the_script_at_its_line_with_unsupported() -> None:
    session = ScriptSession(PASSIVE + "+0 `sysctl -w net.inet.tcp.insecure_rst=1`\n", "x.pkt", "linux")
    while session.step():
        pass
    (failed,) = session.view.checks.failed
    assert failed.index == 8 and failed.actual.startswith("unsupported:")
    assert session.run.verdict is not None and session.run.verdict.code == 2


def test_b_steps_back_one_line_exactly_and_n_plays_it_again_the_same() -> None:
    session = open_script(SCRIPTS / "data-transfer.pkt")
    for _ in range(8):
        session.step()
    first = [e.to_dict() for e in session.view.trace.records[: session.view.trace.length]]
    version = session.view.trace.version
    for _ in range(3):
        assert session.back()
    assert session.view.progress.done == 5 and session.view.trace.version > version
    for _ in range(3):
        session.step()
    assert [e.to_dict() for e in session.view.trace.records[: session.view.trace.length]] == first
    while session.back():
        pass
    assert session.view.progress.done == 0


def test_peek_shows_what_the_next_line_adds_and_changes_nothing() -> None:
    session = open_script(SCRIPTS / "passive-open.pkt")
    for _ in range(3):
        session.step()
    length = session.view.trace.length
    peeked = session.peek()
    assert session.view.trace.length == length and session.view.progress.done == 3
    session.step()
    added = session.view.trace.records[length : session.view.trace.length]
    assert [e.to_dict() for e in peeked] == [e.to_dict() for e in added]


def test_play_plays_the_lines_due_by_then() -> None:
    session = ScriptSession(PASSIVE, "x.pkt")
    session.advance_to(0.05)
    assert session.view.progress.done == 3 and session.view.t == 0.05  # the three calls at 0
    assert session.view.next is not None and session.view.next.at == pytest.approx(0.1)
    session.advance_to(10.0)
    assert session.view.progress.done == 7


def test_the_users_calls_and_faults_are_refused_and_a_script_is_not_saved_as_a_scenario() -> None:
    session = ScriptSession(PASSIVE, "x.pkt")
    session.step()
    for outcome in (
        session.open("client"),
        session.act("server", "close"),
        session.drop_next("client"),
        session.alter(1, "drop"),
        session.cancel_fault(1),
    ):
        assert outcome.error is not None and "drives both endpoints" in outcome.error
    with pytest.raises(ValueError, match="not saved as a scenario"):
        session.to_toml()
    assert session.view.progress.done == 1


def test_lines_skipped_and_the_runners_notes_are_in_the_log() -> None:
    session = open_script(SCRIPTS / "passive-close.pkt")
    while session.step():
        pass
    notes = [e.text for e in session.trace if isinstance(e, NoteEvent)]
    assert any(n.startswith("note: TCP options are parsed but not compared") for n in notes)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 \xff\n", "x.pkt:2: not UTF-8 text"),
        (b"0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 bind 3\n+0 listen(3, 1) = 0\n", "x.pkt:2:"),
        (b"0 socket(..., SOCK_STREAM, IPPROTO_UDP) = 3\n", "x.pkt:1: unsupported:"),
    ],
)
def test_a_script_that_cannot_be_opened_is_a_located_error(tmp_path: Path, data: bytes, message: str) -> None:
    path = tmp_path / "x.pkt"
    path.write_bytes(data)
    with pytest.raises(ScriptError) as caught:
        open_script(path)
    assert str(caught.value).startswith(str(tmp_path / message))
