"""Predict mode (``g``, ``tcpsim --predict``): before each state change, the app asks which state
comes next, then shows the answer with its RFC rule and keeps the score.

Everything goes through the session's protocol, as every key does: :meth:`SessionProtocol.peek`
says what the next step would do (and puts everything back), the question is built from those
records (:mod:`tcpsim.scenario.predict`), and the answer takes the step with
:meth:`SessionProtocol.step`, exactly as ``n`` does. Nothing here reaches into a world or a TCB.

``n`` asks before a step that changes a state; play steps event by event up to where it would have
run, and stops at the first such step to ask (answering continues the play). A question already
answered on this branch of the history is not asked again: ``b`` then ``n`` replays it quietly and
the score stays as it was. When nothing more will happen, a summary lists the score and each miss.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.states import State
from ..i18n import _

if TYPE_CHECKING:
    from ..scenario.predict import Answer, Question, Quiz
    from ..scenario.view import SessionProtocol
    from .app import TcpsimApp

# tcpsim.scenario.predict is imported when predict mode is first used: start-up does not need it.


class PredictActions:
    """The app's predict mode: a mixin of :class:`~tcpsim.ui.app.TcpsimApp` (its key, its hooks
    in ``n``, play and the status line). The app calls the ``_predict_*`` hooks; they do nothing
    while the mode is off."""

    predicting = False
    """Whether predict mode is on (``g`` toggles it; ``tcpsim --predict`` starts with it on)."""

    def _predict_score(self) -> Quiz:
        """The score of the session on screen: a new one when another session was loaded."""
        app = self._predict_app()
        quiz: Quiz | None = getattr(self, "_predict_quiz", None)
        if quiz is None or getattr(self, "_predict_session", None) is not app.session:
            from ..scenario.predict import Quiz

            quiz = Quiz()
            self._predict_quiz: Quiz = quiz
            self._predict_session: SessionProtocol = app.session
        return quiz

    def _predict_app(self) -> TcpsimApp:
        return self  # type: ignore[return-value]

    # ------------------------------------------------------------------ the key
    def action_toggle_predict(self) -> None:
        app = self._predict_app()
        self.predicting = not self.predicting
        quiz = self._predict_score()
        if self.predicting:
            app.notify(
                _("Before each state change you choose the next state (keys 1-4); n and play ask. g turns it off."),
                title=_("Predict mode on"),
            )
        else:
            app.notify(
                _("{right} of {total} right.").format(right=quiz.right, total=quiz.total),
                title=_("Predict mode off"),
            )
        app._status()

    # ------------------------------------------------------------------ the hooks
    def _predict_question(self) -> Question | None:
        """The question the next step raises, if predict mode is on and it has not been answered."""
        if not self.predicting:
            return None
        from ..scenario.predict import question

        session = self._predict_app().session
        q = question(session.peek(), session.view.progress.done)
        if q is None or self._predict_score().asked(q):
            return None
        return q

    def _predict_step(self) -> bool:
        """``n``: True when a question was asked instead (the answer takes the step)."""
        q = self._predict_question()
        if q is None:
            return False
        self._predict_ask(q, resume=False)
        return True

    def _predict_play(self, target: float) -> bool:
        """Play up to ``target``, one step at a time, stopping before a step that raises a question.
        True when it stopped to ask (play is paused until the answer)."""
        if not self.predicting:
            return False
        app = self._predict_app()
        session = app.session
        while (nxt := session.view.next) is not None and nxt.at <= target:
            q = self._predict_question()
            if q is not None:
                app.playing = False
                app.publish()
                self._predict_ask(q, resume=True)
                return True
            session.step()
        return False

    def _predict_status(self) -> str:
        """The status line's part: the score while predict mode is on."""
        if not self.predicting:
            return ""
        quiz = self._predict_score()
        return _("predict {right}/{total}").format(right=quiz.right, total=quiz.total)

    def _predict_end(self) -> None:
        """At the end of the session, once, the summary of what was asked since the last one."""
        app = self._predict_app()
        if not self.predicting or not app.session.view.finished:
            return
        quiz = self._predict_score()
        if quiz.total <= quiz.summarised or (app.screen_stack and app.screen is not app.screen_stack[0]):
            return
        quiz.summarised = quiz.total
        from .screens.predict import PredictSummary

        app.push_screen(PredictSummary(quiz))

    def _predict_reset(self) -> None:
        """``r``: the session starts again, and so does the score."""
        self._predict_score().reset()

    # ------------------------------------------------------------------ asking
    def _predict_ask(self, q: Question, *, resume: bool) -> None:
        from .screens.predict import PredictQuestion

        app = self._predict_app()

        def answering(chosen: State) -> tuple[Answer, Quiz]:
            quiz = self._predict_score()
            answer = quiz.answer(q, chosen)
            app.session.step()  # the step the question was about, as n takes it
            app.publish()
            return answer, quiz

        def done(answered: bool | None) -> None:
            if answered and resume and not app.session.view.finished:
                app.playing = True
            app.publish()  # the status line's score, and the end's summary if this was the end

        view = app.session.view
        app.clear_notifications()  # a toast would cover the question
        app.push_screen(PredictQuestion(q, answering, view.trace.records[: view.trace.length], view.stacks), done)
