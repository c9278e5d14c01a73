"""The census over time as a chart keeps it: for each host, a row per state with the most endpoints
in each column's stretch of capture time. Shared by the text report (:mod:`.census_text`) and the
app's census screen (``tcpsim.ui.census_model``), which draw the same chart at different widths.

Bounded whatever the capture's length: when the columns fill :attr:`Series.columns`, each two
become one (the larger counts) and a column stands for twice the time; series are kept for
:data:`CHART_HOSTS` hosts at most, the busiest (a host dropped for a busier one is not charted).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .census_records import Sample

CHART_HOSTS = 200
"""Hosts whose series are kept for the chart (the busiest)."""


@dataclass
class HostSeries:
    """One host's census over time: a list of columns per state (the most in each column's stretch)."""

    rows: dict[str, list[int]] = field(default_factory=dict)
    peak: int = 0
    """The most endpoints at one census, all states together (which hosts are charted first)."""
    last: dict[str, int] = field(default_factory=dict)
    """Its counts at the last census."""


class Series:
    """Every charted host's :class:`HostSeries`, fed one census :class:`Sample` at a time."""

    def __init__(self, columns: int) -> None:
        self.columns = columns
        """The most columns kept; a chart as wide as this needs no merging of its own."""
        self.times: list[float] = []
        """The start of each column's stretch of capture time."""
        self.span = 1
        """Census samples per column (doubled when the columns are merged)."""
        self.filled = 0
        """Samples in the last column."""
        self.hosts: dict[str, HostSeries] = {}
        self.last: dict[str, dict[str, int]] = {}
        """Every host's counts at its last census, charted or not."""
        self.dropped = 0
        """Times a host was left out of the chart for a busier one (or refused a place)."""
        self._sample_t: float | None = None

    def add(self, sample: Sample) -> None:
        if sample.t != self._sample_t:
            self._sample_t = sample.t
            self._next_sample(sample.t)
        host = sample.host
        self.last[host] = dict(sample.counts)
        series = self.hosts.get(host)
        if series is None:
            if not sample.counts:
                return
            total = sum(sample.counts.values())
            if len(self.hosts) >= CHART_HOSTS:
                quietest = min(self.hosts, key=lambda h: self.hosts[h].peak)
                self.dropped += 1
                if self.hosts[quietest].peak >= total:
                    return
                del self.hosts[quietest]
            series = self.hosts[host] = HostSeries()
        series.peak = max(series.peak, sum(sample.counts.values()))
        series.last = self.last[host]
        column = len(self.times) - 1
        for state, n in sample.counts.items():
            row = series.rows.get(state)
            if row is None:
                row = series.rows[state] = []
            row.extend([0] * (column + 1 - len(row)))
            row[column] = max(row[column], n)

    def ranked(self) -> list[str]:
        """The hosts kept, busiest first."""
        return sorted(self.hosts, key=lambda h: (-self.hosts[h].peak, h))

    def _next_sample(self, t: float) -> None:
        """A new census time: a new column, or the last one's stretch goes on."""
        if self.times and self.filled < self.span:
            self.filled += 1
            return
        if len(self.times) == self.columns:
            self._merge()
        self.times.append(t)
        self.filled = 1

    def _merge(self) -> None:
        """The chart is full: each two columns become one (the larger counts), in half the width."""
        n = len(self.times)
        self.times = self.times[::2]
        for series in self.hosts.values():
            for state, row in series.rows.items():
                row.extend([0] * (n + n % 2 - len(row)))
                series.rows[state] = [max(row[i], row[i + 1]) for i in range(0, len(row), 2)]
        self.span *= 2
