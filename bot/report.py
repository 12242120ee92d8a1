"""The end-of-session report: per-question scores, per-topic summary, strengths, gaps, what to drill."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.bank import LEVELS, TOPIC_LABELS, Question
from bot.interview import Interview
from bot.scoring import Score, band_for, quote

SOLID = 60  # topics below this mean are drilled next
MAX_ITEMS = 4  # strengths, gaps and drills listed


@dataclass(frozen=True)
class PointResult:
    """One rubric point of an answer: its credit and the quote from the answer that earned it."""

    point_id: str
    point: str
    weight: float
    credit: str  # full, partial, none or not_assessed
    evidence: str = ""


@dataclass(frozen=True)
class QuestionResult:
    """One asked question: how it ended, what it scored, and the per-point detail behind the score."""

    number: int
    question_id: str
    topic: str
    question: str
    outcome: str
    score: int | None  # None when the interview ended before it was answered
    band: str
    engine: str
    hints: int
    notes: tuple[str, ...]
    criteria: tuple[PointResult, ...] = ()  # empty when unanswered, like the notes
    red_flags: tuple[str, ...] = ()
    feedback: str = ""


@dataclass(frozen=True)
class TopicSummary:
    """The mean score of one topic's answered questions."""

    topic: str
    label: str
    questions: int
    mean: int
    band: str


@dataclass(frozen=True)
class Report:
    level: str
    mode: str
    planned: int
    results: tuple[QuestionResult, ...]
    topics: tuple[TopicSummary, ...]
    overall: int | None
    strengths: tuple[str, ...]
    gaps: tuple[str, ...]
    drill: tuple[str, ...]


def build_report(state: Interview, questions: Callable[[str], Question]) -> Report:
    """The report of a session, finished or not, from its state and the bank."""
    results, covered, missed, flags = [], [], [], []
    for number, record in enumerate(state.records, 1):
        question = questions(record.question_id)
        score = record.score
        unanswered = score is None or (record.outcome == "ended" and not record.answers)
        results.append(
            QuestionResult(
                number=number, question_id=record.question_id, topic=record.topic, question=question.question,
                outcome=record.outcome or "in progress", score=None if unanswered else score.score,
                band="" if unanswered else score.band, engine="" if unanswered else score.engine,
                hints=len(record.hints), notes=tuple(score.notes) if score and not unanswered else (),
                **({} if unanswered else _detail(score)),
            )
        )
        if unanswered:
            continue
        for criterion in score.criteria:
            entry = (criterion.weight, record.topic, criterion.point_id, criterion.point)
            (covered if criterion.credit == "full" else missed if criterion.credit != "partial" else []).append(entry)
        flags += [(record.topic, flag) for flag in score.red_flags]

    scored = [r for r in results if r.score is not None]
    topics = []
    for topic in dict.fromkeys(r.topic for r in scored):
        values = [r.score for r in scored if r.topic == topic]
        mean = round(sum(values) / len(values))
        topics.append(TopicSummary(topic, TOPIC_LABELS[topic], len(values), mean, band_for(mean)))
    overall = round(sum(r.score for r in scored) / len(scored)) if scored else None
    return Report(
        level=state.setup.level, mode=state.setup.mode, planned=state.setup.questions, results=tuple(results),
        topics=tuple(topics), overall=overall,
        strengths=tuple(_points(covered)),
        gaps=tuple([f"Red flag ({TOPIC_LABELS[t]}): {quote(flag, 120)}" for t, flag in flags] + _points(missed)),
        drill=tuple(_drill(topics, missed, state.setup.level)),
    )


def _detail(score: Score) -> dict:
    criteria = tuple(PointResult(c.point_id, c.point, c.weight, c.credit, c.evidence) for c in score.criteria)
    return {"criteria": criteria, "red_flags": tuple(score.red_flags), "feedback": score.feedback}


def _points(entries: list[tuple[float, str, str, str]]) -> list[str]:
    heaviest = sorted(entries, key=lambda e: -e[0])[:MAX_ITEMS]
    return [f"{TOPIC_LABELS[topic]}, {point_id}: {quote(point, 140)}" for _, topic, point_id, point in heaviest]


def _drill(topics: list[TopicSummary], missed: list, level: str) -> list[str]:
    weak = sorted((t for t in topics if t.mean < SOLID), key=lambda t: t.mean)[:MAX_ITEMS]
    lines = []
    for summary in weak:
        points = [point_id for _, topic, point_id, _ in sorted(missed, key=lambda e: -e[0]) if topic == summary.topic]
        focus = f", above all {', '.join(list(dict.fromkeys(points))[:3])}" if points else ""
        lines.append(
            f"{summary.label} (mean {summary.mean}){focus}: python -m bot practice --topic {summary.topic} --level {level}"
        )
    if not lines and topics:
        higher = LEVELS[min(LEVELS.index(level) + 1, len(LEVELS) - 1)] if level in LEVELS else level
        lines.append(f"Every topic is solid or better: try the next level, python -m bot practice --level {higher}")
    return lines


def report_text(report: Report, session_id: str | None = None) -> str:
    """The report as plain text for a terminal."""
    answered = sum(r.score is not None for r in report.results)
    overall = f"{report.overall}/100 ({band_for(report.overall)})" if report.overall is not None else "no answers scored"
    lines = [
        f"Interview report: {report.level} level, {answered} of {report.planned} questions scored",
        f"Overall: {overall}",
        "",
        f"{'#':>2}  {'score':>5}  {'band':<10}  {'topic':<32}  question",
    ]
    for r in report.results:
        score = f"{r.score:>5}" if r.score is not None else f"{'-':>5}"
        extra = {"skipped": " [skipped]", "dont_know": " [did not know]", "ended": " [ended]"}.get(r.outcome, "")
        extra += f" [{r.hints} hint{'s' if r.hints != 1 else ''}]" if r.hints else ""
        lines.append(f"{r.number:>2}  {score}  {r.band:<10}  {TOPIC_LABELS[r.topic]:<32}  {quote(r.question, 60)}{extra}")
    sections = [
        ("By topic", [f"{t.label}: {t.questions} question{'s' if t.questions != 1 else ''}, mean {t.mean} ({t.band})"
                      for t in report.topics]),
        ("Strengths", list(report.strengths) or ["None yet: no rubric point was fully covered."]),
        ("Gaps", list(report.gaps) or ["None: every graded point was at least partly covered."]),
        ("Drill next", list(report.drill)),
        ("Notes", [f"Question {r.number}: {note}" for r in report.results for note in r.notes
                   if "LLM grader failed" in note or "hint" in note]),
    ]
    for title, items in sections:
        if items:
            lines += ["", title] + [f"  - {item}" for item in items]
    if session_id:
        lines += ["", f"Session {session_id} is saved: python -m bot sessions show {session_id}"]
    return "\n".join(lines)
