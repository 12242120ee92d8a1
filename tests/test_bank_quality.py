import numpy as np

from bot.bank_quality import (
    COVERED, COVERED_STAR, Misspelling, NearDuplicate, Uncovered, misspellings, near_duplicates,
    reference_passages, uncovered_points,
)
from bot.bank import load_bank
from tests.conftest import question_yaml, write_bank


def questions(tmp_path, *texts):
    items = [question_yaml(id=f"monitor-q{i}", question=text) for i, text in enumerate(texts)]
    return list(load_bank(write_bank(tmp_path / "bank", {"q.yaml": "questions:\n" + "".join(items)})))


def test_near_duplicates_are_pairs_above_the_threshold_closest_first(tmp_path):
    qs = questions(tmp_path, "a", "b", "c", "d")
    vectors = np.array([[1.0, 0.0], [0.95, np.sqrt(1 - 0.95**2)], [0.0, 1.0], [0.999, np.sqrt(1 - 0.999**2)]])
    assert near_duplicates(qs, vectors) == [
        NearDuplicate("monitor-q0", "monitor-q3", 0.999),
        NearDuplicate("monitor-q1", "monitor-q3", 0.963),
        NearDuplicate("monitor-q0", "monitor-q1", 0.95),
    ]
    allowed = [frozenset(("monitor-q0", "monitor-q1")), frozenset(("monitor-q3", "monitor-q1"))]
    assert near_duplicates(qs, vectors, allowed=allowed) == [NearDuplicate("monitor-q0", "monitor-q3", 0.999)]


def test_reference_passages_are_sentences_then_neighbouring_pairs():
    assert reference_passages("First point here. Second one. Third!") == [
        "First point here.", "Second one.", "Third!", "First point here. Second one.", "Second one. Third!",
    ]


def test_points_below_the_threshold_are_uncovered(tmp_path):
    question = questions(tmp_path, "How would you detect drift?")[0]
    coverage = np.array([0.9, COVERED - 0.01, COVERED])
    assert uncovered_points(question, coverage) == [
        Uncovered("monitor-q0", "detection", round(COVERED - 0.01, 3), COVERED)
    ]


def test_star_points_use_their_own_threshold(tmp_path):
    question = questions(tmp_path, "Tell me about a time.")[0].model_copy(update={"type": "behavioral"})
    assert uncovered_points(question, np.array([COVERED_STAR, COVERED_STAR - 0.05, 0.9])) == [
        Uncovered("monitor-q0", "detection", round(COVERED_STAR - 0.05, 3), COVERED_STAR)
    ]


def test_misspellings_name_question_field_and_preferred_term(tmp_path):
    question = questions(tmp_path, "How do you run an AB test on a feature-store change?")[0]
    question = question.model_copy(update={"reference_answer": "Measure P95 latency and the ROC AUC; call kmeans(X, 3)."})
    assert misspellings([question]) == [
        Misspelling("monitor-q0", "question", "AB test", "A/B test"),
        Misspelling("monitor-q0", "question", "feature-store", "feature store"),
        Misspelling("monitor-q0", "reference_answer", "P95", "p95 latency"),
    ]
