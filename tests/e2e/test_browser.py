"""The dashboard and the chat widget in a real headless browser: Debian's chromium driven through
its chromedriver (selenium), against `devrel serve`.

- the dashboard, signed in, shows the seeded community (a chart per weekly metric, the activity
  log and its filters, docs gaps, the leaderboard, the widget's votes) with no console errors;
- without the token the page shows the login and nothing else, and the JSON endpoints answer 401;
- the widget, embedded with one script tag in a page of another origin, asks the real index (the
  real ingest of a small folder), shows the cited answer with clickable sources, escapes the
  repository text it quotes, keeps the thread across a reload and records a thumbs up.

Screenshots go to $DEVREL_SCREENSHOT_DIR when set (docs/ holds the ones the README shows), else to
the test's temporary folder.
"""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from support.community import REPOSITORY, seed_community

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
DEVREL = Path(sys.executable).with_name("devrel")
TOKEN = "maintainer-token-for-tests"
COMMIT = "0123456789abcdef0123456789abcdef01234567"

pytestmark = pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
                                reason="needs Debian's chromium and chromium-driver (.ci/setup installs them)")
webdriver = pytest.importorskip("selenium.webdriver")

from selenium.common.exceptions import StaleElementReferenceException  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.remote.webdriver import WebDriver  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

# The flags keep the browser from reaching anywhere but the pages under test.
BROWSER_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage"]


@pytest.fixture
def browser() -> Iterator[WebDriver]:
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in [*BROWSER_FLAGS, f"--user-data-dir={profile}", "--window-size=1280,1000"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def console_errors(driver: WebDriver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def screenshot(driver: WebDriver, tmp_path: Path, name: str) -> Path:
    folder = Path(os.environ.get("DEVREL_SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    driver.save_screenshot(str(path))
    return path


def wait(driver: WebDriver, condition: Any, timeout: float = 60) -> Any:
    # Sections are re-rendered while we look: an element read as it is replaced is simply read again.
    return WebDriverWait(driver, timeout, poll_frequency=0.05,
                         ignored_exceptions=(StaleElementReferenceException,)).until(condition)


def row_statuses(driver: WebDriver) -> list[str]:
    """The activity table's statuses, read in one go (the table may be re-rendering)."""
    return driver.execute_script(
        "return [...document.querySelectorAll('#activity-table tbody tr')].map(row => row.dataset.status)")


def body_state(driver: WebDriver) -> str:
    return str(driver.find_element(By.TAG_NAME, "body").get_attribute("data-state"))


def get_json(url: str, token: str | None = None) -> tuple[int, Any]:
    headers = {"authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def sign_in(driver: WebDriver, token: str) -> None:
    field = driver.find_element(By.ID, "token")
    field.clear()
    field.send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "#login-form button[type=submit]").click()


# --- the dashboard --------------------------------------------------------------------------------------


def test_the_dashboard_shows_the_seeded_community_without_console_errors(
        serve_factory: Any, browser: WebDriver, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    seeded = seed_community(data_dir, time.time(), days=200)
    app = serve_factory({"DEVREL_API_ADMIN_TOKEN": TOKEN, "DEVREL_PROJECT_REPOSITORY": REPOSITORY}, "--no-schedules",
                        data_dir=data_dir)
    browser.get(f"{app.url}/dashboard")
    wait(browser, lambda d: body_state(d) == "signed-out")
    sign_in(browser, TOKEN)
    wait(browser, lambda d: body_state(d) == "ready")

    # A chart for every metric that has a value in some week, whatever the report calls it.
    _, report = get_json(f"{app.url}/api/metrics?weeks=26", TOKEN)
    charted = {name for row in report["weeks"] for name, value in row.items()
               if name != "week" and isinstance(value, int | float)}
    cards = browser.find_elements(By.CSS_SELECTOR, "#charts .card")
    assert charted and {card.get_attribute("data-metric") for card in cards} == charted
    assert all(card.find_elements(By.CSS_SELECTOR, "svg circle") for card in cards)

    # Onboarding per week, newest first, with the period's totals (every figure of the seed is non-zero).
    onboarding = report["onboarding"]
    totals = {name: sum(row[name] for row in onboarding) for name in ("welcomed", "came_back", "first_merged_prs")}
    assert all(totals.values()) and totals["came_back"] <= totals["welcomed"]
    weeks = browser.find_elements(By.CSS_SELECTOR, "#onboarding-table tbody tr")
    assert [row.get_attribute("data-week") for row in weeks] == [row["week"] for row in reversed(onboarding)]
    summary = browser.find_element(By.ID, "onboarding-summary").text
    assert summary.startswith(f"{totals['welcomed']} newcomers welcomed in {len(onboarding)} weeks, "
                              f"{totals['came_back']} came back")

    _, activity = get_json(f"{app.url}/api/activity?days=30", TOKEN)
    rows = browser.find_elements(By.CSS_SELECTOR, "#activity-table tbody tr")
    assert 0 < len(rows) == len(activity["actions"]) and activity["total"] <= seeded.actions
    assert browser.find_elements(By.CSS_SELECTOR, "#activity-chart rect.bar-posted")
    links = browser.find_elements(By.CSS_SELECTOR, "#activity-table a[href^='https://github.com/acme/widget/issues/']")
    assert links and all(link.get_attribute("rel") == "noopener noreferrer" for link in links)

    Select(browser.find_element(By.NAME, "status")).select_by_value("failed")
    _, failed = get_json(f"{app.url}/api/activity?days=30&status=failed", TOKEN)
    assert failed["total"] > 0
    wait(browser, lambda d: row_statuses(d) == ["failed"] * len(failed["actions"]))

    gaps = browser.find_element(By.ID, "gaps-table").text
    assert "corporate proxy" in gaps and "docs/proxy.md" in gaps
    leaders = [row.find_elements(By.TAG_NAME, "td")[1].text
               for row in browser.find_elements(By.CSS_SELECTOR, "#leaders-table tbody tr")]
    assert leaders == [leader["name"] for leader in report["leaderboard"]] and leaders
    assert "helpful" in browser.find_element(By.ID, "feedback-summary").text

    assert console_errors(browser) == []
    Select(browser.find_element(By.NAME, "status")).select_by_value("")
    wait(browser, lambda d: len(row_statuses(d)) == len(rows))
    browser.set_window_size(1280, 1700)
    browser.execute_script("window.scrollTo(0, 0)")
    screenshot(browser, tmp_path, "dashboard.png")


def test_without_the_token_the_page_shows_only_the_login(
        serve_factory: Any, browser: WebDriver, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    seed_community(data_dir, time.time(), days=14)
    app = serve_factory({"DEVREL_API_ADMIN_TOKEN": TOKEN, "DEVREL_PROJECT_REPOSITORY": REPOSITORY}, "--no-schedules",
                        data_dir=data_dir)
    for route in ("activity", "feedback", "metrics", "stats"):
        status, body = get_json(f"{app.url}/api/{route}")
        assert status == 401 and set(body) == {"error"}, route

    browser.get(f"{app.url}/dashboard")
    wait(browser, lambda d: body_state(d) == "signed-out")
    assert browser.find_element(By.ID, "login").is_displayed()
    assert not browser.find_element(By.ID, "app").is_displayed()
    requested = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert not [url for url in requested if "/api/" in url]  # nothing asked without a token
    assert console_errors(browser) == []
    screenshot(browser, tmp_path, "dashboard-login.png")

    sign_in(browser, "not-the-token")
    wait(browser, lambda d: "not accepted" in d.find_element(By.ID, "login-error").text)
    assert not browser.find_element(By.ID, "app").is_displayed()
    assert browser.find_elements(By.CSS_SELECTOR, "#app tbody tr, #app svg") == []
    assert "dev0" not in browser.page_source and REPOSITORY not in browser.page_source
    assert browser.execute_script("return sessionStorage.length") == 0


# --- the widget -------------------------------------------------------------------------------------------


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "widget"
    (root / "docs").mkdir(parents=True)
    # The quoted passage holds markup: the widget must show it as text, never run it.
    (root / "docs" / "config.md").write_text(
        "# Configuration\n\n## Timeouts\n\nThe request timeout defaults to 30 seconds. "
        "Set `WIDGET_TIMEOUT` to change it.\n"
        'Never paste <img src=x onerror="document.title=\'pwned\'"> into WIDGET_TIMEOUT.\n\n'
        "## Logging\n\nLogs go to stderr. Use `--verbose` for debug output.\n")
    (root / "client.py").write_text(
        "DEFAULT_TIMEOUT = 30\n\n\ndef fetch(url: str, timeout: float = DEFAULT_TIMEOUT) -> bytes:\n"
        '    """Download url, giving up after timeout seconds."""\n    raise NotImplementedError\n')
    return root


THREAD_ID = "return Object.entries(sessionStorage).find(([key]) => key.startsWith('devrel-widget:thread:'))[1]"


def serve_folder(folder: Path) -> tuple[str, ThreadingHTTPServer]:
    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}", server


def test_the_widget_on_a_docs_page_shows_a_cited_answer_and_records_a_vote(
        serve_factory: Any, browser: WebDriver, project: Path, tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("DEVREL_")}
    subprocess.run([str(DEVREL), "ingest", str(project), "--data-dir", str(data_dir), "--repo", REPOSITORY,
                    "--commit", COMMIT], env=env, check=True, capture_output=True, timeout=300)
    site = tmp_path / "site"
    site.mkdir()
    docs_url, docs_server = serve_folder(site)
    try:
        app = serve_factory({"DEVREL_API_ADMIN_TOKEN": TOKEN, "DEVREL_CORS_ALLOW_ORIGINS": docs_url},
                            "--no-schedules", data_dir=data_dir)
        (site / "index.html").write_text(
            "<!doctype html><html><head><meta charset='utf-8'><title>Widget docs</title><link rel='icon' href='data:,'>"
            "</head><body>"
            "<h1>Widget docs: configuration</h1><p>Timeouts, logging and more.</p>"
            f'<script src="{app.url}/widget.js" data-api="{app.url}" data-title="Ask the Widget docs" defer>'
            "</script></body></html>")
        page_url = f"{docs_url}/index.html"
        browser.get(page_url)
        root = wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "[data-devrel-widget]").shadow_root)
        root.find_element(By.CSS_SELECTOR, ".launcher").click()
        field = root.find_element(By.CSS_SELECTOR, "input[name=question]")
        field.send_keys("How do I change the request timeout?")
        started = time.perf_counter()
        field.send_keys(Keys.ENTER)
        answer = wait(browser, lambda d: root.find_element(By.CSS_SELECTOR, ".msg.bot"))
        print(f"\nwidget answer shown {1000 * (time.perf_counter() - started):.0f} ms after asking")

        assert "WIDGET_TIMEOUT" in answer.text
        sources = answer.find_elements(By.CSS_SELECTOR, ".sources a")
        assert sources and all(a.get_attribute("href").startswith(f"https://github.com/{REPOSITORY}/blob/{COMMIT}/")
                               for a in sources)
        assert all(a.get_attribute("target") == "_blank" and "noopener" in a.get_attribute("rel") for a in sources)
        assert any("docs/config.md#L" in a.get_attribute("href") for a in sources)
        # The quoted markup is text on the page, and nothing ran.
        assert "<img src=x" in answer.text and answer.find_elements(By.CSS_SELECTOR, "img") == []
        assert browser.title == "Widget docs"
        assert "OPTIONS /api/ask" in "".join(app.output)  # the browser's preflight, answered
        screenshot(browser, tmp_path, "widget.png")

        answer.find_element(By.CSS_SELECTOR, ".rate button[aria-label^='Thumbs up']").click()
        wait(browser, lambda d: "Thanks" in answer.find_element(By.CSS_SELECTOR, ".rate").text)
        _, votes = get_json(f"{app.url}/api/feedback", TOKEN)
        assert votes["up"] == 1 and votes["votes"][0]["page_url"] == page_url
        assert votes["votes"][0]["question"] == "How do I change the request timeout?"

        # The thread survives a reload of the page (same tab).
        thread = browser.execute_script(THREAD_ID)
        browser.refresh()
        root = wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "[data-devrel-widget]").shadow_root)
        root.find_element(By.CSS_SELECTOR, ".launcher").click()
        assert len(root.find_elements(By.CSS_SELECTOR, ".msg")) == 2
        assert thread and browser.execute_script(THREAD_ID) == thread
        assert console_errors(browser) == []
    finally:
        docs_server.shutdown()
        docs_server.server_close()

    # Another origin is refused at the preflight.
    request = urllib.request.Request(f"{app.url}/api/ask", method="OPTIONS",
                                     headers={"origin": "https://elsewhere.example",
                                              "access-control-request-method": "POST"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=30)
    assert refused.value.code == 403
