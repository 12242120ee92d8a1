"""The recruiter tab: build a screening set (topics or a job description), preview and swap its
questions, export the interviewer kit and candidate sheet, and score candidates' answers in bulk."""

from __future__ import annotations

import datetime
import logging
import uuid
from pathlib import Path

import gradio as gr

from bot.bank import LEVELS, QUESTION_TYPES, TOPIC_LABELS, TOPICS
from bot.errors import BotError
from bot.index import question_vectors
from bot.screening import ScreenRequest, build_screening_set, swap_question
from bot.screening_request import parse_topic_weights
from bot.ui.interview_tab import EXPORTS, prune_exports
from bot.views import screening_markdown

MIXES = {
    "Balanced: 25% easy, 50% medium, 25% hard": {1: 0.25, 2: 0.5, 3: 0.25},
    "Gentler: 50% easy, 40% medium, 10% hard": {1: 0.5, 2: 0.4, 3: 0.1},
    "Harder: 10% easy, 40% medium, 50% hard": {1: 0.1, 2: 0.4, 3: 0.5},
}
FAILED = "Something went wrong on our side; nothing was lost. Try again."
NO_SET = "Build a set first."


def recruiter_tab(context, app: gr.Blocks) -> None:
    """Two parts: the screening set with its exports, then bulk scoring of candidates' answers."""
    bank = list(context.bank)
    vectors = question_vectors(bank, context.embedder)
    current = gr.State(None)  # the ScreeningSet on screen

    gr.Markdown("### Screening set\nDrawn from chosen topics, or from the questions nearest a job description's "
                "requirements. The same inputs and seed always give the same set.")
    with gr.Row():
        role = gr.Textbox(label="Role", value="ML Engineer", scale=2)
        level = gr.Dropdown(list(LEVELS), value="mid", label="Level", scale=1)
        count = gr.Number(label="Questions", value=6, precision=0, minimum=1, maximum=50, scale=1)
        minutes = gr.Number(label="Time budget, minutes (0: none)", value=0, precision=0, minimum=0, scale=1)
        seed = gr.Number(label="Seed", value=0, precision=0, scale=1)
    with gr.Row():
        topics = gr.Dropdown([(TOPIC_LABELS[t], t) for t in TOPICS], value=[], multiselect=True,
                             label="Topics (none: every topic)", scale=3)
        weights = gr.Textbox(label="Weights (optional)", placeholder="e.g. mlops_deploy_serve=2, ml_system_design=1",
                             scale=2)
    job = gr.Textbox(label="…or paste a job description (questions follow its requirements)", lines=4)
    with gr.Accordion("More options", open=False):
        with gr.Row():
            mix = gr.Radio(list(MIXES), value=next(iter(MIXES)), label="Difficulty mix")
            types = gr.CheckboxGroup(list(QUESTION_TYPES), value=[], label="Question types (none: any)")
        with gr.Row():
            include = gr.Textbox(label="Always include (question ids, comma-separated)")
            exclude = gr.Textbox(label="Never include (question ids, comma-separated)")
    build_button = gr.Button("Build the set", variant="primary", elem_classes="screen-build")
    status = gr.Markdown(elem_classes="coach-status")
    preview = gr.Markdown(elem_classes="screen-preview")
    with gr.Row(visible=False) as set_tools:
        swap_choice = gr.Dropdown([], label="Swap a question for another of the same topic and level", scale=3)
        swap_button = gr.Button("Swap it", scale=1, elem_classes="screen-swap")
        export_button = gr.Button("Export kit and candidate sheet", variant="primary", scale=1,
                                  elem_classes="screen-export")
    exports = gr.File(label="Interviewer kit and candidate sheet", file_count="multiple", visible=False,
                      elem_classes="screen-files")

    gr.Markdown("### Score candidates\nUpload a CSV (columns candidate, question_id, answer) or JSONL of written "
                "answers. Bad rows are listed by row number; the rest are scored with the same engine as "
                "`python -m bot grade`.")
    with gr.Row():
        upload = gr.File(label="Candidates' answers (.csv or .jsonl)", file_types=[".csv", ".jsonl"], scale=3,
                         elem_classes="score-upload")
        with gr.Column(scale=1):
            only_set = gr.Checkbox(label="Rank over the set above (a missing answer counts 0)", value=False)
            score_button = gr.Button("Score the answers", variant="primary", elem_classes="score-run")
    score_status = gr.Markdown(elem_classes="coach-status")
    reports = gr.File(label="Score reports", file_count="multiple", visible=False, elem_classes="score-files")
    report = gr.Markdown(elem_classes="score-report")

    def shown_set(chosen, note: str = "") -> dict:
        ids = [pick.question.id for pick in chosen.picks]
        return {current: chosen, status: note, preview: screening_markdown(chosen),
                set_tools: gr.update(visible=True), swap_choice: gr.update(choices=ids, value=ids[0]),
                exports: gr.update(value=None, visible=False)}

    def build(role_v, level_v, count_v, minutes_v, seed_v, topics_v, weights_v, job_v, mix_v, types_v, inc, exc):
        try:
            request = ScreenRequest(
                role=(role_v or "").strip() or "ML Engineer", level=level_v,
                topic_weights=parse_topic_weights((weights_v or "").split(","), {t: 1.0 for t in topics_v or ()}), job_description=(job_v or "").strip(),
                count=int(count_v) if count_v else None, minutes=int(minutes_v) if minutes_v else None,
                difficulty_mix=MIXES[mix_v], types=tuple(types_v or ()), include=_ids(inc), exclude=_ids(exc),
                seed=int(seed_v or 0),
            )
            return shown_set(build_screening_set(request, bank, vectors, context.embedder))
        except BotError as error:
            return {status: f"**{error}**"}
        except Exception:
            logging.getLogger(__name__).exception("building a screening set failed")
            return {status: f"**{FAILED}**"}

    def swap(chosen, question_id):
        if chosen is None or not question_id:
            return {status: f"**{NO_SET}**"}
        try:
            swapped = swap_question(chosen, question_id, context.bank, vectors, chosen.request.seed)
        except BotError as error:
            return {status: f"**{error}**"}
        new = next(p.question.id for p in swapped.picks if p.question.id not in chosen.question_ids)
        return shown_set(swapped, f"Swapped {question_id} for {new}.")

    def export(chosen):
        if chosen is None:
            return {status: f"**{NO_SET}**"}
        from bot.kit import build_kit
        from bot.kit_export import write_exports

        kit = build_kit(chosen.request.role, datetime.date.today(), chosen.request.level,
                        [(pick.question, pick.requirement) for pick in chosen.picks])
        prune_exports(EXPORTS)
        paths = write_exports(EXPORTS / f"kit-{uuid.uuid4().hex[:12]}", kit)
        return {exports: gr.update(value=[str(p) for p in paths.values()], visible=True), status: ""}

    def score(file, use_set, chosen, progress=gr.Progress()):
        if not file:
            return {score_status: "**Upload a CSV or JSONL file of answers first.**"}
        from bot.candidate_report import report_csv, report_markdown, summary_csv
        from bot.candidates import answers_format, score_candidates

        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
            ids = chosen.question_ids if use_set and chosen is not None else None
            grader = next(iter(context.coaches.values())).grader
            result = score_candidates(text, answers_format(path.name), context.bank, grader, ids,
                                      progress=lambda done, total: progress((done, total), unit="answers"))
        except UnicodeDecodeError:
            return {score_status: f"**{path.name} is not UTF-8 text; save it as UTF-8 CSV and upload again.**"}
        except BotError as error:
            return {score_status: f"**{error}**"}
        except Exception:
            logging.getLogger(__name__).exception("scoring %s failed", path.name)
            return {score_status: f"**{FAILED}**"}
        markdown = report_markdown(result, f"Screening scores: {path.stem}")
        folder = EXPORTS / f"scores-{uuid.uuid4().hex[:12]}"
        folder.mkdir(parents=True, exist_ok=True)
        files = {f"{path.stem}-summary.csv": summary_csv(result), f"{path.stem}-scores.csv": report_csv(result),
                 f"{path.stem}-report.md": markdown}
        for name, content in files.items():
            (folder / name).write_text(content, encoding="utf-8")
        return {score_status: "", report: markdown,
                reports: gr.update(value=[str(folder / name) for name in files], visible=True)}

    inputs = [role, level, count, minutes, seed, topics, weights, job, mix, types, include, exclude]
    shown = [current, status, preview, set_tools, swap_choice, exports]
    build_button.click(build, inputs, shown, api_name="screen_build")
    swap_button.click(swap, [current, swap_choice], shown, api_name="screen_swap")
    export_button.click(export, [current], [exports, status], api_name="screen_export")
    score_button.click(score, [upload, only_set, current], [score_status, report, reports], api_name="screen_score")


def _ids(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in (text or "").replace("\n", ",").split(",") if part.strip())

