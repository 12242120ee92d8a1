"""The LLM engine over real HTTP to an OpenAI-compatible server on 127.0.0.1, as a user runs it."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from fakes import LoopbackOpenAI

from bot.prompts import load_prompts
from bot.storage import SessionStore
from tests.conftest import question_yaml, write_bank

ROOT = Path(__file__).resolve().parent.parent


def test_practice_grades_and_speaks_through_a_loopback_openai_server(tmp_path):
    bank = write_bank(tmp_path / "bank", {"monitor.yaml": "questions:\n" + question_yaml()})
    answer = "Data drift changes the inputs and concept drift changes the mapping to labels.\n"
    with LoopbackOpenAI() as server:
        environ = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "OPENAI_"))},
            "BOT_BANK_DIR": str(bank), "BOT_DATA_DIR": str(tmp_path / "data"),
            "OPENAI_BASE_URL": server.base_url, "OPENAI_API_KEY": "sk-loopback", "BOT_MODEL": "loop-model",
            "BOT_LLM_RETRIES": "0", "BOT_LLM_TIMEOUT": "20",
        }
        done = subprocess.run(
            [sys.executable, "-m", "bot", "practice", "--questions", "1", "--seed", "1"],
            input=f"{answer}.\nend\n.\n", capture_output=True, text=True, cwd=ROOT, env=environ, timeout=300,
        )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "grading: llm (loop-model)." in out
    assert "\nInterviewer: Thanks, that helps. Tell me more.\n" in out  # the follow-up, streamed in the model's words
    assert "Interview report: mid level, 1 of 1 questions scored" in out
    assert "\nSummary\nThanks, that helps. Tell me more.\n" in out

    paths = [path for path, _, _ in server.requests]
    assert paths == ["/v1/chat/completions"] * 4  # grade, follow-up, grade again at "end", summary
    assert ["response_format" in body for _, _, body in server.requests] == [True, False, True, False]
    assert [body["model"] for _, _, body in server.requests] == ["loop-model"] * 4
    assert all(headers["authorization"] == "Bearer sk-loopback" for _, headers, _ in server.requests)

    session = re.search(r"^Session ([0-9a-f]{12}),", out, re.M).group(1)
    store = SessionStore(f"sqlite:///{tmp_path / 'data' / 'sessions.sqlite3'}")
    (stored,) = store.scores(session)
    saved = store.load(session)
    store.close()
    assert (stored.engine, stored.model, stored.prompt_version) == ("llm", "loop-model", load_prompts().version)
    assert stored.score.score == 50  # every point partial
    assert saved.tokens_used == 2 * 340 + 2 * 53  # two gradings, the follow-up and the summary, as the server counted
    assert [t.text for t in saved.turns if t.role == "candidate"] == [answer.rstrip("\n"), "end"]


def test_bulk_grade_uses_the_llm_judge_and_keeps_bad_lines(tmp_path):
    bank = write_bank(tmp_path / "bank", {"monitor.yaml": "questions:\n" + question_yaml()})
    lines = [
        '{"question_id": "monitor-drift", "answer": "Data drift changes inputs; PSI per feature with a threshold."}',
        '{"question_id": "no-such-question", "answer": "anything"}',
    ]
    (tmp_path / "in.jsonl").write_text("\n".join(lines) + "\n")
    with LoopbackOpenAI() as server:
        environ = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "OPENAI_"))},
            "BOT_BANK_DIR": str(bank), "BOT_DATA_DIR": str(tmp_path / "data"),
            "OPENAI_BASE_URL": server.base_url, "BOT_MODEL": "loop-model", "BOT_LLM_RETRIES": "0",
        }
        done = subprocess.run(
            [sys.executable, "-m", "bot", "grade", str(tmp_path / "in.jsonl")],
            capture_output=True, text=True, cwd=ROOT, env=environ, timeout=300,
        )
    assert done.returncode == 0, done.stderr
    first, second = [json.loads(line) for line in done.stdout.splitlines()]
    assert (first["engine"], first["score"], first["band"]) == ("llm", 50, "developing")
    assert {c["credit"] for c in first["criteria"]} == {"partial"}
    assert first["criteria"][0]["evidence"] == "Data drift changes inputs; PSI"
    assert second["error"].startswith("unknown question_id 'no-such-question'")
    assert len(server.requests) == 1
