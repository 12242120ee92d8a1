"""Choosing the next interview question from the index: topic or theme, level, difficulty, type mix."""

from __future__ import annotations

import random
from dataclasses import replace

from bot.bank import TOPIC_LABELS, Bank, Question
from bot.index import QuestionIndex, SearchFilters
from bot.interview import Interview, next_filters, next_topic, recent_types

CANDIDATES = 8  # how many near questions to choose among, so sessions differ
THEME_TIE = 0.02  # questions this close to the best match for a theme count as equally near


def choose_question(state: Interview, bank: Bank, index: QuestionIndex, rng: random.Random) -> Question | None:
    """The next question: near the theme or topic, at the level and a difficulty moved by the last
    score, never asked before in the session, preferring a type not used in the last two questions.

    When nothing fits, the difficulty, then the level, then the topic are let go, in that order.
    A theme asks for what is nearest to it: difficulty then only breaks near-ties.
    """
    topic = next_topic(state)
    theme = state.setup.theme.strip()
    query = theme or (TOPIC_LABELS[topic] if topic else "machine learning engineering")
    strict = next_filters(state, topic)
    ladder = [
        strict,
        replace(strict, difficulty=None),
        replace(strict, difficulty=None, level=None),
        SearchFilters(exclude=strict.exclude),
    ]
    if theme:
        ladder = ladder[1:]
    avoid_types = set(recent_types(state))
    for filters in ladder:
        hits = [(bank.get(h.id), h.similarity) for h in index.search(query, k=CANDIDATES, filters=filters)
                if h.id in bank.sources]
        if not hits:
            continue
        if theme:
            best = hits[0][1]
            near = [q for q, similarity in hits if similarity >= best - THEME_TIE]
            return min(near, key=lambda q: (abs(q.difficulty - strict.difficulty), q.type in avoid_types))
        questions = [q for q, _ in hits]
        return rng.choice([q for q in questions if q.type not in avoid_types] or questions)
    return None
