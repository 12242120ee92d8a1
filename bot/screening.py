"""Screening sets for recruiters: reproducible, balanced sets of bank questions drawn by topic
weights or from a job description's requirements, within a question count or a time budget."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Protocol

import numpy as np

from bot.bank import TOPIC_LABELS, TOPICS, Question
from bot.job_description import split_requirements
from bot.screening_draw import (
    DEFAULT_MIX, Draw, Pick, allocate, difficulty_shares, draw_by_weight, draw_round_robin, near_duplicate, shuffled,
)
from bot.screening_request import (
    DEFAULT_COUNT, MAX_COUNT, MAX_MINUTES, MIN_MINUTES, ScreeningError, ScreenRequest, check_request,
)

__all__ = ["DEFAULT_COUNT", "DEFAULT_MIX", "MAX_COUNT", "MAX_MINUTES", "MIN_MINUTES", "Pick", "ScreenRequest",
           "ScreeningError", "ScreeningSet", "build_screening_set", "check_request", "eligible_questions",
           "swap_question"]

UNCOVERED = 0.30  # a requirement whose best question is less similar than this is not in the bank
DIFFICULTY_NAMES = {1: "easy", 2: "medium", 3: "hard"}


class TextEmbedder(Protocol):
    """Anything that turns texts into unit vectors, one row per text (bot.embeddings.Embedder)."""

    def embed(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class ScreeningSet:
    """The questions in the order drawn (included ones first) and notes on any shortfall; from a
    job description, also its requirements and their vectors (so a swap can stay on one)."""

    request: ScreenRequest
    picks: tuple[Pick, ...]
    notes: tuple[str, ...] = ()
    requirements: tuple[str, ...] = ()
    swapped_out: tuple[str, ...] = ()
    requirement_vectors: Mapping[str, np.ndarray] = field(default_factory=dict, compare=False, repr=False)

    @property
    def total_minutes(self) -> int:
        """The expected minutes of all questions."""
        return sum(pick.question.minutes for pick in self.picks)

    @property
    def question_ids(self) -> tuple[str, ...]:
        """The questions' ids in order."""
        return tuple(pick.question.id for pick in self.picks)


def build_screening_set(
    request: ScreenRequest,
    bank: Iterable[Question],
    vectors: Mapping[str, np.ndarray],
    embedder: TextEmbedder | None = None,
) -> ScreeningSet:
    """The set for the request; `vectors` maps question id -> unit vector of its text, and a job
    description needs the embedder. Same request and seed, same set."""
    questions = {question.id: question for question in bank}
    check_request(request, questions)
    included = [questions[question_id] for question_id in dict.fromkeys(request.include)]
    if request.minutes is not None and sum(q.minutes for q in included) > request.minutes:
        minutes = sum(q.minutes for q in included)
        raise ScreeningError(
            f"The included questions take {minutes} minutes, more than the {request.minutes}-minute budget."
        )
    pool = eligible_questions(request, questions.values())
    _check_vectors([*included, *pool], vectors)
    draw = Draw(pool, vectors, difficulty_shares(request.difficulty_mix), request.question_limit,
                request.minutes, included, paced=request.count is not None)
    rng = random.Random(request.seed)
    if request.job_description.strip():
        if embedder is None:
            raise ScreeningError("A set from a job description needs the embedding model.")
        return _draw_for_job(request, draw, embedder, rng)
    notes = _draw_by_topic(request, draw, rng)
    return ScreeningSet(request, tuple(draw.picks), tuple(notes + _shared_notes(request, draw)))


def swap_question(
    screening_set: ScreeningSet, question_id: str, bank: Iterable[Question], vectors: Mapping[str, np.ndarray],
    seed: int,
) -> ScreeningSet:
    """The set with one question replaced by another of its topic that suits the level and types,
    is new to the set, is no near-duplicate and keeps the time budget; chosen by the seed, or for a
    job-description pick, the one nearest its requirement."""
    position = {pick.question.id: i for i, pick in enumerate(screening_set.picks)}
    if question_id not in position:
        raise ScreeningError(f"Question {question_id!r} is not in the screening set.")
    old = screening_set.picks[position[question_id]]
    candidates = _swap_candidates(screening_set, old.question, bank, vectors)
    if not candidates:
        raise ScreeningError(
            f"No other {TOPIC_LABELS[old.question.topic]} question at level {screening_set.request.level} "
            f"is left to swap in for {question_id!r}."
        )
    random.Random(seed).shuffle(candidates)
    requirement_vector = screening_set.requirement_vectors.get(old.requirement or "")
    if requirement_vector is not None:
        chosen = max(candidates, key=lambda q: float(requirement_vector @ vectors[q.id]))
        new = Pick(chosen, old.requirement, float(requirement_vector @ vectors[chosen.id]))
    else:
        chosen = min(candidates, key=lambda q: abs(q.difficulty - old.question.difficulty))
        new = Pick(chosen, old.requirement)
    picks = list(screening_set.picks)
    picks[position[question_id]] = new
    return replace(screening_set, picks=tuple(picks), swapped_out=(*screening_set.swapped_out, question_id))


def _swap_candidates(screening_set: ScreeningSet, old: Question, bank: Iterable[Question],
                     vectors: Mapping[str, np.ndarray]) -> list[Question]:
    """Questions that may replace `old`, by id: its topic, the set's level and types, not in the set,
    swapped out or excluded, no near-duplicate of the set or of `old`, within the time budget."""
    request = screening_set.request
    others = [pick.question for pick in screening_set.picks if pick.question.id != old.id]
    budget_left = None if request.minutes is None else request.minutes - sum(q.minutes for q in others)
    unusable = {*screening_set.question_ids, *screening_set.swapped_out, *request.exclude}
    kept = [vectors[question.id] for question in [*others, old]]
    return sorted(
        (q for q in bank
         if q.topic == old.topic and request.level in q.levels and q.id not in unusable and q.id in vectors
         and (not request.types or q.type in request.types)
         and (budget_left is None or q.minutes <= budget_left) and not near_duplicate(vectors[q.id], kept)),
        key=lambda q: q.id,
    )


def eligible_questions(request: ScreenRequest, questions: Iterable[Question]) -> list[Question]:
    """Questions the draw may add, by id: at the level, of the chosen topics and types, neither
    included already nor excluded."""
    topics = request.chosen_topics
    skip = {*request.include, *request.exclude}
    return sorted(
        (q for q in questions
         if request.level in q.levels and q.topic in topics and q.id not in skip
         and (not request.types or q.type in request.types)),
        key=lambda q: q.id,
    )


def _check_vectors(questions: Iterable[Question], vectors: Mapping[str, np.ndarray]) -> None:
    for question in questions:
        if question.id not in vectors:
            raise ScreeningError(f"The question {question.id!r} has no vector; embed the bank's questions again.")


def _draw_by_topic(request: ScreenRequest, draw: Draw, rng: random.Random) -> list[str]:
    """Fills the draw in proportion to the topic weights; returns notes on topics that fell short."""
    weights = request.chosen_topics
    rank = {topic: place for place, topic in enumerate(shuffled(sorted(weights), rng))}  # fair, seeded ties
    have = draw_by_weight(draw, weights, allocate(weights, _topic_seats(draw, weights), rank), rank, rng)
    return _topic_notes(request, draw, weights, rank, have) if request.topic_weights else []


def _topic_seats(draw: Draw, weights: Mapping[str, float], total: int | None = None) -> int:
    """Seats shared by the chosen topics: the set's size less included questions of other topics."""
    outside = sum(1 for pick in draw.picks if pick.included and pick.question.topic not in weights)
    return (draw.limit if total is None else total) - outside


def _draw_for_job(request: ScreenRequest, draw: Draw, embedder: TextEmbedder, rng: random.Random) -> ScreeningSet:
    """The set drawn round-robin over the job description's requirements, each taking its nearest
    unused question in turn."""
    requirements = split_requirements(request.job_description)
    if not requirements:
        raise ScreeningError("The job description holds no requirements; paste its bullet points or sentences.")
    requirement_vectors = np.asarray(embedder.embed(requirements), dtype=np.float32)
    similarity = requirement_vectors @ draw.matrix.T if len(draw.pool) else np.zeros((len(requirements), 0))
    best = similarity.max(axis=1) if len(draw.pool) else np.zeros(len(requirements))
    covered = [r for r in range(len(requirements)) if best[r] >= UNCOVERED]
    notes = [f"Not covered by the bank: \"{requirements[r]}\" (best match {best[r]:.2f})."
             for r in range(len(requirements)) if best[r] < UNCOVERED]
    if not covered:
        raise ScreeningError("No question in the bank matches the job description's requirements at this level.")
    draw.picks[:] = [_nearest_requirement(pick, requirements, requirement_vectors, draw) for pick in draw.picks]
    served = draw_round_robin(draw, [requirements[r] for r in covered], similarity[covered], rng)
    if len(served) < len(covered):
        notes.append(f"The set covers {len(served)} of the {len(covered)} requirements the bank matches; "
                     "ask for more questions or minutes to cover the rest.")
    return ScreeningSet(
        request, tuple(draw.picks), tuple(notes + _shared_notes(request, draw)), tuple(requirements),
        requirement_vectors=dict(zip(requirements, requirement_vectors)),
    )


def _nearest_requirement(pick: Pick, requirements: list[str], requirement_vectors: np.ndarray, draw: Draw) -> Pick:
    """An included pick labelled with the requirement it matches best, when it matches one."""
    scores = requirement_vectors @ draw.vectors[pick.question.id]
    best = int(np.argmax(scores))
    if scores[best] < UNCOVERED:
        return pick
    return replace(pick, requirement=requirements[best], similarity=float(scores[best]))


def _topic_notes(request: ScreenRequest, draw: Draw, weights: dict[str, float], rank: dict[str, int],
                 have: Counter) -> list[str]:
    ideal = allocate(weights, _topic_seats(draw, weights, request.count or len(draw.picks)), rank)
    available = Counter(q.topic for q in draw.pool) + Counter(pick.question.topic for pick in draw.picks
                                                                if pick.included)
    types = f" and types {', '.join(request.types)}" if request.types else ""
    notes = []
    for topic in sorted(weights, key=TOPICS.index):
        if have[topic] >= ideal[topic]:
            continue
        label = TOPIC_LABELS[topic]
        if available[topic] < ideal[topic]:
            verb = "matches" if available[topic] == 1 else "match"
            notes.append(f"Only {_plural(available[topic], 'question')} {verb} topic {label} at level "
                         f"{request.level}{types}.")
        elif request.count is not None:
            notes.append(f"Topic {label} has {have[topic]} of the {ideal[topic]} questions its weight asks for; "
                         "the others did not fit the time budget or were near-duplicates.")
    return notes


def _shared_notes(request: ScreenRequest, draw: Draw) -> list[str]:
    """Notes on a set smaller than asked and on a difficulty mix that could not be met."""
    notes = []
    total = len(draw.picks)
    if request.count is not None and total < request.count:
        cause = (f"no other eligible question fits the {request.minutes}-minute budget"
                 if any(draw.usable(q, ignore_time=True) for q in draw.pool)
                 else f"no other question at level {request.level} matches the topics and types "
                      "without being a near-duplicate")
        notes.append(f"The set has {total} of the {request.count} questions asked for: {cause}.")
    shares = difficulty_shares(request.difficulty_mix)
    wanted = allocate(shares, total, {2: 0, 1: 1, 3: 2})
    got = Counter(pick.question.difficulty for pick in draw.picks)
    for difficulty in (1, 2, 3):
        if got[difficulty] < wanted[difficulty]:
            notes.append(f"The set has {_plural(got[difficulty], DIFFICULTY_NAMES[difficulty] + ' question')} "
                         f"(difficulty {difficulty}) where the mix asks for {wanted[difficulty]}.")
    return notes


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")
