"""Spaced review for topic drills: when each question scored before is due again. Pure, no I/O.

The rules, Leitner boxes built from a question's past scores in every session:
- A score below 60 (WEAK_BELOW: under the "solid" band) is weak; 60 or more is strong. A skip or
  "I don't know" is stored as 0, so it is weak too.
- The box is the number of strong scores in a row since the question's last weak score, at most 4.
  A weak score puts the question back in box 0; each strong score moves it up one box.
- The box sets the wait after the last score: 0, 1, 3, 7, 21 days for boxes 0 to 4. A weak
  question is due again at once, so it comes back next session (a session never repeats a
  question); one answered well waits longer each time it is answered well again.
- A question is due when now >= its last score's time + the wait of its box.
- A question never scored is new: it has no review and is never due; the ordinary question choice
  brings it in.
- Due questions come weakest first: lowest box, then lowest last score, then longest overdue
  (earliest due_at), then id.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.storage import PastScore

WEAK_BELOW = 60
WAITS = (timedelta(0), timedelta(days=1), timedelta(days=3), timedelta(days=7), timedelta(days=21))
TOP_BOX = len(WAITS) - 1


@dataclass(frozen=True)
class Review:
    """Where one question stands: its box, its last score and when it is due again."""

    question_id: str
    box: int
    last_score: int
    last_seen: datetime
    due_at: datetime
    due: bool


def schedule(history: Iterable[PastScore], now: datetime) -> dict[str, Review]:
    """A review for each question scored at least once, keyed by question id."""
    boxes: dict[str, int] = {}
    last: dict[str, PastScore] = {}
    # Sorted here, so the boxes follow time whatever order the history comes in.
    for past in sorted(history, key=lambda p: p.created_at):
        strong = past.score >= WEAK_BELOW
        boxes[past.question_id] = min(boxes.get(past.question_id, 0) + 1, TOP_BOX) if strong else 0
        last[past.question_id] = past
    reviews = {}
    for question_id, past in last.items():
        box = boxes[question_id]
        due_at = past.created_at + WAITS[box]
        reviews[question_id] = Review(question_id, box, past.score, past.created_at, due_at, now >= due_at)
    return reviews


def due_questions(history: Iterable[PastScore], now: datetime, candidates: Collection[str]) -> list[str]:
    """Ids of the candidate questions due for review now, weakest first."""
    due = [r for r in schedule(history, now).values() if r.due and r.question_id in candidates]
    due.sort(key=lambda r: (r.box, r.last_score, r.due_at, r.question_id))
    return [r.question_id for r in due]


def pick_drill_question(due_ids: Sequence[str], asked_ids: Collection[str]) -> str | None:
    """The first due question not asked yet in this session, or None when every one was."""
    return next((question_id for question_id in due_ids if question_id not in asked_ids), None)
