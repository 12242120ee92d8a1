"""Finding questions: by meaning through the index, or by browsing the bank with filters."""

from __future__ import annotations

from dataclasses import dataclass

from bot.bank import TOPICS, Bank, Question
from bot.index import QuestionIndex, SearchFilters


@dataclass(frozen=True)
class Found:
    """A question found, with its similarity to the query (None when browsing without text)."""

    question: Question
    similarity: float | None


def find_questions(
    bank: Bank, index: QuestionIndex, text: str = "", filters: SearchFilters = SearchFilters(), limit: int = 25
) -> list[Found]:
    """Questions nearest to the text, or with no text every question passing the filters in topic order."""
    text = text.strip()
    if text:
        hits = index.search(text, k=limit, filters=filters)
        return [Found(bank.get(hit.id), hit.similarity) for hit in hits if hit.id in bank.sources]
    topic_order = {topic: position for position, topic in enumerate(TOPICS)}
    matching = [q for q in bank if _passes(q, filters)]
    matching.sort(key=lambda q: (topic_order[q.topic], q.difficulty, q.id))
    return [Found(q, None) for q in matching[:limit]]


def _passes(question: Question, filters: SearchFilters) -> bool:
    return (
        (filters.topic is None or question.topic == filters.topic)
        and (filters.level is None or filters.level in question.levels)
        and (filters.type is None or question.type == filters.type)
        and (filters.difficulty is None or question.difficulty == filters.difficulty)
        and question.id not in filters.exclude
    )
