"""The interview as immutable state and transitions: no I/O. Graders and question choice come in."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Literal, Protocol

from bot.bank import Question
from bot.index import SearchFilters
from bot.scoring import Criterion, Score, band_for, level_for

Mode = Literal["coach", "interview"]
Command = Literal["hint", "repeat", "skip", "dont_know", "end"]
Outcome = Literal["answered", "skipped", "dont_know", "ended"]
ReplyKind = Literal["question", "follow_up", "hint", "repeat", "feedback", "notice", "finished"]

START_DIFFICULTY = {"junior": 1, "mid": 2, "senior": 2, "staff": 3}
STRONG_SCORE, WEAK_SCORE = 75, 40  # difficulty moves up after the first, down after the second

_COMMANDS: dict[str, Command] = {
    "hint": "hint", "give me a hint": "hint",
    "repeat": "repeat", "repeat the question": "repeat", "again": "repeat",
    "skip": "skip", "next": "skip", "pass": "skip",
    "i don't know": "dont_know", "i dont know": "dont_know", "idk": "dont_know", "don't know": "dont_know",
    "dont know": "dont_know", "no idea": "dont_know",
    "end": "end", "stop": "end", "quit": "end", "end interview": "end",
}


class Grader(Protocol):
    def score(self, question: Question, answer: str, notes: tuple[str, ...] = ()) -> Score: ...


@dataclass(frozen=True)
class Setup:
    """What the candidate chose before starting."""

    level: str = "mid"
    topics: tuple[str, ...] = ()
    theme: str = ""
    questions: int = 5
    mode: Mode = "coach"
    max_follow_ups: int = 2
    review_due: bool = False  # a drill: questions answered weakly before come back when they are due


@dataclass(frozen=True)
class QuestionRecord:
    """One question of the session: what was asked and answered, and how it ended."""

    question_id: str
    topic: str
    type: str
    difficulty: int
    answers: tuple[str, ...] = ()
    follow_ups: tuple[str, ...] = ()
    hints: tuple[str, ...] = ()  # ids of the rubric points hinted at
    outcome: Outcome | None = None
    score: Score | None = None


@dataclass(frozen=True)
class Reply:
    """What the interviewer says next."""

    kind: ReplyKind
    text: str


@dataclass(frozen=True)
class Interview:
    """The whole session state. Every transition returns a new Interview."""

    setup: Setup
    records: tuple[QuestionRecord, ...] = ()
    finished: bool = False

    @property
    def current(self) -> QuestionRecord | None:
        """The question being answered, if any."""
        if self.records and self.records[-1].outcome is None and not self.finished:
            return self.records[-1]
        return None

    @property
    def asked_ids(self) -> tuple[str, ...]:
        return tuple(record.question_id for record in self.records)

    @property
    def awaiting_follow_up(self) -> bool:
        current = self.current
        return bool(current and current.follow_ups and len(current.answers) == len(current.follow_ups))


def parse_command(text: str) -> Command | None:
    """The candidate's command, when the whole answer is one; None for an ordinary answer."""
    normalized = re.sub(r"[\s.!?]+$", "", " ".join(text.lower().replace("’", "'").split()))
    return _COMMANDS.get(normalized)


def start(setup: Setup, first: Question) -> tuple[Interview, list[Reply]]:
    """A new session asking its first question."""
    state = Interview(setup=setup)
    return _ask(state, first)


def respond(
    state: Interview,
    text: str,
    questions: Callable[[str], Question],
    grader: Grader,
    choose_next: Callable[[Interview], Question | None],
) -> tuple[Interview, list[Reply]]:
    """The state and the interviewer's replies after the candidate says `text`."""
    current = state.current
    if current is None:
        return state, [Reply("notice", "This interview has ended. Start a new one to keep practising.")]
    question = questions(current.question_id)
    if not text.strip():
        return state, [Reply("notice", "I did not get an answer. Type your answer, or skip, hint or end.")]
    command = parse_command(text)
    if command == "repeat":
        prompt = current.follow_ups[-1] if state.awaiting_follow_up else question.question
        return state, [Reply("repeat", prompt)]
    if command == "hint":
        return _hint(state, question, grader)
    if command == "end":
        return _finish_question(state, question, grader, "ended", choose_next, ending=True)
    if command in ("skip", "dont_know"):
        return _finish_question(state, question, grader, "skipped" if command == "skip" else "dont_know", choose_next)

    state = _update_current(state, answers=current.answers + (text,))
    current = state.current
    score = grader.score(question, "\n".join(current.answers), notes=_hint_notes(current))
    follow_up = pick_follow_up(question, score.criteria, current.follow_ups)
    if follow_up and len(current.follow_ups) < state.setup.max_follow_ups:
        state = _update_current(state, follow_ups=current.follow_ups + (follow_up,))
        return state, [Reply("follow_up", follow_up)]
    return _finish_question(state, question, grader, "answered", choose_next, score=score)


def feedback_message(score: Score) -> str:
    """What the candidate is told about a graded answer: the score, the per-point feedback, the notes."""
    lines = [f"Score {score.score}/100 ({score.band}).", score.feedback] + [f"Note: {note}" for note in score.notes]
    return "\n".join(line for line in lines if line)


def pick_follow_up(question: Question, criteria: list[Criterion], asked: tuple[str, ...]) -> str | None:
    """The follow-up aimed at the heaviest point still missed, never at a point already covered."""
    covered = {c.point_id for c in criteria if c.credit == "full"}
    weights = {p.id: p.weight for p in question.rubric}
    best, best_weight = None, 0.0
    for follow_up in question.follow_ups:
        if follow_up.question in asked or covered & set(follow_up.targets):
            continue
        weight = max(weights[target] for target in follow_up.targets)
        if weight > best_weight:
            best, best_weight = follow_up.question, weight
    return best


def next_filters(state: Interview, topic: str | None) -> SearchFilters:
    """What to ask next: the level, a difficulty moved by the last score, nothing asked before."""
    return SearchFilters(
        topic=topic, level=state.setup.level, difficulty=next_difficulty(state), exclude=state.asked_ids
    )


def next_topic(state: Interview) -> str | None:
    """The chosen topics in turn, or None for any topic."""
    topics = state.setup.topics
    return topics[len(state.records) % len(topics)] if topics else None


def next_difficulty(state: Interview) -> int:
    """The level's starting difficulty, one up after a strong answer and one down after a weak one."""
    difficulty = START_DIFFICULTY.get(state.setup.level, 2)
    for record in state.records:
        if record.outcome is None:
            continue
        score = record.score.score if record.score else 0
        if score >= STRONG_SCORE:
            difficulty = min(3, record.difficulty + 1)
        elif score <= WEAK_SCORE:
            difficulty = max(1, record.difficulty - 1)
        else:
            difficulty = record.difficulty
    return difficulty


def recent_types(state: Interview, how_many: int = 2) -> tuple[str, ...]:
    """Types of the last questions asked, so the next one can differ."""
    return tuple(record.type for record in state.records[-how_many:])


# -- transitions -----------------------------------------------------------------------------


def _ask(state: Interview, question: Question) -> tuple[Interview, list[Reply]]:
    record = QuestionRecord(question.id, question.topic, question.type, question.difficulty)
    state = replace(state, records=state.records + (record,))
    number = len(state.records)
    return state, [Reply("question", f"Question {number} of {state.setup.questions}: {question.question}")]


def _update_current(state: Interview, **changes) -> Interview:
    return replace(state, records=state.records[:-1] + (replace(state.records[-1], **changes),))


def _hint_notes(record: QuestionRecord) -> tuple[str, ...]:
    if not record.hints:
        return ()
    return (f"{len(record.hints)} hint(s) used, toward: {', '.join(record.hints)}.",)


def _hint(state: Interview, question: Question, grader: Grader) -> tuple[Interview, list[Reply]]:
    current = state.current
    covered: set[str] = set()
    if current.answers:
        score = grader.score(question, "\n".join(current.answers))
        covered = {c.point_id for c in score.criteria if c.credit == "full"}
    missed = [p for p in question.rubric if p.id not in covered and p.id not in current.hints]
    if not missed:
        return state, [Reply("hint", "You have touched every point I would look for; round off your answer.")]
    point = max(missed, key=lambda p: p.weight)
    # A follow-up already asked would only repeat itself: then the opening words of the point nudge instead.
    aimed = [f.question for f in question.follow_ups if point.id in f.targets and f.question not in current.follow_ups]
    nudge = aimed[0] if aimed else f"Think about this: {_opening(point.point)}"
    state = _update_current(state, hints=current.hints + (point.id,))
    return state, [Reply("hint", f"Hint: {nudge} (A hint is noted in the score.)")]


def _opening(text: str, words: int = 7) -> str:
    """The first words of a rubric point, enough to point the way without giving the answer."""
    parts = text.rstrip(".").split()
    return " ".join(parts[:words]) + ("…" if len(parts) > words else ".")


def _finish_question(
    state: Interview,
    question: Question,
    grader: Grader,
    outcome: Outcome,
    choose_next: Callable[[Interview], Question | None],
    score: Score | None = None,
    ending: bool = False,
) -> tuple[Interview, list[Reply]]:
    current = state.current
    if score is None:
        if outcome in ("skipped", "dont_know") or not current.answers:
            score = _zero_score(question, outcome)
        else:
            score = grader.score(question, "\n".join(current.answers), notes=_hint_notes(current))
    state = _update_current(state, outcome=outcome, score=score)
    replies: list[Reply] = []
    if state.setup.mode == "coach" and outcome != "ended":
        replies.append(Reply("feedback", feedback_message(score)))
    done = ending or len(state.records) >= state.setup.questions
    following = None if done else choose_next(state)
    if following is None:
        state = replace(state, finished=True)
        return state, replies + [Reply("finished", "That is the end of the interview. Here is your report.")]
    state, asked = _ask(state, following)
    return state, replies + asked


def _zero_score(question: Question, outcome: Outcome) -> Score:
    criteria = [
        Criterion(point_id=p.id, point=p.point, weight=p.weight, credit="not_assessed") for p in question.rubric
    ]
    note = {"skipped": "Skipped.", "dont_know": "The candidate said they did not know."}.get(outcome, "Not answered.")
    return Score(
        question_id=question.id, score=0, band=band_for(0), level=level_for(0, question.levels),
        criteria=criteria, notes=[note], engine="none",
    )

