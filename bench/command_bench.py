"""Whole-command timings for the shipped bank: `python -m bot index build` cold and with no change.

    python bench/command_bench.py [--runs 5]

A cold build starts from an empty data folder; a no-change rebuild reuses it. Each figure is a
whole process (imports, model load, Chroma open, sync), as a user at the terminal experiences it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    command = [sys.executable, "-m", "bot", "index", "build"]
    cold, warm = [], []
    for _ in range(args.runs):
        with tempfile.TemporaryDirectory() as data_dir:
            env = {**os.environ, "BOT_DATA_DIR": data_dir}
            cold.append(timed(command, env))
            warm.append(timed(command, env))
    for name, values in (("cold build", cold), ("no-change rebuild", warm)):
        print(
            f"{name:>18}: median {statistics.median(values):.2f} s, "
            f"min {min(values):.2f} s, max {max(values):.2f} s over {len(values)} runs"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
