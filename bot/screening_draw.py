"""The mechanics of drawing a screening set: seats shared by weight, the difficulty mix, the time
budget and near-duplicates."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from bot.bank import Question

NEAR_DUPLICATE = 0.80  # question texts more similar than this ask the same thing
DEFAULT_MIX = {1: 0.25, 2: 0.5, 3: 0.25}

RELEVANCE_MARGIN = 0.01  # questions this close to a requirement's best match count as equally near

Key = TypeVar("Key", bound=Hashable)


@dataclass(frozen=True)
class Pick:
    """One question of a set; from a job description, the requirement it covers and how similar it is."""

    question: Question
    requirement: str | None = None
    similarity: float | None = None
    included: bool = False


def allocate(weights: Mapping[Key, float], total: int, rank: Mapping[Key, int]) -> dict[Key, int]:
    """`total` seats shared by weight with the largest-remainder method; equal remainders go by rank."""
    weight_sum = sum(weights.values())
    exact = {key: total * weight / weight_sum for key, weight in weights.items()}
    seats = {key: int(share) for key, share in exact.items()}
    by_remainder = sorted(weights, key=lambda key: (-(exact[key] - seats[key]), rank[key]))
    for key in by_remainder[: total - sum(seats.values())]:
        seats[key] += 1
    return seats


def difficulty_shares(mix: Mapping[int, float]) -> dict[int, float]:
    """Difficulty -> share of the set, summing to 1; an empty mix is the default one."""
    shares: dict[int, float] = {}
    for key, share in (mix or DEFAULT_MIX).items():
        difficulty = int(key) if isinstance(key, (int, str)) and str(key).strip() in ("1", "2", "3") else None
        if difficulty is None:
            raise ValueError(f"Difficulty mix keys must be 1, 2 or 3, got {key!r}.")
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not share >= 0:
            raise ValueError(f"The share of difficulty {difficulty} must be a number of 0 or more, got {share!r}.")
        shares[difficulty] = float(share)
    total = sum(shares.values())
    if total <= 0:
        raise ValueError("The difficulty mix needs a share above 0 for at least one difficulty.")
    return {difficulty: shares.get(difficulty, 0.0) / total for difficulty in (1, 2, 3)}


def near_duplicate(vector: np.ndarray, others: Sequence[np.ndarray]) -> bool:
    """True when the vector is nearer than NEAR_DUPLICATE to any of the others."""
    return any(float(vector @ other) > NEAR_DUPLICATE for other in others)


class Draw:
    """A set being drawn: its picks so far, and which pool questions may still join it."""

    def __init__(self, pool: list[Question], vectors: Mapping[str, np.ndarray], shares: dict[int, float],
                 limit: int, minutes: int | None, included: Sequence[Question] = (), paced: bool = False):
        self.pool = pool
        self.vectors = vectors
        self.position = {question.id: i for i, question in enumerate(pool)}
        self.matrix = np.vstack([vectors[q.id] for q in pool]).astype(np.float32) if pool else np.zeros((0, 0))
        self.closeness = np.full(len(pool), -1.0)  # each pool question's highest similarity to a pick
        self.shares = shares
        self.limit = limit
        self.minutes = minutes
        self.paced = paced  # a count and a budget: share the minutes over the questions asked for
        self.picks: list[Pick] = []
        self.minutes_used = 0
        self.chosen: set[str] = set()
        for question in included:
            self.add(Pick(question, included=True))

    def has_room(self) -> bool:
        """True while the set holds fewer questions than its limit."""
        return len(self.picks) < self.limit

    def usable(self, question: Question, ignore_time: bool = False) -> bool:
        """True when the pool question is not picked, fits the minutes left and is no near-duplicate."""
        fits = self.minutes is None or self.minutes_used + question.minutes <= self.minutes
        return (question.id not in self.chosen and (fits or ignore_time)
                and self.closeness[self.position[question.id]] <= NEAR_DUPLICATE)

    def add(self, pick: Pick) -> None:
        """Adds the pick to the set."""
        question = pick.question
        self.picks.append(pick)
        self.chosen.add(question.id)
        self.minutes_used += question.minutes
        if len(self.pool):
            np.maximum(self.closeness, self.matrix @ self.vectors[question.id], out=self.closeness)

    def prefer_difficulty(self, candidates: Sequence[Question]) -> Question:
        """The first candidate of the difficulty the set most lacks against the mix; in a paced
        draw, among those that leave time for the questions still to come (or the shortest)."""
        if self.paced and self.minutes is not None:
            pace = (self.minutes - self.minutes_used) / (self.limit - len(self.picks))
            shortest = min(question.minutes for question in candidates)
            candidates = [q for q in candidates if q.minutes <= max(pace, shortest)]
        have = Counter(pick.question.difficulty for pick in self.picks)
        after = len(self.picks) + 1

        def shortfall(difficulty: int) -> tuple[bool, float, float, int]:
            share = self.shares[difficulty]
            return share > 0, share * after - have[difficulty], share, -difficulty

        wanted = max({question.difficulty for question in candidates}, key=shortfall)
        return next(question for question in candidates if question.difficulty == wanted)


def draw_by_weight(draw: Draw, weights: Mapping[str, float], quotas: Mapping[str, int], rank: Mapping[str, int],
                   rng: random.Random) -> Counter:
    """Fills the draw topic by topic, each up to its quota, the topic furthest behind first; once
    no topic below its quota has a usable question, the rest goes by weight. Returns picks per topic."""
    queues: dict[str, list[Question]] = {topic: [] for topic in weights}
    for question in shuffled(draw.pool, rng):
        queues[question.topic].append(question)
    have = Counter(pick.question.topic for pick in draw.picks)
    while draw.has_room():
        usable = {topic: [q for q in queue if draw.usable(q)] for topic, queue in queues.items()}
        behind = [topic for topic in weights if usable[topic] and have[topic] < quotas[topic]]
        spare = [topic for topic in weights if usable[topic]]
        if behind:
            topic = min(behind, key=lambda t: (have[t] / quotas[t], rank[t]))
        elif spare:
            topic = min(spare, key=lambda t: (have[t] / weights[t], rank[t]))
        else:
            break
        draw.add(Pick(draw.prefer_difficulty(usable[topic])))
        have[topic] += 1
    return have


def draw_round_robin(draw: Draw, requirements: Sequence[str], similarity: np.ndarray, rng: random.Random) -> set[int]:
    """Fills the draw over the requirements in turn, each taking its nearest usable question (the
    difficulty mix chooses among equally near ones). Returns the requirements served."""
    ranked = {r: sorted(range(len(draw.pool)), key=lambda j: -similarity[r, j]) for r in range(len(requirements))}
    served: set[int] = set()
    added = True
    while added and draw.has_room():
        added = False
        for r, requirement in enumerate(requirements):
            usable = [j for j in ranked[r] if draw.usable(draw.pool[j])] if draw.has_room() else []
            if not usable:
                continue
            top = similarity[r, usable[0]]
            near = [draw.pool[j] for j in usable if similarity[r, j] >= top - RELEVANCE_MARGIN]
            question = draw.prefer_difficulty(shuffled(near, rng))
            draw.add(Pick(question, requirement, float(similarity[r, draw.position[question.id]])))
            served.add(r)
            added = True
    return served


def shuffled(items: Sequence, rng: random.Random) -> list:
    """The items in a seeded random order."""
    items = list(items)
    rng.shuffle(items)
    return items
