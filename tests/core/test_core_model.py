"""The vocabulary of the core: states (§3.3.2), segments and flags (§3.1, §3.4)."""

from __future__ import annotations

import pytest

from tcpsim.core.segment import Flags, Segment, format_flags, parse_flags
from tcpsim.core.states import DESCRIPTIONS, State, parse_state

RFC_NAMES = [
    "CLOSED",
    "LISTEN",
    "SYN-SENT",
    "SYN-RECEIVED",
    "ESTABLISHED",
    "FIN-WAIT-1",
    "FIN-WAIT-2",
    "CLOSE-WAIT",
    "CLOSING",
    "LAST-ACK",
    "TIME-WAIT",
]


def test_3_3_2_eleven_states_with_rfc_names() -> None:
    assert [s.value for s in State] == RFC_NAMES
    assert [str(s) for s in State] == RFC_NAMES


@pytest.mark.parametrize("state", list(State))
def test_3_3_2_every_state_has_a_one_line_description_and_phase(state: State) -> None:
    assert state.description == DESCRIPTIONS[state]
    assert state.description and "\n" not in state.description
    assert state.phase in ("opening", "established", "closing", "closed")


def test_3_5_2_synchronized_states() -> None:
    unsynced = {State.CLOSED, State.LISTEN, State.SYN_SENT, State.SYN_RECEIVED}
    assert {s for s in State if not s.synchronized} == unsynced


@pytest.mark.parametrize(
    ("text", "state"),
    [
        ("TIME-WAIT", State.TIME_WAIT),
        ("time_wait", State.TIME_WAIT),
        ("syn received", State.SYN_RECEIVED),
        (" closed ", State.CLOSED),
        ("Fin-Wait-2", State.FIN_WAIT_2),
    ],
)
def test_3_3_2_parse_state_accepts_spellings(text: str, state: State) -> None:
    assert parse_state(text) is state


def test_3_3_2_parse_state_rejects_unknown() -> None:
    with pytest.raises(ValueError, match="unknown state"):
        parse_state("HALF-OPEN")


def test_3_1_flags_format_in_canonical_order() -> None:
    assert format_flags(Flags.ACK | Flags.SYN) == "SYN,ACK"
    assert format_flags(Flags.ACK | Flags.FIN | Flags.PSH) == "FIN,PSH,ACK"
    assert format_flags(Flags.RST | Flags.ACK) == "RST,ACK"
    assert format_flags(Flags(0)) == ""


def test_3_1_parse_flags_is_order_and_case_insensitive() -> None:
    assert parse_flags("ack, fin") == Flags.FIN | Flags.ACK
    assert parse_flags("SYN|ACK") == parse_flags("ack+syn") == Flags.SYN | Flags.ACK
    assert parse_flags("") == Flags(0)
    for n in range(32):
        flags = Flags(n)
        assert parse_flags(format_flags(flags)) == flags


def test_3_1_parse_flags_names_a_bad_flag() -> None:
    with pytest.raises(ValueError, match="URG"):
        parse_flags("SYN,URG")


def test_3_4_seg_len_counts_syn_and_fin() -> None:
    seg = Segment(1, 2, 2**32 - 1, 0, Flags.SYN | Flags.FIN, data=b"abc")  # type: ignore[arg-type]
    assert seg.seg_len == 5
    assert seg.end == 4  # wraps
    assert Segment(1, 2, 10, 0, Flags.ACK).seg_len == 0  # type: ignore[arg-type]
    assert seg.has(Flags.SYN) and not seg.has(Flags.RST)
    assert seg.flag_text == "SYN,FIN"
    assert seg.with_(data=b"").seg_len == 2
    assert "seq=4294967295" in seg.describe()
