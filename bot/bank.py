"""The question bank: the question model, and loading YAML bank files with clear validation."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from bot.errors import BotError

Topic = Literal[
    "ml_fundamentals",
    "math_foundations",
    "stats_probability",
    "deep_learning",
    "nlp_llm",
    "computer_vision",
    "recsys_search_ranking",
    "other_ml_domains",
    "data_features",
    "evaluation_metrics",
    "experimentation_ab",
    "ml_system_design",
    "mlops_deploy_serve",
    "mlops_monitor_retrain",
    "mlops_platform_cicd",
    "data_eng_sql",
    "coding",
    "distributed_infra",
    "behavioral",
]
Level = Literal["junior", "mid", "senior", "staff"]
QuestionType = Literal["conceptual", "scenario", "design", "coding", "behavioral"]

TOPICS: tuple[str, ...] = get_args(Topic)
TOPIC_LABELS: dict[str, str] = {
    "ml_fundamentals": "ML fundamentals",
    "math_foundations": "Math foundations",
    "stats_probability": "Statistics & probability",
    "deep_learning": "Deep learning",
    "nlp_llm": "NLP & LLMs",
    "computer_vision": "Computer vision",
    "recsys_search_ranking": "Recommendation, search & ranking",
    "other_ml_domains": "RL, time series, anomaly & fraud",
    "data_features": "Data & features",
    "evaluation_metrics": "Evaluation & metrics",
    "experimentation_ab": "Experimentation & A/B tests",
    "ml_system_design": "ML system design",
    "mlops_deploy_serve": "MLOps: deploy & serve",
    "mlops_monitor_retrain": "MLOps: monitor & retrain",
    "mlops_platform_cicd": "MLOps: platform & CI/CD",
    "data_eng_sql": "Data engineering & SQL",
    "coding": "Coding",
    "distributed_infra": "Distributed training & infra",
    "behavioral": "Behavioral",
}
LEVELS: tuple[str, ...] = get_args(Level)
QUESTION_TYPES: tuple[str, ...] = get_args(QuestionType)

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
BANK_FILE_SUFFIXES = (".yaml", ".yml")


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("must not be empty")
    return text.strip()


Text = Annotated[str, AfterValidator(_not_blank)]
Slug = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
Tag = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9 ./+#-]*$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class RubricPoint(_Strict):
    """One key point of a rubric: what a full-credit mention contains, and how much it weighs."""

    id: Slug
    weight: float = Field(gt=0)
    point: Text


class FollowUp(_Strict):
    """A follow-up question aimed at one or more rubric points."""

    question: Text
    targets: tuple[Slug, ...] = Field(min_length=1)


class Question(_Strict):
    """A bank question with its rubric, red flags, level signals, follow-ups and reference answer."""

    id: Slug
    topic: Topic
    subtopic: Text
    type: QuestionType
    levels: tuple[Level, ...] = Field(min_length=1)
    difficulty: int = Field(ge=1, le=3)
    minutes: int = Field(ge=1, le=60)
    question: Text
    rubric: tuple[RubricPoint, ...] = Field(min_length=3, max_length=7)
    red_flags: tuple[Text, ...] = Field(min_length=1)
    level_signals: dict[Level, Text] = Field(min_length=2)
    follow_ups: tuple[FollowUp, ...] = Field(min_length=2)
    reference_answer: Text
    tags: tuple[Tag, ...] = Field(min_length=1)

    @property
    def total_weight(self) -> float:
        """Sum of the rubric weights."""
        return sum(point.weight for point in self.rubric)

    def content_hash(self) -> str:
        """A hash of every field, so an index can tell when a question changed."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a bank file, located by file, line, question id and field."""

    file: str
    message: str
    question_id: str | None = None
    field: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        parts = [where, self.question_id, self.field, self.message]
        return ": ".join(part for part in parts if part)


class BankError(BotError):
    """The bank could not be loaded; `problems` lists every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        noun = "problem" if len(problems) == 1 else "problems"
        lines = "\n".join(f"  {problem}" for problem in problems)
        super().__init__(f"The question bank has {len(problems)} {noun}:\n{lines}")


class UnknownQuestionError(BotError):
    """A question id that is not in the bank."""


@dataclass(frozen=True)
class Bank:
    """The loaded bank: questions in file order, the version, and where each question came from."""

    questions: tuple[Question, ...]
    version: str
    sources: dict[str, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.questions)

    def __iter__(self):
        return iter(self.questions)

    def get(self, question_id: str) -> Question:
        """The question with this id."""
        for question in self.questions:
            if question.id == question_id:
                return question
        raise UnknownQuestionError(f"There is no question with id {question_id!r} in the bank.")

    def with_topic(self, topic: str) -> tuple[Question, ...]:
        """Questions of one topic."""
        return tuple(question for question in self.questions if question.topic == topic)


def load_bank(*dirs: Path) -> Bank:
    """The bank from the YAML files in these folders; raises BankError listing every problem."""
    bank, problems = check_bank(*dirs)
    if problems:
        raise BankError(problems)
    return bank


def check_bank(*dirs: Path) -> tuple[Bank, list[Problem]]:
    """The valid part of the bank and every problem found in the folders' files."""
    problems: list[Problem] = []
    questions: list[Question] = []
    sources: dict[str, str] = {}
    first_seen: dict[str, tuple[str, int | None]] = {}
    files: list[Path] = []
    for folder in dirs:
        folder = Path(folder)
        if not folder.is_dir():
            problems.append(Problem(str(folder), "is not a folder"))
            continue
        found = sorted(p for p in folder.iterdir() if p.suffix in BANK_FILE_SUFFIXES and p.is_file())
        if not found:
            problems.append(Problem(str(folder), "holds no question files (*.yaml)"))
        files.extend(found)

    for path in files:
        loaded, file_problems = _load_file(path)
        problems.extend(file_problems)
        for question, line in loaded:
            if question.id in first_seen:
                other_file, other_line = first_seen[question.id]
                other = f"{other_file}:{other_line}" if other_line else other_file
                problems.append(
                    Problem(display_path(path), f"duplicate id, also used in {other}", question.id, "id", line)
                )
                continue
            first_seen[question.id] = (display_path(path), line)
            sources[question.id] = str(path)
            questions.append(question)

    version = bank_version(dirs[0] if dirs else Path("."), files)
    return Bank(tuple(questions), version, sources), problems


def bank_version(folder: Path, files: Iterable[Path]) -> str:
    """The VERSION file's text plus a hash of the bank files' content, e.g. 0.1.0+3f9a1c2e."""
    version_file = Path(folder) / "VERSION"
    declared = version_file.read_text().strip() if version_file.is_file() else "0.0.0"
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.name):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return f"{declared}+{digest.hexdigest()[:8]}"


def display_path(path: Path) -> str:
    """The path relative to the working folder when it is inside it, so messages stay short."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _load_file(path: Path) -> tuple[list[tuple[Question, int | None]], list[Problem]]:
    name = display_path(path)
    text = path.read_text(encoding="utf-8")
    try:
        data = yaml.load(text, Loader=_Loader)
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(error, "problem", None) or str(error).splitlines()[0]
        return [], [Problem(name, f"YAML syntax error: {reason}", line=line)]

    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        return [], [Problem(name, "must be a mapping with a 'questions' list", field="questions", line=1)]
    extra = sorted(set(data) - {"questions"})
    problems = [Problem(name, "unknown field", field=key, line=_line(root, (key,))) for key in extra]

    items = data["questions"]
    item_nodes = _child(root, "questions")
    loaded: list[tuple[Question, int | None]] = []
    for index, raw in enumerate(items):
        node = _child(item_nodes, index)
        line = node.start_mark.line + 1 if node is not None else None
        if not isinstance(raw, dict):
            problems.append(Problem(name, "each question must be a mapping", f"questions[{index}]", line=line))
            continue
        question, found = validate_question(raw, name, f"questions[{index}]", line, node)
        problems += found
        if question is not None:
            loaded.append((question, line))
    return loaded, problems


def read_bank_file(path: Path) -> tuple[list[Question], list[Problem]]:
    """The valid questions of one bank YAML file, and its problems."""
    loaded, problems = _load_file(Path(path))
    return [question for question, _ in loaded], problems


def validate_question(
    raw: dict, source: str, where: str, line: int | None = None, node: Any = None
) -> tuple[Question | None, list[Problem]]:
    """The question in `raw`, or every problem with it, each naming the source, the question's id
    (or `where` when it has none) and the field."""
    label = raw.get("id") if isinstance(raw.get("id"), str) else where
    found = [(loc, _message(detail)) for loc, detail in _shape_errors(raw)]
    found += _relations(raw)
    problems = [Problem(source, message, label, _field_path(loc), _line(node, loc) or line) for loc, message in found]
    return (None if problems else Question.model_validate(raw)), problems


def _shape_errors(raw: dict) -> list[tuple[tuple, dict]]:
    """Pydantic's errors for one question, without length errors that only count valid items."""
    try:
        Question.model_validate(raw)
    except ValidationError as error:
        found = []
        for detail in error.errors():
            loc = tuple(detail["loc"])
            if detail["type"] in ("too_short", "too_long"):
                items = _raw_at(raw, loc)
                actual = len(items) if isinstance(items, (list, dict, str)) else 0
                low, high = detail["ctx"].get("min_length", 0), detail["ctx"].get("max_length", actual)
                if low <= actual <= high:
                    continue
                detail = {**detail, "ctx": {**detail["ctx"], "actual_length": actual}}
            found.append((loc, detail))
        return found
    return []


def _raw_at(raw: Any, loc: tuple) -> Any:
    for part in loc:
        if isinstance(raw, dict) and part in raw:
            raw = raw[part]
        elif isinstance(raw, list) and isinstance(part, int) and part < len(raw):
            raw = raw[part]
        else:
            return None
    return raw


def _relations(raw: dict) -> list[tuple[tuple, str]]:
    """Problems between fields: repeated point ids, follow-ups aimed at points that do not exist."""
    found: list[tuple[tuple, str]] = []
    rubric = raw.get("rubric") if isinstance(raw.get("rubric"), list) else []
    point_ids = [p.get("id") for p in rubric if isinstance(p, dict) and isinstance(p.get("id"), str)]
    seen: set[str] = set()
    for index, point in enumerate(rubric):
        point_id = point.get("id") if isinstance(point, dict) else None
        if isinstance(point_id, str) and point_id in seen:
            found.append((("rubric", index, "id"), f"duplicate rubric point id {point_id!r}"))
        seen.add(point_id)
    follow_ups = raw.get("follow_ups") if isinstance(raw.get("follow_ups"), list) else []
    for index, follow_up in enumerate(follow_ups):
        targets = follow_up.get("targets") if isinstance(follow_up, dict) else None
        for target_index, target in enumerate(targets if isinstance(targets, list) else []):
            if isinstance(target, str) and target not in point_ids:
                loc = ("follow_ups", index, "targets", target_index)
                found.append((loc, f"aims at unknown rubric point {target!r} (points: {', '.join(point_ids)})"))
    levels = raw.get("levels")
    if isinstance(levels, list) and len(set(map(str, levels))) != len(levels):
        found.append((("levels",), "lists a level twice"))
    return found


def _message(detail: dict[str, Any]) -> str:
    kind = detail["type"]
    ctx = detail.get("ctx", {})
    loc = detail["loc"]
    value = detail.get("input")
    if kind == "missing":
        return "missing field"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "literal_error":
        if loc and loc[-1] == "topic":
            return f"unknown topic {value!r}"
        return f"must be one of {ctx.get('expected')}, got {value!r}"
    if kind == "greater_than":
        return f"must be greater than {ctx['gt']:g}, got {value!r}"
    if kind in ("greater_than_equal", "less_than_equal"):
        return f"must be between its limits ({detail['msg'].lower()}), got {value!r}"
    if kind == "too_short":
        if loc == ("rubric",):
            return f"needs 3 to 7 rubric points, got {ctx['actual_length']}"
        return f"needs at least {ctx['min_length']}, got {ctx['actual_length']}"
    if kind == "too_long":
        if loc == ("rubric",):
            return f"needs 3 to 7 rubric points, got {ctx['actual_length']}"
        return f"allows at most {ctx['max_length']}, got {ctx['actual_length']}"
    if kind == "string_pattern_mismatch":
        return f"must be lowercase words joined by '-', got {value!r}"
    if kind == "value_error":
        return str(ctx.get("error", detail["msg"]))
    return detail["msg"].lower()


def _field_path(loc: tuple) -> str:
    path = ""
    for part in loc:
        if part == "[key]":
            continue
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """Safe YAML loading, with the C parser when it is available."""


def _child(node: Any, key: Any) -> Any:
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            if key_node.value == key:
                return value_node
    if isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
        return node.value[key]
    return None


def _line(node: Any, loc: tuple) -> int | None:
    """The 1-based line of the deepest node along loc that exists."""
    best = node.start_mark.line + 1 if node is not None else None
    for part in loc:
        node = _child(node, part)
        if node is None:
            break
        best = node.start_mark.line + 1
    return best
