"""The mock interview and the topic drill: setup, a streaming chat, commands, feedback, and the report."""

from __future__ import annotations

import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import gradio as gr

from bot.bank import LEVELS, TOPIC_LABELS, TOPICS
from bot.errors import BotError
from bot.interview import Setup
from bot.report import build_report
from bot.report_export import report_json, report_markdown, report_pdf
from bot.views import chat_from_turns, feedback_markdown, progress_html

COMMANDS = ("Hint", "Repeat", "Skip", "End")
FAILED = "Something went wrong on our side; your answer is saved. Try again, or reload the page to resume."
EXPORTS = Path(tempfile.gettempdir()) / "ml-interview-coach"  # report files for the download buttons
EXPORTS_KEPT_FOR = 24 * 3600  # seconds; older report folders are removed when a new one is written


@dataclass(frozen=True)
class PracticeTab:
    """What another tab needs to resume a session here: the remembered session and the resume event."""

    kind: str  # "interview" or "drill", also the tab's id
    remembered: gr.BrowserState
    resume: object  # generator function taking a remembered session
    outputs: list


def interview_tab(context, app: gr.Blocks, drill: bool = False) -> PracticeTab:
    """One practice tab: a mock interview over chosen topics, or a drill on one topic or theme."""
    coaches = context.coaches
    kind = "drill" if drill else "interview"  # CSS class prefix, so each tab's parts can be told apart
    engines = [(_engine_label(name, coach), name) for name, coach in coaches.items()]
    session = gr.State({})  # this browser tab's session: id, engine, start time
    remembered = gr.BrowserState({}, storage_key="coach-drill" if drill else "coach-interview")

    with gr.Column(visible=False) as resume_box:
        resume_text = gr.Markdown()
        with gr.Row():
            resume_button = gr.Button("Resume it", variant="primary")
            discard_button = gr.Button("Start a new one")
    with gr.Column() as setup_box:
        with gr.Row():
            level = gr.Dropdown(list(LEVELS), value="mid", label="Level")
            if drill:
                topic = gr.Dropdown([(TOPIC_LABELS[t], t) for t in TOPICS], value="mlops_deploy_serve", label="Topic")
                theme = gr.Textbox(label="…or a theme (overrides the topic)", placeholder="e.g. feature stores")
            else:
                topic = gr.Dropdown([(TOPIC_LABELS[t], t) for t in TOPICS], value=[], multiselect=True,
                                    label="Topics (none = a mix)")
                theme = gr.Textbox(visible=False)
        with gr.Row():
            count = gr.Slider(1, 10, value=5 if drill else 3, step=1, label="Questions")
            mode = gr.Radio([("Coach: feedback after each question", "coach"),
                             ("Interview: feedback at the end", "interview")],
                            value="coach", label="Mode", visible=not drill)
            engine = gr.Radio(engines, value=engines[0][1], label="Grading")
        start_button = gr.Button("Start the drill" if drill else "Start the interview", variant="primary")
    status = gr.Markdown(elem_classes="coach-status")
    with gr.Row(visible=False) as session_box:
        with gr.Column(scale=3):
            progress = gr.HTML()
            # No label: it would float over the first message once the chat scrolls.
            chat = gr.Chatbot(label="Drill" if drill else "Interview", show_label=False, height=460, buttons=["copy"],
                              elem_classes=["coach-chat", f"{kind}-chat"], feedback_options=None,
                              group_consecutive_messages=False)
            with gr.Column() as answer_box:
                answer = gr.Textbox(label="Your answer", lines=4, placeholder="Type your answer, then press Send.")
                with gr.Row():
                    send = gr.Button("Send", variant="primary", scale=2)
                    command_buttons = [gr.Button(name, scale=1, min_width=70) for name in COMMANDS]
        with gr.Column(scale=2):
            feedback = gr.Markdown("Feedback on each answer appears here in coach mode.", elem_classes=["coach-feedback", f"{kind}-feedback"])
    with gr.Column(visible=False) as report_box:
        with gr.Row():
            downloads = [gr.DownloadButton(f"Download {name}", size="sm", elem_classes=f"{kind}-download-{name.lower()}")
                         for name in ("Markdown", "PDF", "JSON")]
        report = gr.Markdown(elem_classes=["coach-report", f"{kind}-report"])
        again = gr.Button("Practise again", variant="primary")

    boxes = [setup_box, session_box, report_box, resume_box]

    def shown(*which):
        return [gr.update(visible=box in which) for box in boxes]

    def begin(level_value, topic_value, theme_value, count_value, mode_value, engine_value):
        coach = coaches[engine_value]
        topics = (topic_value,) if drill and topic_value else tuple(topic_value or ()) if not drill else ()
        setup = Setup(level=level_value, topics=topics, theme=(theme_value or "").strip() if drill else "",
                      questions=int(count_value), mode="coach" if drill else mode_value, review_due=drill)
        try:
            turn = coach.start(setup)
        except BotError as error:
            yield {status: f"**{error}**"}
            return
        now = datetime.now(UTC)
        state = {"id": turn.session_id, "engine": engine_value, "started": now.isoformat()}
        history = []
        first = {session: state, remembered: state, status: "", answer: "", answer_box: gr.update(visible=True),
                 progress: progress_html(turn.state, now, now),
                 feedback: "Feedback on each answer appears here in coach mode." if setup.mode == "coach"
                 else "Interview mode: feedback comes with the report at the end.",
                 **dict(zip(boxes, shown(session_box)))}
        yield from _stream(coach, turn, history, state, first)

    def _stream(coach, turn, history, state, shown_first=None):
        """The interviewer's replies: streamed when an LLM words them, else the whole turn in one
        update (each update costs the server a pass over the components it touches)."""
        current = None
        for reply, piece in coach.speak(turn):
            if reply is not current:
                history = history + [{"role": "assistant", "content": ""}]
                current = reply
            history[-1] = {"role": "assistant", "content": history[-1]["content"] + piece}
            if coach.streams:
                yield {**(shown_first or {}), chat: history}
                shown_first = None
        yield {**(shown_first or {}), chat: history, **_after_turn(coach, turn, state)}

    def _after_turn(coach, turn, state):
        started = datetime.fromisoformat(state["started"])
        updates = {progress: progress_html(turn.state, started, datetime.now(UTC))}
        scored = [r for r in turn.state.records if r.score is not None]
        if scored and turn.state.setup.mode == "coach" and scored[-1].outcome == "answered":
            updates[feedback] = feedback_markdown(scored[-1].score, context.bank.get(scored[-1].question_id).question)
        if turn.state.finished:
            card = build_report(turn.state, context.bank.get)
            date = f"{datetime.fromisoformat(state['started']):%Y-%m-%d %H:%M} UTC"
            updates[report] = report_markdown(card, turn.session_id, date=date)
            updates.update(zip(downloads, export_files(card, turn.session_id, date)))
            updates[remembered] = {}
            updates[answer_box] = gr.update(visible=False)
            updates.update(dict(zip(boxes, shown(session_box, report_box))))
        return updates

    def say(text, history, state, memory):
        first = {answer: "", status: ""}
        if not state.get("id") and memory and memory.get("id") and memory.get("engine") in coaches:
            state = memory  # the server forgot this tab's session (restart or eviction); the browser did not
            first[session] = state
        if not state.get("id"):
            yield {status: "**Start an interview first.**"}
            return
        coach = coaches[state["engine"]]
        history = list(history or []) + [{"role": "user", "content": text}]
        if coach.streams:  # the answer shows at once while the model thinks
            yield {**first, chat: history}
            first = {}
        try:
            turn = coach.answer(state["id"], coach.store.load_state(state["id"]), text)
        except BotError as error:
            yield {status: f"**{error}**"}
            return
        except Exception:  # never a traceback in the page; the answer was saved before grading
            yield {status: f"**{FAILED}**"}
            return
        yield from _stream(coach, turn, history, state, first)

    def offer_resume(memory):
        if not memory or not memory.get("id") or memory.get("engine") not in coaches:
            return shown(setup_box) + [""]
        try:
            saved = coaches[memory["engine"]].store.load(memory["id"])
        except BotError:
            return shown(setup_box) + [""]
        if saved.state.finished:
            return shown(setup_box) + [""]
        setup = saved.state.setup
        text = (f"You have an unfinished {'drill' if drill else 'interview'}: question {len(saved.state.records)} "
                f"of {setup.questions}, {setup.level} level, started {saved.created_at:%d %b %H:%M} UTC.")
        return shown(setup_box, resume_box) + [text]

    def resume(memory):
        if not memory or memory.get("engine") not in coaches:
            return
        coach = coaches[memory["engine"]]
        try:
            turn = coach.resume(memory["id"])
            saved = coach.store.load(memory["id"])
        except BotError as error:
            yield {status: f"**{error}**", **dict(zip(boxes, shown(setup_box)))}
            return
        state = {"id": memory["id"], "engine": memory["engine"], "started": saved.created_at.isoformat()}
        history = chat_from_turns(saved.turns)
        first = {session: state, remembered: state, status: "", answer_box: gr.update(visible=True), **dict(zip(boxes, shown(session_box)))}
        yield from _stream(coach, turn, history, state, first)

    outputs = [session, remembered, status, answer, chat, progress, feedback, report, answer_box, *downloads, *boxes]
    inputs = [level, topic, theme, count, mode, engine]
    # Named endpoints, so scripts and the load benchmark can drive a session through gradio_client.
    start_button.click(begin, inputs, outputs, api_name=f"{kind}_start")
    send.click(say, [answer, chat, session, remembered], outputs, api_name=f"{kind}_answer")
    for button in command_buttons:
        button.click(_command(say, button.value.lower()), [chat, session, remembered], outputs,
                     api_name=f"{kind}_{button.value.lower()}")
    resume_button.click(resume, [remembered], outputs, api_name=f"{kind}_resume")
    discard_button.click(lambda: [{}] + shown(setup_box), None, [remembered, *boxes])
    again.click(lambda: [{}, [], ""] + shown(setup_box), None, [session, chat, status, *boxes])
    app.load(offer_resume, [remembered], [*boxes, resume_text])
    return PracticeTab(kind, remembered, resume, outputs)


def export_files(card, session_id: str, date: str, folder: Path = EXPORTS) -> list[str]:
    """The report card written as Markdown, PDF and JSON files for the download buttons."""
    prune_exports(folder)
    target = folder / session_id
    target.mkdir(parents=True, exist_ok=True)
    files = {
        "report.md": report_markdown(card, session_id, date=date).encode(),
        "report.pdf": report_pdf(card, session_id, date=date),
        "report.json": report_json(card, session_id, date=date).encode(),
    }
    for name, content in files.items():
        (target / f"interview-{session_id}-{name}").write_bytes(content)
    return [str(target / f"interview-{session_id}-{name}") for name in files]


def prune_exports(folder: Path, kept_for: float = EXPORTS_KEPT_FOR, now: float | None = None) -> None:
    """Remove report folders written longer ago than `kept_for` seconds; the reports stay in the database."""
    if not folder.is_dir():
        return
    oldest = (time.time() if now is None else now) - kept_for
    for session_folder in folder.iterdir():
        try:
            if session_folder.is_dir() and session_folder.stat().st_mtime < oldest:
                shutil.rmtree(session_folder, ignore_errors=True)
        except OSError:  # another request removed it first
            continue


def _command(say, command: str):
    def run(history, state, memory):
        yield from say(command, history, state, memory)
    return run


def _engine_label(name: str, coach) -> str:
    if name == "offline":
        return "Offline (no key needed)"
    return f"LLM: {coach.provenance.model}"
