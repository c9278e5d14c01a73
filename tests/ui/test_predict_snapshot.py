"""Predict mode's question and its answer at 80x24 (pytest-textual-snapshot): the smallest full
layout, where the dialog must fit with its choices, the rule and the score.

After an intended change: ``pytest tests/ui/test_predict_snapshot.py --snapshot-update``."""

from __future__ import annotations

from textual.pilot import Pilot

from tcpsim.scenario import load_file, resolve
from tcpsim.ui.app import TcpsimApp
from tcpsim.ui.screens.predict import PredictQuestion


def _app() -> TcpsimApp:
    app = TcpsimApp(load_file(resolve("lost-final-ack")), clock=False)
    app.predicting = True
    return app


async def _to_time_wait_question(pilot: Pilot) -> None:
    """Answer every question right until the client's FIN-WAIT-2 → TIME-WAIT is asked."""
    app = pilot.app
    assert isinstance(app, TcpsimApp)
    for _ in range(100):
        screen = app.screen
        if isinstance(screen, PredictQuestion):
            q = screen.question
            if q.old.value == "FIN-WAIT-2":
                break
            await pilot.press(str(q.choices.index(q.answer) + 1), "enter")
        else:
            await pilot.press("n")
        await pilot.pause()
    app.clear_notifications()
    await pilot.pause()


def test_the_question_at_80x24(snap_compare) -> None:
    assert snap_compare(_app(), terminal_size=(80, 24), run_before=_to_time_wait_question)


def test_a_wrong_answer_at_80x24(snap_compare) -> None:
    async def run_before(pilot: Pilot) -> None:
        await _to_time_wait_question(pilot)
        await pilot.press("1")  # CLOSED: wrong
        await pilot.pause()

    assert snap_compare(_app(), terminal_size=(80, 24), run_before=run_before)
