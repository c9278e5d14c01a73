"""``tcpsim serve`` start-up: the first screen in a real browser against the same app's first screen
in a terminal, each from nothing to the complete screen, median of fresh starts, interleaved. Target
≤ 2× (issue 15). Also reported: each session's memory and the CPU its start takes (the figures
``--max-sessions``'s default is drawn from, BENCHMARKS.md).

- **terminal**: ``python -m tcpsim.cli`` (what the ``tcpsim`` command runs) in a pseudo-terminal of
  120×36, from the fork to the moment its output holds the whole first screen (the server pane's
  LISTEN and the key bar's last key, Quit, which come last in the frame);
- **browser**: Debian's Chromium, already running (as a student's browser is), opens the page of a
  running ``tcpsim serve`` in a new tab sized to 120×36 cells: from the navigation to the moment
  xterm.js's buffer holds the same screen. That includes the page, its script, the websocket, the
  app's start and first frame crossing the socket. The server has its spare ready, as it has
  whenever the last tab opened more than a moment ago (tcpsim.serve.session: a process that has
  imported the app and waits for a tab's size).
- **browser, two at once** (a detail, not the ratio): two tabs opened together; the second finds
  no spare ready and its process starts when its websocket opens, beside the first tab's frame.

Where no browser can be driven (no Chromium, no Playwright) the figure is not available, and says why.
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

from bench_common import TERMINAL, Figure, child_env

FIGURES = {"serve_startup": "tcpsim serve: first screen in a browser vs in a terminal"}
SHOWN = ("LISTEN", "Quit")
"""Text that is on the first screen only once it is complete."""


def measure(keys: set[str], quick: bool, profile: bool) -> dict[str, Figure]:
    return {"serve_startup": bench_serve(quick)}


def terminal_first_screen(width: int, height: int) -> float:
    """Seconds from starting ``tcpsim`` in a pseudo-terminal to its complete first screen."""
    import fcntl
    import pty
    import select
    import struct
    import subprocess
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", height, width, 0, 0))
    env = child_env({"TERM": "xterm-256color", "COLUMNS": str(width), "LINES": str(height)})
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "tcpsim.cli"],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        cwd="/",
        start_new_session=True,
    )
    os.close(follower)
    seen = b""
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], 30)
            if not ready:
                raise RuntimeError("tcpsim drew no first screen in a terminal within 30 s")
            seen += os.read(leader, 65536)
            if all(text.encode() in seen for text in SHOWN):
                return time.perf_counter() - started
    finally:
        process.terminate()
        try:
            while select.select([leader], [], [], 1)[0] and os.read(leader, 65536):  # let it write its goodbye
                pass
        except OSError:
            pass
        process.wait(10)
        os.close(leader)


def _done() -> str:
    """A page function: whether the terminal holds the complete first screen."""
    from tcpsim.serve.browser import SCREEN_TEXT

    return (
        "() => { const t = ("
        + SCREEN_TEXT
        + ")(); return t !== null && "
        + " && ".join(f"t.includes({text!r})" for text in SHOWN)
        + "; }"
    )


def _tab(browser: Any, width: int, height: int) -> Any:
    from tcpsim.serve.browser import Tab

    # 16 px Roboto Mono: 9 × 21 px cells (measured), with one pixel to spare each way
    return Tab(browser, width=width * 9 + 2, height=height * 21 + 2)


def browser_first_screen(browser: Any, url: str, width: int, height: int) -> tuple[float, int, int]:
    """Seconds from opening the page in a new tab to the complete first screen; the tab's cells."""
    tab = _tab(browser, width, height)
    try:
        started = time.perf_counter()
        tab.page.goto(url, wait_until="commit")
        tab.page.wait_for_function(_done(), polling=5, timeout=30_000)
        elapsed = time.perf_counter() - started
        geometry = tab.geometry()
        return elapsed, int(geometry["cols"]), int(geometry["rows"])
    finally:
        tab.close()


def browser_second_of_two(browser: Any, url: str, width: int, height: int) -> float:
    """Seconds from opening the second of two tabs opened together to its complete first screen."""
    first, second = _tab(browser, width, height), _tab(browser, width, height)
    try:
        first.page.goto(url, wait_until="commit")
        started = time.perf_counter()
        second.page.goto(url, wait_until="commit")
        second.page.wait_for_function(_done(), polling=5, timeout=30_000)
        elapsed = time.perf_counter() - started
        first.page.wait_for_function(_done(), polling=5, timeout=30_000)
        return elapsed
    finally:
        first.close()
        second.close()


def session_costs(server: Any) -> dict[str, Any]:
    """Memory (RSS and PSS, from /proc) and CPU time of each session process now running."""
    rows = []
    for pid in server.sessions():
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as f:
                fields = {line.split(":")[0]: int(line.split()[1]) for line in f if line.endswith("kB\n")}
            with open(f"/proc/{pid}/stat", encoding="ascii") as f:
                stat = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks = os.sysconf("SC_CLK_TCK")
        rows.append(
            {
                "rss_mb": round(fields.get("Rss", 0) / 1024, 1),
                "pss_mb": round(fields.get("Pss", 0) / 1024, 1),
                "cpu_s": round((int(stat[11]) + int(stat[12])) / ticks, 2),
            }
        )
    return {"sessions": rows}


def bench_serve(quick: bool) -> Figure:
    import statistics

    from tcpsim.serve.browser import ServeProcess, chromium, unavailable

    title = "tcpsim serve: first screen in a browser tab vs in a terminal"
    reason = unavailable()
    if reason is not None:
        return Figure("serve_startup", title, None, "×", "≤ 2×", None, f"not measured: {reason}")
    width, height = TERMINAL
    repeats = 2 if quick else 7
    runs: dict[str, list[float]] = {"terminal": [], "browser": [], "browser_second_of_two": []}
    cells: tuple[int, int] = (0, 0)
    with ServeProcess(env=child_env(), cwd="/") as server, chromium() as browser:
        terminal_first_screen(width, height)  # untimed: warms the caches, as in the start-up figure
        server.wait_spare()
        browser_first_screen(browser, server.url, width, height)
        for _ in range(repeats):
            runs["terminal"].append(terminal_first_screen(width, height))
            server.wait_sessions(0)
            server.wait_spare()
            elapsed, *size = browser_first_screen(browser, server.url, width, height)
            runs["browser"].append(elapsed)
            cells = (size[0], size[1])
        for _ in range(1 if quick else 3):
            server.wait_sessions(0)
            server.wait_spare()
            runs["browser_second_of_two"].append(browser_second_of_two(browser, server.url, width, height))
        server.wait_sessions(0)
        costs: dict[str, Any] = {}
        if not quick:
            from tcpsim.serve.browser import Tab

            tabs = [Tab(browser) for _ in range(3)]
            for tab in tabs:
                tab.open(server.url)
            time.sleep(2)
            costs = session_costs(server)
            for tab in tabs:
                tab.close()
    terminal, browser_s = statistics.median(runs["terminal"]), statistics.median(runs["browser"])
    ratio = browser_s / terminal
    return Figure(
        key="serve_startup",
        title=title,
        value=round(ratio, 3),
        unit="×",
        target="≤ 2×",
        met=ratio <= 2,
        summary=(
            f"browser {1000 * browser_s:.0f} ms, terminal {1000 * terminal:.0f} ms (median of {repeats}, "
            f"fresh sessions, {cells[0]}×{cells[1]} cells in the browser, {width}×{height} in the terminal)"
        ),
        details={
            "browser_ms": [round(1000 * t) for t in runs["browser"]],
            "browser_second_of_two_ms": [round(1000 * t) for t in runs["browser_second_of_two"]],
            "terminal_ms": [round(1000 * t) for t in runs["terminal"]],
            "browser_cells": list(cells),
            "terminal_cells": [width, height],
            **costs,
        },
    )
