"""The base of every dialog: a modal screen that closes once, however fast the keys come."""

from __future__ import annotations

from typing import TypeVar

from textual.await_complete import AwaitComplete
from textual.screen import ModalScreen

ResultType = TypeVar("ResultType")


class Dialog(ModalScreen[ResultType]):
    """A modal screen whose :meth:`dismiss` does nothing once it is no longer on top.

    Keys arrive faster than a dialog closes: enter then escape typed quickly, or escape held down,
    queue a second close behind the first. Textual's ``dismiss`` pops whatever screen is on top,
    so the second would pop the app's own screen (``ScreenStackError``: the app ends). The first
    close wins; the rest find the dialog gone and are ignored.
    """

    def dismiss(self, result: ResultType | None = None) -> AwaitComplete:
        if not self.is_active:
            return AwaitComplete.nothing()
        return super().dismiss(result)
