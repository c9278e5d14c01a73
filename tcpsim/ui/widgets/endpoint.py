"""One endpoint's pane: its state, large and coloured by phase; what that state means; the TCB;
the buffers and retransmission queue; every running timer with a live countdown.

The pane only reads an :class:`~tcpsim.core.tcb.Endpoint`; it never changes one.
"""

from __future__ import annotations

from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.reactive import reactive
from textual.widgets import Static

from ...core import seq as sq
from ...core.segment import Flags, format_flags
from ...core.states import State
from ...core.tcb import Endpoint
from ..i18n import describe_state, hint, tr

BAR_WIDTH = 24


def countdown_bar(remaining: float, total: float, width: int = BAR_WIDTH) -> str:
    """``█████░░░░`` draining as the time runs out."""
    fraction = 0.0 if total <= 0 else max(0.0, min(1.0, remaining / total))
    full = round(fraction * width)
    return "█" * full + "░" * (width - full)


class RenderedOnce:
    """A Rich renderable whose lines are worked out once per width, however often they are asked for.

    Textual renders a Static's Rich content to measure its height at every layout, and again to
    draw it: before the first frame, each pane's TCB table was laid out six times (a millisecond
    each). A table's lines depend on the width and not on the height it is given (Rich renders
    its rows with ``height=None``), so the lines from the first render serve every later one.
    """

    def __init__(self, renderable: Table) -> None:
        self.renderable = renderable
        self._lines: dict[tuple[object, ...], list[Segment]] = {}

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        key = (
            id(console),
            options.size,
            options.min_width,
            options.max_width,
            options.is_terminal,
            options.encoding,
            options.legacy_windows,
            options.justify,
            options.overflow,
            options.no_wrap,
            options.highlight,
            options.markup,
        )  # every option but height and max_height
        lines = self._lines.get(key)
        if lines is None:
            lines = self._lines[key] = list(console.render(self.renderable, options))
        return lines

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.renderable)


PHASE_CLASSES = ("-opening", "-established", "-closing", "-closed", "-time-wait")
"""The state banner's classes, which colour it by the state's phase (tcpsim.tcss)."""


def _phase_classes(state: State) -> tuple[str, ...]:
    """The banner's classes for ``state``: its phase, and ``-time-wait`` in TIME-WAIT."""
    return (f"-{state.phase}", "-time-wait") if state is State.TIME_WAIT else (f"-{state.phase}",)


def _show(value: int, base: int, relative: bool) -> str:
    return str(sq.diff(sq.seq(value), sq.seq(base)) if relative else value)


class EndpointPane(VerticalScroll):
    """The live view of one endpoint."""

    DEFAULT_CSS = """
    EndpointPane { height: 1fr; }
    EndpointPane .state { width: 1fr; height: 3; content-align: center middle; text-style: bold; }
    EndpointPane .description { color: $text-muted; margin: 0 0 1 0; }
    """

    focused_endpoint: reactive[bool] = reactive(False)
    """Whether user commands go to this endpoint (shown with the accent border)."""

    def __init__(self, name: str, *, focused: bool = False, state: State = State.CLOSED) -> None:
        """``focused`` and ``state`` are what the pane first shows: given here, they are styled with
        everything else, where setting them after mount would restyle the pane once more each."""
        super().__init__(id=name, classes="endpoint -focused" if focused else "endpoint")
        self.endpoint_name = name
        self.border_title = tr(name)
        self._state = state
        self.set_reactive(EndpointPane.focused_endpoint, focused)  # its watcher's work is done above
        self._subtitle()

    def compose(self) -> ComposeResult:
        yield Static("", classes=" ".join(("state", *_phase_classes(self._state))), id=f"{self.endpoint_name}-state")
        yield Static("", classes="description", id=f"{self.endpoint_name}-description")
        yield Static("", classes="tcb", id=f"{self.endpoint_name}-tcb")
        yield Static("", classes="timers", id=f"{self.endpoint_name}-timers")
        yield Static("", classes="queues", id=f"{self.endpoint_name}-queues")

    def watch_focused_endpoint(self, focused: bool) -> None:
        self.set_class(focused, "-focused")
        self._subtitle()

    def _subtitle(self) -> None:
        """The focused pane says what its keys would do now; the other stays quiet."""
        self.border_subtitle = f"▸ {hint(self._state, self.endpoint_name)}" if self.focused_endpoint else ""

    def show(self, ep: Endpoint, now: float, *, relative: bool, msl: float, restarts: int) -> None:
        """Render the endpoint as it is at ``now``."""
        state = ep.state
        if state is not self._state:
            self._state = state
            self._subtitle()
        banner = self.query_one(".state", Static)
        banner.update(state.value)
        classes = _phase_classes(state)
        for name in PHASE_CLASSES:
            banner.set_class(name in classes, name)
        self.query_one(".description", Static).update(describe_state(state))
        self.query_one(".tcb", Static).update(self._tcb(ep, relative))
        self.query_one(".timers", Static).update(self._timer_text(ep, now, msl, restarts))
        self.query_one(".queues", Static).update(self._queues(ep, relative))

    def _tcb(self, ep: Endpoint, relative: bool) -> RenderedOnce:
        has_tcb = ep.state is not State.CLOSED
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold")
        table.add_column(justify="right")
        table.add_column(style="bold")
        table.add_column(justify="right")
        style = "" if has_tcb else "dim"
        table.add_row("ISS", Text(str(ep.iss), style=style), "IRS", Text(str(ep.irs), style=style))
        table.add_row(
            "SND.UNA",
            Text(_show(ep.snd_una, ep.iss, relative), style=style),
            "RCV.NXT",
            Text(_show(ep.rcv_nxt, ep.irs, relative), style=style),
        )
        table.add_row(
            "SND.NXT",
            Text(_show(ep.snd_nxt, ep.iss, relative), style=style),
            "RCV.WND",
            Text(str(ep.rcv_wnd), style=style),
        )
        table.add_row("SND.WND", Text(str(ep.snd_wnd), style=style), "", "")
        table.title = f"{tr('tcb')} ({tr('relative') if relative else tr('absolute')})"
        table.title_justify = "left"
        table.title_style = "dim"
        return RenderedOnce(table)

    def _timer_text(self, ep: Endpoint, now: float, msl: float, restarts: int) -> Text:
        text = Text()
        if not ep.timers:
            return Text(tr("no_timers"), style="dim")
        if "rto" in ep.timers:
            left = max(0.0, ep.timers["rto"] - now)
            text.append(f"◔ {tr('rto')} ", style="bold")
            text.append(f"{left:5.2f} s", style="yellow")
            text.append(f"  (RTO {ep.rto:g} s, retry {ep.retries})\n", style="dim")
        if "2msl" in ep.timers:
            total = 2 * msl
            left = max(0.0, ep.timers["2msl"] - now)
            text.append(f"◔ {tr('time_wait_bar')} ", style="bold magenta")
            text.append(f"{left:6.2f} s\n", style="magenta")
            text.append(countdown_bar(left, total), style="magenta")
            if restarts:
                text.append(f"  ↻ {tr('restarted')} ×{restarts}", style="bold yellow")
        return text

    def _queues(self, ep: Endpoint, relative: bool) -> Text:
        text = Text()
        text.append(f"{tr('send_buffer')}: ", style="bold")
        text.append(repr(bytes(ep.send_buffer).decode("utf-8", "replace")) if ep.send_buffer else tr("empty"))
        text.append(f"\n{tr('received')}: ", style="bold")
        received = bytes(ep.received).decode("utf-8", "replace")
        text.append(repr(received[-40:]) if received else tr("empty"), style="green" if received else "")
        if ep.held:
            held = ", ".join(
                f"{_show(h.seq, ep.irs, relative)}+{len(h.data)}{' FIN' if h.fin else ''}" for h in ep.held
            )
            text.append(f"\n{tr('held')}: ", style="bold")
            text.append(held, style="yellow")
        text.append(f"\n{tr('rtx_queue')}:", style="bold")
        if not ep.retransmission_queue:
            text.append(f" {tr('empty')}")
        for entry in ep.retransmission_queue[:6]:
            ctl = format_flags(entry.flags & (Flags.SYN | Flags.FIN))
            label = f"{len(entry.data)} bytes" + (f" + {ctl}" if ctl else "") if entry.data else ctl
            text.append(f"\n  {_show(entry.seq, ep.iss, relative)}: {label}", style="yellow")
        if len(ep.retransmission_queue) > 6:
            text.append(f"\n  … {len(ep.retransmission_queue) - 6} more", style="dim")
        return text
