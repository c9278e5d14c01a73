"""Predict mode's questions (tcpsim.scenario.predict): built from what the next step would do, the
right state among plausible wrong ones, asked once per place in the history."""

from __future__ import annotations

from tcpsim.core.states import State
from tcpsim.core.transitions import TRANSITIONS
from tcpsim.scenario import load_file, resolve
from tcpsim.scenario.predict import CHOICES, Quiz, choices, question
from tcpsim.scenario.session import Session


def test_every_arrow_offers_its_target_among_few_plausible_states_in_the_rfcs_order() -> None:
    order = list(State)
    for t in TRANSITIONS:
        offered = choices(t.source, t.target)
        assert t.target in offered and t.source not in offered
        assert 3 <= len(offered) <= CHOICES
        assert list(offered) == sorted(offered, key=order.index)  # where the answer stands says nothing


def test_fin_wait_1_offers_the_other_ways_out_of_it() -> None:
    offered = choices(State.FIN_WAIT_1, State.FIN_WAIT_2)
    assert {State.CLOSING, State.TIME_WAIT} <= set(offered)


def questions_of(name: str) -> list[tuple[str, str, str]]:
    """Every question a scenario raises, stepped to its end, as (endpoint, from, to)."""
    session = Session(load_file(resolve(name)))
    asked = []
    while True:
        peeked = session.peek()
        q = question(peeked, session.view.progress.done)
        before = len(session.trace)
        if not session.step():
            break
        if q is not None:
            asked.append((q.endpoint, q.old.value, q.answer.value))
            changes = [(e.endpoint, e.old, e.new) for e in session.trace[before:] if e.type == "state"]
            assert changes[0] == asked[-1]  # the question was about what the step then did
            assert q.before == tuple(r for r in peeked if r.type != "state")[: len(q.before)]
    return asked


def test_a_question_before_each_state_change_of_lost_final_ack() -> None:
    asked = questions_of("lost-final-ack")
    assert ("client", "FIN-WAIT-2", "TIME-WAIT") in asked
    assert ("server", "LAST-ACK", "CLOSED") in asked
    assert asked[-1] == ("client", "TIME-WAIT", "CLOSED")


def test_peek_after_a_rewind_sees_the_same_step() -> None:
    session = Session(load_file(resolve("three-way-handshake")))
    for _ in range(3):
        session.step()
    ahead = session.peek()
    session.step()
    session.back()
    assert session.peek() == ahead  # the branch ahead is peeked as the world's next event


def test_the_quiz_counts_an_answer_once() -> None:
    session = Session(load_file(resolve("three-way-handshake")))
    q = question(session.peek(), session.view.progress.done)
    assert q is not None
    quiz = Quiz()
    wrong = next(s for s in q.choices if s is not q.answer)
    assert not quiz.answer(q, wrong).right
    assert quiz.answer(q, q.answer).chosen is wrong  # the first answer counts
    assert (quiz.right, quiz.total, len(quiz.missed)) == (0, 1, 1)
    assert quiz.asked(q)
    quiz.reset()
    assert quiz.total == 0 and not quiz.asked(q)
