"""Onboarding of first-time contributors: the onboarding state machine's steps and when it starts.

Starts on a Slack workspace or channel join, Discord's `/onboard` (Discord does not deliver member
joins to HTTP apps), and a first issue or pull request on GitHub. Each contributor is onboarded
once per platform.
"""

from __future__ import annotations

from typing import Any

from devrel.events import InboundEvent, Reply
from devrel.ports import Item
from devrel.runtime import Services

JOIN_KINDS = frozenset({"slack.team_join", "slack.member_joined_channel", "discord.command.onboard"})
FIRST_TIMER_ASSOCIATIONS = frozenset({"FIRST_TIME_CONTRIBUTOR", "FIRST_TIMER"})
FIRST_CONTRIBUTION_KINDS = frozenset({"github.issues.opened", "github.pull_request.opened"})


def starts_onboarding(event: InboundEvent) -> bool:
    if event.actor is None or event.actor.is_bot:
        return False
    if event.kind in JOIN_KINDS:
        return True
    return event.kind in FIRST_CONTRIBUTION_KINDS and event.data.get("author_association") in FIRST_TIMER_ASSOCIATIONS


def claim_contributor(event: InboundEvent, services: Services) -> bool:
    """True the first time this contributor is seen on this platform (a conditional write)."""
    assert event.actor is not None
    return services.store.put_if_absent(Item(pk=f"onboarded#{event.platform}", sk=event.actor.id,
                                             data={"name": event.actor.name, "at": services.clock()}))


def onboarding_input(event: InboundEvent, services: Services) -> dict[str, Any]:
    assert event.actor is not None
    settings = services.settings
    return {
        "contributor": {"platform": event.platform, "id": event.actor.id, "name": event.actor.name},
        "event": event.model_dump(mode="json"),
        "config": {"check_wait_seconds": settings.onboarding_check_wait_seconds,
                   "max_nudges": settings.onboarding_max_nudges},
    }


def welcome_text(name: str, services: Services) -> str:
    settings = services.settings
    lines = [f"Welcome{', ' + name if name else ''}! I'm the project's assistant, glad you're here."]
    if settings.project_repository:
        repo = settings.project_repository
        lines.append(f"- Good first issues: https://github.com/{repo}/contribute")
        lines.append(f"- How to contribute: https://github.com/{repo}/blob/HEAD/CONTRIBUTING.md")
    lines.append("- Ask me anything about the code or docs (mention me, or `/ask` on Discord and `/devrel ask` "
                 "on Slack); I answer with links to the sources.")
    lines.append("- Stuck? Say so in the thread and a maintainer will help.")
    return "\n".join(lines)


def _post(state: dict[str, Any], services: Services, text: str) -> str:
    event = InboundEvent.model_validate(state["event"])
    platform = services.platforms.get(event.platform)
    if platform is None:
        raise LookupError(f"no {event.platform} adapter is configured to welcome {event.thread or 'the user'}")
    return platform.post_reply(event, Reply(text=text))


def welcome(state: dict[str, Any], services: Services) -> dict[str, Any]:
    contributor = state["contributor"]
    message_id = _post(state, services, welcome_text(contributor.get("name", ""), services))
    return {"message_id": message_id, "welcomed_at": services.clock()}


def check_progress(state: dict[str, Any], services: Services) -> dict[str, Any]:
    """`nudge` while the newcomer has done nothing since the welcome and nudges remain, else `done`."""
    contributor = state["contributor"]
    since = float(((state.get("welcome") or {}).get("result") or {}).get("welcomed_at") or 0)
    activity = [
        item for item in services.store.query(f"events#{contributor['platform']}", limit=2000, newest_first=True)
        if float(item.sk.split("#", 1)[0]) > since and item.data.get("actor") == contributor.get("name")
    ]
    nudges = int((((state.get("nudge") or {}).get("result")) or {}).get("count") or 0)
    limit = int((state.get("config") or {}).get("max_nudges", 1))
    if activity:
        return {"next": "done", "reason": f"{len(activity)} contributions since the welcome"}
    if nudges < limit:
        return {"next": "nudge", "reason": "no activity yet"}
    return {"next": "done", "reason": "no activity after the reminders; leaving them be"}


def nudge(state: dict[str, Any], services: Services) -> dict[str, Any]:
    count = int((((state.get("nudge") or {}).get("result")) or {}).get("count") or 0) + 1
    _post(state, services, "Hi again! If you'd like a hand getting started, ask me here: for example "
                           "\"how do I run the tests?\" or \"which issue suits a newcomer?\"")
    return {"count": count}


def record_failure(state: dict[str, Any], services: Services) -> dict[str, Any]:
    error = state.get("error") or {}
    contributor = state.get("contributor") or {}
    services.store.put(Item(pk="onboarding-failures", sk=f"{services.clock():017.6f}",
                            data={"contributor": contributor, "error": error.get("Error"),
                                  "cause": str(error.get("Cause", ""))[:2000]}))
    return {"recorded": True}


STEPS = {"welcome": welcome, "check_progress": check_progress, "nudge": nudge, "record_failure": record_failure}


def run_onboarding_step(event: dict[str, Any], services: Services) -> dict[str, Any]:
    step, state = event.get("step"), event.get("input")
    if not isinstance(state, dict) or "contributor" not in state:
        raise ValueError("an onboarding step needs the execution state with a `contributor`")
    if step not in STEPS:
        raise ValueError(f"unknown onboarding step {step!r}")
    return STEPS[str(step)](state, services)
