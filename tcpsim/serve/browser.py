"""Drive ``tcpsim serve`` in a real browser: a headless Chromium through Playwright, reading the
terminal's text from xterm.js itself. The tests (tests/serve), the start-up benchmark
(benchmarks/bench_serve.py) and the screenshot tool (tools/screenshots.py) share it.

Playwright is the ``test`` extra's, not the ``serve`` extra's: a teacher's server never imports
this module. The browser is Debian's ``chromium`` (``.ci/run`` installs it), never one Playwright
downloads. :func:`unavailable` says why a browser cannot be had here, for a skip or an N/A.

Reading the screen: textual-serve's page keeps its xterm.js terminal inside its own script's
closure. :data:`CAPTURE_TERMINALS`, added to every page before its scripts run, catches each
terminal object as the page constructs it (by the one property only that object sets,
``websocket_url``) into ``window.__tcpsimTerminals``; the text is then what xterm.js holds in
its buffer, cell for cell what the page shows.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
"""Those the machine's notes give: without the background-networking ones Chromium keeps trying
to reach Google's hosts, which a closed network refuses."""

MARK = "TCPSIM_SERVE_MARK"
"""An environment variable set on a server started here, inherited by every session it starts:
found in /proc/PID/environ, it tells that server's processes from all others, orphans included."""

CAPTURE_TERMINALS = """
Object.defineProperty(Object.prototype, "websocket_url", {
  configurable: true,
  set(value) {
    Object.defineProperty(this, "websocket_url", {value, writable: true, configurable: true, enumerable: true});
    (window.__tcpsimTerminals = window.__tcpsimTerminals || []).push(this);
  },
});
"""

SCREEN_TEXT = """() => {
  const holder = (window.__tcpsimTerminals || [])[0];
  if (!holder || !holder.terminal) return null;
  const term = holder.terminal, buffer = term.buffer.active, lines = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    lines.push(line ? line.translateToString(true, 0, term.cols) : "");
  }
  return lines.join("\\n");
}"""

GEOMETRY = """() => {
  const term = window.__tcpsimTerminals[0].terminal;
  const box = term.element.querySelector(".xterm-screen").getBoundingClientRect();
  return {cols: term.cols, rows: term.rows, x: box.x, y: box.y, width: box.width, height: box.height};
}"""


def unavailable() -> str | None:
    """Why a real browser cannot be driven here, or None when it can."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (the test extra: pip install -e '.[test]')"
    try:
        import textual_serve  # noqa: F401
    except ImportError:
        return "textual-serve is not installed (the serve extra: pip install -e '.[serve]')"
    if not os.access(CHROMIUM, os.X_OK):
        return f"no Chromium at {CHROMIUM} (Debian's chromium package; .ci/run installs it as root)"
    return None


# ---------------------------------------------------------------------------------------- the server
class ServeProcess:
    """``tcpsim serve --port 0 ARGS`` in a process of its own, on a free loopback port."""

    def __init__(
        self, args: Sequence[str] = (), *, cwd: str | Path | None = None, env: dict[str, str] | None = None
    ) -> None:
        self.mark = uuid.uuid4().hex
        env = dict(os.environ if env is None else env, **{MARK: self.mark})
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tcpsim.cli", "serve", "--port", "0", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=cwd,
            preexec_fn=_die_with_parent,  # a test run killed outright leaves no server behind
        )
        assert self.process.stdout is not None
        self.banner = [self.process.stdout.readline()]
        first = self.banner[0]
        if "http://" not in first:
            self.stop()
            raise RuntimeError(f"tcpsim serve did not start: {first!r} {self.stderr_text()!r}")
        self.url = first[first.index("http://") :].split()[0]
        self.banner += [self.process.stdout.readline(), self.process.stdout.readline()]
        self.output: list[str] = []
        """What the server printed after its banner (a session's errors, say), read as it comes so
        that a full pipe never blocks the server."""
        self._readers = [
            threading.Thread(target=self._drain, args=(stream,), daemon=True)
            for stream in (self.process.stdout, self.process.stderr)
        ]
        for reader in self._readers:
            reader.start()

    def _drain(self, stream: Any) -> None:
        for line in stream:
            self.output.append(line)

    @property
    def pid(self) -> int:
        return self.process.pid

    def processes(self) -> list[int]:
        """Every live process carrying this server's mark, except the server: its sessions, its
        spare, and any orphan either left (reparented elsewhere, it still carries the mark)."""
        return [pid for pid in marked(self.mark) if pid != self.process.pid]

    def sessions(self) -> list[int]:
        """The processes a tab has: named ``tcpsim-session`` once its tab's size arrived (before
        that, a process is the spare waiting for the next tab: tcpsim.serve.session)."""
        return [pid for pid in self.processes() if process_name(pid) == "tcpsim-session"]

    def spares(self) -> list[int]:
        """The processes of :meth:`processes` that no tab has (the spare, starting or waiting)."""
        return [pid for pid in self.processes() if process_name(pid) not in ("tcpsim-session", "")]

    def wait_sessions(self, count: int, timeout: float = 15) -> list[int]:
        """Wait until exactly ``count`` sessions run; return them (the last seen, on timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.sessions()
            if len(found) == count or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def wait_spare(self, timeout: float = 30) -> list[int]:
        """Wait until the spare has started and waits for a tab; return it (empty on timeout)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [pid for pid in self.spares() if process_name(pid) == "tcpsim-spare"]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.05)

    def stderr_text(self) -> str:
        """The server's standard error, once it has ended without a banner."""
        if self.process.poll() is None or self.process.stderr is None:
            return ""
        return self.process.stderr.read()

    def stop(self, timeout: float = 15) -> int:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        for reader in getattr(self, "_readers", ()):
            reader.join(5)
        return self.process.returncode

    def __enter__(self) -> ServeProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _die_with_parent() -> None:
    from .session import die_with_parent

    die_with_parent()


def process_name(pid: int) -> str:
    """A process's name (``/proc/PID/comm``), or "" once it is gone."""
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8", errors="replace") as handle:
            return handle.read().strip()
    except OSError:
        return ""


def marked(mark: str) -> list[int]:
    """The live processes whose environment carries ``MARK=mark`` (zombies have no environment)."""
    needle = f"{MARK}={mark}".encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as handle:
                if needle in handle.read().split(b"\0"):
                    found.append(int(entry))
        except OSError:  # gone, or not ours to read
            continue
    return found


# ---------------------------------------------------------------------------------------- the browser
@contextlib.contextmanager
def chromium(width: int = 1280, height: int = 800) -> Iterator[Any]:
    """A headless Chromium (Debian's) driven by Playwright; yields the Browser."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_FLAGS))
        try:
            yield browser
        finally:
            browser.close()


class Tab:
    """One browser tab on a served session, its terminal read as text."""

    def __init__(self, browser: Any, width: int = 1280, height: int = 800) -> None:
        self.context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True)
        self.page = self.context.new_page()
        self.page.add_init_script(CAPTURE_TERMINALS)

    def open(self, url: str, wait_for: str | None = "Quit", timeout: float = 30) -> Any:
        """Load the page; wait until the terminal shows ``wait_for`` (the footer's last key, by
        default: the first screen is complete). Returns the HTTP response."""
        response = self.page.goto(url)
        if wait_for is not None:
            self.wait_for(wait_for, timeout=timeout)
        return response

    def screen(self) -> str:
        return self.page.evaluate(SCREEN_TEXT) or ""

    def wait_for(self, *texts: str, timeout: float = 15) -> str:
        """Wait until every one of ``texts`` is on the screen; return the screen."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if all(t in text for t in texts):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"not on the screen after {timeout} s: {texts!r}\n{text}")
            time.sleep(0.05)

    def wait_gone(self, *texts: str, timeout: float = 15) -> str:
        """Wait until none of ``texts`` is on the screen (a dialog closed); return the screen."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.screen()
            if not any(t in text for t in texts):
                return text
            if time.monotonic() > deadline:
                raise AssertionError(f"still on the screen after {timeout} s: {texts!r}\n{text}")
            time.sleep(0.05)

    def press(self, *keys: str) -> None:
        """Press keys (Playwright's names: "o", "Enter", "Control+p") in the terminal."""
        self.page.focus(".xterm-helper-textarea")
        for key in keys:
            self.page.keyboard.press(key)

    def type(self, text: str) -> None:
        self.page.focus(".xterm-helper-textarea")
        self.page.keyboard.type(text)

    def geometry(self) -> dict[str, float]:
        return dict(self.page.evaluate(GEOMETRY))

    def cell(self, col: int, row: int) -> tuple[float, float]:
        """The page coordinates of the middle of terminal cell (col, row), from 0."""
        g = self.geometry()
        return g["x"] + (col + 0.5) * g["width"] / g["cols"], g["y"] + (row + 0.5) * g["height"] / g["rows"]

    def find(self, text: str) -> tuple[int, int]:
        """(col, row) of the first cell of ``text`` on the screen (each CJK character takes two cells)."""
        for row, line in enumerate(self.screen().splitlines()):
            if text in line:
                return _cells(line[: line.index(text)]), row
        raise AssertionError(f"{text!r} is not on the screen:\n{self.screen()}")

    def click(self, col: int, row: int, count: int = 1) -> None:
        x, y = self.cell(col, row)
        self.page.mouse.click(x, y, click_count=count)

    def close(self) -> None:
        self.context.close()


def _cells(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
