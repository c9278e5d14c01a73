"""The tcpsim app: two endpoint panes around a live timeline, an event log, and the keys.

The app is thin on purpose. It owns one :class:`~tcpsim.scenario.session.Session` and the view
settings (focus, speed, view, relative numbers); every key turns into one session call, and after
each the widgets are handed the new state to draw. No widget changes protocol state.
"""

from __future__ import annotations

import gc
import time
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Static

from ..core.names import EndpointName
from ..core.states import State
from ..render import segment_label
from ..scenario import Scenario
from ..scenario.session import Outcome, Session
from ..sim.trace import SendEvent, StateEvent, TimerEvent
from .commands import COMMANDS, bindings
from .i18n import tr
from .screens.load import LoadScenario
from .widgets.endpoint import EndpointPane
from .widgets.eventlog import EventLog
from .widgets.footer import KeyFooter
from .widgets.timeline import Timeline

if TYPE_CHECKING:
    from ..lab.engine import LoadConfig
    from .screens.lab import LoadLabScreen
    from .widgets.diagram import StateDiagram, WalkKey

# The dialogs, the help screen and the TIME-WAIT lab (with the lab's engine) are imported where they
# are opened: start-up needs none of them.

SPEEDS = (0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 50.0)
DEFAULT_SPEED = 3  # 0.2×: a 0.1 s hop takes half a second, slow enough to watch a segment travel
IDLE_FACTOR = 20.0
"""While nothing is in flight, play runs this much faster: waiting out an RTO or 2·MSL is dull."""
FRAME = 1 / 30
COMPACT_WIDTH = 110
FAULT_DELAY = 0.5
FIRST_VIEW = "timeline"
"""The centre view the app opens on."""
FIRST_ENDPOINT: EndpointName = "client"
"""The endpoint user commands go to when the app opens."""


class TcpsimApp(App[None]):
    """Interactive simulator of two TCP endpoints."""

    CSS_PATH = "tcpsim.tcss"
    TITLE = "tcpsim"
    BINDINGS = bindings()

    playing: reactive[bool] = reactive(False)
    speed_index: reactive[int] = reactive(DEFAULT_SPEED)
    focused_endpoint: reactive[EndpointName] = reactive(FIRST_ENDPOINT)
    relative: reactive[bool] = reactive(False)
    view: reactive[str] = reactive(FIRST_VIEW)

    def __init__(
        self,
        scenario: Scenario | None = None,
        *,
        clock: bool = True,
        session: Session | None = None,
        lab: LoadLabScreen | None = None,
    ) -> None:
        """``lab``: open on this TIME-WAIT lab screen (``tcpsim load --ui``); leaving it ends the app."""
        super().__init__()
        self._lab_only = lab
        self.session = session if session is not None else Session(scenario)  # an import brings its own
        self.walked: Counter[WalkKey] = Counter()
        """How many times each arrow (from, event, to) was taken in the history on screen."""
        self._walk_seen = 0
        self._walk_trace: list[object] | None = None
        self._last_walk: dict[str, WalkKey | None] = {"client": None, "server": None}
        """Each endpoint's last state change in the history on screen."""
        self._expect_seen = 0
        self._last_frame = time.monotonic()
        self._use_clock = clock
        self._diagram_slot = Vertical(id="diagram")
        self._diagram: StateDiagram | None = None
        self._focus_before_diagram: Widget | None = None
        """What had the keyboard before the diagram took it (``v``), to give it back after."""
        """The state diagram, once composed and mounted (on its first showing: _show_diagram)."""
        self._view_ready = False
        """The screen is composed: the watchers can reach the widgets. (Not ``is_mounted``: on an
        App that is a method about a widget, always true as a condition.)"""

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """``$client`` and ``$server``, each endpoint's colour in TCSS (the state diagram lights its
        states with them). The defaults are the colours the timeline's cyan and bright magenta lanes
        take in Textual's dark and light ANSI themes; a theme may set its own."""
        if self.current_theme.dark:
            return {"client": "#58D1EB", "server": "#F4005F"}
        return {"client": "#0083B2", "server": "#E64CE6"}

    # ------------------------------------------------------------------ layout
    def get_default_screen(self) -> Screen:
        """The screen, born with the classes of the first view.

        ``watch_view`` keeps a ``-view-NAME`` class on the screen. Added at mount, it would
        restyle the whole DOM once more before the first frame; given here, before anything is
        styled, it costs nothing (and ``watch_view`` finds it already set). Not ``self.view``:
        reading the reactive here would run ``watch_view`` before the screen is on the stack.
        """
        return Screen(id="_default", classes=f"-view-{FIRST_VIEW}")

    def compose(self) -> ComposeResult:
        # The panes are born focused or not and in their first state, so that mounting styles them
        # once (not self.focused_endpoint: reading it here would run its watcher before the panes exist).
        states = {name: ep.state for name, ep in self.session.world.endpoints.items()}
        yield Static(id="status")
        with Horizontal(id="main"):
            yield EndpointPane("client", focused=FIRST_ENDPOINT == "client", state=states["client"])
            with ContentSwitcher(initial=FIRST_VIEW, id="centre"):
                yield Timeline(id="timeline")
                # The state diagram (some thirty widgets) is composed the first time it is shown:
                # see _show_diagram. Most sessions start, and many stay, on the timeline.
                yield self._diagram_slot
            yield EndpointPane("server", focused=FIRST_ENDPOINT == "server", state=states["server"])
        yield EventLog(id="log")
        yield KeyFooter()

    def on_mount(self) -> None:
        self._view_ready = True
        self.watch_focused_endpoint(self.focused_endpoint)
        self.query_one("#timeline", Timeline).border_title = tr("timeline")
        self.query_one("#diagram").border_title = tr("diagram")
        self.query_one("#log", EventLog).border_title = tr("log")
        self._ticker = self.set_interval(FRAME, self._tick, pause=True)
        self.on_resize()
        self.refresh_view()
        if self._lab_only is not None:
            # `tcpsim load --ui`: the lab is what was asked for, and leaving it is leaving tcpsim.
            self.push_screen(self._lab_only, lambda _: self.exit())
            return
        self.call_after_refresh(self._welcome)

    def _welcome(self) -> None:
        """The scenario's summary and the first keys, as a toast once the screen is first drawn.

        Posted from ``on_mount`` it would be mounted, styled and laid out before the first frame,
        holding the whole screen back by some 5 ms for an overlay that can come a frame later.
        """
        scenario = self.session.scenario
        self.notify(
            f"{scenario.summary}\nn step · space play · i the story · ? help",
            title=scenario.name,
            timeout=8,
            markup=False,  # the summary comes from a file: show it as written
        )

    def on_resize(self, event: events.Resize | None = None) -> None:
        """Narrow terminals stack the panes above the centre view instead of beside it.

        The width is the event's: ``self.size`` is the screen's, which is resized after the app
        hears of it. The two-endpoint screen is laid out even while a dialog or the lab covers it
        (the app's queries would look in the screen on top), so that it fits when it comes back.
        """
        compact = (event.size if event is not None else self.size).width < COMPACT_WIDTH
        home = self.screen_stack[0] if self.screen_stack else self.screen
        home.set_class(compact, "-compact")
        main = home.query_one("#main")
        server, centre = home.query_one("#server"), home.query_one("#centre")
        if compact and main.children.index(server) > main.children.index(centre):
            main.move_child(server, before=centre)
        elif not compact and main.children.index(server) < main.children.index(centre):
            main.move_child(server, after=centre)

    # ------------------------------------------------------------------ drawing
    def refresh_view(self) -> None:
        """Hand every widget the session as it is now."""
        s = self.session
        world = s.world
        msl = s.scenario.network.msl
        for name in ("client", "server"):
            self.query_one(f"#{name}", EndpointPane).show(
                world.endpoints[name], s.now, relative=self.relative, msl=msl, restarts=self._restarts(name)
            )
        self.query_one("#timeline", Timeline).sync(s.trace, s.now, world.in_flight, world.network.latency)
        self.query_one("#log", EventLog).sync(s.trace)
        self._track_walks()
        if self.view == "diagram":
            self._paint_diagram()
        self._announce_checks()
        self._status()

    def _status(self) -> None:
        s = self.session
        mode = f"▶ {tr('playing')}" if self.playing else f"‖ {tr('paused')}"
        speed = SPEEDS[self.speed_index]
        checks = s.checks
        passed = sum(1 for c in checks if c.ok)
        verdict = ""
        if checks:
            verdict = f" · {tr('expectations')} {passed}/{len(checks)} " + ("✓" if passed == len(checks) else "✗")
        done = f" · {tr('finished')}" if s.finished and not self.playing else ""
        from textual.content import Content  # loaded with textual already: costs nothing

        # The name comes from a file: a template variable is shown as written, never read as markup.
        self.query_one("#status", Static).update(
            Content.from_markup(
                f"[b]$name[/b] · t = [b]{s.now:8.3f}[/b] s · {mode} ×{speed:g} · "
                f"→ [b]{tr(self.focused_endpoint)}[/b]{verdict}{done}",
                name=s.scenario.name,
            )
        )

    def _restarts(self, name: EndpointName) -> int:
        """How many times this endpoint's current TIME-WAIT has been restarted (for the bar)."""
        if self.session.world.endpoints[name].state is not State.TIME_WAIT:
            return 0
        count = 0
        for e in reversed(self.session.trace):
            if isinstance(e, TimerEvent) and e.endpoint == name and e.name == "2msl":
                if e.action == "set":
                    return count
                if e.action == "restart":
                    count += 1
        return count

    def _track_walks(self) -> None:
        """Count the state changes the trace gained since the last frame, and note each endpoint's
        last one; start over when the trace was rewound, restarted or replaced, so that both are
        those of the history on screen (and no frame rescans a long trace)."""
        trace = self.session.trace
        if trace is not self._walk_trace or len(trace) < self._walk_seen:
            self.walked.clear()
            self._last_walk = {"client": None, "server": None}
            self._walk_seen = 0
            self._walk_trace = trace  # type: ignore[assignment]
        for e in trace[self._walk_seen :]:
            if isinstance(e, StateEvent):
                key = (e.old, e.event, e.new)
                self.walked[key] += 1
                self._last_walk[e.endpoint] = key
        self._walk_seen = len(trace)

    def _paint_diagram(self) -> None:
        """Bring the state diagram up to date, once it exists (_show_diagram paints it when it does)."""
        if self._diagram is None:
            return
        states: dict[str, State] = {name: ep.state for name, ep in self.session.world.endpoints.items()}
        self._diagram.show(states, self._last_walk, self.walked, self.focused_endpoint)

    async def _show_diagram(self) -> None:
        """Compose the state diagram on its first showing, then paint it.

        Composed at start-up it would add some thirty widgets to style and lay out before the
        first frame, for a view that only ``v`` opens.
        """
        if self._diagram is None:
            from .widgets.diagram import StateDiagram  # its module too is loaded on first use

            diagram = StateDiagram(id="state-diagram")
            await self._diagram_slot.mount(diagram)  # returns once its canvas and caption are composed
            self._diagram = diagram
        if self.view == "diagram":
            self._paint_diagram()
            self._diagram.canvas.focus()  # so that the arrow and page keys scroll it

    def _announce_checks(self) -> None:
        checks = self.session.checks
        if len(checks) < self._expect_seen:
            self._expect_seen = len(checks)
        for c in checks[self._expect_seen :]:
            if not c.ok:
                self.notify(f"expected {c.expected}, got {c.actual}", title=f"✗ expect #{c.index}", severity="error")
        self._expect_seen = len(checks)

    # ------------------------------------------------------------------ time
    def _tick(self) -> None:
        now = time.monotonic()
        elapsed, self._last_frame = now - self._last_frame, now
        if not self.playing:
            return
        s = self.session
        factor = SPEEDS[self.speed_index] * (1.0 if s.world.in_flight else IDLE_FACTOR)
        s.advance_to(s.now + min(elapsed, 0.25) * factor)
        if s.finished:
            self.playing = False
            self.notify(tr("at_end"))
        self.refresh_view()

    def watch_playing(self, playing: bool) -> None:
        if not hasattr(self, "_ticker"):
            return
        self._last_frame = time.monotonic()
        if playing and self._use_clock:
            self._ticker.resume()
        else:
            self._ticker.pause()
        self._status()

    def action_toggle_play(self) -> None:
        if not self.playing and self.session.finished:
            self.notify(tr("at_end"))
            return
        self.playing = not self.playing

    def action_step(self) -> None:
        self.playing = False
        if self.session.step() is None:
            self.notify(tr("at_end"))
        self.refresh_view()

    def action_step_back(self) -> None:  # not action_back: that is Textual's App.action_back (pop a screen)
        self.playing = False
        if not self.session.back():
            self.notify(tr("at_start"))
        self.refresh_view()

    def action_faster(self) -> None:
        self.speed_index = min(len(SPEEDS) - 1, self.speed_index + 1)
        self._status()

    def action_slower(self) -> None:
        self.speed_index = max(0, self.speed_index - 1)
        self._status()

    def action_restart(self) -> None:
        self.playing = False
        self.session.restart()
        self.refresh_view()

    # ------------------------------------------------------------------ endpoint commands
    def action_switch_endpoint(self) -> None:
        self.focused_endpoint = "server" if self.focused_endpoint == "client" else "client"

    def watch_focused_endpoint(self, name: EndpointName) -> None:
        if not self._view_ready:
            return  # the panes are composed with their focus; after mount this runs again
        for pane in self.query(EndpointPane):
            pane.focused_endpoint = pane.endpoint_name == name
        self._status()
        if self.view == "diagram":
            self._paint_diagram()  # its caption explains the focused endpoint's last step

    def _report(self, outcome: Outcome) -> None:
        if outcome.error:
            self.notify(outcome.error, title=tr(self.focused_endpoint), severity="error")
        self.refresh_view()

    def action_open(self) -> None:
        self._report(self.session.open(self.focused_endpoint))

    def action_close(self) -> None:
        self._report(self.session.act(self.focused_endpoint, "close"))

    def action_abort(self) -> None:
        self._report(self.session.act(self.focused_endpoint, "abort"))

    def action_retransmit(self) -> None:
        self._report(self.session.act(self.focused_endpoint, "retransmit"))

    def action_send(self) -> None:
        from .screens.dialogs import Prompt

        endpoint = self.focused_endpoint

        def done(text: str | None) -> None:
            if text:
                self._report(self.session.act(endpoint, "send", text.encode("utf-8")))

        default = "hello" if endpoint == "client" else "world"
        self.push_screen(Prompt(tr("send_prompt", endpoint=tr(endpoint)), default), done)

    def action_drop_next(self) -> None:
        outcome = self.session.drop_next(self.focused_endpoint)
        if not outcome.error:
            self.notify(tr("drop_armed", endpoint=tr(self.focused_endpoint)))
        self._report(outcome)

    def action_fault(self) -> None:
        from .screens.dialogs import FaultMenu

        target = self._fault_target()
        if target is None:
            self.notify(tr("no_flight"), severity="warning")
            return
        sid = target.id
        self.playing = False

        def done(kind: str | None) -> None:
            if kind:
                self._report(self.session.alter(sid, kind, FAULT_DELAY))

        self.push_screen(FaultMenu(sid, segment_label(target.segment, sid), FAULT_DELAY), done)

    def _fault_target(self) -> SendEvent | None:
        """The selected segment if it is still in flight, else the one in flight sent last."""
        flights = self.session.world.in_flight
        selected = self.query_one("#timeline", Timeline).selected_event()
        if isinstance(selected, SendEvent) and selected.id in flights:
            return selected
        for e in reversed(self.session.trace):
            if isinstance(e, SendEvent) and e.id in flights:
                return e
        return None

    # ------------------------------------------------------------------ files and views
    def action_load(self) -> None:
        def done(path: Path | None) -> None:
            if path is not None:
                self.load_path(path)

        self.push_screen(LoadScenario(), done)

    def load_path(self, path: Path) -> bool:
        """Open a scenario or a capture (told apart by its first bytes) in place of the current session.

        Every problem is an error notification that names the file and says what is wrong, and the
        session is left exactly as it was: nothing is replaced until the file has been read and
        checked in full. Messages are shown without markup: they quote file names and file content.
        """
        from .opening import OpenError, open_path

        try:
            opened = open_path(path)
            if opened.capture is not None:
                from ..capture.session import ImportSession

                imported: Session | None = ImportSession(opened.capture)
            else:
                imported = None
        except OpenError as exc:
            self.notify(str(exc), title="Cannot load", severity="error", timeout=10, markup=False)
            return False
        except Exception as exc:  # a reader's bug must not take the app, and the user's session, with it
            message = f"{path}: cannot be opened ({type(exc).__name__}: {exc})"
            self.notify(message, title="Cannot load", severity="error", timeout=10, markup=False)
            return False
        self.playing = False
        if imported is not None:
            self.session = imported
        else:
            assert opened.scenario is not None
            self.session.load(opened.scenario)
        scenario = self.session.scenario
        self.notify(
            f"{scenario.summary}\n{tr('loaded', name=scenario.name)} i: the whole story.", timeout=8, markup=False
        )
        if opened.capture is not None and len(opened.capture.conversations) > 1:
            count = len(opened.capture.conversations)
            self.notify(
                f"{path}: {count} TCP conversations; showing stream 0 (tcpsim import {path} --stream N for another)",
                severity="warning",
                timeout=10,
                markup=False,
            )
        self.refresh_view()
        return True

    def action_save(self) -> None:
        from .screens.dialogs import Prompt

        name = "".join(c if c.isalnum() else "-" for c in self.session.scenario.name.lower()).strip("-")
        default = f"{name or 'session'}-saved.toml"

        def done(text: str | None) -> None:
            if not text:
                return
            from .opening import user_path  # ~nosuchuser must not end the app

            path = user_path(text)
            try:
                path.write_text(self.session.to_toml(), encoding="utf-8")
            except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
                self._cannot_write(path, exc, "Cannot save")
                return
            self.notify(tr("saved", path=str(path)), markup=False)  # a typed path is not markup

        self.push_screen(Prompt(tr("save_prompt"), default), done)

    def _cannot_write(self, path: Path, exc: Exception, title: str) -> None:
        """A file the user named could not be written: say which and why, and carry on."""
        self.notify(f"{path}: {getattr(exc, 'strerror', None) or exc}", title=title, severity="error", markup=False)

    def action_export_pcap(self) -> None:
        from .screens.dialogs import Prompt

        name = "".join(c if c.isalnum() else "-" for c in self.session.scenario.name.lower()).strip("-")

        def done(text: str | None) -> None:
            if not text:
                return
            from ..export.pcap import write_pcap  # dpkt and the exporters load when first needed
            from .opening import user_path  # ~nosuchuser must not end the app

            path = user_path(text)
            try:
                count = write_pcap(self.session.trace, self.session.scenario, path)
            except (OSError, ValueError) as exc:  # ValueError: a NUL in the name
                self._cannot_write(path, exc, "Cannot export")
                return
            self.notify(
                f"{count} packets written to {path} (captured at the sender): open it in Wireshark.", markup=False
            )

        self.push_screen(Prompt("Export the segments so far as a pcap file", f"{name or 'session'}.pcap"), done)

    def action_switch_view(self) -> None:
        views = ["timeline", "diagram"] + (["log"] if self.screen.has_class("-compact") else [])
        self.view = views[(views.index(self.view) + 1) % len(views)] if self.view in views else "timeline"

    def watch_view(self, view: str) -> None:
        if not self._view_ready:
            return
        for name in ("timeline", "diagram", "log"):
            self.screen.set_class(view == name, f"-view-{name}")
        if view in ("timeline", "diagram"):
            self.query_one("#centre", ContentSwitcher).current = view
        if view == "diagram":
            self._focus_before_diagram = self.focused
            if self._diagram is None:
                self.call_next(self._show_diagram)
            else:
                self._paint_diagram()
                self._diagram.canvas.focus()
        elif self._focus_before_diagram is not None:  # the diagram had the keys: give them back
            self.call_after_refresh(self._focus_before_diagram.focus)
            self._focus_before_diagram = None

    def action_toggle_relative(self) -> None:
        self.relative = not self.relative
        self.refresh_view()

    def action_load_lab(self, config: LoadConfig | None = None) -> None:
        """The TIME-WAIT lab over the whole terminal (``config``: its first preset by default).

        The lab's module and engine are imported here, on first use: start-up never loads them.
        The session stays as it was underneath; the lab is a modal screen, so the two-endpoint
        keys cannot reach it, and escape (or q) comes back to it.
        """
        from ..lab.settings import default_config
        from .screens.lab import LoadLabScreen

        self.playing = False
        self.push_screen(LoadLabScreen(config or default_config(), clock=self._use_clock))

    def action_help(self) -> None:
        from .screens.help import Help

        self.push_screen(Help())

    def action_info(self) -> None:
        from .screens.dialogs import ScenarioInfo

        self.push_screen(ScenarioInfo(self.session.scenario))

    # ------------------------------------------------------------------ details
    def on_timeline_activated(self, message: Timeline.Activated) -> None:
        from .screens.dialogs import Details

        self.push_screen(Details(message.event))

    def on_event_log_inspect(self, message: EventLog.Inspect) -> None:
        from .screens.dialogs import Details

        self.push_screen(Details(message.event))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's own commands, and ours on the two-endpoint screen only.

        The palette opens over any screen (ctrl+p is a priority key). Over the lab or a dialog, the
        two-endpoint commands would act on the session hidden underneath (play it, step it, open
        another lab on top of this one): they are offered where their keys work, and nowhere else.
        """
        yield from super().get_system_commands(screen)
        if self.screen_stack and screen is not self.screen_stack[0]:
            return
        for command in COMMANDS:
            if command.action != "quit":
                yield SystemCommand(
                    f"{command.label} ({command.shown_key})",
                    command.description,
                    getattr(self, f"action_{command.action}"),
                )


# Importing the app is the last thing start-up does before it builds the screen. The ~50,000
# objects created so far (modules, functions, Textual's and Rich's tables, the core's classes) live
# as long as the process: out of the cyclic collector's sight, they no longer make its first full
# collection, which otherwise lands while the first frame is drawn, cost ~12 ms, nor each later one.
gc.freeze()
