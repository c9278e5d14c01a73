"""The observer on hand-made conversations: what it infers, and what it says it cannot explain."""

from __future__ import annotations

from pathlib import Path

from capture_files import pcap, scenario_packets
from hypothesis import given, settings
from hypothesis import strategies as st

from tcpsim.capture import Conversation, TcpPacket, observe
from tcpsim.capture.explain import RULE_KEEPALIVE, RULE_RETRANSMISSION
from tcpsim.core.segment import Flags, Segment
from tcpsim.core.seq import seq
from tcpsim.core.states import State
from tcpsim.sim.trace import CallEvent, SendEvent

S, A, F, R, P = Flags.SYN, Flags.ACK, Flags.FIN, Flags.RST, Flags.PSH
C, SV = ("10.0.0.1", 49152), ("10.0.0.2", 80)


def conversation(*packets: tuple[float, str, Flags, int, int, bytes], wscale: int | None = None) -> Conversation:
    """``(t, "c" or "s", flags, seq, ack, data)`` each; the client is 10.0.0.1:49152."""
    out = []
    for frame, (t, who, flags, sn, an, data) in enumerate(packets, start=1):
        src, dst = (C, SV) if who == "c" else (SV, C)
        seg = Segment(src[1], dst[1], seq(sn), seq(an if flags & A else 0), flags, 512 if wscale else 65535, data)
        scale = wscale if flags & S else None
        out.append(TcpPacket(frame, int(t * 1e9), src[0], dst[0], seg, int(flags), scale))
    return Conversation(0, out[0].source, out[0].destination, out)


HANDSHAKE = (
    (0.0, "c", S, 100, 0, b""),
    (0.1, "s", S | A, 500, 101, b""),
    (0.2, "c", A, 101, 501, b""),
)


def notes(obs, kind: str | None = None) -> list[str]:
    return [n.text for n in obs.notes if kind is None or n.kind == kind]


def test_a_plain_connection_needs_no_note() -> None:
    obs = observe(
        conversation(
            *HANDSHAKE,
            (0.3, "c", P | A, 101, 501, b"hi"),
            (0.4, "s", A, 501, 103, b""),
            (0.5, "c", F | A, 103, 501, b""),
            (0.6, "s", F | A, 501, 104, b""),
            (0.7, "c", A, 104, 502, b""),
        )
    )
    assert obs.problems == []
    assert obs.end_states == {"client": State.TIME_WAIT, "server": State.CLOSED}
    calls = [(e.endpoint, e.call, e.data) for e in obs.trace if isinstance(e, CallEvent)]
    assert calls == [
        ("client", "connect", b""),
        ("server", "listen", b""),
        ("client", "send", b"hi"),
        ("client", "close", b""),
        ("server", "close", b""),
    ]
    assert obs.endpoints["server"].received == bytearray(b"hi")


def test_the_active_closer_stays_2msl_after_the_capture() -> None:
    packets = (
        *HANDSHAKE,
        (1.0, "s", F | A, 501, 101, b""),
        (1.1, "c", F | A, 101, 502, b""),
        (1.2, "s", A, 502, 102, b""),
    )
    for msl in (30.0, 2.5):
        obs = observe(conversation(*packets), msl)
        assert obs.end_states["server"] is State.TIME_WAIT
        assert obs.states("server")[-1] == ("TIME-WAIT", "CLOSED")
        end = [e.t for e in obs.trace if getattr(e, "new", None) == "CLOSED" and e.endpoint == "server"][-1]
        assert end == 1.1 + 2 * msl
        assert [n.kind for n in obs.notes] == ["projection"]


def test_a_capture_that_starts_mid_connection_says_so() -> None:
    obs = observe(
        conversation(
            (0.0, "c", P | A, 1000, 7000, b"hello"),
            (0.1, "s", A, 7000, 1005, b""),
            (0.2, "c", F | A, 1005, 7000, b""),
            (0.3, "s", F | A, 7000, 1006, b""),
            (0.4, "c", A, 1006, 7001, b""),
        )
    )
    assert [n.kind for n in obs.problems] == ["start"]
    assert "middle of a connection" in obs.problems[0].text
    assert obs.states("client")[0] == ("ESTABLISHED", "FIN-WAIT-1")
    assert obs.end_states == {"client": State.TIME_WAIT, "server": State.CLOSED}


def test_the_higher_port_is_taken_as_the_client_mid_connection() -> None:
    obs = observe(conversation((0.0, "s", A, 7000, 1000, b""), (0.1, "c", A, 1000, 7000, b"")))
    assert obs.roles == {"client": C, "server": SV}


def test_a_capture_that_starts_at_the_syn_ack() -> None:
    obs = observe(conversation(*HANDSHAKE[1:], (0.3, "c", P | A, 101, 501, b"x"), (0.4, "s", A, 501, 102, b"")))
    assert obs.roles["client"] == C
    assert [n.kind for n in obs.problems] == ["start"]
    assert obs.states("client") == [("CLOSED", "SYN-SENT"), ("SYN-SENT", "ESTABLISHED")]
    assert obs.states("server") == [("CLOSED", "LISTEN"), ("LISTEN", "SYN-RECEIVED"), ("SYN-RECEIVED", "ESTABLISHED")]


def test_bytes_missing_from_the_capture_are_a_gap() -> None:
    obs = observe(
        conversation(
            *HANDSHAKE,
            (0.3, "c", P | A, 101, 501, b"one"),
            (0.5, "c", P | A, 110, 501, b"three"),  # 104..110 never captured
            (0.6, "s", A, 501, 115, b""),
        )
    )
    gaps = notes(obs, "gap")
    assert len(gaps) == 1 and "6 octets" in gaps[0]
    assert obs.endpoints["server"].rcv_nxt == 115
    assert len(obs.problems) == 1


def test_an_ack_of_data_never_seen_is_a_gap() -> None:
    obs = observe(conversation(*HANDSHAKE, (0.3, "s", A, 501, 150, b""), (0.4, "c", A, 150, 501, b"")))
    assert [n.kind for n in obs.problems] == ["gap"]
    assert "49 octets the client sent (101 to 150) are not in the capture" in obs.problems[0].text
    assert obs.endpoints["server"].rcv_nxt == 150 and obs.endpoints["client"].snd_nxt == 150


def test_an_ack_beyond_what_was_sent_at_all_is_unexplained() -> None:
    obs = observe(conversation(*HANDSHAKE, (0.3, "c", F | A, 101, 501, b""), (0.4, "s", A, 501, 150, b"")))
    assert any("beyond the 102" in n for n in notes(obs, "unexplained"))


def test_a_retransmission_is_marked_and_the_first_copy_taken_as_lost() -> None:
    obs = observe(
        conversation(
            *HANDSHAKE,
            (0.3, "c", P | A, 101, 501, b"data"),
            (1.3, "c", P | A, 101, 501, b"data"),
            (1.4, "s", A, 501, 105, b""),
        )
    )
    sends = [e for e in obs.trace if isinstance(e, SendEvent) and e.segment.data]
    assert [e.retransmission for e in sends] == [False, True]
    assert sends[1].rule == RULE_RETRANSMISSION
    assert [e.id for e in obs.trace if e.type == "drop"] == [sends[0].id]
    assert [c.call for c in obs.trace if isinstance(c, CallEvent) and c.endpoint == "client"] == ["connect", "send"]


def test_keepalives_are_recognised() -> None:
    obs = observe(conversation(*HANDSHAKE, (10.0, "c", A, 100, 501, b""), (10.0, "s", A, 501, 101, b"")))
    assert [e.rule for e in obs.trace if isinstance(e, SendEvent)][3] == RULE_KEEPALIVE


def test_a_forged_rst_is_noted_and_changes_nothing_on_its_sender() -> None:
    obs = observe(
        conversation(
            *HANDSHAKE,
            (0.5, "c", R, 90000, 0, b""),
            (0.6, "c", P | A, 101, 501, b"still here"),
            (0.7, "s", A, 501, 111, b""),
        )
    )
    assert obs.end_states == {"client": State.ESTABLISHED, "server": State.ESTABLISHED}
    assert any("forged or injected" in n for n in notes(obs, "unexplained"))


def test_an_abort_is_inferred_from_a_rst() -> None:
    obs = observe(conversation(*HANDSHAKE, (0.5, "c", R | A, 101, 501, b"")))
    assert [c.call for c in obs.trace if isinstance(c, CallEvent)][-1] == "abort"
    assert obs.end_states == {"client": State.CLOSED, "server": State.CLOSED}
    assert obs.states("server")[-1] == ("ESTABLISHED", "CLOSED")


def test_a_refused_connection() -> None:
    obs = observe(conversation((0.0, "c", S, 100, 0, b""), (0.0, "s", R | A, 0, 101, b"")))
    assert obs.problems == []
    assert obs.states("server") == []
    assert obs.states("client") == [("CLOSED", "SYN-SENT"), ("SYN-SENT", "CLOSED")]


def test_window_scaling_is_applied() -> None:
    obs = observe(conversation(*HANDSHAKE, (0.3, "s", A, 501, 101, b""), wscale=7))
    assert obs.endpoints["client"].snd_wnd == 512 << 7


def test_a_new_connection_on_the_same_ports_while_in_time_wait() -> None:
    first = (
        *HANDSHAKE,
        (1.0, "c", F | A, 101, 501, b""),
        (1.1, "s", F | A, 501, 102, b""),
        (1.2, "c", A, 102, 502, b""),
    )
    again = (
        (2.0, "c", S, 90000, 0, b""),
        (2.1, "s", S | A, 40000, 90001, b""),
        (2.2, "c", A, 90001, 40001, b""),
    )
    obs = observe(conversation(*first, *again))
    assert obs.end_states == {"client": State.ESTABLISHED, "server": State.ESTABLISHED}
    assert [n.kind for n in obs.problems] == ["time-wait"]
    assert ("TIME-WAIT", "CLOSED") in obs.states("client")


def test_frames_follow_the_trace() -> None:
    obs = observe(conversation(*HANDSHAKE, (0.3, "c", F | A, 101, 501, b"")))
    lengths = [f.trace_len for f in obs.frames]
    assert lengths == sorted(lengths) and lengths[-1] == len(obs.trace)
    assert [f.t for f in obs.frames] == sorted(f.t for f in obs.frames)


def test_a_real_export_reads_the_same_through_the_file(tmp_path: Path) -> None:
    path = tmp_path / "x.pcap"
    path.write_bytes(pcap(scenario_packets("data-transfer"), 101))
    from tcpsim.capture import import_capture

    result = import_capture(path)
    assert result.scenario.client.address == "10.0.0.1" and result.scenario.server.port == 80
    assert [s.do for s in result.scenario.steps] == ["connect", "listen", "send", "send", "send", "send"]


segments = st.lists(
    st.tuples(
        st.sampled_from(["c", "s"]),
        st.sets(st.sampled_from([S, A, F, R, P]), max_size=3),
        st.integers(0, 40),
        st.integers(0, 40),
        st.binary(max_size=3),
    ),
    min_size=1,
    max_size=14,
)


@settings(max_examples=300, deadline=None)
@given(segments)
def test_any_sequence_of_segments_is_observed_without_error(spec: list) -> None:
    """Whatever a capture holds, the observer explains it or says it cannot: it never fails."""
    packets = []
    for i, (who, flag_set, sn, an, data) in enumerate(spec):
        flags = Flags(0)
        for f in flag_set:
            flags |= f
        packets.append((i * 0.1, who, flags, 1000 + sn, 5000 + an if who == "c" else 1000 + an, data))
    obs = observe(conversation(*packets))
    times = [e.t for e in obs.trace]
    assert times == sorted(times)
    assert len([e for e in obs.trace if isinstance(e, SendEvent)]) == len(spec)
    assert obs.frames[-1].trace_len == len(obs.trace)
