import io
import json
import re

import pytest
from pypdf import PdfReader

from bot.bank import Question
from bot.interview import Interview, Setup, respond, start
from bot.report import PointResult, QuestionResult, Report, TopicSummary, build_report
from bot.report_export import latin1, report_json, report_markdown, report_pdf
from bot.scoring import Criterion, Score, band_for, feedback_text, level_for, weighted_score

MONITOR, METRICS, CODING = "mlops_monitor_retrain", "evaluation_metrics", "coding"
FLAG = "Retraining daily fixes all drift."
WELL = ("I’d split kinds — data drift vs concept drift."
        " tests: PSI per feature, alert above 0.2. response: investigate.")
PARTLY = "Maybe kinds of drift matter. We retrain daily."


def make_question(qid, topic, text):
    return Question.model_validate(
        {
            "id": qid, "topic": topic, "subtopic": "drift", "type": "scenario", "levels": ["mid", "senior"],
            "difficulty": 2, "minutes": 8, "question": text,
            "rubric": [
                {"id": "kinds", "weight": 3, "point": "Separates data drift, concept drift and label drift."},
                {"id": "tests", "weight": 2, "point": "Uses PSI or a KS test per feature with a threshold."},
                {"id": "response", "weight": 1, "point": "Investigates, retrains and validates before promotion."},
            ],
            "red_flags": [FLAG],
            "level_signals": {"mid": "Tests.", "senior": "Response plan."},
            "follow_ups": [
                {"question": "Which kinds of drift are there?", "targets": ["kinds"]},
                {"question": "Which statistical test, and what threshold?", "targets": ["tests"]},
            ],
            "reference_answer": "Data drift, concept drift, label drift; PSI per feature; investigate and retrain.",
            "tags": ["drift"],
        }
    )


class ScriptedGrader:
    """Credits each point whose id a sentence of the answer names, quoting that sentence: partial when the
    sentence says "maybe", full otherwise; flags "retrain daily". Remembers every call."""

    def __init__(self):
        self.calls = []

    def score(self, question, answer, notes=()):
        self.calls.append((question.id, answer, tuple(notes)))
        sentences = [s.strip() for s in re.split(r"(?<=\.)\s+", answer) if s.strip()]
        criteria = []
        for point in question.rubric:
            said = next((s for s in sentences if point.id in s), "")
            credit = "none" if not said else "partial" if "maybe" in said.lower() else "full"
            criteria.append(Criterion(point_id=point.id, point=point.point, weight=point.weight, credit=credit,
                                      evidence=said))
        flags = [FLAG] if "retrain daily" in answer else []
        value = weighted_score(criteria, len(flags))
        return Score(question_id=question.id, score=value, band=band_for(value),
                     level=level_for(value, question.levels), criteria=criteria, red_flags=flags, notes=list(notes),
                     feedback=feedback_text(criteria, [p.point for p in question.rubric], flags))


QUESTIONS = {q.id: q for q in (
    make_question("q1", MONITOR, "How would you detect drift in a fraud model?"),
    make_question("q2", METRICS, "Which metric tells you the churn model | still works?"),
    make_question("q3", CODING, "Write a PSI function."),
    make_question("q4", METRICS, "How do you pick a threshold?"),
)}


def play(*answers, questions=4):
    """The report of a session played with these answers, one question after another."""
    state, _ = start(Setup(level="mid", questions=questions, max_follow_ups=0), QUESTIONS["q1"])
    grader = ScriptedGrader()

    def choose(current):
        return next((q for qid, q in QUESTIONS.items() if qid not in current.asked_ids), None)

    for text in answers:
        state, _ = respond(state, text, QUESTIONS.__getitem__, grader, choose)
    return build_report(state, QUESTIONS.__getitem__)


# Well answered (with a non-latin-1 quote), a hint then a partial answer with a red flag, a skip, and an end.
SESSION = play(WELL, "hint", PARTLY, "skip", "end")

SESSION_MARKDOWN = """\
# Interview report card

- **Overall:** 38/100 (needs work)
- **Questions scored:** 3 of 4
- **Level:** mid
- **Mode:** coach
- **Date:** 2025-03-01
- **Session:** s-42

## Questions

| # | Topic | Score | Band | Outcome |
| ---: | --- | ---: | --- | --- |
| 1 | MLOps: monitor & retrain | 100 | strong | answered |
| 2 | Evaluation & metrics | 15 | needs work | answered, 1 hint |
| 3 | Coding | 0 | needs work | skipped |
| 4 | Evaluation & metrics | — | — | ended before an answer |

### 1. MLOps: monitor & retrain — 100/100 (strong)

> How would you detect drift in a fraud model?

- ✓ **kinds** (weight 3, full credit): Separates data drift, concept drift and label drift.
  - Evidence: “I’d split kinds — data drift vs concept drift.”
- ✓ **tests** (weight 2, full credit): Uses PSI or a KS test per feature with a threshold.
  - Evidence: “tests: PSI per feature, alert above 0.2.”
- ✓ **response** (weight 1, full credit): Investigates, retrains and validates before promotion.
  - Evidence: “response: investigate.”

**Feedback**

- Covered well: kinds; tests; response.

### 2. Evaluation & metrics — 15/100 (needs work)

> Which metric tells you the churn model | still works?

- ◐ **kinds** (weight 3, partial credit): Separates data drift, concept drift and label drift.
  - Evidence: “Maybe kinds of drift matter.”
- ✗ **tests** (weight 2, missed): Uses PSI or a KS test per feature with a threshold.
- ✗ **response** (weight 1, missed): Investigates, retrains and validates before promotion.

**Red flags stated**

- Retraining daily fixes all drift.

**Feedback**

- Partly covered (kinds): a full answer separates data drift, concept drift and label drift.
- Missed (tests): Uses PSI or a KS test per feature with a threshold.
- Missed (response): Investigates, retrains and validates before promotion.
- Red flag: the answer seems to claim that retraining daily fixes all drift.

**Notes**

- 1 hint(s) used, toward: kinds.

### 3. Coding — 0/100 (needs work)

> Write a PSI function.

- — **kinds** (weight 3, not assessed): Separates data drift, concept drift and label drift.
- — **tests** (weight 2, not assessed): Uses PSI or a KS test per feature with a threshold.
- — **response** (weight 1, not assessed): Investigates, retrains and validates before promotion.

**Notes**

- Skipped.

### 4. Evaluation & metrics — not scored

> How do you pick a threshold?

_Not answered: the interview ended before an answer._

## By topic

| Topic | Questions | Mean | Band | Chart |
| --- | ---: | ---: | --- | --- |
| MLOps: monitor & retrain | 1 | 100 | strong | ██████████ |
| Evaluation & metrics | 1 | 15 | needs work | ██░░░░░░░░ |
| Coding | 1 | 0 | needs work | ░░░░░░░░░░ |

## Strengths

- MLOps: monitor & retrain, kinds: Separates data drift, concept drift and label drift.
- MLOps: monitor & retrain, tests: Uses PSI or a KS test per feature with a threshold.
- MLOps: monitor & retrain, response: Investigates, retrains and validates before promotion.

## Gaps

- Red flag (Evaluation & metrics): Retraining daily fixes all drift.
- Coding, kinds: Separates data drift, concept drift and label drift.
- Evaluation & metrics, tests: Uses PSI or a KS test per feature with a threshold.
- Coding, tests: Uses PSI or a KS test per feature with a threshold.
- Evaluation & metrics, response: Investigates, retrains and validates before promotion.

## Study plan

- Coding (mean 0), above all kinds, tests, response: `python -m bot practice --topic coding --level mid`
- Evaluation & metrics (mean 15), above all tests, response: \
`python -m bot practice --topic evaluation_metrics --level mid`
"""


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_markdown_report_card_of_a_played_session_reads_exactly():
    assert report_markdown(SESSION, "s-42", date="2025-03-01") == SESSION_MARKDOWN


def test_markdown_of_an_empty_session_says_nothing_was_asked():
    report = build_report(Interview(Setup(level="senior", questions=3, mode="interview")), QUESTIONS.__getitem__)
    assert report_markdown(report, None, title="Mock interview") == "\n".join([
        "# Mock interview",
        "",
        "- **Overall:** no answers scored",
        "- **Questions scored:** 0 of 3",
        "- **Level:** senior",
        "- **Mode:** interview",
        "",
        "## Questions",
        "",
        "No question was asked.",
        "",
        "## By topic",
        "",
        "No answer was scored yet.",
        "",
        "## Strengths",
        "",
        "- None yet: no rubric point was fully covered.",
        "",
        "## Gaps",
        "",
        "- None: every graded point was at least partly covered.",
        "",
        "## Study plan",
        "",
        "- Nothing to drill yet: no answer was scored.",
        "",
    ])


def test_markdown_of_a_session_in_progress_marks_the_open_question():
    lines = report_markdown(play(), None).splitlines()
    assert "| 1 | MLOps: monitor & retrain | — | — | in progress |" in lines
    assert lines[lines.index("### 1. MLOps: monitor & retrain — not scored") + 4] == (
        "_Not answered yet: the question is still open._"
    )


def test_markdown_table_cells_escape_pipes_and_stay_on_one_line():
    result = QuestionResult(1, "q1", CODING, "Q?", "answered", 50, "developing", "offline", 0, ())
    report = Report("mid", "coach", 1, (result,), (TopicSummary(CODING, "Coding | Python\nML", 1, 50, "developing"),),
                    50, (), (), ())
    row = "| Coding \\| Python ML | 1 | 50 | developing | █████░░░░░ |"
    assert row in report_markdown(report, None).splitlines()


def test_json_holds_every_field_in_a_stable_order_and_round_trips():
    text = report_json(SESSION, "s-42")
    data = json.loads(text)
    assert list(data) == ["session_id", "date", "level", "mode", "planned", "results", "topics", "overall",
                          "strengths", "gaps", "drill"]
    assert (data["session_id"], data["date"], data["level"], data["mode"], data["planned"], data["overall"]) == (
        "s-42", None, "mid", "coach", 4, 38
    )
    assert data["results"][1] == {
        "number": 2, "question_id": "q2", "topic": METRICS,
        "question": "Which metric tells you the churn model | still works?",
        "outcome": "answered", "score": 15, "band": "needs work", "engine": "offline", "hints": 1,
        "notes": ["1 hint(s) used, toward: kinds."],
        "criteria": [
            {"point_id": "kinds", "point": "Separates data drift, concept drift and label drift.", "weight": 3.0,
             "credit": "partial", "evidence": "Maybe kinds of drift matter."},
            {"point_id": "tests", "point": "Uses PSI or a KS test per feature with a threshold.", "weight": 2.0,
             "credit": "none", "evidence": ""},
            {"point_id": "response", "point": "Investigates, retrains and validates before promotion.", "weight": 1.0,
             "credit": "none", "evidence": ""},
        ],
        "red_flags": [FLAG],
        "feedback": SESSION.results[1].feedback,
    }
    assert data["results"][3]["score"] is None and data["results"][3]["criteria"] == []
    assert data["topics"] == [
        {"topic": MONITOR, "label": "MLOps: monitor & retrain", "questions": 1, "mean": 100, "band": "strong"},
        {"topic": METRICS, "label": "Evaluation & metrics", "questions": 1, "mean": 15, "band": "needs work"},
        {"topic": CODING, "label": "Coding", "questions": 1, "mean": 0, "band": "needs work"},
    ]
    assert (data["strengths"], data["gaps"], data["drill"]) == (
        list(SESSION.strengths), list(SESSION.gaps), list(SESSION.drill)
    )
    assert "I’d split kinds — data drift" in text and "\\u2019" not in text  # ensure_ascii=False
    assert text.startswith('{\n  "session_id": "s-42",\n  "date": null,\n')


def test_pdf_holds_the_questions_scores_topics_and_evidence_in_latin1():
    data = report_pdf(SESSION, "s-42", date="2025-03-01")
    text = pdf_text(data)
    assert data.startswith(b"%PDF-")
    assert "Overall: 38/100 (needs work)" in text
    assert "Session: s-42" in text and "Date: 2025-03-01" in text
    for question in ("How would you detect drift in a fraud model?", "Write a PSI function."):
        assert question in text
    for label in ("MLOps: monitor & retrain", "Evaluation & metrics", "Coding"):
        assert label in text
    assert "100 (strong), 1 question" in text and "15 (needs work), 1 question" in text  # the chart's labels
    assert 'Evidence: "I\'d split kinds - data drift vs concept drift."' in text  # ’ and — made ASCII
    assert 'Evidence: "tests: PSI per feature, alert above 0.2."' in text
    assert "[partial] kinds (weight 3)" in text and "[n/a] response (weight 1)" in text
    assert "Red flag stated: Retraining daily fixes all drift." in text
    assert "Not answered: the interview ended before an answer." in text
    assert "python -m bot practice --topic coding --level mid" in text


def test_pdf_of_an_empty_session_is_a_valid_one_page_document():
    report = build_report(Interview(Setup(questions=3)), QUESTIONS.__getitem__)
    data = report_pdf(report, None)
    assert data.startswith(b"%PDF-")
    assert len(PdfReader(io.BytesIO(data)).pages) == 1
    text = pdf_text(data)
    assert "Overall: no answers scored" in text and "No question was asked." in text


def test_smart_quotes_dashes_and_emoji_render_in_every_format():
    odd = "It’s “smart quotes”, an em dash — an ellipsis… • and emoji 🚀 ✅ ⚠️"
    criteria = (PointResult("kinds", odd, 2.0, "full", odd), PointResult("tests", "ok", 1.0, "not_assessed"))
    result = QuestionResult(1, "q1", CODING, odd, "answered", 67, "solid", "offline", 0, (odd,), criteria, (odd,), odd)
    report = Report("mid", "coach", 1, (result,), (TopicSummary(CODING, "Coding", 1, 67, "solid"),), 67,
                    (odd,), (odd,), (odd,))
    plain = "It's \"smart quotes\", an em dash - an ellipsis... - and emoji ? ? ?"

    text = pdf_text(report_pdf(report, "s-🚀", title=f"Report {odd}"))
    assert plain in text and "🚀" not in text
    assert f"  - Evidence: “{odd}”" in report_markdown(report, "s-🚀").splitlines()
    assert json.loads(report_json(report, "s-🚀"))["results"][0]["question"] == odd


def test_long_unbroken_text_wraps_onto_several_pages_without_failing():
    long = "An answer that goes on and on about drift. " * 120 + "x" * 400
    criteria = tuple(PointResult(f"p{n}", long[:300], 1.0, "partial", long) for n in range(4))
    results = tuple(QuestionResult(n, f"q{n}", MONITOR, long, "answered", 50, "developing", "offline", 0, (), criteria)
                    for n in range(1, 4))
    report = Report("mid", "coach", 3, results, (TopicSummary(MONITOR, "MLOps: monitor & retrain", 3, 50,
                                                              "developing"),), 50, (), (), ())
    data = report_pdf(report, None)
    assert len(PdfReader(io.BytesIO(data)).pages) > 3
    assert "x" * 40 in pdf_text(data).replace("\n", "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("‘single’ “double”", "'single' \"double\""),
        ("en – em — minus −", "en - em - minus -"),
        ("wait… • point", "wait... - point"),
        ("p ≥ 0.2 → alert", "p >= 0.2 -> alert"),
        ("café naïve µ ×", "café naïve µ ×"),
        ("Łódź ő", "?ódz o"),
        ("launch 🚀 ✅ ⚠️", "launch ? ? ?"),
        ("tab\tline\r\nbreak", "tab\tline\nbreak"),
    ],
    ids=["quotes", "dashes", "ellipsis-bullet", "math-arrows", "latin1-kept", "accents-dropped", "emoji", "whitespace"],
)
def test_latin1_maps_punctuation_to_ascii_and_replaces_the_rest(text, expected):
    assert latin1(text) == expected
    expected.encode("latin-1")
