"""The page in a real headless Chromium: the app started as a newcomer starts it, driven like a user."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import free_port, wait_for_port

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
ROOT = Path(__file__).resolve().parent.parent
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "OPENAI_"))}
    env.update(BOT_PORT=str(port), BOT_DATA_DIR=str(tmp_path_factory.mktemp("app-data")))
    log = (tmp_path_factory.mktemp("app-log") / "app.log").open("w")
    process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    if not wait_for_port(port, 180, process):
        process.kill()
        pytest.fail(f"app.py did not serve within 180 s (exit code {process.poll()}); see {log.name}")
    yield f"http://127.0.0.1:{port}/"
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not shutil.which(CHROMIUM):
        pytest.fail("Debian's chromium is needed for browser tests: apt-get install chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1360, "height": 1000})
    page = context.new_page()
    page.goto(app_url)
    page.get_by_text("each with its own rubric").wait_for(timeout=30_000)
    page.get_by_role("tab", name="Question bank").click()
    yield page
    context.close()


def shot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def table_rows(page):
    rows = page.locator(".question-table .virtual-row")
    rows.first.wait_for(timeout=15_000)
    return rows


def test_bank_browser_lists_questions_on_open(page):
    page.get_by_text(re.compile(r"^\d+ of \d+ questions")).wait_for(timeout=15_000)
    assert table_rows(page).count() >= 5
    assert page.get_by_text("ML Interview Coach").first.is_visible()
    shot(page, "bank-browser")


def test_search_by_meaning_puts_the_relevant_question_first(page):
    page.get_by_label("Search by meaning").fill("point-in-time correct joins in a feature store")
    page.get_by_role("button", name="Search").click()
    page.get_by_text("closest questions, best match first").wait_for(timeout=15_000)
    first_row = table_rows(page).first.inner_text().lower()
    assert "feature store" in first_row or "point-in-time" in first_row
    shot(page, "bank-search")


def test_selecting_a_question_shows_it_and_keeps_the_rubric_folded(page):
    first_question = table_rows(page).first.locator(".body-cell").first
    text = first_question.inner_text().strip()
    first_question.click()
    page.locator(".question-detail h3").filter(has_text=text[:40]).wait_for(timeout=10_000)
    page.get_by_text("Rubric, follow-ups and reference answer").click()
    page.get_by_text("Reference answer", exact=True).wait_for(timeout=10_000)
    assert page.get_by_text("Red flags", exact=True).is_visible()
    shot(page, "bank-question-open")


def test_a_search_matching_nothing_says_so(page):
    page.get_by_label("Search by meaning").fill("!!!!")
    page.get_by_role("button", name="Search").click()
    page.get_by_text("Nothing in the bank is close to that search").wait_for(timeout=15_000)


# -- the mock interview ----------------------------------------------------------------------

BAD_ANSWER = "I am not sure. I would probably just try a bigger model and see what happens."


@pytest.fixture
def interview_page(browser, app_url):
    context = browser.new_context(viewport={"width": 1360, "height": 1000})
    page = context.new_page()
    page.goto(app_url)
    page.get_by_role("button", name="Start the interview").wait_for(timeout=30_000)
    yield page
    context.close()


@pytest.fixture(scope="module")
def shipped_questions():
    from bot.bank import load_bank
    from bot.settings import SHIPPED_BANK_DIR

    return {q.question: q for q in load_bank(SHIPPED_BANK_DIR)}


def bot_messages(page, chat="interview"):
    # While a turn is worked on, the chat shows an empty "pending" bubble: only messages with words count.
    texts = page.locator(f".{chat}-chat .message.bot:not(.pending)").all_inner_texts()
    return [text.strip() for text in texts if text.strip()]


def say(page, text=None, button="Send"):
    """Send an answer (or press a command button) and wait until the interviewer has replied."""
    before = len(bot_messages(page))
    if text is not None:
        page.get_by_label("Your answer").fill(text)
    page.get_by_role("button", name=button, exact=True).click()
    page.wait_for_function(
        "[...document.querySelectorAll('.interview-chat .message.bot:not(.pending)')]"
        f".filter(m => m.innerText.trim()).length > {before}"
        " && !document.querySelector('.interview-chat .message.pending')", timeout=30_000,
    )
    # A turn can say several things (feedback, then the next question): wait until the chat stops growing.
    said, steady = bot_messages(page), 0
    while steady < 3:
        page.wait_for_timeout(250)
        now = bot_messages(page)
        steady, said = (steady + 1, said) if now == said else (0, now)
    return said[before:]


def current_question(page, shipped_questions, number, of):
    prefix = f"Question {number} of {of}: "
    page.locator(".interview-chat .message.bot").filter(has_text=prefix).first.wait_for(timeout=30_000)
    asked = [m for m in bot_messages(page) if m.startswith(prefix)][-1]
    return shipped_questions[asked.removeprefix(prefix)]


def answer_until_next(page, text, number, of):
    """Answer, and answer each follow-up the same way, until the next question (or the end) comes."""
    replies = []
    for _ in range(3):
        said = say(page, text)
        replies.append(said)
        if any(m.startswith(f"Question {number + 1} of {of}") or "end of the interview" in m for m in said):
            return said
    pytest.fail(f"question {number} did not end after two follow-ups; the interviewer said {replies}")


def report_scores(page):
    """Question number -> score, from the report card's question table."""
    rows = page.locator(".interview-report.prose table").first.locator("tbody tr")
    rows.nth(2).wait_for(timeout=15_000)  # three questions
    scores = {}
    for row in range(rows.count()):
        cells = [c.strip() for c in rows.nth(row).locator("td").all_inner_texts()]
        scores[int(cells[0])] = None if cells[2] in ("", "-", "—") else int(cells[2])
    return scores


def download(page, kind):
    with page.expect_download(timeout=30_000) as info:
        page.locator(f".interview-download-{kind}").click()
    return Path(info.value.path()).read_bytes()


def pdf_to_text(data):
    import io

    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def test_mock_interview_scores_a_good_answer_above_a_bad_one_and_a_skip(interview_page, shipped_questions):
    page = interview_page
    shot(page, "interview-setup")
    page.get_by_role("button", name="Start the interview").click()
    page.get_by_text("Question 1 of 3").first.wait_for(timeout=30_000)
    first = current_question(page, shipped_questions, 1, 3)
    shot(page, "interview-question")
    said = answer_until_next(page, first.reference_answer, 1, 3)
    assert any(m.startswith("Score ") for m in said), said
    page.locator(".interview-feedback.prose").get_by_text("reads as").wait_for(timeout=10_000)
    assert "✓" in page.locator(".interview-feedback.prose").inner_text()  # covered points, with their evidence
    shot(page, "interview-feedback")

    answer_until_next(page, BAD_ANSWER, 2, 3)
    say(page, button="Skip")
    page.get_by_text("Interview report card").wait_for(timeout=30_000)
    shot(page, "interview-report")
    scores = report_scores(page)
    assert list(scores) == [1, 2, 3]
    assert scores[1] >= 60 and scores[1] > scores[2] >= scores[3] == 0

    markdown = download(page, "markdown").decode()
    assert markdown.startswith("# Interview report card")
    assert first.question[:60] in markdown
    pdf_text = pdf_to_text(download(page, "pdf"))
    overall = round(sum(scores.values()) / 3)
    assert "Interview report card" in pdf_text and f"{overall}/100" in pdf_text
    assert f"- **Overall:** {overall}/100" in markdown


def test_reload_mid_interview_offers_to_resume_and_keeps_the_chat(interview_page, shipped_questions):
    page = interview_page
    page.get_by_role("button", name="Start the interview").click()
    page.get_by_text("Question 1 of 3").first.wait_for(timeout=30_000)
    say(page, BAD_ANSWER)
    clock = page.locator(".coach-clock:visible")
    before = clock.inner_text()
    page.wait_for_timeout(2_500)
    assert re.fullmatch(r"\d+ min \d\d s", clock.inner_text()) and clock.inner_text() != before  # it keeps counting
    chat_before = bot_messages(page)
    page.reload()
    page.get_by_text("You have an unfinished interview").wait_for(timeout=30_000)
    shot(page, "interview-resume-offer")
    page.get_by_role("button", name="Resume it").click()
    page.get_by_text("Resuming question 1 of 3").wait_for(timeout=30_000)
    after = bot_messages(page)
    assert after[: len(chat_before)] == chat_before
    assert page.locator(".interview-chat .message.user").first.inner_text().strip() == BAD_ANSWER


def test_drill_on_a_theme_asks_about_it_and_moves_on(interview_page, shipped_questions):
    page = interview_page
    page.get_by_role("tab", name="Topic drill").click()
    page.get_by_label("…or a theme (overrides the topic)").fill("feature store point-in-time joins")
    page.get_by_role("button", name="Start the drill").click()
    page.locator(".drill-chat .message.bot").first.wait_for(timeout=30_000)
    opening = page.locator(".drill-chat .message.bot").first.inner_text().strip()
    assert opening.startswith("Question 1 of 5: ")
    question = shipped_questions[opening.removeprefix("Question 1 of 5: ")]
    about = f"{question.question} {question.subtopic} {' '.join(question.tags)}".lower().replace("-", " ")
    assert "feature" in about  # the theme's nearest questions (a weak one from earlier may come back first)
    shot(page, "drill-question")
    page.get_by_role("button", name="Skip", exact=True).click()
    page.locator(".drill-chat .message.bot").filter(has_text="Question 2 of 5").wait_for(timeout=30_000)


def test_history_lists_past_sessions_and_opens_a_report_card(interview_page):
    page = interview_page
    page.get_by_role("button", name="Start the interview").click()
    page.get_by_text("Question 1 of 3").first.wait_for(timeout=30_000)
    for _ in range(3):
        say(page, button="Skip")
    page.get_by_text("Interview report card").wait_for(timeout=30_000)
    session_id = re.search(r"Session:\s*([0-9a-f]{12})", page.locator(".interview-report.prose").inner_text()).group(1)
    page.get_by_role("tab", name="History").click()
    rows = page.locator(".history-table .virtual-row")
    rows.filter(has_text=session_id).first.wait_for(timeout=15_000)  # opening the tab refreshes the table
    listed = [[c.strip() for c in rows.nth(n).locator(".body-cell").all_inner_texts()] for n in range(rows.count())]
    ours = [n for n, cells in enumerate(listed) if cells[-1] == session_id]
    assert len(ours) == 1, listed
    assert listed[ours[0]][4:7] == ["3/3", "0", "finished"]
    rows.nth(ours[0]).locator(".body-cell").first.click()
    page.locator(".history-report").get_by_text("Interview report card").wait_for(timeout=15_000)
    assert page.locator(".history-report").get_by_text("Questions scored:").is_visible()
    shot(page, "history")


def test_an_unfinished_session_resumes_from_history_in_another_browser(browser, app_url, interview_page):
    first = interview_page
    first.get_by_role("button", name="Start the interview").click()
    first.get_by_text("Question 1 of 3").first.wait_for(timeout=30_000)
    say(first, BAD_ANSWER)
    asked = bot_messages(first)

    other = browser.new_context(viewport={"width": 1360, "height": 1000})
    page = other.new_page()
    page.goto(app_url)
    page.get_by_role("tab", name="History").click()
    newest = page.locator(".history-table .virtual-row").first
    newest.wait_for(timeout=15_000)
    cells = [c.strip() for c in newest.locator(".body-cell").all_inner_texts()]
    assert cells[1] == "coach" and cells[6] == "unfinished", cells
    newest.locator(".body-cell").first.click()
    page.locator(".history-resume").click()
    page.locator(".interview-chat .message.bot").filter(has_text="Resuming question 1 of 3").wait_for(timeout=30_000)
    assert page.get_by_role("tab", name="Mock interview").get_attribute("aria-selected") == "true"
    assert bot_messages(page)[: len(asked)] == asked
    assert page.locator(".interview-chat .message.user").first.inner_text().strip() == BAD_ANSWER
    shot(page, "history-resumed")
    said = say(page, button="Skip")
    assert any(m.startswith("Question 2 of 3") for m in said)
    other.close()


RECRUITER_JOB = """Senior MLOps Engineer
Requirements:
- Build CI/CD pipelines that train, validate and deploy models
- Monitor models for data drift and trigger retraining
- Run a feature store with point-in-time correct training data"""


def preview_rows(page):
    rows = page.locator(".screen-preview table tbody tr")
    rows.first.wait_for(timeout=30_000)
    return [[c.strip() for c in rows.nth(n).locator("td").all_inner_texts()] for n in range(rows.count())]


def test_recruiter_builds_swaps_exports_and_scores_candidates(browser, app_url, shipped_questions, tmp_path):
    context = browser.new_context(viewport={"width": 1360, "height": 1000}, accept_downloads=True)
    page = context.new_page()
    page.goto(app_url)
    page.get_by_role("tab", name="Recruiter").click()
    page.get_by_label("Role").fill("Senior MLOps Engineer")
    page.get_by_label("…or paste a job description (questions follow its requirements)").fill(RECRUITER_JOB)
    page.locator(".screen-build").click()
    rows = preview_rows(page)
    requirements = [line[2:] for line in RECRUITER_JOB.splitlines() if line.startswith("- ")]
    assert len(rows) == 6
    assert [row[5] for row in rows[:3]] == requirements  # the first round covers each requirement in turn
    ids = [row[1].split("\n")[-1].strip() for row in rows]
    assert all(question_id in {q.id for q in shipped_questions.values()} for question_id in ids)
    shot(page, "recruiter-set")

    page.locator(".screen-swap").click()  # the dropdown starts on the first question
    page.get_by_text(f"Swapped {ids[0]} for ").wait_for(timeout=30_000)
    swapped = [row[1].split("\n")[-1].strip() for row in preview_rows(page)]
    assert swapped[1:] == ids[1:] and swapped[0] != ids[0]
    by_id = {q.id: q for q in shipped_questions.values()}
    assert by_id[swapped[0]].topic == by_id[ids[0]].topic

    page.locator(".screen-export").click()
    links = page.locator(".screen-files a[download]")
    links.first.wait_for(timeout=30_000)
    pdf_link = [n for n in range(links.count()) if "interviewer-kit.pdf" in (links.nth(n).get_attribute("href") or "")]
    assert len(pdf_link) == 1
    with page.expect_download(timeout=30_000) as info:
        links.nth(pdf_link[0]).click()
    kit_text = " ".join(pdf_to_text(Path(info.value.path()).read_bytes()).split())
    assert "Interviewer kit: Senior MLOps Engineer" in kit_text
    for question_id in swapped:
        assert " ".join(by_id[question_id].rubric[0].point.split())[:40] in kit_text

    answers = tmp_path / "answers.csv"
    first = by_id[swapped[0]]
    answers.write_text(
        "candidate,question_id,answer\n"
        f'strong,{first.id},"{first.reference_answer.replace(chr(34), chr(39))}"\n'
        f"weak,{first.id},I would look into it and fix it.\n"
        "broken,not-a-question,hello\n"
    )
    page.locator(".score-upload input[type=file]").set_input_files(str(answers))
    page.locator(".score-upload").get_by_text("answers.csv").wait_for(timeout=15_000)
    page.locator(".score-run").click()
    ranking = page.locator(".prose.score-report table").first
    ranking.wait_for(timeout=60_000)
    cells = [[c.strip() for c in ranking.locator("tbody tr").nth(n).locator("td").all_inner_texts()]
             for n in range(ranking.locator("tbody tr").count())]
    assert [row[:2] for row in cells] == [["1", "strong"], ["2", "broken"], ["2", "weak"]]
    assert float(cells[0][2]) >= 60
    assert "There is no question with id 'not-a-question' in the bank." in page.locator(".prose.score-report").inner_text()
    shot(page, "recruiter-scores")
    context.close()
