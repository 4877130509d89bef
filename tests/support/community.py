"""A made-up but plausible community, written through the records as the assistant would have
logged it: conversations on every platform (opened, answered by someone else, some closed), the
assistant's actions, commits, docs gaps and widget votes. Deterministic for a given seed.

Used by the browser tests (a few months) and the dashboard benchmark (a year).
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass
from pathlib import Path

from devrel.activity import Action, ActivityLog
from devrel.events import Actor, InboundEvent, IssueOpened, PullRequestOpened, Question
from devrel.records import CommitLog, DocsGaps, EventLog, FeedbackLog
from devrel.runtime import build_store
from devrel.settings import load_settings
from devrel.usecases.onboarding import Contributor, Newcomers

DAY = 86400.0
HOUR = 3600.0
REPOSITORY = "acme/widget"
AREAS = ["docs/", "src/widget/", "src/render/", "tests/", "cli/"]
GAP_QUESTIONS = {
    "proxy": ["How do I run the widget behind a corporate proxy?", "Does the client honour HTTPS_PROXY?"],
    "windows": ["Is Windows supported for the CLI?", "The CLI fails on Windows paths with spaces"],
    "migration": ["How do I migrate from v1 config files?"],
}


@dataclass(frozen=True)
class Seeded:
    events: int
    actions: int
    commits: int
    votes: int


def seed_community(data_dir: Path, now: float, days: int = 365, seed: int = 11, per_day: float = 6.0,
                   with_commits: bool = True) -> Seeded:
    """Write `days` days of community life ending at `now` into the edge store under `data_dir`
    (without made-up commits when a real history is loaded instead)."""
    rng = random.Random(seed)
    store = build_store(load_settings(mode="edge", data_dir=data_dir))
    events, activity = EventLog(store), ActivityLog(store, clock=lambda: now)
    commits, votes = CommitLog(store), FeedbackLog(store)
    people = [f"dev{n:02d}" for n in range(60)]
    maintainers = people[:5]
    counts = {"events": 0, "actions": 0, "commits": 0, "votes": 0}

    def log(event: InboundEvent, sentiment: float | None = None) -> None:
        events.append(event, sentiment=sentiment)
        counts["events"] += 1

    def act(kind: str, platform: str, target: str, at: float, run: str, status: str | None = None) -> str:
        status = status or rng.choices(["posted", "dry-run", "failed"], [0.8, 0.15, 0.05])[0]
        activity.record(Action(kind=kind, platform=platform, target=target, status=status,  # type: ignore[arg-type]
                               reason=f"{kind} for {target.rsplit('/', 1)[-1]}", run=run, at=at,
                               detail=f"The {kind} the assistant wrote.", error="502 from the platform"
                               if status == "failed" else None))
        counts["actions"] += 1
        return status

    start = now - days * DAY
    number = 0
    for day in range(days):
        # Newcomers keep arriving: the pool of people grows over the year.
        pool = people[: 10 + int(50 * day / max(1, days))]
        for _ in range(rng.randint(int(per_day * 0.5), int(per_day * 1.5))):
            number += 1
            at = start + day * DAY + rng.uniform(0, DAY - 6 * HOUR)
            author = rng.choice(pool)
            platform = rng.choice(["github", "github", "slack", "discord", "discourse"])
            thread = f"{platform}-{number}"
            if platform == "github":
                kind, intent = rng.choice([("github.issues.opened", IssueOpened(repository=REPOSITORY, number=number)),
                                           ("github.pull_request.opened",
                                            PullRequestOpened(repository=REPOSITORY, number=number))])
                target = f"https://github.com/{REPOSITORY}/issues/{number}"
            else:
                kind, intent = f"{platform}.question", Question()
                target = f"{platform}:{thread}"
            opened = InboundEvent(platform=platform, kind=kind, delivery_id=f"d{number}", intent=intent,  # type: ignore[arg-type]
                                  thread=thread, actor=Actor(id=author, name=author), text="...", received_at=at)
            log(opened, sentiment=rng.uniform(-0.6, 0.9))
            act("answer" if intent.type == "question" else rng.choice(["comment", "label"]), platform, target,
                at + 60, opened.delivery_id)
            if rng.random() < 0.85:  # someone else answers, after a while
                responder = rng.choice(maintainers if rng.random() < 0.6 else pool)
                if responder == author:
                    responder = maintainers[0] if author != maintainers[0] else maintainers[1]
                replied = at + rng.expovariate(1 / (8 * HOUR))
                if replied < now:
                    log(InboundEvent(platform=platform, kind=f"{platform}.reply", delivery_id=f"r{number}",
                                     thread=thread, actor=Actor(id=responder, name=responder), text="...",
                                     received_at=replied), sentiment=rng.uniform(-0.2, 0.9))
                    closed = replied + rng.expovariate(1 / (2 * DAY))
                    if platform == "github" and closed < now and rng.random() < 0.7:
                        log(InboundEvent(platform="github", kind="github.issues.closed", delivery_id=f"c{number}",
                                         thread=thread, actor=Actor(id=responder, name=responder),
                                         received_at=closed))
            if (day == 0 or rng.random() < 0.1) and act("welcome", platform, target, at + 120,
                                                         opened.delivery_id) == "posted":
                # Onboarding's own record of the welcome (what the health report counts), a reminder to every
                # third, and a first merged pull request now and then: fixed choices, the random stream unchanged.
                Newcomers(store, clock=lambda at=at: at + 120).welcomed(
                    Contributor(platform=platform, id=author, name=author), dry_run=False)  # type: ignore[arg-type]
                if number % 3 == 0 and at + 3 * DAY < now:
                    act("nudge", platform, target, at + 3 * DAY, opened.delivery_id, "posted")
                if number % 4 == 0 and platform == "github" and at + DAY < now:
                    act("congratulate", platform, target, at + DAY, opened.delivery_id, "posted")
        for _ in range(rng.randint(2, 8) if with_commits else 0):
            author = rng.choice(maintainers + pool[:15])
            area = rng.choice(AREAS)
            commits.add(REPOSITORY, f"{rng.getrandbits(64):016x}", author, start + day * DAY + rng.uniform(0, DAY),
                        {f"{area}file{rng.randint(1, 9)}.py": rng.randint(1, 200)})
            counts["commits"] += 1
        if rng.random() < 0.3:
            votes.record_vote(FeedbackLog.WEB, f"w{day}", rng.choice(["up", "up", "down"]),
                              start + day * DAY + 3600, question="How do I set the timeout?",
                              page_url="https://docs.example.org/config")
            counts["votes"] += 1
    gaps = DocsGaps(store, clock=lambda: now - HOUR)
    for topic, questions in GAP_QUESTIONS.items():
        for index, question in enumerate(questions):
            gaps.keep(question, [f"docs/{topic}.md", "docs/index.md"], run=f"gap-{topic}-{index}")
    return Seeded(**counts)


def crash_issue_delivery(number: int, repo: str = REPOSITORY) -> bytes:
    """An `issues.opened` webhook body for a crash report; unrelated words per issue, so no duplicate links."""
    payload = json.loads((Path(__file__).resolve().parents[1] / "fixtures/github/issues.opened.15.json").read_text())
    payload["repository"]["full_name"] = repo
    words = " ".join(uuid.uuid4().hex for _ in range(6))
    payload["issue"].update({
        "number": number, "title": f"Crash {number} when saving {words[:20]}",
        "body": (f"Using version 2.3.{number} on Python 3.11. {words}\n\nSteps to reproduce:\n1. run `tool sync`\n"
                 "Expected the file to be saved, but instead it crashes with:\nValueError: bad header"),
        "html_url": f"https://github.com/{repo}/issues/{number}"})
    return json.dumps(payload).encode()
