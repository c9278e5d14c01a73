"""Per host, the endpoints in each state: counted as they change, a census taken when asked, and
the peaks the summary gives.

The census (:mod:`.census`) reads the capture and keeps its clock; each conversation it follows
reports every state change (:meth:`HostCounts.moved`), and at each census time the counts become a
:class:`~.census_records.Sample` per host, what ``ss -s`` would have said then. Memory follows the
hosts with endpoints now: a host left with none is dropped, and its peaks join the few
(:data:`TOP_HOSTS`) kept for the summary.
"""

from __future__ import annotations

import heapq
from typing import Final

from ..core.states import State
from .census_records import Sample
from .tracked_sides import NAME

TOP_HOSTS: Final = 20
"""Hosts whose peaks the summary gives (those with the most endpoints at a census)."""

_UNCOUNTED: Final = (State.CLOSED, State.LISTEN)
_TIME_WAIT: Final = State.TIME_WAIT.value

Peaks = dict[str, tuple[int, float]]
"""State → the most endpoints in it at a census, and when."""


class HostCounts:
    """The endpoints in each state on each host, and each host's peaks."""

    def __init__(self) -> None:
        self.counts: dict[str, dict[str, int]] = {}
        """Host → state → endpoints on it in that state now (none: left out)."""
        self.shown: set[str] = set()
        """Hosts in the last census (a host that drops to none is shown once more, empty)."""
        self.peaks: dict[str, Peaks] = {}
        """Host → its peaks so far (hosts with endpoints)."""
        self.retired: list[tuple[int, str, Peaks]] = []
        """The hosts with the highest peaks among those that have none left (a bounded heap)."""

    def moved(self, host: str, old: State, new: State) -> None:
        """An endpoint on ``host`` went from ``old`` to ``new``."""
        states = self.counts.get(host)
        if states is None:
            states = self.counts[host] = {}
        if old not in _UNCOUNTED:
            name = NAME[old]
            n = states[name] - 1
            if n:
                states[name] = n
            else:
                del states[name]
        if new not in _UNCOUNTED:
            name = NAME[new]
            states[name] = states.get(name, 0) + 1

    def time_waits(self, host: str) -> int:
        """Endpoints on ``host`` in TIME-WAIT now."""
        return self.counts[host].get(_TIME_WAIT, 0)

    def census(self, t: float) -> list[Sample]:
        """The census at ``t``: each host with endpoints in some state now (or at the last one,
        then empty), in order of host."""
        counts = self.counts
        samples: list[Sample] = []
        now_shown: set[str] = set()
        for host in sorted(counts):
            states = counts[host]
            if not states:
                continue
            now_shown.add(host)
            samples.append(Sample(t, host, dict(states)))
            peaks = self.peaks.setdefault(host, {})
            for state, n in states.items():
                if n > peaks.get(state, (0, 0.0))[0]:
                    peaks[state] = (n, t)
        samples += [Sample(t, host, {}) for host in sorted(self.shown - now_shown)]
        for host in [h for h, states in counts.items() if not states]:
            del counts[host]
            self._retire(host)
        self.shown = now_shown
        return samples

    def top_peaks(self) -> dict[str, Peaks]:
        """The :data:`TOP_HOSTS` hosts with the most endpoints at a census (summed over states)."""
        retired = {host: peaks for _total, host, peaks in self.retired}
        ranked = []
        for host, peaks in self.peaks.items():
            if host in retired:  # it had none left once, then some again
                peaks = _merged(retired.pop(host), peaks)
            ranked.append((_total(peaks), host, peaks))
        ranked += [(_total(peaks), host, peaks) for host, peaks in retired.items()]
        ranked.sort(key=lambda item: (-item[0], item[1]))
        return {host: peaks for _score, host, peaks in ranked[:TOP_HOSTS]}

    def _retire(self, host: str) -> None:
        """``host`` has no endpoint left: its peaks join the few kept for the summary (once: a host
        that retires again, after it had endpoints anew, has its two sets of peaks merged)."""
        peaks = self.peaks.pop(host, None)
        if not peaks:
            return
        for i, (_score, old_host, old) in enumerate(self.retired):
            if old_host == host:
                peaks = _merged(old, peaks)
                self.retired[i] = self.retired[-1]
                self.retired.pop()
                heapq.heapify(self.retired)
                break
        heapq.heappush(self.retired, (_total(peaks), host, peaks))
        if len(self.retired) > TOP_HOSTS:
            heapq.heappop(self.retired)


def _total(peaks: Peaks) -> int:
    return sum(n for n, _t in peaks.values())


def _merged(before: Peaks, after: Peaks) -> Peaks:
    """A host's peaks over two stretches of time: per state the higher, the earlier of two equal."""
    out = dict(before)
    for state, (n, t) in after.items():
        if state not in out or n > out[state][0]:
            out[state] = (n, t)
    return out
