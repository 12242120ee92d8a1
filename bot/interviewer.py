"""The interviewer's voice: how each reply of the pure interview is said, plainly or by a chat model.

The interview decides *what* happens (bot/interview.py). This module only words it: the plain
voice says the reply as it is; the LLM voice streams a follow-up in its own words, feedback built
on the grading, and a closing summary, and falls back to the plain words if the model fails.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from langchain_core.language_models import BaseChatModel

from bot.bank import Question
from bot.interview import Reply
from bot.prompts import Prompts
from bot.providers import LLMError, Usage, messages_for, stream_text
from bot.scoring import Score, quote
from bot.tokens import count_message_tokens, count_tokens, tail_to_tokens

REPLY_TOKENS = 400  # kept free in the budget for the interviewer's words


@dataclass(frozen=True)
class Context:
    """What the interviewer knows when it speaks: the question, the answers so far, the last score."""

    level: str
    mode: str
    question: Question | None = None
    answers: tuple[str, ...] = ()
    score: Score | None = None


class PlainInterviewer:
    """Says every reply exactly as the interview wrote it."""

    engine = "offline"
    streams = False  # replies arrive whole, so the page can show a turn in one update

    def __init__(self):
        self.tokens_used = 0
        self.failures: list[str] = []

    def speak(self, reply: Reply, context: Context) -> Iterator[str]:
        """The reply's words, as one piece."""
        yield reply.text

    def summarize(self, results: str, level: str) -> Iterator[str]:
        """Nothing: the plain report already says everything."""
        return iter(())


class LLMInterviewer(PlainInterviewer):
    """Words follow-ups, feedback and the closing summary with a chat model, streaming."""

    engine = "llm"
    streams = True

    def __init__(self, chat: BaseChatModel, prompts: Prompts, token_budget: int = 6000):
        super().__init__()
        self.chat = chat
        self.prompts = prompts
        self.token_budget = token_budget

    def speak(self, reply: Reply, context: Context) -> Iterator[str]:
        """The reply in the model's words, piece by piece; the plain words if the model fails."""
        if reply.kind == "follow_up" and context.question:
            answer = "\n".join(context.answers)
            user = self._fit("follow_up.user", "answer", answer, question=context.question.question, follow_up=reply.text)
            yield from self._stream(context, user, fallback=reply.text)
        elif reply.kind == "feedback" and context.question and context.score:
            score = context.score
            yield f"Score {score.score}/100 ({score.band}).\n"
            criteria = "\n".join(
                f"- {c.point_id} ({c.credit}): {c.point}" + (f' Evidence: "{c.evidence}"' if c.evidence else "")
                for c in score.criteria
            )
            user = self.prompts.render(
                "feedback.user", question=context.question.question, score=score.score, band=score.band,
                level=score.level, criteria=criteria, reference_excerpt=quote(context.question.reference_answer, 600),
            )
            yield from self._stream(context, user, fallback=score.feedback)
            if score.notes:  # hints, cuts and fallbacks are facts about the grade, not the model's to word
                yield "\n" + "\n".join(f"Note: {note}" for note in score.notes)
        else:
            yield reply.text

    def summarize(self, results: str, level: str) -> Iterator[str]:
        """A closing summary of the results in the model's words; nothing if the model fails."""
        user = self._fit("report.user", "results", results, level=level)
        yield from self._stream(Context(level=level, mode="interview"), user, fallback="")

    def _stream(self, context: Context, user: str, fallback: str) -> Iterator[str]:
        system = self.prompts.render("interviewer.system", level=context.level, mode=context.mode)
        usage: list[Usage] = []
        said: list[str] = []
        try:
            for piece in stream_text(self.chat, messages_for(system, user), usage):
                said.append(piece)
                yield piece
        except LLMError as error:
            self.failures.append(str(error))
            if fallback:
                yield ("\n" if said else "") + fallback
        finally:
            counted = sum(u.total for u in usage)
            self.tokens_used += counted or count_message_tokens([system, user]) + count_tokens("".join(said))

    def _fit(self, name: str, long_field: str, long_text: str, **values) -> str:
        """The prompt with its one long field cut so the request stays inside the token budget."""
        system = self.prompts.render("interviewer.system", level="staff", mode="interview")
        limit = self.token_budget - REPLY_TOKENS
        whole = self.prompts.render(name, **{long_field: long_text}, **values)
        if count_message_tokens([system, whole]) <= limit or count_tokens(long_text) <= 100:
            return whole
        room = max(100, limit - count_message_tokens([system, self.prompts.render(name, **{long_field: ""}, **values)]))
        # Keep the end of a long conversation: the latest answer matters most for a follow-up.
        while True:
            user = self.prompts.render(name, **{long_field: "…" + tail_to_tokens(long_text, room)}, **values)
            # Tokens do not add up across the seams (the ellipsis, the newlines around the field): cut by the excess.
            over = count_message_tokens([system, user]) - limit
            if over <= 0 or room == 100:
                return user
            room = max(100, room - over)

