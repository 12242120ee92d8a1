"""The page: header, theme and one tab per job. `bot.ui` is the only package besides app.py that imports gradio."""

from __future__ import annotations

from dataclasses import dataclass, field

import gradio as gr

from bot.bank import Bank
from bot.index import QuestionIndex
from bot.ui.bank_tab import bank_tab
from bot.ui.history_tab import history_tab
from bot.ui.interview_tab import interview_tab
from bot.ui.recruiter_tab import recruiter_tab

CSS = """
.coach-header h1 { margin-bottom: 0.1em; }
.coach-subtitle { color: var(--body-text-color-subdued); }
.question-table .body-cell, .question-table .body-cell *, .question-table .header-cell,
.question-table .header-cell *, .history-table .body-cell, .history-table .body-cell *,
.history-table .header-cell, .history-table .header-cell * { font-family: var(--font) !important; font-size: 0.92rem; }
.question-table .virtual-row, .history-table .virtual-row { cursor: pointer; }
.search-button { align-self: end; max-height: 3.2rem; }
.question-detail { position: sticky; top: 1rem; align-self: flex-start; }
.coach-feedback { max-height: 640px; overflow-y: auto; }
.coach-status p { color: var(--error-text-color); }
.coach-feedback blockquote { margin: 0.2em 0 0.4em 0; color: var(--body-text-color-subdued); }
"""


# Counts each running session's clock on from the seconds the server last sent (the browser's own
# clock, so no skew and no server round trip).
CLOCK_SCRIPT = """<script>
setInterval(() => {
  for (const clock of document.querySelectorAll(".coach-clock[data-elapsed]")) {
    clock.dataset.seen = clock.dataset.seen || String(Date.now());
    const seconds = Number(clock.dataset.elapsed) + Math.floor((Date.now() - Number(clock.dataset.seen)) / 1000);
    clock.textContent = `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, "0")} s`;
  }
}, 1000);
</script>"""


def theme() -> gr.themes.Base:
    """A calm, readable theme."""
    return gr.themes.Soft(primary_hue="indigo", neutral_hue="slate")


@dataclass(frozen=True)
class AppContext:
    """What the page works with, built once by app.py."""

    bank: Bank
    index: QuestionIndex
    engine_label: str = "offline (no key needed)"
    coaches: dict = field(default_factory=dict)  # engine name -> Coach
    embedder: object = None  # the offline embedding model, for job descriptions and question vectors


def build_app(context: AppContext) -> gr.Blocks:
    """The whole page: a header and one tab per job."""
    # Report files Gradio copies to serve downloads are removed after a day, checked hourly.
    with gr.Blocks(title="ML Interview Coach", delete_cache=(3600, 24 * 3600)) as app:
        with gr.Column(elem_classes="coach-header"):
            gr.Markdown("# ML Interview Coach")
            gr.Markdown(_subtitle(context), elem_classes="coach-subtitle")
        with gr.Tabs() as tabs:
            with gr.Tab("Mock interview", id="interview"):
                interview = interview_tab(context, app)
            with gr.Tab("Topic drill", id="drill"):
                drill = interview_tab(context, app, drill=True)
            with gr.Tab("History", id="history") as history:
                history_tab(context, app, history, tabs, (interview, drill))
            with gr.Tab("Question bank", id="bank"):
                bank_tab(context, app)
            with gr.Tab("Recruiter", id="recruiter"):
                recruiter_tab(context, app)
    return app


def _subtitle(context: AppContext) -> str:
    topics = len({q.topic for q in context.bank})
    return (
        f"{len(context.bank)} questions in {topics} topics, each with its own rubric · "
        f"bank {context.bank.version} · grading: {context.engine_label}"
    )


