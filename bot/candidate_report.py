"""Reports of bulk-scored candidates: a CSV per candidate and question, a CSV ranking, and Markdown."""

from __future__ import annotations

from bot.candidates import HIT_CREDITS, CandidateScores, CandidateSummary, PointResult, QuestionResult
from bot.catalog import csv_text
from bot.scoring import quote

REPORT_COLUMNS = ("candidate", "question_id", "score", "band", "points_hit", "points_missed")
SUMMARY_COLUMNS = ("rank", "candidate", "mean", "answered", "missing")
MISSING_BAND = "missing"  # shown for a question of the set the candidate has no scored answer to
EVIDENCE_CHARS = 120  # evidence quotes in the Markdown tables are cut to this length
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # a spreadsheet runs a cell starting so as a formula


def spreadsheet_safe(name: str) -> str:
    """A candidate name as a CSV cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + name if name.startswith(FORMULA_STARTS) else name


def report_csv(result: CandidateScores) -> str:
    """One row per candidate and question of the set, in ranking order; a missing answer scores 0."""
    rows = []
    for summary in result.summaries:
        for question_id in result.question_ids:
            scored = result.result(summary.candidate, question_id)
            rows.append({
                "candidate": spreadsheet_safe(summary.candidate),
                "question_id": question_id,
                "score": scored.score if scored else 0,
                "band": scored.band if scored else MISSING_BAND,
                "points_hit": hit_ids(scored) if scored else "",
                "points_missed": "; ".join(p.point_id for p in scored.missed) if scored else "",
            })
    return csv_text(REPORT_COLUMNS, rows)


def summary_csv(result: CandidateScores) -> str:
    """The ranking: one row per candidate, best first, with the mean to one decimal."""
    rows = [
        {"rank": s.rank, "candidate": spreadsheet_safe(s.candidate), "mean": f"{s.mean:.1f}", "answered": s.answered,
         "missing": "; ".join(s.missing)}
        for s in result.summaries
    ]
    return csv_text(SUMMARY_COLUMNS, rows)


def hit_ids(scored: QuestionResult) -> str:
    """The ids of the points hit, in rubric order; a partly hit point says so."""
    return "; ".join(
        p.point_id + (" (partly)" if p.credit == "partial" else "") for p in scored.points
        if p.credit in HIT_CREDITS
    )




def report_markdown(result: CandidateScores, title: str) -> str:
    """The ranking, then each candidate's questions with points hit and missed, then the bad rows."""
    lines = [f"# {title}", "", _overview(result), "", "## Ranking", ""]
    lines += _table(
        ("rank", "candidate", "mean", "answered", "missing"),
        [(str(s.rank), s.candidate, f"{s.mean:.1f}", f"{s.answered} of {len(result.question_ids)}",
          ", ".join(s.missing) or "none") for s in result.summaries],
    )
    for summary in result.summaries:
        lines += ["", f"## {summary.rank}. {summary.candidate}", ""] + _candidate_table(result, summary)
    if result.problems:
        lines += ["", "## Malformed rows", "", "These rows were not scored:", ""]
        lines += _table(("row", "problem"), [(str(p.row), p.message) for p in result.problems])
    return "\n".join(lines) + "\n"


def _overview(result: CandidateScores) -> str:
    return (
        f"{_count(len(result.summaries), 'candidate')}, {_count(len(result.question_ids), 'question')} in the set, "
        f"{_count(len(result.results), 'answer')} scored, {_count(len(result.problems), 'malformed row')}. "
        "A missing answer counts as 0 in the mean."
    )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")


def _candidate_table(result: CandidateScores, summary: CandidateSummary) -> list[str]:
    rows = []
    for question_id in result.question_ids:
        scored = result.result(summary.candidate, question_id)
        if scored is None:
            rows.append((question_id, "0", MISSING_BAND, "", "", "no answer"))
            continue
        hit = "<br>".join(_hit_point(p) for p in scored.points if p.credit in HIT_CREDITS)
        missed = ", ".join(p.point_id for p in scored.missed)
        rows.append((question_id, str(scored.score), scored.band, hit, missed, " ".join(scored.notes)))
    return _table(("question", "score", "band", "points hit", "points missed", "notes"), rows)


def _hit_point(point: PointResult) -> str:
    """The point's id, whether it was only partly hit, and the quote that earned the credit."""
    name = f"**{point.point_id}**" + (" (partly)" if point.credit == "partial" else "")
    return f"{name}: “{quote(point.evidence, EVIDENCE_CHARS)}”" if point.evidence else name


def _table(headers: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    return lines + ["| " + " | ".join(_cell(cell) for cell in row) + " |" for row in rows]


def _cell(text: str) -> str:
    """The text on one line, with pipes escaped so it stays in its table cell."""
    return " ".join(text.split()).replace("|", "\\|")
