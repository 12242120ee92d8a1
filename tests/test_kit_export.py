import csv
import datetime
import io
import json
import re

import pytest
from pypdf import PdfReader

from bot.bank import load_bank
from bot.kit import Block, KitError, build_kit, text_blocks
from bot.kit_export import (kit_csv, kit_exports, kit_file_names, kit_from_json, kit_json, kit_markdown, kit_pdf,
                            sheet_csv, sheet_json, sheet_markdown, sheet_pdf, write_exports)
from bot.report_export import latin1
from bot.scoring import Criterion, weighted_score
from tests.conftest import question_yaml, write_bank

ROLE = "Senior ML Engineer / Platform"
DAY = datetime.date(2026, 11, 25)
CODING = "coding-roc-auc-from-scores"  # its reference answer holds unfenced Python
FANOUT = "deploy-fanout-tail-latency-hedging"  # its rubric says "1 − 0.99^20", a minus sign outside latin-1
LOOP = "coding-training-loop-bug-hunt"  # its question holds indented code
FENCED = "math-stable-log-softmax"  # its reference answer holds a ```python fence
SHIPPED = (CODING, FANOUT, LOOP, FENCED)
COVERS = "Writes production-quality Python and tests it"
TYPOGRAPHIC = "Why is “recall” – not accuracy — the metric when p ≤ 0.01 and n ≥ 10 × 1000?"


def normal(text: str) -> str:
    return " ".join(text.split())


def pdf_text(data: bytes) -> str:
    """The PDF's text, page footers removed, whitespace collapsed."""
    pages = [re.sub(r"\s*Page \d+\s*$", "", page.extract_text()) for page in PdfReader(io.BytesIO(data)).pages]
    return normal("\n".join(pages))


def without_fences(markdown: str) -> str:
    return normal("\n".join(line for line in markdown.splitlines() if not line.startswith("```")))


def prose(text: str) -> str:
    """The text as the Markdown shows it: code fences dropped, whitespace collapsed."""
    return normal(" ".join(block.text for block in text_blocks(text)))


def flowing(text: str) -> str:
    """The text as the PDF reads back: code fences dropped, latin-1, whitespace collapsed."""
    return normal(" ".join(block.text for block in text_blocks(latin1(text))))


def every_text(question) -> list[str]:
    return ([question.question, question.reference_answer] + [p.point for p in question.rubric]
            + [f.question for f in question.follow_ups] + list(question.red_flags)
            + list(question.level_signals.values()))


@pytest.fixture(scope="module")
def shipped_kit(shipped_bank):
    picked = [(shipped_bank.get(CODING), COVERS), (shipped_bank.get(FANOUT), None), shipped_bank.get(LOOP),
              (shipped_bank.get(FENCED), "  ")]
    return build_kit(ROLE, DAY, "senior", picked)


@pytest.fixture
def small_kit(tmp_path):
    bank = load_bank(write_bank(tmp_path / "bank", {"q.yaml": "questions:\n" + question_yaml() + question_yaml(
        id="typographic", topic="evaluation_metrics", question=f"'{TYPOGRAPHIC}'")}))
    return build_kit("ML Engineer", DAY, "mid", [(bank.get("monitor-drift"), "Owns model monitoring"),
                                                 bank.get("typographic")])


def test_kit_markdown_has_header_every_question_rubric_and_answer_key(shipped_kit):
    md = kit_markdown(shipped_kit)
    assert md.startswith("# Interviewer kit: Senior ML Engineer / Platform\n\n- **Role:** Senior ML Engineer / Platform\n"
                         "- **Level:** senior\n- **Date:** 2026-11-25\n- **Questions:** 4\n- **Total time:** 67 minutes\n")
    flat = without_fences(md)
    for item in shipped_kit.items:
        for text in every_text(item.question):
            assert prose(text) in flat, (item.question.id, text)
    assert "## Question 2: MLOps: deploy & serve" in md
    assert "*coding · difficulty 2 of 3 · 20 minutes · id `coding-roc-auc-from-scores`*" in md
    assert f"**Covers:** {COVERS}" in md and md.count("**Covers:**") == 1
    assert ("- [ ] **fanout-math** (weight 3, 27.3%): Computes that a query waits for its slowest shard, so "
            "1 − 0.99^20, about 18% of queries,") in md
    assert ("- Hedging after 10 ms helped at low load but made things worse at peak. Why? "
            "*(probes: hedged-requests, reduce-variance)*") in md
    assert "- **staff:** Weighs hedging load against tail gains" in md
    assert "| fanout-math | 3 | 27.3% | [ ] 27.3 | [ ] 13.6 | [ ] 0 |" in md
    assert md.count("- **Score: ____ / 100**") == 4


def test_kit_markdown_keeps_code_in_fences_with_its_indentation(shipped_kit):
    md = kit_markdown(shipped_kit)
    assert ("from ranks after one sort instead of the O(n_pos * n_neg) pairwise loop.\n\n```\nimport numpy as np\n\n"
            "def roc_auc(y_true, scores):\n    y = np.asarray(y_true).astype(bool)\n") in md
    assert "    return u / (n_pos * n_neg)\n```\n\nnp.unique sorts" in md
    assert "write the corrected loop.\n\n```\nmodel = Classifier().cuda()\n" in md  # the question's code, dedented
    assert "```python" not in md


def test_kit_ends_with_summary_sheet_and_hire_scale(shipped_kit):
    md = kit_markdown(shipped_kit)
    summary = md[md.index("## Summary sheet"):]
    assert "| 2 | A retrieval service fans each query out to 20 index shards in parallel and waits for all… " \
           "| MLOps: deploy & serve | 12 |  |" in summary
    assert "**Overall score** (mean of the question scores): ____ / 100" in summary
    labels = re.findall(r"^\| \[ \] \| ([^|]+) \|", summary, re.M)
    assert [label.strip() for label in labels] == ["Strong no hire", "No hire", "Lean no hire", "Lean hire", "Hire",
                                                   "Strong hire"]


def test_kit_pdf_opens_and_holds_every_question_rubric_point_and_reference(shipped_kit):
    data = kit_pdf(shipped_kit)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    for item in shipped_kit.items:
        for content in every_text(item.question):
            assert flowing(content) in text, (item.question.id, content)
    assert "Interviewer kit: Senior ML Engineer / Platform" in text
    assert "Level: senior Date: 2026-11-25 Questions: 4 Total time: 67 minutes" in text
    assert "fanout-math (weight 3, 27.3%): Computes that a query waits for its slowest shard, so 1 - 0.99^20" in text
    assert "−" not in text
    assert f"Covers: {COVERS}" in text
    assert text.count("Score: ____ / 100") == 4
    assert "Strong no hire" in text and "Lean hire At the bar on most questions" in text


def test_pdf_turns_typographic_characters_into_latin1(small_kit):
    latin = 'Why is "recall" - not accuracy - the metric when p <= 0.01 and n >= 10 × 1000?'
    assert pdf_text(kit_pdf(small_kit)).count(latin) == 2  # its section and the summary table
    assert pdf_text(sheet_pdf(small_kit)).count(latin) == 1


def test_candidate_sheet_holds_questions_and_minutes_but_no_answer_key(shipped_kit):
    md, text = sheet_markdown(shipped_kit), pdf_text(sheet_pdf(shipped_kit))
    assert md.startswith("# Candidate sheet: Senior ML Engineer / Platform\n\n- **Role:** Senior ML Engineer / Platform\n"
                         "- **Level:** senior\n- **Date:** 2026-11-25\n- **Total time:** 67 minutes\n\n## Instructions\n\n"
                         "Answer each question in writing")
    assert "the whole sheet takes about 67 minutes" in md
    assert re.findall(r"^## Question (\d) \((\d+) minutes\)$", md, re.M) == [("1", "20"), ("2", "12"), ("3", "15"),
                                                                           ("4", "20")]
    assert re.findall(r"Question (\d) \((\d+) minutes\)", text) == [("1", "20"), ("2", "12"), ("3", "15"), ("4", "20")]
    flat_md = without_fences(md)
    for item in shipped_kit.items:
        q = item.question
        assert prose(q.question) in flat_md and flowing(q.question) in text
        for secret in [p.point for p in q.rubric] + [q.reference_answer, *q.red_flags, *(f.question for f in q.follow_ups)]:
            assert prose(secret) not in flat_md and flowing(secret) not in text
        assert q.id not in md and q.id not in text
    assert "Covers" not in md and "Rubric" not in text and "Reference" not in text
    assert [set(item) for item in json.loads(sheet_json(shipped_kit))["items"]] == [
        {"number", "question_id", "minutes", "question"}] * 4
    assert csv.DictReader(io.StringIO(sheet_csv(shipped_kit))).fieldnames == ["number", "question_id", "minutes",
                                                                              "question"]


def test_kit_csv_has_one_row_per_rubric_point(small_kit):
    rows = list(csv.DictReader(io.StringIO(kit_csv(small_kit))))
    flag = "Retraining every day solves any drift."
    reference = "Data drift changes inputs; concept drift changes the mapping. Use PSI per feature."

    def row(number, qid, topic, question, point_id, weight, point, follow_ups):
        return {"number": number, "question_id": qid, "topic": topic, "question": question, "point_id": point_id,
                "weight": weight, "point": point, "follow_ups": follow_ups, "red_flags": flag,
                "reference_answer": reference}

    drift = ("1", "monitor-drift", "MLOps: monitor & retrain", "How would you detect drift in a fraud model?")
    typo = ("2", "typographic", "Evaluation & metrics", TYPOGRAPHIC)
    points = [("drift-kinds", "2", "Separates data drift, concept drift and label drift.", ""),
              ("detection", "3", "Runs PSI or a KS test per feature over a window with a threshold.",
               "Which PSI threshold would you alert on?"),
              ("response", "1", "Investigates, then retrains and validates before promotion.",
               "What happens after the alert?")]
    assert rows == [row(*drift, *p) for p in points] + [row(*typo, *p) for p in points]


def test_kit_csv_of_shipped_questions_keeps_code_and_every_point(shipped_kit):
    rows = list(csv.DictReader(io.StringIO(kit_csv(shipped_kit))))
    assert [(r["question_id"], r["point_id"]) for r in rows] == [
        (item.question.id, p.id) for item in shipped_kit.items for p in item.question.rubric]
    coding = [r for r in rows if r["question_id"] == CODING]
    assert {r["reference_answer"] for r in coding} == {shipped_kit.items[0].question.reference_answer}
    assert next(r for r in rows if r["point_id"] == "ties")["follow_ups"] == \
        "How do you convince yourself the function is correct with ties?"


def test_sheet_csv_has_one_row_per_question(small_kit):
    assert list(csv.DictReader(io.StringIO(sheet_csv(small_kit)))) == [
        {"number": "1", "question_id": "monitor-drift", "minutes": "8",
         "question": "How would you detect drift in a fraud model?"},
        {"number": "2", "question_id": "typographic", "minutes": "8", "question": TYPOGRAPHIC},
    ]


def test_kit_json_round_trips_to_the_same_kit(shipped_kit, small_kit):
    for kit in (shipped_kit, small_kit):
        assert kit_from_json(kit_json(kit)) == kit
    data = json.loads(kit_json(small_kit))
    assert {k: data[k] for k in ("kind", "role", "level", "date", "questions", "total_minutes")} == {
        "kind": "interviewer-kit", "role": "ML Engineer", "level": "mid", "date": "2026-11-25", "questions": 2,
        "total_minutes": 16}
    assert data["scoring"]["credits"] == {"full": 1.0, "partial": 0.5, "none": 0.0}
    first = data["items"][0]
    assert (first["number"], first["covers"], first["topic_label"], first["id"]) == (
        1, "Owns model monitoring", "MLOps: monitor & retrain", "monitor-drift")
    assert [(p["id"], p["weight"], p["share"]) for p in first["rubric"]] == [
        ("drift-kinds", 2.0, 33.33), ("detection", 3.0, 50.0), ("response", 1.0, 16.67)]
    assert [r["label"] for r in data["recommendations"]] == ["Strong no hire", "No hire", "Lean no hire", "Lean hire",
                                                             "Hire", "Strong hire"]


def test_sheet_json_holds_the_sheet_and_nothing_else(small_kit):
    data = json.loads(sheet_json(small_kit))
    instructions = data.pop("instructions")
    assert "the whole sheet takes about 16 minutes" in instructions
    assert data == {
        "kind": "candidate-sheet", "role": "ML Engineer", "level": "mid", "date": "2026-11-25", "questions": 2,
        "total_minutes": 16, "items": [
            {"number": 1, "question_id": "monitor-drift", "minutes": 8,
             "question": "How would you detect drift in a fraud model?"},
            {"number": 2, "question_id": "typographic", "minutes": 8, "question": TYPOGRAPHIC}]}


@pytest.mark.parametrize("change, message", [
    (lambda d: d.update(kind="candidate-sheet"), "This JSON is not an interviewer kit: its 'kind' must be "
                                                 "'interviewer-kit'."),
    (lambda d: d.update(date="25/11/2026"), "The kit's 'date' must be YYYY-MM-DD, got '25/11/2026'."),
    (lambda d: d["items"][1]["rubric"][0].update(weight=-1),
     "Item 2 of the kit (typographic), field rubric[0].weight: must be greater than 0, got -1."),
    (lambda d: d["items"][0].pop("question"), "Item 1 of the kit (monitor-drift), field question: missing field."),
], ids=["wrong-kind", "bad-date", "bad-weight", "missing-question"])
def test_kit_from_json_names_what_is_wrong(small_kit, change, message):
    data = json.loads(kit_json(small_kit))
    change(data)
    with pytest.raises(KitError) as raised:
        kit_from_json(json.dumps(data))
    assert str(raised.value) == message


def test_scoring_box_adds_up_to_the_graders_score(shipped_kit):
    """The shares printed in the box, ticked and summed, give what scoring.weighted_score gives."""
    data = json.loads(kit_json(shipped_kit))
    item = data["items"][1]
    credits = {"fanout-math": "full", "hedged-requests": "partial", "partial-results": "full",
               "reduce-variance": "none", "per-shard-visibility": "partial"}
    box = sum(p["share"] * data["scoring"]["credits"][credits[p["id"]]] for p in item["rubric"])
    box -= data["scoring"]["red_flag_penalty"]  # one red flag stated
    criteria = [Criterion(point_id=p["id"], point=p["point"], weight=p["weight"], credit=credits[p["id"]])
                for p in item["rubric"]]
    assert round(box) == weighted_score(criteria, red_flags=1) == 54


def test_file_names_use_the_role_slug_and_date():
    assert kit_file_names(ROLE, DAY) == {
        "kit_md": "senior-ml-engineer-platform-2026-11-25-interviewer-kit.md",
        "kit_pdf": "senior-ml-engineer-platform-2026-11-25-interviewer-kit.pdf",
        "kit_csv": "senior-ml-engineer-platform-2026-11-25-interviewer-kit.csv",
        "kit_json": "senior-ml-engineer-platform-2026-11-25-interviewer-kit.json",
        "sheet_md": "senior-ml-engineer-platform-2026-11-25-candidate-sheet.md",
        "sheet_pdf": "senior-ml-engineer-platform-2026-11-25-candidate-sheet.pdf",
        "sheet_csv": "senior-ml-engineer-platform-2026-11-25-candidate-sheet.csv",
        "sheet_json": "senior-ml-engineer-platform-2026-11-25-candidate-sheet.json",
    }


@pytest.mark.parametrize("role, name", [
    ("Ingénieur ML (Paris)", "ingenieur-ml-paris-2026-11-25-interviewer-kit.md"),
    ("../../etc/passwd", "etc-passwd-2026-11-25-interviewer-kit.md"),
    ('MLE: "Ranking" <Search>|*?', "mle-ranking-search-2026-11-25-interviewer-kit.md"),
    ("Инженер", "role-2026-11-25-interviewer-kit.md"),
    ("Principal " * 12, "principal-principal-principal-principal-principal-principal-2026-11-25-interviewer-kit.md"),
], ids=["accents", "path", "reserved-characters", "no-ascii-letters", "long"])
def test_file_names_are_safe_on_any_system(role, name):
    assert kit_file_names(role, DAY)["kit_md"] == name


def test_write_exports_writes_the_eight_files_by_name(shipped_kit, tmp_path):
    paths = write_exports(tmp_path / "out", shipped_kit)
    names = kit_file_names(ROLE, DAY)
    assert {key: path.name for key, path in paths.items()} == names
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(names.values())
    exports = kit_exports(shipped_kit)
    assert paths["kit_pdf"].read_bytes() == exports["kit_pdf"]
    assert paths["kit_csv"].read_text(encoding="utf-8") == exports["kit_csv"]
    assert kit_from_json(paths["kit_json"].read_text(encoding="utf-8")) == shipped_kit


def test_kit_numbers_questions_in_order_and_drops_blank_covers(shipped_kit):
    assert [(i.number, i.question.id, i.covers) for i in shipped_kit.items] == [
        (1, CODING, COVERS), (2, FANOUT, None), (3, LOOP, None), (4, FENCED, None)]


@pytest.mark.parametrize("role, level, picks, message", [
    ("  ", "mid", "one", "The role must not be empty."),
    ("MLE", "principal", "one", "Unknown level 'principal': choose one of junior, mid, senior, staff."),
    ("MLE", "mid", "none", "A kit needs at least one question."),
    ("MLE", "mid", "twice", "Question 'coding-roc-auc-from-scores' appears twice in the set (items 1 and 2)."),
    ("MLE", "mid", "id", "Item 1 is not a bank question: got str."),
], ids=["blank-role", "unknown-level", "no-questions", "duplicate", "not-a-question"])
def test_build_kit_rejects_bad_input_in_one_sentence(shipped_bank, role, level, picks, message):
    question = shipped_bank.get(CODING)
    chosen = {"one": [question], "none": [], "twice": [question, (question, "again")], "id": [CODING]}[picks]
    with pytest.raises(KitError) as raised:
        build_kit(role, DAY, level, chosen)
    assert str(raised.value) == message


@pytest.mark.parametrize("text, blocks", [
    ("One paragraph\nwrapped.", [Block("One paragraph\nwrapped.")]),
    ("Prose.\n\nimport x\n\ndef f():\n    return 1\n\nMore prose.",
     [Block("Prose."), Block("import x\n\ndef f():\n    return 1", code=True), Block("More prose.")]),
    ("Intro.\n\n```python\ndef f():\n    return 1\n```\n\nAfter.",
     [Block("Intro."), Block("def f():\n    return 1", code=True), Block("After.")]),
    ("Find the bug.\n\n    x = 1\n    y = 2", [Block("Find the bug."), Block("x = 1\ny = 2", code=True)]),
    ("-- (a) totals\nSELECT 1;\n\n-- (b) rows\nSELECT 2;", [Block("-- (a) totals\nSELECT 1;\n\n-- (b) rows\nSELECT 2;",
                                                              code=True)]),
], ids=["prose", "unfenced-code", "fenced-code", "indented-code", "sql"])
def test_text_blocks_keep_code_apart_from_prose(text, blocks):
    assert text_blocks(text) == blocks
