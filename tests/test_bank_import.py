import csv
import io
import json

import pytest

from bot.bank import load_bank, read_bank_file
from bot.bank_import import BankImportError, import_questions, read_questions, validate_import
from bot.catalog import export_bank
from bot.cli import main
from bot.settings import SHIPPED_BANK_DIR, Settings

TEMPLATES = SHIPPED_BANK_DIR / "templates"


@pytest.fixture(scope="module")
def template_question():
    questions, problems = read_bank_file(TEMPLATES / "questions.yaml")
    assert problems == []
    return questions[0]


@pytest.mark.parametrize("name", ["questions.csv", "questions.md", "questions.json", "questions.yaml"])
def test_every_template_imports_as_the_same_question(tmp_path, template_question, name):
    imported = import_questions(TEMPLATES / name, tmp_path / "user_bank", SHIPPED_BANK_DIR)
    assert (imported.path.name, imported.questions, imported.replaced) == ("questions.yaml", 1, False)
    assert read_bank_file(imported.path) == ([template_question], [])


@pytest.mark.parametrize("fmt,suffix", [("csv", ".csv"), ("md", ".md"), ("jsonl", ".jsonl")])
def test_exported_questions_read_back_unchanged(tmp_path, fmt, suffix):
    shipped = list(load_bank(SHIPPED_BANK_DIR))[::37]  # every topic's layout, code blocks included
    path = tmp_path / f"export{suffix}"
    path.write_text(export_bank(shipped, fmt))
    raws, problems = read_questions(path)
    questions, found = validate_import(raws, str(path), taken={})
    assert problems + found == []
    assert questions == shipped


def bad_csv(tmp_path, template_question, edit):
    rows = list(csv.DictReader(io.StringIO(export_bank([template_question], "csv"))))
    good = dict(rows[0], id="my-good-one")
    broken = edit(dict(rows[0]))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows([good, broken])
    path = tmp_path / "mine.csv"
    path.write_text(out.getvalue())
    return path, out.getvalue().count("\n", 0, out.getvalue().index(broken["id"] + ",")) + 1


def test_a_bad_row_is_named_by_line_id_and_field_and_nothing_is_written(tmp_path, template_question):
    user = tmp_path / "user_bank"
    user.mkdir()
    (user / "mine.yaml").write_text("earlier import\n")

    def break_rubric(row):
        row["rubric"] = row["rubric"].replace("[compare-outputs, w3]", "compare-outputs (w3)")
        row["difficulty"] = "4"
        return row

    path, line = bad_csv(tmp_path, template_question, break_rubric)
    with pytest.raises(BankImportError) as raised:
        import_questions(path, user, SHIPPED_BANK_DIR)
    assert [str(p) for p in raised.value.problems] == [
        f"{path}:{line}: my-team-shadow-launch: rubric line 2: "
        "must look like '[point-id, w2] what a strong answer contains'",
    ]
    assert (user / "mine.yaml").read_text() == "earlier import\n"


def test_an_invalid_field_and_a_clash_with_the_shipped_bank_are_both_reported(tmp_path, template_question):
    def out_of_range(row):
        row["difficulty"] = "4"
        return row

    path, line = bad_csv(tmp_path, template_question, out_of_range)
    text = path.read_text().replace("my-good-one", "mlfund-overfitting-diagnosis-learning-curves")
    path.write_text(text)
    with pytest.raises(BankImportError) as raised:
        import_questions(path, tmp_path / "user_bank", SHIPPED_BANK_DIR)
    assert [str(p) for p in raised.value.problems] == [
        f"{path}:2: mlfund-overfitting-diagnosis-learning-curves: id: id already used in question_bank/ml_fundamentals.yaml",
        f"{path}:{line}: my-team-shadow-launch: difficulty: must be between its limits (input should be less than "
        "or equal to 3), got 4",
    ]
    assert not (tmp_path / "user_bank").exists()


def test_the_same_id_twice_in_one_file_is_reported(tmp_path, template_question):
    path = tmp_path / "twice.json"
    item = template_question.model_dump(mode="json")
    path.write_text(json.dumps({"questions": [item, item]}))
    with pytest.raises(BankImportError) as raised:
        import_questions(path, tmp_path / "user_bank", SHIPPED_BANK_DIR)
    assert [str(p) for p in raised.value.problems] == [
        f"{path}: my-team-shadow-launch: id: duplicate id, also questions[0]"]


@pytest.mark.parametrize(
    "name,text,message",
    [
        ("notes.txt", "hello", "notes.txt: is not a question file: use one of .csv, .json, .jsonl, .yaml, .yml, .md"),
        ("broken.json", '{"questions": [', "broken.json:1: JSON syntax error: Expecting value"),
        ("empty.md", "Just some notes.\n", "empty.md: holds no questions: each starts with a '## question-id' heading"),
        ("header.csv", "id,topic,colour\n", "header.csv:1: colour: unknown column"),
    ],
)
def test_unreadable_files_get_one_clear_problem(tmp_path, name, text, message):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(BankImportError) as raised:
        import_questions(path, tmp_path / "user_bank", SHIPPED_BANK_DIR)
    assert any(str(p).removeprefix(f"{tmp_path}/").startswith(message) for p in raised.value.problems), [
        str(p) for p in raised.value.problems]


def test_cli_import_adds_the_questions_to_the_bank_the_app_loads(tmp_path, capsys):
    env = {"BOT_DATA_DIR": str(tmp_path / "data")}
    assert Settings.from_env(env).bank_dirs == (SHIPPED_BANK_DIR,)
    assert main(["bank", "import", str(TEMPLATES / "questions.md")], environ=env) == 0
    out = capsys.readouterr().out
    assert out.startswith("Imported 1 question from question_bank/templates/questions.md: wrote ")
    settings = Settings.from_env(env)
    assert settings.bank_dirs == (SHIPPED_BANK_DIR, tmp_path / "data" / "user_bank")
    shipped = len(load_bank(SHIPPED_BANK_DIR))
    assert len(load_bank(*settings.bank_dirs)) == shipped + 1
    assert main(["bank", "stats", "--json"], environ=env) == 0
    assert json.loads(capsys.readouterr().out)["questions"] == shipped + 1


def test_cli_import_of_a_bad_file_exits_1_listing_the_problems(tmp_path, capsys):
    path = tmp_path / "mine.jsonl"
    path.write_text('{"id": "my-q"}\n')
    assert main(["bank", "import", str(path)], environ={"BOT_DATA_DIR": str(tmp_path / "data")}) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    assert f"{path}:1: my-q: topic: missing field" in err
    assert "nothing imported" in err.splitlines()[0]
