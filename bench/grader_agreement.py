"""Agreement of the offline grader with the hand-graded dev set (bench/devset/).

    python bench/grader_agreement.py            # Pearson, Spearman, MAE; per kind; adversarial table
    python bench/grader_agreement.py --worst 15 # also list the answers it grades furthest from hand

The dev set's questions are split in two (alternately in id order): the grader's constants were
fitted on the "fit" half only (bench/fit_grader.py), so the "held-out" figures are the honest ones.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.bank import load_bank  # noqa: E402
from bot.devset import load_devset, mean_absolute_error, pearson, spearman  # noqa: E402
from bot.settings import SHIPPED_BANK_DIR  # noqa: E402

DEVSET = ROOT / "bench" / "devset"


def split_questions(question_ids) -> dict[str, str]:
    """Question id -> 'fit' or 'held-out': alternate questions in id order, so each dev-set file
    (a group of topics) is split evenly and all answers to one question stay on one side."""
    ordered = sorted(set(question_ids))
    return {qid: ("fit" if i % 2 == 0 else "held-out") for i, qid in enumerate(ordered)}


def open_grader(bank):
    """The offline grader with the bank's reference answers as contrast, from a kept bench index."""
    from bot.embeddings import load_embedder
    from bot.index import open_index
    from bot.offline_grader import OfflineGrader
    from bot.settings import Settings

    embedder = load_embedder()
    index = open_index(Settings(data_dir=ROOT / "bench" / "results" / "grader-index"), embedder)
    index.sync(bank)
    return OfflineGrader(embedder, index.reference_vectors())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worst", type=int, default=0)
    args = parser.parse_args()
    bank = load_bank(SHIPPED_BANK_DIR)
    answers = load_devset(DEVSET, bank)
    grader = open_grader(bank)
    started = time.perf_counter()
    rows, flags_found, flags_right, flags_labelled = [], 0, 0, 0
    for item in answers:
        question = bank.get(item.question_id)
        score = grader.score(question, item.answer)
        rows.append((item, item.hand_score(bank), score.score))
        labelled = {question.red_flags[i] for i in item.red_flags}
        flags_found += len(score.red_flags)
        flags_right += len(labelled & set(score.red_flags))
        flags_labelled += len(labelled)
    seconds = time.perf_counter() - started

    split = split_questions(item.question_id for item in answers)
    print(f"{len(rows)} answers to {len({r[0].question_id for r in rows})} questions, graded in {seconds:.1f} s\n")
    print(f"{'subset':<10} {'n':>4} {'Pearson':>8} {'Spearman':>9} {'MAE':>6}")
    for name in ("all", "fit", "held-out"):
        subset = [r for r in rows if name == "all" or split[r[0].question_id] == name]
        hand, auto = [r[1] for r in subset], [r[2] for r in subset]
        print(
            f"{name:<10} {len(subset):>4} {pearson(hand, auto):>8.3f} {spearman(hand, auto):>9.3f} "
            f"{mean_absolute_error(hand, auto):>6.1f}"
        )

    print(f"\n{'kind':<14} {'n':>4} {'hand mean':>9} {'grader mean':>11} {'MAE':>6}")
    by_kind = defaultdict(list)
    for row in rows:
        by_kind[row[0].kind].append(row)
    for kind in ("strong", "good", "partial", "weak", "misconception", "off_topic", "adversarial"):
        subset = by_kind.get(kind, [])
        if subset:
            hand, auto = [r[1] for r in subset], [r[2] for r in subset]
            print(
                f"{kind:<14} {len(subset):>4} {sum(hand) / len(hand):>9.1f} {sum(auto) / len(auto):>11.1f} "
                f"{mean_absolute_error(hand, auto):>6.1f}"
            )

    print(
        f"\nred flags: {flags_found} found, {flags_right} of them marked by hand "
        f"(precision {flags_right / max(1, flags_found):.0%}); {flags_labelled} marked by hand in all "
        f"(recall {flags_right / max(1, flags_labelled):.0%})"
    )
    print("\nadversarial and off-topic answers (hand score -> grader score):")
    for item, hand, auto in rows:
        if item.kind in ("adversarial", "off_topic"):
            print(f"  {item.kind:<12} {hand:>3} -> {auto:>3}  {item.question_id}: {' '.join(item.answer.split())[:70]}")

    if args.worst:
        print(f"\n{args.worst} answers furthest from the hand grade:")
        for item, hand, auto in sorted(rows, key=lambda r: -abs(r[1] - r[2]))[: args.worst]:
            print(f"  {hand:>3} -> {auto:>3}  {item.kind:<13} {item.question_id} ({item.source})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
