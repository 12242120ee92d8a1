"""Load test: N simulated candidates at once, each through its own gradio_client, in 3-question interviews.

    python bench/app_load.py [--sizes 10 25 50] [--questions 3] [--timeout 60]
    python bench/app_load.py --sizes 50 --think 20      # each answer after 0-20 s of reading and typing
    python bench/app_load.py --sizes 50 --env GRADIO_DEFAULT_CONCURRENCY_LIMIT=4   # extra app environment

The app is started as bench/app_start.py starts it (`python app.py` on a free port of 127.0.0.1,
a temporary data folder, no BOT_* or OPENAI_* variables, so the offline engine); its index is built
before anything is timed, and one warm-up candidate runs before the measured sizes. For each size N,
N threads each open a `gradio_client.Client` and wait at a barrier, then all at once start a
coach-mode interview at level mid (/interview_start) and answer every question and follow-up
(/interview_answer) with 60-150 words: the bank's reference answer when the question's text in the
chat matches a bank question (the rubric points a follow-up aims at, for a follow-up), or a generic
ML answer for every fourth candidate, until the interviewer says the interview is over. By default
the answers go back to back (the worst case); --think spaces them as people would.

A turn is one /interview_answer call, from submit to its final output, queueing included. An error
is an exception (including a call over --timeout) or an answer whose output lacks the answer as sent
and the interviewer's next message, or shows an error status. Afterwards the sessions database is
read: a turn is lost when an answer the client sent is not among the candidate turns of its own
session; unfinished counts sessions not marked finished. Wall time runs from the barrier to the last
candidate done. App CPU is the app process's CPU time during the size, load CPU this script's (the
clients share the machine with the app).
"""

from __future__ import annotations

import argparse
import os
import random
import re
import resource
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"  # the client reads it too; no telemetry from the load test

from gradio_client import Client  # noqa: E402

from bench.app_start import log_tail, memory_mib, start_app, stop_app, wait_served  # noqa: E402
from bench.index_bench import percentile  # noqa: E402
from bot.bank import Bank, FollowUp, Question, load_bank  # noqa: E402
from bot.errors import BotError  # noqa: E402
from bot.settings import SHIPPED_BANK_DIR  # noqa: E402
from bot.storage import SessionStore  # noqa: E402

# /interview_start and /interview_answer return these outputs, in this order (gr.State is not returned).
REMEMBERED, STATUS, CHAT = 0, 1, 3
QUESTION = re.compile(r"Question \d+ of \d+: (.+)", re.S)
FINISHED = "That is the end of the interview"
GENERIC = (
    "I would start from the goal and the metric that matters to the business, then check the data: how it "
    "was collected, whether labels are reliable and whether the split by time avoids leakage. I would build "
    "a simple baseline first, such as logistic regression or gradient boosted trees, and only add complexity "
    "when the validation curves show the baseline underfits. To choose between models I compare them on a "
    "held-out set with confidence intervals, look at calibration and at slices where errors concentrate. "
    "Regularization, early stopping and more data address overfitting; richer features or a bigger model "
    "address underfitting. In production I log predictions and inputs, monitor drift in the feature "
    "distributions and in the prediction rate, and retrain when the measured quality drops, with a canary "
    "rollout and a quick rollback path. The trade-off I keep in mind is latency and cost against accuracy."
)


@dataclass
class Candidate:
    """What one simulated candidate did and saw."""

    number: int
    session_id: str | None = None
    sent: list[str] = field(default_factory=list)  # answers submitted to /interview_answer, in order
    start_ms: float | None = None
    turn_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)  # where each answer came from: question, follow-up, generic


class Answers:
    """Realistic answers to the bank's questions and follow-ups, found by the text shown in the chat."""

    def __init__(self, bank: Bank):
        self.questions: dict[str, Question] = {q.question: q for q in bank}
        self.follow_ups: dict[str, tuple[Question, FollowUp]] = {f.question: (q, f) for q in bank for f in q.follow_ups}

    def answer(self, prompt: str, rng: random.Random, generic: bool) -> tuple[str, str]:
        """60-150 words answering `prompt` and where they came from: the bank when it knows it, unless `generic`."""
        words = rng.randint(60, 150)
        matched = QUESTION.match(prompt)
        text = matched.group(1).strip() if matched else prompt.strip()
        if not generic and text in self.questions:
            question = self.questions[text]
            return _cut(f"{question.reference_answer} {' '.join(p.point for p in question.rubric)}", words), "question"
        if not generic and text in self.follow_ups:
            question, follow_up = self.follow_ups[text]
            aimed = " ".join(p.point for p in question.rubric if p.id in follow_up.targets)
            return _cut(f"{aimed} {question.reference_answer}", words), "follow-up"
        start = rng.randrange(0, 40)
        return _cut(" ".join(GENERIC.split()[start:] + GENERIC.split()[:start]), words), "generic"


def _cut(text: str, words: int) -> str:
    return " ".join(text.split()[:words])


def message_text(message: dict) -> str:
    """The text of one chat message as the client returns it (a string or a list of parts)."""
    content = message.get("content")
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content or [] if isinstance(part, dict))


def call(client: Client, args: tuple, api_name: str, timeout: float) -> tuple[float, list]:
    """Seconds from submit to the final output, and each output's last real value (None if never set)."""
    started = time.perf_counter()
    job = client.submit(*args, api_name=api_name)
    try:
        job.result(timeout=timeout)
    except TimeoutError:
        job.cancel()
        raise TimeoutError(f"{api_name} gave no final output within {timeout:.0f} s") from None
    seconds = time.perf_counter() - started
    merged: list = [None] * 10
    for output in job.outputs():  # streamed updates: a component left unchanged comes as {'__type__': 'update'}
        for i, value in enumerate(output):
            if not (isinstance(value, dict) and value.get("__type__") == "update"):
                merged[i] = value
    return seconds, merged


def interview(candidate: Candidate, client: Client, answers: Answers, args) -> None:
    """Start a coach-mode interview and answer until it is over; at most every question with two follow-ups."""
    questions, timeout = args.questions, args.timeout
    rng = random.Random(candidate.number)
    generic = candidate.number % 4 == 3
    seconds, out = call(client, ("mid", [], "", questions, "coach", "offline"), "/interview_start", timeout)
    candidate.start_ms = 1000 * seconds
    candidate.session_id = (out[REMEMBERED] or {}).get("id")
    history = out[CHAT]
    if not candidate.session_id or not history or out[STATUS]:
        candidate.errors.append(f"start: no session or question (status {out[STATUS]!r})")
        return
    for _ in range(questions * 3 + 2):  # each question with at most two follow-ups, and a margin
        prompt = message_text(history[-1])
        if prompt.startswith(FINISHED):
            return
        text, source = answers.answer(prompt, rng, generic)
        if args.think:
            time.sleep(rng.uniform(0, args.think))  # reading and typing, not part of the turn
        candidate.sources.append(source)
        candidate.sent.append(text)
        seconds, out = call(client, (text, history, {}), "/interview_answer", timeout)
        candidate.turn_ms.append(1000 * seconds)
        chat = out[CHAT]
        said = chat[len(history)] if chat and len(chat) > len(history) else {}
        fresh = chat[len(history) + 1:] if chat else []
        if (out[STATUS] or message_text(said) != text or not fresh
                or any(m.get("role") != "assistant" or not message_text(m) for m in fresh)):
            candidate.errors.append(f"turn {len(candidate.sent)}: no interviewer reply (status {out[STATUS]!r})")
            return
        history = chat
    candidate.errors.append(f"still not finished after {len(candidate.sent)} answers")


def run_candidate(candidate: Candidate, url: str, barrier: threading.Barrier, answers: Answers, args) -> None:
    """One candidate in its own thread: its client is opened before the barrier, so only the interview is timed."""
    client = None
    try:
        client = Client(url, verbose=False, download_files=False, analytics_enabled=False,
                        httpx_kwargs={"timeout": args.timeout})
    except Exception as error:  # noqa: BLE001 - every failure is counted, none stops the other candidates
        candidate.errors.append(f"client: {type(error).__name__}: {error}")
    try:
        barrier.wait(timeout=args.timeout * 3)
        if client is not None:
            interview(candidate, client, answers, args)
    except Exception as error:  # noqa: BLE001
        candidate.errors.append(f"{type(error).__name__}: {str(error)[:200]}")
    finally:
        if client is not None:
            client.close()


def run_size(size: int, url: str, answers: Answers, args, first: int) -> tuple[list[Candidate], float]:
    """`size` candidates at once; the candidates and the wall time from the barrier to the last one done."""
    candidates = [Candidate(first + i) for i in range(size)]
    barrier = threading.Barrier(size + 1)
    threads = [threading.Thread(target=run_candidate, args=(c, url, barrier, answers, args), daemon=True)
               for c in candidates]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=args.timeout * 3)
    started = time.perf_counter()
    deadline = time.monotonic() + (args.timeout + args.think) * (args.questions * 3 + 4)
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    wall = time.perf_counter() - started
    for candidate, thread in zip(candidates, threads):
        if thread.is_alive():
            candidate.errors.append("still running at the deadline")
    return candidates, wall


def cpu_seconds(pid: int | None = None) -> float:
    """User plus system CPU time of a process so far, all its threads: `pid` from /proc, else this one."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime and stime, in clock ticks


def check_store(candidates: list[Candidate], database: str) -> tuple[int, int, list[str]]:
    """Lost turns and unfinished sessions per the sessions database, with a line per problem.

    A sent answer is lost unless the candidate's own session holds it as a candidate turn; an answer
    there that this candidate never sent would mean sessions got mixed up.
    """
    store = SessionStore(database)
    try:
        listed = {s.id for s in store.list_sessions(limit=max(1000, len(candidates)))}
        lost, unfinished, problems = 0, 0, []
        for candidate in candidates:
            if candidate.session_id is None:
                lost += len(candidate.sent)
                continue
            if candidate.session_id not in listed:
                problems.append(f"candidate {candidate.number}: session {candidate.session_id} not in the session list")
            try:
                saved = store.load(candidate.session_id)
            except BotError as error:
                lost += len(candidate.sent)
                problems.append(f"candidate {candidate.number}: {error}")
                continue
            stored = [t for t in saved.turns if t.role == "candidate"]
            pending = sum(t.kind == "pending" for t in stored)
            missing = Counter(candidate.sent) - Counter(t.text for t in stored)
            foreign = Counter(t.text for t in stored) - Counter(candidate.sent)
            lost += sum(missing.values())
            if missing or foreign or pending:
                problems.append(f"candidate {candidate.number}: sent {len(candidate.sent)} answers, session "
                                f"{candidate.session_id} holds {len(stored)}: {sum(missing.values())} missing, "
                                f"{sum(foreign.values())} not sent by this candidate, {pending} pending")
            if not saved.state.finished:
                unfinished += 1
                problems.append(f"candidate {candidate.number}: session {candidate.session_id} is not finished")
        return lost, unfinished, problems
    finally:
        store.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 25, 50])
    parser.add_argument("--questions", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds allowed for each call")
    parser.add_argument("--think", type=float, default=0.0,
                        help="a random pause of 0..THINK seconds before each answer (default 0: back to back)")
    parser.add_argument("--warmup", type=int, default=1, help="candidates run once before the sizes, not counted")
    parser.add_argument("--env", action="append", default=[], metavar="NAME=VALUE",
                        help="an extra variable for the app's environment (repeatable)")
    args = parser.parse_args()
    extra = dict(item.split("=", 1) for item in args.env)
    answers = Answers(load_bank(SHIPPED_BANK_DIR))
    with tempfile.TemporaryDirectory(prefix="app-load-") as folder:
        data_dir, log = Path(folder) / "data", Path(folder) / "app.log"
        data_dir.mkdir()
        app = start_app(data_dir, log, extra)
        try:
            print(f"app served at {app.url} in {wait_served(app):.1f} s (index built, not counted)"
                  + (f"; extra environment {extra}" if extra else ""), flush=True)
            database = f"sqlite:///{data_dir / 'sessions.sqlite3'}"
            first = 0
            if args.warmup:
                warm, _ = run_size(args.warmup, app.url, answers, args, first)
                first += args.warmup
                print(f"warm-up: {args.warmup} candidate(s), {sum(len(c.turn_ms) for c in warm)} turns, "
                      f"errors {sum(len(c.errors) for c in warm)}", flush=True)
            print(f"\n{'N':>4} {'turns':>6} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7} {'errors':>6} "
                  f"{'lost':>5} {'unfin':>5} {'wall s':>7} {'start p95':>9} {'app CPU s':>9} {'load CPU s':>10} "
                  f"{'RSS MiB':>8} {'peak MiB':>8}", flush=True)
            notes, trouble = [], False
            for size in args.sizes:
                app_cpu, load_cpu = cpu_seconds(app.process.pid), cpu_seconds()
                candidates, wall = run_size(size, app.url, answers, args, first)
                app_cpu, load_cpu = cpu_seconds(app.process.pid) - app_cpu, cpu_seconds() - load_cpu
                first += size
                turns = [ms for c in candidates for ms in c.turn_ms]
                starts = [c.start_ms for c in candidates if c.start_ms is not None]
                errors = sum(len(c.errors) for c in candidates)
                lost, unfinished, problems = check_store(candidates, database)
                rss, peak = memory_mib(app.process.pid)
                print(f"{size:>4} {len(turns):>6} {_ms(turns, 0.5):>7} {_ms(turns, 0.95):>7} "
                      f"{_ms(turns, 1.0):>7} {errors:>6} {lost:>5} {unfinished:>5} {wall:>7.1f} "
                      f"{_ms(starts, 0.95):>9} {app_cpu:>9.1f} {load_cpu:>10.1f} {rss:>8.0f} {peak:>8.0f}", flush=True)
                notes.append(f"N={size} answers: " + ", ".join(
                    f"{sum(s == kind for c in candidates for s in c.sources)} {kind}"
                    for kind in ("question", "follow-up", "generic")))
                notes += [f"N={size} candidate {c.number}: {e}" for c in candidates for e in c.errors]
                notes += [f"N={size} {p}" for p in problems]
                trouble = trouble or bool(errors or problems)
            print("turn = one /interview_answer call, submit to final output; start p95 = /interview_start calls; "
                  "app CPU = the app process's CPU time during the size, load CPU = this script's (the clients); "
                  f"RSS and peak of the app process after each size; {os.cpu_count()} CPUs"
                  + (f"; think time 0-{args.think:g} s per answer" if args.think else "; no think time") + ".")
            for note in notes[:30]:
                print(note)
            if len(notes) > 30:
                print(f"... and {len(notes) - 30} more")
            if trouble:
                print(f"app log, last lines:\n{log_tail(app)}")
        finally:
            print(f"app stopped by {stop_app(app)}")
    return 0


def _ms(values: list[float], q: float) -> str:
    if not values:
        return "-"
    return f"{max(values):.0f}" if q >= 1 else f"{percentile(values, q):.0f}"


if __name__ == "__main__":
    sys.exit(main())
