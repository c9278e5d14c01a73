"""One endpoint's pane: its state, large and coloured by phase; what that state means; an armed
fault; the TCB; the buffers and retransmission queue; every running timer with a live countdown;
and, in the focused pane, what the keys would usefully do now.

The pane draws an :class:`~tcpsim.scenario.view.EndpointView` it is given; it never sees an
endpoint itself. Colours are component classes, styled in TCSS from the theme's variables.
"""

from __future__ import annotations

from typing import ClassVar

from rich.console import Console, ConsoleOptions, Group, RenderableType, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from ...core.segment import Flags, format_flags
from ...core.states import State
from ...i18n import _, ngettext
from ...richtext import Wrapped
from ...scenario.view import EndpointView
from ...sim.wording import who
from ...wrapping import cell_width, wrap
from ..numbers import relative as rel
from ..words import data_text, fixed_time_wait, state_meaning, timer_name

BAR_WIDTH = 24
LABEL = Style(bold=True)
"""Labels are bold, in the text's own colour."""
WIDE_TCB = 32
"""Below this many columns the TCB is listed one variable per row, so no label is ever cut."""


def countdown_bar(remaining: float, total: float, width: int = BAR_WIDTH) -> str:
    """``█████░░░░`` draining as the time runs out."""
    fraction = 0.0 if total <= 0 else max(0.0, min(1.0, remaining / total))
    full = round(fraction * width)
    return "█" * full + "░" * (width - full)


class TcbTable:
    """The TCB variables (RFC 9293 §3.3.1) as a table that fits its width: two pairs a row when
    there is room, one variable a row when not. Its lines are worked out once per width: Textual
    renders a Static's content to measure it and again to draw it."""

    def __init__(self, rows: list[tuple[str, str]], title: str, dim: bool, label: Style) -> None:
        self.rows, self.title, self.dim, self.label = rows, title, dim, label
        self._lines: dict[tuple[int, int], list[Segment]] = {}

    def _table(self, wide: bool) -> Table:
        table = Table.grid(padding=(0, 2) if wide else (0, 1))
        style = "dim" if self.dim else ""
        columns = 2 if wide else 1
        for _column in range(columns):
            table.add_column(style=self.label, no_wrap=True)
            table.add_column(justify="right", no_wrap=True)
        cells = [(Text(name), Text(value, style=style)) for name, value in self.rows]
        for i in range(0, len(cells), columns):
            chunk = cells[i : i + columns]
            table.add_row(*(cell for pair in chunk for cell in pair), *([""] * 2 * (columns - len(chunk))))
        table.title, table.title_justify, table.title_style = self.title, "left", "dim"
        return table

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        key = (id(console), options.max_width)
        lines = self._lines.get(key)
        if lines is None:
            table = self._table(options.max_width >= WIDE_TCB)
            lines = self._lines[key] = list(console.render(table, options))
        return lines

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self._table(options.max_width >= WIDE_TCB))


class Drawn:
    """A renderable drawn once per set of console options, then replayed: the pane's body is drawn
    to learn its height (_update_body), by Textual to lay it out, and again to paint it; the text
    is the same each time, so only the first does the work of wrapping and the TCB's table."""

    def __init__(self, renderable: RenderableType) -> None:
        self.renderable = renderable
        self._lines: dict[tuple[object, ...], list[Segment]] = {}

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        key = (id(console), options.min_width, options.max_width, options.height, options.justify, options.overflow)
        lines = self._lines.get(key)
        if lines is None:
            lines = self._lines[key] = list(console.render(self.renderable, options))
        return lines

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement.get(console, options, self.renderable)


class Hint:
    """The focused pane's hint, "▸ s send · c close · a abort · d drop next", wrapped at its width
    between its phrases and never inside one that fits a line (a learner reads "d" at the end of a
    line and "drop next" under it as two things)."""

    def __init__(self, text: str, style: Style) -> None:
        self.text, self.style = text, style

    def lines(self, width: int) -> list[str]:
        lines: list[str] = []
        line = ""
        for phrase in self.text.split(" · "):
            candidate = f"{line} · {phrase}" if line else f"▸ {phrase}"
            if not line or cell_width(candidate) <= width:
                line = candidate
            else:
                lines.append(line)
                line = f"  · {phrase}"
        lines.append(line)
        return [part for line in lines for part in (wrap(line, width) if cell_width(line) > width else [line])]

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        yield Text("\n".join(self.lines(options.max_width)), style=self.style)

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(1, options.max_width)


def puppet_text() -> str:
    """What a packetdrill script's remote peer is, in its pane."""
    return _(
        "Not a TCP: the script's remote peer, a puppet. It sends each < line of the script as written (⚡ on "
        "the timeline) and answers nothing by itself; what the stack under test sends it is checked by the "
        "script's > lines."
    )


PHASE_CLASSES = ("-opening", "-established", "-closing", "-closed", "-time-wait")
"""The state banner's classes, which colour it by the state's phase (tcpsim.tcss)."""


def _phase_classes(state: State) -> tuple[str, ...]:
    """The banner's classes for ``state``: its phase, and ``-time-wait`` in TIME-WAIT."""
    return (f"-{state.phase}", "-time-wait") if state is State.TIME_WAIT else (f"-{state.phase}",)


class EndpointPane(VerticalScroll, can_focus=False):
    """The live view of one endpoint. Not focusable: the arrow keys belong to the timeline."""

    DEFAULT_CSS = """
    EndpointPane { height: 1fr; }
    EndpointPane .state { width: 1fr; height: 3; content-align: center middle; text-style: bold; }
    """
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "endpoint--warn",
        "endpoint--time-wait",
        "endpoint--good",
        "endpoint--muted",
        "endpoint--bad",
        "endpoint--hint",
    }
    """Few, each a colour of the theme: every component class costs a styling pass at start-up."""

    def __init__(self, name: str, *, focused: bool = False, state: State = State.CLOSED) -> None:
        """``focused`` and ``state`` are what the pane first shows: given here, they are styled with
        everything else, where setting them after mount would restyle the pane once more each."""
        super().__init__(id=name, classes="endpoint -focused" if focused else "endpoint")
        self.endpoint_name = name
        self.border_title = who(name)
        self._state = state
        self._shown: tuple[object, ...] = ()
        self._parts: dict[str, object] = {}
        """What each part shows now, so that an unchanged one is left alone."""

    def compose(self) -> ComposeResult:
        # Two widgets: the banner (coloured by the state's phase, a class) and everything else as one
        # Static (each widget costs start-up its styling, layout and first render).
        name = self.endpoint_name
        yield Static("", classes=" ".join(("state", *_phase_classes(self._state))), id=f"{name}-state")
        yield Static("", classes="body", id=f"{name}-body")

    def set_focused(self, focused: bool) -> None:
        self.set_class(focused, "-focused")

    @property
    def hint_text(self) -> str:
        """The hint the pane shows now ("" when it is not the focused endpoint's)."""
        return str(self._parts.get("hint", ""))

    def show(
        self,
        ep: EndpointView,
        now: float,
        *,
        relative: bool,
        msl: float,
        hint: str,
        badge: str,
        compact: bool = False,
        puppet: bool = False,
        stack: str = "",
    ) -> None:
        """Draw the endpoint as ``ep`` says it is at ``now``, and nothing when nothing changed. The
        screen is laid out again only when the pane's text changed height: a key press that moves
        one number costs one repaint, not a layout of the whole screen.

        Under the banner: the armed fault (``badge``), what the keys would do now (``hint``), what
        the state means (not when ``compact``: the stacked layout's panes are short), the TCB, the
        timers, the buffers and the retransmission queue.

        ``puppet``: a packetdrill script's remote peer, which is no TCP (its TCB would be all
        zeros): the banner says so, and the body says what it is instead of a state's meaning.
        ``stack``: the stack playing the endpoint, which names its TIME-WAIT timer."""
        shown = (ep, now if ep.timers else None, relative, msl, hint, badge, compact, puppet, stack)
        if shown == self._shown:
            return
        self._shown = shown
        state = ep.state
        if state is not self._state or not self._parts or self._parts.get("puppet") != puppet:
            self._state = state
            self._parts["puppet"] = puppet
            banner = self.query_one(".state", Static)
            banner.update(_("REMOTE PEER") if puppet else state.value, layout=False)  # its height is fixed (CSS)
            classes = _phase_classes(state)
            for name in PHASE_CLASSES:
                banner.set_class(name in classes, name)
        self._parts["hint"] = hint
        style = self.get_component_rich_style
        parts: list[RenderableType] = []
        if badge:  # wrapped as Chinese wraps, not only at spaces (tcpsim.richtext)
            parts.append(Wrapped(Text(badge, style=style("endpoint--bad") + LABEL)))
        if hint:
            parts.append(Hint(hint, style("endpoint--hint")))
        if puppet:
            parts.append(Wrapped(puppet_text(), style=style("endpoint--muted")))  # CJK-aware: Chinese too
            self._update_body(Drawn(Group(*parts)))
            return
        if not compact:
            parts.append(Wrapped(Text(state_meaning(state, stack), style=style("endpoint--muted"))))
        gap = [] if compact else [Text()]
        if parts and not compact:
            parts.append(Text())
        timers, queues = Wrapped(self._timer_text(ep, now, msl, stack)), Wrapped(self._queues(ep, relative))
        parts += [self._tcb(ep, relative), *gap, timers, *gap, queues]
        self._update_body(Drawn(Group(*parts)))

    def _update_body(self, body: Drawn) -> None:
        widget = self.query_one(".body", Static)
        width = widget.content_region.width
        height = len(self.app.console.render_lines(body, self.app.console.options.update_width(width))) if width else -1
        widget.update(body, layout=height != self._parts.get("height") or width <= 0)
        self._parts["height"] = height

    def _tcb(self, ep: EndpointView, relative: bool) -> TcbTable:
        def seq(value: int, base: int) -> str:
            return str(rel(value, base) if relative else value)

        rows = [
            ("ISS", str(ep.iss)),
            ("IRS", str(ep.irs)),
            ("SND.UNA", seq(ep.snd_una, ep.iss)),
            ("RCV.NXT", seq(ep.rcv_nxt, ep.irs)),
            ("SND.NXT", seq(ep.snd_nxt, ep.iss)),
            ("RCV.WND", str(ep.rcv_wnd)),
            ("SND.WND", str(ep.snd_wnd)),
        ]
        title = _("TCB (relative)") if relative else _("TCB (absolute)")
        return TcbTable(rows, title, ep.state is State.CLOSED, Style(bold=True))

    def _timer_text(self, ep: EndpointView, now: float, msl: float, stack: str) -> Text:
        style = self.get_component_rich_style
        if not ep.timers:
            return Text(_("no timer running"), style=style("endpoint--muted"))
        text = Text()
        rto = ep.timer("rto")
        if rto is not None:
            text.append("◔ RTO ", style=LABEL)
            text.append(f"{max(0.0, rto - now):5.2f} s", style=style("endpoint--warn"))
            detail = _("  (RTO {rto} s, retry {retries})").format(rto=f"{ep.rto:g}", retries=ep.retries)
            text.append(detail + "\n", style=style("endpoint--muted"))
        for name in ("delack", "finwait2"):  # a stack personality's own timers (Linux L5, L10)
            deadline = ep.timer(name)
            if deadline is not None:
                text.append(f"◔ {timer_name(name)} ", style=LABEL)
                text.append(f"{max(0.0, deadline - now):5.2f} s\n", style=style("endpoint--warn"))
        wait = ep.timer("2msl")
        if wait is not None:
            left = max(0.0, wait - now)
            tw = style("endpoint--time-wait")
            length = ep.time_wait or 2 * msl
            # 2·MSL, RFC 9293's wait, or the stack's own constant (Linux's 60 s, even where 2·MSL is 60 s too)
            label = "TIME-WAIT 2·MSL" if fixed_time_wait(stack) is None else f"TIME-WAIT {length:g} s"
            text.append(f"◔ {label} ", style=LABEL + tw)
            text.append(f"{left:6.2f} s\n", style=tw)
            text.append(countdown_bar(left, length), style=tw)
            if ep.restarts:
                restarted = _("  ↻ restarted ×{n}").format(n=ep.restarts)
                text.append(restarted, style=style("endpoint--warn") + LABEL)
        text.rstrip()
        return text

    def _queues(self, ep: EndpointView, relative: bool) -> Text:
        style = self.get_component_rich_style
        label, queued = LABEL, style("endpoint--warn")
        text = Text()
        empty = _("empty")
        text.append(_("send buffer: "), style=label)
        text.append(data_text(ep.send_buffer) if ep.send_buffer else empty)
        text.append("\n" + _("received: "), style=label)
        tail = ep.received_tail[-40:]
        text.append(data_text(tail) if tail else empty, style=style("endpoint--good") if tail else "")
        if ep.held:
            held = ", ".join(
                f"{rel(h.seq, ep.irs) if relative else h.seq}+{h.length}{' FIN' if h.fin else ''}" for h in ep.held
            )
            text.append("\n" + _("held out of order: "), style=label)
            text.append(held, style=queued)
        text.append("\n" + _("retransmission queue:"), style=label)
        if not ep.queue:  # on a line of its own, as an entry would be: the pane keeps its height as data flows
            text.append(f"\n  {empty}")
        for entry in ep.queue:
            ctl = format_flags(entry.flags & (Flags.SYN | Flags.FIN))
            size = ngettext("{n} byte", "{n} bytes", entry.length).format(n=entry.length)
            what = size + (f" + {ctl}" if ctl else "") if entry.length else ctl
            text.append(f"\n  {rel(entry.seq, ep.iss) if relative else entry.seq}: {what}", style=queued)
        if ep.queue_total > len(ep.queue):
            more = _("… {n} more").format(n=ep.queue_total - len(ep.queue))
            text.append(f"\n  {more}", style=style("endpoint--muted"))
        return text
