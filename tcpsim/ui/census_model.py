"""What the census screen shows of a capture, collected as the census reads it (no Textual here).

The census (:class:`tcpsim.capture.census.Census`, what ``tcpsim import FILE --all`` runs) hands
its findings to a sink; :class:`Collector` is the screen's sink. It runs in a worker thread, and
keeps what the screen needs and no more: one compact :class:`Row` per conversation (the table has
to list them all), each host's census as chart columns merged two by two when they pass
:data:`MAX_COLUMNS` (as the text format's chart does, so memory stays bounded whatever the
capture's length), and the anomalies, the first :data:`LISTED` of each kind.

Sorting and filtering are plain functions of the rows, so that the screen only draws.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from ..capture.census_records import CENSUS_STATES, KINDS, MATTERS, Anomaly, ConversationRecord, Sample, Summary
from ..capture.census_series import HostSeries, Series
from ..i18n import N_, _

MAX_COLUMNS = 512
"""Chart columns kept per host: wider than any terminal; more are merged two by two."""
LISTED = 50
"""Anomalies of each kind kept to be read on the screen (the rest are counted)."""
FINE = 60.0
"""A capture shorter than this many seconds is read again with a census interval that gives the
chart about :data:`FINE_COLUMNS` columns (a one-second census of a two-second capture is two columns)."""
FINE_COLUMNS = 200
FINE_PACKETS = 200_000
"""…unless it has more TCP segments than this: reading it again would double a long wait."""

WHY = {
    "never-closed": N_("never closed"),
    "close-wait": N_("CLOSE-WAIT lasts"),
    "half-open": N_("half-open"),
    "reset": N_("reset"),
    "retransmitting": N_("retransmitting"),
}
"""Why a conversation matters (:data:`MATTERS`), in a table cell's few words."""
assert sorted(WHY) == sorted(MATTERS)

KIND_WORDS = {
    "close-wait": N_("a CLOSE-WAIT that lasts"),
    "time-wait-pile-up": N_("TIME-WAIT pile-up"),
    "rst-storm": N_("RST storm"),
    "retransmissions": N_("retransmissions"),
    "half-open": N_("half-open connection"),
    "syn-to-time-wait": N_("SYN to a TIME-WAIT"),
    "port-reuse": N_("port reuse"),
}
"""Each anomaly's kind (:data:`KINDS`) named in plain words."""
assert sorted(KIND_WORDS) == sorted(KINDS)

KIND_MATTER = {"close-wait": "close-wait", "retransmissions": "retransmitting", "half-open": "half-open"}
"""Anomalies that are also a reason a conversation matters: a row names the reason once."""
KIND_CELL = {
    "time-wait-pile-up": N_("TIME-WAIT pile-up"),
    "rst-storm": N_("RST storm"),
    "syn-to-time-wait": N_("SYN to a TIME-WAIT"),
    "port-reuse": N_("port reuse"),
}
"""The other anomalies, as a row's cell names them."""
assert sorted([*KIND_MATTER, *KIND_CELL]) == sorted(KINDS)


class Row(NamedTuple):
    """One conversation, as the table lists it."""

    id: int
    client: str
    server: str
    first: float
    last: float
    packets: int
    octets: int
    client_state: str
    server_state: str
    first_frame: int
    last_frame: int
    matters: tuple[str, ...]
    """Why it matters (:data:`MATTERS`), and the anomalies named on it (:data:`KINDS`), as keys."""


SORTS = ("id", "client", "server", "first", "last", "packets", "octets", "client_state", "server_state", "matters")
"""The columns, in the table's order: a column's key is what it sorts by."""


def sort_key(column: str) -> Callable[[Row], Any]:
    """How ``column`` orders rows (ties in order of first packet)."""
    if column == "client":
        return lambda row: (_endpoint_order(row.client), row.id)
    if column == "server":
        return lambda row: (_endpoint_order(row.server), row.id)
    if column == "matters":
        return lambda row: (-len(row.matters), row.matters, row.id)
    index = Row._fields.index(column)
    return lambda row: (row[index], row.id)


def _endpoint_order(text: str) -> tuple[str, int]:
    """``10.1.0.2:1024`` by address, then port as a number (not as text: 1024 before 999 would be wrong)."""
    address, _sep, port = text.rpartition(":")
    return (address, int(port) if port.isdigit() else 0)


def cells_words(row: Row) -> str:
    """The anomalies cell: why the conversation matters and what was named on it, in a few words."""
    return ", ".join(_(WHY[key] if key in WHY else KIND_CELL[key]) for key in row.matters)


def haystack(row: Row) -> str:
    """Everything a filter can match on a row, in lower case: addresses and ports, states, the
    reasons and anomalies (their keys and the words shown), the conversation's number."""
    keys = " ".join(row.matters)
    return (
        f"#{row.id} {row.client} {row.server} {row.client_state} {row.server_state} {keys} {cells_words(row)}".lower()
    )


def matches(row: Row, words: Sequence[str]) -> bool:
    """Whether every word of a filter (already lower case) is in the row's text."""
    if not words:
        return True
    text = haystack(row)
    return all(word in text for word in words)


def shown(rows: Sequence[Row], column: str, reverse: bool, text: str) -> list[Row]:
    """The rows a filter ``text`` keeps, sorted by ``column``."""
    words = text.lower().split()
    kept = [row for row in rows if matches(row, words)] if words else list(rows)
    kept.sort(key=sort_key(column), reverse=reverse)
    return kept


class Cancelled(Exception):
    """The screen went away while its census was being read."""


class Collector:
    """The census screen's sink: everything it shows, bounded but for one row per conversation.

    Filled by the census in a worker thread; the screen reads it once the census is over, except
    :attr:`progress` and :attr:`conversations`, which it polls while it waits. Setting
    :attr:`cancel` stops the census at its next finding (raising :class:`Cancelled`)."""

    def __init__(self) -> None:
        self.rows: list[Row] = []
        self.named: dict[int, list[str]] = {}
        """Conversation → the anomalies named on it (kinds), for its row."""
        self.anomalies: list[Anomaly] = []
        self.anomaly_counts: dict[str, int] = dict.fromkeys(KINDS, 0)
        self.chart = Series(MAX_COLUMNS)
        """Each host's census over time, as the text format's chart keeps it."""
        self._sample_t: float | None = None
        self.result: Summary | None = None
        self.progress = 0.0
        """How far through the file the census is, 0 to 1."""
        self.cancel = threading.Event()

    def _check(self) -> None:
        if self.cancel.is_set():
            raise Cancelled

    def report(self, fraction: float) -> None:
        """The census's progress callback."""
        self._check()
        self.progress = fraction

    # ------------------------------------------------------------------ the sink
    def conversation(self, record: ConversationRecord) -> None:
        self._check()
        self.rows.append(
            Row(
                record.id,
                record.client,
                record.server,
                record.first,
                record.last,
                record.packets,
                record.octets,
                record.final["client"],
                record.final["server"],
                record.first_frame,
                record.last_frame,
                record.matters,
            )
        )

    def anomaly(self, anomaly: Anomaly) -> None:
        self._check()
        self.anomaly_counts[anomaly.kind] += 1
        if self.anomaly_counts[anomaly.kind] <= LISTED:
            self.anomalies.append(anomaly)
        for ident in anomaly.conversations:
            kinds = self.named.setdefault(ident, [])
            if anomaly.kind not in kinds:
                kinds.append(anomaly.kind)

    def sample(self, sample: Sample) -> None:
        if sample.t != self._sample_t:  # a census time: a chance to stop
            self._check()
            self._sample_t = sample.t
        self.chart.add(sample)

    def summary(self, summary: Summary) -> None:
        self.result = summary

    # ------------------------------------------------------------------ once read
    def finish(self) -> None:
        """The rows with the anomalies named on them (an anomaly can come after its conversation's
        record), in order of first packet."""
        named = self.named
        if named:
            self.rows = [
                row._replace(matters=row.matters + _extra(row.matters, named[row.id])) if row.id in named else row
                for row in self.rows
            ]
        self.rows.sort(key=lambda row: row.id)

    def hosts(self) -> list[str]:
        """The hosts charted, busiest first."""
        return self.chart.ranked()


def _extra(matters: tuple[str, ...], kinds: list[str]) -> tuple[str, ...]:
    """The anomalies named on a conversation that its reasons to matter do not already say."""
    extra = []
    for kind in kinds:
        key = KIND_MATTER.get(kind, kind)
        if key not in matters and key not in extra:
            extra.append(key)
    return tuple(extra)


def chart_states(series: HostSeries) -> list[str]:
    """The states a host's chart has a row for, in the RFC's order."""
    return [state for state in CENSUS_STATES if state in series.rows]


def read_census(path: str, collector: Collector, *, msl: float, stack: str) -> Collector:
    """Run the census of ``path`` into ``collector`` (in a worker thread); a capture shorter than
    :data:`FINE` seconds is read again at a finer interval, into a fresh collector that shares the
    first one's cancel flag. Raises :class:`~tcpsim.capture.files.CaptureError` for a file that
    cannot be read or holds no TCP, :class:`Cancelled` when the screen went away."""
    from ..capture.census import Census
    from ..lab.model import nice_interval

    Census(path, collector, interval=1.0, msl=msl, stack=stack, progress=collector.report).run()
    summary = collector.result
    assert summary is not None
    if 0 < summary.end < FINE and summary.tcp <= FINE_PACKETS:
        finer = Collector()
        finer.cancel = collector.cancel
        finer.progress = 1.0
        interval = nice_interval(summary.end / FINE_COLUMNS)
        Census(path, finer, interval=interval, msl=msl, stack=stack).run()
        collector = finer
    collector.finish()
    return collector
