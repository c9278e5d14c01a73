"""The simulated world: virtual clock, faults on the wire, the trace, rewind (issue §2)."""

from __future__ import annotations

import pytest

from tcpsim.core.segment import Flags
from tcpsim.core.states import State
from tcpsim.core.tcb import EndpointConfig
from tcpsim.sim import Arm, Call, FaultRule, Inject, Match, Note, RunawayError, World, derive_isn
from tcpsim.sim.trace import SendEvent

SYN, ACK, FIN, RST, PSH = Flags.SYN, Flags.ACK, Flags.FIN, Flags.RST, Flags.PSH


def make_world(latency: float = 0.1, seed: int = 0, **cfg: object) -> World:
    client = {"port": 49152, "peer_port": 80, "isn": 1000}
    server = {"port": 80, "peer_port": 49152, "isn": 5000}
    for key, value in cfg.items():
        side, _, name = key.partition("_")
        (client if side == "client" else server)[name] = value
    return World(EndpointConfig(**client), EndpointConfig(**server), latency=latency, seed=seed)  # type: ignore[arg-type]


def conversation(world: World) -> World:
    """Handshake, data both ways, active close by the client, passive close by the server."""
    world.schedule(0.0, Call("server", "listen"))
    world.schedule(0.0, Call("client", "connect"))
    world.schedule(0.5, Call("client", "send", b"hello"))
    world.schedule(0.6, Call("server", "send", b"world"))
    world.schedule(1.0, Call("client", "close"))
    world.schedule(1.5, Call("server", "close"))
    return world


def dicts(world: World) -> list[dict]:
    return [e.to_dict() for e in world.trace]


def of_type(world: World, kind: str) -> list[dict]:
    return [d for d in dicts(world) if d["type"] == kind]


def sends(world: World, **match: object) -> list[dict]:
    return [d for d in of_type(world, "send") if all(d.get(k) == v for k, v in match.items())]


# ---------------------------------------------------------------------------------------------
# Basics and determinism
# ---------------------------------------------------------------------------------------------


def test_sim_a_clean_conversation_ends_closed_and_quiet() -> None:
    world = conversation(make_world())
    world.run()
    assert world.endpoints["client"].state is State.CLOSED  # after TIME-WAIT
    assert world.endpoints["server"].state is State.CLOSED
    assert bytes(world.endpoints["server"].received) == b"hello"
    assert bytes(world.endpoints["client"].received) == b"world"
    assert world.quiet and not world.in_flight
    states = [(d["endpoint"], d["to"]) for d in of_type(world, "state")]
    assert ("client", "TIME-WAIT") in states and states[-1] == ("client", "CLOSED")
    entered = next(d["t"] for d in of_type(world, "state") if d["to"] == "TIME-WAIT")
    assert world.now == pytest.approx(entered + 60.0)


def test_sim_determinism_same_config_same_seed_same_trace() -> None:
    def run() -> list[dict]:
        world = conversation(make_world(seed=7))
        world.add_rule(FaultRule("drop", Match(sender="client", data=True)))
        world.add_rule(FaultRule("duplicate", Match(sender="server", has=ACK), at=0.5, count=3))
        world.add_rule(FaultRule("delay", Match(sender="server", has=FIN), by=0.4))
        world.run()
        return dicts(world)

    first = run()
    assert first == run() == run()
    assert [d for d in first if d["type"] in ("drop", "duplicate", "delay")]


def test_sim_derive_isn_depends_on_seed_and_endpoint_only() -> None:
    assert derive_isn(3, "client") == derive_isn(3, "client")
    assert derive_isn(3, "client") != derive_isn(3, "server")
    assert derive_isn(3, "client") != derive_isn(4, "client")
    assert 0 <= derive_isn(99, "server") < 2**32


def test_sim_send_records_carry_the_contract_fields() -> None:
    world = conversation(make_world())
    world.run()
    syn = of_type(world, "send")[0]
    assert syn == {
        "t": 0.0,
        "type": "send",
        "endpoint": "client",
        "id": 1,
        "flags": "SYN",
        "seq": 1000,
        "ack": 0,
        "len": 0,
        "wnd": 65535,
        "sport": 49152,
        "dport": 80,
        "data": "",
        "retransmission": False,
        "rule": "3.10.1 OPEN: active, send SYN",
    }
    ids = [d["id"] for d in of_type(world, "send")]
    assert ids == list(range(1, len(ids) + 1))
    for d in of_type(world, "state"):
        assert d["rule"] and d["from"] != d["to"]
    arrive = of_type(world, "arrive")[0]
    assert arrive == {"t": 0.1, "type": "arrive", "endpoint": "server", "id": 1}


def test_sim_user_call_errors_are_trace_records_and_the_run_goes_on() -> None:
    world = make_world()
    world.schedule(0.0, Call("client", "close"))
    world.schedule(0.0, Call("server", "listen"))
    world.schedule(0.1, Call("server", "send", b"x"))
    world.schedule(0.2, Call("client", "connect"))
    world.run_until(1.0)
    errors = of_type(world, "error")
    assert [(e["endpoint"], e["call"], e["message"]) for e in errors] == [
        ("client", "close", "error: connection does not exist"),
        ("server", "send", "error: foreign socket unspecified"),
    ]
    assert world.endpoints["client"].state is State.ESTABLISHED


def test_sim_unknown_call_is_refused() -> None:
    world = make_world()
    with pytest.raises(ValueError, match="unknown call"):
        world.call("client", "dance")


# ---------------------------------------------------------------------------------------------
# Faults and their trace records
# ---------------------------------------------------------------------------------------------


def test_sim_drop_is_recorded_at_the_flight_midpoint_and_never_arrives() -> None:
    world = make_world(latency=0.2)
    world.add_rule(FaultRule("drop", Match(sender="client", flags=SYN)))
    world.schedule(0.0, Call("server", "listen"))
    world.schedule(0.3, Call("client", "connect"))
    world.run_until(0.35)
    assert 1 in world.in_flight and world.in_flight[1].fate == "drop"
    assert world.in_flight[1].arrive_at is None
    world.run_until(0.4)
    assert of_type(world, "drop") == [{"t": 0.4, "type": "drop", "id": 1, "endpoint": "client"}]
    assert 1 not in world.in_flight
    world.run_until(2.0)
    assert not [d for d in of_type(world, "arrive") if d["id"] == 1]
    # The retransmission (a new id) gets through.
    retx = sends(world, flags="SYN", retransmission=True)
    assert retx and retx[0]["t"] == 1.3
    assert world.endpoints["client"].state is State.ESTABLISHED


def test_sim_duplicate_copy_arrives_with_the_same_id() -> None:
    world = make_world(latency=0.1)
    world.add_rule(FaultRule("duplicate", Match(sender="client", data=True)))
    conversation(world)
    world.run_until(0.7)
    (data,) = sends(world, endpoint="client", data="hello")
    sid = data["id"]
    assert of_type(world, "duplicate") == [{"t": 0.55, "type": "duplicate", "id": sid, "endpoint": "client"}]
    arrivals = [d for d in of_type(world, "arrive") if d["id"] == sid]
    assert arrivals == [
        {"t": 0.6, "type": "arrive", "endpoint": "server", "id": sid},
        {"t": 0.6, "type": "arrive", "endpoint": "server", "id": sid, "copy": True},
    ]
    assert bytes(world.endpoints["server"].received) == b"hello"  # delivered once
    discards = [d for d in of_type(world, "discard") if d["id"] == sid]
    assert len(discards) == 1


def test_sim_delay_records_by_and_reorders() -> None:
    world = make_world(latency=0.1, client_mss=3)
    world.add_rule(FaultRule("delay", Match(sender="client", data=True), by=0.5))
    conversation(world)
    world.run_until(2.5)
    first, second = [d for d in sends(world, endpoint="client", retransmission=False) if d["len"]]
    assert (first["data"], second["data"]) == ("hel", "lo")
    (delay,) = of_type(world, "delay")
    assert delay == {"t": 0.55, "type": "delay", "id": first["id"], "endpoint": "client", "by": 0.5}
    arrivals = {d["id"]: d["t"] for d in of_type(world, "arrive")}
    assert arrivals[first["id"]] == 1.1
    assert arrivals[second["id"]] == 0.6  # overtakes the delayed one
    assert bytes(world.endpoints["server"].received) == b"hello"


# ---------------------------------------------------------------------------------------------
# Rule matching
# ---------------------------------------------------------------------------------------------


def dropped_ids(world: World) -> list[int]:
    return [d["id"] for d in of_type(world, "drop")]


def send_by_id(world: World) -> dict[int, dict]:
    return {d["id"]: d for d in of_type(world, "send")}


def test_sim_rule_from_matches_only_that_sender() -> None:
    world = conversation(make_world())
    world.add_rule(FaultRule("drop", Match(sender="server"), count=1))
    world.run_until(3)
    (sid,) = dropped_ids(world)
    assert send_by_id(world)[sid]["endpoint"] == "server"
    assert send_by_id(world)[sid]["flags"] == "SYN,ACK"


def test_sim_rule_flags_is_the_exact_set() -> None:
    world = conversation(make_world())
    world.add_rule(FaultRule("drop", Match(flags=ACK), count=100))  # pure ACKs only
    world.run_until(3)
    flags = {send_by_id(world)[i]["flags"] for i in dropped_ids(world)}
    assert flags == {"ACK"}
    assert "PSH,ACK" not in flags and "FIN,ACK" not in flags


def test_sim_rule_has_matches_any_segment_carrying_the_flags() -> None:
    world = conversation(make_world())
    world.add_rule(FaultRule("drop", Match(has=FIN), count=1))
    world.run_until(3)
    (sid,) = dropped_ids(world)
    assert send_by_id(world)[sid]["flags"] == "FIN,ACK"


@pytest.mark.parametrize("data", [True, False])
def test_sim_rule_data_matches_payload_or_not(data: bool) -> None:
    world = conversation(make_world())
    world.add_rule(FaultRule("drop", Match(sender="client", data=data), count=100))
    world.run_until(0.8)
    dropped = [send_by_id(world)[i] for i in dropped_ids(world)]
    assert dropped and all((d["len"] > 0) is data for d in dropped)


def test_sim_rule_count_limits_how_many_are_taken() -> None:
    world = make_world(client_max_retries=10)
    world.add_rule(FaultRule("drop", Match(sender="client", flags=SYN), count=3))
    world.schedule(0.0, Call("server", "listen"))
    world.schedule(0.0, Call("client", "connect"))
    world.run_until(20)
    syns = sends(world, endpoint="client", flags="SYN")
    assert len(syns) == 4
    assert dropped_ids(world) == [s["id"] for s in syns[:3]]
    assert world.endpoints["client"].state is State.ESTABLISHED


def test_sim_retransmissions_count_as_transmissions() -> None:
    world = make_world()
    world.add_rule(FaultRule("drop", Match(sender="client", data=True), count=2))
    conversation(world)
    world.run_until(10)
    data = sends(world, endpoint="client", data="hello")
    assert [d["retransmission"] for d in data] == [False, True, True]
    assert dropped_ids(world) == [d["id"] for d in data[:2]]
    assert bytes(world.endpoints["server"].received) == b"hello"


def test_sim_user_retransmit_counts_too() -> None:
    world = make_world()
    world.add_rule(FaultRule("drop", Match(sender="client", has=FIN), count=2))
    conversation(world)
    world.schedule(1.05, Call("client", "retransmit"))
    world.run_until(1.3)
    fins = sends(world, endpoint="client", flags="FIN,ACK")
    assert len(fins) == 2 and fins[1]["retransmission"] is True
    assert dropped_ids(world) == [f["id"] for f in fins]


def test_sim_rule_applies_only_to_segments_sent_at_or_after_at() -> None:
    world = conversation(make_world())
    world.add_rule(FaultRule("drop", Match(sender="client"), at=0.5, count=1))
    world.run_until(3)
    (sid,) = dropped_ids(world)
    assert send_by_id(world)[sid]["t"] == 0.5 and send_by_id(world)[sid]["data"] == "hello"


def test_sim_earliest_declared_rule_wins() -> None:
    world = conversation(make_world())
    world.add_rule(FaultRule("delay", Match(sender="client", data=True), by=0.2))
    world.add_rule(FaultRule("drop", Match(sender="client"), at=0.5, count=100))
    world.run_until(0.55)
    (data,) = sends(world, endpoint="client", data="hello")
    assert [d["id"] for d in of_type(world, "delay")] == [data["id"]]
    assert data["id"] not in dropped_ids(world)
    # The delay rule is used up; the next data segment falls to the drop rule.
    assert world.network.rules[0].exhausted and not world.network.rules[1].exhausted


def test_sim_arm_command_adds_a_rule_mid_run() -> None:
    world = conversation(make_world())
    world.schedule(0.9, Arm(FaultRule("drop", Match(sender="client", has=FIN), at=0.9)))
    world.schedule(0.9, Note("the FIN will be lost"))
    world.run_until(1.2)
    notes = of_type(world, "note")
    assert [n["text"] for n in notes][-1] == "the FIN will be lost"
    assert notes[0]["text"].startswith("network: drop")
    (sid,) = dropped_ids(world)
    assert send_by_id(world)[sid]["flags"] == "FIN,ACK"


# ---------------------------------------------------------------------------------------------
# Inject
# ---------------------------------------------------------------------------------------------


def test_sim_inject_defaults_and_does_not_touch_the_sender() -> None:
    world = conversation(make_world())
    world.run_until(0.25)
    client = world.endpoints["client"]
    before = (client.state, client.snd_nxt, client.rcv_nxt, list(client.retransmission_queue))
    world.schedule(0.25, Inject("client", RST))
    world.run_until(0.4)
    inject = of_type(world, "inject")
    assert len(inject) == 1
    assert inject[0]["seq"] == before[1] and inject[0]["ack"] == 0 and inject[0]["flags"] == "RST"
    assert (client.state, client.snd_nxt, client.rcv_nxt, list(client.retransmission_queue)) == before
    # The server took the RST at RCV.NXT as a reset (§3.10.7.4 second, RFC 5961 3.2).
    assert world.endpoints["server"].state is State.CLOSED


def test_sim_inject_explicit_fields() -> None:
    world = make_world()
    world.schedule(0.0, Inject("server", SYN | ACK, seq=7, ack=1001, data=b"hi", wnd=10))
    world.run_until(1)
    (inject,) = of_type(world, "inject")
    assert (inject["flags"], inject["seq"], inject["ack"], inject["data"], inject["wnd"]) == (
        "SYN,ACK",
        7,
        1001,
        "hi",
        10,
    )
    (reply,) = sends(world, endpoint="client")
    assert reply["flags"] == "RST" and reply["seq"] == 1001  # a CLOSED port answers (§3.10.7.1)
    assert isinstance(world.trace[0], SendEvent) and world.trace[0].injected


# ---------------------------------------------------------------------------------------------
# Stepping, run_until, order within one instant
# ---------------------------------------------------------------------------------------------


def test_sim_step_processes_one_item_at_a_time() -> None:
    world = conversation(make_world())
    first = world.step()
    assert first is not None and first.kind == "command" and first.t == 0.0
    kinds = []
    while (item := world.step()) is not None:
        kinds.append(item.kind)
    assert world.step() is None
    assert "arrive" in kinds and "timer" in kinds


def test_sim_run_until_processes_everything_at_or_before_t() -> None:
    world = conversation(make_world())
    world.run_until(0.1)  # the SYN arrives at exactly 0.1
    assert world.now == 0.1
    assert world.endpoints["server"].state is State.SYN_RECEIVED
    assert world.endpoints["client"].state is State.SYN_SENT  # the SYN,ACK lands at 0.2
    world.run_until(0.15)
    assert world.now == 0.15 and world.endpoints["client"].state is State.SYN_SENT
    world.run_until(0.2)
    assert world.endpoints["client"].state is State.ESTABLISHED
    assert all(e.t <= 0.2 for e in world.trace)
    assert world.next_time() == 0.3
    world.run_until(0.1)  # going back is a no-op: the clock never runs backwards
    assert world.now == 0.2


def test_sim_run_until_float_sums_land_on_the_same_instant() -> None:
    world = make_world(latency=0.1)
    world.schedule(0.1 + 0.2, Call("server", "listen"))
    world.run_until(0.3)
    assert world.endpoints["server"].state is State.LISTEN


def test_sim_arrivals_and_timers_come_before_commands_at_one_instant() -> None:
    world = make_world(latency=0.5)
    world.schedule(0.0, Call("server", "listen"))
    world.schedule(0.0, Call("client", "connect"))
    world.schedule(0.5, Call("server", "close"))  # the SYN arrives at 0.5 too, and goes first
    world.checkpoint(0.5, "check")
    seen = []
    while (item := world.step()) is not None and item.t <= 0.5:
        seen.append(item.kind)
    assert seen[-3:] == ["arrive", "command", "checkpoint"]
    assert world.endpoints["server"].state is State.FIN_WAIT_1  # close in SYN-RECEIVED


def test_sim_commands_at_one_instant_run_in_schedule_order() -> None:
    world = make_world()
    world.schedule(1.0, Call("client", "connect"))
    world.schedule(1.0, Call("server", "listen"))
    world.schedule(1.0, Call("client", "abort"))
    world.run_until(1.0)
    calls = [(d["endpoint"], d["call"]) for d in of_type(world, "call")]
    assert calls == [("client", "connect"), ("server", "listen"), ("client", "abort")]


def test_sim_runaway_is_reported() -> None:
    world = conversation(make_world())
    with pytest.raises(RunawayError):
        world.run(max_events=5)
    with pytest.raises(RunawayError):
        conversation(make_world()).run_until(100, max_events=5)


def test_sim_timer_records_set_restart_cancel_expire() -> None:
    world = make_world(server_msl=1.0)
    world.add_rule(FaultRule("drop", Match(sender="server", flags=ACK), at=1.5))  # lose the server's last ACK
    world.schedule(0.0, Call("server", "listen"))
    world.schedule(0.0, Call("client", "connect"))
    world.schedule(1.0, Call("server", "close"))
    world.schedule(1.5, Call("client", "close"))
    world.run()
    actions = {(d["endpoint"], d["name"], d["action"]) for d in of_type(world, "timer")}
    assert ("server", "2msl", "set") in actions
    assert ("server", "2msl", "restart") in actions  # the client's FIN came again
    assert ("server", "2msl", "expire") in actions
    assert ("client", "rto", "cancel") in actions
    assert world.endpoints["server"].state is State.CLOSED and world.endpoints["client"].state is State.CLOSED


def test_3_10_8_sim_timer_with_a_float_sum_deadline_still_fires() -> None:
    world = make_world(latency=0.1, client_rto=0.2)
    world.add_rule(FaultRule("drop", Match(sender="client", flags=SYN)))
    world.schedule(0.0, Call("server", "listen"))
    world.schedule(0.1, Call("client", "connect"))  # RTO deadline 0.1 + 0.2 = 0.30000000000000004
    world.run_until(2.0)
    assert sends(world, endpoint="client", flags="SYN", retransmission=True)
    assert world.endpoints["client"].state is State.ESTABLISHED


# ---------------------------------------------------------------------------------------------
# Faults on a segment already on the wire (alter_flight, the UI's "x")
# ---------------------------------------------------------------------------------------------


def _hello_in_flight() -> tuple[World, int]:
    world = conversation(make_world(latency=0.2))
    world.run_until(0.55)
    (data,) = sends(world, endpoint="client", data="hello")
    assert data["id"] in world.in_flight
    return world, data["id"]


def test_sim_alter_flight_drop() -> None:
    world, sid = _hello_in_flight()
    assert world.alter_flight(sid, "drop") is True
    assert of_type(world, "drop")[-1] == {"t": 0.55, "type": "drop", "id": sid, "endpoint": "client"}
    assert sid not in world.in_flight
    world.run_until(1.0)
    assert not [d for d in of_type(world, "arrive") if d["id"] == sid]
    assert world.alter_flight(sid, "drop") is False  # no longer on the wire


def test_sim_alter_flight_delay_and_duplicate() -> None:
    world, sid = _hello_in_flight()
    assert world.alter_flight(sid, "delay", by=0.3) is True
    assert world.alter_flight(sid, "duplicate") is True
    world.run_until(1.2)
    arrivals = [d for d in of_type(world, "arrive") if d["id"] == sid]
    assert [(d["t"], d.get("copy", False)) for d in arrivals] == [(1.0, False), (1.0, True)]
    assert bytes(world.endpoints["server"].received) == b"hello"


def test_sim_alter_flight_refuses_an_unknown_fault() -> None:
    world, sid = _hello_in_flight()
    with pytest.raises(ValueError, match="unknown fault"):
        world.alter_flight(sid, "melt")


# ---------------------------------------------------------------------------------------------
# Snapshot and restore
# ---------------------------------------------------------------------------------------------


def test_sim_snapshot_restore_gives_an_identical_continuation() -> None:
    world = conversation(make_world())
    world.add_rule(FaultRule("drop", Match(sender="client", data=True)))
    world.add_rule(FaultRule("duplicate", Match(sender="server", has=FIN)))
    world.run_until(0.55)
    snap = world.snapshot()
    mark = len(world.trace)
    world.run()
    reference = dicts(world)
    final = (world.now, {n: (e.state, bytes(e.received)) for n, e in world.endpoints.items()})
    for _ in range(2):  # the snapshot stays reusable
        world.restore(snap)
        assert len(world.trace) == mark and world.now == 0.55
        world.run()
        assert dicts(world) == reference
        assert (world.now, {n: (e.state, bytes(e.received)) for n, e in world.endpoints.items()}) == final


def test_sim_restore_undoes_a_different_future() -> None:
    world = conversation(make_world())
    world.run_until(0.4)
    snap = world.snapshot()
    world.schedule(0.45, Call("client", "abort"))
    world.run()
    assert world.endpoints["server"].state is State.CLOSED and not world.endpoints["server"].received
    world.restore(snap)
    world.run()
    assert bytes(world.endpoints["server"].received) == b"hello"
    assert not [d for d in of_type(world, "call") if d["call"] == "abort"]


def test_sim_snapshot_is_independent_of_later_mutation() -> None:
    world = conversation(make_world())
    world.run_until(0.3)
    snap = world.snapshot()
    world.endpoints["client"].received += b"tamper"
    world.network.rules.append(FaultRule("drop", Match()))
    world.restore(snap)
    assert bytes(world.endpoints["client"].received) == b""
    assert world.network.rules == []
