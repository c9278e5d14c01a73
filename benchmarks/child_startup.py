"""The start-up figure's child process: ``python benchmarks/child_startup.py tcpsim|minimal WIDTH
HEIGHT`` starts an app headless and prints one JSON object with the time from
``TCPSIM_BENCH_T0`` (the parent's clock when it started this process) to the app's first full
frame. ``tcpsim`` does what the ``tcpsim`` command does before it opens the app; ``minimal`` is
two ``Static`` panes in a ``Horizontal`` and a ``Footer``. Only the standard library is imported
before the clock starts counting what the app costs (see bench_startup.py)."""

from __future__ import annotations

import json
import os
import sys
import time
from typing import Any

T0 = float(os.environ["TCPSIM_BENCH_T0"])


def base_app(which: str) -> type[Any]:
    """The app class to start: tcpsim's, after what the ``tcpsim`` command does first, or a minimal one."""
    if which == "tcpsim":
        import tcpsim.cli  # what `tcpsim` does before it opens the app: its parsers, then tcpsim.ui.launch

        tcpsim.cli.parser()
        tcpsim.cli.ui_parser().parse_args([])
        import tcpsim.ui.app as ui_app
        from tcpsim.i18n import set_language

        set_language("en")
        from tcpsim.ui import settle_imports

        settle_imports()  # as tcpsim.ui.launch does, once start-up's imports are done
        # A relative CSS_PATH is read beside the module of the class that is started: this file.
        css = os.path.join(os.path.dirname(ui_app.__file__), str(ui_app.TcpsimApp.CSS_PATH))

        class Tcpsim(ui_app.TcpsimApp):
            CSS_PATH = css

        return Tcpsim

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

    return Minimal


def main(which: str, width: int, height: int) -> dict[str, Any]:
    prof = None
    if os.environ.get("TCPSIM_BENCH_PROFILE"):
        import cProfile

        prof = cProfile.Profile()
        prof.enable()
    base = base_app(which)
    imported = time.time() - T0
    frames: list[float] = []
    first_frame: list[float] = []

    class Bench(base):  # type: ignore[valid-type, misc]
        def on_mount(self) -> None:
            self.call_after_refresh(self._first_frame)

        def _first_frame(self) -> None:
            first_frame.append(time.time() - T0)
            self.exit()

    app = Bench()
    display = app._display

    def encoding_display(screen: Any, renderable: Any) -> None:
        # Headless drivers skip encoding the frame; do it as a terminal driver would.
        display(screen, renderable)
        if renderable is not None and hasattr(renderable, "render_segments"):
            renderable.render_segments(app.console)
            frames.append(time.time() - T0)

    app._display = encoding_display
    app.run(headless=True, size=(width, height))
    if prof:
        prof.disable()
    out: dict[str, Any] = {
        "imported": imported,
        "first_frame": first_frame[0],
        "frames": len(frames),
        "first_display": frames[0] if frames else None,
        "done": time.time() - T0,
    }
    if prof:
        from bench_common import profile_rows  # only now: the import is not part of what is measured

        out["profile_stats"] = profile_rows(prof)
    return out


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))))
