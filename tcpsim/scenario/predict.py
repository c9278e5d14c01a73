"""Predict mode's questions and score: "which state comes next?", asked before each state change.

Retrieval practice for the eleven states. The app peeks at what the next step would do
(:meth:`SessionProtocol.peek`, which puts everything back), and if a state change is among it, asks
the learner where that endpoint goes before stepping. The choices are the right state and up to three
wrong ones a learner could believe: the other states Figure 5 leads to from the same state (from
FIN-WAIT-1, FIN-WAIT-2 or CLOSING or TIME-WAIT), then the states next to the right one in the figure.
They are listed in the RFC's order, so that where the answer stands says nothing.

Nothing here knows Textual: a :class:`Quiz` is plain data, kept by the app beside the session, and
the same questions could be asked on the command line. A question is identified by where it stands
in the history (how many events were done before it) and what it asks, so that stepping back (``b``)
and forward again over an answered question does not ask it, or count it, twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..core.states import State, parse_state
from ..core.transitions import TRANSITIONS, IllegalTransition, Transition, lookup
from ..sim.trace import StateEvent, TraceEvent

CHOICES = 4
"""How many states a question offers: the right one and up to three wrong ones."""

QuestionKey = tuple[int, str, str, str, str]
"""(events done before it, endpoint, from, event, to): one question of one history."""


@dataclass(frozen=True, slots=True)
class Question:
    """Where ``endpoint`` goes from ``old``, asked before the step that takes it there."""

    key: QuestionKey
    t: float
    endpoint: str
    old: State
    answer: State
    event: str
    """Figure 5's label of the event ("rcv FIN"): shown with the answer, not with the question."""
    rule: str
    """The RFC 9293 rule the trace gives for the change ("3.10.7.4 eighth: …")."""
    transition: Transition | None
    """The row of the core's table (None for a change the table does not have: never in RFC mode)."""
    choices: tuple[State, ...]
    before: tuple[TraceEvent, ...]
    """The records of the same step before the change: what happens (a segment arrives, a timer
    expires, the script calls CLOSE), shown with the question so that it can be reasoned out."""


@dataclass(frozen=True, slots=True)
class Answer:
    question: Question
    chosen: State

    @property
    def right(self) -> bool:
        return self.chosen is self.question.answer


def question(records: Sequence[TraceEvent], done: int) -> Question | None:
    """The question about the first state change among ``records`` (what the next step would add,
    after ``done`` events), or None when the step changes no state."""
    for i, e in enumerate(records):
        if isinstance(e, StateEvent):
            old, new = parse_state(e.old), parse_state(e.new)
            try:
                row: Transition | None = lookup(old, e.event, new)
            except IllegalTransition:  # never in a trace the core made; a capture's inference may
                row = None
            return Question(
                key=(done, e.endpoint, e.old, e.event, e.new),
                t=e.t,
                endpoint=e.endpoint,
                old=old,
                answer=new,
                event=e.event,
                rule=e.rule,
                transition=row,
                choices=choices(old, new),
                before=tuple(r for r in records[:i] if not isinstance(r, StateEvent)),
            )
    return None


def choices(old: State, new: State) -> tuple[State, ...]:
    """``new`` and up to ``CHOICES - 1`` plausible wrong states, in the RFC's order of the states."""
    wrong: list[State] = []

    def offer(states: Sequence[State]) -> None:
        for s in states:
            if s is not new and s is not old and s not in wrong and len(wrong) < CHOICES - 1:
                wrong.append(s)

    rows = [t for t in TRANSITIONS if t.kind in ("diagram", "note")]
    offer([t.target for t in rows if t.source is old and t.kind == "diagram"])  # Figure 5's other arrows out
    offer([t.target for t in rows if t.source is new and t.kind == "diagram"])  # one step too far
    offer([t.source for t in rows if t.target is new and t.kind == "diagram"])  # the figure's other way in
    offer([t.target for t in rows if t.source is old])  # RST and ABORT: CLOSED
    order = list(State)
    offer(sorted(order, key=lambda s: abs(order.index(s) - order.index(new))))  # the figure's neighbours
    return tuple(s for s in order if s is new or s in wrong)


@dataclass
class Quiz:
    """The questions asked and answered in a session: the score, and what a summary lists."""

    answers: dict[QuestionKey, Answer] = field(default_factory=dict)
    summarised: int = 0
    """How many answers the last end-of-session summary covered (a summary is shown once per end)."""

    def asked(self, q: Question) -> bool:
        return q.key in self.answers

    def answer(self, q: Question, chosen: State) -> Answer:
        """Record the learner's choice (the first one counts: a question is asked once)."""
        return self.answers.setdefault(q.key, Answer(q, chosen))

    @property
    def right(self) -> int:
        return sum(a.right for a in self.answers.values())

    @property
    def total(self) -> int:
        return len(self.answers)

    @property
    def missed(self) -> list[Answer]:
        return [a for a in self.answers.values() if not a.right]

    def reset(self) -> None:
        """A new session (r restart, l load): a new score."""
        self.answers.clear()
        self.summarised = 0
