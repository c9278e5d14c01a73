"""The tcpsim app: two endpoint panes around a live timeline, an event log, and the keys.

The app is a dispatcher. It owns one session (a :class:`~tcpsim.scenario.view.SessionProtocol`:
a live world, or a capture being stepped through) and the settings of what is shown (the focused
endpoint, the speed, the centre view, relative numbers). Every key becomes one call on the
session; after each, the session's :class:`~tcpsim.scenario.view.View` is handed to every widget
to draw. Widgets post intents (messages) and never change protocol state; nothing here reaches
into a world or a TCB (tests/ui/test_view_boundary.py checks it).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from textual import events
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Static

from ..core.names import EndpointName, peer_of
from ..core.states import State
from ..i18n import _
from ..scenario import Scenario
from ..scenario.session import Session
from ..scenario.view import SessionProtocol, View, WalkKey
from . import access
from .access import Local
from .census_actions import CensusActions, CensusSource
from .commands import COMMANDS, bindings, translate_bindings
from .files import FileActions
from .intents import EndpointActions
from .layout import MIN_HEIGHT, MIN_WIDTH, Layout, layout_for
from .predict import PredictActions
from .stacks import StackActions, pane_title
from .toasts import Toasts
from .widgets.endpoint import EndpointPane
from .widgets.eventlog import EventLog
from .widgets.footer import KeyBar
from .widgets.rows import Rows
from .widgets.timeline import Timeline
from .words import dead_end, failure_words, fault_badge, pane_hint, status_line, time_wait_words

if TYPE_CHECKING:
    from ..lab.model import LoadConfig
    from .screens.lab import LoadLabScreen
    from .widgets.diagram import StateDiagram

# The dialogs, the help screen and the TIME-WAIT lab (with the lab's engine) are imported where they
# are opened: start-up needs none of them.

SPEEDS = (0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 50.0)
DEFAULT_SPEED = 3  # 0.2×: a 0.1 s hop takes half a second, slow enough to watch a segment travel
IDLE_FACTOR = 20.0
"""While nothing is in flight, play runs this much faster: waiting out an RTO or 2·MSL is dull."""
FRAME = 1 / 30
"""Textual's toasts: 60 cells wide at most half the screen, of which padding and border take 3."""
FIRST_VIEW = "timeline"
"""The centre view the app opens on."""
FIRST_ENDPOINT: EndpointName = "client"
"""The endpoint user commands go to when the app opens."""


class TcpsimApp(FileActions, EndpointActions, StackActions, PredictActions, CensusActions, Toasts, App[None]):
    """Interactive simulator of two TCP endpoints."""

    CSS_PATH = "tcpsim.tcss"
    TITLE = "tcpsim"
    BINDINGS = bindings()

    playing: reactive[bool] = reactive(False)
    speed_index: reactive[int] = reactive(DEFAULT_SPEED)
    focused_endpoint: reactive[EndpointName] = reactive(FIRST_ENDPOINT)
    relative: reactive[bool] = reactive(False)
    view: reactive[str] = reactive(FIRST_VIEW)
    """The centre view the user chose: timeline, diagram, or (on narrow terminals) the log."""

    def __init__(
        self,
        scenario: Scenario | None = None,
        *,
        clock: bool = True,
        session: SessionProtocol | None = None,
        lab: LoadLabScreen | None = None,
        files: Local | None = None,
        census: CensusSource | None = None,
    ) -> None:
        """``lab``: open on this TIME-WAIT lab screen (``tcpsim load --ui``); leaving it ends the app.
        ``census``: open on this capture's census (``tcpsim import FILE``, several conversations).
        ``files``: where the load and save commands may reach (tcpsim.ui.access; by default the
        policy the process was started with: any path in a terminal, confined when served)."""
        super().__init__()
        translate_bindings(self)
        self.files = files if files is not None else access.current()
        self._lab_only = lab
        self._census_first = census
        self.session: SessionProtocol = session if session is not None else Session(scenario)
        self._announced = 0
        self._last_frame = time.monotonic()
        self._use_clock = clock
        self._diagram_slot = Vertical(id="diagram")
        self._diagram: StateDiagram | None = None
        """The state diagram, once composed and mounted (on its first showing: _show_diagram)."""
        self._layout = Layout.WIDE
        self._status_line = ""
        self._too_small: Static | None = None
        self._welcome_toast = ""
        """The welcome toast as shown."""
        self._present_toasts = []
        self._screen_ready = False
        """The screen is composed, so the watchers can reach the widgets."""

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """``$client`` and ``$server``, each endpoint's colour in TCSS (the timeline's lanes and the
        state diagram's lit states). A theme may set its own."""
        if self.current_theme.dark:
            return {"client": "#58D1EB", "server": "#F4005F"}
        return {"client": "#0083B2", "server": "#E64CE6"}

    # ------------------------------------------------------------------ layout
    def get_default_screen(self) -> Screen:
        """The screen, born with the classes of the first view and of the terminal's layout (given
        before anything is styled, they cost nothing; set at mount they would restyle the whole DOM
        before the first frame)."""
        self._layout = layout_for(self.size.width, self.size.height)
        classes = [f"-view-{FIRST_VIEW}", self._layout.value]
        if self._layout in (Layout.COMPACT, Layout.NARROW):
            classes.append("-compact")
        return Screen(id="_default", classes=" ".join(classes))

    def compose(self) -> ComposeResult:
        # The panes are born focused or not and in their first state, so that mounting styles them once.
        states = {name: ep.state for name, ep in self.session.view.endpoints.items()}
        self._status_line = status_line(self.session.view, False, SPEEDS[DEFAULT_SPEED], FIRST_ENDPOINT)
        yield Static(self._status_line, id="status", markup=False)
        with Horizontal(id="main"):
            yield EndpointPane("client", focused=FIRST_ENDPOINT == "client", state=states["client"])
            with ContentSwitcher(initial=FIRST_VIEW, id="centre"):
                yield Timeline(id="timeline")
                # The state diagram (some thirty widgets) is composed the first time it is shown.
                yield self._diagram_slot
            yield EndpointPane("server", focused=FIRST_ENDPOINT == "server", state=states["server"])
        yield EventLog(id="log")
        yield KeyBar(self.size.width, read_only=self.session.view.read_only, id="keys")

    def on_mount(self) -> None:
        self.call_after_refresh(self._first_frame_drawn)
        self._screen_ready = True
        timeline = self.query_one("#timeline", Timeline)
        timeline.border_title = _("Timeline")
        self.query_one("#diagram").border_title = _("State diagram")
        self.query_one("#log", EventLog).border_title = _("Event log")
        self._ticker = self.set_interval(FRAME, self._tick, pause=True)
        self.on_resize()
        self.publish()
        timeline.focus()
        if self._lab_only is not None:
            # `tcpsim load --ui`: the lab is what was asked for, and leaving it is leaving tcpsim.
            self.push_screen(self._lab_only, lambda _: self.exit())
            return
        if self._census_first is not None:
            self.open_census(self._census_first, leave=False)  # the census is the welcome
            return
        self.call_after_refresh(self._welcome)

    def _first_frame_drawn(self) -> None:
        """The cyclic collector, held off by tcpsim.ui.quiet_start while the app starts, runs again.
        (A method and not ``gc.enable`` itself: Textual reads a callback's signature, and a builtin's
        costs a parse of its text signature.)"""
        gc.enable()

    def _welcome(self) -> None:
        """The scenario's summary and the first keys, as a toast once the screen is first drawn."""
        scenario = self.session.scenario
        keys = _("n step · space play · i the story · ? help")
        message = f"{_(scenario.summary)}\n{keys}" if scenario.summary else keys
        # a bundled scenario's name and summary are messages of the catalogue
        self._welcome_toast = self._toast_text(message)
        start = self.session.view.trace.length  # the sandbox's says who is closed: true until the first step
        self.notify_while(message, lambda view: view.trace.length == start, title=_(scenario.name), timeout=8)

    def _unwelcome(self) -> None:
        """The help and the story answer the welcome toast's keys: it steps aside rather than cover them."""
        self._withdraw(lambda text: text == self._welcome_toast)

    def on_resize(self, event: events.Resize | None = None) -> None:
        """Lay the two-endpoint screen out for the terminal's size (even while a dialog or the lab
        covers it, so that it fits when it comes back), keeping the view the user chose."""
        size = event.size if event is not None else self.size
        self._layout = layout_for(size.width, size.height)
        home = self.screen_stack[0] if self.screen_stack else self.screen
        for layout in Layout:
            home.set_class(layout is self._layout, layout.value)
        home.set_class(self._layout in (Layout.COMPACT, Layout.NARROW), "-compact")
        main = home.query_one("#main")
        server, centre = home.query_one("#server"), home.query_one("#centre")
        stacked = home.has_class("-compact")
        if stacked and main.children.index(server) > main.children.index(centre):
            main.move_child(server, before=centre)
        elif not stacked and main.children.index(server) < main.children.index(centre):
            main.move_child(server, after=centre)
        if self._layout is Layout.TOO_SMALL:
            message = _("tcpsim needs a terminal of at least {min_w}×{min_h}; this one is {w}×{h}.").format(
                min_w=MIN_WIDTH, min_h=MIN_HEIGHT, w=size.width, h=size.height
            )
            if self._too_small is None:  # made when first needed: start-up need not build it
                self._too_small = Static(message, id="too-small", markup=False)
                home.mount(self._too_small, before=home.query_one("#keys"))
            else:
                self._too_small.update(message)
        self._arrange_panes()
        self._arrange_view()
        if self._screen_ready:
            self.publish()

    def _arrange_panes(self) -> None:
        home = self.screen_stack[0] if self.screen_stack else self.screen
        narrow = self._layout is Layout.NARROW
        for pane in home.query(EndpointPane):
            name = cast(EndpointName, pane.endpoint_name)
            pane.set_focused(name == self.focused_endpoint)
            pane.set_class(narrow and name != self.focused_endpoint, "-away")
            pane.border_title = pane_title(self.session.view, name, narrow)

    def _arrange_view(self) -> None:
        """Show the chosen view as this layout can: the log is a view of its own only when stacked."""
        if not self._screen_ready:
            return
        home = self.screen_stack[0]
        stacked = home.has_class("-compact")
        view = self.view if self.view != "log" or stacked else "timeline"
        for name in ("timeline", "diagram", "log"):
            home.set_class(self.view == name, f"-view-{name}")
        switcher = home.query_one("#centre", ContentSwitcher)
        switcher.current = "diagram" if view == "diagram" else "timeline"
        if view == "diagram":
            if self._diagram is None:
                self.call_next(self._show_diagram)
            else:
                self._paint_diagram()
                if self.screen is home:
                    self._diagram.canvas.focus()
        elif self.screen is home:
            home.query_one("#log" if view == "log" else "#timeline").focus()

    # ------------------------------------------------------------------ drawing
    def publish(self) -> None:
        """Hand every widget the session's view as it is now."""
        view = self.session.view
        home = self.screen_stack[0] if self.screen_stack else self.screen
        focus = self.focused_endpoint
        self._show_stacks(view, self._layout is Layout.NARROW)
        for pane in home.query(EndpointPane):
            name = cast(EndpointName, pane.endpoint_name)
            badges = [fault_badge(f) for f in view.faults if f.sender == name]
            pane.show(
                view.endpoints[name],
                view.t,
                relative=self.relative,
                msl=view.msl,
                hint=pane_hint(view, name, focus) if name == focus else "",
                badge="\n".join(badges),
                compact=self._layout in (Layout.COMPACT, Layout.NARROW),
                puppet=view.source == "script" and not view.stacks[name],
                stack=view.stacks[name],
            )
        home.query_one("#timeline", Timeline).show(view, relative=self.relative)
        home.query_one("#log", EventLog).show(view, relative=self.relative)
        if self.view == "diagram":
            self._paint_diagram()
        home.query_one("#keys", KeyBar).show_read_only(view.read_only)
        self._withdraw_stale(view)
        self._announce_checks(view)
        self._status(view)
        self._predict_end()

    def _status(self, view: View | None = None) -> None:
        line = status_line(view or self.session.view, self.playing, SPEEDS[self.speed_index], self.focused_endpoint)
        if score := self._predict_status():  # predict mode's score, first: a narrow line still shows it
            line = f"{score} · {line}"
        if line != self._status_line:
            self._status_line = line
            self.query_one("#status", Static).update(line, layout=False)  # one line, whatever it says

    def _paint_diagram(self) -> None:
        """Bring the state diagram up to date, once it exists (_show_diagram paints it when it does)."""
        if self._diagram is None:
            return
        view = self.session.view
        states: dict[str, State] = {name: ep.state for name, ep in view.endpoints.items()}
        last: dict[str, WalkKey | None] = {name: ep.last for name, ep in view.endpoints.items()}
        self._diagram.show(states, last, view.walked, self.focused_endpoint)

    async def _show_diagram(self) -> None:
        """Compose the state diagram on its first showing, then paint it."""
        if self._diagram is None:
            from .widgets.diagram import StateDiagram  # its module too is loaded on first use

            diagram = StateDiagram(id="state-diagram")
            await self._diagram_slot.mount(diagram)
            self._diagram = diagram
        if self.view == "diagram":
            self._paint_diagram()
            if self.screen is self.screen_stack[0]:
                self._diagram.canvas.focus()  # so that the arrow and page keys scroll it

    def _announce_checks(self, view: View) -> None:
        failed = view.checks.failed
        self._announced = min(self._announced, len(failed))
        for c in failed[self._announced :]:
            title, message = failure_words(c)
            self.notify(message, title=title, severity="error")
        self._announced = len(failed)

    def _say_dead_end(self) -> None:
        """Why nothing more happens by itself, and what the user can do, while that is so."""
        view = self.session.view
        present = (view.t, view.trace.length)
        message = dead_end(view, self.focused_endpoint)
        self.notify_while(message, lambda view: (view.t, view.trace.length) == present)

    # ------------------------------------------------------------------ time
    def _tick(self) -> None:
        now = time.monotonic()
        elapsed, self._last_frame = now - self._last_frame, now
        if not self.playing:
            return
        session = self.session
        factor = SPEEDS[self.speed_index] * (1.0 if session.view.flights else IDLE_FACTOR)
        target = session.view.t + min(elapsed, 0.25) * factor
        if self._predict_play(target):  # stopped before a state change to ask which state comes next
            return
        session.advance_to(target)
        if session.view.finished:
            self.playing = False
            self._say_dead_end()
        self.publish()

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
        if not self.playing and self.session.view.finished:
            self._say_dead_end()
            return
        self.playing = not self.playing

    def action_step(self) -> None:
        self.playing = False
        if self._predict_step():  # predict mode asks first; its answer takes the step
            return
        if not self.session.step():
            self._say_dead_end()
        self.publish()

    def action_step_back(self) -> None:
        self.playing = False
        if not self.session.back():
            self.notify(_("Already at the beginning."))
        self.publish()

    def action_faster(self) -> None:
        self.speed_index = min(len(SPEEDS) - 1, self.speed_index + 1)
        self._status()

    def action_slower(self) -> None:
        self.speed_index = max(0, self.speed_index - 1)
        self._status()

    def action_restart(self) -> None:
        self.playing = False
        self.session.restart()
        self._predict_reset()
        self.publish()

    # ------------------------------------------------------------------ endpoint commands
    def action_switch_endpoint(self) -> None:
        self.focused_endpoint = peer_of(self.focused_endpoint)

    def watch_focused_endpoint(self, name: EndpointName) -> None:
        if self._screen_ready:
            self._arrange_panes()
            self.publish()  # the hint moves to the focused pane; the diagram's caption follows it

    # ------------------------------------------------------------------ views
    def action_switch_view(self) -> None:
        views = ["timeline", "diagram"] + (["log"] if self.screen_stack[0].has_class("-compact") else [])
        self.view = views[(views.index(self.view) + 1) % len(views)] if self.view in views else "timeline"

    def watch_view(self, view: str) -> None:
        self._arrange_view()

    def action_toggle_relative(self) -> None:
        self.relative = not self.relative
        self.publish()

    def action_load_lab(self, config: LoadConfig | None = None) -> None:
        """The TIME-WAIT lab over the whole terminal (``config``: its first preset by default); the
        session stays as it was underneath, and escape (or q) comes back to it."""
        from ..lab.settings import default_config
        from .screens.lab import LoadLabScreen

        self.playing = False
        self.push_screen(LoadLabScreen(config or default_config(), clock=self._use_clock))

    def action_help(self) -> None:
        from .screens.help import Help

        self._unwelcome()
        self.push_screen(Help())

    def action_info(self) -> None:
        from .screens.dialogs import ScenarioInfo

        self._unwelcome()
        self.push_screen(ScenarioInfo(self.session.scenario, time_wait_words(self.session.view)))

    # ------------------------------------------------------------------ selection and details
    def on_rows_selected(self, message: Rows.Selected) -> None:
        """The timeline and the log show the same history: a selection in one is shown in the other."""
        for rows in self.query(Rows):
            if rows is not message._sender:
                rows.select_position(message.index)

    def on_rows_followed(self, message: Rows.Followed) -> None:
        """``end`` in one list brings the other back to the present too."""
        for rows in self.query(Rows):
            if rows is not message._sender:
                rows.follow_present()

    def on_rows_activated(self, message: Rows.Activated) -> None:
        from .screens.dialogs import Details

        timeline = self.query_one("#timeline", Timeline)
        index, event = message.index, message.event
        numbers, label = timeline.relative_numbers(index, event), timeline.segment_label(index, event)
        self.push_screen(Details(event, numbers, label, self.session.view.stacks))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        """Textual's own commands, and ours on the two-endpoint screen only (over the lab or a
        dialog they would act on the session hidden underneath)."""
        for textual in super().get_system_commands(screen):  # its words are in our catalogue (TEXTUAL_WORDS)
            yield textual._replace(title=_(textual.title), help=_(textual.help))
        if self.screen_stack and screen is not self.screen_stack[0]:
            return
        for command in COMMANDS:
            if command.action != "quit":
                yield SystemCommand(
                    f"{command.title} ({command.shown_key})",
                    command.help,
                    getattr(self, f"action_{command.action}"),
                )

    def action_command_palette(self) -> None:
        """Textual's command palette, its search field's placeholder in the user's language."""
        from textual.command import CommandPalette

        if self.use_command_palette and not CommandPalette.is_open(self):  # type: ignore[arg-type]
            self.push_screen(CommandPalette(id="--command-palette", placeholder=_("Search for commands…")))
