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
