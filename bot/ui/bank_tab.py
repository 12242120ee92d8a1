"""The question bank tab: search by meaning, filters, and a question with its answer key folded away."""

from __future__ import annotations

import gradio as gr

from bot.bank import LEVELS, QUESTION_TYPES, TOPIC_LABELS, TOPICS, Question
from bot.catalog import answer_key_markdown
from bot.errors import BotError
from bot.index import SearchFilters
from bot.search import Found, find_questions

ANY = "Any"
RESULT_LIMIT = 50
WEAK_MATCH = 0.2  # below this cosine similarity a "match" has nothing to do with the search
TABLE_HEADERS = ["Question", "Topic", "Levels", "Diff", "Match"]
NOTHING_SELECTED = "Select a question in the table to read it here."


def bank_tab(context, app: gr.Blocks) -> None:
    """Search, filters, the result table and the selected question."""
    topic_choices = [(ANY, ANY)] + [(TOPIC_LABELS[t], t) for t in TOPICS]
    with gr.Row():
        query = gr.Textbox(
            label="Search by meaning",
            placeholder="e.g. feature store point-in-time joins, or: how do I catch drift with late labels",
            scale=6,
        )
        search_button = gr.Button("Search", variant="primary", scale=1, min_width=120, elem_classes="search-button")
    with gr.Row():
        topic = gr.Dropdown(topic_choices, value=ANY, label="Topic")
        level = gr.Dropdown([ANY, *LEVELS], value=ANY, label="Level")
        kind = gr.Dropdown([ANY, *QUESTION_TYPES], value=ANY, label="Type")
        difficulty = gr.Dropdown([ANY, "1", "2", "3"], value=ANY, label="Difficulty")
    summary = gr.Markdown()
    with gr.Row():
        with gr.Column(scale=3):
            table = gr.Dataframe(
                headers=TABLE_HEADERS,
                datatype=["str", "str", "str", "number", "str"],
                interactive=False,
                wrap=True,
                column_widths=["54%", "17%", "12%", "8%", "9%"],
                max_height=640,
                show_label=False,
                elem_classes="question-table",
            )
        with gr.Column(scale=2, elem_classes="question-detail"):
            detail = gr.Markdown(NOTHING_SELECTED)
            with gr.Accordion("Rubric, follow-ups and reference answer", open=False):
                answer_key = gr.Markdown("Select a question first.")
    shown_ids = gr.State([])

    filters = [query, topic, level, kind, difficulty]

    def run_search(text, topic_value, level_value, kind_value, difficulty_value):
        try:
            found = find_questions(
                context.bank,
                context.index,
                text or "",
                _filters(topic_value, level_value, kind_value, difficulty_value),
                limit=RESULT_LIMIT,
            )
        except BotError as error:
            return f"**Search failed:** {error}", [], []
        return _summary(found, bool((text or "").strip()), len(context.bank)), _rows(found), [
            f.question.id for f in found
        ]

    def open_question(ids, event: gr.SelectData):
        row = event.index[0] if isinstance(event.index, (list, tuple)) else event.index
        if row is None or row >= len(ids):
            return NOTHING_SELECTED, "Select a question first."
        question = context.bank.get(ids[row])
        return question_markdown(question), answer_key_markdown(question)

    outputs = [summary, table, shown_ids]
    search_button.click(run_search, filters, outputs)
    query.submit(run_search, filters, outputs)
    for control in (topic, level, kind, difficulty):
        control.change(run_search, filters, outputs)
    table.select(open_question, [shown_ids], [detail, answer_key])
    # Fill the table as soon as the page opens, so a newcomer sees the bank at once.
    app.load(run_search, filters, outputs)


def _filters(topic, level, kind, difficulty) -> SearchFilters:
    return SearchFilters(
        topic=None if topic in (None, ANY) else topic,
        level=None if level in (None, ANY) else level,
        type=None if kind in (None, ANY) else kind,
        difficulty=None if difficulty in (None, ANY) else int(difficulty),
    )


def _summary(found: list[Found], searched: bool, total: int) -> str:
    if not found:
        return "No questions match these filters. Try another topic or level."
    if searched and (found[0].similarity or 0.0) < WEAK_MATCH:
        return f"Nothing in the bank is close to that search; these {len(found)} are the nearest anyway."
    if searched:
        return f"{len(found)} closest questions, best match first."
    more = f" (first {len(found)} shown; narrow the filters or search)" if len(found) == RESULT_LIMIT else ""
    return f"{len(found)} of {total} questions{more}."


def _rows(found: list[Found]) -> list[list]:
    return [
        [
            f.question.question,
            TOPIC_LABELS[f.question.topic],
            ", ".join(f.question.levels),
            f.question.difficulty,
            "" if f.similarity is None else f"{f.similarity:.2f}",
        ]
        for f in found
    ]


def question_markdown(question: Question) -> str:
    """The question as a candidate sees it: no rubric, no answer."""
    return (
        f"### {question.question}\n\n"
        f"{TOPIC_LABELS[question.topic]} · {question.subtopic} · {question.type} · "
        f"levels {', '.join(question.levels)} · difficulty {question.difficulty} · about {question.minutes} min · "
        f"`{question.id}`"
    )
