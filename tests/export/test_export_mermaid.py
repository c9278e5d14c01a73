"""``--format mermaid``: a sequenceDiagram with one arrow per segment and the states as notes."""

from __future__ import annotations

import io
import re

import pytest
from export_support import SCENARIOS, result_of

from tcpsim.export import mermaid_lines, write_mermaid
from tcpsim.export.mermaid import escape
from tcpsim.scenario import load_text, run
from tcpsim.sim.trace import SendEvent, StateEvent

ARROW = re.compile(r"^    (Client|Server)(->>|-->>|-x|--x)(Client|Server): ([^#;\n]|#\d+;)+$")
NOTE = re.compile(r"^    Note over (Client|Server): [A-Z0-9-]+$")


@pytest.mark.parametrize("name", SCENARIOS)
def test_every_line_is_a_statement_mermaid_knows(name: str) -> None:
    result = result_of(name)
    lines = list(mermaid_lines(result.trace, result.scenario))
    assert lines[:4] == [
        "sequenceDiagram",
        f"    title {escape(result.scenario.name)}",
        *(
            "    participant Client",
            "    participant Server",
        ),
    ]
    body = lines[4:]
    assert all(ARROW.match(line) or NOTE.match(line) for line in body), [
        line for line in body if not (ARROW.match(line) or NOTE.match(line))
    ]
    sends = [e for e in result.trace if isinstance(e, SendEvent)]
    arrows = [line for line in body if ARROW.match(line)]
    assert len(arrows) == len(sends)
    for send, arrow in zip(sends, arrows, strict=True):
        sender = ARROW.match(arrow).group(1)  # type: ignore[union-attr]
        assert sender.lower() == send.endpoint
        assert f"seq={send.segment.seq}" in arrow
        assert ("retransmission" in arrow) == send.retransmission
        assert ("--" in arrow.split(":")[0]) == send.retransmission
    assert sum(bool(NOTE.match(line)) for line in body) == sum(isinstance(e, StateEvent) for e in result.trace)


def test_lost_fin() -> None:
    result = result_of("lost-fin")
    lines = list(mermaid_lines(result.trace, result.scenario))
    assert "    Client-xServer: t=1 FIN,ACK seq=1004 ack=5001 (lost)" in lines
    assert "    Client-->>Server: t=2 FIN,ACK seq=1004 ack=5001 (retransmission)" in lines
    assert "    Note over Client: FIN-WAIT-1" in lines
    assert "    Client->>Server: t=0.5 PSH,ACK seq=1001 ack=5001 len=3" in lines


def test_a_lost_retransmission_is_dotted_with_a_cross() -> None:
    result = result_of("give-up")
    lines = list(mermaid_lines(result.trace, result.scenario))
    assert any(line.startswith("    Client--xServer: ") and "(retransmission, lost)" in line for line in lines)


def test_duplicates_delays_and_injections_are_named() -> None:
    dup = "\n".join(mermaid_lines(result_of("duplicate-segment").trace))
    assert "(duplicated)" in dup
    delayed = "\n".join(mermaid_lines(result_of("out-of-order").trace))
    assert re.search(r"\(delayed \+[\d.]+s\)", delayed)
    injected = "\n".join(mermaid_lines(result_of("rst-challenge-ack").trace))
    assert "(injected)" in injected


def test_characters_that_end_a_mermaid_message_are_escaped() -> None:
    assert escape("a#b;c\nd") == "a#35;b#59;c d"
    scenario = load_text('name = "Lost #1; again"\n[[step]]\nat = 0\non = "server"\ndo = "listen"\n')
    lines = list(mermaid_lines(run(scenario).trace, scenario))
    assert lines[1] == "    title Lost #35;1#59; again"


def test_write_mermaid() -> None:
    result = result_of("three-way-handshake")
    out = io.StringIO()
    write_mermaid(result.trace, result.scenario, out)
    assert out.getvalue() == "\n".join(mermaid_lines(result.trace, result.scenario)) + "\n"
    assert list(mermaid_lines(result.trace))[1] == "    participant Client"  # no scenario, no title
