"""The help screen: the keys (from the command catalogue), every state explained, and TIME-WAIT."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from ... import why
from ...core.states import State
from ...i18n import _
from ...richtext import Wrapped
from ..commands import COMMANDS
from ..i18n import describe_command, describe_state, tr
from ..widgets import diagram_text
from .modal import Dialog


class Help(Dialog[None]):
    BINDINGS = [Binding("escape,q,question_mark", "close", "Close")]

    def compose(self) -> ComposeResult:
        keys = Table.grid(padding=(0, 2))
        keys.add_column(style="bold", no_wrap=True)
        keys.add_column()
        for c in COMMANDS:
            keys.add_row(c.shown_key, describe_command(c.action, c.description))
        keys.add_row("ctrl+p", "Command palette: every command above, searchable")
        keys.add_row("↑ ↓ enter", "In the timeline or the log: select a line, show its details")
        keys.add_row("↑ ↓ ← → PgUp PgDn", diagram_text.words("help_keys"))
        states = Table.grid(padding=(0, 2))
        states.add_column(style="bold", no_wrap=True)
        states.add_column()
        for state in State:
            states.add_row(state.value, describe_state(state))
        with VerticalScroll(classes="dialog-box wide tall"):
            yield Label(tr("help_title"), classes="dialog-title")
            yield Label(tr("keys"), classes="help-heading")
            yield Static(keys)
            yield Label(tr("states"), classes="help-heading")
            yield Static(states)
            yield Label(diagram_text.words("legend_title"), classes="help-heading")
            yield Static(Text("\n\n".join(diagram_text.legend())))
            yield Label(tr("time_wait_title"), classes="help-heading")
            yield Static(Text(tr("time_wait_text")))
            for title, text in why.SECTIONS:
                yield Label(_(title), classes="help-heading")
                yield Static(Wrapped(_(text)))
            yield Label("escape to close", classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)
