"""The score model shared by every grader: per-point credit, weighted score, band, level, feedback."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from bot.bank import LEVELS

Credit = Literal["full", "partial", "none", "not_assessed"]
CREDIT_VALUE: dict[str, float] = {"full": 1.0, "partial": 0.5, "none": 0.0, "not_assessed": 0.0}
Band = Literal["needs work", "developing", "solid", "strong"]
OFFLINE_ENGINE = "offline"


class Criterion(BaseModel):
    """One rubric point's credit, with a quote from the answer as evidence."""

    point_id: str
    point: str
    weight: float
    credit: Credit
    evidence: str = ""
    match: float | None = None  # the offline grader's match signal, for calibration and debugging


class Score(BaseModel):
    """A graded answer: per-point credit, the weighted 0-100 score, its band and level, and feedback."""

    question_id: str
    score: int = Field(ge=0, le=100)
    band: Band
    level: str
    criteria: list[Criterion]
    red_flags: list[str] = []
    feedback: str = ""
    notes: list[str] = []
    engine: str = OFFLINE_ENGINE
    model: str = ""  # the chat model that graded, when the engine is an LLM
    prompt_version: str = ""  # the prompts' version, when the engine is an LLM


def band_for(score: int) -> Band:
    """The band a 0-100 score falls in."""
    if score >= 80:
        return "strong"
    if score >= 60:
        return "solid"
    if score >= 40:
        return "developing"
    return "needs work"


def level_for(score: int, question_levels: tuple[str, ...]) -> str:
    """The level an answer with this score reads as, relative to the levels the question suits."""
    ordered = [level for level in LEVELS if level in question_levels]
    lowest, highest = ordered[0], ordered[-1]
    if score >= 80:
        return highest
    if score >= 60:
        return lowest
    below = LEVELS.index(lowest) - 1
    if score >= 40 and below >= 0:
        return LEVELS[below]
    return f"below {lowest}"


def weighted_score(criteria: list[Criterion], red_flags: int = 0, penalty: int = 10) -> int:
    """The weighted share of credit, 0-100, less a penalty per red flag stated."""
    total = sum(c.weight for c in criteria)
    earned = sum(c.weight * CREDIT_VALUE[c.credit] for c in criteria)
    return max(0, min(100, round(100 * earned / total) - penalty * red_flags))


def feedback_text(criteria: list[Criterion], anchors: list[str], red_flags: list[str]) -> str:
    """Plain feedback: what was covered, what only partly, what was missed with a pointer to fix it."""
    lines = []
    hit = [c for c in criteria if c.credit == "full"]
    part = [c for c in criteria if c.credit == "partial"]
    missed = [(c, a) for c, a in zip(criteria, anchors) if c.credit in ("none", "not_assessed")]
    if hit:
        lines.append("Covered well: " + "; ".join(c.point_id for c in hit) + ".")
    for c in part:
        lines.append(f"Partly covered ({c.point_id}): a full answer {_lower_first(c.point)}")
    for c, anchor in missed:
        lines.append(f"Missed ({c.point_id}): {quote(anchor, 200)}")
    for flag in red_flags:
        lines.append(f"Red flag: the answer seems to claim that {_lower_first(flag)}")
    return "\n".join(lines)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[:2] != text[:2].upper() else text




def quote(text: str, limit: int = 240) -> str:
    """The text on one line, cut at a word boundary to at most `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"
