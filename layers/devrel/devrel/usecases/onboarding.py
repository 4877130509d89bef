"""Onboarding of newcomers: when it starts, and the onboarding state machine's steps.

Starts on a Slack workspace or channel join, Discord's `/onboard` (Discord does not deliver member
joins to HTTP apps), and a first issue or pull request on GitHub. Each contributor is onboarded
once per platform. The steps run in infra/statemachines/onboarding.asl.json; `OnboardingState` is
the execution state they share (a test checks its fields against the definition's ResultPaths).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from devrel.events import InboundEvent, IssueOpened, MemberJoined, Platform, PullRequestOpened, Reply
from devrel.idempotency import Idempotency
from devrel.ports import ChatPlatform, Item, Store, Workflows, execution_name
from devrel.records import PLATFORMS, Action, ActivityLog, EventLog

Result = TypeVar("Result", bound=BaseModel)


class Step(BaseModel, Generic[Result]):
    """A Task state's output as the state machine keeps it (`ResultSelector: {"result.$": "$.Payload"}`)."""

    result: Result


class Contributor(BaseModel):
    platform: Platform
    id: str
    name: str = ""


class OnboardingConfig(BaseModel):
    check_wait_seconds: int = Field(default=3 * 24 * 3600, ge=0)
    max_nudges: int = Field(default=1, ge=0)


class Welcomed(BaseModel):
    message_id: str
    welcomed_at: float


class Progress(BaseModel):
    next: str
    reason: str


class Nudged(BaseModel):
    count: int


class OnboardingState(BaseModel):
    contributor: Contributor
    # The event that started onboarding: welcomes and reminders are posted where it came from.
    event: InboundEvent
    config: OnboardingConfig = Field(default_factory=OnboardingConfig)
    # The execution's name: what the activity log files each action under.
    run: str | None = None
    welcome: Step[Welcomed] | None = None
    progress: Step[Progress] | None = None
    nudge: Step[Nudged] | None = None
    failure_recorded: dict[str, Any] | None = None
    # Caught errors (States.ALL) land here before the failure is recorded.
    error: dict[str, Any] | None = None
    record_failure_error: dict[str, Any] | None = None


def starts_onboarding(event: InboundEvent) -> bool:
    if event.actor is None or event.actor.is_bot:
        return False
    intent = event.intent
    if isinstance(intent, MemberJoined):
        return True
    return isinstance(intent, IssueOpened | PullRequestOpened) and intent.first_time


class Newcomers:
    """Who has been onboarded on which platform: once per person and platform."""

    def __init__(self, store: Store, clock: Callable[[], float]) -> None:
        self._once = Idempotency(store, "onboarded", clock, in_progress_seconds=60, ttl_seconds=None)
        self._store = store
        self._clock = clock

    def claim(self, event: InboundEvent) -> bool:
        """True the first time this contributor is seen on this platform (a conditional write)."""
        assert event.actor is not None
        return self._once.record_once(event.platform, event.actor.id, {"name": event.actor.name,
                                                                       "at": self._clock()}) is None

    def count_since(self, since: float) -> int:
        return sum(1 for platform in PLATFORMS
                   for item in self._store.query(self._once.key(platform, "")[0], limit=10_000)
                   if float(item.data.get("at") or 0) >= since)


def start_onboarding(event: InboundEvent, newcomers: Newcomers, workflows: Workflows, state_machine: str,
                     config: OnboardingConfig) -> bool:
    """Start the onboarding state machine for a newcomer seen for the first time. True when started."""
    if not starts_onboarding(event) or not newcomers.claim(event):
        return False
    assert event.actor is not None
    run = execution_name("onboarding", event.platform, event.actor.id)
    state = OnboardingState(
        contributor=Contributor(platform=event.platform, id=event.actor.id, name=event.actor.name),
        event=event,
        config=config,
        run=run,
    )
    workflows.start(state_machine, state.model_dump(mode="json", exclude_none=True), run)
    return True


NUDGE_TEXT = (
    "Hi again! If you'd like a hand getting started, ask me here: for example "
    "\"how do I run the tests?\" or \"which issue suits a newcomer?\""
)


def welcome_text(name: str, project_repository: str | None) -> str:
    lines = [f"Welcome{', ' + name if name else ''}! I'm the project's assistant, glad you're here."]
    if project_repository:
        lines.append(f"- Good first issues: https://github.com/{project_repository}/contribute")
        lines.append(f"- How to contribute: https://github.com/{project_repository}/blob/HEAD/CONTRIBUTING.md")
    lines.append("- Ask me anything about the code or docs (mention me, or `/ask` on Discord and `/devrel ask` "
                 "on Slack); I answer with links to the sources.")
    lines.append("- Stuck? Say so in the thread and a maintainer will help.")
    return "\n".join(lines)


class OnboardingSteps:
    """The Task states of the onboarding state machine."""

    def __init__(self, store: Store, platforms: Mapping[str, ChatPlatform], clock: Callable[[], float],
                 project_repository: str | None = None, activity: ActivityLog | None = None) -> None:
        self._activity = activity or ActivityLog(store, clock)
        self._store = store
        self._platforms = platforms
        self._clock = clock
        self._project = project_repository
        self._events = EventLog(store)

    def _post(self, state: OnboardingState, kind: Literal["welcome", "nudge"], text: str, reason: str) -> str:
        entry = Action(kind=kind, platform=state.event.platform, target=state.event.reply_to.link, status="posted",
                       reason=reason, run=state.run or "", detail=text)
        platform = self._platforms.get(state.event.platform)
        try:
            if platform is None:
                raise LookupError(f"no {state.event.platform} adapter is configured to welcome "
                                  f"{state.event.thread or 'the user'}")
            message_id = platform.post_reply(state.event, Reply(text=text))
        except Exception as error:
            self._activity.record(entry.model_copy(update={"status": "failed",
                                                           "error": f"{type(error).__name__}: {error}"[:300]}))
            raise
        self._activity.record(entry)
        return message_id

    def welcome(self, state: OnboardingState) -> Welcomed:
        message_id = self._post(state, "welcome", welcome_text(state.contributor.name, self._project),
                                f"a newcomer: {state.event.kind}")
        return Welcomed(message_id=message_id, welcomed_at=self._clock())

    def check_progress(self, state: OnboardingState) -> Progress:
        """`nudge` while the newcomer has done nothing since the welcome and nudges remain, else `done`."""
        since = state.welcome.result.welcomed_at if state.welcome else 0.0
        activity = [logged for logged in self._events.since(state.contributor.platform, since, limit=2000)
                    if logged.at > since and logged.actor == state.contributor.name]
        nudges = state.nudge.result.count if state.nudge else 0
        if activity:
            return Progress(next="done", reason=f"{len(activity)} contributions since the welcome")
        if nudges < state.config.max_nudges:
            return Progress(next="nudge", reason="no activity yet")
        return Progress(next="done", reason="no activity after the reminders; leaving them be")

    def nudge(self, state: OnboardingState) -> Nudged:
        count = (state.nudge.result.count if state.nudge else 0) + 1
        self._post(state, "nudge", NUDGE_TEXT, "no activity since the welcome")
        return Nudged(count=count)

    def record_failure(self, state: dict[str, Any]) -> dict[str, Any]:
        error = state.get("error") or {}
        contributor = state.get("contributor") or {}
        self._store.put(Item(pk="onboarding-failures", sk=f"{self._clock():017.6f}",
                             data={"contributor": contributor, "error": error.get("Error"),
                                   "cause": str(error.get("Cause", ""))[:2000]}))
        return {"recorded": True}

    def run(self, event: dict[str, Any]) -> dict[str, Any]:
        """One Task state: `{"step": name, "input": the execution state}` -> the step's result."""
        step, raw = event.get("step"), event.get("input")
        if not isinstance(raw, dict) or "contributor" not in raw:
            raise ValueError("an onboarding step needs the execution state with a `contributor`")
        if step == "record_failure":
            return self.record_failure(raw)
        steps: dict[str, Callable[[OnboardingState], BaseModel]] = {
            "welcome": self.welcome, "check_progress": self.check_progress, "nudge": self.nudge}
        if step not in steps:
            raise ValueError(f"unknown onboarding step {step!r}")
        return steps[str(step)](OnboardingState.model_validate(raw)).model_dump(mode="json")
