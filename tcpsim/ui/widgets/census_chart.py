"""The census chart: one host's endpoints in each state over the capture's time.

The text format's chart (``tcpsim import FILE --all``) in a widget, drawn as it is: a row per state
the host was seen in, in the RFC's order, in the load lab's blocks (:func:`tcpsim.blocks.bar_rows`,
one line high), each scaled to its own peak, with the same figures (the peak, when, and the count at
the end) and time axis (:mod:`tcpsim.capture.census_text`). The columns the census kept are merged
(the most in each group) to fit the widget's width.
"""

from __future__ import annotations

import math

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.widget import Widget

from ...blocks import bar_rows
from ...capture.census_text import LABEL, figures_head, row_figures, seconds, time_axis
from ...i18n import _
from ..census_model import HostSeries, chart_states

BOLD = Style(bold=True)


def fit(values: list[int], width: int) -> tuple[list[int], int]:
    """``values`` in at most ``width`` columns (each the most of its group), and the group's size."""
    group = max(1, math.ceil(len(values) / max(width, 1)))
    if group == 1:
        return values, 1
    return [max(values[i : i + group]) for i in range(0, len(values), group)], group


class CensusChart(Widget):
    """One host's census over time (:meth:`show`), drawn at whatever size the widget has."""

    DEFAULT_CSS = """
    CensusChart { height: auto; }
    CensusChart > .census-chart--bars { color: $text-primary; }
    CensusChart > .census-chart--time-wait { color: $text-accent; }
    CensusChart > .census-chart--close-wait { color: $text-warning; }
    CensusChart > .census-chart--axis { color: $text-muted; }
    """

    COMPONENT_CLASSES = {
        "census-chart--bars",
        "census-chart--time-wait",
        "census-chart--close-wait",
        "census-chart--axis",
    }

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.series: HostSeries | None = None
        self.times: list[float] = []
        self.end = 0.0
        self.step = 1.0
        self.title = ""

    def show(self, series: HostSeries | None, times: list[float], end: float, *, step: float, title: str) -> None:
        """``series``: the host's columns (None: nothing to chart); ``times``: each column's start;
        ``end``: the last packet's time; ``step``: seconds per column kept; ``title``: the border's,
        to which the chart adds how long a column it draws is (columns are merged to fit)."""
        self.series, self.times, self.end = series, times, end
        self.step, self.title = step, title
        self.border_title = title
        self.refresh(layout=True)

    def get_content_height(self, container, viewport, width: int) -> int:
        if self.series is None:
            return 1
        return len(chart_states(self.series)) + 2

    def render(self) -> Text:
        style = self.get_component_rich_style
        axis = style("census-chart--axis")
        text = Text(no_wrap=True, overflow="crop")
        if self.series is None:
            text.append(_("no endpoint in any state at a census"), style=axis)
            return text
        series = self.series
        states = chart_states(series)
        figures = {
            state: row_figures(series.rows[state], self.times, self.end, series.last.get(state, 0)) for state in states
        }
        head = figures_head()
        fig_width = max([cell_len(head), *(len(f) for f in figures.values())])
        plot = max(4, self.size.width - LABEL - 1 - fig_width)
        label = _("state")
        text.append(label + " " * max(1, LABEL + plot + 1 - cell_len(label)) + head, style=axis)
        group = 1
        shown, hidden = states, []
        room = self.size.height - 2  # the header and the time axis take a line each
        if 0 < room < len(states):  # squeezed: name what is left out rather than crop it silently
            shown, hidden = states[: room - 1], states[room - 1 :]
        for state in shown:
            row = series.rows[state]
            values, group = fit(row + [0] * (len(self.times) - len(row)), plot)
            bars = bar_rows(values, max(values), 1)[0]
            kind = {"TIME-WAIT": "census-chart--time-wait", "CLOSE-WAIT": "census-chart--close-wait"}.get(
                state, "census-chart--bars"
            )
            text.append("\n")
            text.append(f"{state:<{LABEL}}", style=BOLD)
            text.append(f"{bars:<{plot}}", style=style(kind))
            text.append(" " + figures[state])
        first = self.times[0] if self.times else 0.0
        text.append("\n" + " " * LABEL + time_axis(first, self.end, math.ceil(len(self.times) / group)), style=axis)
        if hidden:
            text.append("\n")
            text.append(
                _("not shown, a taller terminal has room: {states}").format(states=", ".join(hidden)), style=axis
            )
        title = self.title + " · " + _("one column = {step} s").format(step=seconds(self.step * group))
        if title != self.border_title:
            self.border_title = title  # columns merged to fit: a column stands for longer
        return text
