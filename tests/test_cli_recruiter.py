import csv
import json

from bot.bank import load_bank
from bot.cli import main
from bot.settings import SHIPPED_BANK_DIR

DRIFT = "monitor-drift-detection-plan"


def answers_csv(tmp_path):
    reference = load_bank(SHIPPED_BANK_DIR).get(DRIFT).reference_answer
    rows = [
        {"candidate": "ana", "question_id": DRIFT, "answer": reference},
        {"candidate": "ben", "question_id": DRIFT, "answer": "I am not sure what I would do here."},
        {"candidate": "cy", "question_id": "no-such-question", "answer": "hello"},
    ]
    path = tmp_path / "answers.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["candidate", "question_id", "answer"])
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_grade_ranks_candidates_from_a_csv_and_writes_the_reports(tmp_path, capsys):
    path = answers_csv(tmp_path)
    code = main(["grade", str(path), "--report", str(tmp_path / "out")], environ={"BOT_DATA_DIR": str(tmp_path / "d")})
    captured = capsys.readouterr()
    assert code == 0
    lines = captured.out.splitlines()
    assert lines[0] == "# Screening scores: answers"
    ranking = [line for line in lines if line.startswith("| 1 |") or line.startswith("| 2 |")]
    assert [row.split(" | ")[1] for row in ranking] == ["ana", "ben", "cy"]
    assert "| 4 | There is no question with id 'no-such-question' in the bank. |" in lines
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "answers-report.md", "answers-scores.csv", "answers-summary.csv"]
    summary = list(csv.DictReader((tmp_path / "out" / "answers-summary.csv").open()))
    assert [(row["rank"], row["candidate"]) for row in summary] == [("1", "ana"), ("2", "ben"), ("2", "cy")]
    assert float(summary[0]["mean"]) >= 80
    assert captured.err.splitlines()[-1] == "scored 2 answers from 3 candidates; 1 rows not scored"


def test_grade_with_a_set_counts_unanswered_set_questions_as_missing(tmp_path, capsys):
    path = answers_csv(tmp_path)
    sheet = tmp_path / "sheet.json"
    sheet.write_text(json.dumps({"kind": "candidate-sheet", "items": [
        {"number": 1, "question_id": DRIFT}, {"number": 2, "question_id": "mlfund-l1-vs-l2-regularization"}]}))
    code = main(["grade", str(path), "--set", str(sheet)], environ={"BOT_DATA_DIR": str(tmp_path / "d")})
    out = capsys.readouterr().out
    assert code == 0
    assert "3 candidates, 2 questions in the set" in out
    assert "| ana |" in out and "1 of 2 | mlfund-l1-vs-l2-regularization |" in out


def test_grade_with_a_file_that_is_not_a_set_is_one_clear_error(tmp_path, capsys):
    path = answers_csv(tmp_path)
    (tmp_path / "notes.json").write_text('{"hello": 1}')
    code = main(["grade", str(path), "--set", str(tmp_path / "notes.json")], environ={"BOT_DATA_DIR": str(tmp_path)})
    assert code == 1
    assert capsys.readouterr().err == (
        f"error: {tmp_path / 'notes.json'} is not a kit or candidate sheet JSON written by `python -m bot screen`.\n")
