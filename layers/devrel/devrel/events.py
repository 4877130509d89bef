"""The typed events every platform's converter produces and the worker consumes.

An `InboundEvent` is an envelope (who, where, when, the text) around one `Intent` (what the person
wants: a question answered, feedback recorded, an issue triaged, a welcome, ...) and a typed
`ReplyAddress` (where an answer goes: a Slack thread, a Discord interaction, a GitHub issue, a
Discourse topic). Use cases dispatch on the intent's type, never on platform event names; `kind`
keeps the platform's own name only for the event log and analytics.
"""

from __future__ import annotations

import time
from typing import Annotated, Literal

import msgspec

from devrel.structs import Struct

Platform = Literal["github", "slack", "discord", "discourse", "telegram", "console"]


class Actor(Struct, kw_only=True):
    id: str
    name: str = ""
    is_bot: bool = False


# --- Where a reply goes ----------------------------------------------------------------------------


class _Address(Struct, tag_field="platform", kw_only=True):
    """A reply address; encoded with its `platform` (msgspec's tag), which picks the class on decoding."""

    @property
    def platform(self) -> Platform:
        return self.__struct_config__.tag  # type: ignore[return-value]


class SlackAddress(_Address, tag="slack", kw_only=True):
    team: str = ""
    channel: str = ""
    # The thread to answer in (the message's own ts when it opened one), and the message itself
    # (for the "working on it" reaction). Slash commands and buttons have neither.
    thread_ts: str | None = None
    message_ts: str | None = None
    # Slash commands and buttons: a URL that accepts replies for 30 minutes.
    response_url: str | None = None
    # Set (without a channel) to post in a direct message with this user: a workspace join has no channel.
    user: str = ""

    @property
    def link(self) -> str:
        """Where a maintainer finds the thread (Slack's app URL scheme; no secret in it)."""
        if self.user and not self.channel:
            return f"slack://user?team={self.team}&id={self.user}"  # a direct message
        thread = f"&thread_ts={self.thread_ts}" if self.thread_ts else ""
        return f"slack://channel?team={self.team}&id={self.channel}{thread}"


class DiscordAddress(_Address, tag="discord", kw_only=True):
    application_id: str = ""
    # The interaction token lets the worker edit the deferred response for 15 minutes.
    token: str = ""
    channel: str = ""
    guild: str = ""
    # Set (without a token) to post in a direct message with this user through the bot token: what the
    # assistant says after the interaction token has expired.
    user: str = ""

    @property
    def link(self) -> str:
        # Never the interaction token: it is a capability to post as the bot.
        return f"https://discord.com/channels/{self.guild or '@me'}/{self.channel}"


class GithubAddress(_Address, tag="github", kw_only=True):
    repository: str = ""
    number: int | None = None
    installation_id: int | None = None
    # Discussions are answered through GraphQL, issues and pull requests through REST.
    discussion: bool = False

    @property
    def link(self) -> str:
        kind = "discussions" if self.discussion else "issues"
        return f"https://github.com/{self.repository}/{kind}/{self.number}" if self.number is not None \
            else f"https://github.com/{self.repository}"


class DiscourseAddress(_Address, tag="discourse", kw_only=True):
    topic_id: int
    post_number: int | None = None

    @property
    def link(self) -> str:
        """Relative to the forum's URL, which the address does not carry."""
        return f"/t/{self.topic_id}/{self.post_number or 1}"


class TelegramAddress(_Address, tag="telegram", kw_only=True):
    chat_id: int
    # The message to answer (`reply_parameters`), and the forum topic it was asked in.
    message_id: int | None = None
    message_thread_id: int | None = None

    @property
    def link(self) -> str:
        return f"telegram://chat/{self.chat_id}/{self.message_id or ''}".rstrip("/")


class ConsoleAddress(_Address, tag="console", kw_only=True):
    @property
    def link(self) -> str:
        return "console"


ReplyAddress = SlackAddress | DiscordAddress | GithubAddress | DiscourseAddress | TelegramAddress | ConsoleAddress


# --- What the person wants ---------------------------------------------------------------------------


class _Intent(Struct, tag_field="type", kw_only=True):
    """An intent; encoded with its `type` (msgspec's tag), which picks the class on decoding."""

    @property
    def type(self) -> str:
        return self.__struct_config__.tag  # type: ignore[return-value]


class Question(_Intent, tag="question", kw_only=True):
    """Something to answer. `addressed` says how sure we are that it was meant for the assistant:
    `directly` (a mention, a DM, a command: always answered), `in_thread` (a follow-up: answered
    only in threads the assistant already takes part in), `overheard` (an issue comment not
    mentioning the bot: answered only when the deployment opts in)."""

    addressed: Literal["directly", "in_thread", "overheard"] = "directly"


class Feedback(_Intent, tag="feedback", kw_only=True):
    vote: Literal["up", "down"]
    # The delivery id of the answer voted on, when the platform tells.
    answer: str | None = None


class IssueOpened(_Intent, tag="issue_opened", kw_only=True):
    repository: str
    number: int
    title: str = ""
    body: str = ""
    labels: list[str] = msgspec.field(default_factory=list)
    html_url: str | None = None
    first_time: bool = False
    # Reactions on the issue when the event was sent (they count toward its priority).
    reactions: Annotated[int, msgspec.Meta(ge=0)] = 0


class IssueChanged(_Intent, tag="issue_changed", kw_only=True):
    """An issue was assigned, unassigned, closed or reopened: its state and assignees as they are now
    (what keeps each maintainer's load of open assigned issues current)."""

    repository: str
    number: int
    open: bool = True
    assignees: Annotated[list[str], msgspec.Meta(max_length=100)] = msgspec.field(default_factory=list)
    # How it was closed ("completed", "not_planned", "duplicate") and its labels: a duplicate marked by a
    # maintainer is what calibrates the repository's duplicate threshold.
    state_reason: str | None = None
    labels: Annotated[list[str], msgspec.Meta(max_length=100)] = msgspec.field(default_factory=list)
    # An edit's new title and body (None: not edited); `removed`: transferred away or deleted. The
    # duplicate index follows both.
    title: str | None = None
    body: str | None = None
    removed: bool = False


class RepositoriesInstalled(_Intent, tag="repositories_installed", kw_only=True):
    """The GitHub App was installed on repositories, or repositories were added to it: their past issues
    go into triage's duplicate index."""

    repositories: Annotated[list[str], msgspec.Meta(max_length=1000)] = msgspec.field(default_factory=list)


class _PullRequest(_Intent, kw_only=True):
    repository: str
    number: int
    title: str = ""
    html_url: str | None = None
    first_time: bool = False
    # The pushed commit this delivery is about (a review is per push), and what the review's
    # trigger needs to know without asking GitHub.
    head_sha: str = ""
    draft: bool = False
    # The head branch lives in another repository (a fork).
    fork: bool = False


class PullRequestOpened(_PullRequest, tag="pull_request_opened", kw_only=True):
    """A pull request was opened."""


class PullRequestUpdated(_PullRequest, tag="pull_request_updated", kw_only=True):
    """New commits pushed to a pull request (`synchronize`), or a draft marked ready for review."""

    action: Literal["synchronize", "ready_for_review"] = "synchronize"


class PullRequestMerged(_PullRequest, tag="pull_request_merged", kw_only=True):
    """A pull request was merged: its author (not who merged it) may be thanked for a first contribution."""

    author: str = ""
    author_id: str = ""
    author_is_bot: bool = False
    # GitHub's author_association of the pull request's author (OWNER, MEMBER, FIRST_TIME_CONTRIBUTOR, ...).
    association: str = ""


class MemberJoined(_Intent, tag="member_joined", kw_only=True):
    """A newcomer arrived (a workspace or channel join, Discord's `/onboard`)."""


class InstallRevoked(_Intent, tag="install_revoked", kw_only=True):
    """The workspace removed the app or its tokens: forget its credentials."""

    team: str


class ReleaseDrafted(_Intent, tag="release_drafted", kw_only=True):
    """A maintainer saved a draft release on GitHub: its notes are drafted from the history and sent to
    the maintainers for approval (the release state machine)."""

    repository: str
    release_id: int
    tag: str
    # The branch or commit the tag is made from when the draft is published (a draft's tag may not exist yet).
    target: str = ""
    html_url: str | None = None


class ReleaseDecision(_Intent, tag="release_decision", kw_only=True):
    """Approve or Reject clicked on a release draft posted for approval. `approval` is the button's
    value: it names a waiting approval, never carries authority of its own."""

    approval: Annotated[str, msgspec.Meta(max_length=200)]
    approve: bool
    # The message the button was on: it must be the one the approval was posted as.
    message_ts: str = ""


class ReleaseEditRequested(_Intent, tag="release_edit_requested", kw_only=True):
    """Edit clicked on a release draft posted for approval: a modal with the draft opens (for a few
    seconds Slack's `trigger_id` can open one). Like a decision, it names a waiting approval."""

    approval: Annotated[str, msgspec.Meta(max_length=200)]
    message_ts: str = ""
    trigger_id: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]


class ReleaseEdited(_Intent, tag="release_edited", kw_only=True):
    """The release draft's edit modal submitted: `notes` replace the draft if `view_id` is a modal opened
    for that approval. The text is untrusted, it only ever becomes the notes."""

    approval: Annotated[str, msgspec.Meta(max_length=200)]
    view_id: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    notes: str


class ReleaseRequested(_Intent, tag="release_requested", kw_only=True):
    """`/devrel release OWNER/NAME FROM TO` in Slack: notes for that range, through the same approval as a
    draft release (approval creates the GitHub release for the tag TO)."""

    repository: Annotated[str, msgspec.Meta(max_length=140)]
    from_ref: Annotated[str, msgspec.Meta(max_length=100)]
    to_ref: Annotated[str, msgspec.Meta(max_length=100)]


class PersonRequest(_Intent, tag="person_request", kw_only=True):
    """A person acting on their own records: `/devrel forget|link|profile` on Slack and Discord, `/forget`,
    `/link`, `/profile` on Telegram. Whose records comes from the signed request (the event's actor), never
    from the text: the text only picks the action, a link code or profile values."""

    action: Literal["forget", "forget_confirm", "link", "link_redeem", "profile", "profile_set"]
    # A link code's digest (person_commands.code_digest): the code itself never enters a queue message.
    code: Annotated[str, msgspec.Meta(max_length=64)] = ""
    changes: Annotated[dict[str, str], msgspec.Meta(max_length=8)] = msgspec.field(default_factory=dict)


class HandOffAnswer(_Intent, tag="handoff_answer", kw_only=True):
    """On Discord, a maintainer's reply to a hand-off post, sent to the asker with the "Send to the asker"
    message command (an HTTP-only app receives no messages). `post` is the hand-off post it replies to; the
    event's actor is the reply's author and its text the reply."""

    post: Annotated[str, msgspec.Meta(min_length=1, max_length=30)]


class Activity(_Intent, tag="activity", kw_only=True):
    """Anything else worth counting for community health (edits, closes, releases, chatter)."""



Intent = (
    Question | Feedback | IssueOpened | IssueChanged | PullRequestOpened | PullRequestUpdated | PullRequestMerged
    | MemberJoined
    | InstallRevoked | RepositoriesInstalled | ReleaseDrafted | ReleaseDecision | ReleaseEditRequested
    | ReleaseEdited | ReleaseRequested | PersonRequest | HandOffAnswer
    | Activity
)


class InboundEvent(Struct, kw_only=True):
    """Something happened on a platform that the assistant may act on.

    `delivery_id` is the platform's own id used for de-duplication, and `thread` identifies the
    conversation (memory and analytics); `reply_to` is where an answer is posted.
    """

    platform: Platform
    kind: str
    delivery_id: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    intent: Intent = msgspec.field(default_factory=Activity)
    reply_to: ReplyAddress = msgspec.field(default_factory=ConsoleAddress)
    thread: str = ""
    actor: Actor | None = None
    text: str = ""
    received_at: float = msgspec.field(default_factory=time.time)

    def __post_init__(self) -> None:
        # Runs on construction and on decoding, where msgspec reports it as a ValidationError.
        if self.reply_to.platform != self.platform and not isinstance(self.reply_to, ConsoleAddress):
            raise ValueError(f"a {self.platform} event cannot be answered on {self.reply_to.platform}")


class Reply(Struct, kw_only=True):
    """What the assistant says back, in platform-neutral Markdown, addressed to an event's thread."""

    text: str
    # Citations or buttons the platform may render natively (e.g. Slack blocks, Discord components).
    sources: list[str] = msgspec.field(default_factory=list)
    ephemeral: bool = False
    # Not a confident answer from the sources (never rendered): the hand-off to maintainers follows it.
    unsure: bool = False
    # A release waiting for approval: Slack shows Approve / Reject buttons carrying this id.
    approval: str | None = None
    # False for what is no answer (release drafts, announcements): no Helpful / Not helpful buttons.
    feedback: bool = True
