"""An imported capture (``tcpsim import``) as tcpdump's text or a Mermaid diagram: the exporters'
output, with the observer's notes.

The exporters write what a simulated run shows; an import has one thing more, the notes on what
the state machine cannot explain, which go in where they happened: a ``# `` comment line for
tcpdump, a note over both participants for Mermaid.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import IO

from ..capture.load import ImportResult
from ..capture.notes import CaptureNote
from ..capture.reader import endpoint_text
from ..sim.trace import SendEvent, StateEvent
from .mermaid import escape, mermaid_lines
from .tcpdump import tcpdump_lines

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
    return f"# {note.t:.6f} note{who} ({note.kind}): {note.text}"


def tcpdump_import_lines(result: ImportResult) -> Iterator[str]:
    """``tcpdump -n -S`` lines of the conversation, with states, drops and notes as ``# `` comments."""
    obs = result.observation
    roles = obs.roles
    start = _date(obs.conversation.first_ns)
    yield (
        f"# tcpsim import: {result.capture.path}, stream {result.stream}: client {endpoint_text(roles['client'])}, "
        f"server {endpoint_text(roles['server'])}; times are seconds since the first packet ({start})"
    )
    notes = [e for e in obs.trace if isinstance(e, CaptureNote)]
    lines = tcpdump_lines(obs.trace, result.scenario, "sender")
    next(lines, None)  # the exporter's own header speaks of a simulation
    ipv6 = ":" in roles["client"][0]
    for line in lines:
        if ipv6 and not line.startswith("#"):
            line = line.replace(" IP ", " IP6 ", 1)  # as tcpdump prints IPv6
        match = _TIME.match(line)
        t = float(match.group(1)) if match else None
        while notes and t is not None and notes[0].t < t - 1e-9:
            yield _note_line(notes.pop(0))
        yield line
    for note in notes:
        yield _note_line(note)


def mermaid_import_lines(result: ImportResult) -> Iterator[str]:
    """A Mermaid ``sequenceDiagram`` of the conversation, each note over both participants."""
    trace = result.observation.trace
    lines = list(mermaid_lines(trace, result.scenario))
    drawn = sum(1 for e in trace if isinstance(e, SendEvent | StateEvent))
    head, body = lines[: len(lines) - drawn], iter(lines[len(lines) - drawn :])
    yield from head
    for e in trace:
        if isinstance(e, SendEvent | StateEvent):
            yield _SECONDS.sub(lambda m: m.group(1) + _seconds(float(m.group(2))), next(body), count=1)
        elif isinstance(e, CaptureNote):
            yield f"    Note over Client,Server: {escape(f't={_seconds(e.t)} ' + e.text)}"


def write_import_tcpdump(result: ImportResult, out: IO[str]) -> None:
    for line in tcpdump_import_lines(result):
        out.write(line + "\n")


def write_import_mermaid(result: ImportResult, out: IO[str]) -> None:
    for line in mermaid_import_lines(result):
        out.write(line + "\n")
