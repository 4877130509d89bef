"""Telegram: the webhook secret, pure converters from updates to typed events, and replies in
MarkdownV2.

Telegram signs nothing: it sends back, in `X-Telegram-Bot-Api-Secret-Token`, the secret given to
setWebhook. A webhook may answer an update with one Bot API call in its HTTP response, which is
how `/help` and button presses are acknowledged without a round trip.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

import msgspec

from devrel.events import (
    Activity,
    Actor,
    Feedback,
    InboundEvent,
    Intent,
    MemberJoined,
    Question,
    Reply,
    TelegramAddress,
)
from devrel.platforms import person_commands
from devrel.platforms.text import split_markdown
from devrel.structs import Struct

# sendMessage takes at most 4,096 characters; leave room for the escaping MarkdownV2 adds.
MESSAGE_LIMIT = 3500
FEEDBACK_PREFIX = "fb"
COMMANDS = [
    {"command": "ask", "description": "Ask about the project"},
    {"command": "help", "description": "What the assistant can do"},
    {"command": "start", "description": "Get started as a contributor"},
    {"command": "profile", "description": "Your profile (/profile set language=fr)"},
    {"command": "link", "description": "Link this account to yours on Slack or Discord"},
    {"command": "forget", "description": "Delete what the assistant keeps about you"},
]
HELP_TEXT = (
    "I answer questions about the project from its docs and code, with links to the sources.\n"
    "• /ask <question>, or just write to me here; in groups, mention me or reply to me.\n"
    "• /start: how to get started as a contributor.\n"
    "• /profile, /link, /forget (in a private chat): your profile, linking your accounts, forget-me."
)

Id = Annotated[int, msgspec.Meta(gt=-(2**53), lt=2**53)]


def verify_secret(expected: str, given: str | None) -> bool:
    """Constant-time comparison of the secret header with the one registered by setWebhook."""
    return bool(expected) and given is not None and hmac.compare_digest(given.encode(), expected.encode())


# --- the fields of an update the assistant reads ---------------------------------------------------


class _Fields(Struct, frozen=True, kw_only=True):
    """Every other field Telegram sends is ignored; those read must have its types (checked on decoding)."""


class _User(_Fields, frozen=True, kw_only=True):
    id: Id
    is_bot: bool = False
    username: str | None = None
    first_name: str = ""


class _Chat(_Fields, frozen=True, kw_only=True):
    id: Id
    type: str = "private"


class _Entity(_Fields, frozen=True, kw_only=True):
    type: str
    offset: Annotated[int, msgspec.Meta(ge=0)]
    length: Annotated[int, msgspec.Meta(ge=0)]


class _Replied(_Fields, frozen=True, kw_only=True):
    message_id: Id
    sender: _User | None = msgspec.field(default=None, name="from")


class _Message(_Fields, frozen=True, kw_only=True):
    message_id: Id
    chat: _Chat
    sender: _User | None = msgspec.field(default=None, name="from")
    date: int = 0
    text: str | None = None
    caption: str | None = None
    entities: list[_Entity] = msgspec.field(default_factory=list)
    message_thread_id: Id | None = None
    reply_to_message: _Replied | None = None


class _Callback(_Fields, frozen=True, kw_only=True):
    id: str
    sender: _User = msgspec.field(name="from")
    data: str | None = None
    message: _Message | None = None


class Update(_Fields, frozen=True, kw_only=True):
    update_id: Id
    message: _Message | None = None
    edited_message: _Message | None = None
    callback_query: _Callback | None = None


@dataclass(frozen=True)
class Plan:
    """What to enqueue (if anything) and the Bot API call to answer with at once (if any)."""

    event: InboundEvent | None = None
    answer: dict[str, Any] | None = None


def _command(message: _Message, bot_username: str | None) -> tuple[str, str] | None:
    """(`ask`, rest) for `/ask rest` or `/ask@thisbot rest`; None when the text is no command for us."""
    text = message.text or ""
    match = re.match(r"^/([A-Za-z0-9_]{1,32})(?:@([A-Za-z0-9_]{3,64}))?(?:\s+|$)", text)
    if not match:
        return None
    addressed_to = match.group(2)
    if addressed_to and (not bot_username or addressed_to.lower() != bot_username.lower()):
        return None  # a command for another bot in the group
    return match.group(1).lower(), text[match.end():].strip()


def _mentions_bot(message: _Message, bot_username: str | None) -> bool:
    text = message.text or message.caption or ""
    if not bot_username:
        return False
    for entity in message.entities:
        if entity.type == "mention" and text[entity.offset:entity.offset + entity.length].lower() == \
                f"@{bot_username.lower()}":
            return True
    return f"@{bot_username.lower()}" in text.lower()


def _actor(user: _User | None) -> Actor | None:
    return Actor(id=str(user.id), name=user.username or user.first_name, is_bot=user.is_bot) if user else None


def _event(update: Update, message: _Message, kind: str, intent: Intent, text: str) -> InboundEvent:
    private = message.chat.type == "private"
    # Private chats are one conversation; in groups, one per forum topic.
    thread = str(message.chat.id) if private else f"{message.chat.id}:{message.message_thread_id or 0}"
    timing = {"received_at": float(message.date)} if message.date else {}
    return InboundEvent(
        platform="telegram",
        kind=kind,
        delivery_id=f"update:{update.update_id}",
        intent=intent,
        reply_to=TelegramAddress(chat_id=message.chat.id, message_id=message.message_id,
                                 message_thread_id=message.message_thread_id),
        thread=thread,
        actor=_actor(message.sender),
        text=text,
        **timing,
    )


def plan_update(payload: Mapping[str, Any], bot_username: str | None = None, bot_id: int | None = None,
                answer_edits: bool = False) -> Plan:
    """What one update means. Raises ValueError (msgspec's ValidationError) for a malformed one."""
    update = Update.model_validate(payload)
    if update.callback_query is not None:
        return _callback(update, update.callback_query)
    edited = update.edited_message is not None
    message = update.message or update.edited_message
    if message is None:
        return Plan()  # inline queries, polls, member updates: nothing the assistant does
    if message.sender is not None and message.sender.is_bot:
        return Plan()  # never answer bots (including itself)
    if edited and not answer_edits:
        return Plan()
    private = message.chat.type == "private"
    command = _command(message, bot_username)
    kind = "telegram.edited_message" if edited else "telegram.message"
    if command is not None:
        name, rest = command
        if name == "help":
            return Plan(answer=_send(message, HELP_TEXT))
        if name == "start":
            return Plan(_event(update, message, "telegram.command.start", MemberJoined(), ""))
        if name == "ask":
            if not rest:
                return Plan(answer=_send(message, "Please add a question: /ask <your question>"))
            return Plan(_event(update, message, "telegram.command.ask", Question(), rest))
        if name in person_commands.NAMES:
            return _person_command(update, message, name, rest)
        return Plan()  # other commands are not ours to answer
    text = message.text or message.caption or ""
    if not text.strip():
        return Plan()
    replied_to_bot = bool(bot_id) and message.reply_to_message is not None and \
        message.reply_to_message.sender is not None and message.reply_to_message.sender.id == bot_id
    if private or replied_to_bot or _mentions_bot(message, bot_username):
        cleaned = re.sub(rf"@{re.escape(bot_username)}\b", "", text, flags=re.I).strip() if bot_username else text
        return Plan(_event(update, message, kind, Question(), cleaned))
    return Plan(_event(update, message, kind, Activity(), text))  # group chatter: counted, not answered


def _person_command(update: Update, message: _Message, name: str, rest: str) -> Plan:
    """/profile, /link, /forget: in a private chat only, since the answer (a link code, a profile) is theirs."""
    if message.chat.type != "private":
        return Plan(answer=_send(message, f"Please send /{name} to me in a private chat: the answer is for you alone."))
    try:
        request = person_commands.parse(name, rest)
    except person_commands.CommandError as error:
        return Plan(answer=_send(message, str(error)))
    # No text: a link code or profile values have no place in the event log.
    return Plan(_event(update, message, f"telegram.command.{name}", request, ""))


def _callback(update: Update, callback: _Callback) -> Plan:
    """Feedback buttons under an answer: `fb:up:<delivery>`; every press is acknowledged at once."""
    ack = {"method": "answerCallbackQuery", "callback_query_id": callback.id}
    parts = (callback.data or "").split(":", 2)
    if len(parts) < 2 or parts[0] != FEEDBACK_PREFIX or parts[1] not in ("up", "down"):
        return Plan(answer=ack)
    vote = "up" if parts[1] == "up" else "down"
    chat = callback.message.chat.id if callback.message else callback.sender.id
    event = InboundEvent(
        platform="telegram", kind=f"telegram.feedback_{vote}", delivery_id=f"update:{update.update_id}",
        intent=Feedback(vote=vote, answer=parts[2] if len(parts) > 2 and parts[2] else None),
        reply_to=TelegramAddress(chat_id=chat, message_id=callback.message.message_id if callback.message else None),
        thread=str(chat), actor=_actor(callback.sender))
    return Plan(event, {**ack, "text": "Thanks for the feedback!"})


def _send(message: _Message, text: str) -> dict[str, Any]:
    return {"method": "sendMessage", "chat_id": message.chat.id, "text": to_markdown_v2(text),
            "parse_mode": "MarkdownV2", "reply_parameters": {"message_id": message.message_id},
            **({"message_thread_id": message.message_thread_id} if message.message_thread_id else {})}


# --- replies ------------------------------------------------------------------------------------------

_SPECIAL = re.compile(r"([_*\[\]()~`>#+\-=|{}.!\\])")
_CODE = re.compile(r"(```[^\n`]*\n.*?```|`[^`\n]+`)", re.DOTALL)
# A link's URL may hold balanced parentheses (Wikipedia-style paths).
_LINK = re.compile(r"\[([^\]\n]+)\]\((https?://(?:[^()\s]|\([^()\s]*\))+)\)")
_BOLD = re.compile(r"\*\*([^*\n]+)\*\*")
_HEADING = re.compile(r"^#{1,6}\s+(.+)$", re.MULTILINE)
# A mention the assistant did not mean: break the @ with a zero-width joiner so nobody is pinged.
_AT = re.compile(r"@(?=\w)")


def escape(text: str) -> str:
    """Escape every character MarkdownV2 reserves, outside code."""
    return _SPECIAL.sub(r"\\\1", text)


def _escape_code(code: str) -> str:
    # Inside pre and code entities only ` and \ must be escaped.
    return code.replace("\\", "\\\\").replace("`", "\\`")


def _prose(text: str) -> str:
    """Markdown prose -> MarkdownV2: bold, headings (bold) and links kept, everything else escaped."""
    text = _AT.sub("@\u200d", text)
    out, position = [], 0
    pattern = re.compile(f"{_LINK.pattern}|{_BOLD.pattern}|{_HEADING.pattern}", re.MULTILINE)
    for match in pattern.finditer(text):
        out.append(escape(text[position:match.start()]))
        if match.group(1) is not None:  # [text](url)
            url = match.group(2).replace("\\", "\\\\").replace(")", "\\)")
            out.append(f"[{escape(match.group(1))}]({url})")
        else:  # **bold** or # heading
            out.append(f"*{escape(match.group(3) or match.group(4))}*")
        position = match.end()
    out.append(escape(text[position:]))
    return "".join(out)


def to_markdown_v2(markdown: str) -> str:
    """Markdown (as the assistant writes it) -> Telegram MarkdownV2, code blocks and inline code intact."""
    out = []
    for index, part in enumerate(_CODE.split(markdown)):
        if index % 2 == 0:
            out.append(_prose(part))
        elif part.startswith("```"):
            header, _, rest = part[3:].partition("\n")
            body = rest[:-3] if rest.endswith("```") else rest
            out.append(f"```{header.strip()}\n{_escape_code(body)}```")
        else:
            out.append(f"`{_escape_code(part[1:-1])}`")
    return "".join(out)


def reply_messages(reply: Reply, to: TelegramAddress, feedback_for: str | None = None) -> list[dict[str, Any]]:
    """sendMessage bodies for a reply: split under Telegram's limit without breaking code blocks,
    the first one answering the question, sources and feedback buttons on the last."""
    text = reply.text
    if reply.sources:
        text += "\n\nSources:\n" + "\n".join(f"- {url}" for url in reply.sources[:10])
    chunks = split_markdown(text, MESSAGE_LIMIT) or ["…"]
    messages: list[dict[str, Any]] = []
    for index, chunk in enumerate(chunks):
        message: dict[str, Any] = {"chat_id": to.chat_id, "text": to_markdown_v2(chunk), "parse_mode": "MarkdownV2",
                                   "link_preview_options": {"is_disabled": True}}
        if to.message_thread_id:
            message["message_thread_id"] = to.message_thread_id
        if index == 0 and to.message_id:
            message["reply_parameters"] = {"message_id": to.message_id, "allow_sending_without_reply": True}
        messages.append(message)
    if feedback_for:
        # callback_data holds at most 64 bytes.
        data = [f"{FEEDBACK_PREFIX}:{vote}:{feedback_for}"[:64] for vote in ("up", "down")]
        messages[-1]["reply_markup"] = {"inline_keyboard": [[
            {"text": "Helpful", "callback_data": data[0]}, {"text": "Not helpful", "callback_data": data[1]}]]}
    return messages
