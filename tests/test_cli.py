import csv
import io
import json

import pytest

from bot.bank import TOPICS, Question
from bot.catalog import CSV_COLUMNS
from bot.cli import main
from tests.conftest import question_yaml, write_bank


@pytest.fixture
def env(tmp_path):
    bank = write_bank(
        tmp_path / "bank",
        {
            "monitor.yaml": "questions:\n"
            + question_yaml()
            + question_yaml(id="monitor-skew", question="How do you catch training-serving skew?"),
            "sql.yaml": "questions:\n"
            + question_yaml(
                id="sql-top-n", topic="data_eng_sql", type="coding", levels="junior, mid", difficulty=1,
                question="Write a SQL query for the top three products per category by revenue.",
            ),
        },
    )
    return {"BOT_BANK_DIR": str(bank), "BOT_DATA_DIR": str(tmp_path / "data")}


def run(argv, env, capsys):
    code = main(argv, environ=env)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_validate_valid_bank(env, capsys):
    code, out, _ = run(["bank", "validate"], env, capsys)
    assert code == 0
    assert out.startswith(f"{env['BOT_BANK_DIR']}: 3 questions, version 1.2.0+")
    assert out.rstrip().endswith(", no problems")


def test_validate_lists_every_problem_and_exits_1(tmp_path, env, capsys):
    bad = write_bank(tmp_path / "bad", {"a.yaml": "questions:\n" + question_yaml(topic="astrology", difficulty=5)})
    code, out, _ = run(["bank", "validate", str(bad)], env, capsys)
    assert code == 1
    assert out.splitlines() == [
        f"{bad}: 2 problems",
        f"  {bad / 'a.yaml'}:3: monitor-drift: topic: unknown topic 'astrology'",
        f"  {bad / 'a.yaml'}:7: monitor-drift: difficulty: must be between its limits "
        "(input should be less than or equal to 3), got 5",
    ]


def test_stats_json_counts_topics_levels_types(env, capsys):
    code, out, _ = run(["bank", "stats", "--json"], env, capsys)
    stats = json.loads(out)
    assert code == 0
    assert stats["questions"] == 3
    assert list(stats["topics"]) == list(TOPICS)
    assert stats["topics"]["mlops_monitor_retrain"] == 2
    assert stats["topics"]["data_eng_sql"] == 1
    assert stats["topics"]["behavioral"] == 0
    assert stats["levels"] == {"junior": 1, "mid": 3, "senior": 2, "staff": 0}
    assert stats["types"]["scenario"] == 2 and stats["types"]["coding"] == 1
    assert stats["difficulties"] == {"1": 1, "2": 2, "3": 0}
    assert stats["coverage"]["data_eng_sql"] == {
        "questions": 1, "levels": {"junior": 1, "mid": 1, "senior": 0, "staff": 0},
        "types": {"conceptual": 0, "scenario": 0, "design": 0, "coding": 1, "behavioral": 0},
        "difficulties": {"1": 1, "2": 0, "3": 0},
    }


def test_stats_as_text_table(env, capsys):
    code, out, _ = run(["bank", "stats"], env, capsys)
    assert code == 0
    assert out.startswith("3 questions, bank version 1.2.0+")
    lines = out.splitlines()
    header = lines.index(next(line for line in lines if line.startswith("topic ")))
    assert lines[header].split() == ["topic", "questions", "junior", "mid", "senior", "staff", "conceptual",
                                     "scenario", "design", "coding", "behavioral", "d1", "d2", "d3"]
    rows = {line.split()[0]: line.split()[1:] for line in lines[header + 1:]}
    assert rows["mlops_monitor_retrain"] == ["2", "0", "2", "2", "0", "0", "2", "0", "0", "0", "0", "2", "0"]
    assert lines[-1].split() == ["all", "topics", "3", "1", "3", "2", "0", "0", "2", "0", "1", "0", "1", "2", "0"]


def test_stats_as_markdown_for_the_readme(env, capsys):
    code, out, _ = run(["bank", "stats", "--markdown"], env, capsys)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 2 + 19 + 1
    assert lines[0].startswith("| topic | questions | junior | mid | senior | staff | conceptual |")
    assert "| `data_eng_sql` | 1 | 1 | 1 | 0 | 0 | 0 | 0 | 0 | 1 | 0 | 1 | 0 | 0 |" in lines
    assert lines[-1] == "| **all topics** | 3 | 1 | 3 | 2 | 0 | 0 | 2 | 0 | 1 | 0 | 1 | 2 | 0 |"


def test_export_jsonl_has_one_question_per_line_with_every_field(env, capsys):
    code, out, _ = run(["bank", "export", "--format", "jsonl"], env, capsys)
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert [row["id"] for row in rows] == ["monitor-drift", "monitor-skew", "sql-top-n"]
    assert all(set(row) == set(Question.model_fields) for row in rows)
    assert rows[0]["rubric"][1] == {
        "id": "detection", "weight": 3.0,
        "point": "Runs PSI or a KS test per feature over a window with a threshold.",
    }
    assert Question.model_validate(rows[2]).topic == "data_eng_sql"


def test_export_csv_filtered_by_topic(env, capsys):
    code, out, _ = run(["bank", "export", "--format", "csv", "--topic", "data_eng_sql"], env, capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0
    assert tuple(rows[0]) == CSV_COLUMNS
    assert [row["id"] for row in rows] == ["sql-top-n"]
    assert rows[0]["levels"] == "junior;mid"
    assert rows[0]["rubric"].splitlines()[0] == "[drift-kinds, w2] Separates data drift, concept drift and label drift."


def test_export_markdown_shows_rubric_as_checklist(env, capsys):
    code, out, _ = run(["bank", "export", "--format", "md", "--topic", "mlops_monitor_retrain"], env, capsys)
    assert code == 0
    assert out.count("## monitor-") == 2
    assert "- [ ] **detection** (weight 3): Runs PSI or a KS test per feature" in out
    assert "sql-top-n" not in out


def test_index_build_then_rebuild_reports_counts(env, capsys):
    code, out, _ = run(["index", "build"], env, capsys)
    assert code == 0
    assert out.startswith("index: 3 questions (3 added, 0 updated, 0 deleted, 0 unchanged) in ")
    code, out, _ = run(["index", "build"], env, capsys)
    assert out.startswith("index: 3 questions (0 added, 0 updated, 0 deleted, 3 unchanged) in ")


def test_search_json_returns_best_match_first(env, capsys):
    code, out, _ = run(["search", "ranking products inside each category with SQL", "--json"], env, capsys)
    rows = json.loads(out)
    assert code == 0
    assert rows[0]["id"] == "sql-top-n"
    assert rows[0]["topic"] == "data_eng_sql"
    assert rows[0]["question"] == "Write a SQL query for the top three products per category by revenue."
    assert 0 < rows[0]["similarity"] <= 1
    assert len(rows) == 3


def test_search_filters_by_topic_level_and_k(env, capsys):
    code, out, _ = run(["search", "drift", "--topic", "mlops_monitor_retrain", "--level", "senior", "-k", "1",
                        "--json"], env, capsys)
    rows = json.loads(out)
    assert code == 0
    assert [row["id"] for row in rows] == ["monitor-drift"]


def test_search_text_output(env, capsys):
    code, out, _ = run(["search", "training-serving skew", "-k", "1"], env, capsys)
    assert code == 0
    assert "monitor-skew  [mlops_monitor_retrain, scenario, d2]" in out
    assert "How do you catch training-serving skew?" in out


def test_search_with_nothing_matching_says_so(env, capsys):
    code, out, _ = run(["search", "anything", "--topic", "behavioral"], env, capsys)
    assert code == 0
    assert out == "No questions match those filters.\n"


def test_search_rejects_k_below_one(env, capsys):
    code, _, err = run(["search", "drift", "-k", "0"], env, capsys)
    assert code == 1
    assert err == "error: -k must be at least 1.\n"


def test_search_needs_some_text(env, capsys):
    code, _, err = run(["search", "   "], env, capsys)
    assert code == 1
    assert err == "error: Give some text to search for, e.g. 'feature store point-in-time joins'.\n"


def test_unwritable_data_folder_is_one_clear_error(tmp_path, env, capsys):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the data folder should be")
    code, _, err = run(["index", "build"], {**env, "BOT_DATA_DIR": str(blocker)}, capsys)
    assert code == 1
    assert err.startswith(f"error: Cannot open the index in {blocker / 'chroma'} (")


def test_bad_setting_is_one_clear_error(env, capsys):
    code, _, err = run(["bank", "stats"], {**env, "BOT_CHROMA_PORT": "abc"}, capsys)
    assert code == 1
    assert err == "error: BOT_CHROMA_PORT must be a port number, got 'abc'.\n"


def test_invalid_bank_stops_other_commands_with_the_problems(tmp_path, env, capsys):
    bad = write_bank(tmp_path / "bad", {"a.yaml": "questions:\n" + question_yaml(topic="astrology")})
    code, _, err = run(["bank", "stats"], {**env, "BOT_BANK_DIR": str(bad)}, capsys)
    assert code == 1
    assert err.splitlines() == [
        "error: The question bank has 1 problem:",
        f"  {bad / 'a.yaml'}:3: monitor-drift: topic: unknown topic 'astrology'",
    ]


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["bank", "--help"], ["bank", "validate", "--help"], ["bank", "stats", "--help"],
     ["bank", "export", "--help"], ["index", "--help"], ["index", "build", "--help"], ["search", "--help"],
     ["grade", "--help"]],
    ids=lambda argv: " ".join(argv),
)
def test_every_command_has_help(argv, capsys):
    with pytest.raises(SystemExit) as exited:
        main(argv, environ={})
    assert exited.value.code == 0
    assert capsys.readouterr().out.startswith("usage: python -m bot")


def test_no_command_prints_help_and_exits_2(capsys):
    assert main([], environ={}) == 2
    assert "commands:" in capsys.readouterr().out


def test_check_reports_uncovered_points_and_spellings(tmp_path, capsys):
    text = question_yaml(question="How would you run an AB test for a drift detector?")
    bank = write_bank(tmp_path / "bank", {"monitor.yaml": "questions:\n" + text})
    code, out, _ = run(["bank", "check", str(bank)], {"BOT_DATA_DIR": str(tmp_path / "data")}, capsys)
    assert code == 1
    lines = out.splitlines()
    assert lines == [
        f"{bank}: 2 problems",
        "  monitor-drift: rubric.response is not covered by the reference answer (best similarity 0.18, needs 0.45)",
        "  monitor-drift: question spells 'AB test'; write 'A/B test'",
    ]


def test_check_of_a_sound_bank_passes(capsys):
    code, out, _ = run(["bank", "check", "--topic", "behavioral"], {}, capsys)
    assert code == 0
    assert out.startswith("question_bank: ") and out.endswith(" questions, no problems\n")
