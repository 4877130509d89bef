"""The release state machine (infra/statemachines/release.asl.json): a draft release saved on GitHub ->
notes drafted from the history -> posted to the maintainers' Slack channel with Approve / Edit / Reject ->
the execution waits for the click (`.waitForTaskToken`) -> on approval the notes become the release's
body, the release is published and announced; a rejection or no decision in time publishes nothing.
Edit opens the draft in a modal; a saved edit replaces the draft shown on the request (the execution keeps
waiting), and Approve pins the edit it saw: that text is what is published.

Authority comes only from a maintainer's click in the approval channel: the notes are made from
commit and pull request text, which is untrusted and can neither approve nor publish. The task token
never leaves the Store; the button carries only the approval's id, and a click counts only when it
is on the very message the approval was posted as, in the configured channel.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from devrel.activity import Action, ActivityLog
from devrel.events import (
    DiscordAddress,
    InboundEvent,
    ReleaseDecision,
    ReleaseDrafted,
    ReleaseEdited,
    ReleaseEditRequested,
    ReleaseRequested,
    Reply,
    SlackAddress,
)
from devrel.idempotency import Idempotency
from devrel.knowledge.credentials import redact_credentials
from devrel.platforms.text import break_mentions
from devrel.ports import ChatPlatform, Item, PortError, Store, Workflows, execution_name
from devrel.release.blog import BlogFile, blog_file, blog_settings
from devrel.release.changes import ReleaseError
from devrel.release.social import blog_post, social_posts

log = logging.getLogger(__name__)

STEPS = ("draft", "request_approval", "publish", "declined", "record_failure")
REJECTED = "Release.Rejected"
# GitHub keeps release bodies up to 125,000 characters; Slack shows 50 blocks of 3,000.
MAX_NOTES = 100_000
SLACK_PREVIEW = 12_000
ANNOUNCEMENT_NOTES = 1_200  # Discord allows 2,000 characters a message
APPROVALS = "release-approval"
# Where an execution's approval request was posted: kept after the decision (unlike the token), so the
# outcome and the drafts can go into its thread.
THREADS = "release-thread"
KEEP_SECONDS = 30 * 24 * 3600
# A draft's saved edits (`<run>#rev#<n>`), the edit modals opened for it (`<run>#view#<id>`: only those can
# save one) and a refused edit to start the next modal from (`<run>#retry`). Kept apart from the approval
# record so an edit never brings back an approval already decided.
EDITS = "release-edit"


class UnknownStepError(ValueError):
    pass


# --- the execution state (checked against the definition by tests/unit/test_state_contracts.py) --------


class _State(BaseModel):
    model_config = ConfigDict(extra="allow")


class ReleaseFacts(_State):
    repository: str
    # 0: no GitHub release yet (a `/devrel release` command): approval creates it for the tag.
    release_id: int
    tag: str
    target: str = ""
    html_url: str | None = None
    installation_id: int | None = None
    # Where the notes start (the command's FROM); none: the nearest tag before the release's.
    from_ref: str | None = None
    requested_by: str | None = None


class ReleaseConfig(_State):
    approval_channel: str
    announce_slack_channel: str | None = None
    announce_discord_channel: str | None = None
    announce_discourse_category: int | None = None
    dry_run: bool = False


class DraftResult(_State):
    notes: str
    from_ref: str
    to_ref: str
    changes: int = 0


class _Result(_State):
    result: dict[str, Any] = Field(default_factory=dict)


class _Draft(_State):
    result: DraftResult


class ReleaseState(_State):
    release: ReleaseFacts
    config: ReleaseConfig
    run: str
    draft: _Draft | None = None
    # What SendTaskSuccess gave (who approved), or the error of a rejection or timeout.
    decision: dict[str, Any] | None = None
    published: _Result | None = None
    # Catch: Release.Rejected or States.Timeout ({"Error", "Cause"}), then what the Declined step recorded.
    declined: dict[str, Any] | None = None
    declined_recorded: _Result | None = None
    error: dict[str, Any] | None = None
    failure: _Result | None = None


# --- ports this use case needs ---------------------------------------------------------------------------


class TaskCallbacks(Protocol):
    """Step Functions' SendTaskSuccess / SendTaskFailure (or the local executor's)."""

    def send_task_success(self, token: str, output: Any) -> None: ...

    def send_task_failure(self, token: str, error: str, cause: str = "") -> None: ...


@runtime_checkable
class ForumTopics(Protocol):
    """A forum that opens topics (Discourse): the announcement is a new topic, not a reply."""

    def create_topic(self, title: str, raw: str, category: int) -> str: ...


@runtime_checkable
class MessageEditor(Protocol):
    """A chat that can replace a posted message (Slack's chat.update): the buttons go once decided, and
    stay (`approval`) when only the draft was edited."""

    def update_message(self, channel: str, message_ts: str, text: str, approval: str | None = None) -> None: ...


@runtime_checkable
class DraftEditor(Protocol):
    """A chat that opens an edit form on a click (Slack's views.open); returns the form's id."""

    def open_release_editor(self, team: str, trigger_id: str, approval: str, title: str, notes: str) -> str: ...


class ReleasePublisher(Protocol):
    def publish(self, repository: str, release_id: int, body: str, installation_id: int | None) -> str:
        """Set the release's body and publish it; returns its page's URL."""
        ...

    def create(self, repository: str, tag: str, body: str, installation_id: int | None) -> str:
        """Publish a new release for an existing tag (never creating the tag); returns its page's URL."""
        ...


class BlogDrafts(Protocol):
    """Where an approved release's blog post draft is written: a pull request (or a branch) on GitHub, or
    the edge's local checkout of the repository."""

    def release_config(self, repository: str, installation_id: int | None) -> dict[str, Any]:
        """The `release:` section of the repository's `.github/devrel.yml` ({} when there is none)."""
        ...

    def save(self, repository: str, draft: BlogFile, installation_id: int | None) -> str:
        """Write the file; returns where it is (a pull request's or file's URL, or a local path)."""
        ...


@dataclass(frozen=True)
class DraftedNotes:
    notes: str
    from_ref: str
    to_ref: str
    changes: int


# (repository, from_ref, to_ref, title) -> the external notes from `from_ref` (None: the previous tag) to
# `to_ref`; raises ReleaseError.
Drafter = Callable[[str, str | None, str, str], DraftedNotes]


@dataclass(frozen=True)
class ReleaseSettings:
    approval_channel: str | None
    announce_slack_channel: str | None = None
    announce_discord_channel: str | None = None
    announce_discourse_category: int | None = None
    dry_run: bool = False


def _config(approval_channel: str, settings: ReleaseSettings) -> ReleaseConfig:
    return ReleaseConfig(approval_channel=approval_channel, announce_slack_channel=settings.announce_slack_channel,
                         announce_discord_channel=settings.announce_discord_channel,
                         announce_discourse_category=settings.announce_discourse_category, dry_run=settings.dry_run)


def start_release(event: InboundEvent, workflows: Workflows, state_machine: str, settings: ReleaseSettings,
                  activity: ActivityLog) -> str | None:
    """Start the release state machine for a draft release; None when no approval channel is configured
    (nothing can be approved, so nothing is drafted)."""
    drafted = event.intent
    assert isinstance(drafted, ReleaseDrafted)
    target = drafted.html_url or f"https://github.com/{drafted.repository}/releases"
    if not settings.approval_channel:
        activity.record(Action(kind="release_approval", platform="github", target=target, status="failed",
                               reason=f"draft release {drafted.tag}: no approval channel configured",
                               run=event.delivery_id, error="DEVREL_RELEASE_APPROVAL_SLACK_CHANNEL is not set"))
        return None
    installation = getattr(event.reply_to, "installation_id", None)
    run = execution_name("release", drafted.repository, str(drafted.release_id), event.delivery_id)
    state = ReleaseState(
        release=ReleaseFacts(repository=drafted.repository, release_id=drafted.release_id, tag=drafted.tag,
                             target=drafted.target, html_url=drafted.html_url, installation_id=installation),
        config=_config(settings.approval_channel, settings),
        run=run)
    return workflows.start(state_machine, state.model_dump(mode="json", exclude_none=True), run)


def start_release_command(event: InboundEvent, workflows: Workflows, state_machine: str, settings: ReleaseSettings,
                          activity: ActivityLog, slack: ChatPlatform | None) -> str:
    """`/devrel release OWNER/NAME FROM TO`: the same state machine, for that range. Only from the approval
    channel: whoever can start a release there is who can approve one."""
    requested = event.intent
    assert isinstance(requested, ReleaseRequested)
    to = event.reply_to
    channel = to.channel if isinstance(to, SlackAddress) else ""

    def answer(text: str) -> None:
        if slack is not None:
            slack.post_reply(event, Reply(text=text, ephemeral=True, feedback=False))

    if event.platform != "slack" or not settings.approval_channel or channel != settings.approval_channel:
        answer("`/devrel release` works only in the maintainers' release approval channel.")
        return "release-command-refused"
    who = event.actor.name or event.actor.id if event.actor else ""
    run = execution_name("release", requested.repository, requested.to_ref, event.delivery_id)
    state = ReleaseState(
        release=ReleaseFacts(repository=requested.repository, release_id=0, tag=requested.to_ref,
                             target=requested.to_ref, from_ref=requested.from_ref, requested_by=who or None),
        config=_config(settings.approval_channel, settings),
        run=run)
    workflows.start(state_machine, state.model_dump(mode="json", exclude_none=True), run)
    answer(f"Drafting the notes of {requested.repository} {requested.from_ref}...{requested.to_ref}; "
           "they will be posted here for approval.")
    return "release-started"


# --- the Task states ---------------------------------------------------------------------------------------


def _address(platform: Literal["slack", "discord"], channel: str, run: str, kind: str) -> InboundEvent:
    to = SlackAddress(channel=channel) if platform == "slack" else DiscordAddress(channel=channel)
    return InboundEvent(platform=platform, kind=f"{platform}.{kind}", delivery_id=f"{kind}:{run}"[:200],
                        reply_to=to, thread=channel)


def _say_in_thread(platform: ChatPlatform | None, thread: tuple[str, str] | None, run: str, what: str,
                   text: str) -> bool:
    """Reply in the approval request's thread; best effort (the activity log has the outcome anyway)."""
    if thread is None or platform is None:
        return False
    channel, message_ts = thread
    event = _address("slack", channel, run, f"release_{what}")
    assert isinstance(event.reply_to, SlackAddress)
    event.reply_to.thread_ts = message_ts
    try:
        platform.post_reply(event, Reply(text=text, feedback=False))
        return True
    except Exception as error:
        log.warning("release thread reply (%s) failed: %s", what, error)
        return False


def _thread_of(store: Store, run: str) -> tuple[str, str] | None:
    item = store.get(THREADS, run)
    if item is None or not item.data.get("message_ts"):
        return None
    return str(item.data["channel"]), str(item.data["message_ts"])


def _revision_key(run: str, revision: int) -> str:
    return f"{run}#rev#{revision:06d}"


class ReleaseSteps:
    """The Task states of the release state machine, each given the whole execution state."""

    def __init__(self, store: Store, clock: Callable[[], float], activity: ActivityLog,
                 platforms: Mapping[str, ChatPlatform], drafter: Drafter | None,
                 publisher: Callable[[], ReleasePublisher | None],
                 blog_drafts: Callable[[str], BlogDrafts | None] = lambda _repository: None) -> None:
        self._store = store
        self._clock = clock
        self._activity = activity
        self._platforms = platforms
        self._drafter = drafter
        # Built on first use: only `publish` needs GitHub write access.
        self._publisher = publisher
        self._blog_drafts = blog_drafts
        # What a retried step must not post twice: thread replies, and announcements per platform.
        self._said = Idempotency(store, THREADS, clock, 0, KEEP_SECONDS)
        self._announced = Idempotency(store, "release-announced", clock, 0, KEEP_SECONDS)

    def run(self, event: dict[str, Any]) -> dict[str, Any]:
        """One Task state: `{"step": name, "input": the execution state[, "token": task token]}`."""
        step, raw = event.get("step"), event.get("input")
        if step not in STEPS:
            raise UnknownStepError(f"unknown release step {step!r}")
        if not isinstance(raw, dict):
            raise ValueError("a release step needs the execution state")
        state = ReleaseState.model_validate(raw)
        if step == "request_approval":
            token = event.get("token")
            if not isinstance(token, str) or not token:
                raise ValueError("request_approval needs the task token")
            return self.request_approval(state, token)
        result: dict[str, Any] = getattr(self, str(step))(state)
        return result

    def _link(self, state: ReleaseState) -> str:
        return state.release.html_url or f"https://github.com/{state.release.repository}/releases"

    def draft(self, state: ReleaseState) -> dict[str, Any]:
        release = state.release
        if self._drafter is None:
            raise ReleaseError("no GitHub credentials to read the release's history")
        title = f"{release.repository} {release.tag}"
        try:
            drafted = self._drafter(release.repository, release.from_ref, release.tag, title)
        except ReleaseError:
            # A draft's tag is usually created only when it is published: read up to its target instead.
            if not release.target or release.target == release.tag:
                raise
            drafted = self._drafter(release.repository, release.from_ref, release.target, title)
        return DraftResult(notes=drafted.notes[:MAX_NOTES], from_ref=drafted.from_ref, to_ref=drafted.to_ref,
                           changes=drafted.changes).model_dump()

    def request_approval(self, state: ReleaseState, token: str) -> dict[str, Any]:
        """Post the draft with Approve / Reject to the maintainers' channel and remember the waiting token."""
        assert state.draft is not None
        draft, release, channel = state.draft.result, state.release, state.config.approval_channel
        platform = self._platforms.get("slack")
        if platform is None:
            raise PortError("Slack is not configured: the release cannot be sent for approval")
        approval = state.run
        what = "record what would be published (dry run)" if state.config.dry_run else \
            "publish the release with these notes and announce it" if release.release_id else \
            f"create and publish the GitHub release of the tag {release.tag} with these notes and announce it"
        asked = f", as {release.requested_by} asked" if release.requested_by else ""
        intro = (f"Release {release.tag} of {release.repository} is drafted ({draft.from_ref}...{draft.to_ref}, "
                 f"{draft.changes} changes{asked}): {self._link(state)}\nApprove to {what}; Edit to change the "
                 "notes first; Reject publishes nothing.\n\n")
        message = platform.post_reply(_address("slack", channel, state.run, "release_approval"),
                                      Reply(text=intro + draft.notes[:SLACK_PREVIEW], approval=approval))
        # The intro and the notes too: an edit redraws the request with the edited notes under the same intro.
        self._store.put(Item(pk=APPROVALS, sk=approval, data={
            "token": token, "channel": channel, "message_ts": message, "run": state.run,
            "repository": release.repository, "tag": release.tag, "link": self._link(state),
            "intro": intro, "notes": draft.notes},
            expires_at=int(self._clock()) + KEEP_SECONDS))
        self._store.put(Item(pk=THREADS, sk=state.run, data={"channel": channel, "message_ts": message},
                             expires_at=int(self._clock()) + KEEP_SECONDS))
        self._activity.record(Action(kind="release_approval", platform="slack", target=self._link(state),
                                     status="posted", reason=f"{release.tag} sent for approval to {channel}",
                                     run=state.run, detail=draft.notes))
        return {"posted": message}

    def _approved(self, state: ReleaseState) -> ReleaseState:
        """The state with the notes as approved: the edit the approval pinned, if there was one."""
        assert state.draft is not None
        revision = (state.decision or {}).get("revision")
        if not revision:
            return state
        item = self._store.get(EDITS, _revision_key(state.run, int(revision)))
        if item is None or not isinstance(item.data.get("notes"), str):
            # Never publish other text than the approved one (the drafted notes, say) in its place.
            raise PortError(f"the approved edit (revision {revision}) of the notes is no longer stored")
        draft = state.draft.result.model_copy(update={"notes": item.data["notes"]})
        return state.model_copy(update={"draft": _Draft(result=draft)})

    def publish(self, state: ReleaseState) -> dict[str, Any]:
        state = self._approved(state)
        assert state.draft is not None
        release, config, notes = state.release, state.config, state.draft.result.notes
        approver = str((state.decision or {}).get("by", ""))
        reason = f"{release.tag} approved by {approver}" if approver else f"{release.tag} approved"
        link = self._link(state)
        status: Literal["posted", "dry-run"] = "dry-run" if config.dry_run else "posted"
        if not config.dry_run:
            publisher = self._publisher()
            if publisher is None:
                raise PortError("no GitHub credentials to publish the release")
            if release.release_id:
                link = publisher.publish(release.repository, release.release_id, notes,
                                         release.installation_id) or link
            else:  # started by the command: the release of the existing tag is made now
                link = publisher.create(release.repository, release.tag, notes, release.installation_id) or link
        self._activity.record(Action(kind="release_publish", platform="github", target=link, status=status,
                                     reason=reason, run=state.run, detail=notes))
        announced = self._announce(state, link, status)
        where = ", ".join(announced) or "nowhere"
        self._close_approval(state, f"Approved by {approver or 'a maintainer'}: "
                             + (f"this is what would be published (dry run), announced on {where}: {link}"
                                if config.dry_run else f"published {link}, announced on {where}."))
        blog = self._share_drafts(state, link)
        blog_at = self._write_blog(state, link, blog, status)
        return {"url": link, "announced": announced, "dry_run": config.dry_run,
                **({"blog": blog_at} if blog_at else {})}

    def _write_blog(self, state: ReleaseState, link: str, blog: str, status: Literal["posted", "dry-run"]) -> str:
        """The blog post draft as a file, where `release.blog` says (a pull request, a branch or the local
        checkout). Best effort after publishing: a failure is logged and said in the thread, the release
        stays published, and a retried step writes it once."""
        release = state.release
        drafts = self._blog_drafts(release.repository)
        if drafts is None:
            return ""
        entry = Action(kind="release_draft", platform="github", target=link, status=status, run=state.run,
                       reason=f"{release.tag}: blog post draft file", detail=blog)
        try:
            config = drafts.release_config(release.repository, release.installation_id)
            draft = blog_file(blog_settings(config), release.repository, release.tag, blog)
        except (ReleaseError, PortError) as error:
            self._activity.record(entry.model_copy(update={"status": "failed", "error": str(error)[:300]}))
            self._in_thread(state, "blog_file", f"The blog post draft was not written: {str(error)[:300]}")
            return ""
        if draft is None:
            return ""
        where = f"{draft.path} ({'pull request from' if draft.pull_request else 'on'} {draft.branch})"
        if status == "dry-run":
            self._activity.record(entry.model_copy(update={"target": where}))
            return where
        if self._announced.record_once(state.run, "blog-file", {"path": draft.path}):
            return where  # a retried step: written already
        try:
            written = drafts.save(release.repository, draft, release.installation_id)
        except Exception as error:  # the release is out: this must not undo or fail it
            self._announced.release(state.run, "blog-file")
            log.warning("blog post draft file failed: %s", error)
            self._activity.record(entry.model_copy(update={"status": "failed", "target": where,
                                                           "error": f"{type(error).__name__}: {error}"[:300]}))
            self._in_thread(state, "blog_file", f"The blog post draft could not be written to {where}: "
                            f"{type(error).__name__}: {str(error)[:200]}")
            return ""
        self._activity.record(entry.model_copy(update={"target": written or where}))
        self._in_thread(state, "blog_file", f"Blog post draft written: {written or where}")
        return written or where

    def _thread(self, state: ReleaseState) -> tuple[str, str] | None:
        return _thread_of(self._store, state.run)

    def _once(self, state: ReleaseState, what: str) -> bool:
        """True the first time `what` is done for this execution: a retried step posts nothing twice."""
        return self._said.record_once(state.run, what) is None

    def _in_thread(self, state: ReleaseState, what: str, text: str) -> bool:
        """Reply in the approval request's thread, once; best effort (the outcome is in the log anyway)."""
        thread, platform = self._thread(state), self._platforms.get("slack")
        if thread is None or platform is None:
            return False
        if not self._once(state, what):
            return True  # a retried step: said already
        return _say_in_thread(platform, thread, state.run, what, text)

    def _close_approval(self, state: ReleaseState, outcome: str) -> None:
        """The decision, in the thread; the request's buttons replaced by it so nobody clicks twice."""
        thread, platform = self._thread(state), self._platforms.get("slack")
        if thread is not None and isinstance(platform, MessageEditor):
            channel, message_ts = thread
            release = state.release
            try:
                platform.update_message(channel, message_ts, f"Release {release.tag} of {release.repository}: "
                                        f"{outcome}\n{self._link(state)}")
            except Exception as error:  # the buttons stay, but a second click decides nothing anyway
                log.warning("could not replace the release approval buttons: %s", error)
        self._in_thread(state, "decision", outcome)

    def _share_drafts(self, state: ReleaseState, link: str) -> str:
        """Social posts and a blog post made from the notes: drafts for a maintainer to copy (no network
        credentials here), recorded and posted in the approval thread."""
        assert state.draft is not None
        release, notes = state.release, state.draft.result.notes
        posts = social_posts(release.repository, release.tag, notes, link)
        blog = blog_post(release.repository, release.tag, notes, link)
        social = "\n\n".join(f"*{p.network.capitalize()}* ({p.length}/{p.limit}):\n```\n{p.text}\n```"
                              for p in posts)
        shared = self._in_thread(state, "social", "Social posts to copy (drafts, not posted):\n\n" + social)
        cut = blog if len(blog) <= SLACK_PREVIEW else \
            blog[:SLACK_PREVIEW] + "\n… (the whole draft is in the activity log)"
        shared = self._in_thread(state, "blog", f"Blog post draft (Markdown):\n```\n{cut}\n```") and shared
        # The log keeps every draft whole, whether or not the thread got it.
        status: Literal["posted", "failed"] = "posted" if shared else "failed"
        error = None if shared else "not posted in the approval thread"
        for post in posts:
            self._activity.record(Action(kind="release_draft", platform="slack", target=link, status=status,
                                         reason=f"{release.tag}: {post.network} post draft "
                                                f"({post.length}/{post.limit})", run=state.run, detail=post.text,
                                         error=error))
        self._activity.record(Action(kind="release_draft", platform="slack", target=link, status=status,
                                     reason=f"{release.tag}: blog post draft", run=state.run, detail=blog,
                                     error=error))
        return blog

    def _announce(self, state: ReleaseState, link: str, status: Literal["posted", "dry-run"]) -> list[str]:
        release, config = state.release, state.config
        notes = state.draft.result.notes if state.draft else ""
        excerpt = notes[:ANNOUNCEMENT_NOTES] + ("\n…" if len(notes) > ANNOUNCEMENT_NOTES else "")
        # The notes quote commit text: mentions are broken so it can ping nobody.
        text = f"{release.repository} {release.tag} is out: {link}\n\n{break_mentions(excerpt)}"
        announced = []
        targets: list[tuple[Literal["slack", "discord", "discourse"], str | None]] = [
            ("slack", config.announce_slack_channel), ("discord", config.announce_discord_channel),
            ("discourse", str(config.announce_discourse_category) if config.announce_discourse_category else None)]
        for name, channel in targets:
            platform = self._platforms.get(name)
            if not channel or platform is None:
                continue
            if name == "discourse" and not isinstance(platform, ForumTopics):
                continue
            where = f"discourse:category/{channel}" if name == "discourse" else f"{name}:{channel}"
            entry = Action(kind="announce", platform=name, target=where, status=status,
                           reason=f"{release.tag} announced", run=state.run, detail=text)
            # At most once per execution and channel, so a retried step does not announce twice.
            if status == "posted" and self._announced.record_once(state.run, name, {"channel": channel}):
                continue
            try:
                if status == "posted" and name == "discourse":
                    assert isinstance(platform, ForumTopics)
                    # A forum post has room for the whole notes (chat messages get an excerpt).
                    full = f"{release.repository} {release.tag} is out: {link}\n\n{break_mentions(notes)}"
                    topic = platform.create_topic(f"{release.repository} {release.tag} released", full, int(channel))
                    entry = entry.model_copy(update={"target": topic or where})
                elif status == "posted":
                    platform.post_reply(_address(name, channel, state.run, "release_announcement"),
                                        Reply(text=text, feedback=False))
                announced.append(name)
                self._activity.record(entry)
            except Exception as error:  # one network down must not keep the others from hearing of it
                self._announced.release(state.run, name)
                log.warning("release announcement to %s failed: %s", name, error)
                self._activity.record(entry.model_copy(update={"status": "failed",
                                                               "error": f"{type(error).__name__}: {error}"[:300]}))
        return announced

    def declined(self, state: ReleaseState) -> dict[str, Any]:
        """Rejected or not decided in time: nothing is published; the activity log says why."""
        error = state.declined or {}
        code, cause = str(error.get("Error", "")), str(error.get("Cause", ""))
        why = cause if code == REJECTED else "no decision before the approval timed out"
        self._store.delete(APPROVALS, state.run)  # a late click finds nothing to decide
        self._activity.record(Action(kind="release_decision", platform="slack", target=self._link(state),
                                     status="posted", reason=f"{state.release.tag} not published: {why}",
                                     run=state.run))
        outcome = cause if code == REJECTED else "no decision within the approval's time"
        self._close_approval(state, f"{outcome[:1].upper()}{outcome[1:]}: nothing was published.")
        return {"published": False, "why": why}

    def record_failure(self, state: ReleaseState) -> dict[str, Any]:
        error = state.error or {}
        self._store.delete(APPROVALS, state.run)
        cause = str(error.get("Cause", ""))
        try:  # a function's failure: its type and message, without the stack trace
            failed = json.loads(cause)
            cause = f"{failed.get('errorType', '')}: {failed.get('errorMessage', '')}"
        except (ValueError, AttributeError):
            pass
        message = f"{error.get('Error', 'Error')}: {cause}"[:300]
        self._activity.record(Action(kind="release_draft", platform="github", target=self._link(state),
                                     status="failed", reason=f"{state.release.tag}: nothing published",
                                     run=state.run, error=message))
        # Only when a request was posted (drafting failures have no thread).
        self._close_approval(state, f"Not published: {message}")
        return {"published": False, "error": message}


# --- the click ------------------------------------------------------------------------------------------------


def _who(event: InboundEvent) -> tuple[str, str]:
    """(id, name) of whoever clicked."""
    who = event.actor.id if event.actor else "someone"
    return who, ((event.actor.name or who) if event.actor else who)


class ReleaseApprovals:
    """Turns a maintainer's click into SendTaskSuccess / SendTaskFailure for the waiting execution, and
    Edit into a modal whose saved text replaces the draft while the execution keeps waiting."""

    def __init__(self, store: Store, callbacks: TaskCallbacks, activity: ActivityLog,
                 approval_channel: str | None, slack: ChatPlatform | None = None,
                 clock: Callable[[], float] | None = None) -> None:
        self._store = store
        self._callbacks = callbacks
        self._activity = activity
        self._channel = approval_channel
        self._slack = slack
        self._clock = clock or (lambda: 0.0)

    def _waiting(self, event: InboundEvent, approval: str, message_ts: str, what: str) -> Item | None:
        """The approval a click on a request's button is about, or None when the click counts for nothing."""
        to = event.reply_to
        channel = to.channel if isinstance(to, SlackAddress) else ""
        # Only buttons in the configured channel count: anyone could post a look-alike message elsewhere.
        if event.platform != "slack" or not self._channel or channel != self._channel:
            log.warning("release %s ignored: not from the approval channel (%s)", what, channel)
            return None
        item = self._store.get(APPROVALS, approval)
        if item is None or item.data.get("channel") != channel or str(item.data.get("message_ts")) != message_ts:
            log.warning("release %s ignored: no waiting approval %r on that message", what, approval)
            return None
        return item

    def decide(self, event: InboundEvent) -> str:
        decision = event.intent
        assert isinstance(decision, ReleaseDecision)
        item = self._waiting(event, decision.approval, decision.message_ts, "decision")
        if item is None:
            return "release-decision-ignored"
        who, name = _who(event)
        token, link = str(item.data["token"]), str(item.data.get("link", ""))
        run = str(item.data.get("run", ""))
        entry = Action(kind="release_decision", platform="slack", target=link, status="posted", run=run,
                       reason=f"{item.data.get('tag')} {'approved' if decision.approve else 'rejected'} by {name}")
        try:
            if decision.approve:
                # The edit on the message when it was clicked: the Publish step reads exactly that text.
                revision = self._latest_revision(run)
                self._callbacks.send_task_success(token, {"approved": True, "by": name, "user": who,
                                                          **({"revision": revision} if revision else {})})
            else:
                self._callbacks.send_task_failure(token, REJECTED, f"rejected by {name}")
        except PortError as error:
            if not any(code in str(error) for code in ("TaskTimedOut", "InvalidToken", "TaskDoesNotExist")):
                raise  # a transient failure: the queue retries the click (its record is kept)
            # Timed out meanwhile, or another click decided first: nothing more happens.
            self._store.delete(APPROVALS, decision.approval)
            self._activity.record(entry.model_copy(update={"status": "failed", "error": str(error)[:300]}))
            return "release-decision-late"
        # The first click decides: the record is gone for the next one.
        self._store.delete(APPROVALS, decision.approval)
        self._activity.record(entry)
        return "release-approved" if decision.approve else "release-rejected"

    # --- Edit -------------------------------------------------------------------------------------------------

    def _latest_revision(self, run: str) -> int:
        [latest] = self._store.query(EDITS, f"{run}#rev#", limit=1, newest_first=True) or [None]
        return int(latest.sk.rsplit("#", 1)[1]) if latest is not None else 0

    def _keep(self, key: str, data: dict[str, Any]) -> Item:
        return Item(pk=EDITS, sk=key, data=data, expires_at=int(self._clock()) + KEEP_SECONDS)

    def open_editor(self, event: InboundEvent) -> str:
        """Edit clicked: the draft as it stands (or a refused edit, credentials redacted) in a modal."""
        request = event.intent
        assert isinstance(request, ReleaseEditRequested)
        item = self._waiting(event, request.approval, request.message_ts, "edit")
        if item is None:
            return "release-edit-ignored"
        if not isinstance(self._slack, DraftEditor):
            raise PortError("Slack cannot open the release editor")
        run = str(item.data.get("run", request.approval))
        retry = self._store.get(EDITS, f"{run}#retry")
        revision = self._latest_revision(run)
        edited = self._store.get(EDITS, _revision_key(run, revision)) if revision else None
        notes = str((retry or edited or item).data.get("notes", ""))
        team = event.reply_to.team if isinstance(event.reply_to, SlackAddress) else ""
        try:
            view = self._slack.open_release_editor(team, request.trigger_id, request.approval,
                                                   f"{item.data.get('repository')} {item.data.get('tag')}", notes)
        except PortError as error:
            # Mostly a trigger older than Slack's 3 seconds: nothing changed, the button still works.
            log.warning("release editor not opened: %s", error)
            _say_in_thread(self._slack, _thread_of(self._store, run), run, f"edit_{event.delivery_id}",
                           f"The editor could not be opened ({str(error)[:120]}); the draft is unchanged, "
                           "click Edit again.")
            return "release-edit-failed"
        # Only a modal opened here can save an edit, and only for this approval.
        self._store.put(self._keep(f"{run}#view#{view}", {"user": _who(event)[0]}))
        return "release-editor-opened"

    def edit(self, event: InboundEvent) -> str:
        """The modal saved: its text replaces the draft on the request, which keeps its buttons."""
        edited = event.intent
        assert isinstance(edited, ReleaseEdited)
        run = edited.approval
        if self._store.get(EDITS, f"{run}#view#{edited.view_id}") is None:
            log.warning("release edit ignored: view %r was not opened for %r", edited.view_id, run)
            return "release-edit-ignored"
        who, name = _who(event)
        thread = _thread_of(self._store, run)
        item = self._store.get(APPROVALS, run)
        link = str(item.data.get("link", "")) if item else ""
        entry = Action(kind="release_edit", platform="slack", target=link, status="posted", run=run,
                       reason=f"{item.data.get('tag') if item else run}: notes edited by {name}")
        notes = edited.notes
        redacted = redact_credentials("release-notes.md", notes)
        problem = ("it was empty" if not notes.strip()
                   else f"it is longer than {MAX_NOTES:,} characters" if len(notes) > MAX_NOTES
                   else "the release was decided before it was saved" if item is None
                   else "it holds what looks like a credential" if redacted != notes else "")
        if problem:
            # Nothing is lost: the text is in the log, credentials redacted; after a credential the next
            # Edit starts from it with the credential redacted.
            if redacted and redacted != notes and item is not None:
                self._store.put(self._keep(f"{run}#retry", {"notes": redacted[:MAX_NOTES], "user": who}))
            self._activity.record(entry.model_copy(update={
                "status": "failed", "error": f"not applied: {problem}", "detail": (redacted or "")[:MAX_NOTES]}))
            _say_in_thread(self._slack, thread, run, f"edit_{event.delivery_id}",
                           f"The edit by {name} was not applied: {problem}. The draft above is unchanged"
                           + ("; Edit opens your text again, the credential redacted." if "credential" in problem
                              else "."))
            return "release-edit-refused"
        revision = self._latest_revision(run) + 1
        while not self._store.put_if_absent(self._keep(_revision_key(run, revision), {"notes": notes, "by": name})):
            revision += 1  # another maintainer saved at the same moment: the later save is the newer draft
        self._store.delete(EDITS, f"{run}#retry")
        assert item is not None
        if isinstance(self._slack, MessageEditor):
            # Shown escaped like every Slack message; the buttons stay: the execution still waits.
            self._slack.update_message(str(item.data["channel"]), str(item.data["message_ts"]),
                                       f"{item.data.get('intro', '')}{notes[:SLACK_PREVIEW]}\n\n(edited by {name})",
                                       approval=run)
        self._activity.record(entry.model_copy(update={"detail": notes}))
        _say_in_thread(self._slack, thread, run, f"edit_{event.delivery_id}",
                       f"{name} edited the notes (revision {revision}): Approve publishes them as shown above.")
        return "release-edited"
