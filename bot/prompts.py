"""The prompt files in prompts/: their declared variables, loading, rendering and version."""

from __future__ import annotations

import hashlib
import string
from dataclasses import dataclass
from pathlib import Path

from bot.errors import BotError

PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
PROMPTS_VERSION = "1"  # bump when a prompt's meaning changes; the content hash catches edits too

# Every prompt file, `<name>.<role>.md`, and the variables it must use: no more, no fewer.
VARIABLES: dict[str, frozenset[str]] = {
    "interviewer.system": frozenset({"level", "mode"}),
    "follow_up.user": frozenset({"question", "answer", "follow_up"}),
    "score_answer.system": frozenset(),
    "score_answer.user": frozenset(
        {"level", "topic", "question", "rubric", "red_flags", "level_signals", "reference_answer", "answer"}
    ),
    "feedback.user": frozenset({"question", "score", "band", "level", "criteria", "reference_excerpt"}),
    "report.user": frozenset({"level", "results"}),
}


class PromptError(BotError):
    """A prompt file is missing, or its placeholders differ from what the code passes."""


def placeholders(template: str) -> set[str]:
    """The names of the {placeholders} in a template; doubled braces are literal."""
    try:
        return {field for _, field, _, _ in string.Formatter().parse(template) if field is not None}
    except ValueError as error:
        raise PromptError(f"bad brace in template: {error}") from None


@dataclass(frozen=True)
class Prompts:
    """The loaded prompt templates and their version, for score provenance."""

    templates: dict[str, str]
    version: str

    def render(self, name: str, **values: object) -> str:
        """The prompt `name` (e.g. "score_answer.user") with its variables filled in."""
        expected = VARIABLES[name]
        if set(values) != expected:
            missing, extra = sorted(expected - set(values)), sorted(set(values) - expected)
            raise PromptError(f"prompt {name} needs {missing or 'nothing more'}, got extra {extra or 'nothing'}.")
        return self.templates[name].format(**{key: str(value) for key, value in values.items()})


def load_prompts(folder: Path = PROMPTS_DIR) -> Prompts:
    """Every declared prompt from `folder`, checked against its variables."""
    templates: dict[str, str] = {}
    digest = hashlib.sha256()
    for name in sorted(VARIABLES):
        path = folder / f"{name}.md"
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            raise PromptError(f"{path}: prompt file is missing or unreadable.") from None
        try:
            found = placeholders(text)
        except PromptError as error:
            raise PromptError(f"{path}: {error}") from None
        if found != VARIABLES[name]:
            unknown, unused = sorted(found - VARIABLES[name]), sorted(VARIABLES[name] - found)
            raise PromptError(f"{path}: unknown placeholders {unknown}, declared but unused {unused}.")
        templates[name] = text.strip()
        digest.update(name.encode() + b"\0" + text.encode())
    return Prompts(templates=templates, version=f"{PROMPTS_VERSION}+{digest.hexdigest()[:8]}")
