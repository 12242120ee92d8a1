"""Counts and exports of the bank: stats, JSONL, CSV and Markdown (pure functions, no I/O)."""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Sequence

from bot.bank import LEVELS, QUESTION_TYPES, TOPICS, Bank, Question


def bank_stats(bank: Bank) -> dict:
    """Counts per topic, level, type and difficulty, and the coverage of each topic by level, type
    and difficulty; every known value appears, zeros included."""
    topics = Counter(q.topic for q in bank)
    levels = Counter(level for q in bank for level in q.levels)
    types = Counter(q.type for q in bank)
    difficulties = Counter(q.difficulty for q in bank)
    return {
        "questions": len(bank),
        "version": bank.version,
        "topics": {topic: topics[topic] for topic in TOPICS},
        "levels": {level: levels[level] for level in LEVELS},
        "types": {kind: types[kind] for kind in QUESTION_TYPES},
        "difficulties": {str(d): difficulties[d] for d in (1, 2, 3)},
        "coverage": {topic: _coverage([q for q in bank if q.topic == topic]) for topic in TOPICS},
        "rubric_points": sum(len(q.rubric) for q in bank),
        "follow_ups": sum(len(q.follow_ups) for q in bank),
        "minutes": sum(q.minutes for q in bank),
    }


def _coverage(questions: Sequence[Question]) -> dict:
    levels = Counter(level for q in questions for level in q.levels)
    types = Counter(q.type for q in questions)
    difficulties = Counter(q.difficulty for q in questions)
    return {
        "questions": len(questions),
        "levels": {level: levels[level] for level in LEVELS},
        "types": {kind: types[kind] for kind in QUESTION_TYPES},
        "difficulties": {str(d): difficulties[d] for d in (1, 2, 3)},
    }


COVERAGE_HEADERS = ("topic", "questions", *LEVELS, *QUESTION_TYPES, "d1", "d2", "d3")


def coverage_rows(stats: dict) -> list[list]:
    """One row per topic and a last row for the whole bank: questions, then counts per level
    (a question may suit several), per type and per difficulty."""
    def row(name: str, cover: dict) -> list:
        return [name, cover["questions"], *cover["levels"].values(), *cover["types"].values(),
                *cover["difficulties"].values()]

    whole = {"questions": stats["questions"], "levels": stats["levels"], "types": stats["types"],
             "difficulties": stats["difficulties"]}
    return [row(topic, cover) for topic, cover in stats["coverage"].items()] + [row("all topics", whole)]


def format_stats(stats: dict) -> str:
    """The stats as an aligned plain-text table: topic x level x type x difficulty."""
    rows = [list(COVERAGE_HEADERS)] + [[str(cell) for cell in r] for r in coverage_rows(stats)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COVERAGE_HEADERS))]
    table = [
        "  ".join(cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(r))
        for r in rows
    ]
    return "\n".join([
        f"{stats['questions']} questions, bank version {stats['version']}",
        f"{stats['rubric_points']} rubric points, {stats['follow_ups']} follow-ups, "
        f"{stats['minutes']} minutes of interview",
        "Levels count every level a question suits; d1-d3 are difficulties.",
        "",
        *table,
    ])


def stats_markdown(stats: dict) -> str:
    """The coverage table in Markdown, for the README."""
    lines = ["| " + " | ".join(COVERAGE_HEADERS) + " |", "|" + "---|" * len(COVERAGE_HEADERS)]
    for r in coverage_rows(stats):
        cells = [f"`{r[0]}`" if r[0] != "all topics" else "**all topics**", *map(str, r[1:])]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def export_bank(questions: Sequence[Question], fmt: str) -> str:
    """The questions as jsonl (every field), csv (one row each) or md (readable, with rubrics)."""
    if fmt == "jsonl":
        return "".join(json.dumps(q.model_dump(mode="json"), ensure_ascii=False) + "\n" for q in questions)
    if fmt == "csv":
        return _csv(questions)
    if fmt == "md":
        return _markdown(questions)
    raise ValueError(f"unknown export format {fmt!r}")


CSV_COLUMNS = (
    "id", "topic", "subtopic", "type", "levels", "difficulty", "minutes", "question",
    "rubric", "red_flags", "level_signals", "follow_ups", "reference_answer", "tags",
)


def csv_text(columns: Sequence[str], rows: Sequence[dict]) -> str:
    """Rows (dicts keyed by column) as CSV text with a header and Unix line ends."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def _csv(questions: Sequence[Question]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for q in questions:
        writer.writerow(
            {
                "id": q.id,
                "topic": q.topic,
                "subtopic": q.subtopic,
                "type": q.type,
                "levels": ";".join(q.levels),
                "difficulty": q.difficulty,
                "minutes": q.minutes,
                "question": q.question,
                "rubric": "\n".join(f"[{p.id}, w{p.weight:g}] {p.point}" for p in q.rubric),
                "red_flags": "\n".join(q.red_flags),
                "level_signals": "\n".join(f"{level}: {text}" for level, text in q.level_signals.items()),
                "follow_ups": "\n".join(f"{f.question} (-> {', '.join(f.targets)})" for f in q.follow_ups),
                "reference_answer": q.reference_answer,
                "tags": ";".join(q.tags),
            }
        )
    return out.getvalue()


def _markdown(questions: Sequence[Question]) -> str:
    parts = []
    for q in questions:
        lines = [
            f"## {q.id}",
            "",
            f"*{q.topic} / {q.subtopic} · {q.type} · levels: {', '.join(q.levels)} · "
            f"difficulty {q.difficulty} · {q.minutes} min*",
            "",
            q.question,
            "",
            answer_key_markdown(q, checklist=True),
            "",
            f"Tags: {', '.join(q.tags)}",
            "",
        ]
        parts.append("\n".join(lines))
    return "\n".join(parts)


def answer_key_markdown(question: Question, checklist: bool = False) -> str:
    """The rubric (as a checklist for interviewers, or with each point's share of the score), red
    flags, level signals, follow-ups and reference answer, in Markdown."""
    total = question.total_weight
    if checklist:
        lines = ["**Rubric**", ""]
        lines += [f"- [ ] **{p.id}** (weight {p.weight:g}): {p.point}" for p in question.rubric]
    else:
        lines = ["**Rubric** (weight, share of the score)", ""]
        lines += [f"- **{p.id}** ({p.weight:g}, {100 * p.weight / total:.0f}%): {p.point}" for p in question.rubric]
    lines += ["", "**Red flags**", ""] + [f"- {flag}" for flag in question.red_flags]
    lines += ["", "**Level signals**", ""]
    lines += [f"- *{level}*: {text}" for level, text in question.level_signals.items()]
    lines += ["", "**Follow-ups**", ""]
    lines += [f"- {f.question} (probes: {', '.join(f.targets)})" for f in question.follow_ups]
    lines += ["", "**Reference answer**", "", question.reference_answer]
    return "\n".join(lines)
