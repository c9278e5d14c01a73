"""The event log: everything that happened, in words, each line with the RFC 9293 rule behind it.

One line per trace record (cut at the width: ``enter`` shows the whole of it), drawn only while on
screen, with the same selection keys as the timeline. Sequence numbers follow ``t``.
"""

from __future__ import annotations

from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text

from ...i18n import _
from ...scenario.expect import ExpectEvent
from ...sim.trace import DropEvent, ErrorEvent, SendEvent, TraceEvent
from ...sim.wording import who
from ..numbers import segment_text
from ..words import describe, is_network
from .rows import Rows


class EventLog(Rows):
    """Every trace record as a line; ``enter`` (or a double click) posts :class:`Rows.Activated`."""

    DEFAULT_CSS = """
    EventLog { height: 1fr; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *Rows.COMPONENT_CLASSES,
        "eventlog--client",
        "eventlog--server",
        "eventlog--network",
        "eventlog--muted",
        "eventlog--bad",
    }
    ROLES: ClassVar[dict[str, tuple[str, str]]] = {
        "eventlog--time": ("eventlog--muted", ""),
        "eventlog--why": ("eventlog--muted", ""),
        "eventlog--error": ("eventlog--bad", ""),
    }

    def label(self, position: int) -> str:
        """The label of the segment record at trace ``position``, as ``t`` asks."""
        e = self.records[position]
        assert isinstance(e, SendEvent)
        return segment_text(e.segment, e.id, e.endpoint, position, self.bases if self.relative else None)

    def row_text(self, row: int, width: int) -> Text:
        position = self.positions[row]
        e = self.records[position]
        what, why = describe(e, lambda _: self.label(position), self.stacks)
        endpoint = getattr(e, "endpoint", None)
        text = Text(f"{e.t:8.3f} ", self.style_of("eventlog--time"))
        names = {"client": who("client"), "server": who("server"), "network": _("network")}
        column = max(7, *(cell_len(name) for name in names.values()))
        if endpoint in ("client", "server") and not is_network(e):
            name = names[endpoint]
            text.append(name + " " * (column - cell_len(name)), self.style_of(f"eventlog--{endpoint}"))
        else:
            name = names["network"] if is_network(e) else ""
            text.append(name + " " * (column - cell_len(name)), self.style_of("eventlog--network"))
        failed = isinstance(e, ErrorEvent | DropEvent) or (isinstance(e, ExpectEvent) and not e.ok)
        text.append(" " + what, self.style_of("eventlog--error") if failed else "")
        if why:
            text.append(f"  · {why}", self.style_of("eventlog--why"))
        text.truncate(width, overflow="ellipsis")
        return text


def log_line(e: TraceEvent) -> str:
    """One record as the log writes it, absolute numbers (for tests and plain-text exports)."""
    what, why = describe(e, lambda s: segment_text(s.segment, s.id, s.endpoint, 0, None))
    return f"{what}  · {why}" if why else what
