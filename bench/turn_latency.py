"""Offline turn latency: from an answer submitted to its score and the next message, as a candidate waits.

    python bench/turn_latency.py [--turns 30]

Each turn is `Coach.answer` on the offline engine: the answer saved to SQLite before grading,
grading, the follow-up or the next question chosen from the index, and the turn saved. As in a
session, the question was prepared for grading while the candidate read it, and the grader's
sentence cache is emptied so the answer is new to it. Answers
are cut from the dev set to 50, 150 and 400 words and given to their own questions, one per
session, so every turn grades a first answer and then chooses what comes next.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.grader_agreement import DEVSET  # noqa: E402
from bench.index_bench import percentile  # noqa: E402
from bot.bank import load_bank  # noqa: E402
from bot.coach import open_coach  # noqa: E402
from bot.devset import load_devset  # noqa: E402
from bot.embeddings import load_embedder  # noqa: E402
from bot.index import open_index  # noqa: E402
from bot.interview import Setup, start  # noqa: E402
from bot.offline_grader import OfflineGrader  # noqa: E402
from bot.settings import SHIPPED_BANK_DIR, Settings  # noqa: E402
from bot.storage import SessionStore  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=30, help="turns timed per answer length")
    args = parser.parse_args()
    bank = load_bank(SHIPPED_BANK_DIR)
    embedder = load_embedder()
    index = open_index(Settings(data_dir=ROOT / "bench" / "results" / "grader-index"), embedder)
    index.sync(bank)
    grader = OfflineGrader(embedder, index.reference_vectors())
    by_question = defaultdict(list)
    for item in load_devset(DEVSET, bank):
        by_question[item.question_id].append(item.answer)

    with tempfile.TemporaryDirectory() as folder:
        store = SessionStore(f"sqlite:///{folder}/sessions.sqlite3")
        coach = open_coach(Settings(data_dir=Path(folder)), bank, index, grader, store, rng=random.Random(0))
        print(f"{'words':>6} {'turns':>6} {'p50 ms':>7} {'p95 ms':>7}")
        for length in (50, 150, 400):
            samples = []
            for question_id, texts in by_question.items():
                words = " ".join(sorted(texts, key=len, reverse=True)).split()
                if len(words) >= length:
                    samples.append((bank.get(question_id), " ".join(words[:length])))
            latencies = []
            for turn in range(args.turns + 3):
                question, text = samples[turn % len(samples)]
                state, replies = start(Setup(questions=3, max_follow_ups=0), question)
                session_id = store.create(state, coach.provenance, replies)
                coach.prepare(question.id)  # as when the coach asks it: prepared while the candidate reads
                coach.wait_until_prepared()
                coach.grader.forget_sentences()  # the answer is new to the grader
                started = time.perf_counter()
                coach.answer(session_id, state, text)
                if turn >= 3:  # the first turns warm up the model
                    latencies.append(1000 * (time.perf_counter() - started))
                coach.wait_until_prepared()  # the next question is prepared while its text is read
            print(f"{length:>6} {len(latencies):>6} {statistics.median(latencies):>7.1f} "
                  f"{percentile(latencies, 0.95):>7.1f}")
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
