"""What the page shows, as Markdown built from scores and sessions: pure, so it is tested without a browser."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.bank import TOPIC_LABELS, Question
from bot.interview import Interview
from bot.scoring import Score, quote
from bot.storage import PastScore, SessionSummary, Turn

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


def progress_html(state: Interview, started: datetime, now: datetime) -> str:
    """Where the session is: question k of n, and the time since it started. While the session runs,
    the time is a clock the page's script keeps counting from the seconds given here."""
    seconds = max(0, int((now - started).total_seconds()))
    elapsed = f"{seconds // 60} min {seconds % 60:02d} s"
    if state.finished:
        return f'<div class="coach-progress"><strong>Finished</strong> · {len(state.records)} questions · {elapsed}</div>'
    follow = " · follow-up" if state.awaiting_follow_up else ""
    clock = f'<span class="coach-clock" data-elapsed="{seconds}">{elapsed}</span>'
    return (f'<div class="coach-progress"><strong>Question {len(state.records)} of {state.setup.questions}</strong>'
            f"{follow} · {clock} elapsed</div>")


def chat_from_turns(turns: tuple[Turn, ...]) -> list[dict]:
    """A saved transcript as chat messages; answers saved but never graded are shown as answers too."""
    return [
        {"role": "user" if turn.role == "candidate" else "assistant", "content": turn.text}
        for turn in turns
        if turn.text.strip()
    ]


HISTORY_HEADERS = ["Last active (UTC)", "Mode", "Level", "Topics or theme", "Answered", "Mean", "Status", "Grading",
                   "Session"]
NO_HISTORY = "No sessions yet: start a mock interview."


def history_rows(summaries: Iterable[SessionSummary]) -> list[list]:
    """One table row per session, most recently active first; the mean is None when nothing was scored."""
    newest_first = sorted(summaries, key=lambda s: s.updated_at, reverse=True)  # stable: keeps the store's tie order
    return [
        [f"{s.updated_at:%Y-%m-%d %H:%M}", s.mode, s.level, session_about(s.topics, s.theme),
         f"{s.answered}/{s.planned}", round(s.mean_score) if s.mean_score is not None else None,
         "finished" if s.finished else "unfinished", s.engine, s.id]
        for s in newest_first
    ]


def session_about(topics: Iterable[str], theme: str) -> str:
    """What a session asked about: its theme in quotes, its topics' labels, or a mix."""
    if theme:
        return f"“{theme}”"
    labels = [TOPIC_LABELS.get(topic, topic) for topic in topics]
    return ", ".join(labels) or "a mix of topics"


def score_points(history: Iterable[PastScore], questions: Iterable[Question]) -> list[dict]:
    """One chart point per stored score, oldest first: its time, score and topic label."""
    # Scores hold no topic; a question gone from the bank has none to show, so its scores are left out.
    topics = {question.id: question.topic for question in questions}
    points = [
        {"time": past.created_at, "score": past.score, "topic": TOPIC_LABELS[topics[past.question_id]]}
        for past in history
        if past.question_id in topics
    ]
    return sorted(points, key=lambda point: point["time"])


def time_limits(points: list[dict], margin: float = 0.03, least: float = 3600.0) -> list[float] | None:
    """The chart's time axis in epoch seconds, widened on both sides so no point sits on the edge."""
    if not points:
        return None
    times = [point["time"].timestamp() for point in points]
    pad = max(least, margin * (max(times) - min(times)))
    return [min(times) - pad, max(times) + pad]


def screening_markdown(chosen) -> str:
    """A screening set as a table (question, topic, difficulty, minutes, and the requirement each
    covers when it came from a job description), its total time, and any notes."""
    from_job = any(pick.requirement for pick in chosen.picks)
    headers = ["#", "Question", "Topic", "Diff", "Min"] + (["Covers"] if from_job else [])
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for number, pick in enumerate(chosen.picks, start=1):
        question = pick.question
        text = question.question if len(question.question) <= 140 else question.question[:139].rstrip() + "…"
        cells = [str(number), f"{_cell(text)}<br>`{question.id}`", TOPIC_LABELS[question.topic],
                 str(question.difficulty), str(question.minutes)]
        if from_job:
            cells.append(_cell(pick.requirement or "(included)"))
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", f"**{len(chosen.picks)} questions, {chosen.total_minutes} minutes.**"]
    lines += [f"- {note}" for note in chosen.notes]
    return "\n".join(lines)


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")
