"""The one loop that advances simulated time, for everything that has a clock and timed events.

A world (:class:`~tcpsim.sim.world.World`), the TIME-WAIT lab, and the UI's sessions all queue
timed items and process them one at a time; what differs is what an item is. :func:`advance` is
how any of them moves on: to a time, or until nothing is left, with a hook that sees each item as
it is processed (the scenario runner checks its expectations there) and a bound on how many items a
call may process, so that a run that never goes quiet ends with :class:`RunawayError` instead of
hanging.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, TypeVar

from .trace import round_time

MAX_EVENTS = 1_000_000
"""The default bound of one :func:`advance` call (a bundled scenario takes a few hundred)."""

Item = TypeVar("Item", covariant=True)


class Clocked(Protocol[Item]):
    """What :func:`advance` drives: a clock, and timed items processed in time order."""

    now: float
    """Simulated seconds; :func:`advance` sets it to the time it advanced to."""

    def next_time(self) -> float | None:
        """When the next item is due; None when nothing is queued."""

    def step(self) -> Item | None:
        """Process the next item (the clock moves to its time) and say what it was."""


class RunawayError(RuntimeError):
    """More items than the bound, and still not done: the run will not go quiet by itself."""


def advance(
    source: Clocked[Item],
    until: float | None = None,
    *,
    after: Callable[[Item], object] | None = None,
    max_events: int = MAX_EVENTS,
) -> int:
    """Process every item due at or before ``until`` (every item, when None) and return how many.

    ``after`` is called with each item once it is processed: the checkpoint hook, where a caller
    looks at the state between two items (the runner checks expectations at their checkpoints).
    With ``until`` the clock then reads ``until``, although nothing may have happened since the last
    item: time passes between events too. Raises :class:`RunawayError` after ``max_events`` items
    with more still due.
    """
    limit = None if until is None else round_time(until)
    next_time, step = source.next_time, source.step
    count = 0
    while (due := next_time()) is not None and (limit is None or due <= limit):
        if count == max_events:
            where = f"before t={limit:g}" if limit is not None else f"and still not quiet at t={source.now:g}"
            raise RunawayError(f"more than {max_events} events {where}")
        item = step()
        count += 1
        if after is not None and item is not None:
            after(item)
    if limit is not None and limit > source.now:
        source.now = limit
    return count
