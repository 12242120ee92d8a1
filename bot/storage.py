"""Sessions, turns and scores on disk (SQLite by default, any SQLAlchemy URL through BOT_DATABASE_URL)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

from sqlalchemy import (
    Boolean, Column, DateTime, ForeignKey, Integer, MetaData, String, Table, Text, create_engine, delete, event,
    func, insert, select, update,
)
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.types import TypeDecorator

from bot.errors import BotError
from bot.interview import Interview, QuestionRecord, Reply, Setup
from bot.scoring import Score
from bot.settings import Settings


class StorageError(BotError):
    """The sessions database cannot be opened or does not hold what was asked for."""


class _UtcDateTime(TypeDecorator):
    """A timezone-aware UTC datetime; SQLite keeps no zone, so it is put back on reading."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class Provenance:
    """Where a session's questions and scores come from, recorded once per session."""

    bank_version: str
    engine: str
    model: str = ""
    prompt_version: str = ""


def _provenance_columns() -> list[Column]:
    return [Column(field.name, String(128), nullable=False) for field in fields(Provenance)]


metadata = MetaData()

session_table = Table(
    "sessions", metadata,
    Column("id", String(32), primary_key=True),
    Column("created_at", _UtcDateTime, nullable=False),
    Column("updated_at", _UtcDateTime, nullable=False, index=True),
    Column("finished", Boolean, nullable=False),
    Column("level", String(32), nullable=False),
    Column("mode", String(32), nullable=False),
    Column("topics", Text, nullable=False),
    Column("theme", Text, nullable=False),
    Column("planned", Integer, nullable=False),
    *_provenance_columns(),
    Column("tokens_used", Integer, nullable=False),
    Column("state", Text, nullable=False),
)

turn_table = Table(
    "turns", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(32), ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("seq", Integer, nullable=False),
    Column("role", String(16), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("question_id", String(128)),
    Column("text", Text, nullable=False),
    Column("created_at", _UtcDateTime, nullable=False),
)

score_table = Table(
    "scores", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", String(32), ForeignKey("sessions.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("question_id", String(128), nullable=False),
    Column("question_number", Integer, nullable=False),
    Column("score", Integer, nullable=False),
    Column("band", String(32), nullable=False),
    Column("level", String(32), nullable=False),
    *_provenance_columns(),
    Column("payload", Text, nullable=False),
    Column("created_at", _UtcDateTime, nullable=False),
)


@dataclass(frozen=True)
class Turn:
    """One message of a session, as it was said."""

    seq: int
    role: str  # "candidate" or "interviewer"
    kind: str  # the reply kind, or "answer" for the candidate
    question_id: str | None
    text: str
    created_at: datetime


@dataclass(frozen=True)
class StoredSession:
    """A saved session: the interview as of its last recorded turn, and every turn so far."""

    id: str
    state: Interview
    provenance: Provenance
    created_at: datetime
    updated_at: datetime
    tokens_used: int
    turns: tuple[Turn, ...]

    @property
    def pending_answer(self) -> str | None:
        """An answer saved but never graded (the app stopped while grading it), if any."""
        return self.turns[-1].text if self.turns and self.turns[-1].kind == "pending" else None


@dataclass(frozen=True)
class StoredScore:
    """One finished question's score with what produced it."""

    question_number: int
    question_id: str
    score: Score
    bank_version: str
    engine: str
    model: str
    prompt_version: str
    created_at: datetime


@dataclass(frozen=True)
class PastScore:
    """One stored score of a question, from any session."""

    question_id: str
    score: int
    created_at: datetime


@dataclass(frozen=True)
class SessionSummary:
    """One line of the session list."""

    id: str
    created_at: datetime
    updated_at: datetime
    finished: bool
    level: str
    mode: str
    topics: tuple[str, ...]
    theme: str
    planned: int
    answered: int
    mean_score: float | None
    engine: str


def state_to_json(state: Interview) -> str:
    """The interview as JSON text."""
    records = []
    for record in state.records:
        data = {field.name: getattr(record, field.name) for field in fields(record)}
        data["score"] = record.score.model_dump(mode="json") if record.score else None
        records.append(data)
    return json.dumps({"setup": asdict(state.setup), "records": records, "finished": state.finished})


def state_from_json(text: str) -> Interview:
    """The interview that state_to_json wrote."""
    data = json.loads(text)
    setup = Setup(**{**data["setup"], "topics": tuple(data["setup"]["topics"])})
    records = tuple(
        QuestionRecord(**{
            **record,
            "answers": tuple(record["answers"]),
            "follow_ups": tuple(record["follow_ups"]),
            "hints": tuple(record["hints"]),
            "score": Score.model_validate(record["score"]) if record["score"] else None,
        })
        for record in data["records"]
    )
    return Interview(setup=setup, records=records, finished=data["finished"])


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SessionStore:
    """Sessions in one SQLAlchemy database; every method is one transaction."""

    def __init__(self, url: str, clock: Callable[[], datetime] = _utc_now):
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise StorageError("The sessions database URL is not a valid SQLAlchemy URL.") from None
        self.url = parsed.render_as_string(hide_password=True)
        self.clock = clock
        try:
            self.engine = create_engine(parsed, **_engine_options(parsed))
            if parsed.get_backend_name() == "sqlite":
                event.listen(self.engine, "connect", _sqlite_pragmas)
            metadata.create_all(self.engine)
        except (SQLAlchemyError, OSError, ImportError) as error:
            raise StorageError(f"Cannot open the sessions database at {self.url}: {_reason(error)}.") from None

    def create(self, state: Interview, provenance: Provenance, replies: list[Reply]) -> str:
        """The id of a new session holding this state and the interviewer's opening replies."""
        session_id = uuid4().hex[:12]
        now = self.clock()
        setup = state.setup
        with self._begin() as connection:
            connection.execute(insert(session_table).values(
                id=session_id, created_at=now, updated_at=now, finished=state.finished, level=setup.level,
                mode=setup.mode, topics=json.dumps(list(setup.topics)), theme=setup.theme, planned=setup.questions,
                tokens_used=0, state=state_to_json(state), **asdict(provenance),
            ))
            _append_turns(connection, session_id, _reply_turns(replies, None, _current_id(state)), now)
            _append_scores(connection, session_id, state, provenance, now)
        return session_id

    def record_turn(
        self, session_id: str, state: Interview, answer: str, replies: list[Reply], tokens_used: int = 0
    ) -> None:
        """Save the candidate's answer as typed, the replies, new scores and the state: all of it or none."""
        now = self.clock()
        with self._begin() as connection:
            row = self._session_row(connection, session_id)
            asked = _current_id(state_from_json(row.state))
            pending = _pending_turn(connection, session_id)
            if pending is not None and pending.text == answer:
                connection.execute(update(turn_table).where(turn_table.c.id == pending.id).values(kind="answer"))
                turns = []
            else:
                turns = [("candidate", "answer", asked, answer)]
            _append_turns(connection, session_id, turns + _reply_turns(replies, asked, _current_id(state)), now)
            _append_scores(connection, session_id, state, _provenance(row), now)
            connection.execute(update(session_table).where(session_table.c.id == session_id).values(
                state=state_to_json(state), finished=state.finished, updated_at=now,
                tokens_used=session_table.c.tokens_used + tokens_used,
            ))

    def save_pending_answer(self, session_id: str, answer: str) -> None:
        """Keep the candidate's answer before it is graded, so a crash while grading cannot lose it."""
        now = self.clock()
        with self._begin() as connection:
            row = self._session_row(connection, session_id)
            asked = _current_id(state_from_json(row.state))
            _append_turns(connection, session_id, [("candidate", "pending", asked, answer)], now)

    def add_tokens(self, session_id: str, tokens: int) -> None:
        """Count tokens spent outside a turn (the interviewer's words, the closing summary)."""
        with self._begin() as connection:
            self._session_row(connection, session_id)
            connection.execute(update(session_table).where(session_table.c.id == session_id).values(
                tokens_used=session_table.c.tokens_used + tokens))

    def load_state(self, session_id: str) -> Interview:
        """The interview as of its last recorded turn, without its transcript."""
        with self._begin() as connection:
            return state_from_json(self._session_row(connection, session_id).state)

    def load(self, session_id: str) -> StoredSession:
        """The session as of its last recorded turn, with its turns in order."""
        with self._begin() as connection:
            row = self._session_row(connection, session_id)
            turn_rows = connection.execute(
                select(turn_table).where(turn_table.c.session_id == session_id).order_by(turn_table.c.seq)
            ).all()
        turns = tuple(Turn(t.seq, t.role, t.kind, t.question_id, t.text, t.created_at) for t in turn_rows)
        return StoredSession(
            id=row.id, state=state_from_json(row.state), provenance=_provenance(row), created_at=row.created_at,
            updated_at=row.updated_at, tokens_used=row.tokens_used, turns=turns,
        )

    def scores(self, session_id: str) -> list[StoredScore]:
        """The session's scores in question order."""
        with self._begin() as connection:
            self._session_row(connection, session_id)
            rows = connection.execute(
                select(score_table).where(score_table.c.session_id == session_id)
                .order_by(score_table.c.question_number)
            ).all()
        return [
            StoredScore(
                question_number=row.question_number, question_id=row.question_id,
                score=Score.model_validate_json(row.payload), bank_version=row.bank_version, engine=row.engine,
                model=row.model, prompt_version=row.prompt_version, created_at=row.created_at,
            )
            for row in rows
        ]

    def question_history(self) -> list[PastScore]:
        """Every stored score across all sessions, oldest first."""
        # Scores hold no topic; the caller keeps the questions of the topic it drills from the bank.
        query = select(score_table.c.question_id, score_table.c.score, score_table.c.created_at).order_by(
            score_table.c.created_at, score_table.c.id
        )
        with self._begin() as connection:
            rows = connection.execute(query).all()
        return [PastScore(row.question_id, row.score, row.created_at) for row in rows]

    def list_sessions(self, limit: int = 50, unfinished_only: bool = False) -> list[SessionSummary]:
        """Summaries of the sessions, most recently updated first."""
        # Every finished question has exactly one score row, so they give both the count and the mean.
        totals = select(
            score_table.c.session_id, func.count().label("answered"), func.avg(score_table.c.score).label("mean")
        ).group_by(score_table.c.session_id).subquery()
        query = (
            select(session_table, totals.c.answered, totals.c.mean)
            .outerjoin(totals, totals.c.session_id == session_table.c.id)
            .order_by(session_table.c.updated_at.desc(), session_table.c.id)
            .limit(limit)
        )
        if unfinished_only:
            query = query.where(session_table.c.finished.is_(False))
        with self._begin() as connection:
            rows = connection.execute(query).all()
        return [
            SessionSummary(
                id=row.id, created_at=row.created_at, updated_at=row.updated_at, finished=row.finished,
                level=row.level, mode=row.mode, topics=tuple(json.loads(row.topics)), theme=row.theme,
                planned=row.planned, answered=row.answered or 0,
                mean_score=float(row.mean) if row.mean is not None else None, engine=row.engine,
            )
            for row in rows
        ]

    def delete(self, session_id: str) -> None:
        """Remove the session with its turns and scores."""
        with self._begin() as connection:
            # Explicit, because SQLite only cascades when the connection turned foreign keys on.
            connection.execute(delete(turn_table).where(turn_table.c.session_id == session_id))
            connection.execute(delete(score_table).where(score_table.c.session_id == session_id))
            removed = connection.execute(delete(session_table).where(session_table.c.id == session_id)).rowcount
            if not removed:
                raise StorageError(f"No saved session with id {session_id!r}.")

    def close(self) -> None:
        """Close the database connections."""
        self.engine.dispose()

    @contextmanager
    def _begin(self) -> Iterator[Connection]:
        try:
            with self.engine.begin() as connection:
                yield connection
        except SQLAlchemyError as error:
            raise StorageError(f"The sessions database at {self.url} failed: {_reason(error)}.") from None

    def _session_row(self, connection: Connection, session_id: str):
        row = connection.execute(select(session_table).where(session_table.c.id == session_id)).one_or_none()
        if row is None:
            raise StorageError(f"No saved session with id {session_id!r}.")
        return row


def open_store(settings: Settings) -> SessionStore:
    """The session store at the settings' database URL."""
    return SessionStore(settings.database)


def _engine_options(url: URL) -> dict:
    if url.get_backend_name() != "sqlite":
        return {}
    if url.database and url.database != ":memory:" and not url.database.startswith("file:"):
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    # Gradio calls from worker threads; the pool hands each thread its own connection in turn.
    return {"connect_args": {"check_same_thread": False}}


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the list page read while a turn is written; foreign keys are off in SQLite unless asked.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _reply_turns(replies: list[Reply], asked: str | None, current: str | None) -> list[tuple]:
    # Feedback belongs to the question just answered; a new question and what follows it, to the new one.
    turns, question_id = [], asked
    for reply in replies:
        question_id = current if reply.kind == "question" else question_id
        turns.append(("interviewer", reply.kind, question_id, reply.text))
    return turns


def _pending_turn(connection: Connection, session_id: str):
    last = connection.execute(
        select(turn_table).where(turn_table.c.session_id == session_id).order_by(turn_table.c.seq.desc()).limit(1)
    ).one_or_none()
    return last if last is not None and last.kind == "pending" else None


def _append_turns(connection: Connection, session_id: str, turns: list[tuple], now: datetime) -> None:
    last = connection.execute(
        select(func.coalesce(func.max(turn_table.c.seq), 0)).where(turn_table.c.session_id == session_id)
    ).scalar_one()
    rows = [
        dict(session_id=session_id, seq=last + n, role=role, kind=kind, question_id=question_id, text=text,
             created_at=now)
        for n, (role, kind, question_id, text) in enumerate(turns, start=1)
    ]
    if rows:
        connection.execute(insert(turn_table), rows)


def _append_scores(
    connection: Connection, session_id: str, state: Interview, provenance: Provenance, now: datetime
) -> None:
    # A question is scored once, when it ends; later turns find its row already there.
    stored = set(connection.execute(
        select(score_table.c.question_number).where(score_table.c.session_id == session_id)
    ).scalars())
    rows = [
        dict(
            session_id=session_id, question_id=record.question_id, question_number=number,
            score=record.score.score, band=record.score.band, level=record.score.level,
            engine=record.score.engine, model=record.score.model or _session_default(record.score, provenance, "model"),
            prompt_version=record.score.prompt_version or _session_default(record.score, provenance, "prompt_version"),
            bank_version=provenance.bank_version, payload=record.score.model_dump_json(), created_at=now,
        )
        for number, record in enumerate(state.records, start=1)
        if record.score is not None and number not in stored
    ]
    if rows:
        connection.execute(insert(score_table), rows)


def _session_default(score: Score, provenance: Provenance, name: str) -> str:
    # An offline fallback inside an LLM session must not be credited to the session's model.
    return getattr(provenance, name) if score.engine == provenance.engine else ""


def _current_id(state: Interview) -> str | None:
    return state.current.question_id if state.current else None


def _provenance(row) -> Provenance:
    return Provenance(row.bank_version, row.engine, row.model, row.prompt_version)


def _reason(error: BaseException) -> str:
    if isinstance(error, OSError) and error.strerror:
        return f"{error.strerror}: {error.filename}" if error.filename else error.strerror
    cause = getattr(error, "orig", None) or error
    return str(cause).splitlines()[0].rstrip(".")
