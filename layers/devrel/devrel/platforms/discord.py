"""Discord interactions: Ed25519 verification, the command definitions, and pure converters.

`plan_response` decides, for one verified interaction, what to answer at once (PONG, a deferred
"thinking..." response, an autocomplete list, an ephemeral help text) and which typed event, if
any, the worker should finish later through the interaction's webhook.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec
from discord_interactions import InteractionResponseFlags, InteractionResponseType, InteractionType, verify_key

from devrel.events import (
    Actor,
    DiscordAddress,
    Feedback,
    HandOffAnswer,
    InboundEvent,
    Intent,
    MemberJoined,
    Question,
    Reply,
)
from devrel.platforms import person_commands
from devrel.platforms.signatures import is_fresh
from devrel.platforms.text import split_markdown
from devrel.structs import Struct

MESSAGE_LIMIT = 2000
# An Ed25519 signature in hex; anything else is rejected before the library sees it.
_SIGNATURE = re.compile(r"[0-9a-fA-F]{128}")
EPHEMERAL = InteractionResponseFlags.EPHEMERAL


class CommandType:
    CHAT_INPUT = 1
    USER = 2
    MESSAGE = 3


ASK_ABOUT_MESSAGE = "Ask about this message"
SEND_TO_ASKER = "Send to the asker"

HELP_TOPICS: dict[str, str] = {
    "asking": "Use `/ask question:<your question>`; I answer here within a minute, with sources.",
    "messages": f"Right-click a message -> Apps -> **{ASK_ABOUT_MESSAGE}** to get an answer about it.",
    "onboarding": "Use `/onboard` for a guided start: setup, good first issues and who to ask.",
    "feedback": "Press **Helpful** or **Not helpful** under an answer; maintainers read every vote.",
    "your data": "`/devrel profile` shows (and `set:` changes) your profile, `/devrel link` links this account to "
                 "yours on Slack or Telegram, `/devrel forget` deletes what the assistant keeps about you.",
}

# The single definition `devrel discord register` publishes (a bulk overwrite, so it is idempotent).
COMMANDS: list[dict[str, Any]] = [
    {
        "name": "ask",
        "type": CommandType.CHAT_INPUT,
        "description": "Ask the DevRel assistant about the project",
        "options": [
            {
                "type": 3,
                "name": "question",
                "description": "Your question",
                "required": True,
                "max_length": 1500,
            }
        ],
    },
    {
        "name": "help",
        "type": CommandType.CHAT_INPUT,
        "description": "What the assistant can do",
        "options": [
            {
                "type": 3,
                "name": "topic",
                "description": "A topic to explain",
                "required": False,
                "autocomplete": True,
            }
        ],
    },
    {
        "name": "onboard",
        "type": CommandType.CHAT_INPUT,
        "description": "Start a guided onboarding as a new contributor",
    },
    {"name": ASK_ABOUT_MESSAGE, "type": CommandType.MESSAGE},
    # In the maintainers' channel: a reply to a hand-off post goes back to the person who asked.
    {"name": SEND_TO_ASKER, "type": CommandType.MESSAGE},
    {
        "name": "devrel",
        "type": CommandType.CHAT_INPUT,
        "description": "Your own data: profile, linked accounts, forget-me",
        "options": [
            {"type": 1, "name": "profile", "description": "See your profile, or change it",
             "options": [{"type": 3, "name": "set", "description": "e.g. language=fr timezone=Europe/Paris",
                          "required": False, "max_length": 300}]},
            {"type": 1, "name": "link", "description": "Link this account to yours on another platform",
             "options": [{"type": 3, "name": "code", "description": "The code your other account was given",
                          "required": False, "max_length": 16}]},
            {"type": 1, "name": "forget", "description": "Delete what the assistant keeps about you",
             "options": [{"type": 5, "name": "confirm", "description": "Confirm a forget asked in the last minutes",
                          "required": False}]},
        ],
    },
]


# --- signatures ----------------------------------------------------------------------------------


def verify_signature(
    public_key_hex: str,
    body: bytes,
    timestamp: str | None,
    signature_hex: str | None,
    now: float,
    max_age: int = 300,
) -> bool:
    """Ed25519 over `timestamp + raw body`, with the timestamp within `max_age` seconds of `now`."""
    if not public_key_hex or not timestamp or not signature_hex or not _SIGNATURE.fullmatch(signature_hex):
        return False
    if not is_fresh(timestamp, now, max_age):
        return False
    # discord-interactions' check answers False for a bad key, signature or encoding.
    return bool(verify_key(body, signature_hex, timestamp, public_key_hex))


# --- inbound -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """The immediate HTTP answer to an interaction, and the work (if any) left for the worker."""

    response: dict[str, Any]
    event: InboundEvent | None = None


def _message(content: str, ephemeral: bool = True) -> dict[str, Any]:
    data: dict[str, Any] = {"content": content, "allowed_mentions": {"parse": []}}
    if ephemeral:
        data["flags"] = EPHEMERAL
    return {"type": InteractionResponseType.CHANNEL_MESSAGE_WITH_SOURCE, "data": data}


# --- the fields of an interaction the converter reads, validated before it reads them ---------------


class _Fields(Struct, frozen=True, kw_only=True):
    """Every other field Discord sends is ignored; those read must have Discord's types (checked on decoding)."""


class _User(_Fields, frozen=True, kw_only=True):
    id: str = ""
    username: str | None = None
    bot: bool = False


class _Member(_Fields, frozen=True, kw_only=True):
    user: _User | None = None


class _Option(_Fields, frozen=True, kw_only=True):
    name: str = ""
    # string, integer, number or boolean options; sub-commands carry none, but options of their own
    value: str | int | float | bool | None = None
    focused: bool = False
    options: list[_Option] = msgspec.field(default_factory=list)


class _Reference(_Fields, frozen=True, kw_only=True):
    message_id: str | None = None
    channel_id: str | None = None


class _ResolvedMessage(_Fields, frozen=True, kw_only=True):
    content: str | None = None
    # Read for "Send to the asker": who wrote the reply, and the hand-off post it replies to.
    author: _User | None = None
    message_reference: _Reference | None = None


class _Resolved(_Fields, frozen=True, kw_only=True):
    messages: dict[str, _ResolvedMessage] = msgspec.field(default_factory=dict)


class _Data(_Fields, frozen=True, kw_only=True):
    name: str | None = None
    type: int | None = None
    options: list[_Option] = msgspec.field(default_factory=list)
    custom_id: str | None = None
    target_id: str | None = None
    resolved: _Resolved | None = None


class _Channel(_Fields, frozen=True, kw_only=True):
    id: str | None = None


class Interaction(_Fields, frozen=True, kw_only=True):
    """An interaction, as far as the assistant reads it (ids are snowflake strings, types integers)."""

    type: int
    id: str | None = None
    token: str | None = None
    application_id: str | None = None
    channel_id: str | None = None
    channel: _Channel | None = None
    guild_id: str | None = None
    member: _Member | None = None
    user: _User | None = None
    data: _Data | None = None


def _options(data: _Data) -> dict[str, Any]:
    return {option.name: option.value for option in data.options}


def _actor(interaction: Interaction) -> Actor | None:
    user = (interaction.member.user if interaction.member else None) or interaction.user
    if user is None or not user.id:
        return None
    return Actor(id=user.id, name=user.username or "", is_bot=user.bot)


def help_text(topic: str | None = None) -> str:
    if topic and topic in HELP_TOPICS:
        return HELP_TOPICS[topic]
    return "**DevRel assistant**\n" + "\n".join(f"- {text}" for text in HELP_TOPICS.values())


def autocomplete_choices(partial: str, candidates: list[str], limit: int = 25) -> list[dict[str, str]]:
    """Candidates starting with the typed text first, then those containing it (Discord allows 25)."""
    typed = partial.strip().lower()
    starts = [c for c in candidates if c.lower().startswith(typed)]
    contains = [c for c in candidates if typed in c.lower() and c not in starts]
    return [{"name": c, "value": c} for c in (starts + contains)[:limit]]


def plan_response(payload: Mapping[str, Any], application_id: str | None = None) -> Plan:
    """What to answer now and what to enqueue. Raises ValueError for a malformed interaction."""
    interaction = Interaction.model_validate(payload)
    kind = interaction.type
    if kind == InteractionType.PING:
        return Plan({"type": InteractionResponseType.PONG})
    if not interaction.id or not interaction.token:
        raise ValueError("interaction without id or token")
    data = interaction.data
    if data is None:
        raise ValueError("interaction without data")

    if kind == InteractionType.APPLICATION_COMMAND_AUTOCOMPLETE:
        focused = next((option for option in data.options if option.focused), _Option())
        candidates = list(HELP_TOPICS) if focused.name == "topic" else []
        choices = autocomplete_choices(str(focused.value or ""), candidates)
        return Plan(
            {"type": InteractionResponseType.APPLICATION_COMMAND_AUTOCOMPLETE_RESULT, "data": {"choices": choices}}
        )

    if kind == InteractionType.MESSAGE_COMPONENT:
        custom_id = data.custom_id or ""
        ack = {"type": InteractionResponseType.DEFERRED_UPDATE_MESSAGE}
        if not custom_id.startswith("feedback:"):
            return Plan(ack)
        _, vote, _, answered = [*custom_id.split(":", 3), "", "", ""][:4]
        return Plan(
            ack,
            _event(
                interaction,
                "discord.feedback",
                vote,
                application_id,
                Feedback(vote="up" if vote == "up" else "down", answer=answered or None),
            ),
        )

    if kind != InteractionType.APPLICATION_COMMAND:
        return Plan(_message("This kind of interaction is not supported yet."))

    name = data.name or ""
    if data.type == CommandType.MESSAGE and name == ASK_ABOUT_MESSAGE:
        target = (data.resolved.messages if data.resolved else {}).get(str(data.target_id))
        if target is None:
            raise ValueError("message command without its resolved message")
        event = _event(
            interaction,
            "discord.message_command.ask",
            target.content or "",
            application_id,
            Question(),
        )
        return Plan({"type": InteractionResponseType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE}, event)
    if data.type == CommandType.MESSAGE and name == SEND_TO_ASKER:
        return _handoff_answer(interaction, data, application_id)
    options = _options(data)
    if name == "ask":
        question = str(options.get("question") or "").strip()
        if not question:
            return Plan(_message("Please add a question: `/ask question:<your question>`."))
        event = _event(interaction, "discord.command.ask", question, application_id, Question())
        return Plan({"type": InteractionResponseType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE}, event)
    if name == "help":
        return Plan(_message(help_text(str(options.get("topic") or ""))))
    if name == "onboard":
        event = _event(interaction, "discord.command.onboard", "", application_id, MemberJoined())
        return Plan(_message("Starting your onboarding; I'll follow up here."), event)
    if name == "devrel":
        return _person_command(interaction, data, application_id)
    return Plan(_message(f"I don't know the command `{name}`."))


def _person_command(interaction: Interaction, data: _Data, application_id: str | None) -> Plan:
    """`/devrel profile|link|forget`: checked at once, done by the worker, answered to the person only."""
    sub = data.options[0] if data.options else _Option()
    if sub.name not in person_commands.NAMES:
        return Plan(_message("Use `/devrel profile`, `/devrel link` or `/devrel forget`."))
    value = next((o.value for o in sub.options if o.name == person_commands.DISCORD_OPTIONS[sub.name]), None)
    rest = ("confirm" if value is True else "") if sub.name == "forget" else \
        (f"set {value}" if value else "") if sub.name == "profile" else str(value or "")
    try:
        request = person_commands.parse(sub.name, rest)
    except person_commands.CommandError as error:
        return Plan(_message(str(error)))
    # No text: a link code or profile values have no place in the event log. Deferred ephemeral, so the
    # worker's answer (a link code, a profile) is seen by the person alone.
    event = _event(interaction, f"discord.command.{sub.name}", "", application_id, request)
    return Plan({"type": InteractionResponseType.DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE, "data": {"flags": EPHEMERAL}},
                event)


def _handoff_answer(interaction: Interaction, data: _Data, application_id: str | None) -> Plan:
    """"Send to the asker" on a reply to a hand-off post: the reply's text and author go to the worker, which
    relays it if the post is a hand-off in the maintainers' channel. Once per reply (its id is the delivery)."""
    target = (data.resolved.messages if data.resolved else {}).get(str(data.target_id))
    if target is None:
        raise ValueError("message command without its resolved message")
    post = target.message_reference.message_id if target.message_reference else None
    author = target.author
    if not post or author is None or not author.id or author.bot or not (target.content or "").strip():
        return Plan(_message(f"Use **{SEND_TO_ASKER}** on a person's reply to a hand-off post."))
    event = _event(interaction, "discord.message_command.handoff_answer", target.content or "", application_id,
                   HandOffAnswer(post=post[:30]))
    event = event.model_copy(update={"delivery_id": f"reply:{data.target_id}"[:200],
                                     "actor": Actor(id=author.id, name=author.username or "")})
    return Plan(_message("Sending this answer to the person who asked."), event)


def _event(
    interaction: Interaction,
    kind: str,
    text: str,
    application_id: str | None,
    intent: Intent,
) -> InboundEvent:
    assert interaction.id and interaction.token  # checked by plan_response
    actor = _actor(interaction)
    channel = interaction.channel_id or (interaction.channel.id if interaction.channel else None) or ""
    guild = interaction.guild_id or "dm"
    return InboundEvent(
        platform="discord",
        kind=kind,
        delivery_id=interaction.id,
        intent=intent,
        reply_to=DiscordAddress(
            application_id=interaction.application_id or application_id or "",
            token=interaction.token,
            channel=channel,
            guild=guild,
        ),
        # Slash commands have no message thread: one conversation per user and channel.
        thread=f"{guild}:{channel}:{actor.id if actor else ''}",
        actor=actor,
        text=text,
    )


# --- outbound ------------------------------------------------------------------------------------


def reply_messages(reply: Reply, feedback_for: str | None = None) -> list[dict[str, Any]]:
    """Message bodies for a reply: <= 2,000 characters each, code blocks kept whole per message,
    sources (without link previews) and feedback buttons on the last one."""
    text = reply.text
    if reply.sources:
        text += "\n\nSources: " + " ".join(f"<{url}>" for url in reply.sources[:10])
    messages: list[dict[str, Any]] = [
        {"content": chunk, "allowed_mentions": {"parse": []}} for chunk in split_markdown(text, MESSAGE_LIMIT)
    ] or [{"content": "…", "allowed_mentions": {"parse": []}}]
    if feedback_for:
        messages[-1]["components"] = [
            {
                "type": 1,
                "components": [
                    {
                        "type": 2,
                        "style": 3,
                        "label": "Helpful",
                        "custom_id": f"feedback:up:for:{feedback_for}"[:100],
                    },
                    {
                        "type": 2,
                        "style": 4,
                        "label": "Not helpful",
                        "custom_id": f"feedback:down:for:{feedback_for}"[:100],
                    },
                ],
            }
        ]
    if reply.ephemeral:
        for message in messages:
            message["flags"] = EPHEMERAL
    return messages
