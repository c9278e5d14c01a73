"""The base of every dialog: a modal screen that closes once, however fast the keys come."""

from __future__ import annotations

from typing import TypeVar

from textual.await_complete import AwaitComplete
from textual.screen import ModalScreen

from ..commands import translate_bindings

ResultType = TypeVar("ResultType")


class Dialog(ModalScreen[ResultType]):
    """A modal screen whose :meth:`dismiss` does nothing once it is no longer on top.

    Keys arrive faster than a dialog closes: enter then escape typed quickly, or escape held down,
    queue a second close behind the first. Textual's ``dismiss`` pops whatever screen is on top,
    so the second would pop the app's own screen (``ScreenStackError``: the app ends). The first
    close wins; the rest find the dialog gone and are ignored.

    The dialogs' styles live here, not in tcpsim.tcss: they are parsed when the first dialog opens,
    so that start-up does not pay for them. Not scoped: they style the help, the load dialog and the
    small dialogs alike.
    """

    SCOPED_CSS = False
    DEFAULT_CSS = """
    ModalScreen.dialog, Help, LoadScenario {
        align: center middle;
        background: $background 60%;
    }

    .dialog-box {
        width: 70;
        max-width: 95%;
        height: auto;
        max-height: 90%;
        border: thick $accent;
        background: $surface;
        padding: 1 2;
    }

    .dialog-box.wide {
        width: 100;
    }

    .dialog-box.tall {
        height: 90%;
    }

    .dialog-title {
        text-style: bold;
        margin: 0 0 1 0;
    }

    .dialog-note {
        margin: 0 0 1 0;
    }

    .dialog-hint {
        color: $text-muted;
        margin: 1 0 0 0;
    }

    .dialog-buttons {
        height: auto;
        margin: 1 0 0 0;
    }

    .dialog-buttons Button {
        margin: 0 1 0 0;
        min-width: 8;
        width: auto;
    }

    .help-heading {
        text-style: bold;
        color: $accent;
        margin: 1 0 0 0;
    }

    #scenario-list {
        height: auto;
        max-height: 20;
    }
    """

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        translate_bindings(self)  # the key panel and the footer show their descriptions

    def dismiss(self, result: ResultType | None = None) -> AwaitComplete:
        if not self.is_active:
            return AwaitComplete.nothing()
        return super().dismiss(result)
