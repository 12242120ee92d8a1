import pytest

from bot.bank import Question
from bot.interview import (
    Interview, QuestionRecord, Reply, Setup, next_difficulty, next_filters, next_topic, parse_command, respond, start,
)
from bot.scoring import Criterion, Score, band_for, level_for, weighted_score


def make_question(qid="q1", topic="mlops_monitor_retrain", difficulty=2):
    return Question.model_validate(
        {
            "id": qid, "topic": topic, "subtopic": "drift", "type": "scenario", "levels": ["mid", "senior"],
            "difficulty": difficulty, "minutes": 8, "question": f"How do you detect drift? ({qid})",
            "rubric": [
                {"id": "kinds", "weight": 3, "point": "Separates data drift, concept drift and label drift."},
                {"id": "tests", "weight": 2, "point": "Uses PSI or a KS test per feature with a threshold."},
                {"id": "response", "weight": 1, "point": "Investigates, retrains and validates before promotion."},
            ],
            "red_flags": ["Retraining daily fixes all drift."],
            "level_signals": {"mid": "Tests.", "senior": "Response plan."},
            "follow_ups": [
                {"question": "Which kinds of drift are there?", "targets": ["kinds"]},
                {"question": "Which statistical test, and what threshold?", "targets": ["tests"]},
                {"question": "What happens after the alert?", "targets": ["tests", "response"]},
            ],
            "reference_answer": "Data drift, concept drift, label drift; PSI per feature; investigate and retrain.",
            "tags": ["drift"],
        }
    )


class ScriptedGrader:
    """Gives full credit to each point whose id appears in the answer text; remembers every call."""

    def __init__(self):
        self.calls = []

    def score(self, question, answer, notes=()):
        self.calls.append((question.id, answer, tuple(notes)))
        criteria = [
            Criterion(point_id=p.id, point=p.point, weight=p.weight, credit="full" if p.id in answer else "none")
            for p in question.rubric
        ]
        value = weighted_score(criteria)
        return Score(question_id=question.id, score=value, band=band_for(value), level=level_for(value, question.levels),
                     criteria=criteria, feedback=f"feedback for {question.id}", notes=list(notes))


QUESTIONS = {q.id: q for q in (make_question("q1"), make_question("q2"), make_question("q3"))}


def chooser(state):
    remaining = [q for qid, q in QUESTIONS.items() if qid not in state.asked_ids]
    return remaining[0] if remaining else None


def begin(**setup):
    return start(Setup(**{"questions": 2, **setup}), QUESTIONS["q1"])


def say(state, text, grader):
    return respond(state, text, QUESTIONS.__getitem__, grader, chooser)


def test_start_asks_the_first_question():
    state, replies = begin()
    assert replies[0].kind == "question"
    assert replies[0].text == "Question 1 of 2: How do you detect drift? (q1)"
    assert state.current.question_id == "q1"


@pytest.mark.parametrize(
    ("answer", "expected_follow_up"),
    [
        ("nothing useful", "Which kinds of drift are there?"),
        ("kinds", "Which statistical test, and what threshold?"),
        ("kinds response", "Which statistical test, and what threshold?"),
        ("kinds tests", None),
        ("kinds tests response", None),
    ],
    ids=["nothing-covered-asks-heaviest", "kinds-covered-asks-tests", "response-covered-still-tests",
         "follow-up-never-aims-at-covered-point", "all-covered-no-follow-up"],
)
def test_follow_up_targets_heaviest_missed_point(answer, expected_follow_up):
    grader = ScriptedGrader()
    state, _ = begin()
    state, replies = say(state, answer, grader)
    if expected_follow_up is None:
        assert replies[0].kind == "feedback"
        assert state.records[0].outcome == "answered"
    else:
        assert replies == [type(replies[0])("follow_up", expected_follow_up)]
        assert state.awaiting_follow_up


def test_at_most_two_follow_ups_then_the_question_is_scored_on_all_answers():
    grader = ScriptedGrader()
    state, _ = begin()
    state, first = say(state, "nothing", grader)
    state, second = say(state, "still nothing", grader)
    state, third = say(state, "kinds", grader)
    assert [r.kind for r in first + second] == ["follow_up", "follow_up"]
    assert third[0].kind == "feedback"
    assert third[0].text.startswith("Score 50/100 (developing).")
    assert third[1].text == "Question 2 of 2: How do you detect drift? (q2)"
    assert state.records[0].answers == ("nothing", "still nothing", "kinds")
    assert grader.calls[-1] == ("q1", "nothing\nstill nothing\nkinds", ())


def test_interview_mode_keeps_feedback_for_the_end():
    grader = ScriptedGrader()
    state, _ = begin(mode="interview")
    state, replies = say(state, "kinds tests response", grader)
    assert [r.kind for r in replies] == ["question"]
    assert state.records[0].score.score == 100


@pytest.mark.parametrize(
    ("text", "command"),
    [("hint", "hint"), ("Hint.", "hint"), ("repeat", "repeat"), ("skip", "skip"), ("pass", "skip"),
     ("I don't know", "dont_know"), ("i dont know.", "dont_know"), ("IDK", "dont_know"), ("end", "end"),
     ("stop", "end"), ("I don't know the exact PSI threshold but 0.2 is common", None), ("skipping layers", None)],
)
def test_commands_are_whole_answers_only(text, command):
    assert parse_command(text) == command


def test_repeat_gives_the_question_or_the_pending_follow_up():
    grader = ScriptedGrader()
    state, _ = begin()
    same, replies = say(state, "repeat", grader)
    assert same == state and replies[0].text == "How do you detect drift? (q1)"
    state, _ = say(state, "nothing", grader)
    _, replies = say(state, "repeat", grader)
    assert replies[0].text == "Which kinds of drift are there?"


def test_hint_nudges_toward_the_heaviest_missed_point_and_is_noted_in_the_score():
    grader = ScriptedGrader()
    state, _ = begin()
    state, replies = say(state, "hint", grader)
    assert replies[0].text == "Hint: Which kinds of drift are there? (A hint is noted in the score.)"
    state, replies = say(state, "kinds tests response", grader)
    assert state.records[0].hints == ("kinds",)
    assert grader.calls[-1][2] == ("1 hint(s) used, toward: kinds.",)
    assert state.records[0].score.notes == ["1 hint(s) used, toward: kinds."]


def test_hint_after_the_follow_up_for_that_point_gives_the_points_opening_words_instead():
    grader = ScriptedGrader()
    state, _ = begin()
    state, replies = say(state, "tests and response", grader)
    assert replies == [Reply("follow_up", "Which kinds of drift are there?")]
    state, replies = say(state, "hint", grader)
    assert replies[0].text == (
        "Hint: Think about this: Separates data drift, concept drift and label… (A hint is noted in the score.)"
    )
    state, replies = say(state, "hint", grader)
    assert replies[0].text == "You have touched every point I would look for; round off your answer."


def test_skip_and_dont_know_score_zero_and_move_on():
    grader = ScriptedGrader()
    state, _ = begin(questions=3)
    state, replies = say(state, "skip", grader)
    assert state.records[0].outcome == "skipped"
    assert state.records[0].score.score == 0 and state.records[0].score.notes == ["Skipped."]
    assert replies[-1].text.startswith("Question 2 of 3")
    state, replies = say(state, "I don't know", grader)
    assert state.records[1].outcome == "dont_know"
    assert {c.credit for c in state.records[1].score.criteria} == {"not_assessed"}
    assert grader.calls == []


def test_end_finishes_the_session_and_keeps_the_partial_answer():
    grader = ScriptedGrader()
    state, _ = begin(questions=3)
    state, _ = say(state, "kinds", grader)  # a follow-up is pending
    state, replies = say(state, "end", grader)
    assert state.finished and state.current is None
    assert state.records[0].outcome == "ended" and state.records[0].score.score == 50
    assert replies[-1].kind == "finished"
    _, after = say(state, "more words", grader)
    assert after[0].kind == "notice"


def test_session_ends_after_the_chosen_number_of_questions():
    grader = ScriptedGrader()
    state, _ = begin(questions=2, mode="interview")
    state, _ = say(state, "kinds tests response", grader)
    state, replies = say(state, "kinds tests response", grader)
    assert state.finished
    assert [r.question_id for r in state.records] == ["q1", "q2"]
    assert replies[-1].kind == "finished"


def test_session_ends_when_no_question_is_left():
    grader = ScriptedGrader()
    state, _ = start(Setup(questions=10, mode="interview"), QUESTIONS["q1"])
    for _ in range(3):
        state, replies = say(state, "kinds tests response", grader)
    assert state.finished and len(state.records) == 3


def record(difficulty, score, outcome="answered"):
    value = Score(question_id="x", score=score, band=band_for(score), level="mid", criteria=[])
    return QuestionRecord("x", "t", "scenario", difficulty, outcome=outcome, score=value)


@pytest.mark.parametrize(
    ("level", "records", "expected"),
    [
        ("junior", (), 1), ("mid", (), 2), ("staff", (), 3),
        ("mid", (record(2, 80),), 3), ("mid", (record(2, 30),), 1), ("mid", (record(2, 60),), 2),
        ("mid", (record(3, 90),), 3), ("mid", (record(1, 10),), 1),
        ("mid", (record(2, 90), record(3, 20)), 2),
    ],
    ids=["junior-starts-easy", "mid-starts-middle", "staff-starts-hard", "up-after-strong", "down-after-weak",
         "stays-after-solid", "capped-at-3", "floored-at-1", "follows-the-last-answer"],
)
def test_difficulty_adapts_to_the_last_score(level, records, expected):
    assert next_difficulty(Interview(Setup(level=level), records=records)) == expected


def test_next_filters_never_repeat_and_rotate_topics():
    state = Interview(Setup(level="senior", topics=("nlp_llm", "coding")), records=(record(2, 60),))
    filters = next_filters(state, next_topic(state))
    assert filters.topic == "coding"
    assert filters.level == "senior"
    assert filters.exclude == ("x",)


@pytest.mark.parametrize("text", ["", "   ", "\n\t\n"], ids=["empty", "spaces", "blank-lines"])
def test_empty_answer_asks_again_without_using_a_follow_up(text):
    grader = ScriptedGrader()
    state, _ = begin()
    after, replies = say(state, text, grader)
    assert replies == [Reply("notice", "I did not get an answer. Type your answer, or skip, hint or end.")]
    assert after == state and grader.calls == []


def test_feedback_tells_the_score_the_points_and_every_note():
    grader = ScriptedGrader()
    state, _ = begin()
    state, _ = say(state, "hint", grader)
    state, replies = say(state, "kinds tests response", grader)
    assert replies[0] == Reply(
        "feedback", "Score 100/100 (strong).\nfeedback for q1\nNote: 1 hint(s) used, toward: kinds."
    )
