"""The command line: python -m bot ...; main(argv) returns the exit code."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.bank import LEVELS, QUESTION_TYPES, TOPICS, check_bank, display_path, load_bank
from bot.errors import BotError
from bot.settings import SHIPPED_BANK_DIR, Settings


def main(argv: Sequence[str] | None = None, environ: dict[str, str] | None = None) -> int:
    """Run one command and return its exit code: 0 success, 1 failure, 2 usage error."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "run", None):
        parser.print_help()
        return 2
    try:
        settings = Settings.from_env(os.environ if environ is None else environ)
        return args.run(args, settings)
    except BotError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="ML-engineer interview coach.")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")

    bank = commands.add_parser("bank", help="check, count and export the question bank")
    bank_commands = bank.add_subparsers(title="bank commands", metavar="COMMAND")
    validate = bank_commands.add_parser("validate", help="check bank files; exit 1 listing every problem")
    validate.add_argument("dir", nargs="?", type=Path, help="bank folder (default: the shipped bank and the user bank)")
    validate.set_defaults(run=_bank_validate)
    check = bank_commands.add_parser(
        "check", help="validate, then look for near-duplicates, uncovered rubric points and stray spellings"
    )
    check.add_argument("dirs", nargs="*", type=Path, help="bank folders (default: the configured bank)")
    check.add_argument("--topic", action="append", choices=TOPICS, help="check reference coverage only for these topics")
    check.set_defaults(run=_bank_check)
    bring = bank_commands.add_parser(
        "import", help="add your own questions from CSV, JSON, JSONL, YAML or Markdown to the user bank"
    )
    bring.add_argument("file", type=Path, help="e.g. question_bank/templates/questions.csv; the format follows the suffix")
    bring.set_defaults(run=_bank_import)
    stats = bank_commands.add_parser("stats", help="counts per topic, level, type and difficulty")
    shape = stats.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="print one JSON object")
    shape.add_argument("--markdown", action="store_true", help="print the coverage table in Markdown")
    stats.set_defaults(run=_bank_stats)
    export = bank_commands.add_parser("export", help="print the bank as JSONL, CSV or Markdown")
    export.add_argument("--format", choices=("jsonl", "csv", "md"), default="jsonl")
    export.add_argument("--topic", choices=TOPICS, help="only this topic")
    export.set_defaults(run=_bank_export)

    index = commands.add_parser("index", help="the vector index of the bank")
    index_commands = index.add_subparsers(title="index commands", metavar="COMMAND")
    build = index_commands.add_parser("build", help="build or update the index, re-embedding only what changed")
    build.set_defaults(run=_index_build)
    vectors = index_commands.add_parser(
        "vectors", help="write the shipped bank's vectors beside it, so a first start need not embed them"
    )
    vectors.set_defaults(run=_index_vectors)

    search = commands.add_parser("search", help="find questions by meaning")
    search.add_argument("text", help="what to look for, e.g. 'feature store point-in-time joins'")
    search.add_argument("--topic", choices=TOPICS)
    search.add_argument("--level", choices=LEVELS)
    search.add_argument("--type", choices=QUESTION_TYPES)
    search.add_argument("--difficulty", type=int, choices=(1, 2, 3))
    search.add_argument("-k", type=int, default=5, help="how many results (default 5)")
    search.add_argument("--json", action="store_true", help="print a JSON list")
    search.set_defaults(run=_search)

    grade = commands.add_parser(
        "grade", help="score answers in bulk: JSONL of answers, or candidates' answers (CSV or JSONL) to rank"
    )
    grade.add_argument("input", help="JSONL file, one answer per line ('-' for standard input); a CSV of "
                                     "candidate,question_id,answer ranks candidates")
    grade.add_argument("--candidates", action="store_true",
                       help="rank candidates from JSONL rows with candidate, question_id and answer")
    grade.add_argument("--output", type=Path, help="write results here instead of standard output")
    grade.add_argument("--set", type=Path, help="candidates: the screening set's kit or sheet JSON (from `screen`)")
    grade.add_argument("--report", type=Path, metavar="DIR",
                       help="candidates: also write <input>-scores.csv, -summary.csv and -report.md here")
    grade.set_defaults(run=_grade)

    from bot.cli_recruiter import add_screen_command

    add_screen_command(commands)

    practice = commands.add_parser(
        "practice", help="a mock interview in the terminal (answers end with a line holding only '.')"
    )
    practice.add_argument("--topic", action="append", choices=TOPICS, help="a topic to ask about (repeatable)")
    practice.add_argument("--theme", default="", help="free text to ask around, e.g. 'feature stores'")
    practice.add_argument("--level", choices=LEVELS, default="mid")
    practice.add_argument("--questions", type=int, default=5, help="how many questions (default 5)")
    practice.add_argument("--mode", choices=("coach", "interview"), default="coach",
                          help="coach: feedback after each question; interview: at the end")
    practice.add_argument("--resume", metavar="ID", help="go on with a saved session")
    practice.add_argument("--seed", type=int, help="fix the question choice, for repeatable runs")
    practice.set_defaults(run=_practice)

    sessions = commands.add_parser("sessions", help="list, show and delete saved practice sessions")
    session_commands = sessions.add_subparsers(title="sessions commands", metavar="COMMAND")
    listing = session_commands.add_parser("list", help="saved sessions, most recent first")
    listing.add_argument("--unfinished", action="store_true", help="only sessions that can be resumed")
    listing.add_argument("--json", action="store_true", help="print a JSON list")
    listing.set_defaults(run=_sessions_list)
    show = session_commands.add_parser("show", help="a session's report and transcript")
    show.add_argument("id")
    show.set_defaults(run=_sessions_show)
    remove = session_commands.add_parser("delete", help="delete a session with its turns and scores")
    remove.add_argument("id")
    remove.set_defaults(run=_sessions_delete)
    return parser


def _bank_validate(args: argparse.Namespace, settings: Settings) -> int:
    dirs = [args.dir] if args.dir else settings.bank_dirs
    bank, problems = check_bank(*dirs)
    return _report_problems(dirs, [str(p) for p in problems], f"{len(bank)} questions, version {bank.version}")


def _bank_check(args: argparse.Namespace, settings: Settings) -> int:
    from bot.bank_quality import check_content
    from bot.embeddings import load_embedder

    dirs = args.dirs or settings.bank_dirs
    bank, problems = check_bank(*dirs)
    lines = [str(problem) for problem in problems]
    if not problems:
        lines += check_content(list(bank), load_embedder(), args.topic).lines()
    return _report_problems(dirs, lines, f"{len(bank)} questions")


def _report_problems(dirs, lines: list[str], summary: str) -> int:
    """Print the folders' problems one per line and return 1, or their summary and return 0."""
    folders = ", ".join(display_path(d) for d in dirs)
    if lines:
        print(f"{folders}: {len(lines)} {'problem' if len(lines) == 1 else 'problems'}")
        for line in lines:
            print(f"  {line}")
        return 1
    print(f"{folders}: {summary}, no problems")
    return 0


def _bank_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.bank_import import import_questions

    imported = import_questions(args.file, settings.user_bank, settings.bank_dir)
    noun = "question" if imported.questions == 1 else "questions"
    action = "replaced" if imported.replaced else "wrote"
    print(f"Imported {imported.questions} {noun} from {display_path(args.file)}: {action} "
          f"{display_path(imported.path)}. The app and `index build` load it beside the shipped bank; "
          "importing the same file again replaces it.")
    return 0


def _bank_stats(args: argparse.Namespace, settings: Settings) -> int:
    from bot.catalog import bank_stats, format_stats

    stats = bank_stats(load_bank(*settings.bank_dirs))
    if args.json:
        import json

        print(json.dumps(stats, indent=2))
    elif args.markdown:
        from bot.catalog import stats_markdown

        print(stats_markdown(stats), end="")
    else:
        print(format_stats(stats))
    return 0


def _bank_export(args: argparse.Namespace, settings: Settings) -> int:
    from bot.catalog import export_bank

    bank = load_bank(*settings.bank_dirs)
    questions = [q for q in bank if args.topic is None or q.topic == args.topic]
    sys.stdout.write(export_bank(questions, args.format))
    return 0


def _index_vectors(args: argparse.Namespace, settings: Settings) -> int:
    import time

    from bot.embeddings import load_embedder
    from bot.index import vector_entries
    from bot.vector_cache import SHIPPED_VECTORS, write_vectors

    started = time.perf_counter()
    bank = load_bank(SHIPPED_BANK_DIR)
    count = write_vectors(SHIPPED_VECTORS, vector_entries(list(bank), load_embedder()))
    print(f"Wrote {count} vectors for {len(bank)} questions to {display_path(SHIPPED_VECTORS)} "
          f"in {time.perf_counter() - started:.1f} s.")
    return 0


def _index_build(args: argparse.Namespace, settings: Settings) -> int:
    from bot.embeddings import load_embedder
    from bot.index import open_index

    bank = load_bank(*settings.bank_dirs)
    index = open_index(settings, load_embedder())
    result = index.sync(bank, progress=True)
    print(
        f"index: {result.total} questions ({result.added} added, {result.updated} updated, "
        f"{result.deleted} deleted, {result.unchanged} unchanged) in {result.seconds:.2f} s"
    )
    return 0


def _search(args: argparse.Namespace, settings: Settings) -> int:
    from bot.embeddings import load_embedder
    from bot.index import SearchFilters, open_index

    if args.k < 1:
        raise BotError("-k must be at least 1.")
    if not args.text.strip():
        raise BotError("Give some text to search for, e.g. 'feature store point-in-time joins'.")
    bank = load_bank(*settings.bank_dirs)
    index = open_index(settings, load_embedder())
    index.sync(bank, progress=True)
    filters = SearchFilters(topic=args.topic, level=args.level, type=args.type, difficulty=args.difficulty)
    hits = index.search(args.text, k=args.k, filters=filters)
    if args.json:
        import json

        rows = []
        for hit in hits:
            question = bank.get(hit.id)
            rows.append(
                {
                    "id": hit.id,
                    "topic": question.topic,
                    "question": question.question,
                    "similarity": round(hit.similarity, 4),
                    "levels": list(question.levels),
                    "type": question.type,
                    "difficulty": question.difficulty,
                }
            )
        print(json.dumps(rows, indent=2))
        return 0
    if not hits:
        print("No questions match those filters.")
    for hit in hits:
        question = bank.get(hit.id)
        print(f"{hit.similarity:.3f}  {hit.id}  [{question.topic}, {question.type}, d{question.difficulty}]")
        print(f"       {question.question}")
    return 0


def _offline_parts(settings: Settings, bank):
    """The synced index and the offline grader over it."""
    from bot.embeddings import load_embedder
    from bot.index import open_index
    from bot.offline_grader import OfflineGrader

    embedder = load_embedder()
    index = open_index(settings, embedder)
    index.sync(bank, progress=True)
    return index, OfflineGrader(embedder, index.reference_vectors())


def _grade(args: argparse.Namespace, settings: Settings) -> int:
    import json
    import time

    from tqdm import tqdm

    from bot.bulk import grade_lines
    from bot.coach import open_grader

    if args.input == "-":
        lines = sys.stdin.readlines()
    else:
        path = Path(args.input)
        if not path.is_file():
            raise BotError(f"There is no file {path} to grade.")
        text = path.read_text(encoding="utf-8")
        lines = text.splitlines()
        from bot.cli_recruiter import grade_candidates, ranks_candidates

        if ranks_candidates(path, args):
            return grade_candidates(args, settings, text, _offline_parts)
    bank = load_bank(*settings.bank_dirs)
    _, offline = _offline_parts(settings, bank)
    grader = open_grader(settings, offline)
    started = time.perf_counter()
    out = args.output.open("w", encoding="utf-8") if args.output else sys.stdout
    errors = 0
    try:
        for result in tqdm(grade_lines(lines, bank, grader), total=len(lines), desc="Grading", unit="answer",
                           file=sys.stderr):
            errors += "error" in result
            out.write(json.dumps(result, ensure_ascii=False) + "\n")
    finally:
        if args.output:
            out.close()
    seconds = time.perf_counter() - started
    where = f" -> {args.output}" if args.output else ""
    print(f"graded {len(lines) - errors} of {len(lines)} lines ({errors} with errors) in {seconds:.1f} s{where}",
          file=sys.stderr)
    return 0


def _practice(args: argparse.Namespace, settings: Settings) -> int:
    import random

    from bot.coach import open_coach
    from bot.interview import Setup
    from bot.storage import open_store
    from bot.terminal import run_practice

    if not 1 <= args.questions <= 50:
        raise BotError("--questions must be between 1 and 50.")
    bank = load_bank(*settings.bank_dirs)
    store = open_store(settings)
    try:
        index, offline = _offline_parts(settings, bank)
        coach = open_coach(settings, bank, index, offline, store, rng=random.Random(args.seed))
        setup = Setup(level=args.level, topics=tuple(args.topic or ()), theme=args.theme.strip(),
                      questions=args.questions, mode=args.mode)
        return run_practice(coach, None if args.resume else setup, args.resume, sys.stdin, sys.stdout)
    finally:
        store.close()


def _sessions_list(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage import open_store

    store = open_store(settings)
    try:
        summaries = store.list_sessions(unfinished_only=args.unfinished)
    finally:
        store.close()
    if args.json:
        import json
        from dataclasses import asdict

        print(json.dumps([asdict(s) for s in summaries], default=str, indent=2))
        return 0
    if not summaries:
        print("No saved sessions." if not args.unfinished else "No unfinished sessions.")
    for s in summaries:
        mean = f"mean {s.mean_score:.0f}" if s.mean_score is not None else "no scores"
        status = "finished" if s.finished else "unfinished"
        about = s.theme or ", ".join(s.topics) or "any topic"
        print(f"{s.id}  {s.updated_at:%Y-%m-%d %H:%M}  {status:<10}  {s.answered}/{s.planned} answered, {mean}  "
              f"[{s.level}, {s.mode}, {s.engine}] {about}")
    return 0


def _sessions_show(args: argparse.Namespace, settings: Settings) -> int:
    from bot.report import build_report, report_text
    from bot.storage import open_store

    bank = load_bank(*settings.bank_dirs)
    store = open_store(settings)
    try:
        saved = store.load(args.id)
    finally:
        store.close()
    print(report_text(build_report(saved.state, bank.get)))
    print("\nTranscript")
    for turn in saved.turns:
        who = "Candidate" if turn.role == "candidate" else "Interviewer"
        text = turn.text.replace("\n", "\n      ")  # continuation lines stay under their speaker
        print(f"  [{turn.created_at:%H:%M:%S}] {who} ({turn.kind}): {text}")
    return 0


def _sessions_delete(args: argparse.Namespace, settings: Settings) -> int:
    from bot.storage import open_store

    store = open_store(settings)
    try:
        store.delete(args.id)
    finally:
        store.close()
    print(f"deleted session {args.id}")
    return 0
