"""Choose the TCP stack the session is played by: the four personalities, each with its one line,
the one playing now marked."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Label, OptionList, Static
from textual.widgets.option_list import Option

from ...core.personality import PERSONALITIES
from ...i18n import N_, _
from ...richtext import Wrapped
from ...scenario.view import View
from .modal import Dialog


def what_restack_does(view: View) -> str:
    """What choosing a stack will do to this session, in one sentence."""
    if view.source == "capture":
        return _(
            "The capture is observed again: each side's states inferred as the stack you choose would have them "
            "(tcpsim import --stack), shown from the same time."
        )
    if view.source == "script":
        return _(
            "The script is played again with the stack you choose under test, its #ifdef lines read for that "
            "stack, up to the line it had reached."
        )
    return _(
        "The session so far, your actions included, is played again by the stack you choose on both endpoints, up "
        "to t = {t} s. Where that stack differs from RFC 9293, the event log names the rule."
    ).format(t=f"{view.t:g}")


class StackChooser(Dialog[str | None]):
    """Returns the name of the stack chosen, or None to keep the one playing."""

    DEFAULT_CSS = """
    StackChooser .dialog-box { padding: 0 2; }
    StackChooser #stack-list { height: auto; max-height: 12; }
    """
    """No blank rows above and below: at 80×24 the hint under the list must still show."""
    BINDINGS = [
        Binding("escape", "cancel", N_("Cancel")),
        *(Binding(str(n), f"pick({n})", show=False) for n in range(1, len(PERSONALITIES) + 1)),
    ]

    def __init__(self, view: View) -> None:
        super().__init__(classes="dialog")
        self.view = view

    def compose(self) -> ComposeResult:
        current = self.view.stack
        options = []
        for n, (name, p) in enumerate(PERSONALITIES.items(), start=1):
            now = name == current
            prompt = Table.grid(padding=(0, 1))
            prompt.add_column(no_wrap=True)  # "● 3 linux": the mark, the key, the name
            prompt.add_column(ratio=1)  # the summary, wrapped beside them
            summary = Text(_(p.summary), style="" if now else "dim")
            if now:
                summary.append("  " + _("(playing now)"), style="bold")
            prompt.add_row(Text(f"{'●' if now else ' '} {n} {name:<7}", style="bold"), Wrapped(summary))
            options.append(Option(prompt, id=name))
        with Vertical(classes="dialog-box wide"):
            yield Label(_("Play it as another TCP stack"), classes="dialog-title")
            playing = _("Playing now: {stack}.").format(stack=current)
            yield Static(Wrapped(f"{playing} {what_restack_does(self.view)}"), id="stack-what")
            names = list(PERSONALITIES)
            yield OptionList(*options, id="stack-list")
            hint = _("enter or 1–{n} to choose · escape to keep {stack}").format(n=len(names), stack=current)
            yield Label(hint, classes="dialog-hint", markup=False)

    def on_mount(self) -> None:
        options = self.query_one("#stack-list", OptionList)
        names = list(PERSONALITIES)
        if self.view.stack in names:
            options.highlighted = names.index(self.view.stack)
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_pick(self, n: int) -> None:
        names = list(PERSONALITIES)
        if 1 <= n <= len(names):
            self.dismiss(names[n - 1])

    def action_cancel(self) -> None:
        self.dismiss(None)
