import pytest

from bot.bank import Question
from bot.interview import Interview, QuestionRecord, Setup, respond, start
from bot.report import PointResult, QuestionResult, TopicSummary, build_report, report_text
from bot.scoring import Criterion, Score, band_for, level_for, weighted_score

MONITOR, METRICS, CODING = "mlops_monitor_retrain", "evaluation_metrics", "coding"
RUBRIC = (("kinds", 3, "Separates data drift, concept drift and label drift."),
          ("tests", 2, "Uses PSI or a KS test per feature with a threshold."),
          ("response", 1, "Investigates, retrains and validates before promotion."))
FLAG = "Retraining daily fixes all drift."
HINT_NOTE = "1 hint(s) used, toward: response."
LLM_NOTE = "The LLM grader failed (the model did not answer in time); this score comes from the offline grader."


def make_question(qid, topic=MONITOR):
    return Question.model_validate(
        {
            "id": qid, "topic": topic, "subtopic": "drift", "type": "scenario", "levels": ["mid", "senior"],
            "difficulty": 2, "minutes": 8, "question": f"How do you detect drift? ({qid})",
            "rubric": [{"id": pid, "weight": weight, "point": point} for pid, weight, point in RUBRIC],
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


def score(qid, credits, red_flags=(), notes=(), engine="offline"):
    """A score giving each rubric point the credit named in `credits` ("full", "partial", ...), in rubric order."""
    criteria = [Criterion(point_id=pid, point=point, weight=weight, credit=credit)
                for (pid, weight, point), credit in zip(RUBRIC, credits)]
    value = weighted_score(criteria, len(red_flags))
    return Score(question_id=qid, score=value, band=band_for(value), level=level_for(value, ("mid", "senior")),
                 criteria=criteria, red_flags=list(red_flags), notes=list(notes), engine=engine)


def skipped(qid, note="Skipped."):
    return score(qid, ["not_assessed"] * 3, notes=[note], engine="none")


def record(qid, topic, value, outcome="answered", answers=("an answer",), hints=()):
    return QuestionRecord(qid, topic, "scenario", 2, answers=answers, hints=hints, outcome=outcome, score=value)


def lookup(*ids_and_topics):
    questions = {qid: make_question(qid, topic) for qid, topic in ids_and_topics}
    return questions.__getitem__


# Five questions, one of each ending: a strong answer with a hint, a weak one with a red flag and an
# LLM fallback, a skip, a "don't know", and the interview ended before the last one was answered.
SESSION = Interview(
    Setup(level="mid", questions=5),
    records=(
        record("q1", MONITOR, score("q1", ["full", "full", "none"], notes=[HINT_NOTE]), hints=("response",)),
        record("q2", METRICS, score("q2", ["partial", "none", "full"], red_flags=[FLAG], notes=[LLM_NOTE])),
        record("q3", MONITOR, skipped("q3"), outcome="skipped", answers=()),
        record("q4", CODING, skipped("q4", "The candidate said they did not know."), outcome="dont_know", answers=()),
        record("q5", METRICS, skipped("q5", "Not answered."), outcome="ended", answers=()),
    ),
    finished=True,
)
SESSION_QUESTIONS = lookup(("q1", MONITOR), ("q2", METRICS), ("q3", MONITOR), ("q4", CODING), ("q5", METRICS))

SESSION_TEXT = """\
Interview report: mid level, 4 of 5 questions scored
Overall: 29/100 (needs work)

 #  score  band        topic                             question
 1     83  strong      MLOps: monitor & retrain          How do you detect drift? (q1) [1 hint]
 2     32  needs work  Evaluation & metrics              How do you detect drift? (q2)
 3      0  needs work  MLOps: monitor & retrain          How do you detect drift? (q3) [skipped]
 4      0  needs work  Coding                            How do you detect drift? (q4) [did not know]
 5      -              Evaluation & metrics              How do you detect drift? (q5) [ended]

By topic
  - MLOps: monitor & retrain: 2 questions, mean 42 (developing)
  - Evaluation & metrics: 1 question, mean 32 (needs work)
  - Coding: 1 question, mean 0 (needs work)

Strengths
  - MLOps: monitor & retrain, kinds: Separates data drift, concept drift and label drift.
  - MLOps: monitor & retrain, tests: Uses PSI or a KS test per feature with a threshold.
  - Evaluation & metrics, response: Investigates, retrains and validates before promotion.

Gaps
  - Red flag (Evaluation & metrics): Retraining daily fixes all drift.
  - MLOps: monitor & retrain, kinds: Separates data drift, concept drift and label drift.
  - Coding, kinds: Separates data drift, concept drift and label drift.
  - Evaluation & metrics, tests: Uses PSI or a KS test per feature with a threshold.
  - MLOps: monitor & retrain, tests: Uses PSI or a KS test per feature with a threshold.

Drill next
  - Coding (mean 0), above all kinds, tests, response: python -m bot practice --topic coding --level mid
  - Evaluation & metrics (mean 32), above all tests: python -m bot practice --topic evaluation_metrics --level mid
  - MLOps: monitor & retrain (mean 42), above all kinds, tests, response: \
python -m bot practice --topic mlops_monitor_retrain --level mid

Notes
  - Question 1: 1 hint(s) used, toward: response.
  - Question 2: The LLM grader failed (the model did not answer in time); this score comes from the offline grader.

Session abc123 is saved: python -m bot sessions show abc123"""


def test_report_text_of_a_small_session_reads_exactly():
    assert report_text(build_report(SESSION, SESSION_QUESTIONS), "abc123") == SESSION_TEXT


def points(credits):
    """The per-point results `score(qid, credits)` carries, in rubric order."""
    return tuple(PointResult(pid, point, weight, credit) for (pid, weight, point), credit in zip(RUBRIC, credits))


def test_each_asked_question_gets_a_row_and_an_unanswered_end_has_no_score():
    report = build_report(SESSION, SESSION_QUESTIONS)
    not_assessed = points(["not_assessed"] * 3)
    assert report.results == (
        QuestionResult(1, "q1", MONITOR, "How do you detect drift? (q1)", "answered", 83, "strong", "offline", 1,
                       (HINT_NOTE,), points(["full", "full", "none"])),
        QuestionResult(2, "q2", METRICS, "How do you detect drift? (q2)", "answered", 32, "needs work", "offline", 0,
                       (LLM_NOTE,), points(["partial", "none", "full"]), (FLAG,)),
        QuestionResult(3, "q3", MONITOR, "How do you detect drift? (q3)", "skipped", 0, "needs work", "none", 0,
                       ("Skipped.",), not_assessed),
        QuestionResult(4, "q4", CODING, "How do you detect drift? (q4)", "dont_know", 0, "needs work", "none", 0,
                       ("The candidate said they did not know.",), not_assessed),
        QuestionResult(5, "q5", METRICS, "How do you detect drift? (q5)", "ended", None, "", "", 0, ()),
    )
    assert (report.level, report.mode, report.planned, report.overall) == ("mid", "coach", 5, 29)


def test_a_result_carries_each_points_evidence_and_the_feedback():
    criteria = [Criterion(point_id="kinds", point=RUBRIC[0][2], weight=3, credit="full", evidence="data vs concept",
                          match=0.81),
                Criterion(point_id="tests", point=RUBRIC[1][2], weight=2, credit="none")]
    graded = Score(question_id="q1", score=60, band="solid", level="mid", criteria=criteria, red_flags=[FLAG],
                   feedback="Covered well: kinds.")
    state = Interview(Setup(questions=1), records=(record("q1", MONITOR, graded),))
    result = build_report(state, lookup(("q1", MONITOR))).results[0]
    assert (result.criteria, result.red_flags, result.feedback) == (
        (PointResult("kinds", RUBRIC[0][2], 3.0, "full", "data vs concept"),
         PointResult("tests", RUBRIC[1][2], 2.0, "none")),
        (FLAG,),
        "Covered well: kinds.",
    )


def test_topic_means_and_bands_follow_first_asked_order():
    report = build_report(SESSION, SESSION_QUESTIONS)
    assert report.topics == (
        TopicSummary(MONITOR, "MLOps: monitor & retrain", 2, 42, "developing"),
        TopicSummary(METRICS, "Evaluation & metrics", 1, 32, "needs work"),
        TopicSummary(CODING, "Coding", 1, 0, "needs work"),
    )


@pytest.mark.parametrize(
    ("last", "overall", "counted"),
    [
        (record("q3", METRICS, skipped("q3", "Not answered."), outcome="ended", answers=()), 50, 2),
        (record("q3", METRICS, None, outcome=None, answers=("half an answer",)), 50, 2),
        (record("q3", METRICS, score("q3", ["none", "none", "none"]), outcome="ended"), 33, 3),
    ],
    ids=["ended-before-answering-is-left-out", "in-progress-is-left-out", "ended-with-an-answer-counts"],
)
def test_only_answered_questions_count_toward_the_means(last, overall, counted):
    state = Interview(Setup(questions=3), records=(
        record("q1", METRICS, score("q1", ["full", "full", "full"])),
        record("q2", METRICS, score("q2", ["none", "none", "none"])),
        last,
    ))
    report = build_report(state, lookup(("q1", METRICS), ("q2", METRICS), ("q3", METRICS)))
    assert report.overall == overall
    assert report.topics == (TopicSummary(METRICS, "Evaluation & metrics", counted, overall, band_for(overall)),)


def test_in_progress_question_shows_a_dash_and_no_outcome_mark():
    state = Interview(Setup(questions=2), records=(
        record("q1", CODING, score("q1", ["full", "full", "full"])),
        record("q2", CODING, None, outcome=None, answers=("half an answer",), hints=("kinds", "tests")),
    ))
    report = build_report(state, lookup(("q1", CODING), ("q2", CODING)))
    assert report.results[1] == QuestionResult(
        2, "q2", CODING, "How do you detect drift? (q2)", "in progress", None, "", "", 2, ()
    )
    assert report_text(report).splitlines()[:6] == [
        "Interview report: mid level, 1 of 2 questions scored",
        "Overall: 100/100 (strong)",
        "",
        " #  score  band        topic                             question",
        " 1    100  strong      Coding                            How do you detect drift? (q1)",
        " 2      -              Coding                            How do you detect drift? (q2) [2 hints]",
    ]


def test_strengths_are_the_four_heaviest_fully_covered_points_in_asked_order_on_ties():
    state = Interview(Setup(questions=2), records=(
        record("q1", MONITOR, score("q1", ["full", "partial", "full"])),
        record("q2", CODING, score("q2", ["full", "full", "full"])),
    ))
    report = build_report(state, lookup(("q1", MONITOR), ("q2", CODING)))
    assert report.strengths == (
        "MLOps: monitor & retrain, kinds: Separates data drift, concept drift and label drift.",
        "Coding, kinds: Separates data drift, concept drift and label drift.",
        "Coding, tests: Uses PSI or a KS test per feature with a threshold.",
        "MLOps: monitor & retrain, response: Investigates, retrains and validates before promotion.",
    )


def test_gaps_put_red_flags_first_then_the_heaviest_missed_points_and_skip_partial_credit():
    state = Interview(Setup(questions=2), records=(
        record("q1", MONITOR, score("q1", ["partial", "none", "full"], red_flags=[FLAG])),
        record("q2", CODING, score("q2", ["full", "partial", "not_assessed"], red_flags=[FLAG])),
    ))
    report = build_report(state, lookup(("q1", MONITOR), ("q2", CODING)))
    assert report.gaps == (
        "Red flag (MLOps: monitor & retrain): Retraining daily fixes all drift.",
        "Red flag (Coding): Retraining daily fixes all drift.",
        "MLOps: monitor & retrain, tests: Uses PSI or a KS test per feature with a threshold.",
        "Coding, response: Investigates, retrains and validates before promotion.",
    )


def test_long_points_and_red_flags_are_quoted_on_one_line():
    long_point = "Explains " + "the population stability index and its threshold " * 4
    flag = "Drift\n  never " + "really " * 30 + "matters."
    criteria = [Criterion(point_id="kinds", point=long_point, weight=3, credit="full"),
                Criterion(point_id="tests", point=long_point, weight=2, credit="none")]
    value = Score(question_id="q1", score=40, band="developing", level="mid", criteria=criteria, red_flags=[flag])
    state = Interview(Setup(questions=1), records=(record("q1", MONITOR, value),))
    report = build_report(state, lookup(("q1", MONITOR)))
    quoted = ("Explains the population stability index and its threshold the population stability index and its "
              "threshold the population stability index…")
    assert report.strengths == (f"MLOps: monitor & retrain, kinds: {quoted}",)
    assert report.gaps == (
        "Red flag (MLOps: monitor & retrain): Drift never " + "really " * 14 + "really…",
        f"MLOps: monitor & retrain, tests: {quoted}",
    )


def test_drill_lists_weak_topics_weakest_first_with_their_heaviest_distinct_missed_points():
    state = Interview(Setup(level="senior", questions=4), records=(
        record("q1", MONITOR, score("q1", ["none", "full", "none"])),
        record("q2", MONITOR, score("q2", ["none", "none", "full"])),
        record("q3", CODING, score("q3", ["full", "none", "full"])),
        record("q4", METRICS, score("q4", ["full", "full", "none"])),
    ))
    report = build_report(state, lookup(("q1", MONITOR), ("q2", MONITOR), ("q3", CODING), ("q4", METRICS)))
    assert [(t.topic, t.mean) for t in report.topics] == [(MONITOR, 25), (CODING, 67), (METRICS, 83)]
    # kinds is missed in both monitoring questions; it is named once and the next point still makes three.
    assert report.drill == (
        "MLOps: monitor & retrain (mean 25), above all kinds, tests, response: "
        "python -m bot practice --topic mlops_monitor_retrain --level senior",
    )


def test_drill_lists_at_most_four_topics():
    topics = ["ml_fundamentals", "deep_learning", "nlp_llm", "coding", "behavioral"]
    credits = [["none", "none", "none"], ["none", "none", "full"], ["none", "full", "none"],
               ["partial", "none", "none"], ["none", "full", "full"]]
    state = Interview(Setup(level="junior", questions=5), records=tuple(
        record(f"q{n}", topic, score(f"q{n}", credit)) for n, (topic, credit) in enumerate(zip(topics, credits), 1)
    ))
    report = build_report(state, lookup(*((f"q{n}", topic) for n, topic in enumerate(topics, 1))))
    assert [line.split(" (mean")[0] for line in report.drill] == ["ML fundamentals", "Deep learning", "Coding",
                                                                   "NLP & LLMs"]
    assert report.drill[0] == (
        "ML fundamentals (mean 0), above all kinds, tests, response: "
        "python -m bot practice --topic ml_fundamentals --level junior"
    )


@pytest.mark.parametrize(
    ("value", "drill"),
    [
        (59, ("Coding (mean 59), above all kinds: python -m bot practice --topic coding --level mid",)),
        (60, ("Every topic is solid or better: try the next level, python -m bot practice --level senior",)),
    ],
    ids=["59-is-drilled", "60-is-solid"],
)
def test_topics_below_60_are_drilled(value, drill):
    criteria = [Criterion(point_id="kinds", point=RUBRIC[0][2], weight=3, credit="none"),
                Criterion(point_id="tests", point=RUBRIC[1][2], weight=2, credit="full")]
    graded = Score(question_id="q1", score=value, band=band_for(value), level="mid", criteria=criteria)
    state = Interview(Setup(level="mid", questions=1), records=(record("q1", CODING, graded),))
    assert build_report(state, lookup(("q1", CODING))).drill == drill


@pytest.mark.parametrize(
    ("level", "next_level"),
    [("junior", "mid"), ("mid", "senior"), ("senior", "staff"), ("staff", "staff")],
    ids=["junior-to-mid", "mid-to-senior", "senior-to-staff", "staff-stays-staff"],
)
def test_when_every_topic_is_solid_the_drill_suggests_the_next_level(level, next_level):
    state = Interview(Setup(level=level, questions=2), records=(
        record("q1", MONITOR, score("q1", ["full", "none", "none"])),  # 50, but the topic's mean is 75
        record("q2", MONITOR, score("q2", ["full", "full", "full"])),
    ))
    report = build_report(state, lookup(("q1", MONITOR), ("q2", MONITOR)))
    assert report.drill == (
        f"Every topic is solid or better: try the next level, python -m bot practice --level {next_level}",
    )


def test_a_session_with_no_records_reports_nothing_scored():
    report = build_report(Interview(Setup(level="senior", questions=3, mode="interview")), lookup())
    assert (report.results, report.topics, report.overall, report.strengths, report.gaps, report.drill) == (
        (), (), None, (), (), ()
    )
    assert report_text(report, "s1") == "\n".join([
        "Interview report: senior level, 0 of 3 questions scored",
        "Overall: no answers scored",
        "",
        " #  score  band        topic                             question",
        "",
        "Strengths",
        "  - None yet: no rubric point was fully covered.",
        "",
        "Gaps",
        "  - None: every graded point was at least partly covered.",
        "",
        "Session s1 is saved: python -m bot sessions show s1",
    ])


def test_report_text_without_a_session_id_ends_with_the_last_section():
    report = build_report(SESSION, SESSION_QUESTIONS)
    assert report_text(report) == SESSION_TEXT.rsplit("\n\n", 1)[0]


class ScriptedGrader:
    """Full credit for each rubric point whose id appears in the answer; remembers every call."""

    def __init__(self):
        self.calls = []

    def score(self, question, answer, notes=()):
        self.calls.append((question.id, answer, tuple(notes)))
        credits = ["full" if pid in answer else "none" for pid, _, _ in RUBRIC]
        return score(question.id, credits, notes=notes)


def test_report_of_a_played_session_counts_hints_and_scores_each_ending():
    questions = {q.id: q for q in (make_question("q1"), make_question("q2", CODING), make_question("q3", CODING))}

    def choose(state):
        return next((q for qid, q in questions.items() if qid not in state.asked_ids), None)

    grader = ScriptedGrader()
    state, _ = start(Setup(level="mid", questions=3), questions["q1"])
    for text in ("hint", "hint", "kinds tests", "skip", "end"):
        state, _ = respond(state, text, questions.__getitem__, grader, choose)

    report = build_report(state, questions.__getitem__)
    assert [(r.question_id, r.outcome, r.score, r.hints, r.notes) for r in report.results] == [
        ("q1", "answered", 83, 2, ("2 hint(s) used, toward: kinds, tests.",)),
        ("q2", "skipped", 0, 0, ("Skipped.",)),
        ("q3", "ended", None, 0, ()),
    ]
    assert report.topics == (
        TopicSummary(MONITOR, "MLOps: monitor & retrain", 1, 83, "strong"),
        TopicSummary(CODING, "Coding", 1, 0, "needs work"),
    )
    assert report_text(report).splitlines()[-2:] == ["Notes", "  - Question 1: 2 hint(s) used, toward: kinds, tests."]
