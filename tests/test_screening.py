from collections import Counter
from itertools import combinations

import numpy as np
import pytest

from bot.index import index_text, vector_method
from bot.job_description import split_requirements
from bot.screening import (
    ScreeningError,
    ScreenRequest,
    build_screening_set,
    eligible_questions,
    swap_question,
)
from bot.screening_draw import NEAR_DUPLICATE
from bot.vector_cache import VectorCache

MLOPS_JD = """\
Senior MLOps Engineer, Model Platform

About the role
We are looking for an MLOps engineer to take our models from notebooks to reliable production services.

Requirements:
- Deploy and serve models on Kubernetes with canary releases and fast rollback
- Build CI/CD pipelines that test, version and promote models automatically
- Monitor production models for data drift and trigger retraining
- Run a feature store and a model registry for several teams
- Keep inference latency and GPU cost under control

We are an equal opportunity employer. All qualified applicants will receive consideration.
"""

NLP_JD = """\
NLP / LLM Engineer

What you'll do:
* Fine-tune large language models with LoRA and instruction data
* Build retrieval-augmented generation over our documents with embeddings and a vector database
* Evaluate LLM outputs for hallucination and factual accuracy
* Work with tokenization, transformers and attention internals
* Reduce LLM serving cost with quantization and batching

Benefits include a competitive salary and paid time off.
"""

RECSYS_JD = """\
Recommender Systems Engineer

You will build the recommendation engine behind our home feed. You will design candidate generation \
and ranking models for millions of users.

Must have:
- Collaborative filtering and two-tower retrieval models
- Learning-to-rank models and ranking metrics such as NDCG
- Handling cold start for new users and new items
- Measuring recommendation quality with online A/B tests
"""


@pytest.fixture(scope="module")
def vectors(shipped_bank, embedder):
    """Question id -> vector of its index text, as embedder.embed makes it; the shipped vector file
    holds these already, so only new or changed questions are embedded here."""
    texts = [index_text(question) for question in shipped_bank]
    rows = VectorCache.load().embed(vector_method(embedder, documents=False), texts, embedder.embed)
    return {question.id: row for question, row in zip(shipped_bank, rows)}


def screen(bank, vectors, embedder=None, **fields):
    return build_screening_set(ScreenRequest(**fields), bank, vectors, embedder)


def leftovers(screening_set, bank, vectors):
    """Eligible questions not in the set that are no near-duplicate of a picked one."""
    picked = [vectors[question_id] for question_id in screening_set.question_ids]
    return [
        question for question in eligible_questions(screening_set.request, bank)
        if question.id not in screening_set.question_ids
        and all(float(vectors[question.id] @ vector) <= NEAR_DUPLICATE for vector in picked)
    ]


def test_same_seed_gives_the_same_set_and_another_seed_a_different_one(shipped_bank, vectors):
    fields = dict(level="senior", topic_weights={"mlops_deploy_serve": 1, "nlp_llm": 1}, count=8)
    first = screen(shipped_bank, vectors, seed=11, **fields)
    again = screen(shipped_bank, vectors, seed=11, **fields)
    other = screen(shipped_bank, vectors, seed=12, **fields)
    assert again.question_ids == first.question_ids
    assert len(first.question_ids) == 8
    assert other.question_ids != first.question_ids


def test_bank_order_does_not_change_the_set(shipped_bank, vectors):
    fields = dict(level="mid", count=10, seed=4)
    forward = screen(shipped_bank, vectors, **fields)
    backward = screen(list(reversed(shipped_bank.questions)), vectors, **fields)
    assert backward.question_ids == forward.question_ids


@pytest.mark.parametrize(
    "weights, count, expected",
    [
        ({"mlops_deploy_serve": 2, "ml_system_design": 1}, 9, {"mlops_deploy_serve": 6, "ml_system_design": 3}),
        ({"nlp_llm": 1, "deep_learning": 1, "ml_fundamentals": 1}, 10, None),
        ({"mlops_monitor_retrain": 3, "evaluation_metrics": 1, "behavioral": 0}, 8,
         {"mlops_monitor_retrain": 6, "evaluation_metrics": 2}),
    ],
    ids=["two-to-one", "equal-thirds", "zero-weight-left-out"],
)
def test_topics_share_the_questions_by_weight(shipped_bank, vectors, weights, count, expected):
    for seed in range(3):
        result = screen(shipped_bank, vectors, level="senior", topic_weights=weights, count=count, seed=seed)
        topics = Counter(pick.question.topic for pick in result.picks)
        if expected is None:  # 10 over three equal topics: 4, 3, 3 with the extra one by seed
            assert sorted(topics.values()) == [3, 3, 4] and set(topics) == set(weights)
        else:
            assert topics == expected


def test_a_short_topic_is_filled_from_the_other_topics_and_noted(shipped_bank, vectors):
    # Junior level has 3 experimentation questions and 12 evaluation ones.
    result = screen(shipped_bank, vectors, level="junior", count=10, seed=1,
                    topic_weights={"experimentation_ab": 1, "evaluation_metrics": 1})
    topics = Counter(pick.question.topic for pick in result.picks)
    assert topics == {"experimentation_ab": 3, "evaluation_metrics": 7}
    assert "Only 3 questions match topic Experimentation & A/B tests at level junior." in result.notes


def test_without_count_or_minutes_a_set_has_eight_questions(shipped_bank, vectors):
    result = screen(shipped_bank, vectors, level="mid", seed=2)
    assert len(result.picks) == 8
    assert result.total_minutes == sum(pick.question.minutes for pick in result.picks)


@pytest.mark.parametrize("level, minutes, weights", [
    ("mid", 45, {}),
    ("senior", 30, {"mlops_deploy_serve": 1, "ml_system_design": 1}),
    ("junior", 90, {"coding": 1, "ml_fundamentals": 2}),
    ("staff", 120, {}),
])
def test_time_budget_holds_and_no_eligible_question_is_left_that_fits(shipped_bank, vectors, level, minutes, weights):
    for seed in range(3):
        result = screen(shipped_bank, vectors, level=level, minutes=minutes, topic_weights=weights, seed=seed)
        room = minutes - result.total_minutes
        assert 0 <= room
        assert [q.id for q in leftovers(result, shipped_bank, vectors) if q.minutes <= room] == []


def test_count_and_minutes_together_keep_both_limits(shipped_bank, vectors):
    roomy = screen(shipped_bank, vectors, level="senior", count=6, minutes=60, seed=5)
    assert len(roomy.picks) == 6 and roomy.total_minutes <= 60
    tight = screen(shipped_bank, vectors, level="senior", count=6, minutes=30, seed=5)
    room = 30 - tight.total_minutes
    assert len(tight.picks) < 6 and room >= 0
    assert [q.id for q in leftovers(tight, shipped_bank, vectors) if q.minutes <= room] == []
    assert tight.notes[0] == (f"The set has {len(tight.picks)} of the 6 questions asked for: "
                              "no other eligible question fits the 30-minute budget.")


def test_included_questions_come_first_and_count_towards_the_limits(shipped_bank, vectors):
    include = ("design-home-feed-recommendation", "behav-failed-experiment-learning")  # 45 + 6 minutes
    for seed in range(4):
        result = screen(shipped_bank, vectors, level="senior", topic_weights={"mlops_deploy_serve": 1},
                        count=5, minutes=80, include=include, seed=seed)
        assert result.question_ids[:2] == include
        assert [pick.included for pick in result.picks] == [True, True, False, False, False]
        assert result.total_minutes <= 80
        assert {pick.question.topic for pick in result.picks[2:]} == {"mlops_deploy_serve"}


def test_excluded_questions_never_appear(shipped_bank, vectors):
    fields = dict(level="mid", topic_weights={"coding": 1}, count=4, seed=8)
    first = screen(shipped_bank, vectors, **fields)
    second = screen(shipped_bank, vectors, exclude=first.question_ids, **fields)
    assert len(second.picks) == 4
    assert set(second.question_ids).isdisjoint(first.question_ids)


@pytest.mark.parametrize("level", ["junior", "mid", "senior", "staff"])
def test_every_question_suits_the_level(shipped_bank, vectors, level):
    result = screen(shipped_bank, vectors, level=level, count=30, seed=6)
    assert len(result.picks) == 30
    assert [pick.question.id for pick in result.picks if level not in pick.question.levels] == []


def test_types_restrict_the_set(shipped_bank, vectors):
    result = screen(shipped_bank, vectors, level="senior", types=("design", "coding"), count=12, seed=1)
    assert len(result.picks) == 12
    assert {pick.question.type for pick in result.picks} <= {"design", "coding"}


def test_no_two_questions_are_near_duplicates(shipped_bank, vectors):
    # Mid-level deep learning and NLP hold a near-duplicate pair (0.85): "RNN/LSTM vs transformer".
    pair = {"dl-rnn-lstm-vs-transformer", "nlp-transformers-vs-rnns"}
    result = screen(shipped_bank, vectors, level="mid", topic_weights={"deep_learning": 1, "nlp_llm": 1},
                    count=50, seed=0)
    assert len(pair & set(result.question_ids)) == 1
    similarities = [float(vectors[a] @ vectors[b]) for a, b in combinations(result.question_ids, 2)]
    assert max(similarities) <= NEAR_DUPLICATE


def test_difficulty_mix_is_met_when_the_pool_allows(shipped_bank, vectors):
    result = screen(shipped_bank, vectors, level="senior", count=8, seed=2)
    assert Counter(pick.question.difficulty for pick in result.picks) == {1: 2, 2: 4, 3: 2}
    hard = screen(shipped_bank, vectors, level="senior", count=6, difficulty_mix={3: 1}, seed=2)
    assert [pick.question.difficulty for pick in hard.picks] == [3] * 6


def test_a_difficulty_mix_the_pool_cannot_meet_is_noted(shipped_bank, vectors):
    # Senior system design questions are all of difficulty 2 or 3.
    result = screen(shipped_bank, vectors, level="senior", topic_weights={"ml_system_design": 1}, count=4,
                    difficulty_mix={1: 1, 2: 1}, seed=0)
    assert Counter(pick.question.difficulty for pick in result.picks) == {2: 4}
    assert result.notes == ("The set has 0 easy questions (difficulty 1) where the mix asks for 2.",)


@pytest.mark.parametrize("text, topics", [
    (MLOPS_JD, {"mlops_deploy_serve", "mlops_monitor_retrain", "mlops_platform_cicd", "ml_system_design"}),
    (NLP_JD, {"nlp_llm", "deep_learning"}),
    (RECSYS_JD, {"recsys_search_ranking", "ml_system_design", "experimentation_ab", "evaluation_metrics"}),
], ids=["mlops", "nlp-llm", "recsys"])
def test_job_description_sets_pick_relevant_questions_for_its_requirements(
    shipped_bank, vectors, embedder, text, topics
):
    result = screen(shipped_bank, vectors, embedder, level="senior", job_description=text, count=8, seed=0)
    requirements = split_requirements(text)
    assert len(result.picks) == 8
    relevant = [pick.question.id for pick in result.picks if pick.question.topic in topics]
    assert len(relevant) >= 0.7 * len(result.picks), [(p.question.id, p.requirement) for p in result.picks]
    assert all(pick.requirement in requirements and pick.requirement in text for pick in result.picks)
    assert all(pick.similarity >= 0.30 for pick in result.picks)
    # Round-robin: the first picks cover distinct requirements, in the order of the text.
    firsts = [pick.requirement for pick in result.picks[: len(requirements)]]
    assert firsts == requirements[: len(firsts)]


def test_job_description_sets_keep_the_time_budget_and_the_chosen_topics(shipped_bank, vectors, embedder):
    timed = screen(shipped_bank, vectors, embedder, level="senior", job_description=MLOPS_JD, minutes=60, seed=0)
    room = 60 - timed.total_minutes
    assert len(timed.picks) >= 4 and room >= 0
    assert [q.id for q in leftovers(timed, shipped_bank, vectors) if q.minutes <= room] == []
    narrowed = screen(shipped_bank, vectors, embedder, level="senior", job_description=MLOPS_JD, count=6,
                      topic_weights={"mlops_monitor_retrain": 1})
    assert [pick.question.topic for pick in narrowed.picks] == ["mlops_monitor_retrain"] * 6


def test_requirements_the_bank_cannot_cover_are_noted(shipped_bank, vectors, embedder):
    text = MLOPS_JD + "- Hold a valid driving licence\n- Based in Lisbon or willing to relocate\n"
    result = screen(shipped_bank, vectors, embedder, level="senior", job_description=text, count=6, seed=0)
    uncovered = [note for note in result.notes if note.startswith("Not covered by the bank:")]
    assert [note.split('"')[1] for note in uncovered] == [
        "Hold a valid driving licence", "Based in Lisbon or willing to relocate",
    ]
    assert {pick.requirement for pick in result.picks}.isdisjoint(
        {"Hold a valid driving licence", "Based in Lisbon or willing to relocate"}
    )


def test_job_description_requirements_leave_out_headings_and_boilerplate():
    assert split_requirements(MLOPS_JD) == [
        "We are looking for an MLOps engineer to take our models from notebooks to reliable production services.",
        "Deploy and serve models on Kubernetes with canary releases and fast rollback",
        "Build CI/CD pipelines that test, version and promote models automatically",
        "Monitor production models for data drift and trigger retraining",
        "Run a feature store and a model registry for several teams",
        "Keep inference latency and GPU cost under control",
    ]
    assert split_requirements("Nice to have: Ray\n1. Python\n2) SQL\n- python\nApply now!") == ["Ray", "Python", "SQL"]


def test_swap_keeps_topic_level_and_place_and_changes_the_question(shipped_bank, vectors):
    original = screen(shipped_bank, vectors, level="senior", topic_weights={"mlops_monitor_retrain": 1,
                      "coding": 1}, count=6, minutes=120, seed=9)
    old = original.picks[2]
    swapped = swap_question(original, old.question.id, shipped_bank, vectors, seed=1)
    new = swapped.picks[2].question
    assert new.id != old.question.id and new.id not in original.question_ids
    assert new.topic == old.question.topic and "senior" in new.levels
    assert [p.question.id for i, p in enumerate(swapped.picks) if i != 2] == \
        [p.question.id for i, p in enumerate(original.picks) if i != 2]
    assert swapped.total_minutes <= 120
    assert swap_question(original, old.question.id, shipped_bank, vectors, seed=1) == swapped
    assert swapped.swapped_out == (old.question.id,)


def test_swap_runs_out_with_a_clear_error(shipped_bank, vectors):
    # Junior level has 3 experimentation questions: one in the set, two to swap in, then none.
    current = screen(shipped_bank, vectors, level="junior", topic_weights={"experimentation_ab": 1}, count=1)
    for _ in range(2):
        current = swap_question(current, current.question_ids[0], shipped_bank, vectors, seed=0)
    assert len(set(current.swapped_out)) == 2
    with pytest.raises(ScreeningError) as error:
        swap_question(current, current.question_ids[0], shipped_bank, vectors, seed=0)
    assert str(error.value) == (
        f"No other Experimentation & A/B tests question at level junior is left to swap in for "
        f"{current.question_ids[0]!r}."
    )


def test_swap_in_a_job_description_set_keeps_the_requirement(shipped_bank, vectors, embedder):
    original = screen(shipped_bank, vectors, embedder, level="senior", job_description=MLOPS_JD, count=6)
    old = original.picks[1]
    swapped = swap_question(original, old.question.id, shipped_bank, vectors, seed=0)
    new = swapped.picks[1]
    assert new.question.id != old.question.id and new.question.topic == old.question.topic
    assert new.requirement == old.requirement
    assert new.similarity == pytest.approx(float(original.requirement_vectors[old.requirement]
                                                 @ vectors[new.question.id]))


@pytest.mark.parametrize("fields, message", [
    (dict(level="principal"), "Unknown level 'principal'; choose one of junior, mid, senior, staff."),
    (dict(topic_weights={"quantum": 1}), "Unknown topic 'quantum'; choose from ml_fundamentals, "),
    (dict(topic_weights={"coding": -1}), "The weight of topic 'coding' must be a number of 0 or more, got -1."),
    (dict(topic_weights={"coding": 0}), "At least one topic needs a weight above 0."),
    (dict(types=("essay",)), "Unknown question type 'essay'; choose from conceptual, scenario, design, coding, "
                             "behavioral."),
    (dict(include=("no-such-question",)), "The question 'no-such-question' to include is not in the bank."),
    (dict(exclude=("no-such-question",)), "The question 'no-such-question' to exclude is not in the bank."),
    (dict(include=("coding-roc-auc-from-scores",), exclude=("coding-roc-auc-from-scores",)),
     "The question 'coding-roc-auc-from-scores' is both included and excluded."),
    (dict(count=0), "The number of questions must be between 1 and 50, got 0."),
    (dict(count=51), "The number of questions must be between 1 and 50, got 51."),
    (dict(minutes=4), "The time budget must be between 5 and 240 minutes, got 4."),
    (dict(minutes=241), "The time budget must be between 5 and 240 minutes, got 241."),
    (dict(difficulty_mix={4: 1}), "Difficulty mix keys must be 1, 2 or 3, got 4."),
    (dict(difficulty_mix={1: 0, 2: 0}), "The difficulty mix needs a share above 0 for at least one difficulty."),
    (dict(level="senior", minutes=40, include=("design-home-feed-recommendation",)),
     "The included questions take 45 minutes, more than the 40-minute budget."),
    (dict(count=1, include=("coding-roc-auc-from-scores", "behav-failed-experiment-learning")),
     "2 questions are included but the set holds only 1."),
], ids=["level", "topic", "negative-weight", "all-zero-weights", "type", "include", "exclude", "both",
        "count-low", "count-high", "minutes-low", "minutes-high", "mix-key", "mix-zero", "include-budget",
        "include-count"])
def test_bad_requests_are_refused_with_one_clear_sentence(shipped_bank, vectors, fields, message):
    with pytest.raises(ScreeningError) as error:
        screen(shipped_bank, vectors, **fields)
    assert str(error.value).startswith(message)


def test_job_description_without_requirements_is_refused(shipped_bank, vectors, embedder):
    with pytest.raises(ScreeningError, match="^The job description holds no requirements; paste its bullet"):
        screen(shipped_bank, vectors, embedder, job_description="Requirements:\nAbout us\n")


def test_near_duplicates_are_skipped_by_their_vectors(tmp_path):
    from bot.bank import load_bank
    from tests.conftest import question_yaml, write_bank

    ids = ["drift-a", "drift-b", "drift-c", "drift-d"]
    folder = write_bank(tmp_path / "bank", {"q.yaml": "questions:\n" + "".join(question_yaml(id=i) for i in ids)})
    bank = load_bank(folder)
    axis = np.eye(3, dtype=np.float32)
    near_a = np.array([0.9, np.sqrt(1 - 0.81), 0], dtype=np.float32)  # cosine 0.9 with drift-a
    vectors = {"drift-a": axis[0], "drift-b": near_a, "drift-c": axis[1], "drift-d": axis[2]}
    result = build_screening_set(ScreenRequest(level="mid", count=4, include=("drift-a",)), bank, vectors)
    assert sorted(result.question_ids) == ["drift-a", "drift-c", "drift-d"]
    assert result.notes[0] == ("The set has 3 of the 4 questions asked for: no other question at level mid "
                               "matches the topics and types without being a near-duplicate.")
