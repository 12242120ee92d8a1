"""Bulk grading of answers from JSON lines: parse each line, grade it, and report per line."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from bot.bank import Bank, Question, UnknownQuestionError
from bot.sentences import split_sentences

MAX_DERIVED_POINTS = 7
CHUNK = 64  # lines graded together


class LineError(ValueError):
    """A line that cannot be graded; the message says why in one sentence."""


@dataclass(frozen=True)
class GradingItem:
    """One line to grade: its input fields, the question and the answer."""

    fields: dict
    question: Question
    answer: str


def parse_line(text: str, bank: Bank) -> GradingItem:
    """The line as a grading item; raises LineError with a one-sentence reason."""
    try:
        fields = json.loads(text)
    except json.JSONDecodeError as error:
        raise LineError(f"not valid JSON ({error.msg} at column {error.colno})") from None
    if not isinstance(fields, dict):
        raise LineError("each line must be a JSON object")
    answer = fields.get("answer")
    if not isinstance(answer, str):
        raise LineError("'answer' must be a string (it may be empty)")
    if fields.get("question_id") is not None:
        try:
            return GradingItem(fields, bank.get(str(fields["question_id"])), answer)
        except UnknownQuestionError:
            raise LineError(f"unknown question_id {fields['question_id']!r}") from None
    return GradingItem(fields, adhoc_question(fields), answer)


def adhoc_question(fields: dict) -> Question:
    """A question given inline: its text with a reference answer and/or a rubric."""
    text = fields.get("question")
    if not isinstance(text, str) or not text.strip():
        raise LineError("give either 'question_id' or 'question' with 'reference_answer' and/or 'rubric'")
    reference = fields.get("reference_answer")
    if reference is not None and not isinstance(reference, str):
        raise LineError("'reference_answer' must be a string")
    rubric = _rubric(fields.get("rubric"))
    if not rubric:
        if not reference or not reference.strip():
            raise LineError("a question without a rubric needs a non-empty 'reference_answer'")
        rubric = derive_points(reference)
    if not reference or not reference.strip():
        reference = " ".join(point["point"] for point in rubric)
    # Built without validation: an inline question has no follow-ups, red flags or level signals.
    return Question.model_construct(
        id=str(fields.get("id") or "inline"),
        topic="ml_fundamentals",
        subtopic="inline",
        type="conceptual",
        levels=("junior", "mid", "senior", "staff"),
        difficulty=2,
        minutes=5,
        question=text.strip(),
        rubric=tuple(_point(index, point) for index, point in enumerate(rubric)),
        red_flags=(),
        level_signals={},
        follow_ups=(),
        reference_answer=reference.strip(),
        tags=("inline",),
    )


def _rubric(raw) -> list[dict]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise LineError("'rubric' must be a list of key points")
    points = []
    for index, item in enumerate(raw):
        if isinstance(item, str) and item.strip():
            points.append({"point": item.strip(), "weight": 1.0})
        elif isinstance(item, dict) and isinstance(item.get("point"), str) and item["point"].strip():
            weight = item.get("weight", 1)
            if not isinstance(weight, (int, float)) or isinstance(weight, bool) or weight <= 0:
                raise LineError(f"rubric[{index}].weight must be a number greater than 0")
            points.append({"point": item["point"].strip(), "weight": float(weight)})
        else:
            raise LineError(f"rubric[{index}] must be a non-empty string or an object with 'point' and 'weight'")
    return points


def _point(index: int, point: dict):
    from bot.bank import RubricPoint

    return RubricPoint.model_construct(id=f"p{index + 1}", weight=point["weight"], point=point["point"])


def derive_points(reference: str) -> list[dict]:
    """Key points from a reference answer: its sentences, grouped into at most seven even parts."""
    sentences = split_sentences(reference)
    if len(sentences) <= MAX_DERIVED_POINTS:
        return [{"point": s, "weight": 1.0} for s in sentences]
    groups: list[list[str]] = [[] for _ in range(MAX_DERIVED_POINTS)]
    for index, sentence in enumerate(sentences):
        groups[index * MAX_DERIVED_POINTS // len(sentences)].append(sentence)
    return [{"point": " ".join(group), "weight": 1.0} for group in groups if group]


def result_line(item: GradingItem, score) -> dict:
    """The input fields plus the grade."""
    return {
        **item.fields,
        "score": score.score,
        "band": score.band,
        "level": score.level,
        "criteria": [
            {"point_id": c.point_id, "point": c.point, "weight": c.weight, "credit": c.credit, "evidence": c.evidence}
            for c in score.criteria
        ],
        "red_flags": score.red_flags,
        "notes": score.notes,
        "engine": score.engine,
    }


def error_line(number: int, text: str, error: Exception) -> dict:
    """The input fields when they parse, plus the line number and why it was not graded."""
    try:
        fields = json.loads(text)
    except json.JSONDecodeError:
        fields = None
    base = fields if isinstance(fields, dict) else {"input": text.rstrip("\n")}
    return {**base, "line": number, "error": str(error)}


def grade_lines(lines: Iterable[str], bank: Bank, grader, chunk: int = CHUNK) -> Iterator[dict]:
    """One output object per input line, in order; a bad or blank line gets an `error` field.

    Lines are graded in chunks so the embedding model sees many sentences at once.
    """
    pending: list[tuple[int, str]] = []
    for number, text in enumerate(lines, start=1):
        pending.append((number, text))
        if len(pending) == chunk:
            yield from _grade_chunk(pending, bank, grader)
            pending = []
    yield from _grade_chunk(pending, bank, grader)


def _grade_chunk(pending: list[tuple[int, str]], bank: Bank, grader) -> Iterator[dict]:
    parsed: list[GradingItem | dict] = []
    for number, text in pending:
        try:
            if not text.strip():
                raise LineError("empty line")
            parsed.append(parse_line(text, bank))
        except LineError as error:
            parsed.append(error_line(number, text, error))
    items = [p for p in parsed if isinstance(p, GradingItem)]
    scores = iter(grader.score_many([(item.question, item.answer) for item in items]))
    for entry in parsed:
        yield result_line(entry, next(scores)) if isinstance(entry, GradingItem) else entry
