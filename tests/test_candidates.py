"""Bulk scoring of candidates: parsing uploads, bad rows by row number, ranking, and the reports."""

import csv
import io
import json

import pytest

from bot.bank import load_bank
from bot.candidate_report import REPORT_COLUMNS, SUMMARY_COLUMNS, report_csv, report_markdown, summary_csv
from bot.candidates import (
    MAX_ANSWER_CHARS, CandidateFileError, CandidateSummary, RowProblem, answers_format, parse_answers,
    score_candidates,
)
from bot.offline_grader import OfflineGrader
from bot.scoring import Criterion, Score, band_for
from tests.conftest import question_yaml, write_bank

DRIFT = "monitor-drift-detection-plan"
DOUBLE_DESCENT = "mlfund-double-descent-and-bias-variance"
THIN_DRIFT = "I would compare feature distributions against training data with PSI and alert when it gets high."
VAGUE = "Bigger models can do better or worse depending on the data, it is a tradeoff."


class RecordingGrader:
    """Scores each answer from a table (0 when not listed) and remembers every batch it was sent.

    Rubric points get `credits` in order, with the whole answer as evidence for full or partial credit;
    an empty answer gets no credit, as from the real graders.
    """

    def __init__(self, scores: dict[str, int] | None = None, credits=("full", "partial", "not_assessed")):
        self.scores = scores or {}
        self.credits = credits
        self.batches: list[list[tuple[str, str]]] = []

    def score_many(self, items):
        self.batches.append([(question.id, answer) for question, answer in items])
        return [self._score(question, answer) for question, answer in items]

    def _score(self, question, answer):
        value = self.scores.get(answer, 0)
        credits = self.credits if answer.strip() else ("not_assessed",) * len(question.rubric)
        criteria = [
            Criterion(point_id=p.id, point=p.point, weight=p.weight, credit=credit,
                      evidence=answer if credit in ("full", "partial") else "")
            for p, credit in zip(question.rubric, credits)
        ]
        notes = [] if answer.strip() else ["The answer is empty."]
        return Score(question_id=question.id, score=value, band=band_for(value), level="mid", criteria=criteria,
                     notes=notes)


@pytest.fixture(scope="module")
def grader(embedder, shipped_index):
    return OfflineGrader(embedder, shipped_index.reference_vectors())


@pytest.fixture
def bank(tmp_path):
    """Three questions, each with the rubric points drift-kinds, detection and response."""
    text = "questions:\n" + "".join(question_yaml(id=qid) for qid in ("drift-a", "drift-b", "drift-c"))
    return load_bank(write_bank(tmp_path / "bank", {"drift.yaml": text}))


def csv_text(rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["candidate", "question_id", "answer"])
    writer.writerows(rows)
    return out.getvalue()


def jsonl_text(rows) -> str:
    return "".join(json.dumps(dict(zip(("candidate", "question_id", "answer"), row))) + "\n" for row in rows)


def good_rows(bank) -> list[tuple[str, str, str]]:
    """Names sort against the expected ranking, so the order can only come from the scores."""
    return [
        ("abe", DRIFT, ""),
        ("mia", DRIFT, THIN_DRIFT),
        ("zoe", DRIFT, bank.get(DRIFT).reference_answer),
        ("abe", DOUBLE_DESCENT, ""),
        ("mia", DOUBLE_DESCENT, VAGUE),
        ("zoe", DOUBLE_DESCENT, bank.get(DOUBLE_DESCENT).reference_answer),
    ]


# -- the real offline grader on shipped questions ------------------------------------------------


def test_strong_answers_rank_above_weak_and_weak_above_empty(grader, shipped_bank):
    rows = good_rows(shipped_bank)
    result = score_candidates(csv_text(rows), "csv", shipped_bank, grader)
    assert result.question_ids == (DRIFT, DOUBLE_DESCENT)
    assert result.problems == ()
    assert [(s.rank, s.candidate, s.answered, s.missing) for s in result.summaries] == [
        (1, "zoe", 2, ()), (2, "mia", 2, ()), (3, "abe", 2, ()),
    ]
    zoe, mia, abe = (s.mean for s in result.summaries)
    assert zoe > mia > abe == 0.0
    empty = result.result("abe", DRIFT)
    assert (empty.score, empty.band, empty.notes) == (0, "needs work", ("The answer is empty.",))
    assert [p.point_id for p in empty.missed] == [p.id for p in shipped_bank.get(DRIFT).rubric]


def test_results_are_the_grade_commands_scores_with_points_and_evidence(grader, shipped_bank):
    rows = good_rows(shipped_bank)
    result = score_candidates(csv_text(rows), "csv", shipped_bank, grader)
    expected = [grader.score(shipped_bank.get(qid), answer) for _, qid, answer in rows]
    assert [(r.row, r.candidate, r.question_id, r.score, r.band) for r in result.results] == [
        (number, name, qid, score.score, score.band)
        for number, (name, qid, _), score in zip(range(2, 8), rows, expected)
    ]
    assert [[(p.point_id, p.credit, p.evidence) for p in r.points] for r in result.results] == [
        [(c.point_id, c.credit, c.evidence) for c in score.criteria] for score in expected
    ]


def test_jsonl_upload_scores_and_ranks_like_csv(grader, shipped_bank):
    rows = good_rows(shipped_bank)
    from_csv = score_candidates(csv_text(rows), "csv", shipped_bank, grader)
    from_jsonl = score_candidates(jsonl_text(rows), "jsonl", shipped_bank, grader)
    assert from_jsonl.summaries == from_csv.summaries
    assert [r.row for r in from_jsonl.results] == [1, 2, 3, 4, 5, 6]
    assert [(r.candidate, r.question_id, r.score) for r in from_jsonl.results] == [
        (r.candidate, r.question_id, r.score) for r in from_csv.results
    ]


# -- malformed rows ------------------------------------------------------------------------------


def test_malformed_csv_rows_are_reported_by_line_and_the_rest_scored(bank):
    text = (
        "candidate,question_id,answer\n"                 # 1
        "ana,drift-a,PSI per feature\n"                  # 2 good
        ",drift-a,no name given\n"                       # 3
        "bo,nope,an answer\n"                            # 4
        "bo,drift-b\n"                                   # 5
        "ana,drift-a,a second try\n"                     # 6
        f"bo,drift-b,{'x' * (MAX_ANSWER_CHARS + 1)}\n"   # 7
        'bo,drift-a,"first line\nsecond line"\n'         # 8-9 good: a quoted answer over two lines
        "\n"                                             # 10 blank: skipped
        "cy,drift-b,I use PSI, KS and alerts\n"          # 11
        "bo,drift-b,\n"                                  # 12 good: an empty answer
        " ,drift-c,x\n"                                  # 13
        "bo,,x\n"                                        # 14
    )
    grader = RecordingGrader()
    result = score_candidates(text, "csv", bank, grader)
    assert [(p.row, p.message) for p in result.problems] == [
        (3, "The candidate is empty."),
        (4, "There is no question with id 'nope' in the bank."),
        (5, "The row has no 'answer' field."),
        (6, "Candidate 'ana' already answered question 'drift-a' on row 2."),
        (7, "The answer is 20,001 characters long, over the limit of 20,000."),
        (11, "The row has 4 cells but the header has 3; put answers that contain commas in double quotes."),
        (13, "The candidate is empty."),
        (14, "The question_id is empty."),
    ]
    assert grader.batches == [[("drift-a", "PSI per feature"), ("drift-a", "first line\nsecond line"), ("drift-b", "")]]
    assert [(r.row, r.candidate, r.question_id) for r in result.results] == [
        (2, "ana", "drift-a"), (8, "bo", "drift-a"), (12, "bo", "drift-b"),
    ]


def test_malformed_jsonl_lines_are_reported_by_line_and_the_rest_scored(bank):
    lines = [
        '{"candidate": "ana", "question_id": "drift-a", "answer": "PSI per feature"}',  # 1 good
        "not json at all",                                                         # 2
        '["ana", "drift-a", "x"]',                                                 # 3
        '{"candidate": "bo", "answer": "x"}',                                      # 4
        '{"answer": "x"}',                                                         # 5
        '{"candidate": "  ", "question_id": "drift-a", "answer": "x"}',            # 6
        '{"candidate": "bo", "question_id": "nope", "answer": "x"}',               # 7
        '{"candidate": "bo", "question_id": "drift-a", "answer": 42}',             # 8
        "",                                                                        # 9 blank: skipped
        '{"candidate": "ana", "question_id": "drift-a", "answer": "again"}',       # 10
        json.dumps({"candidate": "bo", "question_id": "drift-b", "answer": "y" * 25_000}),  # 11
        '{"candidate": "bo", "question_id": "drift-b", "answer": "drift\\u2028line"}',     # 12 good
    ]
    grader = RecordingGrader()
    result = score_candidates("\n".join(lines) + "\n", "jsonl", bank, grader)
    assert [(p.row, p.message) for p in result.problems] == [
        (2, "The line is not valid JSON (Expecting value at column 1)."),
        (3, "The line is not a JSON object."),
        (4, "The row has no 'question_id' field."),
        (5, "The row has no 'candidate' or 'question_id' field."),
        (6, "The candidate is empty."),
        (7, "There is no question with id 'nope' in the bank."),
        (8, "The field 'answer' must be text."),
        (10, "Candidate 'ana' already answered question 'drift-a' on row 1."),
        (11, "The answer is 25,000 characters long, over the limit of 20,000."),
    ]
    assert grader.batches == [[("drift-a", "PSI per feature"), ("drift-b", "drift\u2028line")]]
    assert str(result.problems[0]) == "Row 2: The line is not valid JSON (Expecting value at column 1)."


def test_an_answer_of_exactly_the_limit_is_scored(bank):
    result = score_candidates(csv_text([("ana", "drift-a", "y" * MAX_ANSWER_CHARS)]), "csv", bank, RecordingGrader())
    assert (result.problems, [r.row for r in result.results]) == ((), [2])


def test_a_candidate_with_only_bad_rows_still_ranks_with_everything_missing(bank):
    text = csv_text([("ana", "drift-a", "good"), ("bo", "nope", "lost"), ("bo", "drift-b", "x" * 20_001)])
    result = score_candidates(text, "csv", bank, RecordingGrader({"good": 70}))
    assert result.summaries == (
        CandidateSummary(rank=1, candidate="ana", mean=70.0, answered=1, missing=()),
        CandidateSummary(rank=2, candidate="bo", mean=0.0, answered=0, missing=("drift-a",)),
    )


def test_answers_outside_the_screening_set_are_rejected_and_set_questions_missing(bank):
    text = csv_text([("ana", "drift-a", "good"), ("ana", "drift-c", "off the set")])
    result = score_candidates(text, "csv", bank, RecordingGrader({"good": 90}), question_ids=["drift-a", "drift-b"])
    assert result.problems == (RowProblem(3, "Question 'drift-c' is not in this screening set.", "ana"),)
    assert result.summaries == (CandidateSummary(1, "ana", 45.0, 1, ("drift-b",)),)


def test_header_names_are_matched_loosely_and_windows_line_ends_count_as_one_line(bank):
    text = "\ufeffCandidate, Question_ID ,Answer,email\r\nana,drift-a,good,a@x.org\r\n,drift-b,x,b@x.org\r\n"
    parsed = parse_answers(text, "csv", bank)
    assert [(row.row, row.candidate, row.question.id, row.answer) for row in parsed.rows] == [(2, "ana", "drift-a", "good")]
    assert parsed.problems == (RowProblem(3, "The candidate is empty."),)


@pytest.mark.parametrize(
    ("text", "fmt", "message"),
    [
        ("", "csv", "The CSV file is empty; its first line must be the header candidate,question_id,answer."),
        ("candidate,answer\nana,x\n", "csv",
         "The CSV header has no 'question_id' column; it must name candidate, question_id and answer."),
        ("name,id,text\n", "csv",
         "The CSV header has no 'candidate', 'question_id' or 'answer' column; it must name candidate, "
         "question_id and answer."),
        ("{}", "xlsx", "Unknown answers format 'xlsx'; use csv or jsonl."),
    ],
    ids=["empty-csv", "missing-column", "no-known-column", "unknown-format"],
)
def test_unreadable_files_fail_with_one_sentence(bank, text, fmt, message):
    with pytest.raises(CandidateFileError) as raised:
        parse_answers(text, fmt, bank)
    assert str(raised.value) == message


def test_a_set_question_missing_from_the_bank_is_an_error(bank):
    with pytest.raises(CandidateFileError) as raised:
        parse_answers(csv_text([]), "csv", bank, question_ids=["drift-a", "gone"])
    assert str(raised.value) == "The screening set's question 'gone' is not in the bank."


@pytest.mark.parametrize(
    ("name", "fmt"), [("answers.csv", "csv"), ("Answers.JSONL", "jsonl"), ("a.ndjson", "jsonl")],
    ids=["csv", "jsonl-upper", "ndjson"],
)
def test_format_comes_from_the_file_name(name, fmt):
    assert answers_format(name) == fmt


def test_a_file_name_without_a_known_extension_is_refused():
    with pytest.raises(CandidateFileError) as raised:
        answers_format("answers.xlsx")
    assert str(raised.value) == "Cannot tell the format of 'answers.xlsx': upload a .csv or .jsonl file."


# -- ranking, points and progress -----------------------------------------------------------------


def test_equal_means_share_a_rank_ordered_by_name_and_the_next_rank_skips(bank):
    scores = {"a80": 80, "b80": 80, "c100": 100, "d40": 40, "e40": 40}
    text = csv_text([("bo", "drift-a", "b80"), ("cy", "drift-a", "c100"), ("eve", "drift-a", "e40"),
                     ("Bea", "drift-a", "a80"), ("dee", "drift-a", "d40")])
    result = score_candidates(text, "csv", bank, RecordingGrader(scores))
    assert [(s.rank, s.candidate, s.mean) for s in result.summaries] == [
        (1, "cy", 100.0), (2, "Bea", 80.0), (2, "bo", 80.0), (4, "dee", 40.0), (4, "eve", 40.0),
    ]


def test_a_missing_answer_counts_as_zero_in_the_mean(bank):
    text = csv_text([("ana", "drift-a", "ninety"), ("bo", "drift-a", "fifty"), ("bo", "drift-b", "fifty")])
    result = score_candidates(text, "csv", bank, RecordingGrader({"ninety": 90, "fifty": 50}))
    assert result.summaries == (
        CandidateSummary(1, "bo", 50.0, 2, ()),
        CandidateSummary(2, "ana", 45.0, 1, ("drift-b",)),
    )


@pytest.mark.parametrize(
    ("credits", "hit", "partly", "missed"),
    [
        (("full", "partial", "not_assessed"), ["drift-kinds"], ["detection"], ["response"]),
        (("none", "full", "full"), ["detection", "response"], [], ["drift-kinds"]),
        (("not_assessed", "none", "partial"), [], ["response"], ["drift-kinds", "detection"]),
    ],
    ids=["one-of-each", "none-is-missed", "nothing-hit"],
)
def test_points_are_hit_partly_hit_or_missed_by_their_credit(bank, credits, hit, partly, missed):
    result = score_candidates(csv_text([("ana", "drift-a", "an answer")]), "csv", bank, RecordingGrader(credits=credits))
    scored = result.results[0]
    assert [p.point_id for p in scored.hit] == hit
    assert [p.point_id for p in scored.partly] == partly
    assert [p.point_id for p in scored.missed] == missed
    assert [p.evidence for p in scored.hit + scored.partly] == ["an answer"] * (len(hit) + len(partly))


def test_rows_are_scored_in_chunks_with_progress_up_to_the_total(bank):
    rows = [(f"c{n}", "drift-a", f"answer {n}") for n in range(5)]
    grader, calls = RecordingGrader(), []
    score_candidates(csv_text(rows), "csv", bank, grader, chunk=2, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(2, 5), (4, 5), (5, 5)]
    assert [len(batch) for batch in grader.batches] == [2, 2, 1]


def test_a_file_with_nothing_to_score_reports_progress_once_and_never_calls_the_grader(bank):
    grader, calls = RecordingGrader(), []
    result = score_candidates(csv_text([]), "csv", bank, grader, progress=lambda done, total: calls.append((done, total)))
    assert (calls, grader.batches, result.summaries) == ([(0, 0)], [], ())


# -- reports -------------------------------------------------------------------------------------


@pytest.fixture
def small_result(bank):
    """ana answers both questions (a pipe in one answer), bo only one, and one row is malformed."""
    text = csv_text([
        ("bo", "drift-a", "PSI per feature"),
        ("ana", "drift-a", "PSI | KS per feature"),
        ("ana", "drift-b", ""),
        ("bo", "nope", "lost"),
    ])
    return score_candidates(text, "csv", bank, RecordingGrader({"PSI per feature": 60, "PSI | KS per feature": 90}),
                            question_ids=["drift-a", "drift-b"])


def test_report_csv_has_a_row_per_candidate_and_question_of_the_set(small_result):
    rows = list(csv.DictReader(io.StringIO(report_csv(small_result))))
    assert tuple(rows[0]) == REPORT_COLUMNS
    assert rows == [
        {"candidate": "ana", "question_id": "drift-a", "score": "90", "band": "strong",
         "points_hit": "drift-kinds; detection (partly)", "points_missed": "response"},
        {"candidate": "ana", "question_id": "drift-b", "score": "0", "band": "needs work",
         "points_hit": "", "points_missed": "drift-kinds; detection; response"},
        {"candidate": "bo", "question_id": "drift-a", "score": "60", "band": "solid",
         "points_hit": "drift-kinds; detection (partly)", "points_missed": "response"},
        {"candidate": "bo", "question_id": "drift-b", "score": "0", "band": "missing",
         "points_hit": "", "points_missed": ""},
    ]


def test_summary_csv_lists_the_ranking(small_result):
    rows = list(csv.DictReader(io.StringIO(summary_csv(small_result))))
    assert tuple(rows[0]) == SUMMARY_COLUMNS
    assert rows == [
        {"rank": "1", "candidate": "ana", "mean": "45.0", "answered": "2", "missing": ""},
        {"rank": "2", "candidate": "bo", "mean": "30.0", "answered": "1", "missing": "drift-b"},
    ]


def test_markdown_report_has_the_ranking_then_each_candidate_then_the_malformed_rows(small_result):
    assert report_markdown(small_result, "Screening: ML engineer (mid)") == (
        "# Screening: ML engineer (mid)\n"
        "\n"
        "2 candidates, 2 questions in the set, 3 answers scored, 1 malformed row. "
        "A missing answer counts as 0 in the mean.\n"
        "\n"
        "## Ranking\n"
        "\n"
        "| rank | candidate | mean | answered | missing |\n"
        "|---|---|---|---|---|\n"
        "| 1 | ana | 45.0 | 2 of 2 | none |\n"
        "| 2 | bo | 30.0 | 1 of 2 | drift-b |\n"
        "\n"
        "## 1. ana\n"
        "\n"
        "| question | score | band | points hit | points missed | notes |\n"
        "|---|---|---|---|---|---|\n"
        "| drift-a | 90 | strong | **drift-kinds**: “PSI \\| KS per feature”<br>**detection** (partly): "
        "“PSI \\| KS per feature” | response |  |\n"
        "| drift-b | 0 | needs work |  | drift-kinds, detection, response | The answer is empty. |\n"
        "\n"
        "## 2. bo\n"
        "\n"
        "| question | score | band | points hit | points missed | notes |\n"
        "|---|---|---|---|---|---|\n"
        "| drift-a | 60 | solid | **drift-kinds**: “PSI per feature”<br>**detection** (partly): “PSI per feature” "
        "| response |  |\n"
        "| drift-b | 0 | missing |  |  | no answer |\n"
        "\n"
        "## Malformed rows\n"
        "\n"
        "These rows were not scored:\n"
        "\n"
        "| row | problem |\n"
        "|---|---|\n"
        "| 5 | There is no question with id 'nope' in the bank. |\n"
    )


def test_a_candidate_name_that_looks_like_a_formula_is_written_as_text():
    from bot.candidate_report import spreadsheet_safe

    assert [spreadsheet_safe(name) for name in ("=HYPERLINK(\"x\")", "+1", "-sum", "@cmd", "ana", "o'neil")] == [
        "'=HYPERLINK(\"x\")", "'+1", "'-sum", "'@cmd", "ana", "o'neil"]
