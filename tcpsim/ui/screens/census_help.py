"""The census screen's help: its keys, and what the chart, the anomalies and the table say."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from ...i18n import N_, _
from ...richtext import Wrapped
from .modal import Dialog

KEYS = (
    ("↑ ↓ PgUp PgDn", N_("Select a conversation")),
    ("← →", N_("Scroll the table sideways: a column the edge would cut shows as …")),
    ("enter", N_("Open it in the two-pane view, both sides' states inferred; escape there comes back here")),
    ("s / r", N_("Sort by the next column / reverse the order (or click a column's header)")),
    ("/", N_("Filter: only the conversations whose addresses, ports, states or anomalies hold every word typed")),
    ("escape", N_("Clear the filter; with none, back to the conversation opened last")),
    ("h / H", N_("Chart the next / previous host")),
    ("q", N_("Quit tcpsim")),
)

WHAT_TEXT = N_(
    "Every TCP conversation of the capture, each side's state followed by the same RFC 9293 state "
    "machine as tcpsim import FILE --all. The chart counts, per host and over capture time, the "
    "endpoints in each state as ss -s would have (a TIME-WAIT until its 2·MSL ends): each row is "
    "scaled to its own peak, whose figure is on the right with its time and the count at the end. "
    "The anomalies are named in plain words with the packets that show them. In the table, first and "
    "last are seconds since the capture's first packet, bytes the payload both ways, and the states "
    "those each side ended in (at the end of the capture, if it never closed)."
)


class CensusHelp(Dialog[None]):
    """The census's keys and what its parts say."""

    BINDINGS = [Binding("escape,q,question_mark", "close", N_("Close"))]

    def __init__(self) -> None:
        super().__init__(classes="dialog")

    def compose(self) -> ComposeResult:
        keys = Table.grid(padding=(0, 2))
        keys.add_column(style="bold", no_wrap=True)
        keys.add_column()
        for key, text in KEYS:
            keys.add_row(key, Wrapped(_(text)))
        with VerticalScroll(classes="dialog-box wide"):
            yield Label(_("The census — help"), classes="dialog-title")
            yield Static(keys)
            yield Label(_("What it shows"), classes="help-heading")
            yield Static(Wrapped(_(WHAT_TEXT)))
            yield Label(_("escape to close"), classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)
