"""The help screen: the keys (from the command catalogue), time travel, the state diagram, every
state explained, and TIME-WAIT."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Label, Static

from ... import why
from ...core.states import State
from ...i18n import N_, _
from ...richtext import Wrapped
from ..commands import COMMANDS
from ..widgets import diagram_text
from .modal import Dialog

TIME_TRAVEL_TEXT = N_(
    "b steps back one event, exactly: a snapshot is kept before every event. n and play then replay "
    "the same future, your own actions included (the data you sent, the drop you armed), as an "
    "editor's redo does, until you do something new: that starts a new branch, and the old future "
    "is discarded. The status line says how far back you are (↶ rewound 3 of 12 events); r goes "
    "back to t = 0; w saves the branch you are on, whole, the events ahead of you included."
)

DIAGRAM_TEXT = N_(
    "v shows the state diagram: RFC 9293 Figure 5, drawn from the same transition table the "
    "simulation runs. Each endpoint's state is lit in its colour, the arrow it took last is drawn "
    "in its colour, and every arrow walked carries a count (✓2); the sentence under the figure "
    "explains the focused endpoint's last step, with its RFC section. Below 120 columns a compact "
    "figure with short labels fits the screen; the arrow and page keys scroll it."
)

TIME_WAIT_TEXT = N_(
    "The side that closes first ends in TIME-WAIT after it acknowledges the peer's FIN. "
    "That last ACK may be lost; the peer then retransmits its FIN, and only an endpoint that "
    "still remembers the connection can answer it with an ACK instead of a RST. The wait also "
    "lets every segment of the old connection die out in the network (a segment lives at most "
    "one MSL, maximum segment lifetime), so that a new connection between the same two ports "
    "cannot mistake an old duplicate for its own data. One MSL for the lost ACK's replacement "
    "FIN to arrive, one for stray segments to expire: 2·MSL. Every FIN that arrives in TIME-WAIT "
    "is re-acknowledged and restarts the wait (RFC 9293 §3.10.7.4)."
)


class Help(Dialog[None]):
    """The keys, every state explained, the diagram's legend and why TIME-WAIT lasts 2·MSL. Every
    sentence is wrapped as Chinese wraps (tcpsim.richtext), not only at spaces."""

    BINDINGS = [Binding("escape,q,question_mark", "close", N_("Close"))]

    def compose(self) -> ComposeResult:
        keys = Table.grid(padding=(0, 2))
        keys.add_column(style="bold", no_wrap=True)
        keys.add_column()
        for c in COMMANDS:
            keys.add_row(c.shown_key, Wrapped(c.help))
        keys.add_row("ctrl+p", Wrapped(_("Command palette: every command above, searchable")))
        keys.add_row("↑ ↓ enter", Wrapped(_("In the timeline or the log: select a line, show its details")))
        keys.add_row("↑ ↓ ← → PgUp PgDn", Wrapped(diagram_text.words("help_keys")))
        states = Table.grid(padding=(0, 2))
        states.add_column(style="bold", no_wrap=True)
        states.add_column()
        for state in State:
            states.add_row(state.value, Wrapped(_(state.description)))
        with VerticalScroll(classes="dialog-box wide tall"):
            yield Label(_("tcpsim — help"), classes="dialog-title")
            yield Label(_("Keys"), classes="help-heading")
            yield Static(keys)
            yield Label(_("Time travel"), classes="help-heading")
            yield Static(Wrapped(_(TIME_TRAVEL_TEXT)))
            yield Label(_("The state diagram"), classes="help-heading")
            yield Static(Wrapped(_(DIAGRAM_TEXT)))
            yield Label(_("The eleven states (RFC 9293 §3.3.2)"), classes="help-heading")
            yield Static(states)
            yield Label(diagram_text.words("legend_title"), classes="help-heading")
            yield Static(Wrapped(Text("\n\n".join(diagram_text.legend()))))
            yield Label(_("Why TIME-WAIT lasts 2·MSL"), classes="help-heading")
            yield Static(Wrapped(_(TIME_WAIT_TEXT)))
            for title, text in why.SECTIONS:
                yield Label(_(title), classes="help-heading")
                yield Static(Wrapped(_(text)))
            yield Label(_("escape to close"), classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)
