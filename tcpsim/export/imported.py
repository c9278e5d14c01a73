"""An imported capture (``tcpsim import``) as tcpdump's text or a Mermaid diagram: the exporters'
output, with the observer's notes.

The exporters write what a simulated run shows; an import has one thing more, the notes on what
the state machine cannot explain, which go in where they happened: a ``# `` comment line for
tcpdump, a note over both participants for Mermaid.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO

from ..capture.load import ImportResult
from ..capture.notes import CaptureNote
from ..capture.reader import endpoint_text
from ..escape import visible
from ..sim.trace import DropEvent, SendEvent, StateEvent, TraceEvent
from .mermaid import escape, mermaid_lines
from .tcpdump import tcpdump_lines

_HEAD = len(list(mermaid_lines([], None)))
"""The lines the Mermaid exporter writes before the first event, without a title."""
_TIME = re.compile(r"^(?:# )?(\d+\.\d+) ")
_SECONDS = re.compile(r"^(\s+\S+: t=)(\S+)")


def _seconds(t: float) -> str:
    """A capture's times to the microsecond, without exponents or trailing zeros."""
    return f"{t:.6f}".rstrip("0").rstrip(".")


def _date(origin_ns: int) -> str:
    """The capture's first instant as a date, or (a file may claim any time) as seconds since the epoch."""
    try:
        return (
            datetime.fromtimestamp(origin_ns // 1_000_000_000, UTC)
            .replace(microsecond=origin_ns % 1_000_000_000 // 1000)
            .isoformat(timespec="microseconds")
        )
    except (OverflowError, OSError, ValueError):  # beyond what a calendar date (or the C library) can show
        return f"{origin_ns / 1e9:.6f} seconds since the Unix epoch, beyond the calendar"


def _note_line(note: CaptureNote) -> str:
    who = f" {note.endpoint}" if note.endpoint else ""
    return f"# {note.t:.6f} note{who} ({note.kind}): {visible(note.text)}"


def tcpdump_import_lines(result: ImportResult) -> Iterator[str]:
    """``tcpdump -n -S`` lines of the conversation, with states, drops and notes as ``# `` comments
    (as the records come: an import read with ``streaming=True`` is written as it is observed)."""
    roles = result.roles
    start = _date(result.conversation.first_ns)
    name = visible(str(result.capture.path))  # a file name may hold ESC or a newline: shown, never interpreted
    yield (
        f"# tcpsim import: {name}, stream {result.stream}: client {endpoint_text(roles['client'])}, "
        f"server {endpoint_text(roles['server'])}; times are seconds since the first packet ({start})"
    )
    notes: deque[CaptureNote] = deque()

    def records() -> Iterator[TraceEvent]:  # the notes aside, for their own lines
        for record in result.records():
            if isinstance(record, CaptureNote):
                notes.append(record)
            yield record

    lines = tcpdump_lines(records(), result.scenario, "sender")
    next(lines, None)  # the exporter's own header speaks of a simulation
    ipv6 = ":" in roles["client"][0]
    for line in lines:
        if ipv6 and not line.startswith("#"):
            line = line.replace(" IP ", " IP6 ", 1)  # as tcpdump prints IPv6
        match = _TIME.match(line)
        t = float(match.group(1)) if match else None
        while notes and t is not None and notes[0].t < t - 1e-9:
            yield _note_line(notes.popleft())
        yield line
    for note in notes:
        yield _note_line(note)


def mermaid_import_lines(result: ImportResult) -> Iterator[str]:
    """A Mermaid ``sequenceDiagram`` of the conversation, each note over both participants (as the
    records come: a lost segment's drop follows its send in an import's trace)."""
    yield from mermaid_lines([], result.scenario)
    held: TraceEvent | None = None
    for record in _with_end(result.records()):
        if held is not None:
            drop = record if isinstance(record, DropEvent) and isinstance(held, SendEvent) else None
            yield from _mermaid_event(held, drop)
            held = None
        if isinstance(record, SendEvent | StateEvent):
            held = record
        elif isinstance(record, CaptureNote):
            yield f"    Note over Client,Server: {escape(f't={_seconds(record.t)} ' + record.text)}"


def _with_end(records: Iterator[TraceEvent]) -> Iterator[TraceEvent | None]:
    yield from records
    yield None


def _mermaid_event(event: TraceEvent, drop: DropEvent | None) -> Iterator[str]:
    """The exporter's line for one send (lost if ``drop`` says so) or state change, its time to the µs."""
    lines = list(mermaid_lines([event] if drop is None else [event, drop], None))[_HEAD:]
    for line in lines:
        yield _SECONDS.sub(lambda m: m.group(1) + _seconds(float(m.group(2))), line, count=1)


def write_import_tcpdump(result: ImportResult, out: IO[str]) -> None:
    for line in tcpdump_import_lines(result):
        out.write(line + "\n")


def write_import_mermaid(result: ImportResult, out: IO[str]) -> None:
    for line in mermaid_import_lines(result):
        out.write(line + "\n")
