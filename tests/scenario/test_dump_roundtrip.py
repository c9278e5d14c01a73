"""Issue 16, finding 10(b): every scenario saves to a file that loads back to the same scenario.

``dump`` either returns TOML that ``load_text`` reads back equal, or raises ``DumpError`` saying
what no file can hold; the hypothesis test below checks that over any scenario the loader allows.
"""

from __future__ import annotations

import ipaddress
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tcpsim.core.segment import FLAG_ORDER, Flags
from tcpsim.core.states import State
from tcpsim.scenario import EndpointSpec, Expectation, NetworkSpec, Scenario, SentSpec, Step, load_text
from tcpsim.scenario.dump import DumpError, dump
from tcpsim.sim.network import Match
from tcpsim.sim.trace import round_time
from tcpsim.sim.world import Inject

ENDPOINTS = ("client", "server")
U32 = st.integers(0, 2**32 - 1)
TIMES = st.floats(0, 1e6).map(round_time)
DURATIONS = st.one_of(st.just(0.0), st.floats(1e-9, 1e6))
POSITIVE = st.floats(1e-9, 1e6)
FLAGS = st.lists(st.sampled_from(FLAG_ORDER), unique=True).map(lambda fs: Flags(sum(fs)))
DATA = st.binary(min_size=1, max_size=40) | st.text(min_size=1, max_size=20).map(str.encode)


def handshake(**changes: object) -> Scenario:
    base = Scenario(
        name="Saved",
        path=None,
        network=NetworkSpec(),
        client=EndpointSpec(port=49152, isn=1000),
        server=EndpointSpec(port=80, isn=5000),
        steps=(Step(index=1, at=0.0, on="server", do="listen"), Step(index=2, at=0.0, on="client", do="connect")),
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def roundtrip(scenario: Scenario) -> Scenario:
    return load_text(dump(scenario))


@st.composite
def steps(draw: st.DrawFn) -> list[Step]:
    result = []
    for at in sorted(draw(st.lists(TIMES, min_size=1, max_size=6))):
        on = draw(st.sampled_from(("client", "server", "network")))
        note = draw(st.text(max_size=10))
        if on == "network":
            do = draw(st.sampled_from(("drop", "duplicate", "delay", "inject")))
            if do == "inject":
                segment = Inject(
                    sender=draw(st.sampled_from(ENDPOINTS)),
                    flags=draw(FLAGS),
                    seq=draw(st.none() | U32),
                    ack=draw(st.none() | U32),
                    data=draw(st.just(b"") | DATA),
                    wnd=draw(st.none() | st.integers(0, 65535)),
                )
                step = Step(index=0, at=at, on=on, do=do, segment=segment, note=note)
            else:
                match = Match(
                    sender=draw(st.none() | st.sampled_from(ENDPOINTS)),
                    flags=draw(st.none() | FLAGS),
                    has=draw(st.none() | FLAGS),
                    data=draw(st.none() | st.booleans()),
                )
                count = draw(st.integers(1, 1_000_000))
                by = draw(DURATIONS) if do == "delay" else 0.0
                step = Step(index=0, at=at, on=on, do=do, match=match, count=count, by=by, note=note)
        else:
            do = draw(st.sampled_from(("listen", "connect", "send", "close", "abort", "retransmit")))
            data = draw(DATA) if do == "send" else b""
            step = Step(index=0, at=at, on=on, do=do, data=data, note=note)
        result.append(step)
    return [replace(step, index=i) for i, step in enumerate(result, start=1)]


@st.composite
def expectations(draw: st.DrawFn) -> list[Expectation]:
    result = []
    for i, at in enumerate(sorted(draw(st.lists(TIMES, max_size=3))), start=1):
        states = draw(st.dictionaries(st.sampled_from(ENDPOINTS), st.sampled_from(list(State))))
        received = draw(st.dictionaries(st.sampled_from(ENDPOINTS), st.binary(max_size=20)))
        last_sent = draw(
            st.none()
            | st.builds(
                SentSpec,
                sender=st.none() | st.sampled_from(ENDPOINTS),
                flags=st.none() | FLAGS,
                has=st.none() | FLAGS,
                seq=st.none() | U32,
                ack=st.none() | U32,
                len=st.none() | st.integers(0, 1 << 31),
                data=st.none() | st.binary(max_size=20),
            )
        )
        if not states and not received and last_sent is None:
            states = {"client": State.CLOSED}
        note = draw(st.text(max_size=10))
        result.append(Expectation(i, at, states, received, last_sent, note))
    return result


ENDPOINT_SPECS = st.builds(
    EndpointSpec,
    port=st.integers(0, 65535),
    isn=st.none() | U32,
    isn_step=U32,
    time_wait=st.booleans(),
    address=st.none() | U32.map(lambda n: str(ipaddress.IPv4Address(n))),
)
SCENARIOS = st.builds(
    Scenario,
    name=st.text(min_size=1).filter(str.strip),
    path=st.none(),
    network=st.builds(
        NetworkSpec,
        latency=DURATIONS,
        msl=POSITIVE,
        rto=POSITIVE,
        seed=st.integers(-(1 << 63), (1 << 63) - 1),
        retries=st.none() | st.integers(0, 100),
    ),
    client=ENDPOINT_SPECS,
    server=ENDPOINT_SPECS,
    steps=steps().map(tuple),
    expectations=expectations().map(tuple),
    summary=st.text(),
    description=st.text(),
)


@settings(max_examples=300)
@given(SCENARIOS)
def test_every_scenario_loads_back_equal(scenario: Scenario) -> None:
    assert roundtrip(scenario) == scenario


def test_port_0_from_a_capture() -> None:
    scenario = handshake(client=EndpointSpec(port=0, isn=1000), server=EndpointSpec(port=0, isn=5000))
    assert roundtrip(scenario) == scenario


@pytest.mark.parametrize(
    "payload", [b"\x7f", b"a\x00b\x1b[2J\x9b", "héllo \u2028 中".encode(), b"\x16\x03\x01\xff\xfe"]
)
def test_payload_bytes_of_any_kind(payload: bytes) -> None:
    send = Step(index=3, at=1.0, on="client", do="send", data=payload)
    scenario = handshake(steps=(*handshake().steps, send))
    text = dump(scenario)
    assert roundtrip(scenario) == scenario
    if payload == b"\x16\x03\x01\xff\xfe":
        assert 'data = { hex = "160301fffe" }' in text


def test_control_characters_in_names_and_notes() -> None:
    scenario = handshake(name="a\x7fb\x1b[2J", summary="\x00", description="line\nline\r\x08")
    assert roundtrip(scenario) == scenario


def test_an_empty_send_is_left_out() -> None:
    empty = Step(index=3, at=1.0, on="client", do="send", data=b"")
    scenario = handshake(steps=(*handshake().steps, empty))
    assert roundtrip(scenario) == handshake()


def test_a_time_past_the_horizon_is_a_clear_error() -> None:
    late = Step(index=3, at=1_000_000.5, on="client", do="close")
    with pytest.raises(DumpError, match=r"t = 1000000.5 s cannot be saved: scenario files end at t = 1e\+06 s"):
        dump(handshake(steps=(*handshake().steps, late)))


def test_nothing_to_save_is_a_clear_error() -> None:
    with pytest.raises(DumpError, match="nothing to save"):
        dump(handshake(steps=()))


def test_what_cannot_be_read_back_is_never_returned() -> None:
    with pytest.raises(DumpError, match="cannot be saved"):
        dump(handshake(network=NetworkSpec(rto=1e-12)))
