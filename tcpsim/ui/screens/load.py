"""Pick a scenario from the list the app's file policy offers (the bundled ones, and a served session's
``--files`` folder), or type the name of a file, where the policy takes typed names: a scenario or a
capture (pcap, pcapng)."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from ...escape import visible
from ...i18n import N_, _
from ...scenario import ScenarioError, load_file
from ..access import Local
from .modal import Dialog


class LoadScenario(Dialog[Path | str | None]):
    """Returns the path chosen from the list, or the text typed (which the caller hands the policy);
    the caller opens it (scenario or capture) and reports any error."""

    BINDINGS = [Binding("escape", "cancel", N_("Cancel"))]

    def __init__(self, files: Local | None = None) -> None:
        super().__init__()
        self.files = files if files is not None else Local()

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box wide"):
            yield Label(_("Load a scenario or a capture"), classes="dialog-title")
            options = []
            for path in self.files.load_choices():
                try:
                    s = load_file(path)
                    prompt = Text.assemble((visible(_(s.name)), "bold"), "  ", (visible(_(s.summary)), "dim"))
                except ScenarioError:
                    prompt = Text.assemble(visible(path.name), " ", (_("(invalid)"), "bold"))
                options.append(Option(prompt, id=str(path)))
            yield OptionList(*options, id="scenario-list")
            if self.files.typed_paths:
                where = self.files.where()
                placeholder = (
                    _("…or type the path of a scenario or capture file (pcap, pcapng) {where} and press enter")
                    if where
                    else _("…or type the path of a scenario or capture file (pcap, pcapng) and press enter")
                )
                yield Input(placeholder=placeholder.format(where=where), id="scenario-path")
            yield Label(_("enter to load · escape to cancel"), classes="dialog-hint")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.dismiss(Path(event.option.id))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)
