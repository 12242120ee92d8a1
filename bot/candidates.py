"""Bulk scoring of candidates' written answers to a screening set: parse a CSV or JSONL upload, score
the good rows with a grader, rank the candidates, and report bad rows by their row number."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property

from bot.bank import Bank, Question
from bot.errors import BotError
from bot.scoring import Score

FIELDS = ("candidate", "question_id", "answer")
FORMATS = ("csv", "jsonl")
MAX_ANSWER_CHARS = 20_000
CHUNK = 64  # rows scored together, so the embedding model sees many sentences at once
HIT_CREDITS = ("full", "partial")  # partial credit counts as hit, marked "partly" in reports
MISSED_CREDITS = ("none", "not_assessed")

Progress = Callable[[int, int], None]


class CandidateFileError(BotError):
    """The upload as a whole cannot be read: no header, a missing column, an unknown format."""


@dataclass(frozen=True)
class RowProblem:
    """A row that was not scored: its number in the file and why, in one sentence."""

    row: int
    message: str
    candidate: str = ""  # when the row names one, so that candidate still shows in the ranking

    def __str__(self) -> str:
        return f"Row {self.row}: {self.message}"


@dataclass(frozen=True)
class AnswerRow:
    """A good row: who answered which question, with what, and where in the file."""

    row: int
    candidate: str
    question: Question
    answer: str


@dataclass(frozen=True)
class ParsedAnswers:
    """The good rows, the bad ones, and the set's question ids the candidates are ranked over."""

    rows: tuple[AnswerRow, ...]
    problems: tuple[RowProblem, ...]
    question_ids: tuple[str, ...]


@dataclass(frozen=True)
class PointResult:
    """One rubric point of a scored answer: its credit and the quote from the answer that earned it."""

    point_id: str
    point: str
    credit: str  # full, partial, none or not_assessed
    evidence: str = ""


@dataclass(frozen=True)
class QuestionResult:
    """One candidate's score on one question, with the rubric points hit, partly hit and missed."""

    candidate: str
    question_id: str
    row: int
    score: int
    band: str
    points: tuple[PointResult, ...]  # in rubric order
    notes: tuple[str, ...] = ()

    @property
    def hit(self) -> tuple[PointResult, ...]:
        """Points given full credit."""
        return tuple(p for p in self.points if p.credit == "full")

    @property
    def partly(self) -> tuple[PointResult, ...]:
        """Points given partial credit."""
        return tuple(p for p in self.points if p.credit == "partial")

    @property
    def missed(self) -> tuple[PointResult, ...]:
        """Points given no credit, whether wrong or never touched."""
        return tuple(p for p in self.points if p.credit in MISSED_CREDITS)


@dataclass(frozen=True)
class CandidateSummary:
    """A candidate's place in the ranking: the mean over the set (a missing answer counts as 0)."""

    rank: int
    candidate: str
    mean: float
    answered: int
    missing: tuple[str, ...]  # the set's question ids with no scored answer, in set order


@dataclass(frozen=True)
class CandidateScores:
    """Everything the reports need: the set, per-question results, the ranking and the bad rows."""

    question_ids: tuple[str, ...]
    results: tuple[QuestionResult, ...]  # in file order
    summaries: tuple[CandidateSummary, ...]  # best first; ties by candidate name
    problems: tuple[RowProblem, ...]  # in file order

    def result(self, candidate: str, question_id: str) -> QuestionResult | None:
        """The candidate's result on the question, or None when it is missing."""
        return self._by_key.get((candidate, question_id))

    @cached_property
    def _by_key(self) -> dict[tuple[str, str], QuestionResult]:
        return {(r.candidate, r.question_id): r for r in self.results}


def answers_format(filename: str) -> str:
    """'csv' or 'jsonl', from the file name's extension."""
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix == "csv":
        return "csv"
    if suffix in ("jsonl", "ndjson"):
        return "jsonl"
    raise CandidateFileError(f"Cannot tell the format of {filename!r}: upload a .csv or .jsonl file.")


def score_candidates(
    text: str, fmt: str, bank: Bank, grader, question_ids: Sequence[str] | None = None,
    chunk: int = CHUNK, progress: Progress | None = None,
) -> CandidateScores:
    """The uploaded answers scored and ranked; bad rows are reported and the rest are scored.

    `grader` has `score_many(items: list[tuple[Question, str]]) -> list[Score]`. Without
    `question_ids` the set is every question answered in a good row, in order of first appearance.
    """
    parsed = parse_answers(text, fmt, bank, question_ids)
    return rank_candidates(parsed, score_rows(parsed.rows, grader, chunk, progress))


def parse_answers(text: str, fmt: str, bank: Bank, question_ids: Sequence[str] | None = None) -> ParsedAnswers:
    """The upload's good rows and its bad ones, each bad row with its number and one sentence."""
    if fmt not in FORMATS:
        raise CandidateFileError(f"Unknown answers format {fmt!r}; use csv or jsonl.")
    questions = {question.id: question for question in bank}
    the_set = _checked_set(question_ids, questions)
    records = csv_records(text) if fmt == "csv" else jsonl_records(text)
    rows: list[AnswerRow] = []
    problems: list[RowProblem] = []
    first_row: dict[tuple[str, str], int] = {}
    for number, record in records:
        checked = record if isinstance(record, RowProblem) else check_record(number, record, questions, the_set)
        if isinstance(checked, AnswerRow):
            key = (checked.candidate, checked.question.id)
            if key in first_row:
                checked = RowProblem(
                    number, f"Candidate {key[0]!r} already answered question {key[1]!r} on row {first_row[key]}.",
                    key[0],
                )
            else:
                first_row[key] = number
        (rows if isinstance(checked, AnswerRow) else problems).append(checked)
    ids = the_set if the_set is not None else tuple(dict.fromkeys(row.question.id for row in rows))
    return ParsedAnswers(tuple(rows), tuple(problems), ids)


def _checked_set(question_ids: Sequence[str] | None, questions: dict[str, Question]) -> tuple[str, ...] | None:
    if question_ids is None:
        return None
    unknown = [qid for qid in question_ids if qid not in questions]
    if unknown:
        raise CandidateFileError(f"The screening set's question {unknown[0]!r} is not in the bank.")
    return tuple(dict.fromkeys(question_ids))


def csv_records(text: str) -> Iterator[tuple[int, dict | RowProblem]]:
    """(line number, fields by column name) per non-blank row after the header, which is line 1."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""))
    try:
        header = next(reader, None)
        if header is None or not any(cell.strip() for cell in header):
            raise CandidateFileError(
                "The CSV file is empty; its first line must be the header candidate,question_id,answer."
            )
        names = [cell.strip().lower() for cell in header]
        absent = [name for name in FIELDS if name not in names]
        if absent:
            raise CandidateFileError(
                f"The CSV header has no {_either(absent)} column; it must name candidate, question_id and answer."
            )
        line = reader.line_num
        for cells in reader:
            number, line = line + 1, reader.line_num  # a quoted answer may span several lines
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(names):
                candidate = cells[names.index("candidate")].strip()
                yield number, RowProblem(
                    number, f"The row has {len(cells)} cells but the header has {len(names)}; "
                    "put answers that contain commas in double quotes.", candidate,
                )
                continue
            yield number, dict(zip(names, cells))
    except csv.Error as error:
        raise CandidateFileError(f"The CSV file cannot be read at line {reader.line_num} ({error}).") from None


def jsonl_records(text: str) -> Iterator[tuple[int, dict | RowProblem]]:
    """(line number, the object) per non-blank line."""
    # Split on newlines only: str.splitlines would also split at U+2028, which JSON strings may hold.
    for number, line in enumerate(text.lstrip("\ufeff").split("\n"), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            yield number, RowProblem(number, f"The line is not valid JSON ({error.msg} at column {error.colno}).")
            continue
        if isinstance(record, dict):
            yield number, record
        else:
            yield number, RowProblem(number, "The line is not a JSON object.")


def check_record(
    number: int, record: dict, questions: dict[str, Question], the_set: tuple[str, ...] | None = None
) -> AnswerRow | RowProblem:
    """The record as a good row, or the first thing wrong with it."""
    absent = [name for name in FIELDS if record.get(name) is None]
    named = record.get("candidate")
    candidate = named.strip() if isinstance(named, str) else ""
    if absent:
        return RowProblem(number, f"The row has no {_either(absent)} field.", candidate)
    not_text = [name for name in FIELDS if not isinstance(record[name], str)]
    if not_text:
        return RowProblem(number, f"The field {not_text[0]!r} must be text.", candidate)
    if not candidate:
        return RowProblem(number, "The candidate is empty.")
    question_id = record["question_id"].strip()
    if not question_id:
        return RowProblem(number, "The question_id is empty.", candidate)
    if question_id not in questions:
        return RowProblem(number, f"There is no question with id {question_id!r} in the bank.", candidate)
    if the_set is not None and question_id not in the_set:
        return RowProblem(number, f"Question {question_id!r} is not in this screening set.", candidate)
    answer = record["answer"]
    if len(answer) > MAX_ANSWER_CHARS:
        return RowProblem(
            number, f"The answer is {len(answer):,} characters long, over the limit of {MAX_ANSWER_CHARS:,}.",
            candidate,
        )
    return AnswerRow(number, candidate, questions[question_id], answer)


def _either(names: list[str]) -> str:
    quoted = [repr(name) for name in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]


def score_rows(rows: Sequence[AnswerRow], grader, chunk: int = CHUNK, progress: Progress | None = None) -> list[Score]:
    """A score per row, in order, graded `chunk` rows at a time; `progress(done, total)` after each."""
    scores: list[Score] = []
    for start in range(0, len(rows), chunk):
        batch = rows[start : start + chunk]
        scores += grader.score_many([(row.question, row.answer) for row in batch])
        if progress:
            progress(len(scores), len(rows))
    if progress and not rows:
        progress(0, 0)
    return scores


def question_result(row: AnswerRow, score: Score) -> QuestionResult:
    """The row's score as a result: score, band, and each rubric point's credit and evidence."""
    points = tuple(PointResult(c.point_id, c.point, c.credit, c.evidence) for c in score.criteria)
    return QuestionResult(row.candidate, row.question.id, row.row, score.score, score.band, points, tuple(score.notes))


def rank_candidates(parsed: ParsedAnswers, scores: Sequence[Score]) -> CandidateScores:
    """Results and a ranking by mean score over the set; equal means share a rank, ordered by name."""
    results = tuple(question_result(row, score) for row, score in zip(parsed.rows, scores, strict=True))
    names = dict.fromkeys([r.candidate for r in results] + [p.candidate for p in parsed.problems if p.candidate])
    totals = {name: 0 for name in names}
    answered: dict[str, set[str]] = {name: set() for name in names}
    for result in results:
        totals[result.candidate] += result.score
        answered[result.candidate].add(result.question_id)
    order = sorted(names, key=lambda name: (-totals[name], name.casefold(), name))
    summaries: list[CandidateSummary] = []
    for place, name in enumerate(order, start=1):
        tied = summaries and totals[summaries[-1].candidate] == totals[name]
        summaries.append(CandidateSummary(
            rank=summaries[-1].rank if tied else place,
            candidate=name,
            mean=totals[name] / len(parsed.question_ids) if parsed.question_ids else 0.0,
            answered=len(answered[name]),
            missing=tuple(qid for qid in parsed.question_ids if qid not in answered[name]),
        ))
    return CandidateScores(parsed.question_ids, results, tuple(summaries), parsed.problems)
