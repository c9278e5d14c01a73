"""The lab's figures as plain data: table cells, summary lines, JSON lines.

No Rich here (the simulation layer knows nothing of it): the command line puts these cells in a
Rich table, and a UI view can put them wherever it likes.
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Sequence

from ..core.states import State
from ..i18n import _, number
from .model import EADDRNOTAVAIL, STATE_NAMES, Sample, Summary

SHORT = {
    State.LISTEN.value: "LIS",
    State.SYN_SENT.value: "SS",
    State.SYN_RECEIVED.value: "SR",
    State.ESTABLISHED.value: "EST",
    State.FIN_WAIT_1.value: "FW1",
    State.FIN_WAIT_2.value: "FW2",
    State.CLOSE_WAIT.value: "CW",
    State.CLOSING.value: "CLG",
    State.LAST_ACK.value: "LA",
    State.TIME_WAIT.value: "TW",
}
"""Short column names for the states, so that the table fits 80 columns; see :func:`legend`."""


def _states_seen(samples: Sequence[Sample], side: str) -> list[str]:
    """The states that held a TCB in any sample, in the RFC's order (the listener left out)."""
    seen = {name for s in samples for name, n in getattr(s, side).items() if n}
    seen.discard(State.LISTEN.value)  # the listening socket: always one, no news
    return [name for name in STATE_NAMES if name in seen]


def table(samples: Sequence[Sample]) -> tuple[list[str], list[list[str]]]:
    """Headers and rows: time, TCBs per state on each side (C: client, S: server; the states that
    occur), ports in use, connects refused with EADDRNOTAVAIL so far, connections completed so far
    (see :func:`legend`)."""
    client_states = _states_seen(samples, "client")
    server_states = _states_seen(samples, "server")
    headers = (
        ["t (s)"]
        + [f"C:{SHORT[name]}" for name in client_states]
        + [f"S:{SHORT[name]}" for name in server_states]
        + [_("ports"), _("failed"), _("done")]
    )
    rows = []
    for s in samples:
        rows.append(
            [f"{s.t:g}"]
            + [number(s.client.get(name, 0)) for name in client_states]
            + [number(s.server.get(name, 0)) for name in server_states]
            + [number(s.ports_in_use), number(s.failed), number(s.completed)]
        )
    return headers, rows


def legend(samples: Sequence[Sample]) -> str:
    """What the table's short names mean (only those it uses)."""
    used = set(_states_seen(samples, "client")) | set(_states_seen(samples, "server"))
    names = ", ".join(f"{SHORT[name]} {name}" for name in STATE_NAMES if name in used)
    return _(
        "TCBs per state, C: client, S: server ({names}); ports: ephemeral ports in use; "
        "failed: connects refused so far with EADDRNOTAVAIL, no port free; done: connections completed so far"
    ).format(names=names)


def summary_items(summary: Summary) -> list[tuple[str, str]]:
    """The summary as (label, text) lines, theory beside what was measured."""
    c, th = summary.config, summary.theory
    side = c.closer
    peak = summary.peak_time_wait_client if side == "client" else summary.peak_time_wait_server
    first = (
        _(", the first at t = {t} s").format(t=f"{summary.first_failure:g}")
        if summary.first_failure is not None
        else ""
    )
    closer = _("the client closes first") if side == "client" else _("the server closes first")
    product = c.rate * 2 * c.msl
    capped = _(", capped by the ports: {n}").format(n=number(th.time_wait)) if th.time_wait < product - 0.5 else ""
    where = _("TIME-WAIT on the client") if side == "client" else _("TIME-WAIT on the server")
    items = [
        (
            _("run"),
            _(
                "{rate} connects/s for {duration} s, MSL {msl} s (TIME-WAIT {two_msl} s), ports {lo}-{hi} ({count}), "
                "{closer}, latency {latency} ms"
            ).format(
                rate=f"{c.rate:g}",
                duration=f"{c.duration:g}",
                msl=f"{c.msl:g}",
                two_msl=f"{2 * c.msl:g}",
                lo=c.ports[0],
                hi=c.ports[1],
                count=number(c.port_count),
                closer=closer,
                latency=f"{c.latency * 1000:g}",
            ),
        ),
        (
            _("connects"),
            _("{attempted} attempted, {ok} ok, {failed} failed with EADDRNOTAVAIL ({message}){first}").format(
                attempted=number(summary.attempted),
                ok=number(summary.connected),
                failed=number(summary.failed),
                message=EADDRNOTAVAIL,
                first=first,
            ),
        ),
        (
            _("connections"),
            _("{completed} completed, {reset} reset or given up").format(
                completed=number(summary.completed), reset=number(summary.reset)
            ),
        ),
        (
            _("peak TIME-WAIT"),
            _("client {client}, server {server}").format(
                client=number(summary.peak_time_wait_client), server=number(summary.peak_time_wait_server)
            ),
        ),
        (
            _("theory"),
            _("{where} ≈ rate × 2·MSL = {rate} × {two_msl} s = {product}{capped} (peak seen: {peak})").format(
                where=where,
                rate=f"{c.rate:g}",
                two_msl=f"{2 * c.msl:g}",
                product=number(product),
                capped=capped,
                peak=number(peak),
            ),
        ),
    ]
    if side == "client":
        text = (
            _(
                "each connection holds its port {hold} s, so {count} ports sustain {max_rate} connects/s: "
                "the ports run out; peak in use {peak}"
            )
            if th.ports_run_out
            else _(
                "each connection holds its port {hold} s, so {count} ports sustain {max_rate} connects/s: "
                "the ports last; peak in use {peak}"
            )
        )
        items.append(
            (
                _("ports"),
                text.format(
                    hold=f"{th.port_hold:g}",
                    count=number(c.port_count),
                    max_rate=number(th.max_rate, 1),
                    peak=number(summary.peak_ports_in_use),
                ),
            )
        )
    else:
        text = (
            _(
                "each port comes round after {period} s, within 2·MSL: {syns} SYNs met their tuple in TIME-WAIT on "
                "the server (challenge ACK, the client's RST ends the TIME-WAIT, the SYN is retransmitted after the "
                "RTO); peak in use {peak}"
            )
            if th.meets_time_wait or summary.syn_in_time_wait
            else _("each port comes round after {period} s, after its tuple's TIME-WAIT has ended; peak in use {peak}")
        )
        items.append(
            (
                _("ports"),
                text.format(
                    period=f"{th.reuse_period:g}",
                    syns=number(summary.syn_in_time_wait),
                    peak=number(summary.peak_ports_in_use),
                ),
            )
        )
    items += [
        (
            _("memory"),
            _("peak {peak} TCBs alive at once, {live} at the end (finished connections are forgotten){rss}").format(
                peak=number(summary.peak_tcbs), live=number(summary.live_tcbs), rss=_rss_text()
            ),
        ),
        (
            _("simulated"),
            _("{end} s: {events} events, {segments} segments ({retransmissions} retransmissions)").format(
                end=f"{summary.end:g}",
                events=number(summary.events),
                segments=number(summary.segments),
                retransmissions=number(summary.retransmissions),
            ),
        ),
        (
            _("wall time"),
            _("{wall} s, {rate} events/s").format(wall=f"{summary.wall:.2f}", rate=number(summary.events_per_second)),
        ),
    ]
    return items


def max_rss_mb() -> float | None:
    """This process's peak resident memory in MB, where the platform says (Unix)."""
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        return None
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss / (1024 * 1024) if sys.platform == "darwin" else rss / 1024


def _rss_text() -> str:
    rss = max_rss_mb()
    return _("; process peak RSS {mb} MB").format(mb=f"{rss:.0f}") if rss is not None else ""


def summary_dict(summary: Summary) -> dict[str, object]:
    out = summary.to_dict()
    rss = max_rss_mb()
    out["max_rss_mb"] = round(rss, 1) if rss is not None and math.isfinite(rss) else None
    return out


def json_line(obj: dict[str, object]) -> str:
    """One JSON object on one line (RFC 8259: no NaN or Infinity)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"
