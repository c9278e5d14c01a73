"""The TIME-WAIT load lab, live: many short connections on the virtual clock, counted per state.

The headless ``tcpsim load`` prints a table of samples; this screen runs the same
:class:`~tcpsim.lab.engine.LoadLab` (every connection two RFC 9293 core endpoints) and shows the
same figures as they change: TCBs per state on each host as ``ss -s`` would summarise them, the
client's ephemeral ports in use against the range, connects refused with EADDRNOTAVAIL once the
ports run out, and a chart of TIME-WAIT and ports in use over time. The user changes the MSL, the
closing side, the port range, the rate or the duration, and the lab restarts with them, so that
one sees the numbers move as rate × 2·MSL says they should.

Two promises shape the code:

* **The event loop never waits long.** A timer advances the lab by (speed × real time elapsed)
  simulated seconds per frame, in chunks sized to a few thousand events each, and stops for the
  frame once its wall-clock budget is spent. A lab that asks for more than the CPU gives simply
  runs slower than asked, and the status line says so.
* **Memory stays bounded however long the run.** The lab forgets finished connections (only
  counters remain); the screen keeps its chart history in a ring buffer (``deque(maxlen=...)``)
  of small tuples, and nothing else that grows.
"""

from __future__ import annotations

import argparse
import math
import time
from collections import deque
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Footer, Static

from ...i18n import N_, _
from ...lab.engine import LoadLab
from ...lab.model import LoadConfig, Sample, nice_interval, theory
from ...lab.options import config_from_args
from ...lab.settings import FIELDS, PRESET_NAMES, PRESETS, SettingsError, default_config, parse_settings, settings_of
from ...richtext import Wrapped
from ...sim.wording import who
from ..commands import translate_bindings
from ..widgets.lab import (
    FailedConnects,
    LabChart,
    LabExplanation,
    Point,
    PortsBar,
    PortsSummary,
    StatesTable,
    ss_lines,
)
from .dialogs import Prompt
from .modal import Dialog

FRAME = 1 / 10
"""Seconds between frames: the lab advances and the figures are redrawn ten times a second."""
BUDGET = 0.045
"""Wall-clock seconds of simulation per frame at most: the rest of the frame is the UI's."""
CHUNK_EVENTS = 2_000
"""Events per call into the lab (about 20 ms at the engine's speed): the longest the loop is held."""
MIN_CHUNK = 1e-6
"""Simulated seconds: the shortest chunk, however dense the events."""
EVENTS_PER_CONNECTION = 12
"""About how many events one connection costs (connect, six segments, timers): sizes the first chunk."""
HISTORY = 600
"""Chart points kept: wider than any chart, and the one structure of the screen that grows."""
POINTS_PER_2MSL = 30
"""The chart's default step: 2·MSL spans this many columns, so the rise and the plateau both show."""
SPEEDS = (0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0)
"""Simulated seconds per real second that ``+`` and ``-`` step through."""
NARROW = 100
"""Below this width the ports and the chart go under the table instead of beside it."""
SHORT = 30
"""Below this height the per-state table is printed in two halves, side by side."""


def lab_screen_from_args(args: argparse.Namespace, *, clock: bool = True) -> LoadLabScreen:
    """The screen for ``tcpsim load --ui``: the parsed options of ``tcpsim load``, checked as the
    headless run checks them, the rate and duration the preset's unless given. Raises ValueError
    (with the same message) when they do not fit."""
    return LoadLabScreen(config_from_args(args, preset=default_config()), clock=clock)


def default_speed(config: LoadConfig) -> float:
    """A speed at which 2·MSL passes in about six real seconds: the pile-up is quick to see, and
    each connection's few events are not a blur. The CPU may cap it at high rates (see BUDGET)."""
    wanted = 2 * config.msl / 6
    return min(SPEEDS, key=lambda s: abs(math.log(s / wanted)))


def chart_step(config: LoadConfig) -> float:
    """Simulated seconds per chart column: ``--interval`` if given, else 2·MSL / 30 rounded."""
    if config.interval is not None:
        return config.interval
    return nice_interval(2 * config.msl / POINTS_PER_2MSL)


FIELD_NAMES = {
    "msl": N_("MSL"),
    "ports": N_("port range"),
    "rate": N_("rate"),
    "duration": N_("duration"),
    "closer": N_("closing side"),
}
"""Each setting (a key of :data:`tcpsim.lab.settings.FIELDS`) as the screen names it."""

PROMPTS = {
    "msl": N_("MSL in seconds (TIME-WAIT lasts 2·MSL; Linux's 2·MSL is 60 s)"),
    "ports": N_("The client's ephemeral port range, LO-HI (Linux: 32768-60999)"),
    "rate": N_("New connections per second"),
    "duration": N_("For how many seconds connects are made"),
}
"""What the prompt for a setting asks."""


def describe_problem(error: SettingsError) -> str:
    """What is wrong with a setting, named as the screen names it: "MSL (--msl): must be > 0 …"."""
    if error.field is None:
        return str(error)
    return f"{_(FIELD_NAMES[error.field])} ({FIELDS[error.field]}){error.detail}"


def describe_settings(config: LoadConfig) -> str:
    """One line: the settings a run was made with (for the status and the notifications)."""
    return _("{rate}/s for {duration} s · MSL {msl} s, 2·MSL {two_msl} s · {closer} closes · ports {lo}-{hi}").format(
        rate=f"{config.rate:g}",
        duration=f"{config.duration:g}",
        msl=f"{config.msl:g}",
        two_msl=f"{2 * config.msl:g}",
        closer=who(config.closer),
        lo=config.ports[0],
        hi=config.ports[1],
    )


# ---------------------------------------------------------------------------- the screen
class LoadLabScreen(Dialog[None]):
    """The load lab, live, over the whole terminal.

    A modal screen (a :class:`~textual.screen.Screen` whose bindings shut out the app's), so that
    the two-endpoint view's keys (step, open, close…) cannot act on the session hidden underneath;
    its opaque background hides that view entirely. A :class:`Dialog`, so that escape pressed
    twice closes it once and never pops the app's own screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_pause", N_("Pause"), key_display="space"),
        Binding("plus,equals_sign", "faster", N_("Faster"), key_display="+"),
        Binding("minus,underscore", "slower", N_("Slower"), key_display="-"),
        Binding("n", "step", N_("Step"), show=False, tooltip=N_("Advance one chart column, then pause")),
        Binding("m", "edit('msl')", N_("MSL")),
        Binding("c", "toggle_closer", N_("Closer")),
        Binding("p", "edit('ports')", N_("Ports")),
        Binding("r", "edit('rate')", N_("Rate")),
        Binding("d", "edit('duration')", N_("Duration"), show=False),
        Binding("R", "restart", N_("Restart"), tooltip=N_("Run the lab again with the same settings")),
        Binding("1", "preset(0)", N_("Preset 1"), show=False),
        Binding("2", "preset(1)", N_("Preset 2"), show=False),
        Binding("3", "preset(2)", N_("Preset 3"), show=False),
        Binding("4", "preset(3)", N_("Preset 4"), show=False),
        Binding("escape,q", "close", N_("Close")),
    ]

    CONSUMED_KEYS: ClassVar[frozenset[str]] = frozenset({"space", "tab"})
    """Keys the app binds with priority (play, switch endpoint) that mean something else here."""

    # Parsed when the lab is first opened, not on every start of the app (see the file).
    CSS_PATH = "../lab.tcss"

    def __init__(self, config: LoadConfig, *, clock: bool = True, speed: float | None = None) -> None:
        """``config``: the lab to run, e.g. from :func:`lab_screen_from_args`. ``clock=False``
        leaves the lab still until :meth:`advance` is called (tests, screenshots); ``speed`` is
        simulated seconds per real second (default: :func:`default_speed`)."""
        super().__init__(id="load-lab")
        translate_bindings(self)  # the footer shows their descriptions
        self._use_clock = clock
        self.speed = speed if speed is not None else default_speed(config)
        self.paused = not clock
        self.actual_speed = self.speed
        """Simulated seconds per real second achieved lately: below ``speed`` when CPU-bound."""
        self.history: deque[Point] = deque(maxlen=HISTORY)
        self._ticker: Timer | None = None
        self._start(config)

    # ------------------------------------------------------------------ the lab
    def _start(self, config: LoadConfig) -> None:
        """A fresh lab with ``config``; the chart starts over."""
        self.config = config
        self.lab = LoadLab(config)
        self.theory = theory(config)
        self.step_size = chart_step(config)
        self.history.clear()
        self._next_index = 0
        self._chunk = max(MIN_CHUNK, CHUNK_EVENTS / (config.rate * EVENTS_PER_CONNECTION))
        self.finished = False
        self._record_due()

    def _record_due(self) -> None:
        """Append a point for every chart step the lab's clock has reached."""
        lab = self.lab
        while self._next_index * self.step_size <= lab.now + 1e-9:
            self.history.append(self._point(lab.sample(), self._next_index * self.step_size))
            self._next_index += 1

    def _point(self, sample: Sample, t: float) -> Point:
        tw = sample.time_wait_client if self.config.closer == "client" else sample.time_wait_server
        return Point(t, tw, sample.ports_in_use, sample.failed)

    def advance(self, seconds: float, *, budget: float | None = None) -> float:
        """Run the lab ``seconds`` of simulated time further (less if it finishes, or if ``budget``
        wall-clock seconds run out first), in chunks of about CHUNK_EVENTS events so that no single
        call into the lab holds the event loop long. Returns the simulated seconds advanced."""
        lab = self.lab
        started_at, target = lab.now, lab.now + max(0.0, seconds)
        wall_start = time.perf_counter()
        while lab.now < target - 1e-12 and not self.finished:
            if lab.done:
                self.finished = True
                break
            next_point = self._next_index * self.step_size
            chunk_end = lab.now + self._chunk
            step_to = min(target, chunk_end, next_point)
            if step_to <= lab.now:  # the next point is due now: record it and go on
                self._record_due()
                continue
            events_before = lab.events
            lab.advance_to(step_to)
            done = lab.events - events_before
            # Keep each chunk near CHUNK_EVENTS events, whatever the rate and the phase of the run:
            # learn from whole chunks, and from any step that took too many events however short.
            if step_to == chunk_end or done > CHUNK_EVENTS:
                factor = min(1.5, max(0.25, CHUNK_EVENTS / done)) if done else 1.5
                self._chunk = min(max(self._chunk * factor, MIN_CHUNK), self.config.duration + 2 * self.config.msl)
            self._record_due()
            if budget is not None and time.perf_counter() - wall_start > budget:
                break
        if lab.done and not self.finished:
            self.finished = True
        return lab.now - started_at

    def restart(self, config: LoadConfig | None = None) -> None:
        """Start the lab over with ``config`` (default: the same settings), and keep it running.
        A new MSL brings a new default speed, as 2·MSL sets the pace of everything on screen."""
        config = config or self.config
        if config.msl != self.config.msl:
            self.speed = default_speed(config)
        self._start(config)
        if self._use_clock:
            self.paused = False
            self._sync_clock()
        self._show_all()

    def apply(self, changes: dict[str, str], *, title: str | None = None) -> bool:
        """Restart with some settings changed (text, as typed). A bad value is an error
        notification naming the field and what it expects; the lab then goes on untouched."""
        try:
            config = parse_settings(self.config, changes)
        except SettingsError as exc:
            self.app.notify(
                _("{problem}. The lab goes on with {settings}.").format(
                    problem=describe_problem(exc), settings=describe_settings(self.config)
                ),
                title=_("The lab keeps its settings"),
                severity="error",
                timeout=10,
                markup=False,
            )
            return False
        self.restart(config)
        self.app.notify(
            _("Restarted: {settings}").format(settings=describe_settings(config)), title=title or "", markup=False
        )
        return True

    # ------------------------------------------------------------------ layout
    def compose(self) -> ComposeResult:
        yield Static(id="lab-status")
        with VerticalScroll(id="lab-body"):
            with Horizontal(id="lab-top"):
                with Vertical(id="lab-states-box", classes="lab-panel"):
                    yield StatesTable(id="lab-states")
                    yield Static(id="lab-ss")
                with Vertical(id="lab-side"):
                    with Vertical(id="lab-ports-box", classes="lab-panel"):
                        yield PortsBar(id="lab-ports-bar")
                        yield PortsSummary(id="lab-ports")
                        yield FailedConnects(id="lab-failed")
                    yield LabChart(id="lab-chart")
            yield LabExplanation(id="lab-why", classes="lab-panel")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#lab-states-box").border_title = _("Sockets per state, as in ss -s")
        self.query_one("#lab-ports-box").border_title = _("Ephemeral ports on the client")
        self.query_one("#lab-why").border_title = _("What you see, and why")
        self.query_one("#lab-chart").add_class("lab-panel")
        # The two-endpoint view's clock would go on playing a session nobody can see.
        if getattr(self.app, "playing", False):
            self.app.playing = False  # type: ignore[attr-defined]
        self._last_frame = time.monotonic()
        self._ticker = self.set_interval(FRAME, self._tick, pause=True)
        self._sync_clock()
        self._layout()
        self._show_all()

    def on_resize(self, _event: events.Resize) -> None:
        self._layout()
        self._show_all()

    def _layout(self) -> None:
        """Narrow screens stack the panels; short ones fold the per-state table in two."""
        width, height = self.size
        self.set_class(width < NARROW, "-narrow")
        self.set_class(height < SHORT or width < NARROW, "-short")

    def check_consume_key(self, key: str, character: str | None) -> bool:
        """Space and tab are the app's priority keys (play, switch endpoint) for the hidden view:
        claiming them here takes them from the app while this screen is up (Textual drops a
        binding of an outer node for a key an inner node consumes), and space pauses the lab."""
        return key in self.CONSUMED_KEYS or super().check_consume_key(key, character)

    # ------------------------------------------------------------------ the clock
    def _sync_clock(self) -> None:
        if self._ticker is None:
            return
        self._last_frame = time.monotonic()
        if self.paused or self.finished or not self._use_clock:
            self._ticker.pause()
        else:
            self._ticker.resume()

    def _tick(self) -> None:
        now = time.monotonic()
        elapsed, self._last_frame = min(now - self._last_frame, 0.25), now
        if self.paused or self.finished:
            return
        moved = self.advance(self.speed * elapsed, budget=BUDGET)
        if elapsed > 0:
            self.actual_speed = 0.6 * self.actual_speed + 0.4 * moved / elapsed
        if self.finished:
            self._sync_clock()
            self.app.notify(
                _(
                    "The run is over: every connect was tried and every connection has closed. R runs it again, or "
                    "change a setting."
                )
            )
        self._show_all()

    # ------------------------------------------------------------------ drawing
    def _show_all(self) -> None:
        """Hand every panel the lab as it is now."""
        if not self.is_mounted:
            return
        sample = self.lab.sample()
        self._show_status()
        short = self.has_class("-short")
        self.query_one(StatesTable).show(sample, halves=short)
        ss = self.query_one("#lab-ss", Static)
        ss.display = not short
        if not short:
            ss.update(Wrapped(ss_lines(sample)))
        self._show_ports(sample)
        c = self.config
        self.query_one(LabChart).show(
            self.history,
            self._point(sample, sample.t),
            step=self.step_size,
            expected=self.theory.time_wait,
            port_count=c.port_count,
            side=c.closer,
        )
        self.query_one(LabExplanation).show(self.config, self.theory)

    def _show_status(self) -> None:
        lab, c = self.lab, self.config
        if self.finished:
            mode = "■ " + _("finished")
        elif self.paused:
            mode = "‖ " + _("paused")
        else:
            mode = "▶"
        speed = "" if self.finished else " " + _("×{speed}").format(speed=f"{self.speed:g}")
        slow = ""
        if not (self.paused or self.finished) and self.actual_speed < 0.7 * self.speed:
            slow = " (" + _("CPU-bound: ×{actual}").format(actual=f"{self.actual_speed:.2g}") + ")"
        text = Text.assemble(
            (_("TIME-WAIT lab"), "bold"),
            " │ t = ",
            (f"{lab.now:,.1f}", "bold"),
            f" s │ {mode}{speed}{slow} │ ",
            describe_settings(c),
        )
        self.query_one("#lab-status", Static).update(text)

    def _show_ports(self, sample: Sample) -> None:
        self.query_one(PortsBar).show(sample.ports_in_use, self.config.port_count)
        self.query_one(PortsSummary).show(sample, self.config, self.theory)
        self.query_one(FailedConnects).show(sample, self.lab.first_failure)

    # ------------------------------------------------------------------ actions
    def action_toggle_pause(self) -> None:
        if self.finished:
            self.app.notify(
                _(
                    "The run is over: every connect was tried and every connection has closed. R runs it again, or "
                    "change a setting."
                )
            )
            return
        self.paused = not self.paused
        self._sync_clock()
        self._show_status()

    def action_faster(self) -> None:
        self._set_speed(+1)

    def action_slower(self) -> None:
        self._set_speed(-1)

    def _set_speed(self, direction: int) -> None:
        index = min(range(len(SPEEDS)), key=lambda i: abs(math.log(SPEEDS[i] / self.speed)))
        index = max(0, min(len(SPEEDS) - 1, index + direction))
        self.speed = SPEEDS[index]
        self.actual_speed = self.speed
        self._show_status()

    def action_step(self) -> None:
        """One chart column further, paused: to look at the numbers one step at a time."""
        self.paused = True
        self._sync_clock()
        if self.finished:
            self.app.notify(
                _(
                    "The run is over: every connect was tried and every connection has closed. R runs it again, or "
                    "change a setting."
                )
            )
            return
        self.advance(self._next_index * self.step_size - self.lab.now)
        self._show_all()

    def action_edit(self, field: str) -> None:
        """Ask for one setting, prefilled with its current value; the lab runs on meanwhile."""
        current = settings_of(self.config)[field]
        if field != "ports":
            current = f"{float(current):g}"

        def done(text: str | None) -> None:
            if text is not None and text.strip():
                self.apply({field: text})

        self.app.push_screen(Prompt(_(PROMPTS[field]), current), done)

    def action_toggle_closer(self) -> None:
        self.apply({"closer": "server" if self.config.closer == "client" else "client"})

    def action_preset(self, index: int) -> None:
        self.apply(PRESETS[index], title=f"{index + 1} · {_(PRESET_NAMES[index])}")

    def action_restart(self) -> None:
        self.restart()

    def action_close(self) -> None:
        if self._ticker is not None:
            self._ticker.stop()
        self.dismiss(None)
