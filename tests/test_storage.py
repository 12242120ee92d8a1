from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

import bot.storage
from bot.bank import load_bank
from bot.interview import Setup, respond, start
from bot.scoring import Criterion, Score, band_for, level_for, weighted_score
from bot.settings import Settings
from bot.storage import (
    PastScore, Provenance, SessionStore, StorageError, Turn, open_store, score_table, state_from_json, state_to_json,
    turn_table,
)
from tests.conftest import question_yaml, write_bank

T0 = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


class FakeGrader:
    """Full credit for each rubric point whose id appears in the answer; remembers every call."""

    def __init__(self, engine="offline", model="", prompt_version=""):
        self.engine, self.model, self.prompt_version = engine, model, prompt_version
        self.calls = []

    def score(self, question, answer, notes=()):
        self.calls.append((question.id, answer, tuple(notes)))
        criteria = [
            Criterion(point_id=p.id, point=p.point, weight=p.weight, credit="full" if p.id in answer else "none",
                      evidence=answer if p.id in answer else "")
            for p in question.rubric
        ]
        value = weighted_score(criteria)
        return Score(
            question_id=question.id, score=value, band=band_for(value), level=level_for(value, question.levels),
            criteria=criteria, feedback=f"feedback for {question.id}", notes=list(notes),
            engine=self.engine, model=self.model, prompt_version=self.prompt_version,
        )


class Clock:
    """Each call one second after the last, so stored times and list order are exact."""

    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return T0 + timedelta(seconds=self.calls)


@pytest.fixture
def bank(tmp_path):
    text = "questions:\n" + "".join(
        question_yaml(id=qid, question=f"How would you detect drift? ({qid})") for qid in ("q1", "q2", "q3")
    )
    return load_bank(write_bank(tmp_path / "bank", {"drift.yaml": text}))


@pytest.fixture
def url(tmp_path):
    return f"sqlite:///{tmp_path / 'db' / 'sessions.sqlite3'}"


@pytest.fixture
def store(url):
    store = SessionStore(url, clock=Clock())
    yield store
    store.close()


def chooser(bank):
    def choose(state):
        remaining = [q for q in bank if q.id not in state.asked_ids]
        return remaining[0] if remaining else None
    return choose


def say(bank, state, text, grader):
    return respond(state, text, bank.get, grader, chooser(bank))


def provenance(bank, **changes):
    return Provenance(**{"bank_version": bank.version, "engine": "offline", **changes})


def play(store, bank, session_id, state, answers, grader):
    """The state after each answer is said and recorded."""
    for answer in answers:
        state, replies = say(bank, state, answer, grader)
        store.record_turn(session_id, state, answer, replies, tokens_used=10)
    return state


def count_rows(store, table, session_id):
    with store.engine.connect() as connection:
        query = select(func.count()).select_from(table).where(table.c.session_id == session_id)
        return connection.execute(query).scalar_one()


def test_state_json_round_trip_gives_an_equal_interview(bank):
    grader = FakeGrader(engine="llm", model="fake-chat", prompt_version="p1")
    setup = Setup(level="senior", topics=("mlops_monitor_retrain",), theme="fraud", questions=3)
    state, _ = start(setup, bank.get("q1"))
    for answer in ("nothing yet", "hint", "drift-kinds detection response", "drift-kinds"):
        state, _ = say(bank, state, answer, grader)

    text = state_to_json(state)
    restored = state_from_json(text)

    assert restored == state
    assert restored.setup.topics == ("mlops_monitor_retrain",)
    first, second = restored.records
    assert first.answers == ("nothing yet", "drift-kinds detection response")
    assert first.follow_ups == ("Which PSI threshold would you alert on?",)
    assert first.hints == ("detection",)
    assert first.outcome == "answered"
    assert first.score.score == 100
    assert [c.credit for c in first.score.criteria] == ["full", "full", "full"]
    assert first.score.notes == ["1 hint(s) used, toward: detection."]
    assert second.answers == ("drift-kinds",)
    assert second.score is None
    assert state_to_json(restored) == text


def test_reopened_store_resumes_from_the_last_recorded_turn(url, bank):
    grader = FakeGrader()
    store = SessionStore(url, clock=Clock())
    state, replies = start(Setup(questions=2), bank.get("q1"))
    session_id = store.create(state, provenance(bank), replies)
    state = play(store, bank, session_id, state, ["skip", "repeat", "drift-kinds"], grader)
    store.close()

    reopened = SessionStore(url)
    saved = reopened.load(session_id)
    reopened.close()

    assert saved.state == state
    another = SessionStore(url)
    assert another.load_state(session_id) == state  # the state alone, as the page reads it per answer
    another.close()
    assert saved.state.current.question_id == "q2"
    assert saved.state.awaiting_follow_up
    assert saved.provenance == Provenance(bank.version, "offline")
    assert saved.tokens_used == 30
    assert (saved.created_at, saved.updated_at) == (T0 + timedelta(seconds=1), T0 + timedelta(seconds=4))
    assert [(t.seq, t.role, t.kind, t.question_id, t.text) for t in saved.turns] == [
        (1, "interviewer", "question", "q1", "Question 1 of 2: How would you detect drift? (q1)"),
        (2, "candidate", "answer", "q1", "skip"),
        (3, "interviewer", "feedback", "q1", "Score 0/100 (needs work).\nNote: Skipped."),
        (4, "interviewer", "question", "q2", "Question 2 of 2: How would you detect drift? (q2)"),
        (5, "candidate", "answer", "q2", "repeat"),
        (6, "interviewer", "repeat", "q2", "How would you detect drift? (q2)"),
        (7, "candidate", "answer", "q2", "drift-kinds"),
        (8, "interviewer", "follow_up", "q2", "Which PSI threshold would you alert on?"),
    ]
    assert saved.turns[-1] == Turn(8, "interviewer", "follow_up", "q2", "Which PSI threshold would you alert on?",
                                   T0 + timedelta(seconds=4))


def test_candidate_text_is_stored_exactly_as_typed(store, bank):
    state, replies = start(Setup(questions=2), bank.get("q1"))
    session_id = store.create(state, provenance(bank), replies)
    play(store, bank, session_id, state, ["", "  Skip!  ", "drift-kinds\n\tdetection "], FakeGrader())

    candidate = [(t.seq, t.question_id, t.text) for t in store.load(session_id).turns if t.role == "candidate"]
    assert candidate == [(2, "q1", ""), (4, "q1", "  Skip!  "), (7, "q2", "drift-kinds\n\tdetection ")]


def test_resumed_state_continues_with_respond(url, bank):
    grader = FakeGrader()
    store = SessionStore(url)
    state, replies = start(Setup(questions=2), bank.get("q1"))
    session_id = store.create(state, provenance(bank), replies)
    play(store, bank, session_id, state, ["drift-kinds detection response"], grader)

    resumed = store.load(session_id).state
    state, replies = say(bank, resumed, "drift-kinds detection response", grader)
    store.record_turn(session_id, state, "drift-kinds detection response", replies)

    assert [r.kind for r in replies] == ["feedback", "finished"]
    assert store.load(session_id).state.finished
    assert [s.question_id for s in store.scores(session_id)] == ["q1", "q2"]
    store.close()


def test_answer_saved_before_grading_survives_a_crash_and_is_kept_once(url, bank):
    grader = FakeGrader()
    store = SessionStore(url)
    state, replies = start(Setup(questions=2), bank.get("q1"))
    session_id = store.create(state, provenance(bank), replies)
    store.save_pending_answer(session_id, "drift-kinds and detection")
    store.close()  # the app dies while the answer is being graded

    reopened = SessionStore(url)
    saved = reopened.load(session_id)
    assert saved.pending_answer == "drift-kinds and detection"
    assert saved.state == state
    state, replies = say(bank, saved.state, saved.pending_answer, grader)
    reopened.record_turn(session_id, state, "drift-kinds and detection", replies)

    after = reopened.load(session_id)
    assert after.pending_answer is None
    assert [(t.role, t.kind, t.text) for t in after.turns] == [
        ("interviewer", "question", "Question 1 of 2: How would you detect drift? (q1)"),
        ("candidate", "answer", "drift-kinds and detection"),
        ("interviewer", "follow_up", "What happens after the alert?"),
    ]
    reopened.close()


def test_failed_turn_leaves_the_last_complete_turn(store, bank, monkeypatch):
    grader = FakeGrader()
    state, replies = start(Setup(questions=2), bank.get("q1"))
    session_id = store.create(state, provenance(bank), replies)
    state = play(store, bank, session_id, state, ["drift-kinds"], grader)
    before = store.load(session_id)

    def crash(_state):
        raise RuntimeError("process killed mid-write")

    monkeypatch.setattr(bot.storage, "state_to_json", crash)
    finished, replies = say(bank, state, "detection response", grader)
    with pytest.raises(RuntimeError, match="process killed mid-write"):
        store.record_turn(session_id, finished, "detection response", replies, tokens_used=99)

    after = store.load(session_id)
    assert after == before
    assert after.state == state
    assert len(after.turns) == 3
    assert after.tokens_used == 10
    assert count_rows(store, score_table, session_id) == 0


def test_score_rows_carry_provenance_once_per_question(store, bank):
    llm = FakeGrader(engine="llm", model="grader-model", prompt_version="prompts-7")
    unnamed = FakeGrader(engine="llm", model="", prompt_version="")
    session = provenance(bank, engine="llm", model="session-model", prompt_version="prompts-6")
    state, replies = start(Setup(questions=3), bank.get("q1"))
    session_id = store.create(state, session, replies)

    state = play(store, bank, session_id, state, ["drift-kinds detection response"], llm)
    state = play(store, bank, session_id, state, ["hint", "drift-kinds detection", "nothing more"], unnamed)
    state = play(store, bank, session_id, state, ["repeat", "hint", "skip"], llm)
    play(store, bank, session_id, state, ["anything", "more"], llm)

    rows = [(s.question_number, s.question_id, s.score.score, s.bank_version, s.engine, s.model, s.prompt_version)
            for s in store.scores(session_id)]
    assert rows == [
        (1, "q1", 100, bank.version, "llm", "grader-model", "prompts-7"),
        (2, "q2", 83, bank.version, "llm", "session-model", "prompts-6"),
        (3, "q3", 0, bank.version, "none", "", ""),  # skipped: no model graded it
    ]
    assert count_rows(store, score_table, session_id) == 3
    assert [s.score for s in store.scores(session_id)] == [r.score for r in state.records]
    assert [s.created_at for s in store.scores(session_id)] == [T0 + timedelta(seconds=n) for n in (2, 5, 8)]
    assert state.finished


def test_question_history_holds_every_score_across_sessions_oldest_first(store, bank):
    grader = FakeGrader()
    assert store.question_history() == []
    first_state, replies = start(Setup(questions=2), bank.get("q1"))
    first = store.create(first_state, provenance(bank), replies)
    second_state, replies = start(Setup(questions=2), bank.get("q1"))
    second = store.create(second_state, provenance(bank), replies)

    first_state = play(store, bank, first, first_state, ["drift-kinds detection response"], grader)
    second_state = play(store, bank, second, second_state, ["skip"], grader)
    play(store, bank, first, first_state, ["skip"], grader)
    play(store, bank, second, second_state, ["drift-kinds detection", "nothing more"], grader)

    assert store.question_history() == [
        PastScore("q1", 100, T0 + timedelta(seconds=3)),
        PastScore("q1", 0, T0 + timedelta(seconds=4)),
        PastScore("q2", 0, T0 + timedelta(seconds=5)),
        PastScore("q2", 83, T0 + timedelta(seconds=7)),
    ]
    store.delete(first)
    assert store.question_history() == [
        PastScore("q1", 0, T0 + timedelta(seconds=4)),
        PastScore("q2", 83, T0 + timedelta(seconds=7)),
    ]


def test_list_sessions_newest_first_with_answered_and_mean(store, bank):
    grader = FakeGrader()
    ids = []
    for setup in (Setup(questions=1, level="junior"), Setup(questions=3, topics=("mlops_monitor_retrain",)),
                  Setup(questions=2, theme="fraud")):
        state, replies = start(setup, bank.get("q1"))
        ids.append((store.create(state, provenance(bank), replies), state))
    (done, done_state), (busy, busy_state), (idle, _) = ids
    play(store, bank, done, done_state, ["drift-kinds detection response"], grader)
    play(store, bank, busy, busy_state, ["drift-kinds detection response", "skip"], grader)

    summaries = store.list_sessions()

    assert [(s.id, s.finished, s.answered, s.mean_score, s.planned) for s in summaries] == [
        (busy, False, 2, 50.0, 3),
        (done, True, 1, 100.0, 1),
        (idle, False, 0, None, 2),
    ]
    assert (summaries[0].topics, summaries[0].level, summaries[0].mode) == (("mlops_monitor_retrain",), "mid", "coach")
    assert (summaries[2].theme, summaries[2].engine) == ("fraud", "offline")
    assert summaries[0].updated_at == T0 + timedelta(seconds=6)
    assert [s.id for s in store.list_sessions(unfinished_only=True)] == [busy, idle]
    assert [s.id for s in store.list_sessions(limit=1)] == [busy]


def test_delete_removes_turns_and_scores_and_a_second_delete_fails(store, bank):
    grader = FakeGrader()
    state, replies = start(Setup(questions=2), bank.get("q1"))
    kept = store.create(state, provenance(bank), replies)
    gone = store.create(state, provenance(bank), replies)
    play(store, bank, gone, state, ["drift-kinds detection response", "skip"], grader)
    assert (count_rows(store, turn_table, gone), count_rows(store, score_table, gone)) == (7, 2)

    store.delete(gone)

    assert (count_rows(store, turn_table, gone), count_rows(store, score_table, gone)) == (0, 0)
    assert [s.id for s in store.list_sessions()] == [kept]
    assert count_rows(store, turn_table, kept) == 1
    with pytest.raises(StorageError) as error:
        store.delete(gone)
    assert str(error.value) == f"No saved session with id '{gone}'."


def test_unknown_session_id_is_named_in_the_error(store, bank):
    state, replies = start(Setup(), bank.get("q1"))
    for call in (lambda: store.load("abc123"), lambda: store.scores("abc123"),
                 lambda: store.record_turn("abc123", state, "skip", replies)):
        with pytest.raises(StorageError) as error:
            call()
        assert str(error.value) == "No saved session with id 'abc123'."
    assert store.list_sessions() == []


def test_database_under_a_file_names_the_url_and_the_file(tmp_path):
    (tmp_path / "file").write_text("not a folder")
    url = f"sqlite:///{tmp_path / 'file' / 'x.sqlite3'}"
    with pytest.raises(StorageError) as error:
        SessionStore(url)
    assert str(error.value) == f"Cannot open the sessions database at {url}: File exists: {tmp_path / 'file'}."


def test_database_in_an_unwritable_place_names_the_url():
    with pytest.raises(StorageError) as error:
        SessionStore("sqlite:////proc/nope/x.sqlite3")
    assert str(error.value).startswith("Cannot open the sessions database at sqlite:////proc/nope/x.sqlite3: ")
    assert str(error.value).endswith(": /proc/nope.")


def test_database_errors_never_show_the_password():
    with pytest.raises(StorageError) as error:
        SessionStore("postgresql://coach:s3cret@127.0.0.1:1/sessions")
    message = str(error.value)
    assert message.startswith("Cannot open the sessions database at postgresql://coach:***@127.0.0.1:1/sessions: ")
    assert "s3cret" not in message


def test_invalid_url_is_reported_without_echoing_it():
    with pytest.raises(StorageError) as error:
        SessionStore("not a url at all")
    assert str(error.value) == "The sessions database URL is not a valid SQLAlchemy URL."


def test_open_store_puts_sqlite_in_the_data_folder(tmp_path, bank):
    store = open_store(Settings(data_dir=tmp_path / "data"))
    state, replies = start(Setup(), bank.get("q1"))
    session_id = store.create(state, provenance(bank), replies)
    store.close()

    assert (tmp_path / "data" / "sessions.sqlite3").is_file()
    url = f"sqlite:///{tmp_path / 'data' / 'sessions.sqlite3'}"
    reopened = open_store(Settings.from_env({"BOT_DATABASE_URL": url, "BOT_DATA_DIR": str(tmp_path / "elsewhere")}))
    assert reopened.load(session_id).state == state
    reopened.close()
