import json
import random

import httpx
import openai
import pytest
from fakes import ScriptedChatModel

from bot.bank import load_bank
from bot.coach import Coach, SessionError, Turn, open_coach
from bot.index import open_index
from bot.interview import Reply, Setup
from bot.interviewer import Context, PlainInterviewer
from bot.offline_grader import OfflineGrader
from bot.prompts import load_prompts
from bot.scoring import Criterion, Score, band_for, level_for, weighted_score
from bot.settings import Settings
from bot.storage import Provenance, SessionStore
from tests.conftest import question_yaml, write_bank

FULL = "drift-kinds detection response"
PSI_FOLLOW_UP = "Which PSI threshold would you alert on?"
ANSWER = (
    "Data drift and concept drift differ. I would run PSI per feature with a threshold. "
    "Then I would investigate and retrain."
)
FAILED_NOTE = "The LLM grader failed (the model did not answer in time); this score comes from the offline grader."


def asked(qid, number, of=2):
    return f"Question {number} of {of}: How would you detect drift? ({qid})"


class RecordingGrader:
    """Full credit for each rubric point whose id is in the answer; remembers every call and, when
    watching a session, whether the answer was already saved when grading began."""

    def __init__(self, store=None, crash=False):
        self.store, self.crash = store, crash
        self.calls, self.pending_seen = [], []
        self.session_id = None

    def score(self, question, answer, notes=()):
        self.calls.append((question.id, answer, tuple(notes)))
        if self.session_id:
            self.pending_seen.append(self.store.load(self.session_id).pending_answer)
        if self.crash:
            raise RuntimeError("grader crashed")
        criteria = [
            Criterion(point_id=p.id, point=p.point, weight=p.weight, credit="full" if p.id in answer else "none")
            for p in question.rubric
        ]
        value = weighted_score(criteria)
        return Score(
            question_id=question.id, score=value, band=band_for(value), level=level_for(value, question.levels),
            criteria=criteria, feedback=f"feedback for {question.id}", notes=list(notes),
        )


@pytest.fixture
def bank(tmp_path):
    # One question per difficulty, so the next question follows from the last score alone:
    # q1 opens (mid starts at 2), q2 follows a strong answer, q3 a weak one.
    text = "questions:\n" + "".join(
        question_yaml(id=qid, difficulty=difficulty, question=f"How would you detect drift? ({qid})")
        for qid, difficulty in (("q1", 2), ("q2", 3), ("q3", 1))
    )
    return load_bank(write_bank(tmp_path / "bank", {"drift.yaml": text}))


@pytest.fixture
def index(bank, embedder, tmp_path):
    index = open_index(Settings(data_dir=tmp_path / "data"), embedder)
    index.sync(bank)
    return index


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'db' / 'sessions.sqlite3'}"


@pytest.fixture
def stores(url):
    """Opens stores on the one database and closes them all at the end."""
    opened = []

    def open_store():
        opened.append(SessionStore(url))
        return opened[-1]

    yield open_store
    for store in opened:
        store.close()


def plain_coach(bank, index, store, grader):
    return Coach(bank, index, grader, PlainInterviewer(), store, Provenance(bank.version, "offline"), random.Random(0))


def turns(store, session_id):
    return [(t.seq, t.role, t.kind, t.question_id, t.text) for t in store.load(session_id).turns]


def test_start_saves_the_session_and_its_first_question(bank, index, stores):
    store = stores()
    coach = plain_coach(bank, index, store, RecordingGrader())
    turn = coach.start(Setup(level="mid", questions=2))

    assert turn.replies == [Reply("question", asked("q1", 1))]
    assert turn.contexts == [Context(level="mid", mode="coach", question=bank.get("q1"))]
    saved = store.load(turn.session_id)
    assert saved.state == turn.state
    assert saved.state.current.question_id == "q1"
    assert saved.provenance == Provenance(bank.version, "offline")
    assert turns(store, turn.session_id) == [(1, "interviewer", "question", "q1", asked("q1", 1))]


def test_answer_is_saved_before_grading_and_the_turn_after(bank, index, stores):
    store = stores()
    grader = RecordingGrader(store)
    coach = plain_coach(bank, index, store, grader)
    turn = coach.start(Setup(level="mid", questions=2))
    grader.session_id = turn.session_id

    turn = coach.answer(turn.session_id, turn.state, "drift-kinds")
    assert turn.replies == [Reply("follow_up", PSI_FOLLOW_UP)]
    turn = coach.answer(turn.session_id, turn.state, FULL)
    assert turn.replies == [Reply("feedback", "Score 100/100 (strong).\nfeedback for q1"),
                            Reply("question", asked("q2", 2))]

    # Both replies speak about q1, the question just answered, even though q2 is now the current one.
    q1_context = Context(level="mid", mode="coach", question=bank.get("q1"), answers=("drift-kinds", FULL),
                         score=turn.state.records[0].score)
    assert turn.contexts == [q1_context, q1_context]
    assert grader.pending_seen == ["drift-kinds", FULL]
    assert grader.calls == [("q1", "drift-kinds", ()), ("q1", f"drift-kinds\n{FULL}", ())]
    saved = store.load(turn.session_id)
    assert saved.pending_answer is None
    assert saved.state == turn.state
    assert turns(store, turn.session_id) == [
        (1, "interviewer", "question", "q1", asked("q1", 1)),
        (2, "candidate", "answer", "q1", "drift-kinds"),
        (3, "interviewer", "follow_up", "q1", PSI_FOLLOW_UP),
        (4, "candidate", "answer", "q1", FULL),
        (5, "interviewer", "feedback", "q1", "Score 100/100 (strong).\nfeedback for q1"),
        (6, "interviewer", "question", "q2", asked("q2", 2)),
    ]
    assert [(s.question_id, s.score.score, s.engine) for s in store.scores(turn.session_id)] == [("q1", 100, "offline")]


def test_a_crash_while_grading_keeps_the_answer_and_resume_grades_it_once(bank, index, stores):
    store = stores()
    coach = plain_coach(bank, index, store, RecordingGrader(crash=True))
    started = coach.start(Setup(level="mid", questions=2))
    with pytest.raises(RuntimeError, match="grader crashed"):
        coach.answer(started.session_id, started.state, FULL)

    saved = store.load(started.session_id)
    assert saved.pending_answer == FULL
    assert saved.state == started.state
    assert turns(store, started.session_id) == [
        (1, "interviewer", "question", "q1", asked("q1", 1)),
        (2, "candidate", "pending", "q1", FULL),
    ]

    reopened = stores()  # the app starts again
    grader = RecordingGrader()
    turn = plain_coach(bank, index, reopened, grader).resume(started.session_id)

    assert turn.replies == [Reply("feedback", "Score 100/100 (strong).\nfeedback for q1"),
                            Reply("question", asked("q2", 2))]
    assert grader.calls == [("q1", FULL, ())]
    assert reopened.load(started.session_id).pending_answer is None
    assert turns(reopened, started.session_id) == [
        (1, "interviewer", "question", "q1", asked("q1", 1)),
        (2, "candidate", "answer", "q1", FULL),
        (3, "interviewer", "feedback", "q1", "Score 100/100 (strong).\nfeedback for q1"),
        (4, "interviewer", "question", "q2", asked("q2", 2)),
    ]


@pytest.mark.parametrize(
    ("answers", "resumed", "qid", "answered"),
    [
        ([], "Resuming question 1 of 2: How would you detect drift? (q1)", "q1", ()),
        (["drift-kinds"], f"Resuming question 1 of 2: {PSI_FOLLOW_UP}", "q1", ("drift-kinds",)),
        ([FULL], "Resuming question 2 of 2: How would you detect drift? (q2)", "q2", ()),
    ],
    ids=["first-question-unanswered", "awaiting-a-follow-up", "second-question"],
)
def test_resume_repeats_where_the_session_stopped(bank, index, stores, answers, resumed, qid, answered):
    store = stores()
    coach = plain_coach(bank, index, store, RecordingGrader())
    turn = coach.start(Setup(level="senior", questions=2, mode="interview"))
    for text in answers:
        turn = coach.answer(turn.session_id, turn.state, text)
    before = turns(store, turn.session_id)

    reopened = stores()
    grader = RecordingGrader()
    resumed_turn = plain_coach(bank, index, reopened, grader).resume(turn.session_id)

    assert resumed_turn.replies == [Reply("repeat", resumed)]
    assert resumed_turn.state == turn.state
    assert resumed_turn.contexts == [
        Context(level="senior", mode="interview", question=bank.get(qid), answers=answered)
    ]
    assert grader.calls == []
    assert turns(reopened, turn.session_id) == before


def test_a_finished_session_resumes_as_ended_and_takes_no_more_answers(bank, index, stores):
    store = stores()
    coach = plain_coach(bank, index, store, RecordingGrader())
    turn = coach.start(Setup(level="mid", questions=1))
    turn = coach.answer(turn.session_id, turn.state, FULL)
    assert turn.replies == [Reply("feedback", "Score 100/100 (strong).\nfeedback for q1"),
                            Reply("finished", "That is the end of the interview. Here is your report.")]

    resumed = plain_coach(bank, index, stores(), RecordingGrader()).resume(turn.session_id)

    ended = Reply("finished", "This session has ended. Here is its report.")
    assert resumed == Turn(turn.session_id, turn.state, [ended])
    with pytest.raises(SessionError, match="^This session has ended; start a new one.$"):
        coach.answer(turn.session_id, turn.state, "one more thing")
    assert len(store.load(turn.session_id).turns) == 4


def test_speak_yields_each_reply_with_its_pieces_in_order(bank, index, stores):
    coach = plain_coach(bank, index, stores(), RecordingGrader())
    turn = coach.start(Setup(level="mid", questions=2))
    turn = coach.answer(turn.session_id, turn.state, "skip")  # scores 0: the easier q3 comes next

    feedback = Reply("feedback", "Score 0/100 (needs work).\nNote: Skipped.")
    following = Reply("question", asked("q3", 2))
    assert list(coach.speak(turn)) == [(feedback, feedback.text), (following, following.text)]


# -- the LLM engine ----------------------------------------------------------------------------


def grade_reply(credits, comment="Clear on drift kinds."):
    evidence = {
        "drift-kinds": "Data drift and concept drift differ",
        "detection": "run PSI per feature with a threshold",
        "response": "investigate and retrain",
    }
    return json.dumps({
        "points": [{"point_id": p, "credit": c, "evidence": evidence[p] if c != "none" else ""} for p, c in credits],
        "red_flags": [], "comment": comment,
    })


@pytest.fixture
def offline(index, embedder):
    return OfflineGrader(embedder, index.reference_vectors())


def llm_coach(tmp_path, bank, index, offline, store, *script):
    chat = ScriptedChatModel(script=list(script))
    settings = Settings(engine="llm", model="m-test", data_dir=tmp_path / "data")
    return open_coach(settings, bank, index, offline, store, chat=chat, rng=random.Random(0)), chat


def test_llm_coach_scores_with_the_model_and_records_its_provenance(tmp_path, bank, index, offline, stores):
    store = stores()
    version = load_prompts().version
    coach, chat = llm_coach(
        tmp_path, bank, index, offline, store,
        grade_reply([("drift-kinds", "full"), ("detection", "full"), ("response", "full")]),
        "Strong answer; name the alert threshold next time.",
    )
    turn = coach.start(Setup(level="mid", questions=1))
    turn = coach.answer(turn.session_id, turn.state, ANSWER)

    feedback = Reply("feedback", "Score 100/100 (strong).\nClear on drift kinds.\n"
                                 "Covered well: drift-kinds; detection; response.")
    finished = Reply("finished", "That is the end of the interview. Here is your report.")
    assert turn.replies == [feedback, finished]
    saved = store.load(turn.session_id)
    assert saved.provenance == Provenance(bank.version, "llm", "m-test", version)
    assert saved.tokens_used == 120
    [stored] = store.scores(turn.session_id)
    assert (stored.engine, stored.model, stored.prompt_version) == ("llm", "m-test", version)
    assert (stored.score.score, stored.score.engine, stored.score.model, stored.score.prompt_version) == (
        100, "llm", "m-test", version
    )

    assert list(coach.speak(turn)) == [
        (feedback, "Score 100/100 (strong).\n"),
        *[(feedback, word) for word in ["Strong ", "answer; ", "name ", "the ", "alert ", "threshold ", "next ",
                                        "time."]],
        (finished, finished.text),
    ]
    assert len(chat.sent) == 2


def test_llm_coach_words_the_follow_up_on_the_question_and_answer(tmp_path, bank, index, offline, stores):
    store = stores()
    first = "Data drift and concept drift differ."
    coach, chat = llm_coach(
        tmp_path, bank, index, offline, store,
        grade_reply([("drift-kinds", "full"), ("detection", "none"), ("response", "none")]),
        "Good start. What PSI value would trigger an alert?",
    )
    turn = coach.start(Setup(level="mid", questions=1))
    turn = coach.answer(turn.session_id, turn.state, first)

    assert turn.replies == [Reply("follow_up", PSI_FOLLOW_UP)]
    assert store.load(turn.session_id).tokens_used == 120
    pieces = [piece for _, piece in coach.speak(turn)]
    assert pieces == ["Good ", "start. ", "What ", "PSI ", "value ", "would ", "trigger ", "an ", "alert?"]
    prompts = load_prompts()
    assert [(m.type, m.content) for m in chat.sent[1]] == [
        ("system", prompts.render("interviewer.system", level="mid", mode="coach")),
        ("human", prompts.render("follow_up.user", question=bank.get("q1").question, answer=first,
                                 follow_up=PSI_FOLLOW_UP)),
    ]
    assert coach.interviewer.tokens_used == 120


def test_llm_timeout_still_completes_the_turn_with_an_offline_score(tmp_path, bank, index, offline, stores):
    store = stores()
    timeout = openai.APITimeoutError(request=httpx.Request("POST", "http://127.0.0.1/v1"))
    coach, chat = llm_coach(tmp_path, bank, index, offline, store, timeout)
    turn = coach.start(Setup(level="mid", questions=1, max_follow_ups=0))
    turn = coach.answer(turn.session_id, turn.state, ANSWER)

    expected = offline.score(bank.get("q1"), ANSWER)
    expected = expected.model_copy(update={"notes": expected.notes + [FAILED_NOTE]})
    assert turn.replies == [
        Reply("feedback", f"Score {expected.score}/100 ({expected.band}).\n{expected.feedback}\nNote: {FAILED_NOTE}"),
        Reply("finished", "That is the end of the interview. Here is your report."),
    ]
    [stored] = store.scores(turn.session_id)
    assert stored.score == expected
    assert stored.score.notes[-1] == FAILED_NOTE
    assert (stored.engine, stored.model, stored.prompt_version) == ("offline", "", "")  # not credited to the model
    assert turns(store, turn.session_id)[1] == (2, "candidate", "answer", "q1", ANSWER)
    assert len(chat.sent) == 1


def test_a_drill_brings_back_the_questions_answered_weakly_before(bank, index, stores):
    store = stores()
    coach = plain_coach(bank, index, store, RecordingGrader())
    first = coach.start(Setup(level="mid", questions=3))
    turn = coach.answer(first.session_id, first.state, "drift-kinds detection response")  # q1 strong
    turn = coach.answer(turn.session_id, turn.state, "skip")  # q2 weak
    turn = coach.answer(turn.session_id, turn.state, "skip")  # q3 weak
    assert [r.question_id for r in turn.state.records] == ["q1", "q2", "q3"] and turn.state.finished

    plain = coach.start(Setup(level="mid", questions=2))
    drill = coach.start(Setup(level="mid", questions=2, topics=("mlops_monitor_retrain",), review_due=True))
    assert plain.state.current.question_id == "q1"  # without review, mid level opens at difficulty 2
    assert drill.state.current.question_id == "q2"  # the drill opens with the longest-waiting weak one
    after = coach.answer(drill.session_id, drill.state, "skip")
    # Without review a weak answer at difficulty 3 leads to q1 (difficulty 2); the drill brings back q3.
    assert after.state.current.question_id == "q3"
