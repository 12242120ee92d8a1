"""Content checks on the bank beyond its schema: near-duplicate questions, reference answers that
leave a rubric point out, and terms spelled more than one way."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from bot.bank import Question
from bot.sentences import split_sentences

NEAR_DUPLICATE = 0.90  # cosine between two question texts above which they ask the same thing
COVERED = 0.45  # a rubric point is covered when a reference sentence (or pair) is at least this close
# STAR points name the parts of a story ("the situation and its stakes"), not its content, so a
# story that tells each part sits further from them in meaning than a technical answer from its point.
COVERED_STAR = 0.30

# The one spelling the bank uses, and the other spellings that must not appear.
PREFERRED_SPELLINGS: dict[str, str] = {
    "A/B test": r"\b(?:AB|A-B|a/b|ab)[ -]test",
    "feature store": r"\bfeature-store\b|\bfeaturestore\b",
    "p95 latency": r"\bP95\b|\bp-95\b|\b95p latency",
    "ROC AUC": r"\bAUC[- ]ROC\b|\bROC-AUC\b|\bAUROC\b",
    "fine-tuning": r"\bfine tun(?:e|ing|ed)\b|\bfinetun(?:e|ing|ed)\b",
    "hyperparameter": r"\bhyper[- ]parameters?\b",
    "dataset": r"\bdata set\b|\bdata-set\b",
    "backpropagation": r"\bback[- ]propagation\b",
    "pretraining": r"\bpre-train(?:ing|ed)?\b",
    "preprocessing": r"\bpre-process(?:ing|ed)?\b",
    "mini-batch": r"\bminibatch(?:es)?\b|\bmini batch(?:es)?\b",
    "PyTorch": r"\bPytorch\b|\bpytorch\b",
    "TensorFlow": r"\bTensorflow\b|\btensorflow\b",
    "XGBoost": r"\bXGboost\b|\bXgboost\b",
    "MLflow": r"\bMLFlow\b|\bMlflow\b",
    "Kubeflow": r"\bKubeFlow\b",
    "k-means": r"\bK-means\b|\bkmeans\b(?!\()|\bK-Means\b|\bk means\b",
    "retrain": r"\bre-train(?:ing|ed|s)?\b",
}
_SPELLING_PATTERNS = {preferred: re.compile(pattern) for preferred, pattern in PREFERRED_SPELLINGS.items()}


@dataclass(frozen=True)
class NearDuplicate:
    first: str
    second: str
    similarity: float


@dataclass(frozen=True)
class Uncovered:
    """A rubric point that no sentence of the question's reference answer states."""

    question_id: str
    point_id: str
    similarity: float
    threshold: float


@dataclass(frozen=True)
class Misspelling:
    question_id: str
    field: str
    found: str
    preferred: str


def near_duplicates(
    questions: Sequence[Question], vectors: np.ndarray, threshold: float = NEAR_DUPLICATE,
    allowed: Iterable[frozenset[str]] = (),
) -> list[NearDuplicate]:
    """Pairs of questions whose texts (unit `vectors`, one row each) are closer than the threshold."""
    allowed = set(allowed)
    similarity = vectors @ vectors.T
    rows, columns = np.where(np.triu(similarity, k=1) > threshold)
    pairs = [
        NearDuplicate(questions[i].id, questions[j].id, round(float(similarity[i, j]), 3))
        for i, j in zip(rows, columns)
        if frozenset((questions[i].id, questions[j].id)) not in allowed
    ]
    return sorted(pairs, key=lambda pair: -pair.similarity)


def reference_passages(reference: str) -> list[str]:
    """The reference answer's sentences and each pair of neighbouring sentences."""
    sentences = split_sentences(reference)
    return sentences + [" ".join(sentences[i:i + 2]) for i in range(len(sentences) - 1)]


def point_coverage(points: np.ndarray, passages: np.ndarray) -> np.ndarray:
    """For each rubric point (unit rows), its best cosine with any reference passage."""
    return (points @ passages.T).max(axis=1)


def coverage_threshold(question: Question) -> float:
    return COVERED_STAR if question.type == "behavioral" else COVERED


def uncovered_points(question: Question, coverage: np.ndarray) -> list[Uncovered]:
    """The question's rubric points whose best reference passage is below its threshold."""
    threshold = coverage_threshold(question)
    return [
        Uncovered(question.id, point.id, round(float(best), 3), threshold)
        for point, best in zip(question.rubric, coverage)
        if best < threshold
    ]


def question_texts(question: Question) -> list[tuple[str, str]]:
    """Every prose field of a question as (field, text), for checks that read the words."""
    texts = [("question", question.question), ("reference_answer", question.reference_answer)]
    texts += [(f"rubric.{p.id}", p.point) for p in question.rubric]
    texts += [(f"red_flags[{i}]", flag) for i, flag in enumerate(question.red_flags)]
    texts += [(f"level_signals.{level}", text) for level, text in question.level_signals.items()]
    texts += [(f"follow_ups[{i}]", f.question) for i, f in enumerate(question.follow_ups)]
    return texts


def misspellings(questions: Iterable[Question]) -> list[Misspelling]:
    """Every place a term is spelled another way than the bank's preferred spelling."""
    found = []
    for question in questions:
        for field, text in question_texts(question):
            for preferred, pattern in _SPELLING_PATTERNS.items():
                found += [Misspelling(question.id, field, m.group(0), preferred) for m in pattern.finditer(text)]
    return found


@dataclass(frozen=True)
class ContentReport:
    near_duplicates: list[NearDuplicate]
    uncovered: list[Uncovered]
    misspellings: list[Misspelling]

    @property
    def problems(self) -> int:
        return len(self.near_duplicates) + len(self.uncovered) + len(self.misspellings)

    def lines(self) -> list[str]:
        """One readable line per problem."""
        lines = [
            f"near-duplicate questions {d.first} and {d.second} (similarity {d.similarity:.2f})"
            for d in self.near_duplicates
        ]
        lines += [
            f"{u.question_id}: rubric.{u.point_id} is not covered by the reference answer "
            f"(best similarity {u.similarity:.2f}, needs {u.threshold:.2f})"
            for u in self.uncovered
        ]
        lines += [f"{m.question_id}: {m.field} spells {m.found!r}; write {m.preferred!r}" for m in self.misspellings]
        return lines


def check_content(
    questions: Sequence[Question], embedder, coverage_of: Iterable[str] | None = None,
    allowed_duplicates: Iterable[frozenset[str]] = (),
) -> ContentReport:
    """Near-duplicates and spellings across all questions, reference coverage for the questions
    whose topic is in `coverage_of` (all when None), embedding with `embedder`."""
    questions = list(questions)
    duplicates = near_duplicates(questions, embedder.embed([q.question for q in questions]), allowed=allowed_duplicates)
    topics = None if coverage_of is None else set(coverage_of)
    uncovered = []
    for question in questions:
        if topics is not None and question.topic not in topics:
            continue
        points = embedder.embed([p.point for p in question.rubric])
        passages = embedder.embed(reference_passages(question.reference_answer))
        uncovered += uncovered_points(question, point_coverage(points, passages))
    return ContentReport(duplicates, uncovered, misspellings(questions))
