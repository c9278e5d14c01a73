"""The census for people (``tcpsim import FILE --all``, the default ``--format text``).

Three parts, written once the capture has been read: the census as a chart over time for each host
(a row per state, one column per stretch of capture time, scaled to that state's peak, with the
peak and the count at the end), then the conversations that matter first (never closed, stuck in
CLOSE-WAIT, half-open, reset, retransmitting) and the anomalies named with their packets, then a
summary of the capture.

What it keeps is bounded whatever the capture's length: the chart is a
:class:`~.census_series.Series` as wide as the text (its columns merged two by two when full, its
hosts the busiest), and :data:`LISTED` conversations and anomalies of each kind are listed, the
rest counted (``--format jsonl`` lists every one).
"""

from __future__ import annotations

from typing import TextIO

from ..blocks import bar_rows
from ..escape import visible
from ..i18n import _, ngettext, number
from ..wrapping import wrap
from .census_records import CENSUS_STATES, KINDS, MATTERS, Anomaly, ConversationRecord, Sample, Summary
from .census_series import Series

CHARTED = 12
"""Hosts charted (the busiest of those kept)."""
LISTED = 20
"""Conversations listed for each reason they matter, and anomalies of each kind."""
LABEL = 13
"""Width of a chart row's label: the longest state name (SYN-RECEIVED) and a space (the app's
census chart has the same rows)."""
FIGURES = 26
"""Width kept right of the chart for a row's figures: its peak, when, and the count at the end."""


def _why() -> dict[str, str]:
    return {
        "never-closed": _("never closed (open at the end of the capture)"),
        "close-wait": _("stuck in CLOSE-WAIT (its application closed late, or never)"),
        "half-open": _("half-open"),
        "reset": _("reset"),
        "retransmitting": _("retransmitting"),
    }


ORDER = ("never-closed", "close-wait", "half-open", "reset", "retransmitting")
"""The order in which the conversations that matter are listed (issue 14's)."""
assert sorted(ORDER) == sorted(MATTERS)


def seconds(value: float) -> str:
    """A time in seconds, short and never in exponent form: 0.00002, 0.000264, 1.5, 3,600 (a
    loopback capture lasts under a millisecond, where ``.6g`` would write 2e-05)."""
    if value >= 100:
        return number(value)
    text = f"{value:.6g}"
    if "e" in text:
        text = f"{value:.6f}".rstrip("0").rstrip(".")
    return text


def figures_head() -> str:
    """The heading over a chart row's figures (:func:`row_figures`)."""
    return _("peak (at s) · at the end")


def row_figures(row: list[int], times: list[float], end: float, last: int) -> str:
    """A chart row's figures: its peak, the time of the column that holds it (``end``, the last
    packet's, for a column the census has not started yet), and ``last``, the count at the end."""
    peak = max(row)
    column = row.index(peak)
    at = times[column] if column < len(times) else end
    return f"{number(peak)} ({seconds(at)}) · {number(last)}"


def time_axis(first: float, end: float, columns: int) -> str:
    """The line under a chart of ``columns`` columns: the first column's time on the left, the
    last packet's on the right."""
    left = f"t = {seconds(first)} s"
    right = f"{seconds(end)} s"
    return left + " " * max(1, columns - len(left) - len(right)) + right


class TextSink:
    """Collects what the census finds (bounded), and writes the report at the end."""

    def __init__(self, out: TextIO, width: int = 100) -> None:
        self.out = out
        self.width = max(60, width)
        self.columns = max(8, self.width - 2 - LABEL - 1 - FIGURES)
        """Columns of the chart: what fits beside the labels and the figures."""
        self.chart = Series(self.columns)
        self.matters: dict[str, list[ConversationRecord]] = {why: [] for why in MATTERS}
        self.matter_counts: dict[str, int] = dict.fromkeys(MATTERS, 0)
        self.anomalies: dict[str, list[Anomaly]] = {kind: [] for kind in KINDS}
        self.anomaly_counts: dict[str, int] = dict.fromkeys(KINDS, 0)

    # ------------------------------------------------------------------ collecting
    def conversation(self, record: ConversationRecord) -> None:
        for why in record.matters:
            self.matter_counts[why] += 1
            if len(self.matters[why]) < LISTED:
                self.matters[why].append(record)

    def anomaly(self, anomaly: Anomaly) -> None:
        self.anomaly_counts[anomaly.kind] += 1
        if len(self.anomalies[anomaly.kind]) < LISTED:
            self.anomalies[anomaly.kind].append(anomaly)

    def sample(self, sample: Sample) -> None:
        self.chart.add(sample)

    # ------------------------------------------------------------------ writing
    def summary(self, summary: Summary) -> None:
        w = self.out.write
        self._para(self._heading(summary))
        w("\n")
        self._chart(summary)
        self._matters()
        self._anomalies()
        self._summary(summary)

    def _para(self, text: str, indent: int = 0, hang: int = 2) -> None:
        lines = wrap(text, self.width - indent - hang) or [""]
        first, *rest = lines
        self.out.write(" " * indent + first + "\n")
        for line in rest:
            self.out.write(" " * (indent + hang) + line + "\n")

    def _heading(self, summary: Summary) -> str:
        conversations = ngettext("{n} TCP conversation", "{n} TCP conversations", summary.conversations)
        packets = ngettext("{n} packet", "{n} packets", summary.packets)  # each count takes its own form
        return _("{file}: {conversations} in {packets} over {seconds} s").format(
            file=visible(summary.path),
            conversations=conversations.format(n=number(summary.conversations)),
            packets=packets.format(n=number(summary.packets)),
            seconds=seconds(summary.end),
        )

    def _chart(self, summary: Summary) -> None:
        w = self.out.write
        chart = self.chart
        hosts = chart.ranked()[:CHARTED]
        step = summary.interval * chart.span
        self._para(
            _(
                "Census over time: endpoints in each state on each host, as ss -s counts them (a TIME-WAIT "
                "until its {two_msl} s end); one column = {step} s, its height the most in that time, "
                "scaled to the row's peak"
            ).format(two_msl=seconds(summary.two_msl), step=seconds(step))
        )
        if not hosts:
            w("  " + _("no endpoint in any state at a census") + "\n\n")
            return
        w(" " * (2 + LABEL + self.columns + 1) + figures_head() + "\n")
        for host in hosts:
            w(host + "\n")
            series = chart.hosts[host]
            end = chart.last.get(host, {})
            for state in CENSUS_STATES:
                row = series.rows.get(state)
                if row is None:
                    continue
                bars = bar_rows(row, max(row), 1)[0]
                figures = row_figures(row, chart.times, summary.end, end.get(state, 0))
                w(f"  {state:<{LABEL}}{bars:<{self.columns}} {figures}\n")
        first = chart.times[0] if chart.times else 0.0
        w(" " * (2 + LABEL) + time_axis(first, summary.end, len(chart.times)) + "\n")
        more = len(chart.hosts) - len(hosts) + chart.dropped
        if more > 0:
            w(
                "  "
                + ngettext(
                    "{n} more host not charted (--format jsonl or csv has every host)",
                    "{n} more hosts not charted (--format jsonl or csv has every host)",
                    more,
                ).format(n=number(more))
                + "\n"
            )
        w("\n")

    def _matters(self) -> None:
        w = self.out.write
        total = sum(self.matter_counts.values())
        if not total:
            w(_("Conversations that matter: none (every conversation closed cleanly)") + "\n\n")
            return
        w(_("Conversations that matter") + "\n")
        why = _why()
        for reason in ORDER:
            n = self.matter_counts[reason]
            if not n:
                continue
            w(f"  {why[reason]}: {number(n)}\n")
            for record in self.matters[reason]:
                self._para(_conversation_line(record, reason), indent=4, hang=4)
            if n > len(self.matters[reason]):
                w("    " + _("… and {n} more").format(n=number(n - len(self.matters[reason]))) + "\n")
        w("\n")

    def _anomalies(self) -> None:
        w = self.out.write
        total = sum(self.anomaly_counts.values())
        if not total:
            w(_("Anomalies: none") + "\n\n")
            return
        w(_("Anomalies") + "\n")
        for kind in KINDS:
            n = self.anomaly_counts[kind]
            for anomaly in self.anomalies[kind]:
                packets = ", ".join(str(p) for p in anomaly.packets)
                self._para(
                    ngettext(
                        "{kind} at {t} s: {text} (packet {packets})",
                        "{kind} at {t} s: {text} (packets {packets})",
                        len(anomaly.packets),
                    ).format(kind=kind, t=seconds(anomaly.t), text=anomaly.text, packets=packets),
                    indent=2,
                )
            if n > len(self.anomalies[kind]):
                w("  " + _("… and {n} more {kind}").format(n=number(n - len(self.anomalies[kind])), kind=kind) + "\n")
        w("\n")

    def _summary(self, summary: Summary) -> None:
        w = self.out.write
        w(_("Summary") + "\n")
        items = [
            (
                _("packets"),
                _("{packets} ({tcp} TCP segments); {format}").format(
                    packets=number(summary.packets), tcp=number(summary.tcp), format=summary.format
                ),
            ),
            (_("conversations"), number(summary.conversations)),
            (
                _("states"),
                _("inferred as {stack} would; MSL {msl} s, TIME-WAIT {two_msl} s").format(
                    stack=summary.stack, msl=seconds(summary.msl), two_msl=seconds(summary.two_msl)
                ),
            ),
        ]
        if summary.skipped:
            skipped = ", ".join(f"{number(n)} {reason}" for reason, n in sorted(summary.skipped.items()))
            items.append((_("left out"), skipped))
        if summary.backwards:
            items.append(
                (
                    _("clock"),
                    ngettext(
                        "{n} packet stamped before the one before it, taken at that one's time",
                        "{n} packets stamped before the one before them, taken at that one's time",
                        summary.backwards,
                    ).format(n=number(summary.backwards)),
                )
            )
        if summary.readings:
            items.append(
                (
                    _("two readings"),
                    ngettext(
                        "{n} place where the packets fit two readings (a segment or its acknowledgment lost before "
                        "or after the capture point): the census takes one, and its conversation's notes "
                        "(--format jsonl) say which and what the other would change",
                        "{n} places where the packets fit two readings (a segment or its acknowledgment lost before "
                        "or after the capture point): the census takes one, and their conversations' notes "
                        "(--format jsonl) say which and what the other would change",
                        summary.readings,
                    ).format(n=number(summary.readings)),
                )
            )
        end = {host: counts for host, counts in self.chart.last.items() if counts}
        held = sum(sum(c.values()) for c in end.values())
        items.append(
            (
                _("at the end"),
                ngettext(
                    "{n} endpoint in a state (hosts: {hosts})", "{n} endpoints in a state (hosts: {hosts})", held
                ).format(n=number(held), hosts=number(len(end))),
            )
        )
        for label, text in items:
            self._para(f"  {label}: {text}", hang=4)
        for note in summary.frame_notes:
            self._para("  " + note, hang=4)


def _conversation_line(record: ConversationRecord, reason: str) -> str:
    text = ngettext(
        "#{id} {client} → {server}, {first}–{last} s, {packets} packet: client {client_state}, server {server_state}",
        "#{id} {client} → {server}, {first}–{last} s, {packets} packets: client {client_state}, server {server_state}",
        record.packets,
    ).format(
        id=record.id,
        client=record.client,
        server=record.server,
        first=seconds(record.first),
        last=seconds(record.last),
        packets=number(record.packets),
        client_state=record.final["client"],
        server_state=record.final["server"],
    )
    if reason == "close-wait":
        text += _("; CLOSE-WAIT for {seconds} s").format(seconds=seconds(record.close_wait))
    elif reason == "reset":
        text += ngettext("; {n} RST", "; {n} RSTs", record.resets).format(n=number(record.resets))
    elif reason == "retransmitting":
        text += ngettext(
            "; {n} segment sent again ({lost} while unacknowledged)",
            "; {n} segments sent again ({lost} while unacknowledged)",
            record.retransmissions,
        ).format(n=number(record.retransmissions), lost=number(record.lost))
    return text
