"""Issue 12: one segment formatter for every view (the ladder, the timeline, Mermaid, notes)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tcpsim.core.segment import Flags, Segment, segment_label

DATA = Segment(49152, 80, 1001, 5001, int(Flags.PSH | Flags.ACK), 65535, b"hello")
SYN = Segment(49152, 80, 1000, 0, int(Flags.SYN))


def test_the_ladder_form() -> None:
    assert segment_label(DATA, 4) == "#4 PSH,ACK 1001 ack 5001 len 5"
    assert segment_label(SYN, 1) == "#1 SYN 1000"
    assert segment_label(Segment(1, 2, 7, 0, 0), 9) == "#9 no flags 7"


def test_the_fields_form() -> None:
    assert segment_label(DATA, fields=True) == "PSH,ACK seq=1001 ack=5001 len=5"
    assert segment_label(SYN, fields=True) == "SYN seq=1000"
    assert DATA.describe() == segment_label(DATA, fields=True)


@pytest.mark.parametrize(
    ("width", "label"),
    [
        (40, "#4 PSH,ACK 1001 ack 5001 len 5"),
        (29, "#4 PSH,ACK 1001 len 5"),
        (21, "#4 PSH,ACK 1001 len 5"),
        (20, "#4 PSH,ACK len 5"),
        (15, "#4 PSH,ACK"),
        (8, "#4 PSH,…"),
        (1, "…"),
        (0, ""),
    ],
)
def test_a_shorter_label_keeps_what_tells_most(width: int, label: str) -> None:
    assert segment_label(DATA, 4, width=width) == label


@given(st.integers(0, 80), st.sampled_from([DATA, SYN]), st.booleans())
def test_a_label_always_fits(width: int, seg: Segment, fields: bool) -> None:
    assert len(segment_label(seg, 12345, fields=fields, width=width)) <= width
