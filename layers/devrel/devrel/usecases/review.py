"""The first-pass review of a pull request, once per push.

On `opened`, `synchronize` and `ready_for_review` (drafts only when the repository asks): read the
repository's `review:` policy, the pull request as a change set, review it (devrel.review.engine),
then post one GitHub review with event COMMENT and the new inline comments, and write the summary
comment, edited in place on later pushes. Findings already posted on an earlier push are not posted
again. A dry run posts nothing; like every action, what it would post is in the activity log.

The pull request's own text decides nothing here: the review event is COMMENT (or, only when the
repository configures it, REQUEST_CHANGES for a credential), never an approval; the model never sees
the description; no configured secret is in anything the review reads.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from pydantic import ValidationError

from devrel.activity import Action, ActivityLog
from devrel.events import InboundEvent, PullRequestOpened, PullRequestUpdated
from devrel.idempotency import Idempotency
from devrel.platforms.outbound import PlatformError
from devrel.ports import PullRequestHost
from devrel.records import ReviewMemory
from devrel.review.engine import ReviewTools, review_changes
from devrel.review.model import ChangeSet, ReviewConfig
from devrel.review.render import comment_body, review_body

log = logging.getLogger(__name__)


class PullRequestReviews:
    def __init__(self, host: PullRequestHost | None, memory: ReviewMemory, once: Idempotency, activity: ActivityLog,
                 clock: Callable[[], float], tools: Callable[[], ReviewTools], bot_login: str | None = None,
                 noticed_paths: Callable[[str, int, list[str]], None] = lambda repository, number, paths: None
                 ) -> None:
        self._host = host
        # The paths a pull request changes, read here anyway: what its author's interests are inferred from.
        self._noticed_paths = noticed_paths
        self._memory = memory
        self._once = once
        self._activity = activity
        self._clock = clock
        # Built on first review: the linter and the model are not needed to decide to skip.
        self._tools = tools
        self._bot_login = (bot_login or "").lower()

    def handle(self, event: InboundEvent) -> str | None:
        """Review the pushed commit of a pull request event; what was done, or None when nothing."""
        intent = event.intent
        if not isinstance(intent, PullRequestOpened | PullRequestUpdated) or self._host is None:
            return None
        if event.actor is not None and self._bot_login and event.actor.name.lower() == self._bot_login:
            return None  # its own pull requests (release notes) get no review from itself
        host, repository, number = self._host, intent.repository, intent.number
        try:
            config = ReviewConfig.model_validate(host.review_config(repository))
        except ValidationError as error:
            log.warning("the review section of %s's .github/devrel.yml is invalid: %s", repository, error)
            config = ReviewConfig()
        if not config.enabled or (intent.draft and not config.review_drafts):
            return None
        scope = f"{repository}#{number}"
        head = intent.head_sha or f"delivery:{event.delivery_id}"
        if self._once.begin(scope, head) is not None:
            return None  # this push is reviewed, or being reviewed
        try:
            outcome = self._review(event, intent, config)
        except PlatformError as error:
            if error.retryable:
                self._once.release(scope, head)
                raise
            # A pull request that is gone or out of reach: nothing a retry changes.
            self._record(event, intent, "review", "failed", "first-pass review", "", error=str(error)[:300])
            self._once.complete(scope, head, {"outcome": "failed"})
            return "review-failed"
        except Exception:
            self._once.release(scope, head)
            raise
        self._once.complete(scope, head, {"outcome": outcome})
        return outcome

    def _review(self, event: InboundEvent, intent: PullRequestOpened | PullRequestUpdated, config: ReviewConfig
                ) -> str:
        host, repository, number = self._host, intent.repository, intent.number
        assert host is not None
        changes: ChangeSet = host.change_set(repository, number, config.max_files)
        if intent.head_sha and changes.head_sha and changes.head_sha != intent.head_sha:
            return "review-superseded"  # a newer push arrived: its own delivery reviews it
        self._noticed_paths(repository, number, [file.path for file in changes.files])
        if changes.draft and not config.review_drafts:
            return "review-skipped-draft"
        changes.first_time = changes.first_time or intent.first_time
        changes.size_history = self._memory.sizes(repository) + changes.size_history
        review = review_changes(changes, config, self._tools())
        state = self._memory.get(repository, number)
        posted = set(state.get("fingerprints") or [])
        new = [finding for finding in review.comments if finding.fingerprint not in posted]
        first_time = changes.first_time
        reason = "first-pass review" + (" (dry run)" if config.dry_run else "")
        inline = [{"path": f.path, "line": f.line, "body": comment_body(f, first_time)} for f in new]
        body = review_body(review, new, first_time)
        detail = body + "".join(f"\n\n{c['path']}:{c['line']}: {c['body']}" for c in inline)
        if config.dry_run:
            if new:
                self._record(event, intent, "review", "dry-run", reason, detail)
            self._record(event, intent, "comment", "dry-run", f"{reason}: summary", review.summary)
            return "review-dry-run"
        if new:
            verdict = "REQUEST_CHANGES" if config.request_changes and any(f.severity == "high" for f in new) \
                else "COMMENT"
            self._act(event, intent, "review", detail, reason,
                      lambda: host.post_review(repository, number, changes.head_sha, body, inline, verdict))
        summary_id = self._act(event, intent, "comment", review.summary, f"{reason}: summary (edited in place)",
                               lambda: host.upsert_comment(repository, number, state.get("summary_comment_id"),
                                                           review.summary))
        self._memory.save(repository, number, self._clock(), summary_id,
                          [*posted, *(f.fingerprint for f in new)], changes.head_sha)
        if isinstance(intent, PullRequestOpened):
            self._memory.add_size(repository, number, self._clock(), review.additions + review.deletions,
                                  review.files)
        return f"reviewed:{len(new)}-new"

    def _target(self, intent: PullRequestOpened | PullRequestUpdated) -> str:
        return intent.html_url or f"https://github.com/{intent.repository}/pull/{intent.number}"

    def _record(self, event: InboundEvent, intent: PullRequestOpened | PullRequestUpdated, kind: Any, status: Any,
                reason: str, detail: str, error: str | None = None) -> None:
        self._activity.record(Action(kind=kind, platform="github", target=self._target(intent), status=status,
                                     reason=reason, run=event.delivery_id, detail=detail, error=error))

    def _act(self, event: InboundEvent, intent: PullRequestOpened | PullRequestUpdated, kind: str, detail: str,
             reason: str, action: Callable[[], str]) -> str:
        """Take one action and record it, failed or not."""
        try:
            done = action()
        except Exception as error:
            self._record(event, intent, kind, "failed", reason, detail, error=f"{type(error).__name__}: {error}"[:300])
            raise
        self._record(event, intent, kind, "posted", reason, detail)
        return done

