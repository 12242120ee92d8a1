"""The interviewer kit and the candidate sheet as PDF (fpdf2 core fonts, text mapped to latin-1 like the
report card): the same content as their Markdown, laid out for print. Pure functions, no I/O."""

from __future__ import annotations

from datetime import date, datetime, timezone

from fpdf.enums import XPos, YPos

from bot.bank import LEVELS, TOPIC_LABELS
from bot.kit import (CREDITS, RECOMMENDATIONS, RED_FLAG_PENALTY, SCORE_RULE, Block, Kit, KitItem, kit_facts,
                     minutes_text, share_text, text_blocks)
from bot.report_export import PdfPage, latin1
from bot.scoring import CREDIT_VALUE, quote

BOX = 3.2  # side of a tick box, mm
CODE_SIZE = 8.5


def kit_pdf(kit: Kit) -> bytes:
    """The interviewer kit as a PDF: header, one section per question, and the summary sheet."""
    pdf = _start(f"Interviewer kit: {kit.role}", kit_facts(kit), kit.date)
    pdf.paragraph(f"How to score. {SCORE_RULE}")
    for item in kit.items:
        _question_pdf(pdf, item)
    pdf.add_page()
    _summary_pdf(pdf, kit)
    return bytes(pdf.output())


def sheet_pdf(kit: Kit) -> bytes:
    """The candidate sheet as a PDF: header, instructions, and each question with its time."""
    pdf = _start(f"Candidate sheet: {kit.role}", [f for f in kit_facts(kit) if f[0] != "Questions"], kit.date)
    pdf.heading("Instructions", 12)
    pdf.paragraph(kit.instructions)
    for item in kit.items:
        pdf.heading(f"Question {item.number} ({minutes_text(item.question.minutes)})", 12)
        pdf.blocks(text_blocks(item.question.question))
    return bytes(pdf.output())


class _KitPage(PdfPage):
    """The report card's page, plus paragraphs of prose or code, labels and tick boxes."""

    def paragraph(self, text: str, style: str = "", size: int = 10) -> None:
        self.set_font("Helvetica", style, size)
        self.write_lines(" ".join(text.split()), 5)
        self.set_font("Helvetica", "", 10)
        self.ln(1.5)

    def code(self, text: str) -> None:
        """Monospaced lines on a grey ground, line breaks and indentation kept."""
        self.set_font("Courier", "", CODE_SIZE)
        self.set_fill_color(244, 244, 244)
        self.multi_cell(0, 4, latin1(text.expandtabs(4)), fill=True, align="L", new_x=XPos.LMARGIN,
                        new_y=YPos.NEXT)
        self.set_font("Helvetica", "", 10)
        self.ln(1.5)

    def blocks(self, blocks: list[Block], style: str = "") -> None:
        """Prose paragraphs in the given style, code blocks monospaced."""
        for block in blocks:
            if block.code:
                self.code(block.text)
            else:
                self.paragraph(block.text, style)

    def label(self, text: str) -> None:
        if self.will_page_break(15):  # a label never ends a page
            self.add_page()
        self.ln(1)
        self.set_font("Helvetica", "B", 10)
        self.write_lines(text, 5)
        self.set_font("Helvetica", "", 10)

    def tick_box(self, text: str) -> None:
        """A list item opened by an empty box to tick."""
        self.set_x(self.l_margin + 2)
        self.rect(self.get_x(), self.get_y() + 0.9, BOX, BOX)
        self.cell(BOX + 2.5, 5, "")
        self.multi_cell(0, 5, latin1(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def grid(self, rows: list[tuple[str, ...]], widths: tuple[float, ...], align: tuple[str, ...]) -> None:
        """A table whose first row is the header."""
        with self.table(col_widths=widths, text_align=align, line_height=5.5) as table:
            for row in rows:
                cells = table.row()
                for text in row:
                    cells.cell(latin1(text))
        self.ln(2)


def _start(title: str, facts: list[tuple[str, str]], day: date) -> _KitPage:
    pdf = _KitPage(format="A4")
    pdf.set_creation_date(datetime.combine(day, datetime.min.time(), tzinfo=timezone.utc))  # same kit, same bytes
    pdf.title_page(title, facts)
    pdf.ln(2)
    return pdf


def _question_pdf(pdf: _KitPage, item: KitItem) -> None:
    q = item.question
    pdf.heading(f"Question {item.number}: {TOPIC_LABELS[q.topic]}", 13)
    pdf.set_text_color(90)
    pdf.paragraph(f"{q.type} - difficulty {q.difficulty} of 3 - {minutes_text(q.minutes)} - id {q.id}", size=9)
    pdf.set_text_color(0)
    pdf.blocks(text_blocks(q.question), style="I")
    if item.covers:
        pdf.paragraph(f"Covers: {item.covers}", style="B")
    pdf.label("Rubric (weight, share of the score)")
    for p in q.rubric:
        pdf.tick_box(f"{p.id} (weight {p.weight:g}, {share_text(item.share(p.id))}): {p.point}")
    pdf.label("Follow-ups")
    for f in q.follow_ups:
        pdf.bullet(f"{f.question} (probes: {', '.join(f.targets)})")
    pdf.label("Red flags")
    for flag in q.red_flags:
        pdf.bullet(flag)
    pdf.label("Level signals")
    for level in (level for level in LEVELS if level in q.level_signals):
        pdf.bullet(f"{level}: {q.level_signals[level]}")
    pdf.label("Reference answer")
    pdf.blocks(text_blocks(q.reference_answer))
    _scoring_box(pdf, item)


def _scoring_box(pdf: _KitPage, item: KitItem) -> None:
    if pdf.will_page_break(5.5 * (len(item.question.rubric) + 1) + 30):  # the box stays on one page
        pdf.add_page()
    pdf.label("Scoring")
    rows = [("Rubric point", "Weight", "Share", "Full", "Partial", "None")]
    for p in item.question.rubric:
        share = item.share(p.id)
        rows.append((p.id, f"{p.weight:g}", share_text(share),
                     *(f"[ ] {round(share * CREDIT_VALUE[c], 1):g}" for c in CREDITS)))
    pdf.grid(rows, (66, 18, 18, 26, 26, 26), ("LEFT", "RIGHT", "RIGHT", "CENTER", "CENTER", "CENTER"))
    for line in (f"Red flags stated (-{RED_FLAG_PENALTY} each): ____", "Notes: " + "_" * 70):
        pdf.write_lines(line, 6)
    pdf.set_font("Helvetica", "B", 11)
    pdf.write_lines("Score: ____ / 100", 7)
    pdf.set_font("Helvetica", "", 10)


def _summary_pdf(pdf: _KitPage, kit: Kit) -> None:
    pdf.heading("Summary sheet")
    for line in ("Candidate: " + "_" * 40, "Interviewer: " + "_" * 40):
        pdf.write_lines(line, 7)
    pdf.ln(2)
    rows = [("#", "Question", "Topic", "Minutes", "Score /100")]
    rows += [(str(item.number), quote(item.question.question, 90), TOPIC_LABELS[item.question.topic],
              str(item.question.minutes), "") for item in kit.items]
    pdf.grid(rows, (8, 92, 40, 18, 22), ("RIGHT", "LEFT", "LEFT", "RIGHT", "RIGHT"))
    pdf.set_font("Helvetica", "B", 11)
    pdf.write_lines("Overall score (mean of the question scores): ____ / 100", 7)
    pdf.heading("Hire recommendation (tick one)", 12)
    for label, meaning in RECOMMENDATIONS:
        pdf.set_font("Helvetica", "B", 10)
        pdf.tick_box(label)
        pdf.set_font("Helvetica", "", 10)
        pdf.write_lines(meaning, 5, indent=2 + BOX + 2.5)
        pdf.ln(1)
