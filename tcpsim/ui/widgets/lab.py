"""The TIME-WAIT lab's widgets: sockets per state, the ports bar, and the chart over time.

Each is handed the lab's figures by the lab screen (:mod:`tcpsim.ui.screens.lab`) and draws them at
whatever size it has. Colours are the theme's: each widget names its parts as component classes,
styled in its ``DEFAULT_CSS`` with theme variables (the state phases as the endpoint panes colour
them, ``$client`` and ``$server`` as everywhere else in the app).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.widget import Widget
from textual.widgets import Static

from ...blocks import bar_rows
from ...core.states import State
from ...i18n import _
from ...lab.model import EADDRNOTAVAIL, STATE_NAMES, LoadConfig, Sample, Theory
from ...lab.settings import PRESET_NAMES
from ...richtext import Wrapped
from ...sim.wording import who

LABEL = 7
"""Width of the chart's y-axis labels (6 digits with a comma, up to 65,535 ports) and the axis."""
BOLD = Style(bold=True)


class Point(NamedTuple):
    """One column of the chart: the lab at a multiple of the chart's step. A tuple: small in memory."""

    t: float
    time_wait: int
    """TIME-WAIT TCBs on the closing side."""
    ports: int
    failed: int
    """Connects refused with EADDRNOTAVAIL so far (a running total: a column shows the increase)."""


def count(value: float) -> str:
    """A count as people read them: 12,345."""
    return f"{round(value):,}"


def seconds(value: float) -> str:
    """Seconds, short: 60, 0.06, 28.2."""
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}"


def _rate(value: float) -> str:
    return count(value) if math.isfinite(value) else "∞"


def _rjust(text: str, width: int) -> str:
    """``text`` right-aligned in ``width`` terminal cells, cut if longer (Chinese takes two a character)."""
    text = set_cell_size(text, min(cell_len(text), width))
    return " " * (width - cell_len(text)) + text


def _short(value: int) -> str:
    """An axis label in at most LABEL - 1 characters."""
    if value < 1_000_000:
        return f"{value:,}"
    return f"{value / 1e6:.3g}M"


class PortsBar(Widget):
    """Ephemeral ports in use as a bar as wide as the panel: in the theme's warning colour from 80 %,
    its error colour when the range is full."""

    DEFAULT_CSS = """
    PortsBar { height: 1; }
    PortsBar > .ports-bar--used { color: $success; }
    PortsBar > .ports-bar--busy { color: $warning; }
    PortsBar > .ports-bar--full { color: $text-error; text-style: bold; }
    PortsBar > .ports-bar--free { color: $text-disabled; }
    PortsBar > .ports-bar--label { text-style: bold; }
    """

    COMPONENT_CLASSES = {"ports-bar--used", "ports-bar--busy", "ports-bar--full", "ports-bar--free", "ports-bar--label"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.used = 0
        self.total = 1

    def show(self, used: int, total: int) -> None:
        self.used, self.total = used, max(total, 1)
        self.refresh()

    def render(self) -> Text:
        fraction = min(1.0, self.used / self.total)
        label = " " + _("{used} of {total} in use ({pct})").format(
            used=count(self.used), total=count(self.total), pct=f"{fraction:.0%}"
        )
        width = max(1, self.size.width - cell_len(label))
        filled = round(fraction * width)
        if self.used > 0 and filled == 0:
            filled = 1
        full = self.used >= self.total
        style = self.get_component_rich_style
        used = "ports-bar--full" if full else "ports-bar--busy" if fraction >= 0.8 else "ports-bar--used"
        text = Text()
        text.append("█" * filled, style=style(used))
        text.append("░" * (width - filled), style=style("ports-bar--free"))
        text.append(label, style=style("ports-bar--full" if full else "ports-bar--label"))
        return text


class LabChart(Widget):
    """TIME-WAIT on the closing side and ports in use over time, with the connects that failed.

    Drawn by hand in block characters at whatever size the widget has: the last points of the
    screen's history, one per column, newest on the right. TIME-WAIT is scaled to what rate × 2·MSL
    predicts (or the highest value shown), ports in use to the whole range, so that a full column
    means the ports have run out.
    """

    DEFAULT_CSS = """
    LabChart { height: 1fr; min-height: 8; }
    LabChart > .lab-chart--time-wait { color: $text-accent; }
    LabChart > .lab-chart--ports { color: $text-primary; }
    LabChart > .lab-chart--full { color: $text-error; text-style: bold; }
    LabChart > .lab-chart--failed { color: $text-error; }
    LabChart > .lab-chart--axis { color: $text-muted; }
    """

    COMPONENT_CLASSES = {
        "lab-chart--time-wait",
        "lab-chart--ports",
        "lab-chart--full",
        "lab-chart--failed",
        "lab-chart--axis",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.history: Sequence[Point] = ()
        self.now = Point(0.0, 0, 0, 0)
        self.expected = 1
        self.port_count = 1
        self.side = "client"

    def show(
        self, history: Sequence[Point], now: Point, *, step: float, expected: float, port_count: int, side: str
    ) -> None:
        """The screen's history (kept by reference, not copied), the lab now for the legends (the
        same figures as the table's, even between two columns), and the scales."""
        self.history, self.now, self.expected = history, now, round(expected)
        self.port_count, self.side = port_count, side
        self.border_title = _("Over time · one column = {step} s").format(step=f"{step:g}")
        self.refresh()

    def render(self) -> Text:
        style = self.get_component_rich_style
        width, height = self.size
        plot_width = max(1, width - LABEL)
        points = list(self.history)[-plot_width:]
        before = len(self.history) - len(points) - 1
        previous_failed = self.history[before].failed if before >= 0 else 0
        last = points[-1] if points else self.now
        # Lines: TW legend, TW plot, ports legend, ports plot, failures, x axis.
        plots = max(2, height - 4)
        tw_rows = max(1, (plots + 1) // 2)
        port_rows = max(1, plots - tw_rows)
        tw_values = [p.time_wait for p in points]
        tw_top = max([self.expected, *tw_values, 1])
        time_wait, ports = style("lab-chart--time-wait"), style("lab-chart--ports")
        text = Text(no_wrap=True, overflow="crop")
        legend = _("TIME-WAIT on the {side}: {now} now, ≈ {expected} expected").format(
            side=who(self.side), now=count(self.now.time_wait), expected=count(self.expected)
        )
        text.append(legend, style=time_wait + BOLD)
        self._plot(text, tw_values, tw_top, tw_rows, time_wait)
        text.append("\n")
        text.append(
            _("ports in use: {now} of {total}").format(now=count(self.now.ports), total=count(self.port_count)),
            style=ports + BOLD,
        )
        port_values = [p.ports for p in points]
        self._plot(text, port_values, self.port_count, port_rows, ports, full=style("lab-chart--full"))
        # Failures: a mark in each column where connects were refused.
        failed = style("lab-chart--failed")
        text.append("\n")
        text.append(_rjust(_("failed"), LABEL - 1) + "│", style=failed)
        prev = previous_failed
        for p in points:
            text.append("▇" if p.failed > prev else " ", style=failed)
            prev = p.failed
        text.append("\n")
        first = points[0].t if points else 0.0
        axis = " " * (LABEL - 1) + "└"
        start = f" t = {first:g} s"
        end = f"{last.t:g} s"
        gap = plot_width - len(start) - len(end)
        text.append(axis + start + (" " * gap + end if gap > 0 else ""), style=style("lab-chart--axis"))
        return text

    def _plot(
        self, text: Text, values: list[int], top: int, rows: int, style: Style, full: Style | None = None
    ) -> None:
        axis = self.get_component_rich_style("lab-chart--axis")
        lines = bar_rows(values, top, rows)
        for i, line in enumerate(lines):
            text.append("\n")
            label = _short(top) if i == 0 else "0" if i == rows - 1 else ""
            text.append(f"{label:>{LABEL - 1}}┤" if label else " " * (LABEL - 1) + "│", style=axis)
            if full is not None and i == 0:
                for ch, v in zip(line, values, strict=True):
                    text.append(ch, style=full if v >= top else style)
            else:
                text.append(line, style=style)


class StatesTable(Static):
    """TCBs per state on each host, in the RFC's order, TIME-WAIT in bold: what ``ss -s`` and
    ``ss -tan state …`` would count. Two halves side by side on short screens (opening and passive
    close | active close), one column of eleven rows otherwise. States are coloured by phase as the
    endpoint panes colour them."""

    DEFAULT_CSS = """
    StatesTable > .states-table--opening { color: $text-warning; }
    StatesTable > .states-table--established { color: $text-success; }
    StatesTable > .states-table--closing { color: $text-secondary; }
    StatesTable > .states-table--time-wait { color: $text-accent; text-style: bold; }
    StatesTable > .states-table--closed { color: $text-muted; }
    StatesTable > .states-table--none { color: $text-disabled; }
    StatesTable > .states-table--client { color: $client; text-style: bold; }
    StatesTable > .states-table--server { color: $server; text-style: bold; }
    StatesTable > .states-table--rule { color: $text-muted; }
    """

    COMPONENT_CLASSES = {
        "states-table--opening",
        "states-table--established",
        "states-table--closing",
        "states-table--time-wait",
        "states-table--closed",
        "states-table--none",
        "states-table--client",
        "states-table--server",
        "states-table--rule",
    }

    def show(self, sample: Sample, *, halves: bool) -> None:
        self.update(self.table(sample, halves=halves))

    def table(self, sample: Sample, *, halves: bool) -> Table:
        style = self.get_component_rich_style
        order = [name for name in STATE_NAMES if name != "CLOSED"] + ["CLOSED"]
        groups = [order[:6], order[6:]] if halves else [order]
        table = Table(box=None, padding=(0, 1), pad_edge=False, show_edge=False, expand=False)
        for i in range(len(groups)):
            if i:
                table.add_column("│", style=style("states-table--rule"), no_wrap=True)
            table.add_column(_("state"), no_wrap=True, header_style="bold")
            for side in ("client", "server"):
                table.add_column(who(side), justify="right", header_style=style(f"states-table--{side}"), no_wrap=True)
        totals = (sum(sample.client.values()), sum(sample.server.values()))
        rows = max(len(g) for g in groups) + (0 if halves else 1)
        for r in range(rows):
            cells: list[Text | str] = []
            for i, group in enumerate(groups):
                if i:
                    cells.append("│")
                if r < len(group):
                    cells += self._state_cells(sample, group[r])
                elif r == len(group) or not halves:
                    cells += [Text(_("total"), style="bold"), Text(count(totals[0])), Text(count(totals[1]))]
                else:
                    cells += ["", "", ""]
            table.add_row(*cells)
        return table

    def _state_cells(self, sample: Sample, name: str) -> list[Text | str]:
        style = self.get_component_rich_style
        client, server = sample.client.get(name, 0), sample.server.get(name, 0)
        phase = "time-wait" if name == State.TIME_WAIT.value else State(name).phase
        counted = style("states-table--time-wait") if phase == "time-wait" else Style()
        none = style("states-table--none")
        return [
            Text(name, style=style(f"states-table--{phase}")),
            Text(count(client), style=counted if client else none),
            Text(count(server), style=counted if server else none),
        ]


def ss_lines(sample: Sample) -> str:
    """The first line of ``ss -s`` on each host: all TCBs, established, TIME-WAIT."""
    lines = []
    for side in ("client", "server"):
        counts = getattr(sample, side)
        lines.append(
            _("ss -s on the {side}:\n  TCP: {total} (estab {estab}, timewait {tw})").format(
                side=who(side),
                total=count(sum(counts.values())),
                estab=count(counts.get("ESTABLISHED", 0)),
                tw=count(counts.get("TIME-WAIT", 0)),
            )
        )
    lines.append(_("CLOSED TCBs are deleted at once"))
    return "\n".join(lines)


class PortsSummary(Static):
    """Under the ports bar: how long a connection holds its port, and the connects so far."""

    DEFAULT_CSS = """
    PortsSummary > .ports-summary--muted { color: $text-muted; }
    PortsSummary > .ports-summary--notice { color: $text-warning; }
    """

    COMPONENT_CLASSES = {"ports-summary--muted", "ports-summary--notice"}

    def show(self, sample: Sample, config: LoadConfig, theory: Theory) -> None:
        style = self.get_component_rich_style
        lo, hi = config.ports
        hold = _("{lo}-{hi}: each connection holds its port ≈ {hold} s, so at most {max_rate} connects/s").format(
            lo=lo, hi=hi, hold=seconds(theory.port_hold), max_rate=_rate(theory.max_rate)
        )
        lines = Text(hold, style=style("ports-summary--muted"))
        lines.append("\n")
        lines.append(
            _(
                "connects: {attempted} tried · {ok} got a port · {completed} completed and their client socket "
                "freed · {reset} ended by a reset"
            ).format(
                attempted=count(sample.attempted),
                ok=count(sample.connected),
                completed=count(sample.completed),
                reset=count(sample.reset),
            )
        )
        if sample.syn_in_time_wait:
            lines.append("\n")
            lines.append(
                _("{n} SYNs met their 4-tuple still in TIME-WAIT on the server").format(
                    n=count(sample.syn_in_time_wait)
                ),
                style=style("ports-summary--notice"),
            )
        self.update(Wrapped(lines))


class FailedConnects(Static):
    """The connects refused with EADDRNOTAVAIL so far, on the error colour; or that there were none."""

    DEFAULT_CSS = """
    FailedConnects { margin: 1 0 0 0; }
    FailedConnects.-failing { background: $error 30%; color: $text; text-style: bold; }
    FailedConnects > .failed-connects--none { color: $text-success; }
    """

    COMPONENT_CLASSES = {"failed-connects--none"}

    def show(self, sample: Sample, first_failure: float | None) -> None:
        failing = sample.failed > 0
        self.set_class(failing, "-failing")
        if not failing:
            self.update(
                Wrapped(
                    _(
                        "✓ every connect got a port (with none free, connect() fails: EADDRNOTAVAIL, address not "
                        "available)"
                    ),
                    style=self.get_component_rich_style("failed-connects--none"),
                )
            )
            return
        first = f"{first_failure:g}" if first_failure is not None else "?"
        self.update(
            Wrapped(
                _(
                    "✗ {n} connects failed with EADDRNOTAVAIL, address not available (“{message}”): no ephemeral port "
                    "was free. First at t = {first} s."
                ).format(n=count(sample.failed), message=EADDRNOTAVAIL, first=first)
            )
        )


class LabExplanation(Static):
    """What the figures show and why: Little's law for TIME-WAIT, what happens to the ports with
    these settings, and the presets to try."""

    DEFAULT_CSS = """
    LabExplanation { height: auto; }
    LabExplanation > .lab-explanation--muted { color: $text-muted; }
    """

    COMPONENT_CLASSES = {"lab-explanation--muted"}

    def show(self, config: LoadConfig, theory: Theory) -> None:
        two_msl = 2 * config.msl
        product = config.rate * two_msl
        ports = count(config.port_count)
        text = Text(
            _(
                "Each connection is two RFC 9293 endpoints (the same core as the two-endpoint view): connect, "
                "request, reply, close. The side that closes first holds TIME-WAIT for 2·MSL = {two_msl} s, so "
                "TIME-WAIT piles up there to about rate × 2·MSL = {rate}/s × {two_msl} s = {product} (Little's "
                "law). A client port stays taken until its TCB is gone, TIME-WAIT included: if the client closes "
                "first and rate × 2·MSL exceeds the port range ({ports}), the ports run out and connect() fails "
                "with EADDRNOTAVAIL, address not available, until a TIME-WAIT ends."
            ).format(two_msl=f"{two_msl:g}", rate=f"{config.rate:g}", product=count(product), ports=ports)
        )
        text.append("\n")
        if config.closer == "client":
            verdict = (
                _(
                    "Here: {product} > {ports} ports, so they run out at about t = {at} s; from then on only about "
                    "{max_rate} connects per second succeed, one for each TIME-WAIT that ends."
                )
                if theory.ports_run_out
                else _("Here: {product} ≤ {ports} ports, so the ports last (the range sustains {max_rate}/s).")
            )
            at = seconds(config.port_count / config.rate)
            verdict = verdict.format(product=count(product), ports=ports, at=at, max_rate=_rate(theory.max_rate))
        else:
            verdict = _(
                "Here the server closes first: TIME-WAIT is on the server, and a client port is free again {hold} "
                "s after its connect. Each port comes round every {reuse} s."
            ).format(hold=seconds(theory.port_hold), reuse=seconds(theory.reuse_period))
            if theory.meets_time_wait:
                verdict += _(
                    " That is within 2·MSL: the new SYN finds the old 4-tuple still in TIME-WAIT on the server (a "
                    "challenge ACK, the client's RST, the SYN again after the RTO)."
                )
        text.append(verdict, style=BOLD)
        text.append("\n")
        presets = " · ".join(f"{i + 1} {_(name)}" for i, name in enumerate(PRESET_NAMES))
        keys = _(
            "Try: m MSL · c closing side · p ports · r rate · d duration · +/- simulated seconds per second · presets:"
        )
        text.append(f"{keys} {presets}", style=self.get_component_rich_style("lab-explanation--muted"))
        self.update(Wrapped(text))
