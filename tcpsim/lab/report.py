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
from .engine import EADDRNOTAVAIL, STATE_NAMES, Sample, Summary

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
        + ["ports", "failed", "done"]
    )
    rows = []
    for s in samples:
        rows.append(
            [f"{s.t:g}"]
            + [f"{s.client.get(name, 0):,}" for name in client_states]
            + [f"{s.server.get(name, 0):,}" for name in server_states]
            + [f"{s.ports_in_use:,}", f"{s.failed:,}", f"{s.completed:,}"]
        )
    return headers, rows


def legend(samples: Sequence[Sample]) -> str:
    """What the table's short names mean (only those it uses)."""
    used = set(_states_seen(samples, "client")) | set(_states_seen(samples, "server"))
    names = ", ".join(f"{SHORT[name]} {name}" for name in STATE_NAMES if name in used)
    return (
        f"TCBs per state, C: client, S: server ({names}); ports: ephemeral ports in use; "
        "failed: connects refused so far with EADDRNOTAVAIL, no port free; done: connections completed so far"
    )


def summary_items(summary: Summary) -> list[tuple[str, str]]:
    """The summary as (label, text) lines, theory beside what was measured."""
    c, th = summary.config, summary.theory
    side = c.closer
    peak = summary.peak_time_wait_client if side == "client" else summary.peak_time_wait_server
    items = [
        (
            "run",
            f"{c.rate:g} connects/s for {c.duration:g} s, MSL {c.msl:g} s (TIME-WAIT {2 * c.msl:g} s), "
            f"ports {c.ports[0]}-{c.ports[1]} ({c.port_count:,}), the {side} closes first, "
            f"latency {c.latency * 1000:g} ms",
        ),
        (
            "connects",
            f"{summary.attempted:,} attempted, {summary.connected:,} ok, {summary.failed:,} failed with "
            f"EADDRNOTAVAIL ({EADDRNOTAVAIL})"
            + (f", the first at t = {summary.first_failure:g} s" if summary.first_failure is not None else ""),
        ),
        ("connections", f"{summary.completed:,} completed, {summary.reset:,} reset or given up"),
        (
            "peak TIME-WAIT",
            f"client {summary.peak_time_wait_client:,}, server {summary.peak_time_wait_server:,}",
        ),
        (
            "theory",
            f"TIME-WAIT on the {side} ≈ rate × 2·MSL = {c.rate:g} × {2 * c.msl:g} s = {c.rate * 2 * c.msl:,.0f}"
            + (f", capped by the ports: {th.time_wait:,.0f}" if th.time_wait < c.rate * 2 * c.msl - 0.5 else "")
            + f" (peak seen: {peak:,})",
        ),
    ]
    if side == "client":
        verdict = "the ports run out" if th.ports_run_out else "the ports last"
        items.append(
            (
                "ports",
                f"each connection holds its port {th.port_hold:g} s, so {c.port_count:,} ports sustain "
                f"{th.max_rate:,.1f} connects/s: {verdict}; peak in use {summary.peak_ports_in_use:,}",
            )
        )
    else:
        verdict = (
            f"each port comes round after {th.reuse_period:g} s, within 2·MSL: "
            f"{summary.syn_in_time_wait:,} SYNs met their tuple in TIME-WAIT on the server "
            "(challenge ACK, the client's RST ends the TIME-WAIT, the SYN is retransmitted after the RTO)"
            if th.meets_time_wait or summary.syn_in_time_wait
            else f"each port comes round after {th.reuse_period:g} s, after its tuple's TIME-WAIT has ended"
        )
        items.append(("ports", f"{verdict}; peak in use {summary.peak_ports_in_use:,}"))
    items += [
        (
            "memory",
            f"peak {summary.peak_tcbs:,} TCBs alive at once, {summary.live_tcbs:,} at the end "
            "(finished connections are forgotten)" + _rss_text(),
        ),
        (
            "simulated",
            f"{summary.end:g} s: {summary.events:,} events, {summary.segments:,} segments "
            f"({summary.retransmissions:,} retransmissions)",
        ),
        ("wall time", f"{summary.wall:.2f} s, {summary.events_per_second:,.0f} events/s"),
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
    return f"; process peak RSS {rss:.0f} MB" if rss is not None else ""


def summary_dict(summary: Summary) -> dict[str, object]:
    out = summary.to_dict()
    rss = max_rss_mb()
    out["max_rss_mb"] = round(rss, 1) if rss is not None and math.isfinite(rss) else None
    return out


def json_line(obj: dict[str, object]) -> str:
    """One JSON object on one line (RFC 8259: no NaN or Infinity)."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"), allow_nan=False) + "\n"
