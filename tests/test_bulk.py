import json

import pytest

from bot.bank import load_bank
from bot.bulk import LineError, adhoc_question, derive_points, parse_line
from bot.settings import SHIPPED_BANK_DIR


@pytest.fixture(scope="module")
def bank():
    return load_bank(SHIPPED_BANK_DIR)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("not json", "not valid JSON (Expecting value at column 1)"),
        ("[1, 2]", "each line must be a JSON object"),
        ('{"question_id": "monitor-drift-detection-plan"}', "'answer' must be a string (it may be empty)"),
        ('{"question_id": "nope", "answer": "x"}', "unknown question_id 'nope'"),
        ('{"answer": "x"}', "give either 'question_id' or 'question' with 'reference_answer' and/or 'rubric'"),
        ('{"question": "Why?", "answer": "x"}', "a question without a rubric needs a non-empty 'reference_answer'"),
        ('{"question": "Why?", "rubric": "be good", "answer": "x"}', "'rubric' must be a list of key points"),
        ('{"question": "Why?", "rubric": [{"point": "a", "weight": -1}], "answer": "x"}',
         "rubric[0].weight must be a number greater than 0"),
        ('{"question": "Why?", "rubric": [""], "answer": "x"}',
         "rubric[0] must be a non-empty string or an object with 'point' and 'weight'"),
    ],
    ids=["not-json", "not-object", "no-answer", "unknown-id", "no-question", "no-rubric-or-reference",
         "rubric-not-list", "bad-weight", "empty-point"],
)
def test_bad_lines_say_why_in_one_sentence(bank, line, message):
    with pytest.raises(LineError) as raised:
        parse_line(line, bank)
    assert str(raised.value) == message


def test_bank_question_by_id(bank):
    item = parse_line('{"question_id": "monitor-drift-detection-plan", "answer": "PSI", "who": "ana"}', bank)
    assert item.question.id == "monitor-drift-detection-plan"
    assert item.answer == "PSI"
    assert item.fields["who"] == "ana"


def test_inline_rubric_accepts_strings_and_weighted_objects():
    question = adhoc_question(
        {"question": "What is dropout?", "rubric": ["Zeroes activations at random", {"point": "Rescales", "weight": 2}]}
    )
    assert [(p.id, p.point, p.weight) for p in question.rubric] == [
        ("p1", "Zeroes activations at random", 1.0), ("p2", "Rescales", 2.0)
    ]
    assert question.reference_answer == "Zeroes activations at random Rescales"


def test_points_are_derived_from_the_reference_when_there_is_no_rubric():
    reference = " ".join(f"Sentence number {i} says something." for i in range(1, 11))
    points = derive_points(reference)
    assert len(points) == 7
    assert points[0]["point"] == "Sentence number 1 says something. Sentence number 2 says something."
    assert " ".join(p["point"] for p in points) == reference
    assert derive_points("One. Two here.") == [{"point": "One.", "weight": 1.0}, {"point": "Two here.", "weight": 1.0}]


def test_grade_command_keeps_order_and_fields_and_reports_bad_lines(tmp_path, capsys):
    from bot.cli import main

    lines = [
        {"question_id": "monitor-drift-detection-plan", "candidate": "ana",
         "answer": "I compute PSI per feature daily against training data and alert above 0.2, then retrain."},
        "this is not json",
        {"question": "What is dropout?", "candidate": "bo",
         "reference_answer": "Dropout randomly zeroes activations during training so units cannot co-adapt.",
         "answer": "It randomly zeroes activations while training so units cannot co-adapt."},
    ]
    source = tmp_path / "answers.jsonl"
    source.write_text("\n".join(json.dumps(x) if isinstance(x, dict) else x for x in lines) + "\n")
    output = tmp_path / "graded.jsonl"
    env = {"BOT_DATA_DIR": str(tmp_path / "data")}
    assert main(["grade", str(source), "--output", str(output)], environ=env) == 0
    results = [json.loads(line) for line in output.read_text().splitlines()]
    assert len(results) == 3
    assert results[0]["candidate"] == "ana" and results[0]["engine"] == "offline"
    assert 0 <= results[0]["score"] <= 100
    assert [c["point_id"] for c in results[0]["criteria"]] == [
        p.id for p in load_bank(SHIPPED_BANK_DIR).get("monitor-drift-detection-plan").rubric
    ]
    assert set(results[0]["criteria"][0]) == {"point_id", "point", "weight", "credit", "evidence"}
    assert results[1] == {"input": "this is not json", "line": 2,
                          "error": "not valid JSON (Expecting value at column 1)"}
    assert results[2]["candidate"] == "bo" and results[2]["score"] >= 60
    assert "graded 2 of 3 lines (1 with errors)" in capsys.readouterr().err


def test_grade_command_with_a_missing_file_is_one_clear_error(tmp_path, capsys):
    from bot.cli import main

    assert main(["grade", str(tmp_path / "missing.jsonl")], environ={"BOT_DATA_DIR": str(tmp_path)}) == 1
    assert capsys.readouterr().err == f"error: There is no file {tmp_path / 'missing.jsonl'} to grade.\n"
