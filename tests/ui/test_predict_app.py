"""Predict mode in the app (issue 11): `g` or `tcpsim --predict`; before each state change the app
asks which state comes next, answers with the RFC rule, keeps the score in the status line and sums
up at the end; `b` and replay do not ask twice; play stops to ask."""

from __future__ import annotations

import asyncio
import io
import time
from collections.abc import Awaitable, Callable

from rich.console import Console
from rich.text import Text
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Static

from tcpsim import i18n
from tcpsim.scenario import load_file, resolve
from tcpsim.ui.app import TcpsimApp
from tcpsim.ui.screens.predict import PredictQuestion, PredictSummary


def predicting(name: str = "lost-final-ack") -> TcpsimApp:
    app = TcpsimApp(load_file(resolve(name)), clock=False)
    app.predicting = True
    return app


def run(app: TcpsimApp, test: Callable[[Pilot, TcpsimApp], Awaitable[None]], size: tuple[int, int] = (120, 36)) -> None:
    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            app.clear_notifications()
            await test(pilot, app)

    asyncio.run(main())


def status(app: TcpsimApp) -> str:
    return str(app.query_one("#status", Static).content)


def shown(dialog: Screen[object]) -> str:
    """Every label and paragraph of a dialog, as Rich renders them at 200 columns (one line each)."""
    console = Console(width=200, record=True, file=io.StringIO())
    for widget in dialog.query(Static):  # a Label is a Static
        content = widget.content
        console.print(Text(content) if isinstance(content, str) else content)
    return console.export_text()


async def ask(pilot: Pilot, app: TcpsimApp) -> PredictQuestion:
    """n until a question is asked."""
    for _ in range(50):
        if isinstance(app.screen, PredictQuestion):
            return app.screen
        await pilot.press("n")
        await pilot.pause()
    raise AssertionError("no question asked")


async def answer(pilot: Pilot, dialog: PredictQuestion, right: bool = True) -> None:
    q = dialog.question
    pick = next(i for i, s in enumerate(q.choices) if (s is q.answer) == right)
    await pilot.press(str(pick + 1))
    await pilot.pause()


def test_a_right_answer_takes_the_step_and_scores() -> None:
    async def test(pilot: Pilot, app: TcpsimApp) -> None:
        done = app.session.view.progress.done
        dialog = await ask(pilot, app)
        q = dialog.question
        assert app.session.view.progress.done == done  # asked before the step
        assert app.session.view.endpoints[q.endpoint].state is q.old
        assert len(q.choices) >= 3 and q.answer in q.choices
        await answer(pilot, dialog, right=True)
        assert app.session.view.endpoints[q.endpoint].state is q.answer  # the answer took the step
        text = shown(dialog)
        assert "✓" in text and "RFC 9293 §3.10" in text and "score: 1 of 1 right" in text
        assert status(app).startswith("predict 1/1 · ")
        await pilot.press("enter")
        await pilot.pause()
        assert not isinstance(app.screen, PredictQuestion)

    run(predicting(), test)


def test_a_wrong_answer_shows_the_right_state_and_its_rule() -> None:
    async def test(pilot: Pilot, app: TcpsimApp) -> None:
        dialog = await ask(pilot, app)
        q = dialog.question
        await answer(pilot, dialog, right=False)
        text = shown(dialog)
        assert f"the {q.endpoint} goes {q.old.value} → {q.answer.value}" in text
        assert "score: 0 of 1 right" in text
        await pilot.press("2")  # a second key changes nothing: the first answer counts
        await pilot.pause()
        assert "score: 0 of 1 right" in shown(dialog)
        assert status(app).startswith("predict 0/1")

    run(predicting(), test)


def test_escape_leaves_the_question_unanswered_and_the_step_untaken() -> None:
    async def test(pilot: Pilot, app: TcpsimApp) -> None:
        dialog = await ask(pilot, app)
        done = app.session.view.progress.done
        await pilot.press("escape")
        await pilot.pause()
        assert app.session.view.progress.done == done
        assert status(app).startswith("predict 0/0")
        assert (await ask(pilot, app)).question == dialog.question  # n asks it again

    run(predicting(), test)


def test_back_then_n_replays_answered_steps_without_asking_again() -> None:
    async def test(pilot: Pilot, app: TcpsimApp) -> None:
        for _ in range(5):
            dialog = await ask(pilot, app)
            await answer(pilot, dialog)
            await pilot.press("enter")
            await pilot.pause()
        done = app.session.view.progress.done
        for _ in range(3):
            await pilot.press("b")
            await pilot.pause()
        assert app.session.view.progress.rewound == 3
        for _ in range(3):
            await pilot.press("n")
            await pilot.pause()
            assert not isinstance(app.screen, PredictQuestion)
        assert app.session.view.progress.done == done
        assert status(app).startswith("predict 5/5")
        dialog = await ask(pilot, app)  # new ground: asked again
        assert dialog.question.key[0] >= done

    run(predicting(), test)


def test_the_end_sums_up_and_r_starts_a_new_score() -> None:
    async def test(pilot: Pilot, app: TcpsimApp) -> None:
        wrong_once = True
        while True:
            for _ in range(200):
                if isinstance(app.screen, PredictQuestion | PredictSummary) or app.session.view.finished:
                    break
                await pilot.press("n")
                await pilot.pause()
            if not isinstance(app.screen, PredictQuestion):
                break
            await answer(pilot, app.screen, right=not wrong_once)
            wrong_once = False
            await pilot.press("enter")
            await pilot.pause()
        assert isinstance(app.screen, PredictSummary)
        quiz = app.screen.quiz
        assert quiz.total >= 10 and quiz.right == quiz.total - 1
        text = shown(app.screen)
        assert f"score: {quiz.right} of {quiz.total} right" in text and "you said" in text
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("n")  # the end again: no second summary of the same answers
        await pilot.pause()
        assert not isinstance(app.screen, PredictSummary)
        await pilot.press("r")
        await pilot.pause()
        assert status(app).startswith("predict 0/0")

    run(predicting(), test)


def test_play_stops_to_ask_and_goes_on_after_the_answer() -> None:
    async def test(pilot: Pilot, app: TcpsimApp) -> None:
        dialog = await ask(pilot, app)  # the server's LISTEN at t = 0
        await answer(pilot, dialog)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("space")
        assert app.playing
        for _ in range(100):
            app._last_frame = time.monotonic() - 0.25  # a quarter of a second of play per tick
            app._tick()
            await pilot.pause()
            if isinstance(app.screen, PredictQuestion):
                break
        assert isinstance(app.screen, PredictQuestion)
        assert not app.playing
        await answer(pilot, app.screen)
        await pilot.press("enter")
        await pilot.pause()
        assert app.playing  # play goes on

    run(predicting(), test)


def test_g_turns_predict_mode_on_and_off() -> None:
    async def test(pilot: Pilot, app: TcpsimApp) -> None:
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, PredictQuestion) and not status(app).startswith("predict")
        await pilot.press("g")
        await pilot.pause()
        assert app.predicting and status(app).startswith("predict 0/0")
        await ask(pilot, app)
        await pilot.press("escape")
        await pilot.press("g")
        await pilot.pause()
        assert not app.predicting and not status(app).startswith("predict")

    run(TcpsimApp(load_file(resolve("three-way-handshake")), clock=False), test)


def test_the_question_in_chinese() -> None:
    i18n.set_language("zh")

    async def test(pilot: Pilot, app: TcpsimApp) -> None:
        dialog = await ask(pilot, app)
        assert "预测" in shown(dialog)
        await answer(pilot, dialog, right=False)
        assert "得分" in shown(dialog)
        assert status(app).startswith("预测 0/1")

    run(predicting(), test, size=(80, 24))
