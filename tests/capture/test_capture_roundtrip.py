"""Round trip: every bundled scenario, exported to pcap and imported again, gives both sides the
same sequence of states (the ``from → to`` of every state change).

Where the two cannot match, the difference is stated and asserted exactly, never skipped:

- ``give-up``: the client gives up after its last retransmission (ESTABLISHED → CLOSED by the
  retransmission limit) without sending anything; a capture cannot show that.
- ``lost-final-ack-no-time-wait`` and ``old-duplicate-no-time-wait``: the what-if client skips
  TIME-WAIT (``time_wait = false``: FIN-WAIT-2 → CLOSED on the FIN). The observer runs the RFC's
  state machine, so it enters TIME-WAIT and leaves it when the capture shows the client had no
  connection any more: FIN-WAIT-2 → TIME-WAIT → CLOSED, with a note saying why.

Segments that a scenario injects look, in a capture, like the sender's own; the import cannot
tell them apart, and says so in a note wherever the state machine does not explain them.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from tcpsim.capture import CaptureNote, ImportResult, import_capture
from tcpsim.export import write_pcap
from tcpsim.render import write_jsonl
from tcpsim.scenario import RunResult, bundled, load_file, run
from tcpsim.sim.trace import SendEvent, StateEvent

SCENARIOS = [p.stem for p in bundled()]
TIME_WAIT_SKIPPED = ("FIN-WAIT-2", "CLOSED")


@functools.cache
def simulated(name: str) -> RunResult:
    return run(load_file(next(p for p in bundled() if p.stem == name)))


def states(trace: list, endpoint: str) -> list[tuple[str, str]]:
    return [(e.old, e.new) for e in trace if isinstance(e, StateEvent) and e.endpoint == endpoint]


def reimported(name: str, point: str, tmp_path: Path) -> ImportResult:
    result = simulated(name)
    path = tmp_path / f"{name}-{point}.pcap"
    write_pcap(result.trace, result.scenario, path, point)
    return import_capture(path, msl=result.scenario.network.msl)


def expected_import(name: str, endpoint: str) -> list[tuple[str, str]]:
    """The simulated sequence, with the differences a capture cannot avoid (module docstring)."""
    sim = states(simulated(name).trace, endpoint)
    if name == "give-up" and endpoint == "client":
        assert sim[-1] == ("ESTABLISHED", "CLOSED")
        return sim[:-1]
    if name in ("lost-final-ack-no-time-wait", "old-duplicate-no-time-wait") and endpoint == "client":
        assert TIME_WAIT_SKIPPED in sim
        out: list[tuple[str, str]] = []
        for pair in sim:
            out += [("FIN-WAIT-2", "TIME-WAIT"), ("TIME-WAIT", "CLOSED")] if pair == TIME_WAIT_SKIPPED else [pair]
        return out
    return sim


@pytest.mark.parametrize("point", ["sender", "receiver"])
@pytest.mark.parametrize("name", SCENARIOS)
def test_reimport_gives_the_same_states(name: str, point: str, tmp_path: Path) -> None:
    imported = reimported(name, point, tmp_path).observation
    for endpoint in ("client", "server"):
        assert imported.states(endpoint) == expected_import(name, endpoint), endpoint


@pytest.mark.parametrize("name", SCENARIOS)
def test_reimport_sees_every_segment_once_from_its_sender(name: str, tmp_path: Path) -> None:
    sim = [e for e in simulated(name).trace if isinstance(e, SendEvent)]
    imported = [e for e in reimported(name, "sender", tmp_path).observation.trace if isinstance(e, SendEvent)]
    assert [(e.endpoint, e.segment) for e in imported] == [(e.endpoint, e.segment) for e in sim]
    assert [e.t for e in imported] == [e.t for e in sim]


@pytest.mark.parametrize("name", SCENARIOS)
def test_retransmissions_are_marked_never_new_calls(name: str, tmp_path: Path) -> None:
    sim = {e.id: e for e in simulated(name).trace if isinstance(e, SendEvent)}
    imported = [e for e in reimported(name, "sender", tmp_path).observation.trace if isinstance(e, SendEvent)]
    for e in imported:
        if sim[e.id].retransmission:
            assert e.retransmission, e


def test_the_what_if_clients_are_explained_in_notes(tmp_path: Path) -> None:
    notes = reimported("lost-final-ack-no-time-wait", "sender", tmp_path).observation.notes
    assert any("CLOSED endpoint" in n.text and n.endpoint == "client" for n in notes)
    notes = reimported("old-duplicate-no-time-wait", "sender", tmp_path).observation.notes
    assert [n.kind for n in notes if n.endpoint == "client"][:1] == ["time-wait"]


def test_an_old_duplicate_is_found_arriving_late(tmp_path: Path) -> None:
    """The delayed segment looks lost when its retransmission goes out; the server's reply to it
    in the next connection shows it arrived after all."""
    notes = reimported("old-duplicate-no-time-wait", "sender", tmp_path).observation.notes
    late = [n for n in notes if n.kind == "late"]
    assert len(late) == 1 and late[0].t == 3.5 and "#4" in late[0].text


def test_injected_segments_are_noted_as_unexplained(tmp_path: Path) -> None:
    sim = simulated("rst-challenge-ack")
    injected = {e.t for e in sim.trace if isinstance(e, SendEvent) and e.injected}
    notes = reimported("rst-challenge-ack", "sender", tmp_path).observation.notes
    assert {n.t for n in notes if n.kind == "unexplained"} == injected


def test_lost_segments_are_inferred_and_said(tmp_path: Path) -> None:
    observation = reimported("lost-fin", "sender", tmp_path).observation
    drops = [(e.t, e.id) for e in observation.trace if type(e).__name__ == "DropEvent"]
    sim_drops = [e.id for e in simulated("lost-fin").trace if type(e).__name__ == "DropEvent"]
    assert [sid for _, sid in drops] == sim_drops
    assert any(isinstance(e, CaptureNote) and e.kind == "lost" for e in observation.trace)


@pytest.mark.parametrize("name", ["three-way-handshake", "data-transfer", "simultaneous-open", "out-of-order"])
def test_clean_exchanges_need_no_note(name: str, tmp_path: Path) -> None:
    assert reimported(name, "sender", tmp_path).observation.notes == []


def test_time_wait_ends_2msl_after_it_began(tmp_path: Path) -> None:
    """At the sender's capture point the FIN's arrival is its capture time, so TIME-WAIT starts a
    latency earlier than in the simulation, and ends 2·MSL after that."""
    msl = simulated("active-close-client").scenario.network.msl
    imported = reimported("active-close-client", "sender", tmp_path).observation.trace
    entered = [e.t for e in imported if isinstance(e, StateEvent) and e.new == "TIME-WAIT"]
    ended = [e.t for e in imported if isinstance(e, StateEvent) and e.old == "TIME-WAIT"]
    assert entered == [2.0] and ended == [2.0 + 2 * msl]
    assert any(isinstance(e, CaptureNote) and e.kind == "projection" for e in imported)


@pytest.mark.parametrize("name", SCENARIOS)
def test_the_import_trace_is_the_jsonl_contract(name: str, tmp_path: Path) -> None:
    import io

    out = io.StringIO()
    write_jsonl(reimported(name, "sender", tmp_path).observation.trace, out)
    times = []
    for line in out.getvalue().splitlines():
        obj = json.loads(line, parse_constant=lambda c: pytest.fail(f"not JSON: {c}"))
        assert {"t", "type"} <= obj.keys()
        times.append(obj["t"])
    assert times == sorted(times)


def test_out_of_order_data_keeps_its_bytes(tmp_path: Path) -> None:
    """Captured at the receiver, "two " and "three" come before the delayed "one ": the data seen
    first is not a gap of zeros, the earlier bytes are taken from the packet that carries them
    (issue 14), and the receiver delivers what the simulation's receiver delivered."""
    from tcpsim.sim.trace import DeliverEvent

    def delivered(trace: list) -> bytes:
        return b"".join(e.data for e in trace if isinstance(e, DeliverEvent) and e.endpoint == "server")

    observation = reimported("out-of-order", "receiver", tmp_path).observation
    assert delivered(observation.trace) == delivered(simulated("out-of-order").trace) == b"one two three"
    assert observation.problems == [], [n.text for n in observation.problems]
    assert states(observation.trace, "server") == states(simulated("out-of-order").trace, "server")
