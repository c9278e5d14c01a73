"""The served session's Textual driver: textual-serve's web driver, which also ends the app when
the server goes away.

Textual's ``WebDriver`` reads the browser's keys from standard input, framed by the server. When
the server closes that pipe (it stopped, or it was killed) the driver's input thread just ends and
the app would go on running with nobody to talk to: an orphan. Here the end of the input ends the
app, as the server's ``quit`` message does.
"""

from __future__ import annotations

from textual import messages
from textual.drivers.web_driver import WebDriver


class ServedDriver(WebDriver):
    def run_input_thread(self) -> None:
        super().run_input_thread()
        if not self.exit_event.is_set():  # the input ended without the app stopping: the server is gone
            self._app.post_message(messages.ExitApp())  # thread-safe
