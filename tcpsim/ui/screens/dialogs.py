"""Small modal screens: ask for text, choose a fault for a segment in flight, show details."""

from __future__ import annotations

import re
from collections.abc import Mapping

from rich.markup import escape as escape_markup
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from ... import i18n
from ...core.names import EndpointName
from ...core.states import parse_state
from ...i18n import N_, _, pgettext
from ...richtext import Wrapped
from ...scenario import Scenario
from ...scenario.expect import ExpectEvent
from ...scenario.view import FaultView
from ...sim.trace import CallEvent, SendEvent, StateEvent, TraceEvent, segment_fields
from ...sim.wording import FAULT_KINDS, who
from ..numbers import segment_text
from ..words import data_text, describe, expectation_words, fault_mark, safe
from .modal import Dialog


class Prompt(Dialog[str | None]):
    """Ask for one line of text; escape cancels."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, title: str, default: str = "", note: str = "") -> None:
        """``note``: a sentence under the title, on what answering will do."""
        super().__init__(classes="dialog")
        self.title_text = title
        self.default = default
        self.note = note

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self.title_text, classes="dialog-title")
            if self.note:
                yield Static(self.note, classes="dialog-note", markup=False)
            yield Input(value=self.default, id="prompt-input")
            yield Label(_("enter to confirm · escape to cancel"), classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(Dialog[bool]):
    """Ask a yes-or-no question; only ``y`` (or the button) says yes, anything else keeps what is."""

    BINDINGS = [Binding("y", "answer(True)", N_("Yes")), Binding("n,escape", "answer(False)", N_("No"))]

    def __init__(self, question: str) -> None:
        super().__init__(classes="dialog")
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Static(Wrapped(self.question), classes="dialog-title")
            with Horizontal(classes="dialog-buttons"):
                yield Button(escape_markup(_("Replace (y)")), id="yes", variant="error")
                yield Button(escape_markup(_("Keep it (n)")), id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()  # enter keeps the file: replacing it takes a y

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class FaultMenu(Dialog[str | None]):
    """Drop, duplicate or delay one segment while it travels; or cancel a fault rule still armed."""

    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel")),
        Binding("d", "choose('drop')", FAULT_KINDS["drop"]),
        Binding("u", "choose('duplicate')", FAULT_KINDS["duplicate"]),
        Binding("l", "choose('delay')", FAULT_KINDS["delay"]),
        *(Binding(str(n), f"disarm({n})", N_("Cancel this armed fault"), show=False) for n in range(1, 10)),
    ]

    def __init__(self, sid: int | None, label: str | None, by: float, faults: tuple[FaultView, ...] = ()) -> None:
        super().__init__(classes="dialog")
        self.sid, self.label, self.by, self.faults = sid, label, by, faults[:9]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            if self.sid is not None:
                yield Label(_("Segment #{id} is in flight").format(id=self.sid), classes="dialog-title")
                yield Static(self.label or "", markup=False)
                with Horizontal(classes="dialog-buttons"):
                    # Parentheses, not brackets: a Button label is markup (and escaped, for a translation's sake).
                    yield Button(escape_markup(_("Drop (d)")), id="drop", variant="error")
                    yield Button(escape_markup(_("Duplicate (u)")), id="duplicate", variant="warning")
                    delay = _("Delay +{by} s (l)").format(by=f"{self.by:g}")
                    yield Button(escape_markup(delay), id="delay", variant="primary")
            if self.faults:
                yield Label(_("Armed faults: choose one to cancel it"), classes="dialog-title")
                for n, fault in enumerate(self.faults, start=1):
                    yield Button(f"({n}) {escape_markup(fault_mark(fault))}", id=f"cancel-{fault.id}", classes="disarm")
            with Horizontal(classes="dialog-buttons"):
                yield Button(escape_markup(_("Cancel")), id="cancel")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        button = event.button.id or "cancel"
        if button.startswith("cancel-"):
            self.dismiss("cancel:" + button.removeprefix("cancel-"))
        else:
            self.dismiss(None if button == "cancel" else button)

    def action_choose(self, kind: str) -> None:
        if self.sid is not None:
            self.dismiss(kind)

    def action_disarm(self, n: int) -> None:
        if 1 <= n <= len(self.faults):
            self.dismiss(f"cancel:{self.faults[n - 1].id}")

    def action_cancel(self) -> None:
        self.dismiss(None)


RECORDS = {
    "state": N_("State change"),
    "send": N_("Segment sent"),
    "inject": N_("Segment injected"),
    "arrive": N_("Segment arrives"),
    "drop": N_("Segment lost"),
    "duplicate": N_("Segment duplicated"),
    "delay": N_("Segment delayed"),
    "deliver": N_("Data delivered"),
    "call": N_("User call"),
    "error": N_("Call refused"),
    "signal": N_("Signal to the user"),
    "discard": N_("Segment discarded"),
    "timer": N_("Timer"),
    "note": N_("Note"),
    "expect": N_("Expectation checked"),
}
"""What each kind of trace record is (its JSON ``type``), as the details' title says it."""


def _field(key: str) -> str:
    """A segment field's name in the details (the trace's names: flags, seq, ack…)."""
    names = {
        "flags": pgettext("segment field", "flags"),
        "seq": pgettext("segment field", "seq"),
        "ack": pgettext("segment field", "ack"),
        "len": pgettext("segment field", "len"),
        "wnd": pgettext("segment field", "wnd"),
        "sport": pgettext("segment field", "sport"),
        "dport": pgettext("segment field", "dport"),
        "data": pgettext("segment field", "data"),
    }
    return names.get(key, key)


def details_of(
    e: TraceEvent,
    relative: tuple[int, int] | None = None,
    label: str | None = None,
    stacks: Mapping[EndpointName, str] | None = None,
) -> Table:
    """Every field of a trace record, with the explanation a learner needs.

    Cells that can quote data, notes or file content are :class:`Text`, not strings: a Rich table
    reads a string cell as markup, and ``send "[/x]"`` must show as typed, not end the app. Cells of
    sentences are :class:`~tcpsim.richtext.Wrapped`, which breaks Chinese between characters.
    ``relative``: a segment's (seq, ack) relative to the ISNs, shown beside the absolute ones;
    ``label``: the segment's label as the timeline shows it (relative numbers when ``t`` says so);
    ``stacks``: the stack playing each endpoint, which names TIME-WAIT's timer.
    """
    what, why = describe(e, lambda s: label or segment_text(s.segment, s.id, s.endpoint, 0, None), stacks)
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    table.add_row(_("time"), Text(_("{t} s").format(t=f"{e.t:.6f}")))
    table.add_row(_("what"), Wrapped(Text(what)))
    if isinstance(e, ExpectEvent):
        table.add_row(_("expected"), Wrapped(Text(expectation_words(e, e.expected))))
        table.add_row(_("actual"), Wrapped(Text(expectation_words(e, e.actual))))
        table.add_row(_("verdict"), Text(_("holds") if e.ok else _("does not hold")))
        if e.note:
            table.add_row(_("note"), Wrapped(Text(safe(_(e.note)))))
        return table
    if isinstance(e, CallEvent) and e.note:
        table.add_row(_("note"), Wrapped(Text(safe(_(e.note)))))
    elif why:
        table.add_row(_("rule"), Wrapped(Text(f"RFC 9293 {why}" if why[0].isdigit() else why)))
    if isinstance(e, SendEvent):
        seg = e.segment
        for key, value in segment_fields(seg).items():
            if key == "data":
                table.add_row(_field(key), Text(data_text(seg.data)))
            elif key in ("seq", "ack") and relative is not None:
                shown = relative[0] if key == "seq" else relative[1]
                numbers = _("{relative} relative ({absolute} absolute)").format(relative=shown, absolute=value)
                table.add_row(_field(key), Text(numbers))
            else:
                table.add_row(_field(key), Text(str(value)))
        length = _("{n} (SYN and FIN count one each)").format(n=seg.seg_len)
        table.add_row(_("segment length"), Wrapped(Text(length)))
        table.add_row(_("retransmission"), Text(_("yes") if e.retransmission else _("no")))
    if isinstance(e, StateEvent):
        state = parse_state(e.new)
        table.add_row(_("new state"), Wrapped(Text(f"{e.new}: {_(state.description)}")))
    return table


class Details(Dialog[None]):
    """The full story of one segment or log line."""

    BINDINGS = [Binding("escape,enter,q", "close", N_("Close"))]

    def __init__(
        self,
        event: TraceEvent,
        relative: tuple[int, int] | None = None,
        label: str | None = None,
        stacks: Mapping[EndpointName, str] | None = None,
    ) -> None:
        """``relative`` and ``label``: a segment's relative numbers and its label as ``t`` asks;
        ``stacks``: the stack playing each endpoint."""
        super().__init__(classes="dialog")
        self.event = event
        self.relative = relative
        self.label = label
        self.stacks = stacks

    def compose(self) -> ComposeResult:
        e = self.event
        kind = _(RECORDS[e.type]) if e.type in RECORDS else e.type
        with Vertical(classes="dialog-box"):
            yield Label(_("{what} at t = {t} s").format(what=kind, t=f"{e.t:g}"), classes="dialog-title", markup=False)
            yield Static(details_of(self.event, self.relative, self.label, self.stacks))
            yield Label(_("escape to close"), classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)


_ITEM = re.compile(r"^(\d+[.)]|[-*•])\s")


def story_text(description: str) -> str:
    """A scenario's story as its author meant it, in the current language: paragraphs apart, list
    items one under the other, the file's own line breaks (which only fit its editor) gone."""
    text = ""
    previous = ""
    for paragraph in i18n.story(description):
        if text:
            text += "\n" if _ITEM.match(paragraph) and _ITEM.match(previous) else "\n\n"
        text += safe(paragraph)
        previous = paragraph
    return text


class ScenarioInfo(Dialog[None]):
    """The loaded scenario's story: its description, its steps and what it expects."""

    BINDINGS = [Binding("escape,enter,q,i", "close", N_("Close"))]

    def __init__(self, scenario: Scenario, stacks: list[str] | None = None) -> None:
        """``stacks``: how long TIME-WAIT lasts under the stacks playing (words.time_wait_words),
        said under the story, which speaks of 2·MSL."""
        super().__init__(classes="dialog")
        self.scenario = scenario
        self.stacks = stacks or []

    def compose(self) -> ComposeResult:
        s = self.scenario
        steps = Table.grid(padding=(0, 2))
        steps.add_column(justify="right", style="dim", no_wrap=True)
        steps.add_column(style="bold", no_wrap=True)
        steps.add_column()
        for step in s.steps:
            do = _(FAULT_KINDS[step.do]) if step.on == "network" and step.do in FAULT_KINDS else step.do
            what = do + (f" {data_text(step.data)}" if step.data else "")
            if step.note:
                what = _("{what} — {note}").format(what=what, note=safe(_(step.note)))
            on = _("network") if step.on == "network" else who(step.on)
            steps.add_row(_("{t} s").format(t=f"{step.at:g}"), on, Wrapped(Text(what)))
        checks = Table.grid(padding=(0, 2))
        checks.add_column(justify="right", style="dim", no_wrap=True)
        checks.add_column()
        for e in s.expectations:
            parts = [
                _("{endpoint} {state}").format(endpoint=who(name), state=state.value)
                for name, state in e.states.items()
            ]
            parts += [
                _("{endpoint} received {data}").format(endpoint=who(name), data=data_text(data))
                for name, data in e.received.items()
            ]
            if e.last_sent is not None:
                parts.append(_("last segment sent"))
            text = _(", ").join(parts)
            if e.note:
                text = _("{what} — {note}").format(what=text, note=safe(_(e.note)))
            checks.add_row(_("{t} s").format(t=f"{e.at:g}"), Wrapped(Text(text)))
        with VerticalScroll(classes="dialog-box wide tall"):
            yield Static(Wrapped(Text(safe(_(s.name)), style="bold")), classes="dialog-title")  # as written
            if s.summary:
                yield Static(Wrapped(Text(safe(_(s.summary)), style="italic")))
            if s.description:
                yield Static(Wrapped(Text(story_text(s.description))), classes="scenario-description")
            for line in self.stacks:
                yield Static(Wrapped(Text(line, style="italic")), classes="scenario-stack")
            yield Label(_("Steps"), classes="help-heading")
            yield Static(steps)
            if s.expectations:
                yield Label(_("Expectations"), classes="help-heading")
                yield Static(checks)
            yield Label(_("escape to close"), classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)
