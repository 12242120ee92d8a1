"""What a recruiter asks of a screening set, and the checks that turn bad input into one clear sentence."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.bank import LEVELS, QUESTION_TYPES, TOPICS, Question
from bot.errors import BotError
from bot.screening_draw import DEFAULT_MIX, difficulty_shares

DEFAULT_COUNT = 8
MAX_COUNT = 50
MIN_MINUTES, MAX_MINUTES = 5, 240


class ScreeningError(BotError):
    """A screening request that is invalid or cannot be met."""


@dataclass(frozen=True)
class ScreenRequest:
    """What a recruiter asks for. Topic weights (empty: every topic alike) or a job description
    (then positive weights, if any, only narrow the topics it draws from); a count or a time budget
    in minutes (neither: 8 questions; both: both limits hold); a difficulty mix as shares."""

    role: str = "ML engineer"
    level: str = "mid"
    topic_weights: Mapping[str, float] = field(default_factory=dict)
    job_description: str = ""
    count: int | None = None
    minutes: int | None = None
    difficulty_mix: Mapping[int, float] = field(default_factory=lambda: dict(DEFAULT_MIX))
    types: tuple[str, ...] = ()
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    seed: int = 0

    @property
    def question_limit(self) -> int:
        """The most questions the set may hold."""
        if self.count is not None:
            return self.count
        return MAX_COUNT if self.minutes is not None else DEFAULT_COUNT

    @property
    def chosen_topics(self) -> dict[str, float]:
        """Topic -> weight of the topics to draw from."""
        chosen = {topic: float(weight) for topic, weight in self.topic_weights.items() if weight > 0}
        return chosen or {topic: 1.0 for topic in TOPICS}


def parse_topic_weights(items: list[str], weights: Mapping[str, float] | None = None) -> dict[str, float]:
    """Topic weights from entries like 'mlops_deploy_serve=2' (a bare topic weighs 1), added to `weights`."""
    parsed = dict(weights or {})
    for item in filter(None, (entry.strip() for entry in items)):
        topic, _, weight = item.partition("=")
        try:
            parsed[topic.strip()] = float(weight) if weight.strip() else 1.0
        except ValueError:
            raise ScreeningError(f"The weight in {item!r} must be a number, as in mlops_deploy_serve=2.") from None
    return parsed


def check_request(request: ScreenRequest, questions: Mapping[str, Question]) -> None:
    """Raises ScreeningError naming the first unknown or out-of-range input."""
    if request.level not in LEVELS:
        raise ScreeningError(f"Unknown level {request.level!r}; choose one of {', '.join(LEVELS)}.")
    for topic, weight in request.topic_weights.items():
        if topic not in TOPICS:
            raise ScreeningError(f"Unknown topic {topic!r}; choose from {', '.join(TOPICS)}.")
        if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not weight >= 0:
            raise ScreeningError(f"The weight of topic {topic!r} must be a number of 0 or more, got {weight!r}.")
    if request.topic_weights and not any(weight > 0 for weight in request.topic_weights.values()):
        raise ScreeningError("At least one topic needs a weight above 0.")
    for question_type in request.types:
        if question_type not in QUESTION_TYPES:
            raise ScreeningError(f"Unknown question type {question_type!r}; choose from {', '.join(QUESTION_TYPES)}.")
    for verb, ids in (("include", request.include), ("exclude", request.exclude)):
        for question_id in ids:
            if question_id not in questions:
                raise ScreeningError(f"The question {question_id!r} to {verb} is not in the bank.")
    for question_id in sorted(set(request.include) & set(request.exclude)):
        raise ScreeningError(f"The question {question_id!r} is both included and excluded.")
    if request.count is not None and not (isinstance(request.count, int) and 1 <= request.count <= MAX_COUNT):
        raise ScreeningError(f"The number of questions must be between 1 and {MAX_COUNT}, got {request.count!r}.")
    if request.minutes is not None and not (
        isinstance(request.minutes, (int, float)) and MIN_MINUTES <= request.minutes <= MAX_MINUTES
    ):
        raise ScreeningError(
            f"The time budget must be between {MIN_MINUTES} and {MAX_MINUTES} minutes, got {request.minutes!r}."
        )
    try:
        difficulty_shares(request.difficulty_mix)
    except ValueError as error:
        raise ScreeningError(str(error)) from None
    if len(set(request.include)) > request.question_limit:
        raise ScreeningError(
            f"{len(set(request.include))} questions are included but the set holds only {request.question_limit}."
        )
