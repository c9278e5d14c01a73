"""The start-up figure's child process: ``python benchmarks/child_startup.py tcpsim|minimal WIDTH
HEIGHT`` starts an app headless and prints one JSON object with the time from
``TCPSIM_BENCH_T0`` (the parent's clock when it started this process) to the app's first full
frame. ``tcpsim`` is the ``tcpsim`` command with no arguments, run as the console script runs it
(``tcpsim.cli.main``: its language, its parser, ``tcpsim.ui.launch``), only headless; ``minimal`` is
two ``Static`` panes in a ``Horizontal`` and a ``Footer``. Only the standard library is imported
before the clock starts counting what the app costs (see bench_startup.py)."""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

T0 = float(os.environ["TCPSIM_BENCH_T0"])


class Clock:
    """When the imports were done and each frame was encoded, for one process."""

    def __init__(self) -> None:
        self.imported = 0.0
        self.frames: list[float] = []
        self.first_frame: list[float] = []
        self.cpu_first_frame = 0.0
        """The process's CPU time (user and system) at its first full frame: what a busy machine
        changes least."""


def instrument(cls: type[Any], width: int, height: int, clock: Clock) -> None:
    """Make ``cls`` (the app about to be started) run headless at WIDTH×HEIGHT, encode each frame
    as a terminal driver would, and exit once its first full frame is drawn: the refresh after its
    mount, as the app's own ``on_mount`` leaves it (a toast it posts then comes later)."""
    run, own_mount = cls.run, cls.__dict__.get("on_mount")

    def on_mount(self: Any) -> None:
        self.call_after_refresh(first_frame, self)
        if own_mount is not None:
            own_mount(self)

    def first_frame(app: Any) -> None:
        clock.first_frame.append(time.time() - T0)
        clock.cpu_first_frame = time.process_time()
        app.exit()

    def headless_run(self: Any, *args: Any, **kwargs: Any) -> Any:
        display = self._display

        def encoding_display(screen: Any, renderable: Any) -> None:
            # Headless drivers skip encoding the frame; do it as a terminal driver would.
            display(screen, renderable)
            if renderable is not None and hasattr(renderable, "render_segments"):
                renderable.render_segments(self.console)
                clock.frames.append(time.time() - T0)

        self._display = encoding_display
        return run(self, headless=True, size=(width, height))

    cls.on_mount = on_mount
    cls.run = headless_run


def start_tcpsim(width: int, height: int, clock: Clock) -> None:
    """``tcpsim`` with no arguments (``--lang en``, whatever this environment's locale: the figure is
    English's), through the entry the console script calls; the app class is instrumented where
    ``tcpsim.ui.launch`` settles its imports, just before it makes and runs the app."""
    import tcpsim.ui  # only the hand-over point: tcpsim.ui's own module imports nothing heavy

    settle = tcpsim.ui.settle_imports

    def settled() -> None:
        settle()
        clock.imported = time.time() - T0
        from tcpsim.ui.app import TcpsimApp  # already imported by launch

        instrument(TcpsimApp, width, height, clock)

    tcpsim.ui.settle_imports = settled
    from tcpsim.cli import main

    code = main(["--lang", "en"])
    if code != 0 or not clock.first_frame:
        raise SystemExit(f"tcpsim did not open its app (exit code {code})")


def start_minimal(width: int, height: int, clock: Clock) -> None:
    from textual.app import App, ComposeResult
    from textual.containers import Horizontal
    from textual.widgets import Footer, Static

    class Minimal(App[None]):
        BINDINGS = [("q", "quit", "Quit")]

        def compose(self) -> ComposeResult:
            with Horizontal():
                yield Static("client", id="client")
                yield Static("server", id="server")
            yield Footer()

    clock.imported = time.time() - T0
    instrument(Minimal, width, height, clock)
    Minimal().run()


def main(which: str, width: int, height: int) -> dict[str, Any]:
    prof = None
    if os.environ.get("TCPSIM_BENCH_PROFILE"):
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    clock = Clock()
    (start_tcpsim if which == "tcpsim" else start_minimal)(width, height, clock)
    if prof:
        prof.disable()
    out: dict[str, Any] = {
        "imported": clock.imported,
        "first_frame": clock.first_frame[0],
        "cpu_first_frame": clock.cpu_first_frame,
        "frames": len(clock.frames),
        "first_display": clock.frames[0] if clock.frames else None,
        "done": time.time() - T0,
    }
    if prof:
        from bench_common import profile_rows  # only now: the import is not part of what is measured

        out["profile_stats"] = profile_rows(prof)
    return out


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))))
