"""Index benchmark: full build, no-change rebuild, search latency and peak memory per bank size.

    python bench/index_bench.py                      # shipped bank, 10,000 and 100,000 questions
    python bench/index_bench.py --sizes shipped 10000
    python bench/index_bench.py --keep /tmp/idx      # keep each built index; a later run with the
                                                     # same --keep re-measures search without rebuilding

Each size runs in its own process, so its peak memory (max RSS) is its own. The shipped bank's
build embeds questions and reference answers, as the app does. Synthetic banks are
made from the shipped questions: each synthetic question joins sentences of two real questions
and a varied scenario detail, so texts are distinct and about as long as real ones.
"""

from __future__ import annotations

import argparse
import gc
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUERIES = [
    "feature store point-in-time joins",
    "how do I detect data drift when labels arrive late",
    "canary release and automatic rollback for a model",
    "bias variance trade-off",
    "design a recommendation system for a home feed",
    "GPU memory for training a 7B model with Adam",
    "SQL window function rolling average per user",
    "tell me about a time you disagreed with a product manager",
    "precision recall threshold choice",
    "LoRA fine-tuning memory savings",
    "A/B test sample size and power",
    "reduce p95 latency of a model server",
    "k-means from scratch in numpy",
    "retraining triggers versus a fixed schedule",
    "calibration of predicted probabilities",
    "prompt injection defences for a RAG assistant",
    "experiment tracking and reproducibility",
    "object detection mAP and non-maximum suppression",
    "time series backtesting with a rolling origin",
    "two-tower retrieval with negative sampling",
]
FILTERS = [
    {},
    {"topic": "mlops_monitor_retrain"},
    {"level": "senior"},
    {"level": "mid", "difficulty": 2},
    {"type": "scenario", "exclude": ("monitor-drift-detection-plan", "deploy-rollout-and-rollback")},
]
DETAILS = [
    "The team has {n} engineers and serves {m} requests per second.",
    "The training set holds {n} million rows collected over {m} months.",
    "Latency budget is {n} ms at p95 and the model has {m} features.",
    "It runs in {n} regions and retrains every {m} days.",
    "About {n} percent of traffic comes from new users and {m} percent from mobile.",
]


def synthetic_bank(size: int, seed: int = 7):
    """`size` distinct questions built from the shipped bank's sentences."""
    from bot.bank import load_bank
    from bot.settings import SHIPPED_BANK_DIR

    base = list(load_bank(SHIPPED_BANK_DIR))
    rng = random.Random(seed)
    sentences = [q.question.replace("? ", "?|").replace(". ", ".|").split("|") for q in base]
    questions = []
    for i in range(size):
        a, b = rng.randrange(len(base)), rng.randrange(len(base))
        detail = rng.choice(DETAILS).format(n=rng.randint(2, 900), m=rng.randint(2, 90))
        text = " ".join(sentences[a][:2] + [detail] + sentences[b][-1:])
        questions.append(base[a].model_copy(update={"id": f"syn-{i:06d}", "question": text}))
    return questions


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def run_one(size_name: str, searches: int, keep: str | None) -> dict:
    """Measure one bank size in this process."""
    from bot.bank import load_bank
    from bot.embeddings import load_embedder
    from bot.index import SearchFilters, open_index
    from bot.settings import SHIPPED_BANK_DIR, Settings

    shipped = size_name == "shipped"
    questions = list(load_bank(SHIPPED_BANK_DIR)) if shipped else synthetic_bank(int(size_name))
    embedder = load_embedder()
    gc.freeze()  # as app.py does: long-lived bank objects stay out of the collector's scans
    temporary = None if keep else tempfile.TemporaryDirectory()
    data_dir = Path(keep) / f"bank-{size_name}" if keep else Path(temporary.name)
    build_file = data_dir / "build.json"
    settings = Settings(data_dir=data_dir)
    if build_file.is_file():
        build = json.loads(build_file.read_text())
    else:
        started = time.perf_counter()
        # Reference answers are embedded too for the shipped bank, as the app does; synthetic
        # questions reuse the shipped references, so only their question texts are embedded.
        built = open_index(settings, embedder).sync(questions, progress=sys.stderr.isatty(), references=shipped)
        seconds = time.perf_counter() - started
        build = {"build_s": round(seconds, 2), "embedded_per_s": round(built.added / seconds, 1)}
        build_file.write_text(json.dumps(build))

    started = time.perf_counter()
    reopened = open_index(settings, embedder)
    unchanged = reopened.sync(questions, references=shipped)
    rebuild_seconds = time.perf_counter() - started
    assert unchanged.unchanged == len(questions), unchanged

    # The first filtered search loads every vector into memory; time it apart from the rest.
    started = time.perf_counter()
    reopened.search("warm-up", k=10, filters=SearchFilters(level="senior"))
    first_filtered_seconds = time.perf_counter() - started

    latencies = {"unfiltered": [], "filtered": []}
    for i in range(searches):
        filters = FILTERS[i % len(FILTERS)]
        # Vary each query a little so no layer can answer from a cache.
        text = f"{QUERIES[i % len(QUERIES)]} {'(variant %d)' % i if i >= len(QUERIES) else ''}".strip()
        started = time.perf_counter()
        reopened.search(text, k=10, filters=SearchFilters(**filters))
        latencies["filtered" if filters else "unfiltered"].append(1000 * (time.perf_counter() - started))
    if temporary:
        temporary.cleanup()
    every = latencies["unfiltered"] + latencies["filtered"]
    return {
        "size": len(questions),
        "bank": size_name,
        **build,
        "no_change_rebuild_s": round(rebuild_seconds, 3),
        "first_filtered_search_s": round(first_filtered_seconds, 2),
        "search_p50_ms": round(percentile(every, 0.50), 2),
        "search_p95_ms": round(percentile(every, 0.95), 2),
        "unfiltered_p95_ms": round(percentile(latencies["unfiltered"], 0.95), 2),
        "filtered_p95_ms": round(percentile(latencies["filtered"], 0.95), 2),
        "searches": searches,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["shipped", "10000", "100000"])
    parser.add_argument("--searches", type=int, default=500)
    parser.add_argument("--keep", help="folder to keep built indexes in, and reuse them from")
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(args.one, args.searches, args.keep)))
        return 0

    header = (
        f"{'bank':>8} {'questions':>9} {'build s':>8} {'emb/s':>6} {'rebuild s':>9} "
        f"{'load s':>6} {'p50 ms':>7} {'p95 ms':>7} {'p95 filt':>8} {'peak MB':>8}"
    )
    print(header)
    results = []
    for size in args.sizes:
        out = subprocess.run(
            [sys.executable, __file__, "--one", size, "--searches", str(args.searches)]
            + (["--keep", args.keep] if args.keep else []),
            check=True, capture_output=True, text=True,
        ).stdout
        row = json.loads(out.strip().splitlines()[-1])
        results.append(row)
        print(
            f"{row['bank']:>8} {row['size']:>9} {row['build_s']:>8.1f} {row['embedded_per_s']:>6.0f} "
            f"{row['no_change_rebuild_s']:>9.3f} {row['first_filtered_search_s']:>6.2f} {row['search_p50_ms']:>7.1f} {row['search_p95_ms']:>7.1f} "
            f"{row['filtered_p95_ms']:>8.1f} {row['peak_rss_mb']:>8}",
            flush=True,
        )
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "index_bench.json").write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
