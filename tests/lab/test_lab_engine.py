"""The TIME-WAIT lab's engine: demultiplexing, ports, steady state against theory, memory, determinism."""

from __future__ import annotations

import gc

import pytest

from tcpsim.core.segment import Flags, Segment
from tcpsim.core.seq import Seq
from tcpsim.core.states import State
from tcpsim.core.tcb import Endpoint
from tcpsim.lab import LoadConfig, LoadLab, theory
from tcpsim.lab.model import CLIENT_ADDR, SERVER_ADDR, SERVER_PORT

TW = State.TIME_WAIT.value


def run_samples(**kwargs: object) -> tuple[LoadLab, list]:
    lab = LoadLab(LoadConfig(**kwargs))  # type: ignore[arg-type]
    return lab, list(lab.samples())


# ---------------------------------------------------------------------- one connection
def test_one_connection_goes_through_time_wait_on_the_client() -> None:
    lab = LoadLab(LoadConfig(rate=1, duration=1, msl=2, latency=0.1))
    lab.advance_to(0.65)  # SYN .1, SYN-ACK .2, request .3, reply .4, FIN .5, FIN .6: both FINs are in
    [(key, client)] = lab.tcbs("client").items()
    assert key == (CLIENT_ADDR, 32768, SERVER_ADDR, SERVER_PORT)
    assert client.state is State.TIME_WAIT
    assert bytes(client.received).startswith(b"HTTP/1.0 200 OK")
    [server] = lab.tcbs("server").values()
    assert server.state is State.LAST_ACK
    lab.advance_to(0.75)  # the last ACK arrives at 0.7: the server's TCB is CLOSED and deleted
    assert lab.tcbs("server") == {} and len(lab.tcbs("client")) == 1
    summary = lab.run()
    assert (summary.completed, summary.reset, summary.live_tcbs) == (1, 0, 0)
    assert summary.segments == 11  # SYN, SYN-ACK, ACK, request, ACK, reply, ACK, FIN, ACK, FIN, ACK
    assert summary.end == pytest.approx(0.6 + 4.0)  # TIME-WAIT from 0.6 for 2·MSL


def test_step_and_advance_to_drive_the_same_run() -> None:
    config = LoadConfig(rate=5, duration=2, msl=1, latency=0.05)
    by_steps = LoadLab(config)
    steps = 0
    while by_steps.step():
        steps += 1
    assert by_steps.done and not by_steps.step()
    by_time = LoadLab(config)
    by_time.advance_to(1.0)
    assert by_time.now == 1.0 and not by_time.done
    summary = by_time.run()
    assert summary.events == steps == by_steps.summary().events
    assert summary.completed == by_steps.summary().completed == 10


# ---------------------------------------------------------------------- demultiplexing
def test_the_server_keeps_one_tcb_per_4_tuple() -> None:
    # 0.6 s per connection before TIME-WAIT, a new one every 0.1 s: six overlap on the server.
    lab = LoadLab(LoadConfig(rate=10, duration=1, msl=5, latency=0.1))
    lab.advance_to(0.55)
    server = lab.tcbs("server")
    client = lab.tcbs("client")
    assert len(server) == 5 and len(client) == 6  # the sixth SYN is still on the wire
    for local_addr, local_port, remote_addr, remote_port in server:
        assert (local_addr, local_port, remote_addr) == (SERVER_ADDR, SERVER_PORT, CLIENT_ADDR)
        assert (CLIENT_ADDR, remote_port, SERVER_ADDR, SERVER_PORT) in client
        assert server[(SERVER_ADDR, SERVER_PORT, CLIENT_ADDR, remote_port)].config.peer_port == remote_port
    assert len({ep.state for ep in server.values()}) > 1  # each tuple at its own stage
    assert lab.run().completed == 10


def _segment(flags: Flags, sport: int, dport: int, seq: int = 1000, ack: int = 0) -> Segment:
    return Segment(sport=sport, dport=dport, seq=Seq(seq), ack=Seq(ack), flags=flags)


def test_an_unknown_tuple_is_answered_as_rfc_9293_says() -> None:
    lab = LoadLab(LoadConfig(rate=1, duration=1, msl=1, latency=0.1))
    lab.advance_to(10)
    assert lab.done and lab.live_tcbs() == 0
    before = lab.summary().segments
    lab.inject("server", _segment(Flags.ACK, 40000, SERVER_PORT, ack=777))  # LISTEN: an ACK gets a RST
    lab.inject("server", _segment(Flags.RST, 40001, SERVER_PORT))  # LISTEN: a RST is ignored
    lab.inject("server", _segment(Flags.ACK, 40002, 8080, ack=5))  # nobody listens: RST
    lab.inject("client", _segment(Flags.FIN | Flags.ACK, SERVER_PORT, 40003, ack=9))  # CLOSED: RST
    lab.run()
    assert lab.summary().segments == before + 3
    assert lab.live_tcbs() == 0  # nothing was spawned for them


def test_a_syn_for_an_unknown_tuple_spawns_a_tcb_from_the_listener() -> None:
    lab = LoadLab(LoadConfig(rate=1, duration=1, msl=1, latency=0.1))
    lab.advance_to(10)
    lab.inject("server", _segment(Flags.SYN, 40000, SERVER_PORT))
    lab.advance_to(10.15)
    [(key, ep)] = lab.tcbs("server").items()
    assert key == (SERVER_ADDR, SERVER_PORT, CLIENT_ADDR, 40000)
    assert ep.state is State.SYN_RECEIVED and ep.passive
    lab.run()  # the SYN-ACK meets no TCB on the client: RST, and the server's TCB goes back to LISTEN
    assert lab.live_tcbs() == 0


# ---------------------------------------------------------------------- ports
def test_connects_fail_with_eaddrnotavail_when_the_ports_run_out() -> None:
    # 10 ports, one connect every 0.1 s, TIME-WAIT 20 s: the ports are gone after 1 s.
    lab, samples = run_samples(rate=10, duration=5, msl=10, ports=(5000, 5009), latency=0.01, interval=1)
    summary = lab.summary()
    assert (summary.attempted, summary.connected, summary.failed) == (50, 10, 40)
    assert summary.first_failure == pytest.approx(1.0)
    assert summary.peak_ports_in_use == 10 and summary.peak_time_wait_client == 10
    assert summary.completed == 10 and summary.reset == 0
    at = {round(s.t): s for s in samples}
    assert at[3].ports_in_use == 10 and at[3].time_wait_client == 10
    assert at[3].failed == 21  # the connects at 1.0, 1.1, …, 3.0
    assert theory(lab.config).ports_run_out


def test_a_port_is_free_again_once_its_time_wait_ends() -> None:
    lab, samples = run_samples(rate=10, duration=30, msl=5, ports=(5000, 5009), latency=0.01, interval=1)
    summary = lab.summary()
    # Each port carries one connection per 2·MSL + 0.06 s: about 10 ports × 3 rounds in 30 s.
    assert summary.connected == 30 and summary.failed == 270 and summary.completed == 30
    assert max(s.ports_in_use for s in samples) == 10
    assert samples[-1].ports_in_use == 0


def test_ports_rotate_through_the_range() -> None:
    lab = LoadLab(LoadConfig(rate=100, duration=0.05, msl=1, ports=(6000, 6002), latency=0.001))
    lab.advance_to(0.025)
    ports = sorted(key[1] for key in lab.tcbs("client"))
    assert ports == [6000, 6001, 6002]


# ---------------------------------------------------------------------- steady state and theory
@pytest.mark.parametrize(("rate", "msl"), [(50, 2.0), (20, 5.0), (200, 0.5)])
def test_time_wait_in_steady_state_is_rate_times_2msl(rate: float, msl: float) -> None:
    lab, samples = run_samples(rate=rate, duration=4 * 2 * msl, msl=msl, latency=0.01, interval=msl / 2)
    expected = rate * 2 * msl
    assert theory(lab.config).time_wait == pytest.approx(expected)
    steady = [s for s in samples if 2 * msl + 0.1 < s.t < lab.config.duration]
    assert len(steady) >= 8
    for s in steady:
        assert abs(s.time_wait_client - expected) <= 1, s
        assert s.time_wait_server == 0
        assert s.failed == 0
    assert abs(lab.summary().peak_time_wait_client - expected) <= 1


def test_time_wait_scales_with_msl_and_is_capped_by_the_ports() -> None:
    small = LoadLab(LoadConfig(rate=100, duration=10, msl=1)).run()
    large = LoadLab(LoadConfig(rate=100, duration=10, msl=2)).run()
    assert (small.peak_time_wait_client, large.peak_time_wait_client) == (201, 401)
    capped = LoadLab(LoadConfig(rate=100, duration=10, msl=2, ports=(1, 300))).run()
    assert capped.peak_time_wait_client == 300 and capped.failed > 0


def test_closer_server_moves_time_wait_to_the_server() -> None:
    lab, samples = run_samples(rate=50, duration=8, msl=1, latency=0.01, interval=0.5, closer="server")
    steady = [s for s in samples if 2.2 < s.t < 8]
    assert steady
    for s in steady:
        assert abs(s.time_wait_server - 100) <= 1
        assert s.time_wait_client == 0
        assert s.ports_in_use <= 5  # a client port is held only ~6 one-way delays
    summary = lab.summary()
    assert summary.peak_time_wait_client == 0 and summary.completed == 400
    assert summary.syn_in_time_wait == 0  # 28,232 ports: none comes round within 2·MSL


def test_closer_server_with_few_ports_meets_time_wait_and_recovers() -> None:
    # 30 ports at 20/s: a port comes round after 1.5 s, while its old tuple is in TIME-WAIT (4 s).
    lab = LoadLab(LoadConfig(rate=20, duration=4, msl=2, ports=(7000, 7029), closer="server", latency=0.01))
    assert theory(lab.config).meets_time_wait
    summary = lab.run()
    assert summary.syn_in_time_wait > 0
    # RFC 5961: challenge ACK, the client's RST clears TIME-WAIT, the SYN goes again after the RTO.
    assert summary.retransmissions == summary.syn_in_time_wait
    assert summary.completed == summary.connected == 80 and summary.reset == 0
    assert summary.peak_time_wait_server <= 30  # at most one per 4-tuple


# ---------------------------------------------------------------------- memory
def _live_endpoints() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o) is Endpoint)


def test_memory_does_not_grow_with_finished_connections() -> None:
    # 4,000 connections; TIME-WAIT of 1 s holds about 100 client TCBs at a time.
    rate = 100
    lab = LoadLab(LoadConfig(rate=rate, duration=40, msl=0.5, latency=0.005, interval=4))
    base = _live_endpoints()
    counts = []
    for _sample in lab.samples():
        counts.append(_live_endpoints() - base)
        assert lab.live_tcbs() <= rate * 1.0 + 2 * rate * 0.03 + 2
    summary = lab.run()
    assert summary.completed == 4_000
    steady = counts[1:10]
    # Live Endpoint objects are the TCBs in the tables (a deleted TCB's queued timer item does not
    # keep it alive): bounded by rate × (2·MSL + a few latencies), flat while thousands of
    # connections end.
    assert max(steady) <= rate * 1.0 + 2 * rate * 0.03 + 2
    assert max(steady) - min(steady) <= 20
    assert counts[-1] <= 2
    assert summary.peak_tcbs <= rate + 10 and summary.live_tcbs == 0


# ---------------------------------------------------------------------- determinism and checks
def test_same_configuration_same_samples() -> None:
    config = LoadConfig(rate=80, duration=5, msl=1, ports=(9000, 9100), closer="server", latency=0.003)
    first = [s.to_dict() for s in LoadLab(config).samples()]
    second = [s.to_dict() for s in LoadLab(config).samples()]
    assert first == second
    a, b = LoadLab(config).run().to_dict(), LoadLab(config).run().to_dict()
    for volatile in ("wall", "events_per_second"):
        a.pop(volatile), b.pop(volatile)
    assert a == b


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rate": -1}, "--rate: must be > 0"),
        ({"rate": 0}, "--rate: must be > 0"),
        ({"duration": float("nan")}, "--duration: expected a number"),
        ({"msl": 0}, "--msl: must be > 0"),
        ({"latency": -0.1}, "--latency: must be ≥ 0"),
        ({"ports": (5000, 4000)}, "the range 5000-4000 is empty"),
        ({"ports": (0, 10)}, "ports are 1 to 65535"),
        ({"closer": "both"}, "expected client or server"),
        ({"interval": 0}, "--interval: must be > 0"),
        ({"interval": 1e-6}, "more than 100,000 samples"),
        ({"rate": 1e6, "duration": 100}, "at most 10,000,000"),
    ],
)
def test_bad_configurations_are_refused_clearly(kwargs: dict, message: str) -> None:
    args = {"rate": 10.0, "duration": 10.0, **kwargs}
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        LoadConfig(**args)
