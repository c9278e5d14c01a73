"""Pick a scenario, one of the bundled ones, or any file by path: a scenario or a capture (pcap, pcapng)."""

from __future__ import annotations

from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from ...escape import visible
from ...scenario import ScenarioError, bundled, load_file
from ..opening import user_path
from .modal import Dialog


class LoadScenario(Dialog[Path | None]):
    """Returns the chosen path; the caller opens it (scenario or capture) and reports any error."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog-box wide"):
            yield Label("Load a scenario or a capture", classes="dialog-title")
            options = []
            for path in bundled():
                try:
                    s = load_file(path)
                    prompt = Text.assemble((visible(s.name), "bold"), "  ", (visible(s.summary), "dim"))
                except ScenarioError:
                    prompt = Text.assemble(path.stem, " ", ("(invalid)", "bold"))
                options.append(Option(prompt, id=str(path)))
            yield OptionList(*options, id="scenario-list")
            yield Input(
                placeholder="…or type the path of a scenario or capture file (pcap, pcapng) and press enter",
                id="scenario-path",
            )
            yield Label("enter to load · escape to cancel", classes="dialog-hint")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.dismiss(Path(event.option.id))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.value.strip():
            self.dismiss(user_path(event.value.strip()))

    def action_cancel(self) -> None:
        self.dismiss(None)
