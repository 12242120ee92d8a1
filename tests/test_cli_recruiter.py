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


JOB = """Senior MLOps Engineer

Requirements:
- Build and run CI/CD pipelines that train, validate and deploy models to Kubernetes
- Monitor models in production for data drift and trigger retraining
- Operate a feature store with point-in-time correct training data
"""


def screen(tmp_path, capsys, *extra, out="out"):
    argv = ["screen", "--role", "Senior MLOps Engineer", "--level", "senior", "--date", "2026-11-25",
            "--out", str(tmp_path / out), *extra]
    code = main(argv, environ={"BOT_DATA_DIR": str(tmp_path / "data")})
    return code, capsys.readouterr()


def test_screen_writes_the_eight_exports_named_after_role_and_date_and_is_reproducible(tmp_path, capsys):
    code, first = screen(tmp_path, capsys, "--topic", "mlops_deploy_serve=2", "--topic", "ml_system_design",
                         "--questions", "6", "--seed", "7")
    assert code == 0
    stem = "senior-mlops-engineer-2026-11-25"
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        f"{stem}-{part}.{ext}" for part in ("interviewer-kit", "candidate-sheet") for ext in ("md", "pdf", "csv", "json"))
    table = first.out.splitlines()
    topics = [line.split()[2] for line in table[1:7]]
    assert sorted(topics) == ["ml_system_design"] * 2 + ["mlops_deploy_serve"] * 4
    assert table[7].startswith("6 questions, ")
    again_code, again = screen(tmp_path, capsys, "--topic", "mlops_deploy_serve=2", "--topic", "ml_system_design",
                               "--questions", "6", "--seed", "7", out="again")
    assert again_code == 0 and again.out.splitlines()[:8] == table[:8]
    for name in (f"{stem}-interviewer-kit.md", f"{stem}-candidate-sheet.json", f"{stem}-interviewer-kit.pdf"):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "again" / name).read_bytes()


def test_screen_from_a_job_description_names_the_requirement_each_question_covers(tmp_path, capsys):
    (tmp_path / "job.txt").write_text(JOB)
    code, printed = screen(tmp_path, capsys, "--jd", str(tmp_path / "job.txt"), "--minutes", "45")
    assert code == 0
    kit = json.loads((tmp_path / "out" / "senior-mlops-engineer-2026-11-25-interviewer-kit.json").read_text())
    requirements = [line[2:] for line in JOB.splitlines() if line.startswith("- ")]
    assert kit["total_minutes"] <= 45 and kit["questions"] >= 3
    assert [item["covers"] for item in kit["items"][:3]] == requirements
    assert all(item["topic"].startswith("mlops_") or item["topic"] == "ml_system_design" for item in kit["items"][:3])


def test_screen_input_errors_are_one_sentence(tmp_path, capsys):
    code, printed = screen(tmp_path, capsys, "--mix", "easy")
    assert (code, printed.err) == (1, "error: --mix 'easy': write it like 1=0.25,2=0.5,3=0.25.\n")
    code, printed = screen(tmp_path, capsys, "--jd", str(tmp_path / "missing.txt"))
    assert (code, printed.err) == (1, f"error: Cannot read the job description {tmp_path / 'missing.txt'} as UTF-8 text.\n")
    assert not (tmp_path / "out").exists()
