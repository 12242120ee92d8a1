"""The history tab: past sessions, one opened with its report card and downloads, deletion, and scores over time."""

from __future__ import annotations

import logging

import gradio as gr
import pandas as pd

from bot.errors import BotError
from bot.report import build_report
from bot.report_export import report_markdown
from bot.ui.interview_tab import PracticeTab, export_files
from bot.views import HISTORY_HEADERS, NO_HISTORY, history_rows, score_points, time_limits

HISTORY_LIMIT = 100  # sessions listed; the chart still takes every stored score
NO_STORE = "History needs the app's session store: start the page with app.py."
FAILED = "Something went wrong reading the saved sessions; press Refresh to try again."
SESSION_COLUMN = HISTORY_HEADERS.index("Session")


def history_tab(context, app: gr.Blocks, tab: gr.Tab, tabs: gr.Tabs, practice: tuple[PracticeTab, ...]) -> None:
    """The session table, the opened session's report below it, and a chart of scores over time per topic.
    An unfinished session resumes in the practice tab it was started in."""
    store = next(iter(context.coaches.values())).store if context.coaches else None

    with gr.Row(equal_height=True):
        gr.Markdown("Past sessions, most recently active first. Select one to open its report.")
        refresh_button = gr.Button("Refresh", size="sm", scale=0, min_width=110, elem_classes="history-refresh")
    status = gr.Markdown(elem_classes="history-status")
    table = gr.Dataframe(
        headers=HISTORY_HEADERS,
        datatype=["str"] * 5 + ["number"] + ["str"] * 3,
        interactive=False,
        wrap=True,
        column_widths=["13%", "8%", "6%", "28%", "8%", "6%", "9%", "9%", "13%"],
        max_height=380,
        show_label=False,
        elem_classes="history-table",
    )
    # Points, not lines: a topic scored once would draw no line at all, and lines would bridge weeks of no practice.
    chart = gr.ScatterPlot(
        x="When", y="Score", color="Topic", y_lim=[-4, 104], x_title="Scored at", y_title="Score (0-100)",
        color_title="Topic", tooltip="all", label="Scores over time, per topic", elem_classes="history-chart",
        visible=False,
    )
    with gr.Column(visible=False, elem_classes="history-report") as detail_box:
        heading = gr.Markdown()
        with gr.Row():
            resume_button = gr.Button("Resume this session", size="sm", variant="primary", visible=False,
                                      elem_classes="history-resume")
            downloads = [
                gr.DownloadButton(f"Download {name}", size="sm", elem_classes=f"history-download-{name.lower()}")
                for name in ("Markdown", "PDF", "JSON")
            ]
            delete_button = gr.Button("Delete this session", size="sm", variant="stop", elem_classes="history-delete")
            confirm_button = gr.Button("Yes, delete it", size="sm", variant="stop", visible=False,
                                       elem_classes="history-delete-confirm")
            cancel_button = gr.Button("Keep it", size="sm", visible=False, elem_classes="history-delete-cancel")
        card = gr.Markdown(max_height=720, elem_classes="history-card")
    opened = gr.State("")  # the id of the session shown below the table

    def refresh():
        # Gradio's native plot draws its legend only when mounted, and a redraw set off by a changed setting
        # uses the data before the change: hidden first, the chart is mounted afresh with the new data.
        yield {chart: gr.update(visible=False)}
        yield listing()

    def listing() -> dict:
        if store is None:
            return {status: f"**{NO_STORE}**", table: gr.update(visible=False), chart: gr.update(visible=False)}
        try:
            summaries = store.list_sessions(limit=HISTORY_LIMIT)
            points = score_points(store.question_history(), context.bank)
        except BotError as error:
            return {status: f"**{error}**"}
        except Exception:  # never a traceback in the page
            logging.getLogger(__name__).exception("reading the session history failed")
            return {status: f"**{FAILED}**"}
        rows = history_rows(summaries)
        note = NO_HISTORY if not rows else ""
        if len(rows) == HISTORY_LIMIT:
            note = f"The {HISTORY_LIMIT} most recently active sessions."
        return {
            status: note,
            table: gr.update(value=rows, visible=bool(rows)),
            chart: gr.update(value=_chart_frame(points), x_lim=time_limits(points), visible=bool(points)),
        }

    def open_session(event: gr.SelectData):
        row = event.row_value
        if not row or store is None:
            return {}
        session_id = str(row[SESSION_COLUMN])
        try:
            saved = store.load(session_id)
            report = build_report(saved.state, context.bank.get)
            date = f"{saved.created_at:%Y-%m-%d %H:%M} UTC"
            files = export_files(report, session_id, date)
        except BotError as error:
            return {status: f"**{error}**", opened: "", detail_box: gr.update(visible=False)}
        except Exception:
            logging.getLogger(__name__).exception("opening session %s failed", session_id)
            return {status: f"**Session {session_id} could not be opened; press Refresh and try again.**",
                    opened: "", detail_box: gr.update(visible=False)}
        finished = saved.state.finished
        note = f"### Session {session_id} · {'finished' if finished else 'unfinished'}"
        return {
            status: "", opened: session_id, heading: note, card: report_markdown(report, session_id, date=date),
            detail_box: gr.update(visible=True), resume_button: gr.update(visible=not finished),
            **dict(zip(downloads, files)), **_asking(False),
        }

    def pick_resume(session_id):
        """Remember the session in the practice tab it belongs to, and switch to that tab."""
        try:
            saved = store.load(session_id)
        except BotError as error:
            return {status: f"**{error}**", target: ""}
        kind = "drill" if saved.state.setup.review_due else "interview"
        engine = saved.provenance.engine if saved.provenance.engine in context.coaches else "offline"
        memory = {"id": session_id, "engine": engine, "started": saved.created_at.isoformat()}
        return {target: kind, tabs: gr.Tabs(selected=kind),
                **{p.remembered: memory for p in practice if p.kind == kind}}

    def _asking(ask: bool) -> dict:
        return {delete_button: gr.update(visible=not ask), confirm_button: gr.update(visible=ask),
                cancel_button: gr.update(visible=ask)}

    def delete_session(session_id):
        if not session_id or store is None:
            yield {**_asking(False), detail_box: gr.update(visible=False)}
            return
        try:
            store.delete(session_id)
        except BotError as error:
            yield {status: f"**{error}**", **_asking(False)}
            return
        except Exception:
            logging.getLogger(__name__).exception("deleting session %s failed", session_id)
            yield {status: f"**Session {session_id} could not be deleted; press Refresh and try again.**",
                   **_asking(False)}
            return
        yield {opened: "", detail_box: gr.update(visible=False), **_asking(False), chart: gr.update(visible=False)}
        updates = listing()
        updates[status] = f"Deleted session {session_id}." + (f" {updates[status]}" if updates.get(status) else "")
        yield updates

    listed = [status, table, chart]
    shown = [status, opened, heading, card, detail_box, resume_button, *downloads, delete_button, confirm_button,
             cancel_button]
    refresh_button.click(refresh, None, listed, api_name="history_list")
    tab.select(refresh, None, listed, api_visibility="private")  # sessions finished in other tabs show at once
    app.load(refresh, None, listed, api_visibility="private")
    table.select(open_session, None, shown, api_visibility="private")
    delete_button.click(lambda: _asking(True), None, [delete_button, confirm_button, cancel_button],
                        api_visibility="private")
    cancel_button.click(lambda: _asking(False), None, [delete_button, confirm_button, cancel_button],
                        api_visibility="private")
    confirm_button.click(delete_session, [opened], [table, chart, *shown], api_visibility="private")
    target = gr.State("")  # the practice tab a resumed session goes to
    resuming = resume_button.click(pick_resume, [opened], [status, target, tabs, *(p.remembered for p in practice)],
                                   api_visibility="private")
    for each in practice:
        resuming.then(_resume_in(each), [each.remembered, target], each.outputs, api_visibility="private")


def _resume_in(practice: PracticeTab):
    def resume(memory, target):
        if target == practice.kind:
            yield from practice.resume(memory)
    return resume


def _chart_frame(points: list[dict]) -> pd.DataFrame:
    """The chart's data: one row per scored answer."""
    frame = pd.DataFrame(points, columns=["time", "score", "topic"])
    frame["time"] = pd.to_datetime(frame["time"], utc=True)
    return frame.rename(columns={"time": "When", "score": "Score", "topic": "Topic"})
