"""Users' own questions: read CSV, JSON, JSONL, YAML or Markdown (the formats `bank export` writes),
validate them like the shipped bank, and write them as one YAML file in the user bank folder."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml

from bot.bank import Problem, Question, check_bank, display_path, read_bank_file, validate_question
from bot.catalog import CSV_COLUMNS
from bot.errors import BotError

IMPORT_SUFFIXES = (".csv", ".json", ".jsonl", ".yaml", ".yml", ".md")


class BankImportError(BotError):
    """The file cannot be imported; `problems` lists why, each naming file, question and field."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"{len(problems)} {noun}, nothing imported:\n" + "\n".join(f"  {p}" for p in problems))


@dataclass(frozen=True)
class RawQuestion:
    """One question as read from a file, before validation, with where it was found."""

    fields: dict
    where: str  # "row 3", "questions[2]", "## my-question"
    line: int | None


def read_questions(path: Path) -> tuple[list[RawQuestion], list[Problem]]:
    """The questions in a CSV, JSON, JSONL, YAML or Markdown file, unvalidated, and any problem
    that stops a question from being read at all."""
    name = display_path(path)
    suffix = path.suffix.lower()
    if suffix not in IMPORT_SUFFIXES:
        return [], [Problem(name, f"is not a question file: use one of {', '.join(IMPORT_SUFFIXES)}")]
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return [], [Problem(name, "does not exist")]
    except (OSError, UnicodeDecodeError) as error:
        return [], [Problem(name, f"cannot be read as UTF-8 text ({error.__class__.__name__})")]
    readers = {".csv": _from_csv, ".json": _from_json, ".jsonl": _from_jsonl, ".yaml": _from_yaml,
               ".yml": _from_yaml, ".md": _from_markdown}
    return readers[suffix](text, name)


def validate_import(
    raws: Iterable[RawQuestion], source: str, taken: dict[str, str]
) -> tuple[list[Question], list[Problem]]:
    """The valid questions and every problem, including ids used twice in the file or already
    used elsewhere (`taken`: id -> the file that holds it)."""
    questions, problems, seen = [], [], {}
    for raw in raws:
        question, found = validate_question(raw.fields, source, raw.where, raw.line)
        problems += found
        if question is None:
            continue
        if question.id in seen:
            problems.append(Problem(source, f"duplicate id, also {seen[question.id]}", question.id, "id", raw.line))
        elif question.id in taken:
            problems.append(Problem(source, f"id already used in {taken[question.id]}", question.id, "id", raw.line))
        else:
            seen[question.id] = f"line {raw.line}" if raw.line else raw.where
            questions.append(question)
    return questions, problems


def bank_file_text(questions: Iterable[Question], source: str) -> str:
    """The questions as a bank YAML file."""
    header = f"# Imported from {source} with `python -m bot bank import`.\n"
    body = {"questions": [q.model_dump(mode="json") for q in questions]}
    return header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True, width=100)


def import_file_name(path: Path) -> str:
    """The user-bank file an import of `path` writes; importing the same file again replaces it."""
    stem = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "questions"
    return f"{stem}.yaml"


@dataclass(frozen=True)
class Imported:
    path: Path  # the user-bank file written
    questions: int
    replaced: bool  # an earlier import of the same file was replaced


def import_questions(source: Path, user_dir: Path, shipped_dir: Path) -> Imported:
    """Validate every question in `source` and write them to the user bank folder as one YAML file.

    Nothing is written unless every question is valid and no id clashes with the shipped bank or
    another user file; BankImportError then lists every problem at once."""
    raws, problems = read_questions(source)
    target = Path(user_dir) / import_file_name(source)
    shipped, _ = check_bank(shipped_dir)
    taken = {q.id: display_path(Path(shipped.sources[q.id])) for q in shipped}
    others = sorted(Path(user_dir).glob("*.yaml")) if Path(user_dir).is_dir() else []
    for other in others:
        if other.resolve() != target.resolve():
            taken.update({q.id: display_path(other) for q in read_bank_file(other)[0]})
    questions, found = validate_import(raws, display_path(source), taken)
    problems += found
    if not problems and not questions:
        problems.append(Problem(display_path(source), "holds no questions"))
    if problems:
        raise BankImportError(problems)
    replaced = target.exists()
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(bank_file_text(questions, source.name), encoding="utf-8")
    return Imported(target, len(questions), replaced)


# -- readers -------------------------------------------------------------------------------------


def _from_json(text: str, name: str) -> tuple[list[RawQuestion], list[Problem]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return [], [Problem(name, f"JSON syntax error: {error.msg}", line=error.lineno)]
    if isinstance(data, dict) and isinstance(data.get("questions"), list):
        data = data["questions"]
    if not isinstance(data, list):
        return [], [Problem(name, "must hold a list of questions, or an object with a 'questions' list")]
    return _mappings(data, name, lambda i: f"questions[{i}]", lambda i: None)


def _from_jsonl(text: str, name: str) -> tuple[list[RawQuestion], list[Problem]]:
    raws, problems = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as error:
            problems.append(Problem(name, f"JSON syntax error: {error.msg}", line=number))
            continue
        if not isinstance(data, dict):
            problems.append(Problem(name, "each line must be one question object", line=number))
            continue
        raws.append(RawQuestion(data, f"line {number}", number))
    return raws, problems


def _from_yaml(text: str, name: str) -> tuple[list[RawQuestion], list[Problem]]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        return [], [Problem(name, f"YAML syntax error: {getattr(error, 'problem', None) or error}",
                            line=mark.line + 1 if mark else None)]
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        return [], [Problem(name, "must be a mapping with a 'questions' list", field="questions", line=1)]
    return _mappings(data["questions"], name, lambda i: f"questions[{i}]", lambda i: None)


def _mappings(items: list, name: str, where, line) -> tuple[list[RawQuestion], list[Problem]]:
    raws, problems = [], []
    for index, item in enumerate(items):
        if isinstance(item, dict):
            raws.append(RawQuestion(item, where(index), line(index)))
        else:
            problems.append(Problem(name, "each question must be an object with the bank's fields", where(index)))
    return raws, problems


_RUBRIC_LINE = re.compile(r"^\[(?P<id>[^,\]]+),\s*w(?P<weight>[0-9]+(?:\.[0-9]+)?)\]\s*(?P<point>.+)$")
_FOLLOW_UP_LINE = re.compile(r"^(?P<question>.+?)\s*\(->\s*(?P<targets>[^)]*)\)\s*$")
_SIGNAL_LINE = re.compile(r"^(?P<level>[a-z]+)\s*:\s*(?P<text>.+)$")


def _from_csv(text: str, name: str) -> tuple[list[RawQuestion], list[Problem]]:
    reader = csv.DictReader(io.StringIO(text))
    columns = reader.fieldnames or []
    missing = [c for c in CSV_COLUMNS if c not in columns]
    unknown = [c for c in columns if c not in CSV_COLUMNS]
    if missing or unknown:
        problems = [Problem(name, "missing column", field=c, line=1) for c in missing]
        problems += [Problem(name, f"unknown column (columns: {', '.join(CSV_COLUMNS)})", field=c, line=1)
                     for c in unknown]
        return [], problems
    raws, problems = [], []
    line = reader.line_num + 1  # a row's first line; quoted cells may span several lines
    for number, row in enumerate(reader, start=2):
        label = (row.get("id") or "").strip() or f"row {number}"
        fields, found = _csv_fields(row)
        problems += [Problem(name, message, label, field, line) for field, message in found]
        if not found:
            raws.append(RawQuestion(fields, label, line))
        line = reader.line_num + 1
    return raws, problems


def _csv_fields(row: dict) -> tuple[dict, list[tuple[str, str]]]:
    """A question's fields from a CSV row in the export's layout, and any line that does not parse."""
    found: list[tuple[str, str]] = []
    cell = {key: (value or "").strip() for key, value in row.items() if key}
    rubric = []
    for number, line in enumerate(_lines(cell["rubric"]), start=1):
        match = _RUBRIC_LINE.match(line)
        if not match:
            found.append((f"rubric line {number}", "must look like '[point-id, w2] what a strong answer contains'"))
            continue
        rubric.append({"id": match["id"].strip(), "weight": float(match["weight"]), "point": match["point"].strip()})
    signals = {}
    for number, line in enumerate(_lines(cell["level_signals"]), start=1):
        match = _SIGNAL_LINE.match(line)
        if not match:
            found.append((f"level_signals line {number}", "must look like 'senior: what a senior answer does'"))
            continue
        signals[match["level"]] = match["text"].strip()
    follow_ups = []
    for number, line in enumerate(_lines(cell["follow_ups"]), start=1):
        match = _FOLLOW_UP_LINE.match(line)
        if not match:
            found.append((f"follow_ups line {number}", "must look like 'The follow-up question? (-> point-id, other-id)'"))
            continue
        follow_ups.append({"question": match["question"].strip(), "targets": _items(match["targets"])})
    fields = {
        "id": cell["id"], "topic": cell["topic"], "subtopic": cell["subtopic"], "type": cell["type"],
        "levels": _items(cell["levels"]), "difficulty": _number(cell["difficulty"]), "minutes": _number(cell["minutes"]),
        "question": cell["question"], "rubric": rubric, "red_flags": _lines(cell["red_flags"]),
        "level_signals": signals, "follow_ups": follow_ups, "reference_answer": cell["reference_answer"],
        "tags": _items(cell["tags"]),
    }
    return fields, found


_MD_META = re.compile(
    r"^\*(?P<topic>[^/*]+?)\s*/\s*(?P<subtopic>.+?)\s*·\s*(?P<type>[a-z]+)\s*·\s*levels:\s*(?P<levels>[^·]+?)\s*·"
    r"\s*difficulty\s*(?P<difficulty>\S+)\s*·\s*(?P<minutes>\S+)\s*min\*$"
)
_MD_POINT = re.compile(r"^- \[[ x]\] \*\*(?P<id>[^*]+)\*\* \(weight (?P<weight>[0-9]+(?:\.[0-9]+)?)\):\s*(?P<point>.+)$")
_MD_SIGNAL = re.compile(r"^- \*(?P<level>[a-z]+)\*:\s*(?P<text>.+)$")
_MD_FOLLOW_UP = re.compile(r"^- (?P<question>.+?)\s*\(probes:\s*(?P<targets>[^)]*)\)\s*$")
_MD_SECTIONS = {"**Rubric**": "rubric", "**Red flags**": "red_flags", "**Level signals**": "level_signals",
                "**Follow-ups**": "follow_ups", "**Reference answer**": "reference_answer"}


def _from_markdown(text: str, name: str) -> tuple[list[RawQuestion], list[Problem]]:
    """Questions in the layout `bank export --format md` writes: a '## id' heading per question."""
    lines = text.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("## ")]
    if not starts:
        return [], [Problem(name, "holds no questions: each starts with a '## question-id' heading")]
    raws, problems = [], []
    for start, end in zip(starts, starts[1:] + [len(lines)]):
        fields, found = _markdown_fields(lines[start:end])
        label = fields.get("id") or f"line {start + 1}"
        problems += [Problem(name, message, label, field, start + 1 + offset) for field, message, offset in found]
        if not found:
            raws.append(RawQuestion(fields, label, start + 1))
    return raws, problems


def _markdown_fields(block: list[str]) -> tuple[dict, list[tuple[str, str, int]]]:
    found: list[tuple[str, str, int]] = []
    fields: dict = {"id": block[0][3:].strip()}
    sections: dict[str, list[tuple[int, str]]] = {"question": []}
    current = "question"
    meta_seen = False
    for offset, line in enumerate(block[1:], start=1):
        stripped = line.strip()
        if not meta_seen and stripped.startswith("*") and not stripped.startswith("**"):
            meta = _MD_META.match(stripped)
            if not meta:
                found.append(("meta line", "must look like '*topic / subtopic · type · levels: mid, senior · "
                              "difficulty 2 · 8 min*'", offset))
            else:
                fields.update(topic=meta["topic"], subtopic=meta["subtopic"], type=meta["type"],
                              levels=_items(meta["levels"]), difficulty=_number(meta["difficulty"]),
                              minutes=_number(meta["minutes"]))
            meta_seen = True
        elif stripped in _MD_SECTIONS:
            current = _MD_SECTIONS[stripped]
            sections[current] = []
        elif stripped.startswith("Tags:") and current == "reference_answer":
            fields["tags"] = _items(stripped[len("Tags:"):])
            current = "after"
        else:
            sections.setdefault(current, []).append((offset, line))
    if not meta_seen:
        found.append(("meta line", "is missing under the heading", 0))
    fields["question"] = _paragraphs(sections.get("question", []))
    fields["reference_answer"] = _paragraphs(sections.get("reference_answer", []))
    fields["rubric"] = _bullets(sections, "rubric", _MD_POINT, found, lambda m: {
        "id": m["id"].strip(), "weight": float(m["weight"]), "point": m["point"].strip()},
        "must look like '- [ ] **point-id** (weight 2): what a strong answer contains'")
    fields["red_flags"] = [line.strip()[2:].strip() for _, line in sections.get("red_flags", [])
                           if line.strip().startswith("- ")]
    fields["level_signals"] = dict(_bullets(sections, "level_signals", _MD_SIGNAL, found, lambda m: (
        m["level"], m["text"].strip()), "must look like '- *senior*: what a senior answer does'"))
    fields["follow_ups"] = _bullets(sections, "follow_ups", _MD_FOLLOW_UP, found, lambda m: {
        "question": m["question"].strip(), "targets": _items(m["targets"])},
        "must look like '- The follow-up question? (probes: point-id)'")
    for section in ("rubric", "red_flags", "level_signals", "follow_ups", "reference_answer"):
        if section not in sections:
            found.append((section, f"section '{_section_title(section)}' is missing", 0))
    return fields, found


def _bullets(sections, section, pattern, found, build, shape):
    items = []
    for offset, line in sections.get(section, []):
        if not line.strip():
            continue
        match = pattern.match(line.strip())
        if match:
            items.append(build(match))
        else:
            found.append((section, shape, offset))
    return items


def _section_title(section: str) -> str:
    return next(title for title, name in _MD_SECTIONS.items() if name == section)


def _paragraphs(lines: list[tuple[int, str]]) -> str:
    text = "\n".join(line for _, line in lines).strip()
    return text


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _items(text: str) -> list[str]:
    return [item.strip() for item in re.split(r"[;,]", text) if item.strip()]


def _number(text: str):
    text = text.strip()
    return int(text) if text.isdigit() else text
