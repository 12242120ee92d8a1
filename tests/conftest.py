import os
import socket
import textwrap
from pathlib import Path

import pytest

from bot.embeddings import load_embedder


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No test reaches a provider or a user's data by accident."""
    for name in list(os.environ):
        if name.startswith(("OPENAI_", "BOT_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    monkeypatch.setenv("ANONYMIZED_TELEMETRY", "False")


@pytest.fixture(scope="session")
def embedder():
    return load_embedder()


@pytest.fixture(scope="session")
def shipped_bank():
    from bot.bank import load_bank
    from bot.settings import SHIPPED_BANK_DIR

    return load_bank(SHIPPED_BANK_DIR)


@pytest.fixture(scope="session")
def shipped_index(shipped_bank, embedder, tmp_path_factory):
    """The shipped bank indexed once per test session, questions and reference answers."""
    from bot.index import open_index
    from bot.settings import Settings

    index = open_index(Settings(data_dir=tmp_path_factory.mktemp("shipped-index")), embedder)
    index.sync(shipped_bank)
    return index


VALID_QUESTION = """\
  - id: {id}
    topic: {topic}
    subtopic: drift detection
    type: {type}
    levels: [{levels}]
    difficulty: {difficulty}
    minutes: 8
    question: {question}
    rubric:
      - id: drift-kinds
        weight: 2
        point: Separates data drift, concept drift and label drift.
      - id: detection
        weight: 3
        point: Runs PSI or a KS test per feature over a window with a threshold.
      - id: response
        weight: 1
        point: Investigates, then retrains and validates before promotion.
    red_flags:
      - Retraining every day solves any drift.
    level_signals:
      junior: Names drift.
      senior: Plans detection, alerting and response.
    follow_ups:
      - question: Which PSI threshold would you alert on?
        targets: [detection]
      - question: What happens after the alert?
        targets: [response]
    reference_answer: Data drift changes inputs; concept drift changes the mapping. Use PSI per feature.
    tags: [drift, monitoring]
"""


def question_yaml(
    id="monitor-drift",
    topic="mlops_monitor_retrain",
    type="scenario",
    levels="mid, senior",
    difficulty=2,
    question="How would you detect drift in a fraud model?",
):
    """One valid question as YAML list-item text, with the given fields changed."""
    return VALID_QUESTION.format(
        id=id, topic=topic, type=type, levels=levels, difficulty=difficulty, question=question
    )


def write_bank(folder: Path, files: dict[str, str], version: str | None = "1.2.0") -> Path:
    """A bank folder holding these files (name -> text)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(textwrap.dedent(text) if not text.startswith("questions") else text)
    if version is not None:
        (folder / "VERSION").write_text(version + "\n")
    return folder


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, seconds: float, process=None) -> bool:
    """True once something accepts connections on 127.0.0.1:port; False after `seconds` or if
    the process it waits for has exited."""
    import time

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.2)
    return False
