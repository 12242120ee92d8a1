"""Offline grading speed: latency of one answer at 50, 150 and 400 words, and bulk throughput.

    python bench/grader_speed.py [--repeats 40]

Answers are cut from the dev set's longer answers (padded with further answers to the same
question where one is too short), so the text is realistic. Each latency is one call to
OfflineGrader.score on a question already prepared, as in an interview after its first turn, with
the grader's sentence cache emptied first: the answer is new, and the shorter cuts of the same text
must not make the longer ones look fast. The "150+150" row is a follow-up turn: a second 150-word
answer graded joined to a first one graded just before, as bot/interview.py does.
Bulk throughput is `bot.bulk.grade_lines` over every dev-set answer, question preparation included;
the dev set is given four times, so the sentence cache spares the repeats, and the second figure is
the same run with the cache off.
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
from bot.offline_grader import SENTENCE_CACHE_SIZE  # noqa: E402
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
            grader.forget_sentences()
            started = time.perf_counter()
            grader.score(question, text)
            latencies.append(1000 * (time.perf_counter() - started))
        print(f"{length:>6} {len(latencies):>8} {statistics.median(latencies):>7.1f} {percentile(latencies, 0.95):>7.1f}")

    latencies = []
    pairs = []
    for question_id, texts in by_question.items():
        words = " ".join(sorted(texts, key=len, reverse=True)).split()
        if len(words) >= 300:
            pairs.append((bank.get(question_id), " ".join(words[:150]), " ".join(words[150:300])))
    for repeat in range(args.repeats):
        question, first, second = pairs[repeat % len(pairs)]
        grader.forget_sentences()
        grader.score(question, first)
        started = time.perf_counter()
        grader.score(question, first + "\n" + second)
        latencies.append(1000 * (time.perf_counter() - started))
    print(f"{'150+150':>6} {len(latencies):>8} {statistics.median(latencies):>7.1f} {percentile(latencies, 0.95):>7.1f}")

    lines = [json.dumps({"question_id": item.question_id, "answer": item.answer}) for item in answers]
    for name, cache_size in (("bulk", SENTENCE_CACHE_SIZE), ("bulk without the sentence cache", 0)):
        fresh = open_grader(bank)  # nothing prepared: bulk pays for each question's first use
        fresh.cache_size = cache_size
        started = time.perf_counter()
        results = list(grade_lines(lines * 4, bank, fresh))
        seconds = time.perf_counter() - started
        assert not any("error" in r for r in results)
        print(f"\n{name}: {len(results)} answers in {seconds:.1f} s = {len(results) / seconds:.1f} answers/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
