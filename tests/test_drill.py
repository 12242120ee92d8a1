from datetime import UTC, datetime, timedelta

import pytest

from bot.drill import Review, due_questions, pick_drill_question, schedule
from bot.storage import PastScore

NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)


def day(n, hour=9):
    """March n, 2025 at this hour, UTC."""
    return datetime(2025, 3, n, hour, 0, tzinfo=UTC)


def history_of(*rows):
    """Past scores from (question_id, score, day of March) rows."""
    return [PastScore(question_id, score, day(n)) for question_id, score, n in rows]


@pytest.mark.parametrize(("scores", "box", "due_at", "due"), [
    ([40], 0, day(1), True),
    ([59], 0, day(1), True),
    ([0], 0, day(1), True),
    ([60], 1, day(2), True),
    ([75], 1, day(2), True),
    ([70, 90], 2, day(5), True),
    ([70, 90, 80], 3, day(10), True),
    ([70, 90, 80, 100], 4, day(25), False),
    ([70, 90, 80, 100, 95], 4, day(26), False),
    ([80, 90, 85, 30], 0, day(4), True),
    ([30, 70], 1, day(3), True),
    ([80, 80, 80, 20, 80, 80], 2, day(9), True),
    ([80, 80, 80, 20, 80, 80, 80], 3, day(14), False),
], ids=[
    "weak: due at once", "59 is weak", "skip scored 0 is weak", "60 is strong: 1 day", "strong once: 1 day",
    "strong twice: 3 days", "strong three times: 7 days, due exactly now", "strong four times: 21 days",
    "a fifth strong stays in the top box", "weak after strong resets to box 0", "strong after weak: box 1",
    "strong after a reset counts from one", "box 3 not due yet",
])
def test_box_and_due_date_follow_the_consecutive_strong_scores(scores, box, due_at, due):
    history = history_of(*[("q1", score, n) for n, score in enumerate(scores, start=1)])

    assert schedule(history, NOW) == {"q1": Review("q1", box, scores[-1], day(len(scores)), due_at, due)}


def test_each_strong_score_moves_up_a_box_and_a_weak_one_resets_it():
    history = history_of(("q1", 30, 1), ("q1", 70, 2), ("q1", 85, 3), ("q1", 40, 4), ("q1", 65, 5))

    steps = [(r.box, r.last_score, r.due_at) for r in (schedule(history[:n], NOW)["q1"] for n in range(1, 6))]

    assert steps == [(0, 30, day(1)), (1, 70, day(3)), (2, 85, day(6)), (0, 40, day(4)), (1, 65, day(6))]


@pytest.mark.parametrize(("now", "due"), [
    (day(3) - timedelta(seconds=1), False),
    (day(3), True),
    (day(3) + timedelta(seconds=1), True),
], ids=["a second early", "exactly at due_at", "a second late"])
def test_question_is_due_from_its_due_time_on(now, due):
    review = schedule(history_of(("q1", 30, 1), ("q1", 70, 2)), now)["q1"]

    assert (review.due_at, review.due) == (day(3), due)


def test_scores_count_in_time_order_whatever_order_they_come_in():
    history = [PastScore("q1", 20, day(3)), PastScore("q1", 90, day(1)), PastScore("q1", 80, day(2))]

    assert schedule(history, NOW) == {"q1": Review("q1", 0, 20, day(3), day(3), True)}


@pytest.mark.parametrize(("history", "expected"), [
    (history_of(("a", 70, 1), ("b", 50, 9)), ["b", "a"]),
    (history_of(("a", 50, 1), ("b", 10, 9)), ["b", "a"]),
    (history_of(("a", 40, 9), ("b", 40, 1)), ["b", "a"]),
    (history_of(("b", 40, 1), ("a", 40, 1)), ["a", "b"]),
], ids=[
    "lower box first even when less overdue", "lower last score first in the same box",
    "longer overdue first with the same box and score", "id breaks a full tie",
])
def test_due_questions_come_weakest_first(history, expected):
    assert due_questions(history, NOW, {"a", "b"}) == expected


def test_due_questions_across_sessions_in_exact_order():
    history = history_of(
        ("mlops-drift", 85, 1), ("mlops-canary", 30, 1), ("mlops-shadow", 90, 2), ("mlops-drift", 45, 3),
        ("mlops-registry", 65, 4), ("mlops-canary", 72, 5), ("mlops-shadow", 95, 6), ("mlops-rollback", 45, 8),
        ("fundamentals-bias", 10, 2),
    )
    topic = {"mlops-drift", "mlops-canary", "mlops-shadow", "mlops-registry", "mlops-rollback", "mlops-feature-store"}

    assert due_questions(history, NOW, topic) == [
        "mlops-drift", "mlops-rollback", "mlops-registry", "mlops-canary", "mlops-shadow",
    ]
    assert due_questions(history, day(8, hour=12), topic) == [
        "mlops-drift", "mlops-rollback", "mlops-registry", "mlops-canary",
    ]


def test_only_candidate_questions_are_listed():
    history = history_of(("x", 10, 1), ("y", 20, 1), ("z", 30, 1))

    assert due_questions(history, NOW, {"y", "never-seen"}) == ["y"]
    assert due_questions(history, NOW, set()) == []


def test_never_seen_questions_have_no_review_and_are_never_due():
    history = history_of(("seen", 30, 1))

    assert set(schedule(history, NOW)) == {"seen"}
    assert schedule([], NOW) == {}
    assert due_questions(history, NOW, {"unseen-1", "unseen-2"}) == []


def test_questions_not_due_yet_are_left_out():
    history = history_of(("waiting", 90, 9), ("weak", 20, 9))

    assert due_questions(history, day(10, hour=8), {"waiting", "weak"}) == ["weak"]
    assert due_questions(history, day(10, hour=9), {"waiting", "weak"}) == ["weak", "waiting"]


@pytest.mark.parametrize(("due_ids", "asked_ids", "expected"), [
    (["a", "b", "c"], (), "a"),
    (["a", "b", "c"], ("a",), "b"),
    (["a", "b", "c"], ("c", "a"), "b"),
    (["a", "b"], ("x", "a", "b"), None),
    ([], ("a",), None),
], ids=["nothing asked yet", "skips the one asked", "asked order does not matter", "every due one asked",
        "nothing due"])
def test_pick_drill_question_skips_questions_asked_this_session(due_ids, asked_ids, expected):
    assert pick_drill_question(due_ids, asked_ids) == expected
