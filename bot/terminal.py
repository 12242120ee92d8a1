"""A practice session in the terminal: answers read from a stream, the interviewer's words printed as they come."""

from __future__ import annotations

from typing import TextIO

from bot.coach import Coach, Turn
from bot.interview import Setup
from bot.report import build_report, report_text

END_OF_ANSWER = "."
INSTRUCTIONS = (
    "Type your answer over as many lines as you like and finish it with a line holding only '.'.\n"
    "Commands, typed as an answer: hint, repeat, skip, I don't know, end."
)
SPEAKERS = {"feedback": "Feedback", "notice": "Note"}  # every other reply is the interviewer speaking


def read_answer(stream: TextIO) -> str | None:
    """The next answer: every line up to one holding only '.', or to the end of input; None at the end."""
    lines: list[str] = []
    while True:
        line = stream.readline()
        if not line:
            return "\n".join(lines) if lines else None
        line = line.rstrip("\r\n")
        if line.strip() == END_OF_ANSWER:
            return "\n".join(lines)
        lines.append(line)


def run_practice(coach: Coach, setup: Setup | None, resume: str | None, stdin: TextIO, stdout: TextIO) -> int:
    """Run or resume a session until it ends or input runs out, then print the report; returns 0."""
    turn = coach.resume(resume) if resume else coach.start(setup)
    state = turn.state
    engine = coach.provenance.engine + (f" ({coach.provenance.model})" if coach.provenance.model else "")
    print(f"Session {turn.session_id}, {state.setup.level} level, {state.setup.mode} mode, grading: {engine}.", file=stdout)
    if stdin.isatty():
        print(INSTRUCTIONS, file=stdout)
    _say(coach, turn, stdout)
    while not turn.state.finished:
        text = read_answer(stdin)
        if text is None:
            print(f"\nInput ended. The session is saved; resume it with: python -m bot practice --resume {turn.session_id}",
                  file=stdout)
            break
        turn = coach.answer(turn.session_id, turn.state, text)
        _say(coach, turn, stdout)
    report = report_text(build_report(turn.state, coach.bank.get), turn.session_id)
    print("\n" + report, file=stdout)
    summary = coach.summarize(turn.session_id, report, turn.state.setup.level)
    first = next(summary, None)
    if first is not None:
        print("\nSummary", file=stdout)
        stdout.write(first)
        for piece in summary:
            stdout.write(piece)
            stdout.flush()
        print(file=stdout)
    return 0


def _say(coach: Coach, turn: Turn, stdout: TextIO) -> None:
    current = None
    for reply, piece in coach.speak(turn):
        if reply is not current:
            if current is not None:
                stdout.write("\n")
            stdout.write(f"\n{SPEAKERS.get(reply.kind, 'Interviewer')}: ")
            current = reply
        stdout.write(piece)
        stdout.flush()
    stdout.write("\n")
    stdout.flush()
