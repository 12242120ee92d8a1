import pytest

from bot.bank import BankError, Problem, UnknownQuestionError, check_bank, load_bank
from tests.conftest import question_yaml, write_bank


def problems_of(folder):
    _, problems = check_bank(folder)
    return [str(problem) for problem in problems]


def one_file_bank(tmp_path, text, name="monitor.yaml"):
    folder = write_bank(tmp_path / "bank", {name: "questions:\n" + text})
    return folder, folder / name


def test_valid_bank_loads_every_field(tmp_path):
    folder, _ = one_file_bank(tmp_path, question_yaml())
    bank = load_bank(folder)
    question = bank.get("monitor-drift")
    assert len(bank) == 1
    assert question.topic == "mlops_monitor_retrain"
    assert question.levels == ("mid", "senior")
    assert [p.id for p in question.rubric] == ["drift-kinds", "detection", "response"]
    assert [p.weight for p in question.rubric] == [2, 3, 1]
    assert question.total_weight == 6
    assert question.follow_ups[0].targets == ("detection",)
    assert question.level_signals == {"junior": "Names drift.", "senior": "Plans detection, alerting and response."}


def test_unknown_field_is_named_with_its_line(tmp_path):
    folder, path = one_file_bank(tmp_path, question_yaml() + "    owner: alice\n")
    assert problems_of(folder) == [f"{path}:32: monitor-drift: owner: unknown field"]


def test_missing_field_is_named_at_the_question_line(tmp_path):
    text = question_yaml().replace("    subtopic: drift detection\n", "")
    folder, path = one_file_bank(tmp_path, text)
    assert problems_of(folder) == [f"{path}:2: monitor-drift: subtopic: missing field"]


def test_unknown_topic(tmp_path):
    folder, path = one_file_bank(tmp_path, question_yaml(topic="mlops"))
    assert problems_of(folder) == [f"{path}:3: monitor-drift: topic: unknown topic 'mlops'"]


def test_duplicate_ids_across_files_name_both_places(tmp_path):
    folder = write_bank(
        tmp_path / "bank",
        {"a.yaml": "questions:\n" + question_yaml(), "b.yaml": "questions:\n" + question_yaml()},
    )
    assert problems_of(folder) == [
        f"{folder / 'b.yaml'}:2: monitor-drift: id: duplicate id, also used in {folder / 'a.yaml'}:2"
    ]


def test_follow_up_aimed_at_missing_rubric_point(tmp_path):
    text = question_yaml().replace("targets: [response]", "targets: [responce]")
    folder, path = one_file_bank(tmp_path, text)
    assert problems_of(folder) == [
        f"{path}:29: monitor-drift: follow_ups[1].targets[0]: "
        "aims at unknown rubric point 'responce' (points: drift-kinds, detection, response)"
    ]


@pytest.mark.parametrize("weight", ["0", "-1"], ids=["zero", "negative"])
def test_weight_must_be_positive(tmp_path, weight):
    text = question_yaml().replace("weight: 3", f"weight: {weight}")
    folder, path = one_file_bank(tmp_path, text)
    assert problems_of(folder) == [f"{path}:15: monitor-drift: rubric[1].weight: must be greater than 0, got {weight}"]


def test_fewer_than_three_rubric_points(tmp_path):
    text = question_yaml().replace(
        "      - id: response\n        weight: 1\n        point: Investigates, then retrains and validates before promotion.\n",
        "",
    ).replace("targets: [response]", "targets: [detection]")
    folder, path = one_file_bank(tmp_path, text)
    assert problems_of(folder) == [f"{path}:11: monitor-drift: rubric: needs 3 to 7 rubric points, got 2"]


@pytest.mark.parametrize(
    ("original", "blank", "line", "field"),
    [
        ("question: How would you detect drift in a fraud model?", 'question: "   "', 9, "question"),
        ("point: Runs PSI or a KS test per feature over a window with a threshold.", 'point: ""', 16, "rubric[1].point"),
        ("reference_answer: Data drift", 'reference_answer: ""\n    x_: Data drift', 30, "reference_answer"),
        ("- Retraining every day solves any drift.", '- ""', 21, "red_flags[0]"),
    ],
    ids=["question", "rubric-point", "reference-answer", "red-flag"],
)
def test_empty_text_is_rejected(tmp_path, original, blank, line, field):
    text = question_yaml().replace(original, blank)
    if field == "reference_answer":
        text = text.replace("\n    x_: Data drift changes inputs; concept drift changes the mapping. Use PSI per feature.", "")
    folder, path = one_file_bank(tmp_path, text)
    assert problems_of(folder) == [f"{path}:{line}: monitor-drift: {field}: must not be empty"]


def test_yaml_syntax_error_names_file_and_line(tmp_path):
    folder, path = one_file_bank(tmp_path, question_yaml() + "  - id: [broken\n")
    assert problems_of(folder) == [f"{path}:33: YAML syntax error: did not find expected ',' or ']'"]


def test_file_without_questions_list(tmp_path):
    folder = write_bank(tmp_path / "bank", {"a.yaml": "title: my questions\n"})
    assert problems_of(folder) == [f"{folder / 'a.yaml'}:1: questions: must be a mapping with a 'questions' list"]


def test_all_problems_are_reported_at_once(tmp_path):
    broken = (
        question_yaml(id="second", topic="astrology")
        .replace("weight: 2", "weight: 0")
        .replace("targets: [detection]", "targets: [nowhere]")
    )
    folder = write_bank(
        tmp_path / "bank",
        {"a.yaml": "questions:\n" + question_yaml() + broken, "b.yaml": "questions:\n  - id: [x\n"},
    )
    path = folder / "a.yaml"
    assert problems_of(folder) == [
        f"{path}:33: second: topic: unknown topic 'astrology'",
        f"{path}:42: second: rubric[0].weight: must be greater than 0, got 0",
        f"{path}:57: second: follow_ups[0].targets[0]: "
        "aims at unknown rubric point 'nowhere' (points: drift-kinds, detection, response)",
        f"{folder / 'b.yaml'}:3: YAML syntax error: did not find expected ',' or ']'",
    ]
    with pytest.raises(BankError) as raised:
        load_bank(folder)
    assert len(raised.value.problems) == 4
    assert str(raised.value).startswith("The question bank has 4 problems:\n  ")


def test_valid_questions_survive_beside_broken_ones(tmp_path):
    folder = write_bank(
        tmp_path / "bank", {"a.yaml": "questions:\n" + question_yaml() + question_yaml(id="bad", topic="nope")}
    )
    bank, problems = check_bank(folder)
    assert [q.id for q in bank] == ["monitor-drift"]
    assert len(problems) == 1


def test_empty_folder_is_a_problem(tmp_path):
    (tmp_path / "empty").mkdir()
    assert problems_of(tmp_path / "empty") == [f"{tmp_path / 'empty'}: holds no question files (*.yaml)"]


def test_version_combines_version_file_and_content_hash(tmp_path):
    folder, path = one_file_bank(tmp_path, question_yaml())
    first = load_bank(folder).version
    assert first.startswith("1.2.0+") and len(first) == len("1.2.0+") + 8
    assert load_bank(folder).version == first
    path.write_text(path.read_text().replace("fraud model", "credit model"))
    second = load_bank(folder).version
    assert second.startswith("1.2.0+") and second != first


def test_content_hash_changes_only_with_content(tmp_path):
    folder = write_bank(tmp_path / "bank", {"a.yaml": "questions:\n" + question_yaml() + question_yaml(id="other")})
    bank = load_bank(folder)
    first, other = bank.get("monitor-drift"), bank.get("other")
    assert first.content_hash() != other.content_hash()
    assert first.content_hash() == load_bank(folder).get("monitor-drift").content_hash()


def test_unknown_question_id_is_a_clear_error(tmp_path):
    folder, _ = one_file_bank(tmp_path, question_yaml())
    with pytest.raises(UnknownQuestionError, match="There is no question with id 'nope' in the bank."):
        load_bank(folder).get("nope")


def test_problem_text_leaves_out_what_it_does_not_know():
    assert str(Problem("a.yaml", "is broken")) == "a.yaml: is broken"
    assert str(Problem("a.yaml", "unknown field", "q1", "owner", 7)) == "a.yaml:7: q1: owner: unknown field"
