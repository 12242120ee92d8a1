"""The report card for download: a Report as Markdown, JSON or PDF. Pure functions, no I/O."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import asdict

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from bot.bank import TOPIC_LABELS
from bot.report import QuestionResult, Report
from bot.views import CREDIT_MARKS
from bot.scoring import band_for

TITLE = "Interview report card"
MARKS = CREDIT_MARKS  # the page's symbols: every system font has them, unlike emoji
CREDITS = {"full": "full credit", "partial": "partial credit", "none": "missed", "not_assessed": "not assessed"}
OUTCOMES = {"dont_know": "did not know"}
NO_STRENGTHS = "None yet: no rubric point was fully covered."
NO_GAPS = "None: every graded point was at least partly covered."
NO_DRILL = "Nothing to drill yet: no answer was scored."
COMMAND = re.compile(r"(python -m bot \S.*)$")

# PDF: the core fonts cover latin-1 only, so text goes through latin1 first.
PDF_MARKS = {"full": "[full]", "partial": "[partial]", "none": "[missed]", "not_assessed": "[n/a]"}
PDF_COLORS = {"full": (0, 128, 0), "partial": (200, 120, 0), "none": (190, 0, 0), "not_assessed": (110, 110, 110)}
BAND_COLORS = {"strong": (46, 139, 87), "solid": (100, 170, 90), "developing": (230, 160, 40),
               "needs work": (205, 70, 60)}
_ASCII = str.maketrans({
    "‘": "'", "’": "'", "‚": "'", "′": "'", "“": '"', "”": '"', "„": '"', "″": '"',
    "–": "-", "—": "-", "‒": "-", "−": "-", "…": "...", "•": "-",
    "→": "->", "←": "<-", "⇒": "=>", "≤": "<=", "≥": ">=", "≈": "~", "≠": "!=",
    "\u200b": "", "\u200d": "", "\ufe0f": "", "\r": "",  # zero-width joiners and emoji variation selectors
})


def report_markdown(report: Report, session_id: str | None, title: str = TITLE, date: str | None = None) -> str:
    """The report card as Markdown: summary, question table, per-point checklists, topics, plan."""
    lines = [f"# {_inline(title)}", ""] + [f"- **{name}:** {value}" for name, value in _facts(report, session_id, date)]
    lines += ["", "## Questions", ""]
    if report.results:
        lines += ["| # | Topic | Score | Band | Outcome |", "| ---: | --- | ---: | --- | --- |"]
        lines += [f"| {r.number} | {_cell(TOPIC_LABELS[r.topic])} | {_score(r)} | {r.band or '—'} | "
                  f"{_cell(_outcome(r))} |" for r in report.results]
        for r in report.results:
            lines += ["", f"### {r.number}. {_inline(TOPIC_LABELS[r.topic])} — {_scored(r)}", ""]
            lines += [f"> {line}" if line.strip() else ">" for line in r.question.strip().splitlines()] + [""]
            lines += _question_markdown(r)
    else:
        lines.append("No question was asked.")
    lines += ["", "## By topic", ""]
    if report.topics:
        lines += ["| Topic | Questions | Mean | Band | Chart |", "| --- | ---: | ---: | --- | --- |"]
        lines += [f"| {_cell(t.label)} | {t.questions} | {t.mean} | {t.band} | {_bar(t.mean)} |" for t in report.topics]
    else:
        lines.append("No answer was scored yet.")
    for heading, items in _closing_sections(report):
        code = heading == "Study plan"  # its lines end with a command to run
        lines += ["", f"## {heading}", ""] + [f"- {_code(item) if code else _inline(item)}" for item in items]
    return "\n".join(lines) + "\n"


def report_json(report: Report, session_id: str | None, date: str | None = None) -> str:
    """The report with every field as JSON, keys in the dataclasses' order."""
    data = {"session_id": session_id, "date": date, **asdict(report)}
    return json.dumps(data, ensure_ascii=False, indent=2)


def report_pdf(report: Report, session_id: str | None, title: str = TITLE, date: str | None = None) -> bytes:
    """The report card as a PDF: the Markdown's content, with a bar chart of the topic means."""
    pdf = PdfPage(format="A4")
    pdf.title_page(title, _facts(report, session_id, date))

    pdf.heading("Questions")
    if report.results:
        with pdf.table(col_widths=(8, 62, 16, 28, 66), text_align=("RIGHT", "LEFT", "RIGHT", "LEFT", "LEFT"),
                       line_height=5.5) as table:
            for row in [("#", "Topic", "Score", "Band", "Outcome")] + [
                (str(r.number), TOPIC_LABELS[r.topic], _score(r, "-"), r.band or "-", _outcome(r))
                for r in report.results
            ]:
                cells = table.row()
                for text in row:
                    cells.cell(latin1(text))
        for r in report.results:
            _question_pdf(pdf, r)
    else:
        pdf.write_lines("No question was asked.", 5)

    pdf.heading("By topic")
    if report.topics:
        _topic_chart(pdf, report)
    else:
        pdf.write_lines("No answer was scored yet.", 5)
    for heading, items in _closing_sections(report):
        pdf.heading(heading)
        for item in items:
            pdf.bullet(item)
    return bytes(pdf.output())


def _facts(report: Report, session_id: str | None, date: str | None) -> list[tuple[str, str]]:
    answered = sum(r.score is not None for r in report.results)
    overall = "no answers scored" if report.overall is None else f"{report.overall}/100 ({band_for(report.overall)})"
    facts = [("Overall", overall), ("Questions scored", f"{answered} of {report.planned}"),
             ("Level", report.level), ("Mode", report.mode)]
    return facts + [(name, _inline(value)) for name, value in (("Date", date), ("Session", session_id)) if value]


def _closing_sections(report: Report) -> list[tuple[str, list[str]]]:
    return [
        ("Strengths", list(report.strengths) or [NO_STRENGTHS]),
        ("Gaps", list(report.gaps) or [NO_GAPS]),
        ("Study plan", list(report.drill) or [NO_DRILL]),
    ]


def _outcome(result: QuestionResult) -> str:
    words = OUTCOMES.get(result.outcome, result.outcome)
    if result.outcome == "ended" and result.score is None:
        words = "ended before an answer"
    if result.hints:
        words += f", {result.hints} hint{'s' if result.hints != 1 else ''}"
    return words


def _score(result: QuestionResult, missing: str = "—") -> str:
    return missing if result.score is None else str(result.score)


def _scored(result: QuestionResult) -> str:
    return "not scored" if result.score is None else f"{result.score}/100 ({result.band})"


def _unanswered(result: QuestionResult) -> str:
    if result.outcome == "in progress":
        return "Not answered yet: the question is still open."
    return "Not answered: the interview ended before an answer."


def _weight(weight: float) -> str:
    return f"{weight:g}"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _question_markdown(result: QuestionResult) -> list[str]:
    if result.score is None:
        return [f"_{_unanswered(result)}_"]
    lines = []
    for c in result.criteria:
        lines.append(f"- {MARKS[c.credit]} **{_inline(c.point_id)}** (weight {_weight(c.weight)}, "
                     f"{CREDITS[c.credit]}): {_inline(c.point)}")
        if c.evidence:
            lines.append(f"  - Evidence: “{_inline(c.evidence)}”")
    for heading, items in (("Red flags stated", result.red_flags), ("Feedback", _lines(result.feedback)),
                           ("Notes", result.notes)):
        if items:
            lines += ["", f"**{heading}**", ""] + [f"- {_inline(item)}" for item in items]
    return lines


def _inline(text: str) -> str:
    return " ".join(text.split())


def _cell(text: str) -> str:
    """Text safe inside a Markdown table cell: one line, pipes escaped."""
    return _inline(text).replace("|", "\\|")


def _code(text: str) -> str:
    return COMMAND.sub(r"`\1`", _inline(text))


def _bar(mean: int, width: int = 10) -> str:
    filled = round(mean * width / 100)
    return "█" * filled + "░" * (width - filled)


def latin1(text: str) -> str:
    """The text in latin-1, all the PDF core fonts cover: punctuation to ASCII, accents dropped, the rest '?'."""
    out = []
    for char in text.translate(_ASCII):
        if ord(char) < 256:
            out.append(char)
            continue
        plain = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c))
        out.append(plain if plain and all(ord(c) < 256 for c in plain) else "?")
    return "".join(out)


class PdfPage(FPDF):
    """An FPDF page with the report card's two text styles and page numbers."""

    def heading(self, text: str, size: int = 14) -> None:
        if self.will_page_break(size * 0.5 + 15):  # a heading never ends a page
            self.add_page()
        self.ln(3)
        self.set_font("Helvetica", "B", size)
        self.write_lines(text, size * 0.5)
        self.set_font("Helvetica", "", 10)

    def write_lines(self, text: str, height: float, indent: float = 0) -> None:
        """Wrapped text from the left margin (plus `indent`), whatever characters it holds."""
        self.set_x(self.l_margin + indent)
        self.multi_cell(0, height, latin1(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def bullet(self, text: str, height: float = 5) -> None:
        """A list item whose wrapped lines hang under its first word."""
        self.set_x(self.l_margin + 2)
        self.cell(4, height, "-")
        self.multi_cell(0, height, latin1(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def title_page(self, title: str, facts: list[tuple[str, str]]) -> None:
        """A4 margins, the document title, and its facts as 'name: value' lines on the first page."""
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=15)
        self.set_title(latin1(title))
        self.add_page()
        self.set_font("Helvetica", "B", 18)
        self.write_lines(title, 9)
        self.set_font("Helvetica", "", 10)
        for name, value in facts:
            self.write_lines(f"{name}: {value}", 5)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", "", 8)
        self.set_text_color(120)
        self.cell(0, 5, f"Page {self.page_no()}", align="R")
        self.set_text_color(0)


def _question_pdf(pdf: PdfPage, result: QuestionResult) -> None:
    pdf.heading(f"{result.number}. {TOPIC_LABELS[result.topic]} - {_scored(result)}", 12)
    pdf.set_font("Helvetica", "I", 10)
    pdf.write_lines(result.question.strip(), 5)
    pdf.set_font("Helvetica", "", 10)
    pdf.ln(1)
    if result.score is None:
        pdf.write_lines(_unanswered(result), 5)
        return
    for c in result.criteria:
        pdf.set_text_color(*PDF_COLORS[c.credit])
        pdf.set_font("Helvetica", "B", 9)
        pdf.cell(18, 5, PDF_MARKS[c.credit])
        pdf.set_text_color(0)
        pdf.set_font("Helvetica", "", 10)
        pdf.multi_cell(0, 5, latin1(f"{c.point_id} (weight {_weight(c.weight)}): {_inline(c.point)}"), align="L",
                       new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if c.evidence:
            pdf.set_font("Helvetica", "I", 9)
            pdf.set_text_color(70)
            pdf.write_lines(f'Evidence: "{_inline(c.evidence)}"', 4.5, indent=18)
            pdf.set_text_color(0)
            pdf.set_font("Helvetica", "", 10)
    for flag in result.red_flags:
        pdf.set_text_color(*PDF_COLORS["none"])
        pdf.write_lines(f"Red flag stated: {_inline(flag)}", 5)
        pdf.set_text_color(0)
    for heading, items in (("Feedback", _lines(result.feedback)), ("Notes", result.notes)):
        if items:
            pdf.set_font("Helvetica", "B", 10)
            pdf.write_lines(heading, 5)
            pdf.set_font("Helvetica", "", 10)
            for item in items:
                pdf.bullet(item)


def _topic_chart(pdf: PdfPage, report: Report, label_width: float = 62, bar_width: float = 68,
                 height: float = 7) -> None:
    """One labelled horizontal bar per topic, its length the topic's mean out of 100."""
    for topic in report.topics:
        if pdf.will_page_break(height):
            pdf.add_page()
        y = pdf.get_y()
        pdf.cell(label_width, height, latin1(topic.label))
        x = pdf.l_margin + label_width
        pdf.set_fill_color(232, 232, 232)
        pdf.rect(x, y + 1.5, bar_width, height - 3, style="F")
        if topic.mean:
            pdf.set_fill_color(*BAND_COLORS[topic.band])
            pdf.rect(x, y + 1.5, bar_width * topic.mean / 100, height - 3, style="F")
        pdf.set_xy(x + bar_width + 3, y)
        count = f"{topic.questions} question{'s' if topic.questions != 1 else ''}"
        pdf.cell(0, height, f"{topic.mean} ({topic.band}), {count}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
