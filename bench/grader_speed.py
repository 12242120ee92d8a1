"""Offline grading speed: latency of one answer at 50, 150 and 400 words, and bulk throughput.

    python bench/grader_speed.py [--repeats 40]

Answers are cut from the dev set's longer answers (padded with further answers to the same
question where one is too short), so the text is realistic. Each latency is one call to
OfflineGrader.score on a question already prepared, as in an interview after its first turn.
Bulk throughput is `bot.bulk.grade_lines` over every dev-set answer, question preparation included.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.grader_agreement import DEVSET, open_grader  # noqa: E402
from bench.index_bench import percentile  # noqa: E402
from bot.bank import load_bank  # noqa: E402
from bot.bulk import grade_lines  # noqa: E402
from bot.devset import load_devset  # noqa: E402
from bot.settings import SHIPPED_BANK_DIR  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=40)
    args = parser.parse_args()
    bank = load_bank(SHIPPED_BANK_DIR)
    answers = load_devset(DEVSET, bank)
    grader = open_grader(bank)
    by_question = defaultdict(list)
    for item in answers:
        by_question[item.question_id].append(item.answer)

    print(f"{'words':>6} {'answers':>8} {'p50 ms':>7} {'p95 ms':>7}")
    for length in (50, 150, 400):
        latencies = []
        samples = []
        for question_id, texts in by_question.items():
            words = " ".join(sorted(texts, key=len, reverse=True)).split()
            if len(words) >= length:
                samples.append((bank.get(question_id), " ".join(words[:length])))
        for question, _ in samples:
            grader.score(question, "warm-up answer about the question")  # prepare the question once
        for repeat in range(args.repeats):
            question, text = samples[repeat % len(samples)]
            started = time.perf_counter()
            grader.score(question, text)
            latencies.append(1000 * (time.perf_counter() - started))
        print(f"{length:>6} {len(latencies):>8} {statistics.median(latencies):>7.1f} {percentile(latencies, 0.95):>7.1f}")

    fresh = open_grader(bank)  # nothing prepared: bulk pays for each question's first use
    lines = [json.dumps({"question_id": item.question_id, "answer": item.answer}) for item in answers] * 4
    started = time.perf_counter()
    results = list(grade_lines(lines, bank, fresh))
    seconds = time.perf_counter() - started
    assert not any("error" in r for r in results)
    print(f"\nbulk: {len(results)} answers in {seconds:.1f} s = {len(results) / seconds:.1f} answers/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
