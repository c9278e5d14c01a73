"""``SessionProtocol.restack``: the same story told by another stack personality, for each of the
three sessions (a live scenario, an imported capture, a packetdrill script), headless."""

from __future__ import annotations

from pathlib import Path

from tcpsim.capture import import_capture
from tcpsim.capture.session import ImportSession
from tcpsim.core.states import State
from tcpsim.packetdrill.session import open_script
from tcpsim.scenario import load_file, load_text, resolve, run
from tcpsim.scenario.runner import with_stack
from tcpsim.scenario.session import Session
from tcpsim.sim.trace import CallEvent, SendEvent, StateEvent, TimerEvent

ROOT = Path(__file__).resolve().parents[2]
CAPTURES = ROOT / "tests" / "capture" / "data"
SCRIPTS = ROOT / "tests" / "packetdrill" / "scripts"


def _states(session: Session) -> dict[str, State]:
    return {name: ep.state for name, ep in session.view.endpoints.items()}


def test_a_scenario_played_again_as_linux_is_the_headless_linux_run_up_to_the_same_time() -> None:
    scenario = load_file(resolve("active-close-client"))
    session = Session(scenario)
    session.advance_to(1.3)
    assert session.view.stack == "rfc9293"
    assert session.restack("linux").error is None
    view = session.view
    assert view.stack == "linux" and view.stacks == {"client": "linux", "server": "linux"}
    assert view.t == 1.3
    headless = run(with_stack(scenario, "linux"), until=1.3)
    assert [e.to_dict() for e in session.trace] == [e.to_dict() for e in headless.trace]
    # the three-segment close of Linux (L5), named in the trace where it fired
    assert any(isinstance(e, TimerEvent) and e.name == "delack" and "linux L5" in e.rule for e in session.trace)


def test_the_users_actions_are_played_again_and_r_restarts_without_them_as_the_chosen_stack() -> None:
    session = Session()  # the sandbox: the server listens at t = 0
    assert session.open("client").error is None  # connect at t = 0
    session.advance_to(1.0)
    assert _states(session) == {"client": State.ESTABLISHED, "server": State.ESTABLISHED}
    assert session.act("client", "close").error is None  # when the handshake ended: the idle clock waits there
    session.step()
    t, before = session.view.t, _states(session)
    calls = [(e.t, e.endpoint, e.call) for e in session.trace if isinstance(e, CallEvent)]
    assert session.restack("linux").error is None
    assert session.view.t == t
    assert _states(session) == before == {"client": State.FIN_WAIT_1, "server": State.CLOSE_WAIT}
    assert [(e.t, e.endpoint, e.call) for e in session.trace if isinstance(e, CallEvent)] == calls
    assert session.back()  # the replay is stepped history: b goes back through it
    session.restart()
    assert session.view.stack == "linux" and session.view.t == 0.0
    assert _states(session) == {"client": State.CLOSED, "server": State.LISTEN}  # the sandbox settled, no calls
    assert not [e for e in session.trace if isinstance(e, CallEvent) and e.endpoint == "client"]


def test_a_scenario_with_one_stack_per_endpoint_is_named_per_endpoint_and_restacked_as_one() -> None:
    text = (ROOT / "scenarios" / "active-close-client.toml").read_text(encoding="utf-8")
    text = text.replace("[client]\n", '[client]\nstack = "linux"\n', 1)
    session = Session(load_text(text, "mixed.toml"))
    assert session.view.stacks == {"client": "linux", "server": "rfc9293"}
    assert session.view.stack == "client linux/server rfc9293"
    session.restack("freebsd")
    assert session.view.stack == "freebsd"


def test_an_unknown_stack_is_refused_and_nothing_changes() -> None:
    session = Session(load_file(resolve("three-way-handshake")))
    session.advance_to(0.25)
    before = list(session.trace)
    outcome = session.restack("windows")
    assert outcome.error is not None and "unknown stack 'windows'" in outcome.error
    assert session.trace == before and session.view.stack == "rfc9293"


def test_a_capture_is_observed_again_as_linux_from_the_same_time() -> None:
    session = ImportSession(import_capture(CAPTURES / "linux-client-closes-lo.pcap"))
    while session.view.t < 0.05 and session.step():
        pass
    t = session.view.t
    version = session.view.trace.version
    assert session.view.stack == "rfc9293" and session.view.source == "capture"
    assert session.restack("linux").error is None
    view = session.view
    assert view.stack == "linux" and view.t <= t and view.trace.version > version
    again = import_capture(CAPTURES / "linux-client-closes-lo.pcap", stack="linux")
    assert [e.to_dict() for e in session.result.observation.trace] == [e.to_dict() for e in again.observation.trace]
    while session.step():
        pass
    # observed as Linux, the capture ends as ss showed it with no allowance (tests/capture/test_capture_stacks.py)
    assert any(isinstance(e, TimerEvent) and e.name == "2msl" and "linux L6" in e.rule for e in session.trace)
    assert session.act("client", "close").error is not None  # still a record


def test_a_script_is_played_again_with_another_stack_under_test_up_to_the_same_line() -> None:
    session = open_script(SCRIPTS / "rst-in-time-wait-right-edge.pkt", "rfc9293")
    assert session.view.source == "script" and session.view.stack == "rfc9293"
    for _step in range(14):
        session.step()
    reached = session.view.progress.done
    line = session.run.script.events[session.run.index - 1].line
    assert session.restack("freebsd").error is None
    view = session.view
    assert view.stack == "freebsd" and view.stacks[session.run.remote] == ""
    # #ifdef FreeBSD adds a getsockopt line before this point: the same script line, not the same count
    assert session.run.script.events[session.run.index - 1].line == line
    assert view.progress.done == reached + 1
    while session.step():
        pass
    assert session.run.verdict is not None and session.run.verdict.code == 0
    assert not session.view.checks.failed


def test_a_script_another_stack_cannot_play_is_refused_with_the_reason() -> None:
    text = (
        "0 `sysctl -w net.inet.tcp.insecure_rst=1`\n"
        "+0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n"
        "+0 bind(3, ..., ...) = 0\n"
        "+0 listen(3, 1) = 0\n"
    )
    from tcpsim.packetdrill.session import ScriptSession

    session = ScriptSession(text, "insecure.pkt", "freebsd")
    session.step()
    outcome = session.restack("rfc9293")
    assert outcome.error is not None and outcome.error.startswith("insecure.pkt:1: unsupported:")
    assert session.view.stack == "freebsd" and session.view.progress.done == 1


def test_segments_and_states_differ_where_the_rules_say() -> None:
    """The bundled close under linux: one FIN,ACK from the server where rfc9293 sends an ACK then a FIN."""
    scenario = load_file(resolve("active-close-client"))
    session = Session(scenario)
    session.advance_to(5.0)
    session.restack("linux")
    server = [e.segment.flag_text for e in session.trace if isinstance(e, SendEvent) and e.endpoint == "server"]
    changes = [(e.old, e.new) for e in session.trace if isinstance(e, StateEvent) and e.endpoint == "client"]
    assert ("FIN-WAIT-1", "FIN-WAIT-2") in changes
    assert server.count("ACK") == 2 and server.count("FIN,ACK") == 1  # SYN,ACK's ACK… then the three-segment close
