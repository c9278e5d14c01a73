"""Every save replays (issue 16, finding 10): ``w`` writes a scenario that ``tcpsim run`` plays to
the same result, for every bundled scenario and every capture, and the traces are compared.

- A live session saved at its end, saved after a rewind (the whole branch is written), and with
  the user's own "drop the next one" armed at the instant the scenario starts.
- Two overlapping fault rules whose file order differs from their time order: the first declared
  still wins after a save (saving used to sort the steps by time).
- An imported capture (the bundled ones, and every bundled scenario exported to pcap then
  imported): its inferred calls replay to the capture's end, and for tcpsim's own exports that
  the state machine explains in full, through the same state changes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from tcpsim.capture import import_capture
from tcpsim.capture.session import ImportSession
from tcpsim.export.pcap import write_pcap
from tcpsim.scenario import bundled, load_file, load_text, run
from tcpsim.scenario.session import BRANCH_END, Session
from tcpsim.sim.trace import StateEvent, TraceEvent

SCENARIOS = bundled()
CAPTURES = sorted((Path(__file__).resolve().parents[1] / "capture" / "data").glob("*.pcap*"))
UNREPLAYABLE = {
    "lost-final-ack-no-time-wait": "a stack that skips TIME-WAIT: a capture cannot tell tcpsim so",
    "old-duplicate-time-wait": "segments the scenario delayed from an older connection: no call sends them",
    "reconnect-same-ports": "the client's TIME-WAIT ends after the scenario's 2·MSL of 10 s, shorter than the import's "
    "default MSL (30 s) allows; a capture does not carry the MSL, so the inferred reconnect is refused on replay",
    "rst-challenge-ack": "RSTs the scenario injected: no call sends them",
}
"""Exports whose capture shows what no inferred call can make happen again, and why."""


SAVED = BRANCH_END


def comparable(trace: list[TraceEvent]) -> list[dict[str, object]]:
    """The records a replay must reproduce: everything but the save's own final check."""
    return [e.to_dict() for e in trace if not (e.type == "expect" and getattr(e, "note", "") == SAVED)]


def ends_where_saved(result) -> bool:  # type: ignore[no-untyped-def]
    """The save's last expectation (where the branch ends) holds in the replay."""
    final = [c for c in result.checks if c.note == SAVED]
    return bool(final) and all(c.ok for c in final)


def finish(session: Session) -> None:
    while session.step():
        pass


def replay(session: Session | ImportSession):  # type: ignore[no-untyped-def]
    text = session.to_toml()
    return run(load_text(text)), text


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_a_session_saved_at_its_end_replays_to_the_same_trace(path: Path) -> None:
    session = Session(load_file(path))
    finish(session)
    result, text = replay(session)
    assert result.ok, (result.failures, text)
    assert comparable(result.trace) == comparable(session.trace)


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_a_session_saved_after_a_rewind_writes_the_whole_branch(path: Path) -> None:
    session = Session(load_file(path))
    session.drop_next("server")  # the user's own action, at t = 0, in the branch
    finish(session)
    whole = comparable(session.trace)
    for _ in range(session.view.progress.done // 2):
        session.back()
    result, text = replay(session)
    assert ends_where_saved(result), (result.failures, text)
    assert comparable(result.trace) == whole
    assert comparable(session.trace) == whole[: len(comparable(session.trace))]  # the save changed nothing


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_the_users_drop_armed_at_the_first_instant_replays(path: Path) -> None:
    session = Session(load_file(path))
    session.drop_next("client")
    finish(session)
    result, text = replay(session)
    assert ends_where_saved(result), (result.failures, text)
    assert comparable(result.trace) == comparable(session.trace)


OVERLAP = """
name = "Two rules for one segment"
[network]
msl = 1.0
[client]
isn = 100
[server]
isn = 300
[[step]]
at = 0.0
on = "server"
do = "listen"
[[step]]
at = 0.0
on = "client"
do = "connect"
[[step]]
at = 0.5
on = "client"
do = "send"
data = "x"
[[step]]
at = 0.2
on = "network"
do = "delay"
by = 0.3
match = { from = "client", data = true }
note = "declared first, armed later: wins"
[[step]]
at = 0.0
on = "network"
do = "drop"
match = { from = "client", data = true }
note = "declared second, armed earlier: loses"
[[expect]]
at = 1.5
server = "ESTABLISHED"
received = { server = "x" }
"""


def test_overlapping_rules_keep_their_file_order_when_saved() -> None:
    session = Session(load_text(OVERLAP))
    finish(session)
    assert session.view.checks.passed and not session.view.checks.failed
    result, text = replay(session)
    assert result.ok, (result.failures, text)
    assert comparable(result.trace) == comparable(session.trace)


def _exports() -> list[Path]:
    folder = Path(tempfile.mkdtemp(prefix="tcpsim-exports-"))
    paths = []
    for path in SCENARIOS:
        scenario = load_file(path)
        target = folder / f"{path.stem}.pcap"
        write_pcap(run(scenario).trace, scenario, target)
        paths.append(target)
    return paths


EXPORTS = _exports()


def _states(trace: list[TraceEvent], until: float) -> dict[str, list[tuple[str, str]]]:
    """Each side's state changes up to ``until`` (the order of two sides' changes within an instant
    is the observer's or the world's own)."""
    return {
        side: [(e.old, e.new) for e in trace if isinstance(e, StateEvent) and e.endpoint == side and e.t <= until]
        for side in ("client", "server")
    }


@pytest.mark.parametrize("path", [*CAPTURES, *EXPORTS], ids=lambda p: p.name)
def test_an_import_saved_replays_to_the_captures_end(path: Path) -> None:
    imported = import_capture(path)
    session = ImportSession(imported)
    result, text = replay(session)
    if path.stem in UNREPLAYABLE:
        assert not result.ok, f"{path.stem} replays now: take it off UNREPLAYABLE"
        return
    assert result.ok, (result.failures, text)
    observation = imported.observation
    if path in EXPORTS and not observation.problems:
        end = session.as_scenario().expectations[-1].at
        assert _states(result.trace, end) == _states(observation.trace, observation.end_time)
