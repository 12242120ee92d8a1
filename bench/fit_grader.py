"""Fit the offline grader's constants on the fit half of the graded dev set.

    python bench/fit_grader.py

Measures every dev-set answer once, then searches a grid of GraderParams for the best agreement
with the hand scores on the fit half only (mean absolute error plus 50 x (1 - Pearson)), and
prints the winning constants with the figures on both halves. Copy the constants into
GraderParams in bot/offline_grader.py by hand, so every change to them is a reviewed commit.
"""

from __future__ import annotations

import itertools
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.grader_agreement import DEVSET, open_grader, split_questions  # noqa: E402
from bot.bank import load_bank  # noqa: E402
from bot.devset import adversarial_answers, load_devset, mean_absolute_error, pearson  # noqa: E402
from bot.settings import SHIPPED_BANK_DIR  # noqa: E402

# The lexical weight stops at 0.5 on purpose: dev-set answers were written by people who had read
# the rubric, so they may share its words more than real candidates do.
GRID = {
    "lexical_weight": [0.35, 0.5],
    "prose_share": [0.06, 0.09, 0.12],
    "relevance_low": [-0.8, -0.6, -0.45],
    "relevance_high": [-0.12, -0.06, 0.0],
}
THRESHOLDS = np.round(np.arange(0.16, 0.80, 0.02), 2)
# Red-flag detection by similarity is imprecise, so its threshold is not fitted for agreement: it is
# fixed where flags found on the dev set are mostly right (see grader_agreement.py's red-flag line).
RED_FLAG_AT = np.array([0.82])


def adversarial_cases(bank, grader, measured):
    """Strong answers pasted under another topic's question, and keyword lists: all worth 0."""
    cases = []
    questions = list(bank)
    for n, (item, question, _) in enumerate(measured):
        if item.kind != "strong":
            continue
        other = next(q for q in questions[n % len(questions):] + questions if q.topic != question.topic)
        variants = adversarial_answers(question, item.answer, other)
        cases.append((0, other, grader.analyze(other, item.answer)))
        cases.append((0, question, grader.analyze(question, variants["keyword_list"])))
    return cases


def objective(hand: np.ndarray, auto: np.ndarray) -> float:
    return mean_absolute_error(hand, auto) + 50 * (1 - pearson(hand, auto))


def main() -> int:
    bank = load_bank(SHIPPED_BANK_DIR)
    answers = load_devset(DEVSET, bank)
    split = split_questions(item.question_id for item in answers)
    grader = open_grader(bank)
    measured = [
        (item, bank.get(item.question_id), grader.analyze(bank.get(item.question_id), item.answer))
        for item in answers
    ]
    fit = [(item.hand_score(bank), q, s) for item, q, s in measured if split[item.question_id] == "fit"]
    fit += adversarial_cases(bank, grader, [m for m in measured if split[m[0].question_id] == "fit"])
    print(f"measured {len(measured)} answers; fitting on {len(fit)} (hand-graded and generated adversarial)")
    hand = np.array([h for h, _, _ in fit], dtype=float)
    owner = np.concatenate([np.full(len(q.rubric), i) for i, (_, q, _) in enumerate(fit)])
    weights = np.concatenate([[p.weight for p in q.rubric] for _, q, _ in fit])
    total_weight = np.bincount(owner, weights)
    flag_counts = np.array(
        [[int((s.red_flag_similarity >= at).sum()) for at in RED_FLAG_AT] for _, _, s in fit]
    )  # answers x thresholds

    best = (float("inf"), None)
    for values in itertools.product(*GRID.values()):
        params = replace(grader.params, **dict(zip(GRID, values)))
        # The best match per point depends on these four constants only; thresholds come after.
        matches = np.concatenate(
            [np.zeros(len(q.rubric)) if s.unusable else np.array([m for m, _ in grader.matches(s, params)])
             for _, q, s in fit]
        )
        for full_at, partial_at in itertools.product(THRESHOLDS, THRESHOLDS):
            if partial_at >= full_at:
                continue
            credit = np.where(matches >= full_at, 1.0, np.where(matches >= partial_at, 0.5, 0.0))
            base = np.round(100 * np.bincount(owner, credit * weights) / total_weight)
            for column, red_flag_at in enumerate(RED_FLAG_AT):
                auto = np.clip(base - params.red_flag_penalty * flag_counts[:, column], 0, 100)
                value = objective(hand, auto)
                if value < best[0]:
                    best = (value, replace(params, full_at=float(full_at), partial_at=float(partial_at),
                                           red_flag_at=float(red_flag_at)))
    params = best[1]
    generated = adversarial_cases(bank, grader, measured)
    print("generated adversarial (all worth 0), grader mean:",
          round(float(np.mean([grader.grade(q, s, params).score for _, q, s in generated])), 1),
          "max:", max(grader.grade(q, s, params).score for _, q, s in generated))
    print("best constants:", {k: getattr(params, k) for k in (*GRID, "full_at", "partial_at", "red_flag_at")})
    for name in ("fit", "held-out", "all"):
        rows = [m for m in measured if name == "all" or split[m[0].question_id] == name]
        hand_scores = [item.hand_score(bank) for item, _, _ in rows]
        auto = [grader.grade(q, s, params).score for _, q, s in rows]
        print(
            f"{name:<9} n={len(rows):>3} Pearson {pearson(hand_scores, auto):.3f}  "
            f"MAE {mean_absolute_error(hand_scores, auto):.1f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
