"""Predict mode's dialogs: the question before a state change, its answer, and the end's summary.

The question says where the endpoint is and what is about to happen (a segment arrives, a timer
expires, the script calls CLOSE), and offers the states of :func:`tcpsim.scenario.predict.choices`
on the keys 1-4. The answer replaces the question in the same dialog: right or not, the change as
Figure 5 labels it, its RFC 9293 rule, the plain sentence of the transition and the score. The step
itself is taken by the app (through the session, as ``n`` takes it) when the learner answers, so the
screen behind already shows where the endpoint went.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Label, Static

from ...core.names import EndpointName
from ...core.states import State
from ...i18n import N_, _
from ...richtext import Wrapped
from ...scenario.predict import Answer, Question, Quiz
from ...sim.trace import ArriveEvent, CallEvent, SendEvent, TimerEvent, TraceEvent
from ..numbers import segment_text
from ..widgets.diagram_text import cite, full_label, sentence
from ..words import stack_playing, timer_name
from .modal import Dialog

Answering = Callable[[State], tuple[Answer, Quiz]]
"""What the dialog calls with the learner's choice: the app records it, takes the step, and returns
the answer and the score so far."""


def happening(
    records: Sequence[TraceEvent], history: Sequence[TraceEvent], stacks: Mapping[EndpointName, str] | None = None
) -> list[str]:
    """What the step does before the change, in words: a segment arriving (labelled as its sender
    sent it, found in ``history``), a timer expiring (named as the stack playing it names it:
    ``stacks``), an application's call."""
    lines = []
    for e in records:
        if isinstance(e, ArriveEvent):
            sent = next((r for r in reversed(history) if isinstance(r, SendEvent) and r.id == e.id), None)
            what = segment_text(sent.segment, sent.id, sent.endpoint, 0, None) if sent else f"#{e.id}"
            lines.append(_("{segment} arrives at the {who}").format(segment=what, who=_(e.endpoint)))
        elif isinstance(e, TimerEvent) and e.action == "expire":
            timer = timer_name(e.name, stack_playing(stacks, e.endpoint))
            lines.append(_("the {who}'s {timer} timer expires").format(who=_(e.endpoint), timer=timer))
        elif isinstance(e, CallEvent):
            lines.append(_("the {who}'s application calls {call}").format(who=_(e.endpoint), call=e.call.upper()))
    return lines[-3:]


def score_text(quiz: Quiz) -> str:
    return _("score: {right} of {total} right").format(right=quiz.right, total=quiz.total)


class PredictQuestion(Dialog[bool]):
    """Which state comes next? Dismissed with True once answered (continue), False if left unanswered."""

    BINDINGS = [
        Binding("1", "choose(0)", "1", show=False),
        Binding("2", "choose(1)", "2", show=False),
        Binding("3", "choose(2)", "3", show=False),
        Binding("4", "choose(3)", "4", show=False),
        Binding("enter,space,n", "go_on", N_("Continue"), show=False),
        Binding("escape,q", "leave", N_("Not now"), show=False),
    ]

    def __init__(
        self,
        question: Question,
        answering: Answering,
        trace: Sequence[TraceEvent] = (),
        stacks: Mapping[EndpointName, str] | None = None,
    ) -> None:
        super().__init__(classes="dialog")
        self.question = question
        self._trace = trace
        self._stacks = stacks
        self._answering = answering
        self.answer: Answer | None = None

    def compose(self) -> ComposeResult:
        q = self.question
        who = _(q.endpoint)
        with Vertical(classes="dialog-box", id="predict-box"):
            yield Label(_("Predict: which state comes next?"), classes="dialog-title")
            yield Static(Wrapped(self._situation()), id="predict-situation", classes="dialog-note")
            yield Static(self._choices(), id="predict-choices", classes="dialog-note")
            result = Static(Wrapped(Text("")), id="predict-result")
            result.display = False  # until answered
            yield result
            yield Static(
                Wrapped(
                    _("1-{n} choose the {who}'s next state · escape not now (g ends predict mode)").format(
                        n=len(q.choices), who=who
                    )
                ),
                id="predict-hint",
                classes="dialog-hint",
            )

    def _situation(self) -> Text:
        q = self.question
        text = Text(
            _("t = {t} s · the {who} is in {state}.").format(t=f"{q.t:.3f}", who=_(q.endpoint), state=q.old.value)
        )
        lines = happening(q.before, self._trace, self._stacks)
        if lines:
            text.append("\n" + _("Now: {what}").format(what="; ".join(lines)))
        return text

    def _choices(self) -> Text:
        text = Text()
        chosen = self.answer.chosen if self.answer else None
        for i, state in enumerate(self.question.choices):
            line = Text(f"  {i + 1}  {state.value}")
            if self.answer is not None:
                if state is self.question.answer:
                    line = Text(f"  ✓  {state.value}", style="bold green")
                elif state is chosen:
                    line = Text(f"  ✗  {state.value}", style="bold red")
                else:
                    line.stylize("dim")
            text.append_text(line)
            if i + 1 < len(self.question.choices):
                text.append("\n")
        return text

    def action_choose(self, index: int) -> None:
        if self.answer is not None or index >= len(self.question.choices):
            return
        answer, quiz = self._answering(self.question.choices[index])
        self.answer = answer
        self.query_one("#predict-choices", Static).update(self._choices())
        result = self.query_one("#predict-result", Static)
        result.update(Wrapped(self._result(answer, quiz)))
        result.display = True
        self.query_one("#predict-hint", Static).display = False  # the score's line says how to go on

    def _result(self, answer: Answer, quiz: Quiz) -> Text:
        q = answer.question
        change = f"{q.old.value} → {q.answer.value}"
        text = Text()  # each line its own style: a Text's own style would colour every line appended
        if answer.right:
            text.append(_("✓ Right: {change}").format(change=change), style="bold green")
        else:
            text.append(
                _("✗ Not {chosen}: the {who} goes {change}").format(
                    chosen=answer.chosen.value, who=_(q.endpoint), change=change
                ),
                style="bold red",
            )
        row = q.transition
        label = full_label(row) if row is not None else q.event
        reference = cite(q.rule) or q.rule
        text.append("\n" + _("on {label} · {rule}").format(label=label, rule=reference))
        if row is not None:  # every row of the table has its sentence (tests/ui/test_diagram_layout.py)
            text.append("\n" + sentence(row))
        score = score_text(quiz)
        go_on = _("enter continue")
        line = Text(f"{score} · {go_on}")
        line.stylize("bold", 0, len(score))
        text.append("\n")
        text.append_text(line)
        return text

    def action_go_on(self) -> None:
        if self.answer is not None:
            self.dismiss(True)

    def action_leave(self) -> None:
        self.dismiss(self.answer is not None)


class PredictSummary(Dialog[None]):
    """The end of a session in predict mode: the score, and each miss with the right answer."""

    BINDINGS = [Binding("escape,enter,space,q", "close", N_("Close"), show=False)]
    DEFAULT_CSS = """
    #predict-summary {
        overflow-x: hidden;
    }
    """

    def __init__(self, quiz: Quiz) -> None:
        super().__init__(classes="dialog")
        self.quiz = quiz

    def compose(self) -> ComposeResult:
        quiz = self.quiz
        text = Text(score_text(quiz), style="bold")
        missed = quiz.missed
        if missed:
            text.append("\n\n" + _("To look at again:"))
            for a in missed:  # all of them: the dialog scrolls
                q = a.question
                text.append(
                    "\n· "
                    + _("t = {t} s, {who}: {old} → {new} on {event} (you said {chosen})").format(
                        t=f"{q.t:.3f}",
                        who=_(q.endpoint),
                        old=q.old.value,
                        new=q.answer.value,
                        event=q.event,
                        chosen=a.chosen.value,
                    )
                )
        else:
            text.append("\n\n" + _("Every state change predicted."))
        with VerticalScroll(classes="dialog-box", id="predict-summary"):  # many misses scroll at 80x24
            yield Label(_("Predict mode: the end"), classes="dialog-title")
            yield Static(Wrapped(text))
            yield Label(_("b steps back · r plays it again · enter close"), classes="dialog-hint")

    def action_close(self) -> None:
        self.dismiss(None)
