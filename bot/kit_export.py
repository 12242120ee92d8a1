"""A screening set for download: the interviewer kit and the candidate sheet as Markdown, PDF, CSV and
JSON, named after the role and date. Pure functions, except write_exports."""

from __future__ import annotations

import datetime
import json
import re
import unicodedata
from pathlib import Path

from bot.bank import LEVELS, TOPIC_LABELS, Question, validate_question
from bot.kit import (CREDITS, RECOMMENDATIONS, RED_FLAG_PENALTY, SCORE_RULE, Block, Kit, KitError, KitItem,
                     build_kit, kit_facts, minutes_text, share_text, text_blocks)
from bot.kit_pdf import kit_pdf, sheet_pdf
from bot.scoring import CREDIT_VALUE, quote
from bot.catalog import csv_text

__all__ = ["Kit", "KitError", "KitItem", "build_kit", "kit_markdown", "sheet_markdown", "kit_pdf", "sheet_pdf",
           "kit_csv", "sheet_csv", "kit_json", "sheet_json", "kit_from_json", "role_slug", "kit_file_names",
           "kit_exports", "write_exports"]

KIT_KIND, SHEET_KIND = "interviewer-kit", "candidate-sheet"
KIT_CSV_COLUMNS = ("number", "question_id", "topic", "question", "point_id", "weight", "point", "follow_ups",
                   "red_flags", "reference_answer")
SHEET_CSV_COLUMNS = ("number", "question_id", "minutes", "question")
BLANK = "____"
MAX_SLUG = 60


def kit_markdown(kit: Kit) -> str:
    """The interviewer kit: header, each question with its rubric checklist, follow-ups, red flags,
    level signals, reference answer and scoring box, then the summary sheet."""
    lines = [f"# Interviewer kit: {kit.role}", ""] + [f"- **{name}:** {value}" for name, value in kit_facts(kit)]
    lines += ["", f"**How to score.** {SCORE_RULE}"]
    for item in kit.items:
        lines += ["", "---", ""] + _question_markdown(item)
    lines += ["", "---", ""] + _summary_markdown(kit)
    return "\n".join(lines) + "\n"


def sheet_markdown(kit: Kit) -> str:
    """The candidate sheet: role, level, date, instructions, and each question with its time."""
    lines = [f"# Candidate sheet: {kit.role}", ""]
    lines += [f"- **{name}:** {value}" for name, value in kit_facts(kit) if name != "Questions"]
    lines += ["", "## Instructions", "", kit.instructions]
    for item in kit.items:
        lines += ["", f"## Question {item.number} ({minutes_text(item.question.minutes)})", ""]
        lines += _blocks_markdown(text_blocks(item.question.question))
    return "\n".join(lines) + "\n"


def _question_markdown(item: KitItem) -> list[str]:
    q = item.question
    lines = [f"## Question {item.number}: {TOPIC_LABELS[q.topic]}", "",
             f"*{q.type} · difficulty {q.difficulty} of 3 · {minutes_text(q.minutes)} · id `{q.id}`*", ""]
    lines += _blocks_markdown(text_blocks(q.question))
    if item.covers:
        lines += ["", f"**Covers:** {item.covers}"]
    lines += ["", "**Rubric** (weight, share of the score)", ""]
    lines += [f"- [ ] **{p.id}** (weight {p.weight:g}, {share_text(item.share(p.id))}): {p.point}" for p in q.rubric]
    lines += ["", "**Follow-ups**", ""]
    lines += [f"- {f.question} *(probes: {', '.join(f.targets)})*" for f in q.follow_ups]
    lines += ["", "**Red flags**", ""] + [f"- {flag}" for flag in q.red_flags]
    lines += ["", "**Level signals**", ""]
    lines += [f"- **{level}:** {q.level_signals[level]}" for level in LEVELS if level in q.level_signals]
    lines += ["", "**Reference answer**", ""] + _blocks_markdown(text_blocks(q.reference_answer))
    lines += ["", "**Scoring**", "", "| Rubric point | Weight | Share | Full | Partial | None |",
              "| --- | ---: | ---: | :---: | :---: | :---: |"]
    for p in q.rubric:
        credits = " | ".join(f"[ ] {_points(item.share(p.id) * CREDIT_VALUE[c])}" for c in CREDITS)
        lines.append(f"| {p.id} | {p.weight:g} | {share_text(item.share(p.id))} | {credits} |")
    return lines + ["", f"- Red flags stated (−{RED_FLAG_PENALTY} each): {BLANK}",
                    f"- Notes: {BLANK * 8}", f"- **Score: {BLANK} / 100**"]


def _summary_markdown(kit: Kit) -> list[str]:
    lines = ["## Summary sheet", "", f"- **Candidate:** {BLANK * 4}", f"- **Interviewer:** {BLANK * 4}", "",
             "| # | Question | Topic | Minutes | Score /100 |", "| ---: | --- | --- | ---: | ---: |"]
    lines += [f"| {item.number} | {_cell(quote(item.question.question, 90))} | {TOPIC_LABELS[item.question.topic]} "
              f"| {item.question.minutes} |  |" for item in kit.items]
    lines += ["", f"**Overall score** (mean of the question scores): {BLANK} / 100", "",
              "### Hire recommendation (tick one)", "", "| | Recommendation | What it means |", "| :---: | --- | --- |"]
    return lines + [f"| [ ] | {label} | {meaning} |" for label, meaning in RECOMMENDATIONS]


def _blocks_markdown(blocks: list[Block]) -> list[str]:
    lines: list[str] = []
    for block in blocks:
        fence = "`" * max(3, 1 + max(map(len, re.findall(r"`+", block.text)), default=0))  # longer than any inside
        lines += ([fence, block.text, fence] if block.code else [block.text]) + [""]
    return lines[:-1]


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _points(points: float) -> str:
    return f"{round(points, 1):g}"


def kit_csv(kit: Kit) -> str:
    """The kit as CSV, one row per rubric point; the follow-ups are those that probe the point, one per
    line, and the red flags and reference answer are the question's."""
    rows = []
    for item in kit.items:
        q = item.question
        for p in q.rubric:
            rows.append({"number": item.number, "question_id": q.id, "topic": TOPIC_LABELS[q.topic],
                         "question": q.question, "point_id": p.id, "weight": f"{p.weight:g}", "point": p.point,
                         "follow_ups": "\n".join(item.follow_ups_for(p.id)), "red_flags": "\n".join(q.red_flags),
                         "reference_answer": q.reference_answer})
    return csv_text(KIT_CSV_COLUMNS, rows)


def sheet_csv(kit: Kit) -> str:
    """The candidate sheet as CSV, one row per question."""
    rows = [{"number": item.number, "question_id": item.question.id, "minutes": item.question.minutes,
             "question": item.question.question} for item in kit.items]
    return csv_text(SHEET_CSV_COLUMNS, rows)




def kit_json(kit: Kit) -> str:
    """The whole kit as JSON: header, scoring rule, every question field with each point's share, and
    the hire scale; kit_from_json reads it back."""
    items = []
    for item in kit.items:
        data = item.question.model_dump(mode="json")
        for point in data["rubric"]:
            point["share"] = round(item.share(point["id"]), 2)
        items.append({"number": item.number, "covers": item.covers, "topic_label": TOPIC_LABELS[item.question.topic],
                      **data})
    data = {**_header_json(kit, KIT_KIND), "scoring": {"rule": SCORE_RULE, "credits": {c: CREDIT_VALUE[c] for c in CREDITS},
                                                        "red_flag_penalty": RED_FLAG_PENALTY},
            "items": items,
            "recommendations": [{"label": label, "meaning": meaning} for label, meaning in RECOMMENDATIONS]}
    return json.dumps(data, ensure_ascii=False, indent=2)


def sheet_json(kit: Kit) -> str:
    """The candidate sheet as JSON: header, instructions, and each question's number, id, minutes and text."""
    items = [{"number": item.number, "question_id": item.question.id, "minutes": item.question.minutes,
              "question": item.question.question} for item in kit.items]
    data = {**_header_json(kit, SHEET_KIND), "instructions": kit.instructions, "items": items}
    return json.dumps(data, ensure_ascii=False, indent=2)


def _header_json(kit: Kit, kind: str) -> dict:
    return {"kind": kind, "role": kit.role, "level": kit.level, "date": kit.date.isoformat(),
            "questions": len(kit.items), "total_minutes": kit.total_minutes}


def kit_from_json(text: str) -> Kit:
    """The kit that kit_json wrote; KitError names the field or item that is wrong."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise KitError(f"The kit is not valid JSON: {error.msg} at line {error.lineno}.") from None
    if not isinstance(data, dict) or data.get("kind") != KIT_KIND:
        raise KitError(f"This JSON is not an interviewer kit: its 'kind' must be {KIT_KIND!r}.")
    try:
        date = datetime.date.fromisoformat(str(data.get("date")))
    except ValueError:
        raise KitError(f"The kit's 'date' must be YYYY-MM-DD, got {data.get('date')!r}.") from None
    items = data.get("items") if isinstance(data.get("items"), list) else []
    return build_kit(data.get("role", ""), date, data.get("level"), [_item_from_json(n, raw) for n, raw in
                                                                     enumerate(items, start=1)])


def _item_from_json(number: int, raw: object) -> tuple[Question, str | None]:
    if not isinstance(raw, dict):
        raise KitError(f"Item {number} of the kit must be an object.")
    fields = {k: v for k, v in raw.items() if k not in ("number", "covers", "topic_label")}
    if isinstance(fields.get("rubric"), list):
        fields["rubric"] = [{k: v for k, v in p.items() if k != "share"} if isinstance(p, dict) else p
                            for p in fields["rubric"]]
    question, problems = validate_question(fields, "kit JSON", f"item {number}")
    if problems:
        first = problems[0]
        raise KitError(f"Item {number} of the kit ({first.question_id}), field {first.field}: {first.message}.")
    return question, raw.get("covers")


def role_slug(role: str) -> str:
    """The role as lowercase ASCII words joined by '-', safe in a file name on any system."""
    plain = unicodedata.normalize("NFKD", role).encode("ascii", "ignore").decode().lower()
    slug = "-".join(re.findall(r"[a-z0-9]+", plain))
    if len(slug) > MAX_SLUG:
        slug = slug[: MAX_SLUG + 1].rsplit("-", 1)[0]
    return slug or "role"


def kit_file_names(role: str, date: datetime.date) -> dict[str, str]:
    """The export file names, by key: kit_md, kit_pdf, kit_csv, kit_json, sheet_md, sheet_pdf, ..."""
    stem = f"{role_slug(role)}-{date.isoformat()}"
    return {f"{part}_{ext}": f"{stem}-{name}.{ext}" for part, name in
            (("kit", "interviewer-kit"), ("sheet", "candidate-sheet")) for ext in ("md", "pdf", "csv", "json")}


def kit_exports(kit: Kit) -> dict[str, str | bytes]:
    """Every export's content, keyed like kit_file_names."""
    return {"kit_md": kit_markdown(kit), "kit_pdf": kit_pdf(kit), "kit_csv": kit_csv(kit), "kit_json": kit_json(kit),
            "sheet_md": sheet_markdown(kit), "sheet_pdf": sheet_pdf(kit), "sheet_csv": sheet_csv(kit),
            "sheet_json": sheet_json(kit)}


def write_exports(folder: Path, kit: Kit) -> dict[str, Path]:
    """Writes the eight exports into the folder (created if missing); returns their paths by key."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    names = kit_file_names(kit.role, kit.date)
    paths = {}
    for key, content in kit_exports(kit).items():
        paths[key] = folder / names[key]
        if isinstance(content, bytes):
            paths[key].write_bytes(content)
        else:
            paths[key].write_text(content, encoding="utf-8", newline="")
    return paths
