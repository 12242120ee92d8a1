"""Cold start of `python app.py` to a served page, with and without an existing index, and the app's memory.

    python bench/app_start.py [--runs 2] [--idle 3]

Each run starts the app in a subprocess on a free port of 127.0.0.1 with a new, empty BOT_DATA_DIR
(and TMPDIR) and an environment without BOT_* and OPENAI_* variables (so the offline engine), and
times from the process start to the first `GET /` answered 200: the whole command as a user runs it
(imports, bank, embedding model, the index built from scratch, Gradio). Then it starts the app again
on the same folder, where the index exists. Each time, after the page is served and the app has been idle
for --idle seconds, it reads the app process's resident memory (VmRSS) and its peak so far (VmHWM)
from /proc, then stops the app with Ctrl-C (SIGINT) as a user would.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVE_TIMEOUT = 240.0  # seconds; a cold start builds the index, about 20-60 s on two cores


@dataclass
class App:
    """A running `python app.py` and where it serves."""

    process: subprocess.Popen
    url: str
    log: Path
    started: float  # time.perf_counter() just before the process was started


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def app_env(data_dir: Path, port: int, temp_dir: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment without the app's and OpenAI's variables, plus the data folder, port and temp folder."""
    env = {name: value for name, value in os.environ.items() if not name.startswith(("BOT_", "OPENAI_"))}
    # Report downloads and Gradio's cache go to the temp folder: inside the benchmark's, removed with it.
    env.update(BOT_DATA_DIR=str(data_dir), BOT_HOST="127.0.0.1", BOT_PORT=str(port), TMPDIR=str(temp_dir),
               GRADIO_ANALYTICS_ENABLED="False", NO_PROXY="127.0.0.1", no_proxy="127.0.0.1")
    env.update(extra or {})
    return env


def _default_sigint() -> None:
    # A shell starts background jobs with SIGINT ignored and children inherit that; the app must
    # see Ctrl-C to shut Gradio down cleanly.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def start_app(data_dir: Path, log: Path, extra_env: dict[str, str] | None = None) -> App:
    """`python app.py` started on a free port with its output in `log` and its temporary files beside it."""
    port = free_port()
    temp_dir = log.parent / "tmp"
    temp_dir.mkdir(exist_ok=True)
    with open(log, "wb") as out:
        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "app.py"], cwd=ROOT, env=app_env(data_dir, port, temp_dir, extra_env),
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, preexec_fn=_default_sigint,
        )
    return App(process, f"http://127.0.0.1:{port}/", log, started)


def wait_served(app: App, timeout: float = SERVE_TIMEOUT) -> float:
    """Seconds from the process start until GET / answered 200."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if app.process.poll() is not None:
            raise RuntimeError(f"the app exited with code {app.process.returncode}:\n{log_tail(app)}")
        try:
            with urllib.request.urlopen(app.url, timeout=5) as response:
                if response.status == 200:
                    return time.perf_counter() - app.started
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.05)
    raise RuntimeError(f"the app did not serve {app.url} within {timeout:.0f} s:\n{log_tail(app)}")


def memory_mib(pid: int) -> tuple[float, float]:
    """The process's resident memory now and its peak (VmRSS, VmHWM), in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) / 1024  # the kernel reports kB
    return fields["VmRSS"], fields["VmHWM"]


def stop_app(app: App) -> str:
    """Stop the app with Ctrl-C, escalating only if it does not exit; how it stopped."""
    steps = ((signal.SIGINT, "SIGINT", 20), (signal.SIGTERM, "SIGTERM", 10), (signal.SIGKILL, "SIGKILL", 10))
    for send, name, wait in steps:
        if app.process.poll() is not None:
            break
        app.process.send_signal(send)
        try:
            app.process.wait(timeout=wait)
            return f"{name}, exit code {app.process.returncode}"
        except subprocess.TimeoutExpired:
            continue
    return f"exit code {app.process.returncode}"


def log_tail(app: App, lines: int = 15) -> str:
    """The last lines the app printed."""
    text = app.log.read_text(errors="replace").replace("\r", "\n")
    return "\n".join([line for line in text.splitlines() if line.strip()][-lines:])


def measure(data_dir: Path, log: Path, idle: float) -> tuple[float, float, float, str]:
    """Seconds to a served page, RSS and peak RSS in MiB once idle, and how the app stopped."""
    app = start_app(data_dir, log)
    try:
        seconds = wait_served(app)
        time.sleep(idle)
        rss, peak = memory_mib(app.process.pid)
    finally:
        stopped = stop_app(app)
    return seconds, rss, peak, stopped


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--idle", type=float, default=3.0,
                        help="seconds idle after the page is served, before memory is read")
    args = parser.parse_args()
    results = {"empty data folder": [], "existing index": []}
    for run in range(1, args.runs + 1):
        with tempfile.TemporaryDirectory(prefix="app-start-") as folder:
            data_dir, log = Path(folder) / "data", Path(folder) / "app.log"
            data_dir.mkdir()
            for case in results:
                seconds, rss, peak, stopped = measure(data_dir, log, args.idle)
                results[case].append((seconds, rss, peak))
                print(f"run {run}, {case}: served in {seconds:.1f} s, RSS {rss:.0f} MiB, peak {peak:.0f} MiB; "
                      f"stopped by {stopped}", flush=True)
    print(f"\n{'start':<18} {'runs':>4} {'min s':>7} {'median s':>9} {'RSS MiB':>8} {'peak MiB':>9}")
    for case, rows in results.items():
        seconds, rss, peak = zip(*rows)
        print(f"{case:<18} {len(rows):>4} {min(seconds):>7.1f} {statistics.median(seconds):>9.1f} "
              f"{statistics.median(rss):>8.0f} {statistics.median(peak):>9.0f}")
    print("RSS once served and idle, and peak (VmHWM) of the app process: medians over the runs.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
