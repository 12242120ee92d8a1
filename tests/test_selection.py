import random

from bot.interview import Interview, QuestionRecord, Setup
from bot.scoring import Score
from bot.selection import choose_question


def asked(question, score):
    value = Score(question_id=question.id, score=score, band="solid", level="mid", criteria=[])
    return QuestionRecord(question.id, question.topic, question.type, question.difficulty, outcome="answered",
                          score=value)


def test_question_fits_topic_level_and_starting_difficulty(shipped_bank, shipped_index):
    state = Interview(Setup(level="senior", topics=("mlops_monitor_retrain",)))
    question = choose_question(state, shipped_bank, shipped_index, random.Random(1))
    assert question.topic == "mlops_monitor_retrain"
    assert "senior" in question.levels
    assert question.difficulty == 2


def test_a_session_never_repeats_a_question(shipped_bank, shipped_index):
    rng = random.Random(7)
    state = Interview(Setup(level="mid", topics=("coding",), questions=7))
    seen = []
    for _ in range(7):  # the shipped bank has 7 coding questions
        question = choose_question(state, shipped_bank, shipped_index, rng)
        assert question is not None and question.id not in seen
        seen.append(question.id)
        state = Interview(state.setup, records=state.records + (asked(question, 60),))
    assert len(set(seen)) == 7


def test_difficulty_goes_up_after_a_strong_answer(shipped_bank, shipped_index):
    first = shipped_bank.get("monitor-drift-detection-plan")
    state = Interview(Setup(level="senior", topics=("mlops_monitor_retrain",)), records=(asked(first, 90),))
    question = choose_question(state, shipped_bank, shipped_index, random.Random(3))
    assert question.difficulty == 3 and question.id != first.id


def test_theme_picks_the_nearest_question(shipped_bank, shipped_index):
    state = Interview(Setup(level="senior", theme="feature store with point-in-time correct joins"))
    question = choose_question(state, shipped_bank, shipped_index, random.Random(0))
    assert question.topic == "mlops_platform_cicd"
    assert "feature store" in (question.question + " ".join(question.tags)).lower()


def test_type_differs_from_the_last_two_when_it_can(shipped_bank, shipped_index):
    scenarios = [q for q in shipped_bank.with_topic("mlops_deploy_serve") if q.type == "scenario"][:2]
    state = Interview(Setup(level="mid", topics=("mlops_deploy_serve",)),
                      records=tuple(asked(q, 60) for q in scenarios))
    question = choose_question(state, shipped_bank, shipped_index, random.Random(5))
    assert question.type != "scenario"


def test_filters_are_relaxed_before_giving_up(shipped_bank, shipped_index):
    # Junior behavioral questions at difficulty 1 are rare: the choice still returns a behavioral one.
    state = Interview(Setup(level="junior", topics=("behavioral",)))
    question = choose_question(state, shipped_bank, shipped_index, random.Random(2))
    assert question.topic == "behavioral"
