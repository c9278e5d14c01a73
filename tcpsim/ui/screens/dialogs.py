"""Small modal screens: ask for text, choose a fault for a segment in flight, show details."""

from __future__ import annotations

import re

from rich.markup import escape as escape_markup
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Static

from ... import i18n
from ...core.states import parse_state
from ...scenario import Scenario
from ...scenario.expect import ExpectEvent
from ...scenario.view import FaultView
from ...sim.trace import CallEvent, SendEvent, StateEvent, TraceEvent, segment_fields
from ..i18n import describe_state, tr
from ..numbers import segment_text
from ..words import data_text, describe, expectation_words, fault_mark, safe
from .modal import Dialog


class Prompt(Dialog[str | None]):
    """Ask for one line of text; escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

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
            yield Label("enter to confirm · escape to cancel", classes="dialog-hint")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(Dialog[bool]):
    """Ask a yes-or-no question; only ``y`` (or the button) says yes, anything else keeps what is."""

    BINDINGS = [Binding("y", "answer(True)", "Yes"), Binding("n,escape", "answer(False)", "No")]

    def __init__(self, question: str) -> None:
        super().__init__(classes="dialog")
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(self.question, classes="dialog-title", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(f"{tr('replace')} (y)", id="yes", variant="error")
                yield Button(f"{tr('keep')} (n)", id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()  # enter keeps the file: replacing it takes a y

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class FaultMenu(Dialog[str | None]):
    """Drop, duplicate or delay one segment while it travels; or cancel a fault rule still armed."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel"),
        Binding("d", "choose('drop')", "Drop"),
        Binding("u", "choose('duplicate')", "Duplicate"),
        Binding("l", "choose('delay')", "Delay"),
        *(Binding(str(n), f"disarm({n})", f"Cancel armed fault {n}", show=False) for n in range(1, 10)),
    ]

    def __init__(self, sid: int | None, label: str | None, by: float, faults: tuple[FaultView, ...] = ()) -> None:
        super().__init__(classes="dialog")
        self.sid, self.label, self.by, self.faults = sid, label, by, faults[:9]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            if self.sid is not None:
                yield Label(tr("fault_title", id=self.sid), classes="dialog-title")
                yield Static(self.label or "", markup=False)
                with Horizontal(classes="dialog-buttons"):
                    # Parentheses, not brackets: a Button label is markup.
                    yield Button(f"{tr('drop')} (d)", id="drop", variant="error")
                    yield Button(f"{tr('duplicate')} (u)", id="duplicate", variant="warning")
                    yield Button(f"{tr('delay', by=f'{self.by:g}')} (l)", id="delay", variant="primary")
            if self.faults:
                yield Label(tr("armed_title"), classes="dialog-title")
                for n, fault in enumerate(self.faults, start=1):
                    yield Button(f"({n}) {escape_markup(fault_mark(fault))}", id=f"cancel-{fault.id}", classes="disarm")
            with Horizontal(classes="dialog-buttons"):
                yield Button(tr("cancel"), id="cancel")

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


def details_of(e: TraceEvent, relative: tuple[int, int] | None = None, label: str | None = None) -> Table:
    """Every field of a trace record, with the explanation a learner needs.

    Cells that can quote data, notes or file content are :class:`Text`, not strings: a Rich table
    reads a string cell as markup, and ``send "[/x]"`` must show as typed, not end the app.
    ``relative``: a segment's (seq, ack) relative to the ISNs, shown beside the absolute ones;
    ``label``: the segment's label as the timeline shows it (relative numbers when ``t`` says so).
    """
    what, why = describe(e, lambda s: label or segment_text(s.segment, s.id, s.endpoint, 0, None))
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", no_wrap=True)
    table.add_column()
    table.add_row("time", f"{e.t:.6f} s")
    table.add_row("what", Text(what))
    if isinstance(e, ExpectEvent):
        table.add_row("expected", Text(expectation_words(e, e.expected)))
        table.add_row("actual", Text(expectation_words(e, e.actual)))
        table.add_row("verdict", "holds" if e.ok else "does not hold")
        if e.note:
            table.add_row("note", Text(safe(e.note)))
        return table
    if isinstance(e, CallEvent) and e.note:
        table.add_row("note", Text(safe(e.note)))
    elif why:
        table.add_row("rule", Text(f"RFC 9293 {why}" if why[0].isdigit() else why))
    if isinstance(e, SendEvent):
        seg = e.segment
        for key, value in segment_fields(seg).items():
            if key == "data":
                table.add_row(key, Text(data_text(seg.data)))
            elif key in ("seq", "ack") and relative is not None:
                shown = relative[0] if key == "seq" else relative[1]
                table.add_row(key, Text(f"{shown} relative ({value} absolute)"))
            else:
                table.add_row(key, Text(str(value)))
        table.add_row("segment length", f"{seg.seg_len} (SYN and FIN count one each)")
        table.add_row("retransmission", "yes" if e.retransmission else "no")
    if isinstance(e, StateEvent):
        table.add_row("new state", f"{e.new}: {describe_state(parse_state(e.new))}")
    return table


class Details(Dialog[None]):
    """The full story of one segment or log line."""

    BINDINGS = [Binding("escape,enter,q", "close", "Close")]

    def __init__(self, event: TraceEvent, relative: tuple[int, int] | None = None, label: str | None = None) -> None:
        """``relative`` and ``label``: a segment's relative numbers and its label as ``t`` asks."""
        super().__init__(classes="dialog")
        self.event = event
        self.relative = relative
        self.label = label

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box"):
            yield Label(f"{self.event.type} at t = {self.event.t:g} s", classes="dialog-title", markup=False)
            yield Static(details_of(self.event, self.relative, self.label))
            yield Label("escape to close", classes="dialog-hint")

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

    BINDINGS = [Binding("escape,enter,q,i", "close", "Close")]

    def __init__(self, scenario: Scenario) -> None:
        super().__init__(classes="dialog")
        self.scenario = scenario

    def compose(self) -> ComposeResult:
        s = self.scenario
        steps = Table.grid(padding=(0, 2))
        steps.add_column(justify="right", style="dim")
        steps.add_column(style="bold")
        steps.add_column()
        for step in s.steps:
            what = step.do + (f" {data_text(step.data)}" if step.data else "")
            steps.add_row(f"{step.at:g} s", step.on, Text(what + (f"  — {safe(step.note)}" if step.note else "")))
        checks = Table.grid(padding=(0, 2))
        checks.add_column(justify="right", style="dim")
        checks.add_column()
        for e in s.expectations:
            parts = [f"{name} {state.value}" for name, state in e.states.items()]
            parts += [f"{name} received {data_text(data)}" for name, data in e.received.items()]
            if e.last_sent is not None:
                parts.append("last segment sent")
            checks.add_row(f"{e.at:g} s", Text(", ".join(parts) + (f"  — {safe(e.note)}" if e.note else "")))
        with VerticalScroll(classes="dialog-box wide tall"):
            yield Label(safe(s.name), classes="dialog-title", markup=False)  # a name from a file, as written
            if s.summary:
                yield Static(Text(safe(s.summary), style="italic"))
            if s.description:
                yield Static(Text(story_text(s.description)), classes="scenario-description")
            yield Label("Steps", classes="help-heading")
            yield Static(steps)
            if s.expectations:
                yield Label("Expectations", classes="help-heading")
                yield Static(checks)
            yield Label("escape to close", classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)
