"""A practice session end to end: the pure interview, a grader, the interviewer's voice and storage.

This is the I/O shell around bot/interview.py that the command line and the page share. Every
answer is saved before it is graded and the whole turn right after, so nothing is lost.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.bank import Bank
from bot.drill import due_questions, pick_drill_question
from bot.errors import BotError
from bot.index import QuestionIndex
from bot.interview import Grader, Interview, Reply, Setup, respond, start
from bot.interviewer import Context, PlainInterviewer
from bot.offline_grader import OfflineGrader
from bot.selection import choose_question
from bot.settings import Settings
from bot.storage import Provenance, SessionStore


DRILL_THEME_CANDIDATES = 12  # a theme's nearest questions that past weak answers can bring back


class SessionError(BotError):
    """A session cannot start or go on (no question fits, or it has ended)."""


@dataclass
class Turn:
    """What one step of a session produced: the new state and the interviewer's replies to say."""

    session_id: str
    state: Interview
    replies: list[Reply]
    contexts: list[Context] = field(default_factory=list)


class Coach:
    """Runs practice sessions: chooses questions, grades, words replies, saves every turn."""

    def __init__(
        self, bank: Bank, index: QuestionIndex, grader: Grader, interviewer: PlainInterviewer,
        store: SessionStore, provenance: Provenance, rng: random.Random | None = None,
    ):
        self.bank = bank
        self.index = index
        self.grader = grader
        self.interviewer = interviewer
        self.store = store
        self.provenance = provenance
        self.rng = rng or random.Random()
        # Preparing a question for grading (embedding its rubric) runs while the candidate reads it.
        self._warmer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="prepare-question")
        self._warming: dict[str, Future] = {}  # question id -> its preparation; sessions share the coach

    def start(self, setup: Setup) -> Turn:
        """A new saved session with its first question."""
        first = self._choose(Interview(setup=setup))
        if first is None:
            raise SessionError("No question in the bank fits this setup; choose another topic or level.")
        state, replies = start(setup, first)
        session_id = self.store.create(state, self.provenance, replies)
        return self._turn(session_id, Interview(setup=setup), state, replies)

    def answer(self, session_id: str, state: Interview, text: str) -> Turn:
        """The session after the candidate says `text` (an answer or a command), saved."""
        if state.current is None:
            raise SessionError("This session has ended; start a new one.")
        self.store.save_pending_answer(session_id, text)
        return self._grade(session_id, state, text)

    def _grade(self, session_id: str, state: Interview, text: str) -> Turn:
        """The session after grading an answer already saved as pending, the whole turn saved."""
        self.wait_until_prepared(state.current.question_id)
        before = self._tokens()
        new_state, replies = respond(state, text, self.bank.get, self.grader, self._choose)
        self.store.record_turn(session_id, new_state, text, replies, tokens_used=self._tokens() - before)
        return self._turn(session_id, state, new_state, replies)

    def resume(self, session_id: str) -> Turn:
        """The saved session where it stopped: grades an answer the app died grading, else repeats where it was."""
        saved = self.store.load(session_id)
        if saved.pending_answer is not None and saved.state.current is not None:
            return self._grade(session_id, saved.state, saved.pending_answer)  # saved once already, not again
        state = saved.state
        if state.current is not None:
            self.prepare(state.current.question_id)
        if state.current is None:
            return Turn(session_id, state, [Reply("finished", "This session has ended. Here is its report.")])
        current = state.current
        prompt = current.follow_ups[-1] if state.awaiting_follow_up else self.bank.get(current.question_id).question
        number = len(state.records)
        reply = Reply("repeat", f"Resuming question {number} of {state.setup.questions}: {prompt}")
        return Turn(session_id, state, [reply], [self._context(state, state)])

    @property
    def streams(self) -> bool:
        """Whether replies arrive piece by piece (an LLM wording them) rather than whole."""
        return self.interviewer.streams

    def speak(self, turn: Turn) -> Iterator[tuple[Reply, str]]:
        """Each reply's words, piece by piece, as the interviewer says them."""
        before = self.interviewer.tokens_used
        for reply, context in zip(turn.replies, turn.contexts or [None] * len(turn.replies)):
            for piece in self.interviewer.speak(reply, context or Context(turn.state.setup.level, turn.state.setup.mode)):
                yield reply, piece
        self._count_tokens(turn.session_id, before)

    def summarize(self, session_id: str, results: str, level: str) -> Iterator[str]:
        """The interviewer's closing summary of the results, piece by piece (nothing offline)."""
        before = self.interviewer.tokens_used
        yield from self.interviewer.summarize(results, level)
        self._count_tokens(session_id, before)

    def _count_tokens(self, session_id: str, before: int) -> None:
        spent = self.interviewer.tokens_used - before
        if spent:
            self.store.add_tokens(session_id, spent)

    def prepare(self, question_id: str) -> None:
        """Start preparing a question for grading in the background, if the grader can."""
        prepare = getattr(self.grader, "prepare", None)
        if prepare is not None and question_id not in self._warming:
            self._warming[question_id] = self._warmer.submit(prepare, self.bank.get(question_id))

    def wait_until_prepared(self, question_id: str | None = None) -> None:
        """Block until this question (or every question being prepared) is ready; errors surface when graded."""
        for qid in [question_id] if question_id else list(self._warming):
            future = self._warming.pop(qid, None)
            if future is not None:
                future.exception()

    def _turn(self, session_id: str, before: Interview, after: Interview, replies: list[Reply]) -> Turn:
        if after.current is not None and (before.current is None or before.current.question_id != after.current.question_id):
            self.prepare(after.current.question_id)
        return Turn(session_id, after, replies, [self._context(before, after)] * len(replies))

    def _context(self, before: Interview, after: Interview) -> Context:
        # The question the replies speak about is the one being answered before this turn.
        record = before.current or (after.records[-1] if after.records else None)
        answered = next((r for r in after.records if record and r.question_id == record.question_id), None)
        return Context(
            level=after.setup.level, mode=after.setup.mode,
            question=self.bank.get(record.question_id) if record else None,
            answers=answered.answers if answered else (),
            score=answered.score if answered else None,
        )

    def _choose(self, state: Interview):
        if state.setup.review_due:
            due = self._due_question(state)
            if due is not None:
                return due
        return choose_question(state, self.bank, self.index, self.rng)

    def _due_question(self, state: Interview):
        """The drill's weakest question due for review, among the topic's or the theme's nearest."""
        setup = state.setup
        if setup.theme:
            candidates = {hit.id for hit in self.index.search(setup.theme, k=DRILL_THEME_CANDIDATES)}
        else:
            candidates = {q.id for q in self.bank if not setup.topics or q.topic in setup.topics}
        due = due_questions(self.store.question_history(), datetime.now(UTC), candidates)
        chosen = pick_drill_question(due, state.asked_ids)
        return self.bank.get(chosen) if chosen else None

    def _tokens(self) -> int:
        return getattr(self.grader, "tokens_used", 0) + self.interviewer.tokens_used


def open_grader(settings: Settings, offline: OfflineGrader, chat=None, prompts=None) -> Grader:
    """The configured grader: the offline one, or the LLM judge falling back to it."""
    if settings.engine != "llm":
        return offline
    from bot.llm_grader import LLMGrader
    from bot.prompts import load_prompts
    from bot.providers import chat_model

    return LLMGrader(chat or chat_model(settings), settings.model, prompts or load_prompts(), offline,
                     settings.token_budget)


def open_coach(
    settings: Settings, bank: Bank, index: QuestionIndex, grader: OfflineGrader, store: SessionStore, chat=None,
    rng: random.Random | None = None,
) -> Coach:
    """A coach on the configured engine: offline, or the LLM with the offline grader as its fallback."""
    if settings.engine != "llm":
        provenance = Provenance(bank_version=bank.version, engine="offline")
        return Coach(bank, index, grader, PlainInterviewer(), store, provenance, rng)
    from bot.interviewer import LLMInterviewer
    from bot.prompts import load_prompts
    from bot.providers import chat_model

    chat = chat or chat_model(settings)
    prompts = load_prompts()
    provenance = Provenance(bank.version, "llm", settings.model, prompts.version)
    judge = open_grader(settings, grader, chat, prompts)
    voice = LLMInterviewer(chat, prompts, settings.token_budget)
    return Coach(bank, index, judge, voice, store, provenance, rng)
