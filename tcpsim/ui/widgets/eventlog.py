"""The event log: everything that happened, in words, each line with the RFC 9293 rule behind it.

Lines are appended as the trace grows; selecting one shows its full details.
"""

from __future__ import annotations

from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ...render import LANE_STYLE, expect_verdict, segment_label
from ...scenario.expect import ExpectEvent
from ...sim.trace import (
    ArriveEvent,
    CallEvent,
    DelayEvent,
    DeliverEvent,
    DiscardEvent,
    DropEvent,
    DuplicateEvent,
    ErrorEvent,
    NoteEvent,
    SendEvent,
    SignalEvent,
    StateEvent,
    TimerEvent,
    TraceEvent,
)


def describe(e: TraceEvent) -> tuple[str, str]:
    """(what happened, why) for one trace record, in words."""
    if isinstance(e, StateEvent):
        return f"{e.old} → {e.new} on {e.event}", e.rule
    if isinstance(e, SendEvent):
        what = "injects" if e.injected else ("retransmits" if e.retransmission else "sends")
        return f"{what} {segment_label(e.segment, e.id)}", "" if e.injected else e.rule
    if isinstance(e, ArriveEvent):
        return f"#{e.id} arrives" + (" (the duplicate copy)" if e.copy else ""), ""
    if isinstance(e, DropEvent):
        return f"the network loses #{e.id}", ""
    if isinstance(e, DuplicateEvent):
        return f"the network duplicates #{e.id}", ""
    if isinstance(e, DelayEvent):
        return f"the network delays #{e.id} by {e.by:g} s", ""
    if isinstance(e, DeliverEvent):
        return (
            f"application receives {e.data.decode('utf-8', 'replace')!r}",
            "3.10.7.4 seventh: text delivered in order",
        )
    if isinstance(e, CallEvent):
        arg = f" {e.data.decode('utf-8', 'replace')!r}" if e.data else ""
        return f"user calls {e.call.upper()}{arg}", ""
    if isinstance(e, ErrorEvent):
        return f"{e.call.upper()} refused: {e.message}", "3.10 user calls: the RFC's error response"
    if isinstance(e, SignalEvent):
        return f"signal to the user: {e.message}", e.rule
    if isinstance(e, DiscardEvent):
        return f"#{e.id} discarded: {e.reason}", e.rule
    if isinstance(e, TimerEvent):
        name = "2MSL" if e.name == "2msl" else "RTO"
        when = f" (deadline {e.deadline:g})" if e.deadline is not None else ""
        return f"{name} timer {e.action}{when}", "3.10.8 timeouts" if e.action == "expire" else ""
    if isinstance(e, NoteEvent):
        return e.text, ""
    if isinstance(e, ExpectEvent):
        return expect_verdict(e).plain, e.note
    return e.type, ""


def log_line(e: TraceEvent) -> Text:
    what, why = describe(e)
    endpoint = getattr(e, "endpoint", None)
    text = Text(f"{e.t:8.3f} ", style="dim")
    if isinstance(endpoint, str) and endpoint in LANE_STYLE:
        text.append(f"{endpoint:<7}", style=LANE_STYLE[endpoint])
    else:
        text.append(f"{'network' if e.type in ('drop', 'duplicate', 'delay', 'note') else '':<7}", style="yellow")
    style = "red" if isinstance(e, ErrorEvent | DropEvent) or (isinstance(e, ExpectEvent) and not e.ok) else ""
    text.append(" " + what, style=style)
    if why:
        text.append(f"  · {why}", style="dim")
    return text


class EventLog(OptionList):
    """Every trace record as a line; selecting one posts :class:`EventLog.Inspect`."""

    DEFAULT_CSS = """
    EventLog { height: 1fr; }
    """

    class Inspect(Message):
        def __init__(self, event: TraceEvent) -> None:
            super().__init__()
            self.event = event

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.events: list[TraceEvent] = []

    def sync(self, trace: list[TraceEvent]) -> None:
        """Append what is new; start over after a rewind."""
        if len(trace) < len(self.events):
            self.clear_options()
            self.events = []
        new = trace[len(self.events) :]
        if not new:
            return
        at_end = self.highlighted is None or self.highlighted >= self.option_count - 1
        self.events.extend(new)
        self.add_options(Option(log_line(e)) for e in new)
        if at_end:
            self.scroll_end(animate=False)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if 0 <= event.option_index < len(self.events):
            self.post_message(self.Inspect(self.events[event.option_index]))
