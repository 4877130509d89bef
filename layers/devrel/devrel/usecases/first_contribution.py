"""Congratulations on a first merged pull request: one kind comment on it, once per person and repository,
in the person's language where a translation exists.

A pull request is its author's first merged one when GitHub marks them a first-timer, or when no earlier
merged pull request of theirs was recorded here (every merge is recorded, so the second is never taken for
a first). The project's own people (owners, members, collaborators) and bots are not congratulated. In
dry run (or without a GitHub adapter) the comment is only recorded in the activity log.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping

from devrel.activity import Action, ActivityLog
from devrel.events import InboundEvent, PullRequestMerged, Reply
from devrel.idempotency import Idempotency
from devrel.platforms.text import break_mentions
from devrel.ports import ChatPlatform, Store
from devrel.records import People
from devrel.usecases.onboarding import language_of

FIRST_TIMERS = frozenset({"FIRST_TIME_CONTRIBUTOR", "FIRST_TIMER"})
MAINTAINERS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})

# "Congratulations on your first merged pull request" in the languages the welcome is written in.
_CONGRATULATIONS = {
    "en": "Congratulations on your first merged pull request{name}! Thank you for contributing to {repository}. "
          "If you'd like another one, ask me for a good first issue.",
    "es": "¡Enhorabuena por tu primera pull request fusionada{name}! Gracias por contribuir a {repository}. "
          "Si quieres otra, pídeme una buena primera issue.",
    "fr": "Félicitations pour votre première pull request fusionnée{name} ! Merci de contribuer à {repository}. "
          "Si vous en voulez une autre, demandez-moi une bonne première issue.",
    "de": "Glückwunsch zu deinem ersten gemergten Pull Request{name}! Danke, dass du zu {repository} beiträgst. "
          "Wenn du noch einen möchtest, frag mich nach einem guten ersten Issue.",
    "pt": "Parabéns pelo seu primeiro pull request integrado{name}! Obrigado por contribuir com {repository}. "
          "Se quiser outro, peça-me uma boa primeira issue.",
}
CONGRATULATION_LANGUAGES = tuple(_CONGRATULATIONS)


def congratulation_text(login: str, repository: str, language: str = "en") -> str:
    # No @: a mention of the author would notify them twice (they get the comment on their own pull request).
    name = f", {break_mentions(login)}" if login else ""
    return _CONGRATULATIONS.get(language, _CONGRATULATIONS["en"]).format(name=name, repository=repository)


class FirstContributions:
    def __init__(self, store: Store, platforms: Mapping[str, ChatPlatform], activity: ActivityLog,
                 clock: Callable[[], float] = time.time, dry_run: bool = False) -> None:
        self._store = store
        self._platforms = platforms
        self._activity = activity
        self._clock = clock
        self._dry_run = dry_run
        # Every merged pull request's author, per repository: what "no earlier merged PR recorded" reads.
        self._merged = Idempotency(store, "merged-by", clock, in_progress_seconds=0, ttl_seconds=None)
        # The comment itself, once per person and repository (claimed while it is posted).
        self._once = Idempotency(store, "congratulated", clock, in_progress_seconds=600, ttl_seconds=None)

    def is_first(self, merged: PullRequestMerged) -> bool:
        """Whether this is the author's first merged pull request here (and records that it was merged)."""
        earlier = self._merged.record_once(f"github:{merged.repository}", merged.author_id,
                                           {"number": merged.number, "at": self._clock()})
        # A redelivered merge finds its own record: still the first.
        unrecorded = earlier is None or earlier.data.get("number") == merged.number
        return merged.association in FIRST_TIMERS or (unrecorded and merged.association not in MAINTAINERS)

    def congratulate(self, event: InboundEvent) -> str | None:
        merged = event.intent
        if not isinstance(merged, PullRequestMerged) or not merged.author_id or merged.author_is_bot:
            return None
        if not self.is_first(merged):
            return None
        scope = f"github:{merged.repository}"
        if not self._once.claim_or_done(scope, merged.author_id):
            return "already-congratulated"
        language = language_of(People(self._store, self._clock), "github", merged.author_id, event.text)
        text = congratulation_text(merged.author, merged.repository, language)
        entry = Action(kind="congratulate", platform="github", target=event.reply_to.link, status="posted",
                       reason=f"{merged.author}'s first merged pull request", run=event.delivery_id, detail=text)
        platform = self._platforms.get("github")
        if self._dry_run or platform is None:
            why = "dry run" if self._dry_run else "dry run: no github adapter is configured"
            self._activity.record(entry.model_copy(update={"status": "dry-run", "reason": f"{entry.reason} ({why})"}))
            self._once.complete(scope, merged.author_id, {"dry_run": True, "number": merged.number})
            return "congratulation-recorded"
        try:
            platform.post_reply(event, Reply(text=text, feedback=False))
        except Exception as error:
            self._once.release(scope, merged.author_id)  # the queue's retry may post it
            self._activity.record(entry.model_copy(update={"status": "failed",
                                                           "error": f"{type(error).__name__}: {error}"[:300]}))
            raise
        self._once.complete(scope, merged.author_id, {"number": merged.number, "at": self._clock()})
        self._activity.record(entry)
        return "congratulated"
