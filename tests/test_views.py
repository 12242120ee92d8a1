from datetime import UTC, datetime, timedelta

import pytest

from bot.bank import Question
from bot.interview import Interview, QuestionRecord, Setup
from bot.scoring import Criterion, Score
from bot.storage import PastScore, SessionSummary, Turn
from bot.views import (
    HISTORY_HEADERS, chat_from_turns, feedback_markdown, history_rows, progress_html, screening_markdown,
    score_points, session_about, time_limits,
)

T0 = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def make_score(engine="offline", model="", red_flags=(), notes=()):
    criteria = [
        Criterion(point_id="kinds", point="Separates data drift and concept drift.", weight=2, credit="full",
                  evidence="data drift vs concept drift"),
        Criterion(point_id="tests", point="Uses PSI per feature.", weight=1.5, credit="none"),
        Criterion(point_id="response", point="Retrains, then validates.", weight=1, credit="partial"),
        Criterion(point_id="alerts", point="Alerts on a threshold.", weight=1, credit="not_assessed"),
    ]
    return Score(question_id="drift", score=55, band="developing", level="mid", criteria=criteria,
                 red_flags=list(red_flags), notes=list(notes), engine=engine, model=model)


def make_question(qid, topic):
    return Question.model_validate({
        "id": qid, "topic": topic, "subtopic": "drift", "type": "scenario", "levels": ["mid", "senior"],
        "difficulty": 2, "minutes": 8, "question": f"Question {qid}?",
        "rubric": [{"id": f"p{n}", "weight": 1, "point": f"Point {n}."} for n in range(3)],
        "red_flags": ["A wrong claim."], "level_signals": {"mid": "Names it.", "senior": "Plans it."},
        "follow_ups": [{"question": "Why?", "targets": ["p0"]}, {"question": "How?", "targets": ["p1"]}],
        "reference_answer": "An answer.", "tags": ["drift"],
    })


def summary(sid, updated, finished=True, topics=(), theme="", answered=2, planned=3, mean=None, mode="coach",
            engine="offline"):
    return SessionSummary(id=sid, created_at=updated - timedelta(minutes=20), updated_at=updated, finished=finished,
                          level="mid", mode=mode, topics=tuple(topics), theme=theme, planned=planned,
                          answered=answered, mean_score=mean, engine=engine)


# -- feedback, progress and the chat ---------------------------------------------------------

def test_feedback_lists_every_point_with_its_mark_evidence_red_flags_notes_and_grader():
    score = make_score(engine="llm", model="gpt-x", red_flags=["Retraining daily fixes all drift."],
                       notes=["1 hint(s) used, toward: tests."])

    assert feedback_markdown(score, "How do you detect drift?") == (
        "**How do you detect drift?**\n"
        "\n"
        "### 55/100 · developing · reads as mid\n"
        "\n"
        "- ✓ **kinds** (covered, weight 2): Separates data drift and concept drift.\n"
        "  > “data drift vs concept drift”\n"
        "- ✗ **tests** (missed, weight 1.5): Uses PSI per feature.\n"
        "- ◐ **response** (partly covered, weight 1): Retrains, then validates.\n"
        "- — **alerts** (not touched, weight 1): Alerts on a threshold.\n"
        "- ⚠ **Red flag:** the answer seems to claim that retraining daily fixes all drift.\n"
        "- *1 hint(s) used, toward: tests.*\n"
        "\n"
        "<small>graded by: llm (gpt-x)</small>"
    )


def test_feedback_without_a_question_starts_at_the_score_and_names_the_offline_grader_alone():
    text = feedback_markdown(make_score())

    assert text.startswith("### 55/100 · developing · reads as mid\n\n- ✓ **kinds**")
    assert text.endswith("- — **alerts** (not touched, weight 1): Alerts on a threshold.\n\n"
                         "<small>graded by: offline</small>")


def test_feedback_cuts_a_long_question_at_a_word_boundary():
    question = "word " * 40  # 200 characters

    first_line = feedback_markdown(make_score(), question).split("\n")[0]

    assert first_line == "**" + " ".join(["word"] * 27) + "…**"


def record(qid="drift", answers=(), follow_ups=(), outcome=None):
    return QuestionRecord(qid, "mlops_monitor_retrain", "scenario", 2, answers=answers, follow_ups=follow_ups,
                          outcome=outcome)


@pytest.mark.parametrize(
    ("state", "seconds", "expected"),
    [
        (Interview(Setup(questions=3), (record(),)), 65,
         '<strong>Question 1 of 3</strong> · <span class="coach-clock" data-elapsed="65">1 min 05 s</span> elapsed'),
        (Interview(Setup(questions=3), (record("a", outcome="answered"), record("b", answers=("x",),
                                                                                follow_ups=("Why?",)))),
         600, '<strong>Question 2 of 3</strong> · follow-up · '
              '<span class="coach-clock" data-elapsed="600">10 min 00 s</span> elapsed'),
        (Interview(Setup(questions=2), (record("a", outcome="answered"), record("b", outcome="skipped")),
                   finished=True), 3725, "<strong>Finished</strong> · 2 questions · 62 min 05 s"),
        (Interview(Setup(questions=3), (record(),)), -5,
         '<strong>Question 1 of 3</strong> · <span class="coach-clock" data-elapsed="0">0 min 00 s</span> elapsed'),
    ],
    ids=["first-question", "awaiting-follow-up", "finished", "clock-behind-start"],
)
def test_progress_shows_the_question_number_follow_up_and_a_running_clock(state, seconds, expected):
    assert progress_html(state, T0, T0 + timedelta(seconds=seconds)) == f'<div class="coach-progress">{expected}</div>'


def test_chat_from_turns_maps_speakers_to_roles_and_drops_blank_messages():
    turns = (
        Turn(1, "interviewer", "question", "drift", "How do you detect drift?", T0),
        Turn(2, "candidate", "answer", "drift", "PSI per feature.", T0),
        Turn(3, "interviewer", "feedback", "drift", "   ", T0),
        Turn(4, "candidate", "pending", "drift", "And a KS test.", T0),
    )

    assert chat_from_turns(turns) == [
        {"role": "assistant", "content": "How do you detect drift?"},
        {"role": "user", "content": "PSI per feature."},
        {"role": "user", "content": "And a KS test."},
    ]


def test_chat_from_no_turns_is_empty():
    assert chat_from_turns(()) == []


# -- the history tab -------------------------------------------------------------------------

def test_history_rows_put_the_most_recently_active_session_first_with_every_column():
    older = summary("aaa111", T0, topics=("evaluation_metrics", "deep_learning"), answered=3, planned=3, mean=81.6)
    newer = summary("bbb222", T0 + timedelta(days=1), finished=False, theme="feature stores", answered=0,
                    mode="interview", engine="llm")

    rows = history_rows([older, newer])

    assert len(HISTORY_HEADERS) == len(rows[0])
    assert rows == [
        ["2026-03-03 09:30", "interview", "mid", "“feature stores”", "0/3", None, "unfinished", "llm", "bbb222"],
        ["2026-03-02 09:30", "coach", "mid", "Evaluation & metrics, Deep learning", "3/3", 82, "finished", "offline",
         "aaa111"],
    ]


def test_history_rows_keep_the_given_order_for_sessions_active_at_the_same_time():
    rows = history_rows([summary("first", T0), summary("second", T0)])

    assert [row[-1] for row in rows] == ["first", "second"]


def test_history_rows_of_no_sessions_are_empty():
    assert history_rows([]) == []


@pytest.mark.parametrize(
    ("topics", "theme", "expected"),
    [
        ((), "", "a mix of topics"),
        (("nlp_llm",), "", "NLP & LLMs"),
        (("nlp_llm", "coding"), "", "NLP & LLMs, Coding"),
        (("nlp_llm",), "retrieval", "“retrieval”"),
        (("retired_topic",), "", "retired_topic"),
    ],
    ids=["mix", "one-topic", "two-topics", "theme-wins", "unknown-topic-as-is"],
)
def test_session_about_names_the_theme_or_the_topic_labels(topics, theme, expected):
    assert session_about(topics, theme) == expected


def test_score_points_label_topics_sort_by_time_and_leave_out_questions_gone_from_the_bank():
    questions = [make_question("drift", "mlops_monitor_retrain"), make_question("auc", "evaluation_metrics")]
    history = [
        PastScore("auc", 72, T0 + timedelta(hours=2)),
        PastScore("retired", 40, T0 + timedelta(hours=1)),
        PastScore("drift", 35, T0),
        PastScore("drift", 90, T0 + timedelta(days=3)),
    ]

    assert score_points(history, questions) == [
        {"time": T0, "score": 35, "topic": "MLOps: monitor & retrain"},
        {"time": T0 + timedelta(hours=2), "score": 72, "topic": "Evaluation & metrics"},
        {"time": T0 + timedelta(days=3), "score": 90, "topic": "MLOps: monitor & retrain"},
    ]


def test_score_points_of_no_history_are_empty():
    assert score_points([], [make_question("drift", "mlops_monitor_retrain")]) == []


def test_time_limits_pad_the_span_by_three_percent_on_each_side():
    points = [{"time": T0}, {"time": T0 + timedelta(days=10)}]

    start, end = time_limits(points)

    assert (start, end) == (T0.timestamp() - 25_920, T0.timestamp() + 864_000 + 25_920)


def test_time_limits_of_one_point_pad_an_hour_and_of_none_are_none():
    assert time_limits([{"time": T0}]) == [T0.timestamp() - 3600, T0.timestamp() + 3600]
    assert time_limits([]) is None



def test_screening_preview_lists_each_pick_with_what_it_covers_total_time_and_notes():
    from bot.bank import load_bank
    from bot.screening import Pick, ScreeningSet, ScreenRequest
    from bot.settings import SHIPPED_BANK_DIR

    bank = load_bank(SHIPPED_BANK_DIR)
    drift, fund = bank.get("monitor-drift-detection-plan"), bank.get("mlfund-l1-vs-l2-regularization")
    chosen = ScreeningSet(
        request=ScreenRequest(), picks=(Pick(drift, "Monitor models for drift | alerts", 0.61), Pick(fund, None)),
        notes=("Not covered by the bank: Speak Klingon.",), requirements=(), swapped_out=(),
    )
    lines = screening_markdown(chosen).splitlines()
    assert lines[0] == "| # | Question | Topic | Diff | Min | Covers |"
    assert lines[2].startswith("| 1 | Your payment fraud model has been in production for a year.")
    assert lines[2].endswith(f"<br>`{drift.id}` | MLOps: monitor & retrain | 2 | {drift.minutes} | "
                             "Monitor models for drift \\| alerts |")
    assert lines[3].endswith(f"| (included) |")
    assert lines[-2:] == [f"**2 questions, {drift.minutes + fund.minutes} minutes.**",
                          "- Not covered by the bank: Speak Klingon."]
