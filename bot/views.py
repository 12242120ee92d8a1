"""What the page shows, as Markdown built from scores and sessions: pure, so it is tested without a browser."""

from __future__ import annotations

from datetime import datetime

from bot.interview import Interview
from bot.scoring import Score, quote
from bot.storage import Turn

# Symbols every system font has (emoji are missing on many Linux desktops and in headless browsers).
CREDIT_MARKS = {"full": "✓", "partial": "◐", "none": "✗", "not_assessed": "—"}
CREDIT_WORDS = {"full": "covered", "partial": "partly covered", "none": "missed", "not_assessed": "not touched"}


def feedback_markdown(score: Score, question_text: str = "") -> str:
    """The score of one answer with every rubric point: hit or missed, and the quoted evidence."""
    lines = []
    if question_text:
        lines.append(f"**{quote(question_text, 140)}**\n")
    lines.append(f"### {score.score}/100 · {score.band} · reads as {score.level}")
    lines.append("")
    for criterion in score.criteria:
        mark = CREDIT_MARKS[criterion.credit]
        lines.append(f"- {mark} **{criterion.point_id}** ({CREDIT_WORDS[criterion.credit]}, weight {criterion.weight:g}): "
                     f"{quote(criterion.point, 220)}")
        if criterion.evidence:
            lines.append(f"  > “{criterion.evidence}”")
    for flag in score.red_flags:
        lines.append(f"- ⚠ **Red flag:** the answer seems to claim that {flag[:1].lower() + flag[1:]}")
    for note in score.notes:
        lines.append(f"- *{note}*")
    engine = score.engine if not score.model else f"{score.engine} ({score.model})"
    lines.append(f"\n<small>graded by: {engine}</small>")
    return "\n".join(lines)


def progress_markdown(state: Interview, started: datetime, now: datetime) -> str:
    """Where the session is: question k of n, and the time since it started."""
    seconds = max(0, int((now - started).total_seconds()))
    elapsed = f"{seconds // 60} min {seconds % 60:02d} s"
    if state.finished:
        return f"**Finished** · {len(state.records)} questions · {elapsed}"
    follow = " · follow-up" if state.awaiting_follow_up else ""
    return f"**Question {len(state.records)} of {state.setup.questions}**{follow} · {elapsed} elapsed"


def chat_from_turns(turns: tuple[Turn, ...]) -> list[dict]:
    """A saved transcript as chat messages; answers saved but never graded are shown as answers too."""
    return [
        {"role": "user" if turn.role == "candidate" else "assistant", "content": turn.text}
        for turn in turns
        if turn.text.strip()
    ]
