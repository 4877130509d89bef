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
from devrel.platforms.person_commands import CODE_ALPHABET, PROFILE_FIELDS, PROFILE_USAGE, code_digest, hint
from devrel.ports import ChatPlatform, Store
from devrel.records import LINK_CODE_SECONDS, People, PersonalData, VisitorLimits, people_scope
from devrel.usecases.conversation import Sleep, post_with_retries

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
        wait = self._limit.admit(people_scope(where), user)
        if wait is not None:
            return f"You've sent several of these requests; please try again in {int(wait // 60) + 1} minutes."
        if intent.action == "forget":
            return self._ask_to_forget(where, user)
        if intent.action == "forget_confirm":
            return self._forget(event, where, user)
        if intent.action == "link":
            return self._issue_code(where, user)
        if intent.action == "link_redeem":
            return self._redeem(where, user, intent.code)
        if intent.action == "profile_set":
            self.people.save_profile(where, user, intent.changes)
            return "Saved.\n\n" + self._profile(where, user)
        return self._profile(where, user)

    def _ask_to_forget(self, where: str, user: str) -> str:
        self.people.ask_to_forget(where, user, self._config.forget_confirm_seconds)
        linked = len(self.people.accounts(where, user)) - 1
        also = f" and on the {linked} account{'s' if linked > 1 else ''} you linked to this one" if linked else ""
        return ("This deletes what the assistant keeps about you here" + also + ": your conversations with it, "
                "questions kept for maintainers, your onboarding, profile and links; in the event log and the "
                "activity log you become an anonymous alias, so the community's counts stay right. It cannot be "
                f"undone. To go ahead, send `{hint(where, 'forget', 'confirm')}` within "
                f"{self._config.forget_confirm_seconds // 60} minutes.")

    def _forget(self, event: InboundEvent, where: str, user: str) -> str:
        if not self.people.take_forget_request(where, user):
            return f"Nothing to confirm: send `{hint(where, 'forget')}` first, then confirm within a few minutes."
        wait = self._forget_limit.admit("forget", "all")
        if wait is not None:
            self.people.ask_to_forget(where, user, self._config.forget_confirm_seconds)  # kept for a retry
            return ("Too many people are being forgotten right now; please confirm again in "
                    f"{int(wait // 60) + 1} minutes.")
        names = frozenset({event.actor.name} if event.actor and event.actor.name else set())
        deleted = anonymised = executions = 0
        persons = self._data.linked(where, user, names)  # type: ignore[arg-type]
        for person in persons:
            self._forget_indexed(person.platform, person.id)
            counts = self._data.forget(person)
            deleted += counts.get("deleted", 0)
            anonymised += counts.get("anonymised", 0)
            executions += self._forget_executions(person.platform, person.id) or 0
        accounts = f" across your {len(persons)} linked accounts" if len(persons) > 1 else ""
        runs = f", {executions} onboarding runs deleted" if executions else ""
        text = (f"Done: you are forgotten{accounts}. {deleted} records deleted and {anonymised} anonymised{runs}. "
                "Anything you write to the assistant from now on is new.")
        self._done.complete(where, event.delivery_id, {"text": text})
        return text

    def _issue_code(self, where: str, user: str) -> str:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        self.people.issue_code(where, user, code_digest(code))
        others = [hint(platform, "link", code) for platform in ("slack", "discord", "telegram") if platform != where]
        return (f"Your link code: `{code}`. From your account on another platform, send "
                f"{' or '.join(f'`{other}`' for other in others)}, or comment `devrel link {code}` on one of "
                f"the project's GitHub issues, within {LINK_CODE_SECONDS // 60} minutes. It works once; nothing "
                "is linked until then, and then your profile, `forget` and `export` cover both accounts. Keep it "
                "to yourself: whoever posts it first is linked to you.")

    def _redeem(self, where: str, user: str, code: str) -> str:
        # A message queued before codes travelled as digests (a dead-letter redrive) still has the code.
        digest = code_digest(code) if len(code) == 8 else code
        issued = self.people.redeem_code(digest, where, user)
        if issued is None or issued == (where, user):
            return ("That code can't be used. Codes work once, for a few minutes, and only from an account on "
                    "another platform than the one that asked for it: ask for a new one with `link` there.")
        accounts = self.people.link(issued, (where, user))
        if where == "github":  # a public reply: it names no other account
            return "Linked. The code is used up; you may delete your comment."
        platforms = sorted({platform for platform, _ in accounts})
        return (f"Linked: your accounts on {', '.join(platforms)} are one person to the assistant now. Your "
                "profile follows you across them, and `forget` on any of them forgets them all.")

    def _profile(self, where: str, user: str) -> str:
        profile = self.people.profile(where, user)
        linked = len(self.people.accounts(where, user))
        shown = {"language": profile.get("language") or "not set (detected from what you write)",
                 "experience": profile.get("experience") or "not set",
                 "interests": profile.get("interests") or "not set",
                 "timezone": profile.get("timezone") or "not set"}
        lines = [f"Your profile{f' (for your {linked} linked accounts)' if linked > 1 else ''}:",
                 *(f"- {field}: {shown[field]}" for field in PROFILE_FIELDS),
                 "", f"To change it, {PROFILE_USAGE}."]
        return "\n".join(lines)
