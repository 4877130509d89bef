"""Self-service requests about a person's own records (`forget`, `link`, `profile`), answered in the worker
privately (an ephemeral reply, or the private chat they came from).

Whose records is the actor of the signed request: nothing in a message names or reaches anyone else.
Forget-me needs a second `forget confirm` within a few minutes, so one stray message erases nobody,
and acts on every account the person linked. Linking needs a one-time code issued to one account and
posted from an account on another platform: nothing is ever linked by a matching name. Each person has
a small budget of requests per hour; forget-me, which reads the whole store, has a deployment-wide one.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from devrel.events import InboundEvent, PersonRequest, Reply
from devrel.idempotency import Idempotency
from devrel.messages import say
from devrel.platforms.person_commands import CODE_ALPHABET, EXPERIENCE, PROFILE_FIELDS, code_digest, hint
from devrel.ports import ChatPlatform, Store
from devrel.records import LINK_CODE_SECONDS, People, PersonalData, VisitorLimits, people_scope
from devrel.usecases.conversation import Sleep, post_with_retries
from devrel.usecases.interests import PersonInterests, profile_lines, set_command

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeopleConfig:
    requests_per_hour: int = 10
    forgets_per_hour: int = 20
    forget_confirm_seconds: int = 600
    attempts: int = 3
    retry_delay_seconds: float = 0.5


# (platform, user id) -> how many onboarding executions were deleted (None: the runtime cannot).
ForgetExecutions = Callable[[str, str], int | None]


class PeopleRequests:
    def __init__(self, store: Store, platforms: Mapping[str, ChatPlatform], clock: Callable[[], float],
                 config: PeopleConfig = PeopleConfig(),
                 forget_executions: ForgetExecutions = lambda platform, user: None,
                 forget_indexed: ForgetExecutions = lambda platform, user: None) -> None:
        self._platforms = platforms
        self._config = config
        self._forget_executions = forget_executions
        # Copies of what they asked kept outside the store (maintainers' answers in the knowledge index):
        # found through their records, so removed before those.
        self._forget_indexed = forget_indexed
        self.people = People(store, clock)
        self._interests = PersonInterests(store, clock)
        self._data = PersonalData(store)
        self._limit = VisitorLimits(store, clock, config.requests_per_hour, 3600)
        self._forget_limit = VisitorLimits(store, clock, config.forgets_per_hour, 3600)
        # A forget-me's outcome is kept under its delivery (counts only): a redelivery re-posts it instead
        # of finding nothing left to confirm.
        self._done = Idempotency(store, "person-request", clock, 120, 3 * 24 * 3600)

    def handle(self, event: InboundEvent, sleep: Sleep = time.sleep) -> str | None:
        intent = event.intent
        platform = self._platforms.get(event.platform)
        if not isinstance(intent, PersonRequest) or event.actor is None:
            return None
        if platform is None:
            log.warning("no %s adapter is configured; cannot answer %s", event.platform, event.delivery_id)
            return None
        done = self._done.get(event.platform, event.delivery_id)
        if done is not None and done.data.get("posted"):
            return None
        text = str(done.data["text"]) if done is not None and "text" in done.data else self.answer(event, intent)
        post_with_retries(platform, event, Reply(text=text, ephemeral=True, feedback=False),
                          self._config.attempts, self._config.retry_delay_seconds, sleep)
        if intent.action == "forget_confirm":
            self._done.complete(event.platform, event.delivery_id, {"posted": True})
        return f"person-{intent.action}"

    def answer(self, event: InboundEvent, intent: PersonRequest) -> str:
        """Do what was asked, for the actor only; what to tell them."""
        assert event.actor is not None
        where, user = event.platform, event.actor.id
        # Their profile's language (set on any linked account); the commands carry no text to detect it from.
        language = self.people.profile(where, user).get("language") or "en"
        wait = self._limit.admit(people_scope(where), user)
        if wait is not None:
            return say("people.rate_limited", language, minutes=int(wait // 60) + 1)
        if intent.action == "forget":
            return self._ask_to_forget(where, user, language)
        if intent.action == "forget_confirm":
            return self._forget(event, where, user, language)
        if intent.action == "link":
            return self._issue_code(where, user, language)
        if intent.action == "link_redeem":
            return self._redeem(where, user, intent.code, language)
        if intent.action == "profile_set":
            language = self.people.save_profile(where, user, intent.changes).get("language") or "en"
            return say("people.saved", language) + "\n\n" + self._profile(where, user, language)
        return self._profile(where, user, language)

    def _ask_to_forget(self, where: str, user: str, language: str) -> str:
        self.people.ask_to_forget(where, user, self._config.forget_confirm_seconds)
        linked = len(self.people.accounts(where, user)) - 1
        also = "" if not linked else say("people.forget.also_one", language) if linked == 1 else \
            say("people.forget.also_many", language, count=linked)
        return say("people.forget.ask", language, also=also, command=hint(where, "forget", "confirm"),
                   minutes=self._config.forget_confirm_seconds // 60)

    def _forget(self, event: InboundEvent, where: str, user: str, language: str) -> str:
        if not self.people.take_forget_request(where, user):
            return say("people.forget.nothing", language, command=hint(where, "forget"))
        wait = self._forget_limit.admit("forget", "all")
        if wait is not None:
            self.people.ask_to_forget(where, user, self._config.forget_confirm_seconds)  # kept for a retry
            return say("people.forget.busy", language, minutes=int(wait // 60) + 1)
        names = frozenset({event.actor.name} if event.actor and event.actor.name else set())
        deleted = anonymised = executions = 0
        persons = self._data.linked(where, user, names)  # type: ignore[arg-type]
        for person in persons:
            self._forget_indexed(person.platform, person.id)
            counts = self._data.forget(person)
            deleted += counts.get("deleted", 0)
            anonymised += counts.get("anonymised", 0)
            executions += self._forget_executions(person.platform, person.id) or 0
        accounts = say("people.forget.accounts", language, count=len(persons)) if len(persons) > 1 else ""
        runs = say("people.forget.runs", language, count=executions) if executions else ""
        text = say("people.forget.done", language, accounts=accounts, deleted=deleted, anonymised=anonymised,
                   runs=runs)
        self._done.complete(where, event.delivery_id, {"text": text})
        return text

    def _issue_code(self, where: str, user: str, language: str) -> str:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        self.people.issue_code(where, user, code_digest(code))
        others = [hint(platform, "link", code) for platform in ("slack", "discord", "telegram") if platform != where]
        return say("people.link.code", language, code=code, minutes=LINK_CODE_SECONDS // 60,
                   others=f" {say('people.or', language)} ".join(f"`{other}`" for other in others))

    def _redeem(self, where: str, user: str, code: str, language: str) -> str:
        # A message queued before codes travelled as digests (a dead-letter redrive) still has the code.
        digest = code_digest(code) if len(code) == 8 else code
        issued = self.people.redeem_code(digest, where, user)
        if issued is None or issued == (where, user):
            return say("people.link.refused", language)
        accounts = self.people.link(issued, (where, user))
        # Now the person's profile: the language they chose on the account that asked for the code.
        language = self.people.profile(where, user).get("language") or language
        if where == "github":  # a public reply: it names no other account
            return say("people.link.github", language)
        platforms = sorted({platform for platform, _ in accounts})
        return say("people.link.done", language, platforms=", ".join(platforms))

    def _profile(self, where: str, user: str, language: str) -> str:
        profile = self.people.profile(where, user)
        linked = len(self.people.accounts(where, user))
        interests = self._interests.of(where, user)
        not_set = say("people.profile.not_set", language)
        shown = {"language": profile.get("language") or say("people.profile.detected", language),
                 "experience": profile.get("experience") or not_set,
                 "interests": say("people.interests.off", language, on=set_command(where, "interests="))
                 if interests.source == "off" else profile.get("interests") or not_set,
                 "timezone": profile.get("timezone") or not_set}
        heading = say("people.profile", language,
                      linked=say("people.profile.linked", language, count=linked) if linked > 1 else "")
        example = "profile set language=fr experience=newcomer interests=python,docs timezone=Europe/Paris"
        # What was inferred is listed apart from what they stated, with its evidence.
        lines = [heading, *(f"- {field}: {shown[field]}" for field in PROFILE_FIELDS),
                 *profile_lines(interests, where, language), "",
                 say("people.profile.change", language, example=example, levels=", ".join(EXPERIENCE))]
        return "\n".join(lines)
