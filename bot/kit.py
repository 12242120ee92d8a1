"""An interviewer kit's content: the questions of a screening set, numbered, with the requirement each
covers, plus the fixed texts every export shares (scoring rule, hire scale, candidate instructions)."""

from __future__ import annotations

import datetime
import re
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bot.bank import LEVELS, Question
from bot.errors import BotError

RED_FLAG_PENALTY = 10  # points off per red flag, as in scoring.weighted_score
CREDITS = ("full", "partial", "none")
SCORE_RULE = (
    "For each rubric point tick one credit: full earns the point's whole share of the score, partial "
    f"half of it, none nothing. Subtract {RED_FLAG_PENALTY} for each red flag the candidate states. "
    "The question's score is the total, from 0 to 100."
)
RECOMMENDATIONS: tuple[tuple[str, str], ...] = (
    ("Strong no hire", "Serious gaps on core questions or several red flags; I would argue against an offer."),
    ("No hire", "Below the bar for this level on most questions."),
    ("Lean no hire", "Close to the bar, but the gaps outweigh the strengths."),
    ("Lean hire", "At the bar on most questions, with gaps that are coachable."),
    ("Hire", "Solidly at the bar for this level across the set."),
    ("Strong hire", "Above the bar, with answers that read as the next level up; I would champion an offer."),
)
INSTRUCTIONS = (
    "Answer each question in writing, in your own words. The minutes beside each question are a guide "
    "to how long to spend on it; the whole sheet takes about {minutes} minutes. Explain your reasoning "
    "and the trade-offs you would weigh: partial answers earn partial credit, so write down what you "
    "know even when you are unsure. For coding questions, write working code and say how you would test it."
)
# A paragraph is code when a line is indented or it opens like a statement, a comment or SQL.
_CODE_START = re.compile(
    r"^(import |from \S+ import |def |class |async def |@\w|#|--|SELECT\b|WITH\b|INSERT\b|CREATE\b|"
    r"UPDATE\b|DELETE\b|for |while |if |return |\w+ = )"
)
_FENCE = re.compile(r"^\s*```")


class KitError(BotError):
    """A kit could not be built from the given role, date, level or questions."""


@dataclass(frozen=True)
class KitItem:
    """One question of the kit, its 1-based number, and the job requirement it covers, if any."""

    number: int
    question: Question
    covers: str | None = None

    def share(self, point_id: str) -> float:
        """The rubric point's share of the question's score, in percent."""
        point = next(p for p in self.question.rubric if p.id == point_id)
        return 100 * point.weight / self.question.total_weight

    def follow_ups_for(self, point_id: str) -> list[str]:
        """The follow-up questions that probe this rubric point."""
        return [f.question for f in self.question.follow_ups if point_id in f.targets]


@dataclass(frozen=True)
class Kit:
    """A screening set ready to export: role, date, level and the numbered questions."""

    role: str
    date: datetime.date
    level: str
    items: tuple[KitItem, ...]

    @property
    def total_minutes(self) -> int:
        """The sum of the questions' expected minutes."""
        return sum(item.question.minutes for item in self.items)

    @property
    def instructions(self) -> str:
        """The candidate sheet's instructions."""
        return INSTRUCTIONS.format(minutes=self.total_minutes)


def kit_facts(kit: Kit) -> list[tuple[str, str]]:
    """The header lines of every export: role, level, date, number of questions, total time."""
    return [("Role", kit.role), ("Level", kit.level), ("Date", kit.date.isoformat()),
            ("Questions", str(len(kit.items))), ("Total time", minutes_text(kit.total_minutes))]


def minutes_text(minutes: int) -> str:
    """E.g. '1 minute', '12 minutes'."""
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def share_text(share: float) -> str:
    """A share of the score, e.g. '27.3%'."""
    return f"{round(share, 1):g}%"


@dataclass(frozen=True)
class Block:
    """A paragraph of a question or reference answer: prose, or code whose lines must be kept."""

    text: str
    code: bool = False


def build_kit(
    role: str, date: datetime.date, level: str, questions: Sequence[Question | tuple[Question, str | None]]
) -> Kit:
    """The kit for these questions in order; each is a Question or a (Question, covers) pair."""
    if not isinstance(role, str) or not role.strip():
        raise KitError("The role must not be empty.")
    if not isinstance(date, datetime.date):
        raise KitError(f"The date must be a datetime.date, got {date!r}.")
    if isinstance(date, datetime.datetime):
        date = date.date()
    if level not in LEVELS:
        raise KitError(f"Unknown level {level!r}: choose one of {', '.join(LEVELS)}.")
    if not questions:
        raise KitError("A kit needs at least one question.")
    items: list[KitItem] = []
    seen: dict[str, int] = {}
    for number, entry in enumerate(questions, start=1):
        question, covers = entry if isinstance(entry, tuple) and len(entry) == 2 else (entry, None)
        if not isinstance(question, Question):
            raise KitError(f"Item {number} is not a bank question: got {type(question).__name__}.")
        if covers is not None and not isinstance(covers, str):
            raise KitError(f"Item {number} ({question.id}): 'covers' must be text, got {type(covers).__name__}.")
        if question.id in seen:
            raise KitError(f"Question {question.id!r} appears twice in the set (items {seen[question.id]} and {number}).")
        seen[question.id] = number
        items.append(KitItem(number, question, " ".join(covers.split()) if covers and covers.strip() else None))
    return Kit(" ".join(role.split()), date, level, tuple(items))


def text_blocks(text: str) -> list[Block]:
    """The text's paragraphs in order, code kept apart: Markdown fences when the text has them,
    otherwise paragraphs that are indented or open like code; adjacent code paragraphs are merged."""
    if any(_FENCE.match(line) for line in text.splitlines()):
        blocks = _fenced_blocks(text)
    else:
        blocks = [Block(p, _looks_like_code(p)) for p in _paragraphs(text)]
    return _merge_code(blocks)


def _paragraphs(text: str) -> list[str]:
    return [p.strip("\n") for p in re.split(r"\n[ \t]*\n", text.strip("\n")) if p.strip()]


def _looks_like_code(paragraph: str) -> bool:
    lines = paragraph.splitlines()
    return any(line[:1].isspace() for line in lines) or bool(_CODE_START.match(lines[0]))


def _fenced_blocks(text: str) -> list[Block]:
    blocks: list[Block] = []
    chunk: list[str] = []
    in_code = False
    for line in text.splitlines() + ["```"]:  # the sentinel closes whatever is open
        if not _FENCE.match(line):
            chunk.append(line)
            continue
        body = "\n".join(chunk)
        if in_code and body.strip():
            blocks.append(Block(body.strip("\n"), code=True))
        elif not in_code:
            blocks += [Block(p) for p in _paragraphs(body)]
        chunk, in_code = [], not in_code
    return blocks


def _merge_code(blocks: Iterable[Block]) -> list[Block]:
    merged: list[Block] = []
    for block in blocks:
        if block.code:
            block = Block(textwrap.dedent(block.text), code=True)
            if merged and merged[-1].code:
                block = Block(merged.pop().text + "\n\n" + block.text, code=True)
        merged.append(block)
    return merged

