"""A session's branch: the acts done on it, and the scenario that saving it writes.

Everything done in a :class:`~tcpsim.scenario.session.Session` is an :class:`Act`, the world's own
events and the user's actions alike; :func:`saved_scenario` turns a branch of them back into a
scenario file's steps, with where the branch ends as its last expectation.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from ..core.names import EndpointName
from ..core.states import State
from .model import Expectation, Scenario, Step

BRANCH_END = "where the saved branch ends"
"""The note of a saved session's last expectation: the end of the branch the user was on, which
after a rewind lies ahead of where they were when they saved."""


@dataclass(frozen=True, slots=True)
class Act:
    """One thing done on the branch: an event the world processed, or one of the user's actions.

    ``step``: the next event; ``call``: a user call; ``arm``: "drop the next segment of" an endpoint;
    ``alter``: drop, duplicate or delay a segment in flight; ``cancel``: disarm a fault rule.
    """

    kind: Literal["step", "call", "arm", "alter", "cancel"]
    at: float
    endpoint: EndpointName | None = None
    call: str = ""
    data: bytes = b""
    sid: int = 0
    fault: str = ""
    by: float = 0.0
    rule: int = 0
    """The fault rule armed (``arm``) or disarmed (``cancel``), by its rank."""
    used: int = 0
    """``cancel``: how many segments the rule had caught already (a saved file keeps those)."""
    step: Step | None = None
    """What a saved scenario writes for this act (None for events and cancellations)."""

    def same(self, other: Act) -> bool:
        """Whether ``other`` does what this act did (redoing it keeps the branch ahead)."""
        return (self.kind, self.at, self.endpoint, self.call, self.data, self.sid, self.fault, self.by) == (
            other.kind,
            other.at,
            other.endpoint,
            other.call,
            other.data,
            other.sid,
            other.fault,
            other.by,
        ) and (self.kind != "cancel" or self.rule == other.rule)


def saved_scenario(
    scenario: Scenario,
    acts: list[Act],
    end: float,
    states: dict[EndpointName, State],
    received: dict[EndpointName, bytes],
) -> Scenario:
    """``scenario`` plus the steps of the user's ``acts`` (the whole branch, in the order done), and
    ``end``, ``states`` and ``received`` (where the branch ends) as the last expectation.

    The scenario's own steps keep their file order (which decides, within an instant, which
    step runs first and which of two overlapping fault rules wins); the user's follow, in the
    order they were done, so that they run after the scenario's steps of the same instant, as
    they did live, and their rules rank after the scenario's, as they did live.
    """
    mine: list[Step | None] = []
    where: dict[int, int] = {}
    cancels: dict[int, int] = {}
    for act in acts:
        if act.kind == "cancel":
            cancels[act.rule] = act.used
        elif act.step is not None:
            if act.kind == "arm":
                where[act.rule] = len(mine)
            mine.append(act.step)
    own = sorted(scenario.steps, key=lambda s: s.index)
    kept: list[Step] = []
    for s in own:
        used = cancels.get(s.index)
        if used is None:
            kept.append(s)
        elif used:
            kept.append(replace(s, count=used))
    for rank, used in cancels.items():
        if rank in where:
            i = where[rank]
            step = mine[i]
            mine[i] = replace(step, count=used) if used and step is not None else None
    steps = [*kept, *(s for s in mine if s is not None)]
    steps = [replace(s, index=i) for i, s in enumerate(steps, start=1)]
    expectations = tuple(e for e in scenario.expectations if e.at <= end)
    final = Expectation(
        index=len(expectations) + 1,
        at=end,
        states=states,
        received=received,
        note=BRANCH_END,
    )
    name = scenario.name if scenario.name.endswith("(edited)") else f"{scenario.name} (edited)"
    return replace(scenario, name=name, steps=tuple(steps), expectations=(*expectations, final))
