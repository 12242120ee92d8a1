"""The recruiters' commands: `screen` makes a screening set and writes its exports, and `grade` on a
file of candidates' answers (CSV, or JSONL with --candidates) scores and ranks them."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.bank import load_bank
from bot.errors import BotError
from bot.settings import Settings


def add_screen_command(commands) -> None:
    """`python -m bot screen ...`: a screening set and its exports."""
    from bot.bank import LEVELS, QUESTION_TYPES

    screen = commands.add_parser(
        "screen", help="make a screening set for a role and write the interviewer kit and candidate sheet"
    )
    screen.add_argument("--role", required=True, help="the role, e.g. 'Senior ML Engineer'; names the files")
    screen.add_argument("--level", choices=LEVELS, default="mid")
    screen.add_argument("--topic", action="append", default=[], metavar="TOPIC[=WEIGHT]",
                        help="a topic to draw from, with an optional weight (repeatable; none: every topic)")
    screen.add_argument("--jd", type=Path, metavar="FILE", help="a job description: questions nearest its requirements")
    screen.add_argument("--questions", type=int, help="how many questions (default 8 when no --minutes)")
    screen.add_argument("--minutes", type=int, help="a time budget: the questions' expected minutes fit in it")
    screen.add_argument("--mix", default="1=0.25,2=0.5,3=0.25", metavar="D=SHARE,...",
                        help="difficulty mix (default 1=0.25,2=0.5,3=0.25)")
    screen.add_argument("--type", action="append", default=[], choices=QUESTION_TYPES, help="only these types")
    screen.add_argument("--include", action="append", default=[], metavar="ID", help="always ask this question")
    screen.add_argument("--exclude", action="append", default=[], metavar="ID", help="never ask this question")
    screen.add_argument("--seed", type=int, default=0, help="same inputs and seed, same set (default 0)")
    screen.add_argument("--date", type=_day, help="the kit's date, YYYY-MM-DD (default today)")
    screen.add_argument("--out", type=Path, default=Path("."), help="folder for the eight export files")
    screen.set_defaults(run=screen_set)


def screen_set(args: argparse.Namespace, settings: Settings) -> int:
    """Build the set, print it, and write the kit and sheet as Markdown, PDF, CSV and JSON."""
    import datetime

    from bot.embeddings import load_embedder
    from bot.index import question_vectors
    from bot.kit import build_kit
    from bot.kit_export import write_exports
    from bot.screening import ScreenRequest, build_screening_set
    from bot.screening_request import parse_topic_weights

    bank = list(load_bank(*settings.bank_dirs))
    job = ""
    if args.jd:
        try:
            job = args.jd.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            raise BotError(f"Cannot read the job description {args.jd} as UTF-8 text.") from None
    request = ScreenRequest(
        role=args.role, level=args.level, topic_weights=parse_topic_weights(args.topic), job_description=job,
        count=args.questions, minutes=args.minutes, difficulty_mix=_mix(args.mix), types=tuple(args.type),
        include=tuple(args.include), exclude=tuple(args.exclude), seed=args.seed,
    )
    embedder = load_embedder()
    chosen = build_screening_set(request, bank, question_vectors(bank, embedder), embedder)
    day = args.date or datetime.date.today()
    kit = build_kit(args.role, day, args.level, [(pick.question, pick.requirement) for pick in chosen.picks])
    paths = write_exports(args.out, kit)
    print(set_text(chosen))
    print(f"\nwrote {len(paths)} files to {args.out}:")
    for path in paths.values():
        print(f"  {path.name}")
    return 0


def set_text(chosen) -> str:
    """The set as a plain-text table, its total time, and any notes."""
    rows = [("#", "question", "topic", "diff", "min", "covers")]
    rows += [(str(n), pick.question.id, pick.question.topic, str(pick.question.difficulty),
              str(pick.question.minutes), _short(pick.requirement or ""))
             for n, pick in enumerate(chosen.picks, start=1)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.append(f"{len(chosen.picks)} questions, {chosen.total_minutes} minutes")
    lines += [f"note: {note}" for note in chosen.notes]
    return "\n".join(lines)


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _mix(text: str) -> dict[int, float]:
    mix = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        difficulty, _, share = part.partition("=")
        try:
            mix[int(difficulty)] = float(share)
        except ValueError:
            raise BotError(f"--mix {text!r}: write it like 1=0.25,2=0.5,3=0.25.") from None
    return mix


def _day(text: str):
    import datetime

    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-25") from None


def ranks_candidates(path: Path, args: argparse.Namespace) -> bool:
    """True when `grade` should score and rank candidates: a CSV upload, or --candidates (or a set or
    report asked for) with JSONL; plain JSONL keeps the line-by-line output."""
    return path.suffix.lower() == ".csv" or bool(args.candidates or args.set or args.report)


def set_question_ids(path: Path) -> list[str]:
    """The question ids of an interviewer kit or candidate sheet written as JSON by `screen`."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        items = data["items"]
        ids = [item.get("question_id") or item["id"] for item in items]
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise BotError(f"{path} is not a kit or candidate sheet JSON written by `python -m bot screen`.") from None
    return [str(question_id) for question_id in ids]


def grade_candidates(args: argparse.Namespace, settings: Settings, text: str, offline_parts) -> int:
    """Score every candidate's answers, print the ranked report, and write the reports when asked."""
    from tqdm import tqdm

    from bot.candidate_report import report_csv, report_markdown, summary_csv
    from bot.candidates import answers_format, score_candidates
    from bot.coach import open_grader

    source = Path(args.input)
    fmt = answers_format(source.name)
    bank = load_bank(*settings.bank_dirs)
    question_ids = set_question_ids(args.set) if args.set else None
    _, offline = offline_parts(settings, bank)
    grader = open_grader(settings, offline)
    with tqdm(total=0, desc="Grading", unit="answer", file=sys.stderr) as bar:
        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        result = score_candidates(text, fmt, bank, grader, question_ids, progress=progress)
    report = report_markdown(result, f"Screening scores: {source.stem}")
    sys.stdout.write(report)
    if args.report:
        args.report.mkdir(parents=True, exist_ok=True)
        files = {f"{source.stem}-scores.csv": report_csv(result), f"{source.stem}-summary.csv": summary_csv(result),
                 f"{source.stem}-report.md": report}
        for name, content in files.items():
            (args.report / name).write_text(content, encoding="utf-8")
        print(f"wrote {', '.join(files)} to {args.report}", file=sys.stderr)
    scored = sum(1 for r in result.results)
    print(f"scored {scored} answers from {len(result.summaries)} candidates; {len(result.problems)} rows not scored",
          file=sys.stderr)
    return 0 if scored or not result.problems else 1
