"""Guards on the shipped bank: it loads, it is big and broad enough, and it is internally sound."""

import re
from collections import Counter

import pytest

from bot.bank import TOPICS, load_bank
from bot.bank_quality import misspellings, near_duplicates, point_coverage, reference_passages, uncovered_points
from bot.settings import SHIPPED_BANK_DIR

# The least each topic holds; any topic not named holds at least OTHER_TOPIC_MINIMUM.
TOPIC_MINIMUM = {
    "ml_fundamentals": 45, "deep_learning": 35, "nlp_llm": 40, "ml_system_design": 35, "mlops_deploy_serve": 35,
    "mlops_monitor_retrain": 35, "mlops_platform_cicd": 35, "evaluation_metrics": 30, "data_features": 30,
    "stats_probability": 25, "behavioral": 20,
}
OTHER_TOPIC_MINIMUM = 15
ID_PREFIX = {
    "ml_fundamentals": "mlfund-", "math_foundations": "math-", "stats_probability": "stats-",
    "deep_learning": "dl-", "nlp_llm": "nlp-", "computer_vision": "cv-", "recsys_search_ranking": "recsys-",
    "other_ml_domains": "otherml-", "data_features": "data-", "evaluation_metrics": "eval-",
    "experimentation_ab": "abtest-", "ml_system_design": "design-", "mlops_deploy_serve": "deploy-",
    "mlops_monitor_retrain": "monitor-", "mlops_platform_cicd": "platform-", "data_eng_sql": "sql-",
    "coding": "coding-", "distributed_infra": "infra-", "behavioral": "behav-",
}
STAR = {"situation", "task", "action", "result"}
NEAR_DUPLICATE_ALLOWED: set[frozenset[str]] = set()


@pytest.fixture(scope="module")
def bank():
    return load_bank(SHIPPED_BANK_DIR)


def test_bank_is_large_enough(bank):
    assert len(bank) >= 500


@pytest.mark.parametrize("topic", TOPICS)
def test_every_topic_has_enough_questions(bank, topic):
    assert len(bank.with_topic(topic)) >= TOPIC_MINIMUM.get(topic, OTHER_TOPIC_MINIMUM)


@pytest.mark.parametrize("topic", TOPICS)
def test_every_topic_spans_every_level_and_difficulty(bank, topic):
    questions = bank.with_topic(topic)
    assert {level for q in questions for level in q.levels} == {"junior", "mid", "senior", "staff"}
    assert {q.difficulty for q in questions} == {1, 2, 3}


@pytest.mark.parametrize("topic", [t for t in TOPICS if t not in ("behavioral", "coding")])
def test_every_technical_topic_mixes_question_types(bank, topic):
    assert len({q.type for q in bank.with_topic(topic)}) >= 2


def test_ids_carry_their_topic_prefix(bank):
    wrong = [q.id for q in bank if not q.id.startswith(ID_PREFIX[q.topic])]
    assert wrong == []


def test_behavioral_questions_use_a_star_rubric(bank):
    missing = {q.id: sorted(STAR - {p.id for p in q.rubric}) for q in bank.with_topic("behavioral")}
    assert {qid: gaps for qid, gaps in missing.items() if gaps} == {}
    assert all(q.type == "behavioral" for q in bank.with_topic("behavioral"))


def test_every_follow_up_aims_at_a_real_rubric_point(bank):
    for q in bank:
        points = {p.id for p in q.rubric}
        assert len(q.follow_ups) >= 2, q.id
        for follow_up in q.follow_ups:
            assert set(follow_up.targets) <= points, q.id


def test_rubric_points_are_specific_not_vague(bank):
    vague = re.compile(r"^(mentions|talks about|discusses|knows about)\b", re.IGNORECASE)
    offenders = [(q.id, p.id) for q in bank for p in q.rubric if vague.match(p.point) or len(p.point.split()) < 8]
    assert offenders == []


def test_reference_answers_are_substantial(bank):
    short = [q.id for q in bank if len(q.reference_answer.split()) < 80]
    assert short == []


def test_no_two_questions_share_a_text(bank):
    counts = Counter(" ".join(q.question.lower().split()) for q in bank)
    assert [text for text, n in counts.items() if n > 1] == []


def test_no_near_duplicate_questions(bank, embedder):
    questions = list(bank)
    vectors = embedder.embed([q.question for q in questions])
    assert near_duplicates(questions, vectors, allowed=NEAR_DUPLICATE_ALLOWED) == []


def test_every_reference_answer_covers_every_rubric_point(bank, embedder):
    uncovered = []
    for question in bank:
        points = embedder.embed([p.point for p in question.rubric])
        passages = embedder.embed(reference_passages(question.reference_answer))
        uncovered += uncovered_points(question, point_coverage(points, passages))
    assert uncovered == []


def test_terms_are_spelled_one_way(bank):
    assert misspellings(bank) == []
