"""Dashboard load time with a year of community history, and the chat widget's answer time, in
headless chromium against `devrel serve` (no model server: answers are retrieval-first).

The year is written through the records (tests/support/community.py): conversations on every
platform, the assistant's actions, docs gaps and votes; with --git, the commits are a real
repository's last year (`git log` of a local clone, shifted to end now) instead of made-up ones.

Printed (medians and p90 of --runs, signed in, each a fresh navigation):
- dashboard ready: from navigation to every section rendered (page, assets and the four JSON calls);
- data: the page's own measure from its first request to the last section rendered;
- activity over 365 days: changing the period filter until the table shows the year;
- widget: from pressing Enter to the cited answer on screen, on a page of another origin;
- /api/ask alone over HTTP, for comparison.

    .venv/bin/python tests/bench/bench_dashboard.py [--runs 15] [--days 365] [--git PATH]
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

from conftest import start_serve, stop_serve  # noqa: E402
from devrel.records import CommitLog  # noqa: E402
from devrel.runtime import build_store, git_history  # noqa: E402
from devrel.settings import load_settings  # noqa: E402
from support.community import REPOSITORY, seed_community  # noqa: E402

ROOT = TESTS.parent
DEVREL = Path(sys.executable).with_name("devrel")
TOKEN = "bench-token"
QUESTIONS = [
    "How does the edge runner deliver queue messages?",
    "Where are webhook signatures verified?",
    "How do I index my project's docs?",
    "What does devrel serve run?",
    "How is a Slack mention answered?",
    "Which settings does edge mode read?",
]


def stats(label: str, samples: list[float]) -> None:
    ordered = sorted(samples)
    p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
    print(f"{label:<34} p50 {statistics.median(ordered):7.0f} ms   p90 {p90:7.0f} ms   (n={len(ordered)})")


def load_real_commits(data_dir: Path, clone: Path, days: int, now: float) -> int:
    """The clone's last `days` days of commits (ending at its newest), moved to end at `now`."""
    found = list(git_history(clone).commits(1e9))  # since 2001: git reads a since of @0 as "nothing"
    if not found:
        return 0
    newest = max(commit.at for commit in found)
    log = CommitLog(build_store(load_settings(mode="edge", data_dir=data_dir)))
    kept = [commit for commit in found if commit.at >= newest - days * 86400]
    for commit in kept:
        log.add(REPOSITORY, commit.sha, commit.author, commit.at + (now - newest), commit.files)
    return len(kept)


def chromium() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={tempfile.mkdtemp(prefix='bench-chromium-')}",
                 "--window-size=1280,1000"]:
        options.add_argument(flag)
    return webdriver.Chrome(options=options, service=Service("/usr/bin/chromedriver"))


def state(driver: webdriver.Chrome) -> str:
    return str(driver.find_element(By.TAG_NAME, "body").get_attribute("data-state"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--git", type=Path, help="a local clone whose last year of commits to load")
    parser.add_argument("--ingest", type=Path, default=ROOT / "README.md",
                        help="what the widget answers from (default: this project's README)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        data_dir = work / "data"
        now = time.time()
        started = time.perf_counter()
        seeded = seed_community(data_dir, now, days=args.days, with_commits=args.git is None)
        commits = load_real_commits(data_dir, args.git, args.days, now) if args.git else seeded.commits
        print(f"seeded {args.days} days in {time.perf_counter() - started:.1f} s: {seeded.events} events, "
              f"{seeded.actions} actions, {commits} commits{' (' + str(args.git) + ')' if args.git else ''}, "
              f"{seeded.votes} votes")
        folder = args.ingest
        if folder.is_file():  # ingest takes folders
            folder = work / "docs"
            folder.mkdir()
            (folder / args.ingest.name).write_bytes(args.ingest.read_bytes())
        env = {k: v for k, v in os.environ.items() if not k.startswith("DEVREL_")}
        subprocess.run([str(DEVREL), "ingest", str(folder),
                        "--data-dir", str(data_dir), "--repo", "acme/devrel", "--commit", "0" * 40],
                       env=env, check=True, capture_output=True, timeout=900)

        site = work / "site"
        site.mkdir()
        server = ThreadingHTTPServer(("127.0.0.1", 0),
                                     functools.partial(SimpleHTTPRequestHandler, directory=str(site)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        docs_url = f"http://127.0.0.1:{server.server_address[1]}"
        app = start_serve(data_dir, {"DEVREL_API_ADMIN_TOKEN": TOKEN, "DEVREL_PROJECT_REPOSITORY": REPOSITORY,
                                     "DEVREL_CORS_ALLOW_ORIGINS": docs_url, "DEVREL_VISITOR_RATE_LIMIT": "100000"},
                          "--no-schedules")
        driver = chromium()
        try:
            driver.get(f"{app.url}/dashboard")
            driver.execute_script("sessionStorage.setItem('devrel.adminToken', arguments[0])", TOKEN)
            ready, data, year = [], [], []
            for run in range(args.runs + 1):
                begin = time.perf_counter()
                driver.get(f"{app.url}/dashboard")
                WebDriverWait(driver, 120, poll_frequency=0.01).until(lambda d: state(d) == "ready")
                elapsed = 1000 * (time.perf_counter() - begin)
                loaded = float(driver.find_element(By.TAG_NAME, "body").get_attribute("data-load-ms"))
                begin = time.perf_counter()
                Select(driver.find_element(By.NAME, "days")).select_by_value("365")
                WebDriverWait(driver, 120, poll_frequency=0.01).until(
                    lambda d: "in 365 days" in d.find_element(By.ID, "activity-summary").text)
                if run:  # the first one warms the server's caches and the browser's
                    ready.append(elapsed)
                    data.append(loaded)
                    year.append(1000 * (time.perf_counter() - begin))
            stats("dashboard ready", ready)
            stats("  data (4 JSON calls, rendering)", data)
            stats("activity over 365 days", year)

            (site / "index.html").write_text(
                "<!doctype html><title>docs</title><link rel=icon href=data:,><h1>Docs</h1>"
                f'<script src="{app.url}/widget.js" data-api="{app.url}" data-title="Ask"></script>')
            driver.get(f"{docs_url}/index.html")
            root = WebDriverWait(driver, 60).until(
                lambda d: d.find_element(By.CSS_SELECTOR, "[data-devrel-widget]").shadow_root)
            root.find_element(By.CSS_SELECTOR, ".launcher").click()
            widget = []
            for run in range(args.runs + 1):
                question = QUESTIONS[run % len(QUESTIONS)]
                before = len(root.find_elements(By.CSS_SELECTOR, ".msg.bot"))
                field = root.find_element(By.CSS_SELECTOR, "input[name=question]")
                field.send_keys(question)
                begin = time.perf_counter()
                field.send_keys(Keys.ENTER)
                WebDriverWait(driver, 120, poll_frequency=0.01).until(
                    lambda d, n=before: len(root.find_elements(By.CSS_SELECTOR, ".msg.bot")) > n)
                if run:
                    widget.append(1000 * (time.perf_counter() - begin))
            stats("widget: Enter to cited answer", widget)

            direct = []
            for run in range(args.runs + 1):
                body = json.dumps({"question": QUESTIONS[run % len(QUESTIONS)]}).encode()
                request = urllib.request.Request(f"{app.url}/api/ask", data=body,
                                                 headers={"content-type": "application/json"})
                begin = time.perf_counter()
                with urllib.request.urlopen(request, timeout=120) as response:
                    answer = json.loads(response.read())
                if not run:
                    print(f"  (a sample answer: {len(answer['answer'])} characters, "
                          f"{len(answer['citations'])} citations, confident: {answer['confident']})")
                if run:
                    direct.append(1000 * (time.perf_counter() - begin))
            stats("/api/ask over HTTP", direct)
        finally:
            driver.quit()
            stop_serve(app)
            server.shutdown()


if __name__ == "__main__":
    main()
