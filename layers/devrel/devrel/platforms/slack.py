"""Slack: v0 request signatures, and conversion between Slack payloads and typed events and replies.

Pure functions only (no network, no Store): the handler and the outbound adapter call them.
The signature check is the v0 scheme slack-sdk's `SignatureVerifier` implements, written out here
so the webhook's cold start does not import the whole SDK (tests check both agree).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec

from devrel.events import (
    Activity,
    Actor,
    Feedback,
    InboundEvent,
    InstallRevoked,
    Intent,
    MemberJoined,
    Question,
    ReleaseDecision,
    ReleaseEdited,
    ReleaseEditRequested,
    ReleaseRequested,
    Reply,
    SlackAddress,
)
from devrel.http import loads_json
from devrel.platforms import person_commands
from devrel.platforms.signatures import is_fresh
from devrel.structs import Struct

SIGNATURE_VERSION = "v0"
# Message subtypes that are a person saying something; every other subtype (edits, deletions,
# joins, bot posts) is not a new question.
_SPOKEN_SUBTYPES = frozenset({"", "thread_broadcast", "file_share"})
_MEMBER_EVENTS = frozenset({"team_join", "member_joined_channel"})
_REVOCATION_EVENTS = frozenset({"tokens_revoked", "app_uninstalled"})
_LEADING_MENTION = re.compile(r"^\s*<@[UW][A-Z0-9]+(?:\|[^>]*)?>")

# Slack section blocks hold at most 3,000 characters; messages at most 50 blocks.
SECTION_LIMIT = 3000
FEEDBACK_ACTIONS = ("feedback_up", "feedback_down")
RELEASE_ACTIONS = ("release_approve", "release_reject")
RELEASE_EDIT = "release_edit"
# The edit modal: its callback id, and one multi-line input per part of the draft, since a plain-text
# input holds at most 3,000 characters (a modal up to 100 blocks).
RELEASE_EDIT_VIEW = "release_edit"
INPUT_LIMIT = 3000
_NOTES_BLOCK = re.compile(r"notes_(\d{1,3})")


# --- signatures --------------------------------------------------------------------------------


def signature_for(secret: str, timestamp: str, body: bytes) -> str:
    base = f"{SIGNATURE_VERSION}:{timestamp}:".encode() + body
    return f"{SIGNATURE_VERSION}=" + hmac.new(secret.encode("utf-8"), base, hashlib.sha256).hexdigest()


def verify_signature(
    secret: str, body: bytes, timestamp: str | None, signature: str | None, now: float, max_age: int = 300
) -> bool:
    """X-Slack-Signature over `v0:<timestamp>:<raw body>`, within `max_age` seconds of `now`."""
    if not secret or not timestamp or not signature or not signature.isascii():
        return False
    if not is_fresh(timestamp, now, max_age):
        return False
    return hmac.compare_digest(signature_for(secret, timestamp, body), signature)


# --- inbound -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Command:
    """A parsed `/devrel <subcommand> <text>` slash command."""

    name: str
    text: str


def parse_command(text: str) -> Command:
    """`/devrel ask how?` -> ask; `/devrel how?` -> ask as well; empty or `help` -> help."""
    words = text.strip().split(maxsplit=1)
    if not words or words[0].lower() == "help":
        return Command("help", "")
    if words[0].lower() == "ask":
        question = words[1] if len(words) > 1 else ""
        return Command("ask" if question else "help", question)
    if words[0].lower() == "release":
        return Command("release", words[1] if len(words) > 1 else "")
    if words[0].lower() in person_commands.NAMES:
        return Command(words[0].lower(), words[1] if len(words) > 1 else "")
    return Command("ask", text.strip())


# The command's text is untrusted: only these shapes pass, so no path, option or range syntax gets to git
# or the API. A name as GitHub allows it; a ref of plain characters, no "..", not starting with "-".
_REPOSITORY = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}")
_REF = re.compile(r"(?!.*\.\.)(?!.*//)[A-Za-z0-9_][A-Za-z0-9._/+-]{0,99}")
RELEASE_USAGE = ("Usage: `/devrel release OWNER/NAME FROM TO`, e.g. `/devrel release acme/widget v1.9.0 v2.0.0`: "
                 "notes from the tag FROM to the tag TO, posted for approval in the maintainers' channel.")


def release_arguments(text: str) -> tuple[str, str, str] | None:
    """(OWNER/NAME, FROM, TO) of `/devrel release`, or None when the text is not exactly that."""
    words = text.split()
    if len(words) != 3:
        return None
    repository, from_ref, to_ref = words
    if not _REPOSITORY.fullmatch(repository) or repository.endswith((".", ".git")):
        return None
    if not all(_REF.fullmatch(ref) and not ref.endswith((".", "/", ".lock")) for ref in (from_ref, to_ref)):
        return None
    return repository, from_ref, to_ref


def thread_id(team: str, channel: str, root_ts: str) -> str:
    return f"{team}:{channel}:{root_ts}"


# --- the fields of a payload the converters read, validated before they read them ------------------


class _Fields(Struct, frozen=True, kw_only=True):
    """Every other field Slack sends is ignored; those read must have Slack's types (checked on decoding)."""


class _Authorization(_Fields, frozen=True, kw_only=True):
    is_bot: bool = False
    user_id: str | None = None


class _UserObject(_Fields, frozen=True, kw_only=True):
    id: str = ""


class _Profile(_Fields, frozen=True, kw_only=True):
    display_name: str | None = None
    real_name: str | None = None
    name: str | None = None


class _Event(_Fields, frozen=True, kw_only=True):
    type: str
    user: str | _UserObject | None = None
    # Sent with most messages: the name a relayed answer is signed with (hand-off replies).
    user_profile: _Profile | None = None
    text: str | None = None
    ts: str | None = None
    thread_ts: str | None = None
    channel: str | None = None
    channel_type: str | None = None
    bot_id: str | None = None
    subtype: str | None = None
    team: str | None = None


class EventCallback(_Fields, frozen=True, kw_only=True):
    """An Events API `event_callback` of an event type the assistant handles."""

    team_id: str | None = None
    event_id: str | None = None
    authorizations: list[_Authorization] = msgspec.field(default_factory=list)
    event: _Event


class _InteractionUser(_Fields, frozen=True, kw_only=True):
    id: str = ""
    username: str | None = None
    name: str | None = None
    team_id: str | None = None


class _Id(_Fields, frozen=True, kw_only=True):
    id: str | None = None


class _Container(_Fields, frozen=True, kw_only=True):
    channel_id: str | None = None
    message_ts: str | None = None
    thread_ts: str | None = None


class _Action(_Fields, frozen=True, kw_only=True):
    action_id: str = ""
    value: str | None = None
    action_ts: str | None = None


class _Message(_Fields, frozen=True, kw_only=True):
    ts: str | None = None
    thread_ts: str | None = None
    text: str | None = None


class _InputValue(_Fields, frozen=True, kw_only=True):
    value: str | None = None


class _ViewState(_Fields, frozen=True, kw_only=True):
    values: dict[str, dict[str, _InputValue]] = msgspec.field(default_factory=dict)


class _View(_Fields, frozen=True, kw_only=True):
    id: str = ""
    callback_id: str = ""
    hash: str | None = None
    private_metadata: str = ""
    state: _ViewState = msgspec.field(default_factory=_ViewState)


class Interaction(_Fields, frozen=True, kw_only=True):
    """A `block_actions` or `message_action` interactivity payload, as far as the assistant reads it."""

    type: str
    user: _InteractionUser = msgspec.field(default_factory=_InteractionUser)
    team: _Id | None = None
    channel: _Id | None = None
    trigger_id: str | None = None
    response_url: str | None = None
    container: _Container | None = None
    actions: list[_Action] = msgspec.field(default_factory=list)
    message: _Message | None = None
    view: _View | None = None


_HANDLED_EVENTS = _MEMBER_EVENTS | _REVOCATION_EVENTS | {"app_mention", "message"}
_HANDLED_INTERACTIONS = frozenset({"block_actions", "message_action", "view_submission"})


def _event_type(payload: Mapping[str, Any]) -> str:
    event = payload.get("event")
    if not isinstance(event, dict):
        raise ValueError("event_callback without an event object")
    kind = event.get("type", "")
    if not isinstance(kind, str):
        raise ValueError("event type must be a string")
    return kind


def bot_user_of(payload: Mapping[str, Any] | EventCallback) -> str | None:
    """The app's bot user in the workspace the event came from, as Slack reports it."""
    callback = payload if isinstance(payload, EventCallback) else EventCallback.model_validate(payload)
    for authorization in callback.authorizations:
        if authorization.is_bot and authorization.user_id:
            return authorization.user_id
    return None


def strip_mentions(text: str, user_id: str | None, leading: bool = False) -> str:
    """Remove mentions of the bot; without its id, `leading` drops the mention an app_mention opens with."""
    if user_id:
        text = re.sub(rf"<@{re.escape(user_id)}(?:\|[^>]*)?>", "", text)
    elif leading:
        text = _LEADING_MENTION.sub("", text)
    return text.strip()


def event_to_inbound(payload: Mapping[str, Any], bot_user_id: str | None = None) -> InboundEvent | None:
    """An Events API `event_callback` as a typed event, or None when the assistant ignores it.

    Messages are keyed by channel + ts, not by event_id: Slack sends an `app_mention` and a
    `message` for the same post (with different event ids), and a retry after a lost ack can come
    with a new event_id too. Both collapse onto one delivery this way. Event types the assistant
    ignores are not validated (Slack wants them acknowledged); the fields of the others are, and a
    wrong type raises ValueError.
    """
    if _event_type(payload) not in _HANDLED_EVENTS:
        return None
    callback = EventCallback.model_validate(payload)
    event = callback.event
    event_type = event.type
    team = callback.team_id or event.team or ""
    event_id = callback.event_id or ""
    bot_user = bot_user_id or bot_user_of(callback)

    if event_type in _MEMBER_EVENTS or event_type in _REVOCATION_EVENTS:
        if not event_id:
            raise ValueError("event_callback without event_id")
        user = event.user
        user_id = user.id if isinstance(user, _UserObject) else user or ""
        intent: Intent = MemberJoined() if event_type in _MEMBER_EVENTS else InstallRevoked(team=team)
        return InboundEvent(
            platform="slack",
            kind=f"slack.{event_type}",
            delivery_id=event_id,
            intent=intent,
            reply_to=SlackAddress(team=team, channel=event.channel or ""),
            thread=team,
            actor=Actor(id=user_id) if user_id else None,
        )
    if event.bot_id or (event.subtype or "") not in _SPOKEN_SUBTYPES:
        return None  # loop guard and edits/joins/deletions
    user = event.user if isinstance(event.user, str) else ""
    if not user or (bot_user and user == bot_user):
        return None
    channel, ts = event.channel or "", event.ts or ""
    if not channel or not ts:
        raise ValueError("message event without channel or ts")
    thread_ts = event.thread_ts or ""
    text = event.text or ""
    mentioned = event_type == "app_mention" or (bot_user is not None and f"<@{bot_user}" in text)
    if mentioned:
        kind, question = "slack.app_mention", Question()
    elif event.channel_type == "im":
        kind, question = "slack.message.im", Question()
    elif thread_ts and thread_ts != ts:
        kind, question = "slack.message.thread", Question(addressed="in_thread")
    else:
        return None  # ordinary channel chatter
    return InboundEvent(
        platform="slack",
        kind=kind,
        delivery_id=f"msg:{team}:{channel}:{ts}",
        intent=question,
        reply_to=SlackAddress(team=team, channel=channel, thread_ts=thread_ts or ts, message_ts=ts),
        thread=thread_id(team, channel, thread_ts or ts),
        actor=Actor(id=user, name=_profile_name(event.user_profile)),
        text=strip_mentions(text, bot_user, leading=event_type == "app_mention"),
    )


def _profile_name(profile: _Profile | None) -> str:
    return ((profile.display_name or profile.real_name or profile.name) if profile else None) or ""


def command_to_inbound(form: Mapping[str, str]) -> InboundEvent | None:
    """A `/devrel ask ...` slash command (form-encoded) as a typed event; None for `help`, which is
    answered at once."""
    trigger = form.get("trigger_id") or ""
    channel, team, user = form.get("channel_id") or "", form.get("team_id") or "", form.get("user_id") or ""
    if not trigger or not channel or not user:
        raise ValueError("slash command without trigger_id, channel_id or user_id")
    command = parse_command(form.get("text") or "")
    if command.name == "help":
        return None
    if command.name == "release":
        arguments = release_arguments(command.text)
        if arguments is None:
            return None  # answered at once with the usage
        repository, from_ref, to_ref = arguments
        return InboundEvent(
            platform="slack", kind="slack.command.release", delivery_id=f"cmd:{trigger}",
            intent=ReleaseRequested(repository=repository, from_ref=from_ref, to_ref=to_ref),
            reply_to=SlackAddress(team=team, channel=channel, response_url=form.get("response_url") or None),
            thread=thread_id(team, channel, f"cmd-{user}"), actor=Actor(id=user, name=form.get("user_name") or ""),
            text=command.text)
    if command.name in person_commands.NAMES:
        try:
            request = person_commands.parse(command.name, command.text)
        except person_commands.CommandError:
            return None  # answered at once with what was wrong (command_answer)
        # No text: a link code or profile values have no place in the event log or sentiment.
        return InboundEvent(
            platform="slack", kind=f"slack.command.{command.name}", delivery_id=f"cmd:{trigger}", intent=request,
            reply_to=SlackAddress(team=team, channel=channel, response_url=form.get("response_url") or None),
            thread=thread_id(team, channel, f"cmd-{user}"), actor=Actor(id=user, name=form.get("user_name") or ""))
    return InboundEvent(
        platform="slack",
        kind=f"slack.command.{command.name}",
        delivery_id=f"cmd:{trigger}",
        intent=Question(),
        reply_to=SlackAddress(team=team, channel=channel, response_url=form.get("response_url") or None),
        # Slash commands have no message to thread under: one conversation per user and channel.
        thread=thread_id(team, channel, f"cmd-{user}"),
        actor=Actor(id=user, name=form.get("user_name") or ""),
        text=command.text,
    )


def command_answer(text: str) -> str:
    """The immediate answer to a slash command that is not enqueued: its usage, what was wrong, or the help."""
    command = parse_command(text)
    if command.name == "release":
        return RELEASE_USAGE
    if command.name in person_commands.NAMES:
        try:
            person_commands.parse(command.name, command.text)
        except person_commands.CommandError as error:
            return str(error)
    return HELP_TEXT


def interaction_to_inbound(payload: Mapping[str, Any]) -> InboundEvent | None:
    """Buttons (feedback, approve/edit/reject), the message shortcut and the release edit modal's
    submission, or None.

    Other interaction types are acknowledged unread; the fields of these are validated, and a wrong
    type raises ValueError."""
    kind = payload.get("type")
    if not isinstance(kind, str):
        raise ValueError("interaction type must be a string")
    if kind not in _HANDLED_INTERACTIONS:
        return None
    interaction = Interaction.model_validate(payload)
    user = interaction.user
    team = (interaction.team.id if interaction.team else None) or user.team_id or ""
    actor = Actor(id=user.id, name=user.username or user.name or "")
    trigger = interaction.trigger_id or ""
    channel_of = interaction.channel.id if interaction.channel else None
    if interaction.type == "view_submission":
        return _edited_release(interaction, team, actor)
    if interaction.type == "block_actions":
        if not interaction.actions:
            raise ValueError("block_actions without actions")
        action = interaction.actions[0]
        container = interaction.container or _Container()
        channel = container.channel_id or channel_of or ""
        message_ts = container.message_ts or ""
        action_id = action.action_id
        value = action.value or ""
        intent: Intent = (
            Feedback(vote="up" if action_id == "feedback_up" else "down", answer=value or None)
            if action_id in FEEDBACK_ACTIONS
            else ReleaseDecision(approval=value, approve=action_id == "release_approve", message_ts=message_ts)
            if action_id in RELEASE_ACTIONS and value
            else ReleaseEditRequested(approval=value, message_ts=message_ts, trigger_id=trigger)
            if action_id == RELEASE_EDIT and value and trigger
            else Activity()
        )
        return InboundEvent(
            platform="slack",
            kind=f"slack.action.{action_id}",
            delivery_id=f"act:{action_id}:{action.action_ts or trigger}",
            intent=intent,
            reply_to=SlackAddress(team=team, channel=channel, response_url=interaction.response_url or None),
            thread=thread_id(team, channel, container.thread_ts or message_ts),
            actor=actor,
            text=value,
        )
    # message_action: the "Ask about this message" shortcut
    message = interaction.message or _Message()
    channel = channel_of or ""
    ts = message.ts or ""
    if not channel or not ts or not trigger:
        raise ValueError("message shortcut without channel, message or trigger")
    thread_ts = message.thread_ts or ts
    return InboundEvent(
        platform="slack",
        kind="slack.shortcut.ask",
        delivery_id=f"sc:{trigger}",
        intent=Question(),
        reply_to=SlackAddress(team=team, channel=channel, thread_ts=thread_ts, message_ts=ts),
        thread=thread_id(team, channel, thread_ts),
        actor=actor,
        text=message.text or "",
    )


def _edited_release(interaction: Interaction, team: str, actor: Actor) -> InboundEvent | None:
    """The edit modal submitted: its parts in order, joined back into the notes (see release_edit_view)."""
    view = interaction.view
    if view is None or view.callback_id != RELEASE_EDIT_VIEW:
        return None  # a modal of another feature: acknowledged (which closes it), nothing to do
    if not view.id or not view.private_metadata:
        raise ValueError("release edit submission without its view id or approval")
    parts: dict[int, str] = {}
    for block_id, inputs in view.state.values.items():
        match = _NOTES_BLOCK.fullmatch(block_id)
        if match and "notes" in inputs:
            parts[int(match.group(1))] = inputs["notes"].value or ""
    notes = "\n".join(parts[index] for index in sorted(parts))
    return InboundEvent(
        platform="slack", kind="slack.view.release_edit",
        delivery_id=f"view:{view.id}:{view.hash or ''}"[:200],
        intent=ReleaseEdited(approval=view.private_metadata, view_id=view.id, notes=notes),
        reply_to=SlackAddress(team=team), thread=thread_id(team, "", view.id), actor=actor)


def input_parts(text: str, limit: int = INPUT_LIMIT) -> list[str]:
    """`text` cut at line ends into parts of at most `limit` characters, so that joining them with newlines
    gives it back (a single longer line is cut where it must, and gains a line break there)."""
    parts: list[str] = []
    current: str | None = None
    for line in text.split("\n"):
        while len(line) > limit:
            if current is not None:
                parts.append(current)
                current = None
            parts.append(line[:limit])
            line = line[limit:]
        if current is not None and len(current) + 1 + len(line) <= limit:
            current += "\n" + line
        else:
            if current is not None:
                parts.append(current)
            current = line
    if current is not None:
        parts.append(current)
    return parts


def release_edit_view(approval: str, title: str, notes: str) -> dict[str, Any]:
    """The modal a maintainer edits a release draft in: the draft in plain-text inputs (shown as typed,
    never rendered, so nothing in it can mention anyone), the approval's id as private metadata."""
    blocks: list[dict[str, Any]] = [{"type": "context", "elements": [
        {"type": "plain_text", "text": f"{title[:140]}: saving replaces the draft waiting for approval; "
                                       "Approve or Reject stay on the message."}]}]
    parts = input_parts(notes) or [""]
    for index, part in enumerate(parts):
        element: dict[str, Any] = {"type": "plain_text_input", "action_id": "notes", "multiline": True,
                                   "max_length": INPUT_LIMIT}
        if part:
            element["initial_value"] = part
        label = "Release notes (Markdown)" if len(parts) == 1 else f"Release notes, part {index + 1} of {len(parts)}"
        blocks.append({"type": "input", "block_id": f"notes_{index}", "optional": index > 0,
                       "label": {"type": "plain_text", "text": label}, "element": element})
    return {"type": "modal", "callback_id": RELEASE_EDIT_VIEW, "private_metadata": approval,
            "title": {"type": "plain_text", "text": "Edit release notes"},
            "submit": {"type": "plain_text", "text": "Save draft"},
            "close": {"type": "plain_text", "text": "Cancel"}, "blocks": blocks[:100]}


def parse_interaction(form: Mapping[str, str]) -> dict[str, Any]:
    """Interactivity posts carry their JSON in a form field named `payload`."""
    raw = form.get("payload")
    if raw is None:
        raise ValueError("interactivity request without payload")
    payload = loads_json(raw)
    if not isinstance(payload, dict):
        raise ValueError("interactivity payload must be an object")
    return payload


# --- outbound ------------------------------------------------------------------------------------

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_LINK = re.compile(r"\[([^\]]+)\]\((https?://[^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+)$", re.MULTILINE)


# `>` opening a line is a block quote, not part of a control sequence: kept.
_ESCAPED = re.compile(r"(?m)(^[ \t]*>)|[&<>]")
_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}


def escape_text(text: str) -> str:
    """Text shown as written: Slack reads `<!channel>`, `<!here>`, `<!everyone>`, `<!subteam^…>` and
    `<@U…>` as mentions wherever they appear (code included), so `&`, `<` and `>` become entities.
    Every reply passes through this: its text is model output and quotes of other people's messages."""
    return _ESCAPED.sub(lambda match: match.group(1) or _ENTITIES[match.group(0)], text)


def _link_target(url: str) -> str:
    """A URL inside `<...>` that cannot end the link early or open a control sequence."""
    return url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")


def to_mrkdwn(markdown: str) -> str:
    """Markdown -> Slack mrkdwn, leaving code blocks and inline code untouched. Expects text already
    escaped (escape_text): the links it makes are the only control sequences in the result."""
    out: list[str] = []
    for index, part in enumerate(re.split(r"(```.*?```|`[^`\n]*`)", markdown, flags=re.DOTALL)):
        if index % 2:
            out.append(part)
            continue
        part = _HEADING.sub(r"*\1*", part)
        part = _BOLD.sub(r"*\1*", part)
        # The URL is escaped already; only `|` could still cut the link short.
        part = _LINK.sub(lambda link: f"<{link.group(2).replace('|', '%7C')}|{link.group(1)}>", part)
        out.append(part)
    return "".join(out)


def reply_blocks(reply: Reply, feedback_for: str | None = None) -> list[dict[str, Any]]:
    """Block Kit for a reply: mrkdwn sections (code blocks kept whole), sources, feedback buttons;
    no mention in the reply's text reaches Slack as one."""
    from devrel.platforms.text import split_markdown

    blocks: list[dict[str, Any]] = [
        {"type": "section", "text": {"type": "mrkdwn", "text": chunk}}
        for chunk in split_markdown(to_mrkdwn(escape_text(reply.text)), SECTION_LIMIT)
    ]
    if reply.sources:
        listed = " · ".join(f"<{_link_target(url)}>" for url in reply.sources[:10])
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"Sources: {listed}"}]})
    if reply.approval:
        # A release waiting for approval: the decision buttons instead of feedback ones.
        blocks.append({"type": "actions", "block_id": "release_approval", "elements": [
            {"type": "button", "action_id": "release_approve", "value": reply.approval, "style": "primary",
             "text": {"type": "plain_text", "text": "Approve and publish"}},
            {"type": "button", "action_id": RELEASE_EDIT, "value": reply.approval,
             "text": {"type": "plain_text", "text": "Edit"}},
            {"type": "button", "action_id": "release_reject", "value": reply.approval, "style": "danger",
             "text": {"type": "plain_text", "text": "Reject"}},
        ]})
    elif feedback_for and reply.feedback:
        blocks.append(
            {
                "type": "actions",
                "block_id": "feedback",
                "elements": [
                    {
                        "type": "button",
                        "action_id": "feedback_up",
                        "value": feedback_for,
                        "text": {"type": "plain_text", "text": "Helpful"},
                    },
                    {
                        "type": "button",
                        "action_id": "feedback_down",
                        "value": feedback_for,
                        "text": {"type": "plain_text", "text": "Not helpful"},
                    },
                ],
            }
        )
    return blocks[:50]


def notification_text(reply: Reply, limit: int = 3000) -> str:
    """The plain `text` sent with the blocks (notifications, clients without blocks), escaped alike."""
    return escape_text(reply.text[:limit])


HELP_TEXT = (
    "*DevRel assistant*\n"
    "• `/devrel ask <question>`: ask about the project; the answer arrives here shortly.\n"
    "• Mention me in a channel, or message me directly, and I answer in the thread.\n"
    "• `/devrel release OWNER/NAME FROM TO`: release notes for that range, for approval (maintainers' channel).\n"
    "• `/devrel profile` (`/devrel profile set language=fr`): your profile, seen and changed only by you.\n"
    "• `/devrel link`: a one-time code that links this account to yours on Discord or Telegram.\n"
    "• `/devrel forget`: delete what the assistant keeps about you (asks you to confirm).\n"
    "• `/devrel help`: this message."
)
