"""The LLM judge: the rubric and answer to a chat model, its JSON validated into a Score.

Any failure (timeout, HTTP error, malformed JSON, a reply that grades no rubric point) falls back
to the offline grader for that answer and says so in the score's notes.
"""

from __future__ import annotations

import re
from typing import Literal, Protocol

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel

from bot.bank import Question
from bot.offline_grader import drop_grader_directed
from bot.prompts import Prompts
from bot.providers import LLMError, ask_structured, messages_for
from bot.scoring import Criterion, Score, band_for, feedback_text, level_for, quote, weighted_score
from bot.tokens import count_message_tokens, cut_to_tokens

LLM_ENGINE = "llm"
REPLY_TOKENS = 1200  # kept free in the budget for the model's JSON reply
LOWER = {"full": "partial", "partial": "none"}  # a credit whose evidence is not in the answer drops a step


class PointGrade(BaseModel):
    point_id: str
    credit: Literal["full", "partial", "none", "not_assessed"]
    evidence: str


class GradeReply(BaseModel):
    """The JSON the model must return (no defaults, so it also works as a strict schema)."""

    points: list[PointGrade]
    red_flags: list[int]
    comment: str


class Fallback(Protocol):
    """What the LLM grader falls back to: anything with the offline grader's `score`."""

    def score(self, question: Question, answer: str, notes: tuple[str, ...] = ()) -> Score: ...


class LLMGrader:
    """Grades with a chat model against the question's rubric; the offline grader catches failures."""

    engine = LLM_ENGINE

    def __init__(self, chat: BaseChatModel, model: str, prompts: Prompts, fallback: Fallback, token_budget: int = 6000):
        self.chat = chat
        self.model = model
        self.prompts = prompts
        self.fallback = fallback
        self.token_budget = token_budget
        self.tokens_used = 0

    def score(self, question: Question, answer: str, notes: tuple[str, ...] = ()) -> Score:
        """The answer's score from the model, or from the offline grader (with a note) if the model fails."""
        kept, dropped = drop_grader_directed(answer)
        if not kept.strip():
            return self.fallback.score(question, answer, notes)  # nothing to send: the offline gate explains why
        notes = list(notes) + (["Text addressed to the grader was ignored."] if dropped else [])
        sent: list[str] = []
        try:
            system, user, cut = self._messages(question, kept)
            if cut:
                notes.append("The answer was cut to fit the model's token budget.")
            sent = [system, user]
            reply, usage = ask_structured(self.chat, messages_for(system, user), GradeReply)
            sent = []
            self.tokens_used += usage.total or count_message_tokens([system, user, reply.model_dump_json()])
            return self._score(question, kept, reply, notes)
        except LLMError as error:
            if sent:  # the request went out; count what it carried, as the server may have
                self.tokens_used += count_message_tokens(sent)
            fallback = self.fallback.score(question, answer, tuple(notes))
            note = f"The LLM grader failed ({error}); this score comes from the offline grader."
            return fallback.model_copy(update={"notes": fallback.notes + [note]})

    def prepare(self, question: Question) -> None:
        """Get the fallback grader ready for this question, so a failed call falls back quickly."""
        prepare = getattr(self.fallback, "prepare", None)
        if prepare is not None:
            prepare(question)

    def score_many(self, items: list[tuple[Question, str]]) -> list[Score]:
        """Scores for many (question, answer) pairs, one model call each."""
        return [self.score(question, answer) for question, answer in items]

    def _messages(self, question: Question, answer: str) -> tuple[str, str, bool]:
        system = self.prompts.render("score_answer.system")
        values = dict(
            level="/".join(question.levels), topic=question.topic, question=question.question,
            rubric=rubric_lines(question), red_flags=numbered(question.red_flags),
            level_signals="\n".join(f"- {level}: {text}" for level, text in question.level_signals.items()) or "(none)",
            reference_answer=question.reference_answer,
        )
        frame = count_message_tokens([system, self.prompts.render("score_answer.user", answer="", **values)])
        room = self.token_budget - REPLY_TOKENS - frame
        if room < 50:
            raise LLMError(f"the token budget of {self.token_budget} is too small for this question's rubric")
        fitted = cut_to_tokens(answer, room)
        return system, self.prompts.render("score_answer.user", answer=fitted, **values), fitted != answer

    def _score(self, question: Question, answer: str, reply: GradeReply, notes: list[str]) -> Score:
        graded = {p.point_id: p for p in reply.points}
        if not set(graded) & {point.id for point in question.rubric}:
            raise LLMError("the model's reply graded none of the rubric's points")
        criteria = []
        for point in question.rubric:
            grade = graded.get(point.id)
            credit, evidence = (grade.credit, grade.evidence.strip()) if grade else ("not_assessed", "")
            if grade is None:
                notes.append(f"The model did not grade {point.id}; it counts as not assessed.")
            if credit in ("full", "partial") and not quoted_from(evidence, answer):
                notes.append(f"The evidence for {point.id} is not in the answer, so it was dropped and the credit lowered.")
                credit, evidence = LOWER[credit], ""
            if credit not in ("full", "partial"):
                evidence = ""
            criteria.append(
                Criterion(point_id=point.id, point=point.point, weight=point.weight, credit=credit, evidence=quote(evidence))
            )
        flags = [question.red_flags[n - 1] for n in sorted(set(reply.red_flags)) if 1 <= n <= len(question.red_flags)]
        score = weighted_score(criteria, len(flags))
        feedback = feedback_text(criteria, [point.point for point in question.rubric], flags)
        comment = " ".join(reply.comment.split())
        return Score(
            question_id=question.id, score=score, band=band_for(score), level=level_for(score, question.levels),
            criteria=criteria, red_flags=flags, feedback=f"{comment}\n{feedback}".strip(), notes=notes,
            engine=LLM_ENGINE, model=self.model, prompt_version=self.prompts.version,
        )


def rubric_lines(question: Question) -> str:
    """The rubric as lines of id, weight and the full-credit description."""
    return "\n".join(f"- {point.id} (weight {point.weight:g}): {point.point}" for point in question.rubric)


def numbered(items: tuple[str, ...] | list[str]) -> str:
    """Items as a numbered list, or "(none)"."""
    return "\n".join(f"{n}. {item}" for n, item in enumerate(items, 1)) or "(none)"


def quoted_from(evidence: str, answer: str) -> bool:
    """True when every piece of the quote (split at ellipses) appears in the answer, ignoring case and spacing."""
    pieces = [_plain(piece) for piece in re.split(r"\.\.\.|…", evidence)]
    pieces = [piece for piece in pieces if piece]
    plain_answer = _plain(answer)
    return bool(pieces) and all(piece in plain_answer for piece in pieces)


def _plain(text: str) -> str:
    text = text.lower().replace("’", "'").replace("“", '"').replace("”", '"')
    return " ".join(re.sub(r"[^\w'%.+-]+", " ", text).split()).strip(" .")
