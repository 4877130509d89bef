"""Onboarding of newcomers: when it starts, and the onboarding state machine's steps.

Starts on a Slack workspace or channel join, Discord's `/onboard` (Discord does not deliver member
joins to HTTP apps), and a first issue or pull request on GitHub. Each contributor is onboarded
once per platform, and counted as welcomed only once a welcome was posted (or, in dry-run, recorded
as the welcome it would have been). The steps run in infra/statemachines/onboarding.asl.json; `OnboardingState` is
the execution state they share (a test checks its fields against the definition's ResultPaths).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, Literal, TypeVar

from pydantic import BaseModel, Field

from devrel.activity import Action, ActivityLog
from devrel.events import (
    DiscordAddress,
    GithubAddress,
    InboundEvent,
    IssueOpened,
    MemberJoined,
    Platform,
    PullRequestOpened,
    Reply,
    SlackAddress,
)
from devrel.idempotency import Idempotency
from devrel.knowledge.language import detect_language
from devrel.platforms.outbound import PlatformError
from devrel.platforms.text import break_mentions
from devrel.ports import ChatPlatform, IssueTracker, Item, OpenItem, Store, Workflows, execution_name
from devrel.records import PLATFORMS, EventLog, People
from devrel.structs import in_pydantic
from devrel.usecases.interests import PersonInterests

log = logging.getLogger(__name__)

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
    # Record what would be said in the activity log and post nothing (like triage's dry run).
    dry_run: bool = False


class Welcomed(BaseModel):
    message_id: str
    welcomed_at: float
    dry_run: bool = False


class Progress(BaseModel):
    next: str
    reason: str


class Nudged(BaseModel):
    count: int
    # Why nothing was posted, when the person could not be reached any more.
    skipped: str | None = None


# InboundEvent is a msgspec Struct (the webhooks' cold start); the state, a pydantic model, holds one.
PydanticEvent = in_pydantic(InboundEvent)


class OnboardingState(BaseModel):
    contributor: Contributor
    # The event that started onboarding: welcomes and reminders are posted where it came from.
    event: PydanticEvent
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


# A claim holds while the welcome is attempted (with the state machine's retries); a claim whose
# onboarding crashed without recording its failure lapses after this, so the person is welcomed later.
CLAIM_SECONDS = 24 * 3600


class Newcomers:
    """Who has been onboarded on which platform: once per person and platform.

    `claim` holds the person (IN_PROGRESS) when onboarding starts; `welcomed` makes it COMPLETE once a
    welcome was posted (or recorded in dry-run); `release` lets a failed onboarding start again.
    """

    def __init__(self, store: Store, clock: Callable[[], float]) -> None:
        self._once = Idempotency(store, "onboarded", clock, in_progress_seconds=CLAIM_SECONDS, ttl_seconds=None)
        self._store = store
        self._clock = clock

    def claim(self, event: InboundEvent, live: bool = True) -> bool:
        """True when this contributor's onboarding on this platform should start now (a conditional
        write): the first time they are seen, or again after a dry-run welcome once posting is live."""
        assert event.actor is not None
        held = self._once.begin(event.platform, event.actor.id, {"name": event.actor.name, "at": self._clock()})
        if held is None:
            return True
        if live and held.status == "COMPLETE" and held.data.get("dry_run"):
            self._once.release(event.platform, event.actor.id)
            return self._once.begin(event.platform, event.actor.id, {"name": event.actor.name,
                                                                     "at": self._clock()}) is None
        return False

    def welcomed(self, contributor: Contributor, dry_run: bool) -> None:
        self._once.complete(contributor.platform, contributor.id, {"name": contributor.name, "at": self._clock(),
                                                                   "dry_run": dry_run})

    def known(self, contributor: Contributor) -> bool:
        """Their onboarding record exists (`devrel forget` deletes it: then onboarding stops)."""
        return self._once.get(contributor.platform, contributor.id) is not None

    def release(self, platform: Platform, contributor_id: str) -> None:
        """Forget a claim whose welcome failed, so the next event of theirs starts onboarding again."""
        held = self._once.get(platform, contributor_id)
        if held is not None and held.status != "COMPLETE":
            self._once.release(platform, contributor_id)

    def welcomed_since(self, since: float) -> list[tuple[Platform, str, float]]:
        """(platform, id, when) of the newcomers actually welcomed since `since` (claims and dry-run
        welcomes are not counted)."""
        return [(platform, item.sk, float(item.data.get("at") or 0)) for platform in PLATFORMS
                for item in self._store.query(self._once.key(platform, "")[0], limit=10_000)
                if item.data.get("status") == "COMPLETE" and not item.data.get("dry_run")
                and float(item.data.get("at") or 0) >= since]

    def count_since(self, since: float) -> int:
        return len(self.welcomed_since(since))


def start_onboarding(event: InboundEvent, newcomers: Newcomers, workflows: Workflows, state_machine: str,
                     config: OnboardingConfig, can_post: bool = True) -> bool:
    """Start the onboarding state machine for a newcomer seen for the first time. True when started.
    `can_post`: the platform's adapter is configured (else the welcome can only be a dry run)."""
    live = can_post and not config.dry_run
    if not starts_onboarding(event) or not newcomers.claim(event, live=live):
        return False
    assert event.actor is not None
    # Per delivery: an onboarding started again (after a failed or dry-run one) is a new execution,
    # and a redelivered event finds its own.
    run = execution_name("onboarding", event.platform, event.actor.id, event.delivery_id[-24:])
    state = OnboardingState(
        contributor=Contributor(platform=event.platform, id=event.actor.id, name=event.actor.name),
        event=event,
        config=config,
        run=run,
    )
    workflows.start(state_machine, state.model_dump(mode="json", exclude_none=True), run)
    return True


# The welcome and the reminder in each language they are written in (the answers' fixed phrases have
# the same ones); any other language gets English. Commands and URLs stay as typed.
_WELCOMES: dict[str, tuple[str, str, str, str, str, str]] = {
    "en": ("Welcome{name}! I'm the project's assistant, glad you're here.", "Good first issues",
           "How to contribute", "Ask me anything about the code or docs (mention me, or `/ask` on Discord and "
           "`/devrel ask` on Slack); I answer with links to the sources.",
           "Stuck? Say so in the thread and a maintainer will help.",
           "Hi again! If you'd like a hand getting started, ask me here: for example \"how do I run the tests?\" "
           "or \"which issue suits a newcomer?\""),
    "es": ("¡Bienvenido/a{name}! Soy el asistente del proyecto, me alegra que estés aquí.", "Primeras issues",
           "Cómo contribuir", "Pregúntame lo que quieras sobre el código o la documentación (mencióname, o `/ask` "
           "en Discord y `/devrel ask` en Slack); respondo con enlaces a las fuentes.",
           "¿Te has atascado? Dilo en el hilo y alguien del equipo te ayudará.",
           "¡Hola de nuevo! Si quieres ayuda para empezar, pregúntame aquí: por ejemplo \"¿cómo ejecuto los "
           "tests?\" o \"¿qué issue es buena para empezar?\""),
    "fr": ("Bienvenue{name} ! Je suis l'assistant du projet, ravi de vous voir ici.", "Premières issues",
           "Comment contribuer", "Posez-moi vos questions sur le code ou la documentation (mentionnez-moi, ou "
           "`/ask` sur Discord et `/devrel ask` sur Slack) ; je réponds avec des liens vers les sources.",
           "Bloqué ? Dites-le dans le fil et une personne de l'équipe vous aidera.",
           "Re-bonjour ! Si vous voulez un coup de main pour démarrer, demandez-moi ici : par exemple \"comment "
           "lancer les tests ?\" ou \"quelle issue convient pour commencer ?\""),
    "de": ("Willkommen{name}! Ich bin der Assistent des Projekts, schön, dass du da bist.", "Gute erste Issues",
           "Wie du beitragen kannst", "Frag mich alles zum Code oder zur Dokumentation (erwähne mich, oder `/ask` "
           "auf Discord und `/devrel ask` auf Slack); ich antworte mit Links zu den Quellen.",
           "Kommst du nicht weiter? Sag es im Thread, und jemand aus dem Team hilft dir.",
           "Hallo nochmal! Wenn du Hilfe beim Einstieg möchtest, frag mich hier: zum Beispiel \"wie starte ich "
           "die Tests?\" oder \"welches Issue passt für den Anfang?\""),
    "pt": ("Boas-vindas{name}! Sou o assistente do projeto, que bom ter você aqui.", "Primeiras issues",
           "Como contribuir", "Pergunte-me qualquer coisa sobre o código ou a documentação (mencione-me, ou `/ask` "
           "no Discord e `/devrel ask` no Slack); respondo com links para as fontes.",
           "Travou? Diga no tópico e alguém da equipe vai ajudar.",
           "Olá de novo! Se quiser ajuda para começar, pergunte-me aqui: por exemplo \"como rodo os testes?\" "
           "ou \"qual issue é boa para começar?\""),
}
WELCOME_LANGUAGES = tuple(_WELCOMES)
# Said above suggestions picked for the person's stated interests.
_FOR_INTERESTS = {
    "en": "picked for your interests ({interests})",
    "es": "elegidas según tus intereses ({interests})",
    "fr": "choisies selon vos centres d'intérêt ({interests})",
    "de": "passend zu deinen Interessen ({interests})",
    "pt": "escolhidas pelos seus interesses ({interests})",
}
# Said instead when the interests were inferred from their contributions (usecases/interests.py).
_FOR_INFERRED = {
    "en": "picked for what you have worked on ({interests})",
    "es": "elegidas según lo que has trabajado ({interests})",
    "fr": "choisies selon ce sur quoi vous avez travaillé ({interests})",
    "de": "passend zu dem, woran du gearbeitet hast ({interests})",
    "pt": "escolhidas pelo que você já fez ({interests})",
}

# The labels a welcome suggests issues from, best first, unless .github/devrel.yml's `onboarding:
# first_issue_labels` names others.
FIRST_ISSUE_LABELS = ("good first issue", "help wanted")
MAX_SUGGESTIONS = 3


def _words(text: str) -> set[str]:
    # Dots and dashes inside a word stay (node.js, c++, pre-commit); a sentence's full stop does not.
    return {word.rstrip(".-") for word in re.findall(r"[a-z0-9+#.-]+", text.lower())} - {""}


def suggest_issues(issues: Sequence[OpenItem], labels: Sequence[str], interests: Sequence[str],
                   limit: int = MAX_SUGGESTIONS) -> list[OpenItem]:
    """At most `limit` issues, those whose labels, title or body name most of the person's interests first,
    then by the rank of their label, then newest (the order they come in)."""
    rank = {label.lower(): position for position, label in enumerate(labels)}
    wanted = [interest.lower() for interest in interests if interest.strip()]

    def key(item: tuple[int, OpenItem]) -> tuple[int, int, int]:
        order, issue = item
        names = {label.lower() for label in issue.labels}
        words = _words(f"{issue.title} {issue.body}") | names | {part for name in names for part in _words(name)}
        matched = sum(1 for interest in wanted if interest in words)
        best = min((rank[name] for name in names if name in rank), default=len(rank))
        return -matched, best, order

    unique = {issue.number: issue for issue in issues}
    return [issue for _, issue in sorted(enumerate(unique.values()), key=key)][:limit]


def nudge_text(language: str = "en") -> str:
    return _WELCOMES.get(language, _WELCOMES["en"])[5]


def welcome_text(name: str, project_repository: str | None, language: str = "en",
                 suggestions: Sequence[OpenItem] = (), interests: Sequence[str] = (), inferred: bool = False) -> str:
    greeting, first_issues, contribute, ask, stuck, _ = _WELCOMES.get(language, _WELCOMES["en"])
    lines = [greeting.format(name=f", {name}" if name else "")]
    if suggestions:
        # Titles are other people's words: quoted as plain text, mentions inert.
        table = _FOR_INFERRED if inferred else _FOR_INTERESTS
        picked = f" ({table.get(language, table['en']).format(interests=', '.join(interests))})" if interests else ""
        lines.append(f"- {first_issues}{picked}:")
        lines += [f"  - #{issue.number} {break_mentions(' '.join(issue.title.split())[:100])}: {issue.html_url}"
                  for issue in suggestions]
    if project_repository:
        if not suggestions:
            lines.append(f"- {first_issues}: https://github.com/{project_repository}/contribute")
        lines.append(f"- {contribute}: https://github.com/{project_repository}/blob/HEAD/CONTRIBUTING.md")
    lines.append(f"- {ask}")
    lines.append(f"- {stuck}")
    return "\n".join(lines)


# Discord's interaction token and Slack's response_url stop working after 15 and 30 minutes; a post
# later than this (a reminder days on) goes by direct message instead.
REPLY_ADDRESS_SECONDS = 10 * 60


def language_of(people: People, platform: str, person_id: str, text: str) -> str:
    """A person's language: chosen in their profile, else detected from what they wrote (an issue, a message)."""
    chosen = people.profile(platform, person_id).get("language")
    return str(chosen) if chosen else (detect_language(text) if text.strip() else "en")


def reachable_later(event: InboundEvent, who: str, now: float) -> InboundEvent:
    """`event` with its reply address changed to a direct message with `who` where the original one
    cannot carry a post made at `now`: a workspace join has no channel, and a command's token expires."""
    to = event.reply_to
    stale = now - event.received_at > REPLY_ADDRESS_SECONDS
    if isinstance(to, SlackAddress) and (not to.channel or (stale and to.response_url and not to.message_ts)):
        to = to.model_copy(update={"channel": "", "response_url": None, "user": who})
    elif isinstance(to, DiscordAddress) and ((to.token and stale) or not (to.token or to.channel)):
        to = to.model_copy(update={"token": "", "user": who})
    return event.model_copy(update={"reply_to": to})


class OnboardingSteps:
    """The Task states of the onboarding state machine."""

    def __init__(self, store: Store, platforms: Mapping[str, ChatPlatform], clock: Callable[[], float],
                 project_repository: str | None = None, activity: ActivityLog | None = None,
                 newcomers: Newcomers | None = None, tracker: Callable[[], IssueTracker | None] = lambda: None
                 ) -> None:
        self._tracker = tracker
        self._activity = activity or ActivityLog(store, clock)
        self._store = store
        self._platforms = platforms
        self._clock = clock
        self._project = project_repository
        self._events = EventLog(store)
        self._newcomers = newcomers or Newcomers(store, clock)

    def _addressed(self, state: OnboardingState) -> InboundEvent:
        return reachable_later(state.event, state.contributor.id, self._clock())

    def _post(self, state: OnboardingState, kind: Literal["welcome", "nudge"], text: str, reason: str
              ) -> str | None:
        """Post `text` to the newcomer and log it; None when it was only recorded (dry run, or no
        adapter for the platform is configured: nothing could be posted)."""
        event = self._addressed(state)
        entry = Action(kind=kind, platform=event.platform, target=event.reply_to.link, status="posted",
                       reason=reason, run=state.run or "", detail=text)
        platform = self._platforms.get(event.platform)
        if state.config.dry_run or platform is None:
            why = "dry run" if state.config.dry_run else f"dry run: no {event.platform} adapter is configured"
            self._activity.record(entry.model_copy(update={"status": "dry-run", "reason": f"{reason} ({why})"}))
            return None
        try:
            message_id = platform.post_reply(event, Reply(text=text))
        except Exception as error:
            self._activity.record(entry.model_copy(update={"status": "failed",
                                                           "error": f"{type(error).__name__}: {error}"[:300]}))
            raise
        self._activity.record(entry)
        return message_id

    def language(self, state: OnboardingState) -> str:
        return language_of(People(self._store, self._clock), state.contributor.platform, state.contributor.id,
                           state.event.text)

    def first_issues(self, state: OnboardingState) -> tuple[list[OpenItem], list[str], bool]:
        """Open issues for a newcomer (the repository's first-issue labels), matched to the interests they
        stated, else those inferred from their contributions; the interests matched, and whether they were
        inferred. None without a GitHub adapter or when GitHub fails (the welcome goes out without them)."""
        tracker = self._tracker()
        to = state.event.reply_to
        repository = (to.repository if isinstance(to, GithubAddress) and to.repository else None) or self._project
        if tracker is None or not repository:
            return [], [], False
        found_interests = PersonInterests(self._store, self._clock).of(state.contributor.platform,
                                                                      state.contributor.id, explain=False)
        interests, inferred = found_interests.chosen, found_interests.source == "inferred"
        try:
            configured = (tracker.repository_config(repository).get("onboarding") or {}).get("first_issue_labels")
            labels = [str(label) for label in configured][:5] if isinstance(configured, list) and configured \
                else list(FIRST_ISSUE_LABELS)
            found = [issue for label in labels for issue in tracker.labelled_issues(repository, label)]
        except Exception as error:  # suggestions are a courtesy; the welcome matters more
            log.warning("no first issues for the welcome from %s: %s: %s", repository, type(error).__name__, error)
            return [], [], False
        suggestions = suggest_issues(found, labels, interests)
        matched = [i for i in interests if any(i.lower() in _words(f"{s.title} {s.body} {' '.join(s.labels)}")
                                               | {label.lower() for label in s.labels} for s in suggestions)]
        return suggestions, matched, inferred

    def welcome(self, state: OnboardingState) -> Welcomed:
        suggestions, interests, inferred = self.first_issues(state)
        text = welcome_text(state.contributor.name, self._project, self.language(state), suggestions, interests,
                            inferred)
        message_id = self._post(state, "welcome", text, f"a newcomer: {state.event.kind}")
        # Only now is the person welcomed (a failed welcome releases the claim in record_failure).
        self._newcomers.welcomed(state.contributor, dry_run=message_id is None)
        return Welcomed(message_id=message_id or "", welcomed_at=self._clock(), dry_run=message_id is None)

    def check_progress(self, state: OnboardingState) -> Progress:
        """`nudge` while the newcomer has done nothing since the welcome and nudges remain, else `done`."""
        if not self._newcomers.known(state.contributor):
            return Progress(next="done", reason="their onboarding record is gone (they asked to be forgotten)")
        since = state.welcome.result.welcomed_at if state.welcome else 0.0
        # By the platform's user id: display names are empty on some platforms (Slack) and not unique.
        who = state.contributor.id
        activity = [logged for logged in self._events.since(state.contributor.platform, since, limit=2000)
                    if logged.at > since and who and logged.actor_id == who]
        nudges = state.nudge.result.count if state.nudge else 0
        if activity:
            return Progress(next="done", reason=f"{len(activity)} contributions since the welcome")
        if nudges < state.config.max_nudges:
            return Progress(next="nudge", reason="no activity yet")
        return Progress(next="done", reason="no activity after the reminders; leaving them be")

    def nudge(self, state: OnboardingState) -> Nudged:
        count = (state.nudge.result.count if state.nudge else 0) + 1
        try:
            self._post(state, "nudge", nudge_text(self.language(state)), "no activity since the welcome")
        except PlatformError as error:
            if error.retryable:
                raise
            # A reminder the platform refuses for good (no bot token, DMs closed) is not worth failing
            # the onboarding for: the failure is in the activity log, and the reminders end here.
            return Nudged(count=state.config.max_nudges, skipped=str(error)[:300])
        return Nudged(count=count)

    def record_failure(self, state: dict[str, Any]) -> dict[str, Any]:
        error = state.get("error") or {}
        contributor = state.get("contributor") or {}
        if not state.get("welcome") and contributor.get("platform") in PLATFORMS and contributor.get("id"):
            self._newcomers.release(contributor["platform"], str(contributor["id"]))
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
