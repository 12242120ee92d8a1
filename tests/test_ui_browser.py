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
