"""`python -m bot practice` and `sessions` through main(argv), with answers piped on standard input."""

import io
import json
import re

import pytest

from bot.cli import main
from tests.conftest import question_yaml, write_bank

GOOD_ANSWER = (
    "Data drift is a change in the inputs, concept drift a change in the mapping from inputs to labels, "
    "and label drift a change in the class balance.\n"
    "I would run PSI on every feature over a weekly window and alert when PSI goes above 0.2."
)


@pytest.fixture
def env(tmp_path):
    bank = write_bank(
        tmp_path / "bank",
        {
            "monitor.yaml": "questions:\n"
            + question_yaml()
            + question_yaml(id="monitor-skew", question="How do you catch training-serving skew?"),
        },
    )
    return {"BOT_BANK_DIR": str(bank), "BOT_DATA_DIR": str(tmp_path / "data")}


def practice(argv, env, stdin, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = main(["practice", *argv], environ=env)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def session_id_in(out):
    return re.search(r"^Session ([0-9a-f]{12}),", out, re.M).group(1)


def test_piped_practice_runs_to_the_report_and_exits_0(env, monkeypatch, capsys):
    stdin = f"{GOOD_ANSWER}\n.\nskip\n.\nI don't know\n.\n"
    code, out, err = practice(["--topic", "mlops_monitor_retrain", "--questions", "2", "--seed", "1"], env, stdin,
                              monkeypatch, capsys)
    assert code == 0, err
    session = session_id_in(out)
    assert out.startswith(f"Session {session}, mid level, coach mode, grading: offline.\n")
    assert "\nInterviewer: Question 1 of 2: " in out
    assert "\nInterviewer: What happens after the alert?\n" in out  # the follow-up at the missed response point
    assert "\nFeedback: Score " in out
    assert "\nInterviewer: Question 2 of 2: " in out
    assert "\nInterviewer: That is the end of the interview. Here is your report.\n" in out
    assert "Interview report: mid level, 2 of 2 questions scored" in out
    assert "[did not know]" in out
    assert "\nBy topic\n  - MLOps: monitor & retrain: 2 questions, mean " in out
    assert "\nDrill next\n  - MLOps: monitor & retrain (mean " in out
    assert out.rstrip().endswith(f"Session {session} is saved: python -m bot sessions show {session}")


def test_interview_mode_keeps_feedback_for_the_report(env, monkeypatch, capsys):
    stdin = f"{GOOD_ANSWER}\n.\nskip\n.\nskip\n.\n"
    code, out, _ = practice(["--questions", "2", "--mode", "interview", "--seed", "2"], env, stdin, monkeypatch, capsys)
    assert code == 0
    assert "Feedback:" not in out
    assert "Interview report: mid level, 2 of 2 questions scored" in out


def test_end_of_input_saves_the_session_and_resume_finishes_it(env, monkeypatch, capsys):
    code, out, _ = practice(["--questions", "2", "--seed", "3"], env, f"{GOOD_ANSWER}\n", monkeypatch, capsys)
    session = session_id_in(out)
    assert code == 0
    assert f"Input ended. The session is saved; resume it with: python -m bot practice --resume {session}" in out
    assert "Interview report: mid level, 0 of 2 questions scored" in out  # still on the follow-up

    assert main(["sessions", "list", "--unfinished", "--json"], environ=env) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(s["id"], s["finished"], s["answered"], s["planned"]) for s in listed] == [(session, False, 0, 2)]

    code, out, _ = practice(["--resume", session], env, "end\n.\n", monkeypatch, capsys)
    assert code == 0
    assert "\nInterviewer: Resuming question 1 of 2: What happens after the alert?\n" in out
    assert "Interview report: mid level, 1 of 2 questions scored" in out

    assert main(["sessions", "show", session], environ=env) == 0
    shown = capsys.readouterr().out
    transcript = shown[shown.index("\nTranscript\n"):]
    kinds = re.findall(r"\] (Candidate|Interviewer) \((\w+)\)", transcript)
    assert kinds == [
        ("Interviewer", "question"), ("Candidate", "answer"), ("Interviewer", "follow_up"),
        ("Candidate", "answer"), ("Interviewer", "finished"),
    ]
    assert "Candidate (answer): Data drift is a change in the inputs" in transcript


def test_sessions_delete_then_unknown_id_is_a_clear_error(env, monkeypatch, capsys):
    _, out, _ = practice(["--questions", "1", "--seed", "4"], env, "skip\n.\n", monkeypatch, capsys)
    session = session_id_in(out)
    assert main(["sessions", "delete", session], environ=env) == 0
    assert capsys.readouterr().out == f"deleted session {session}\n"
    assert main(["sessions", "list"], environ=env) == 0
    assert capsys.readouterr().out == "No saved sessions.\n"
    assert main(["sessions", "delete", session], environ=env) == 1
    assert capsys.readouterr().err == f"error: No saved session with id '{session}'.\n"
    assert main(["practice", "--resume", "nope"], environ=env) == 1
    assert capsys.readouterr().err == "error: No saved session with id 'nope'.\n"


@pytest.mark.parametrize("count", ["0", "51"], ids=["zero", "too-many"])
def test_question_count_out_of_range_is_rejected(env, monkeypatch, capsys, count):
    code, _, err = practice(["--questions", count], env, "", monkeypatch, capsys)
    assert (code, err) == (1, "error: --questions must be between 1 and 50.\n")


def test_database_url_setting_puts_sessions_elsewhere(tmp_path, env, monkeypatch, capsys):
    url = f"sqlite:///{tmp_path / 'elsewhere.sqlite3'}"
    code, _, _ = practice(["--questions", "1"], {**env, "BOT_DATABASE_URL": url}, "skip\n.\n", monkeypatch, capsys)
    assert code == 0
    assert (tmp_path / "elsewhere.sqlite3").is_file()
    assert not (tmp_path / "data" / "sessions.sqlite3").exists()
