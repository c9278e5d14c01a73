"""A trace as a Mermaid ``sequenceDiagram``, which GitHub and most documentation tools render.

One arrow per segment sent, in the order they were sent, labelled with the time, the flags and the
numbers: a lost segment ends in a cross (``-x``), a retransmission is dotted and says so, and a
state change is a note over its endpoint. Mermaid draws arrows level, so a diagram shows the order
of the exchange, not the time a segment spent in flight; the ``text`` ladder shows that.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import IO

from ..core.segment import segment_label
from ..escape import visible
from ..scenario.model import Scenario
from ..sim.trace import DelayEvent, DropEvent, DuplicateEvent, SendEvent, StateEvent, TraceEvent

PARTICIPANTS = {"client": "Client", "server": "Server"}
_ENTITIES = {ord("#"): "#35;", ord(";"): "#59;", ord("<"): "#60;", ord(">"): "#62;"}


def escape(text: str) -> str:
    """Text safe in a Mermaid message or note: on one line (a newline would start a statement of
    its own), control characters shown as escapes (:func:`tcpsim.escape.visible`), and ``#`` and
    ``;`` (which end a message) and ``<`` and ``>`` (HTML to some renderers) as entity codes."""
    return visible(" ".join(text.split())).translate(_ENTITIES)


def mermaid_lines(trace: Iterable[TraceEvent], scenario: Scenario | None = None) -> Iterator[str]:
    """The lines (without newlines) of the diagram."""
    events = list(trace)
    fate: dict[int, str] = {}
    for e in events:
        if isinstance(e, DropEvent):
            fate[e.id] = "lost"
        elif isinstance(e, DuplicateEvent):
            fate[e.id] = "duplicated"
        elif isinstance(e, DelayEvent):
            fate[e.id] = f"delayed +{e.by:g}s"
    yield "sequenceDiagram"
    if scenario is not None:
        yield f"    title {escape(scenario.name)}"
    yield "    participant Client"
    yield "    participant Server"
    for e in events:
        if isinstance(e, SendEvent):
            src, dst = PARTICIPANTS[e.endpoint], PARTICIPANTS["server" if e.endpoint == "client" else "client"]
            what = fate.get(e.id, "")
            line = "--" if e.retransmission else "-"
            head = "x" if what == "lost" else ">>"
            notes = [
                n for n in ("retransmission" if e.retransmission else "", "injected" if e.injected else "", what) if n
            ]
            text = f"t={e.t:g} {segment_label(e.segment, fields=True)}" + (f" ({', '.join(notes)})" if notes else "")
            yield f"    {src}{line}{head}{dst}: {escape(text)}"
        elif isinstance(e, StateEvent):
            yield f"    Note over {PARTICIPANTS[e.endpoint]}: {escape(e.new)}"


def write_mermaid(trace: Iterable[TraceEvent], scenario: Scenario | None, out: IO[str]) -> None:
    """Write the diagram to a text stream."""
    for line in mermaid_lines(trace, scenario):
        out.write(line + "\n")
