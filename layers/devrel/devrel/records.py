"""Repositories over the Store: each owns the key format of one kind of record, for writers and
readers alike, so no other module spells `events#...` or `unanswered#...` itself.

Sort keys that are times are zero-padded (`{epoch:017.6f}`), so lexical order is time order.
"""

from __future__ import annotations

import hashlib
import json
import re
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

from devrel.events import InboundEvent, Platform
from devrel.ports import ChatMessage, Item, Store

PLATFORMS: tuple[Platform, ...] = ("github", "slack", "discord", "discourse", "telegram", "console")


def _time_key(at: float, suffix: str) -> str:
    return f"{at:017.6f}#{suffix}"


def _time_of(sort_key: str) -> float:
    return float(sort_key.split("#", 1)[0])


@dataclass(frozen=True)
class LoggedEvent:
    at: float
    kind: str
    actor: str | None
    actor_id: str | None
    platform: str = ""
    thread: str = ""
    # The intent's type ("question", "issue_opened", ...) and the platform's delivery id.
    intent: str = ""
    delivery_id: str = ""
    # VADER's compound score of the message, when it had text.
    sentiment: float | None = None


class EventLog:
    """Every accepted event, per platform, newest readable first: analytics, digests, onboarding."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def append(self, event: InboundEvent, sentiment: float | None = None) -> None:
        self._store.put(Item(
            pk=f"events#{event.platform}",
            sk=_time_key(event.received_at, event.delivery_id),
            data={"kind": event.kind, "thread": event.thread, "intent": event.intent.type,
                  "actor": event.actor.name if event.actor else None,
                  "actor_id": event.actor.id if event.actor else None,
                  **({"sentiment": round(sentiment, 4)} if sentiment is not None else {})},
        ))

    def since(self, platform: Platform, since: float, limit: int = 50_000) -> Iterator[LoggedEvent]:
        """Events of one platform at or after `since`, newest first."""
        for item in self._store.query(f"events#{platform}", limit=limit, newest_first=True):
            at = _time_of(item.sk)
            if at < since:
                return
            data = item.data
            yield LoggedEvent(at, str(data.get("kind")), data.get("actor"), data.get("actor_id"), platform,
                              str(data.get("thread") or ""), str(data.get("intent") or ""),
                              item.sk.split("#", 1)[1] if "#" in item.sk else "", data.get("sentiment"))

    def counts(self, since: float, limit: int = 50_000) -> dict[str, Counter[str]]:
        """Events since `since` by platform and kind."""
        counts: dict[str, Counter[str]] = {}
        for platform in PLATFORMS:
            kinds = Counter(logged.kind for logged in self.since(platform, since, limit))
            if kinds:
                counts[platform] = kinds
        return counts


class Unanswered:
    """Questions the assistant could not answer (the model failed): kept for maintainers."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def keep(self, event: InboundEvent, error: str) -> None:
        self._store.put(Item(pk=f"unanswered#{event.platform}", sk=_time_key(event.received_at, event.delivery_id),
                             data={"event": without_capabilities(event.model_dump(mode="json")), "error": error}))

    def latest(self, per_platform: int = 50) -> list[dict[str, Any]]:
        # Redacted on the way out too, for records kept before capabilities were left out.
        return [without_capabilities(item.data["event"]) for platform in PLATFORMS
                for item in self._store.query(f"unanswered#{platform}", limit=per_platform, newest_first=True)]


# Fields of a reply address that let their holder post as the bot (Discord's interaction token,
# Slack's response_url): needed by the worker for one reply, never by a maintainer reading a record.
CAPABILITY_FIELDS = ("token", "response_url")


def without_capabilities(event: dict[str, Any]) -> dict[str, Any]:
    """A dumped event with the capability fields of its reply address removed."""
    reply_to = event.get("reply_to")
    if not isinstance(reply_to, dict):
        return event
    return {**event, "reply_to": {k: v for k, v in reply_to.items() if k not in CAPABILITY_FIELDS}}


class Rollups:
    """Hourly counts of events by platform and kind."""

    PK = "rollup#hourly"

    def __init__(self, store: Store) -> None:
        self._store = store

    def save(self, hour: int, counts: dict[str, dict[str, int]]) -> None:
        self._store.put(Item(pk=self.PK, sk=f"{hour:012d}", data={"counts": counts}))

    def get(self, hour: int) -> dict[str, dict[str, int]] | None:
        item = self._store.get(self.PK, f"{hour:012d}")
        return item.data["counts"] if item else None

    def latest(self, hours: int) -> list[dict[str, Any]]:
        return [{"hour": int(item.sk), **item.data}
                for item in self._store.query(self.PK, limit=hours, newest_first=True)]


class Digests:
    PK = "digest#weekly"

    def __init__(self, store: Store) -> None:
        self._store = store

    def save(self, at: float, text: str, counts: dict[str, dict[str, int]]) -> None:
        self._store.put(Item(pk=self.PK, sk=f"{int(at):012d}", data={"text": text, "counts": counts}))


class FeedbackLog:
    """Thumbs up/down on answers: from platform buttons (`record`) and from the web widget (`record_vote`)."""

    # The web widget's votes have no platform event; they are kept under this channel.
    WEB = "web"

    def __init__(self, store: Store, ttl_seconds: int = 400 * 24 * 3600) -> None:
        self._store = store
        self._ttl = ttl_seconds

    def record(self, event: InboundEvent, vote: Literal["up", "down"], answer: str | None) -> None:
        self._store.put(Item(
            pk=f"feedback#{event.platform}",
            sk=_time_key(event.received_at, event.delivery_id),
            data={"vote": vote, "thread": event.thread, "actor": event.actor.id if event.actor else None,
                  "answer": answer},
        ))

    def record_vote(self, channel: str, thread: str, vote: Literal["up", "down"], at: float, question: str = "",
                    page_url: str | None = None) -> None:
        self._store.put(Item(
            pk=f"feedback#{channel}", sk=_time_key(at, uuid.uuid4().hex[:8]),
            data={"vote": vote, "thread": thread, "question": question, "page_url": page_url},
            expires_at=int(at) + self._ttl,
        ))

    def since(self, channel: str, since: float, limit: int = 1000) -> list[dict[str, Any]]:
        """Votes of one channel at or after `since`, newest first, each with its time (`at`)."""
        found = []
        for item in self._store.query(f"feedback#{channel}", limit=limit, newest_first=True):
            at = _time_of(item.sk)
            if at < since:
                break
            found.append({**item.data, "at": at})
        return found


class VisitorLimits:
    """A sliding-window request budget per visitor, kept in the Store: each admitted request is one
    item that expires when it leaves the window, so the count is one query and nothing is swept.

    Visitors are keyed by a hash of their address: the Store never holds the address itself.
    """

    def __init__(self, store: Store, clock: Callable[[], float], limit: int, window_seconds: int) -> None:
        self._store = store
        self._clock = clock
        self._limit = limit
        self._window = window_seconds

    @staticmethod
    def partition(scope: str, visitor: str) -> str:
        return f"visits#{scope}#{hashlib.sha256(visitor.encode()).hexdigest()[:24]}"

    def admit(self, scope: str, visitor: str) -> float | None:
        """Count one request; None when it is within the budget, else the seconds until one is free.

        Two requests racing at the last free slot may both pass: the budget is approximate by one,
        which a rate limit can afford, and it keeps admission at one query and one write.
        """
        now = self._clock()
        pk = self.partition(scope, visitor)
        recent = [_time_of(item.sk) for item in self._store.query(pk, limit=self._limit, newest_first=True)]
        recent = [at for at in recent if at > now - self._window]
        if len(recent) >= self._limit:
            return max(1.0, min(recent) + self._window - now)
        self._store.put(Item(pk, _time_key(now, uuid.uuid4().hex[:8]), {}, expires_at=int(now + self._window) + 1))
        return None


def handoff_scope(platform: str) -> str:
    """The rate-limit scope (VisitorLimits) of one platform's hand-offs to maintainers, per asker."""
    return f"handoff#{platform}"


class _Kept:
    """A repository of Store items that expire: its store, its clock and how long an item is kept
    (`TTL_SECONDS` unless given)."""

    TTL_SECONDS = 90 * 24 * 3600

    def __init__(self, store: Store, clock: Callable[[], float] = time.time, ttl_seconds: int | None = None
                 ) -> None:
        self._store = store
        self._clock = clock
        self._ttl = self.TTL_SECONDS if ttl_seconds is None else ttl_seconds


class _KeptPerAccount(_Kept):
    """One partition per platform account (or channel): `PREFIX` + `platform:id`."""

    PREFIX = ""

    @classmethod
    def partition(cls, platform: str, key: str) -> str:
        return f"{cls.PREFIX}{platform}:{key}"


class HandOffPosts(_KeptPerAccount):
    """Hand-off posts in a maintainers' channel, by the platform's message id, with the asker's event: a
    maintainer's reply under one goes back to the asker. Kept as long as a thread's memory."""

    PREFIX = "handoff-post#"
    TTL_SECONDS = 90 * 24 * 3600

    def keep(self, platform: str, channel: str, message_id: str, asker: InboundEvent) -> None:
        self._store.put(Item(self.partition(platform, channel), message_id,
                             data={"event": asker.model_dump(mode="json")}, expires_at=int(self._clock()) + self._ttl))

    def find(self, platform: str, channel: str, message_id: str) -> InboundEvent | None:
        item = self._store.get(self.partition(platform, channel), message_id) if message_id else None
        return InboundEvent.model_validate(item.data["event"]) if item is not None else None

    def add_answer(self, platform: str, channel: str, message_id: str, answer: dict[str, Any]) -> list[dict[str, Any]]:
        """Keep a maintainer's answer with the post; returns every answer kept so far, oldest first."""
        item = self._store.get(self.partition(platform, channel), message_id)
        if item is None:
            return [answer]
        answers = [*(item.data.get("answers") or []), answer]
        self._store.put(Item(item.pk, item.sk, {**item.data, "answers": answers}, item.expires_at))
        return answers


class SlackInstallations:
    """Bot tokens of the workspaces that installed the app through OAuth."""

    PK = "slack#installations"

    def __init__(self, store: Store) -> None:
        self._store = store

    def save(self, team: str, data: dict[str, Any]) -> None:
        self._store.put(Item(self.PK, team, data))

    def get(self, team: str) -> dict[str, Any] | None:
        item = self._store.get(self.PK, team)
        return item.data if item else None

    def bot_token(self, team: str) -> str | None:
        data = self.get(team)
        return str(data.get("bot_token") or "") or None if data else None

    def forget(self, team: str) -> None:
        self._store.delete(self.PK, team)


class ThreadMemory(_Kept):
    """The turns of one conversation (questions and answers), for follow-up questions.

    One memory for every caller: the worker (platform threads), the API and the CLI (`--thread`).
    """

    TTL_SECONDS = 90 * 24 * 3600

    def history(self, thread: str, limit: int = 20) -> list[ChatMessage]:
        items = self._store.query(f"thread#{thread}", limit=limit, newest_first=True)
        items.sort(key=lambda item: item.sk)
        return [ChatMessage(role=item.data["role"], content=str(item.data.get("text", "")))
                for item in items if item.data.get("role") in ("user", "assistant")]

    def remember(self, thread: str, turn: str, at: float, role: Literal["user", "assistant"], text: str,
                 message_id: str = "", actor: str | None = None) -> None:
        # The sort key comes from the turn, so remembering the same turn twice overwrites it; a
        # question sorts before its answer.
        order = "1" if role == "user" else "2"
        self._store.put(Item(
            pk=f"thread#{thread}",
            sk=f"{_time_key(at, turn)}#{order}",
            data={"role": role, "text": text, "message_id": message_id, "actor": actor},
            expires_at=int(self._clock()) + self._ttl,
        ))

    def has_turns(self, thread: str) -> bool:
        return bool(self._store.query(f"thread#{thread}", limit=1))

    def turns_of(self, thread: str, actor: str, limit: int) -> list[ChatMessage]:
        """The last `limit` messages of one person's exchanges in a thread: their questions and the answers
        to them (a shared thread's other voices left out)."""
        items = sorted(self._store.query(f"thread#{thread}", limit=100, newest_first=True), key=lambda item: item.sk)
        theirs = {item.sk[:-2] for item in items if item.data.get("role") == "user" and item.data.get("actor") == actor}
        return [ChatMessage(role=item.data["role"], content=str(item.data.get("text", "")))
                for item in items if item.sk[:-2] in theirs and item.data.get("role") in ("user", "assistant")
                ][-limit:]


class AccountThreads(_KeptPerAccount):
    """Where each account last talked to the assistant: one pointer per conversation (its memory key, the
    name the account's turns carry there, when), kept a few days. Once accounts are linked, a new conversation
    on one of them starts from the person's latest one on another (`ThreadMemory.turns_of`); the turns stay
    in their threads. Keyed by account, so conversations from before the link count too."""

    PREFIX = "account-threads#"
    TTL_SECONDS = 3 * 24 * 3600

    def note(self, platform: str, user: str, thread: str, actor: str, at: float) -> None:
        self._store.put(Item(self.partition(platform, user), AnsweredThreads.key(thread),
                             {"thread": thread, "actor": actor, "at": at},
                             expires_at=int(self._clock()) + self._ttl))

    def latest(self, accounts: list[tuple[str, str]], limit: int = 1) -> list[tuple[str, str]]:
        """(thread, actor) of the newest conversations of these accounts within the last few days."""
        since = self._clock() - self._ttl
        found = [item.data for platform, user in accounts
                 for item in self._store.query(self.partition(platform, user), limit=50)]
        found = sorted((data for data in found if float(data.get("at") or 0) >= since),
                       key=lambda data: float(data.get("at") or 0), reverse=True)
        return [(str(data["thread"]), str(data.get("actor") or "")) for data in found[:limit]]


class AnsweredThreads:
    """Conversations the assistant answered with confidence, one per thread: the opening question, where
    it was asked, a link to it and how people voted, so a later question like it can point there.

    The sort key is a hash of the conversation key: the key can carry a person's id (a Discord thread
    is per asker), the hash does not. Kept as long as the conversation's memory.
    """

    def __init__(self, store: Store, clock: Callable[[], float] = time.time,
                 ttl_seconds: int = 90 * 24 * 3600) -> None:
        self._store = store
        self._clock = clock
        self._ttl = ttl_seconds

    @staticmethod
    def partition(platform: str) -> str:
        return f"answered#{platform}"

    @staticmethod
    def key(conversation: str) -> str:
        return hashlib.sha256(conversation.encode()).hexdigest()[:24]

    def keep(self, event: InboundEvent, place: str, question: str) -> bool:
        """The thread's first confident answer; later ones in the same thread keep the opening question."""
        return self._store.put_if_absent(Item(
            self.partition(event.platform), self.key(conversation_key(event)),
            data={"place": place, "question": question[:1000], "link": event.reply_to.link,
                  "actor": event.actor.id if event.actor else None, "at": event.received_at, "up": 0, "down": 0},
            expires_at=int(self._clock()) + self._ttl))

    def vote(self, platform: str, conversation: str, vote: Literal["up", "down"]) -> None:
        item = self._store.get(self.partition(platform), self.key(conversation))
        if item is not None:
            data = {**item.data, vote: int(item.data.get(vote) or 0) + 1}
            self._store.put(Item(item.pk, item.sk, data, item.expires_at))

    def all(self, platform: str, limit: int = 5000) -> list[Item]:
        return self._store.query(self.partition(platform), limit=limit)


def conversation_key(event: InboundEvent) -> str:
    """The memory key of the conversation an event belongs to."""
    return f"{event.platform}#{event.thread}"



class CommitLog:
    """The repository's history as the health metrics need it: who changed which paths, when
    (loaded by `devrel backfill` from a clone's git log)."""

    def __init__(self, store: Store) -> None:
        self._store = store

    def add(self, repository: str, sha: str, author: str, at: float, files: dict[str, int]) -> None:
        # The 300 largest changes are enough to attribute areas; a vendoring commit can touch thousands.
        largest = dict(sorted(files.items(), key=lambda kv: -kv[1])[:300])
        self._store.put(Item(pk=f"commits#{repository}", sk=_time_key(at, sha),
                             data={"author": author, "files": largest}))

    def since(self, repository: str, since: float, limit: int = 100_000
              ) -> Iterator[tuple[str, str, float, dict[str, int]]]:
        """(sha, author, at, files) newest first."""
        for item in self._store.query(f"commits#{repository}", limit=limit, newest_first=True):
            at = _time_of(item.sk)
            if at < since:
                return
            yield item.sk.split("#", 1)[1], str(item.data.get("author") or ""), at, dict(item.data.get("files") or {})


class DocsGaps(_Kept):
    """Questions the assistant could not answer confidently, with the pages closest to them."""

    PK = "docs-gaps"

    TTL_SECONDS = 180 * 24 * 3600

    def keep(self, question: str, pages: list[str], run: str) -> None:
        now = self._clock()
        self._store.put(Item(self.PK, _time_key(now, run), {"question": question[:1000], "pages": pages[:5]},
                             int(now) + self._ttl))

    def latest(self, limit: int = 500) -> list[dict[str, Any]]:
        return [{**item.data, "at": _time_of(item.sk)} for item in self._store.query(self.PK, limit=limit,
                                                                                        newest_first=True)]


class ReviewMemory:
    """Per pull request: the findings already posted (so a new push gets only new ones) and the
    summary comment edited in place; per repository: the sizes of changes reviewed (the size norm)."""

    def __init__(self, store: Store, ttl_seconds: int = 400 * 24 * 3600) -> None:
        self._store = store
        self._ttl = ttl_seconds

    @staticmethod
    def _key(repository: str, number: int) -> tuple[str, str]:
        return f"review#{repository}", f"{number:010d}"

    def get(self, repository: str, number: int) -> dict[str, Any]:
        item = self._store.get(*self._key(repository, number))
        return dict(item.data) if item else {}

    def save(self, repository: str, number: int, at: float, summary_comment_id: str | None,
             fingerprints: list[str], head_sha: str) -> None:
        # The newest 500 are plenty: a pull request with more findings than that has other problems.
        self._store.put(Item(*self._key(repository, number),
                             {"summary_comment_id": summary_comment_id, "fingerprints": fingerprints[-500:],
                              "head_sha": head_sha, "at": at}, expires_at=int(at) + self._ttl))

    def add_size(self, repository: str, number: int, at: float, lines: int, files: int) -> None:
        self._store.put(Item(f"review-sizes#{repository}", f"{number:010d}", {"lines": lines, "files": files},
                             expires_at=int(at) + self._ttl))

    def sizes(self, repository: str, limit: int = 200) -> list[tuple[int, int]]:
        return [(int(item.data.get("lines") or 0), int(item.data.get("files") or 0))
                for item in self._store.query(f"review-sizes#{repository}", limit=limit, newest_first=True)]


# --- People across platforms: linked accounts, profiles, link codes ----------------------------------

Account = tuple[str, str]  # (platform, the platform's user id)
LINK_CODE_SECONDS = 600


def _hashed(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def people_scope(platform: str) -> str:
    """The rate-limit scope (VisitorLimits) of one platform's self-service requests, per person."""
    return f"people#{platform}"


class People:
    """Who is who across platforms. An account belongs to a person only once the person proved both
    accounts are theirs: a one-time code issued to one account and posted from the other (never a
    matching name). The person record holds the profile and the list of their accounts.

    `account#<platform>` / user id -> the person's id; `person#<id>` / `profile` -> accounts and profile;
    `link-codes` / a hash of the code -> the account it was issued to, until it expires or is used.
    """

    LINK_CODES = "link-codes"
    USED_CODES = "link-codes-used"
    PENDING_FORGET = "forget-requests"

    def __init__(self, store: Store, clock: Callable[[], float] = time.time) -> None:
        self._store = store
        self._clock = clock

    def person_of(self, platform: str, user: str) -> str | None:
        item = self._store.get(f"account#{platform}", user)
        return str(item.data["person"]) if item and item.data.get("person") else None

    def _record(self, person: str) -> dict[str, Any]:
        item = self._store.get(f"person#{person}", "profile")
        return dict(item.data) if item else {}

    def accounts(self, platform: str, user: str) -> list[Account]:
        """Every account linked to this one, itself first."""
        person = self.person_of(platform, user)
        linked = [tuple(a.split(":", 1)) for a in self._record(person).get("accounts", [])] if person else []
        return [(platform, user), *[(p, u) for p, u in linked if (p, u) != (platform, user)]]

    def profile(self, platform: str, user: str) -> dict[str, str]:
        person = self.person_of(platform, user)
        record = self._record(person) if person else {}
        return {key: str(value) for key, value in record.get("profile", {}).items() if value}

    def save_profile(self, platform: str, user: str, changes: dict[str, str]) -> dict[str, str]:
        """Set (or, with "", clear) profile fields of their person, made on first use; the profile after."""
        person = self._person_for(platform, user)
        record = self._record(person)
        profile = {k: v for k, v in {**record.get("profile", {}), **changes}.items() if v}
        self._store.put(Item(f"person#{person}", "profile", {**record, "profile": profile}))
        return profile

    def _person_for(self, platform: str, user: str) -> str:
        person = self.person_of(platform, user)
        if person is None:
            person = uuid.uuid4().hex
            self._store.put(Item(f"person#{person}", "profile", {"accounts": [f"{platform}:{user}"], "profile": {}}))
            self._store.put(Item(f"account#{platform}", user, {"person": person}))
        return person

    def link(self, first: Account, second: Account) -> list[Account]:
        """One person for both accounts (and whatever each was already linked to); the first one's
        profile values win where both have one. Returns the person's accounts."""
        keep = self._person_for(*first)
        other = self.person_of(*second)
        record, merged = self._record(keep), {}
        if other is not None and other != keep:
            merged = self._record(other)
            self._store.delete(f"person#{other}", "profile")
        accounts = list(dict.fromkeys([*record.get("accounts", []), *merged.get("accounts", []),
                                       f"{second[0]}:{second[1]}"]))
        profile = {**merged.get("profile", {}), **record.get("profile", {})}
        self._store.put(Item(f"person#{keep}", "profile", {**record, "accounts": accounts, "profile": profile}))
        for account in accounts:
            platform, user = account.split(":", 1)
            self._store.put(Item(f"account#{platform}", user, {"person": keep}))
        return [(a.split(":", 1)[0], a.split(":", 1)[1]) for a in accounts]

    def persons_on(self, platform: str, limit: int = 100_000) -> dict[str, str]:
        """Every linked account on `platform`: its user id -> the person's id (one query)."""
        return {item.sk: str(item.data["person"]) for item in self._store.query(f"account#{platform}", limit=limit)
                if item.data.get("person")}

    def issue_code(self, platform: str, user: str, digest: str) -> None:
        """Keep a code, by its digest (person_commands.code_digest: the Store never holds the code), for
        LINK_CODE_SECONDS, for this account."""
        self._store.put(Item(self.LINK_CODES, digest, {"platform": platform, "id": user},
                             expires_at=int(self._clock()) + LINK_CODE_SECONDS))

    def redeem_code(self, digest: str, platform: str, user: str) -> Account | None:
        """The account the code of `digest` was issued to, if it is live, unused and from another platform;
        it is then used up (one conditional write decides between two posts of it). None otherwise."""
        key = digest
        item = self._store.get(self.LINK_CODES, key)
        if item is None or (item.expires_at is not None and item.expires_at <= self._clock()):
            return None
        issued = (str(item.data.get("platform")), str(item.data.get("id")))
        if issued[0] == platform:
            return None  # the other account must be on another platform (and is never this one)
        if not self._store.put_if_absent(Item(self.USED_CODES, key, {}, item.expires_at)):
            return None
        self._store.delete(self.LINK_CODES, key)
        return issued

    def ask_to_forget(self, platform: str, user: str, seconds: int) -> None:
        self._store.put(Item(self.PENDING_FORGET, _hashed(f"{platform}:{user}"), {},
                             expires_at=int(self._clock()) + seconds))

    def take_forget_request(self, platform: str, user: str) -> bool:
        """Whether they asked to be forgotten within the last few minutes (the request is used up)."""
        key = _hashed(f"{platform}:{user}")
        if self._store.get(self.PENDING_FORGET, key) is None:
            return False
        self._store.delete(self.PENDING_FORGET, key)
        return True


class Contributions(_KeptPerAccount):
    """What a person did on GitHub that their interests are inferred from (usecases/interests.py): per pull
    request they opened, the paths it changed and whether it was merged; per issue they opened, its labels.

    One partition per account, so a person's contributions are one query and go with them on forget-me;
    `contribution-author#<repository>` / number -> the author, because the later events about an issue or
    pull request (a label added, the review's file list) name who acted, not who opened it.
    """

    PREFIX = "contributions#"
    AUTHORS = "contribution-author#"
    # The paths a pull request changed, enough to see where it went (a vendoring one can touch thousands).
    MAX_PATHS = 300
    TTL_SECONDS = 400 * 24 * 3600

    @classmethod
    def authors(cls, repository: str) -> str:
        return f"{cls.AUTHORS}{repository}"

    @staticmethod
    def _key(repository: str, number: int) -> str:
        return f"{repository}#{number:010d}"

    def opened(self, user: str, repository: str, number: int, kind: Literal["pull_request", "issue"],
               labels: list[str] | None = None) -> None:
        """They opened an issue or pull request (a redelivery keeps what was learnt about it since)."""
        self._save(user, repository, number, kind, {"labels": labels} if labels else {})

    def author_of(self, repository: str, number: int) -> str | None:
        item = self._store.get(self.authors(repository), f"{number:010d}")
        return str(item.data["id"]) if item and item.data.get("id") else None

    def update(self, repository: str, number: int, *, labels: list[str] | None = None,
               paths: list[str] | None = None, merged_by_author: str | None = None) -> bool:
        """What is now known about an issue or pull request: its labels, the paths it changed, or (with its
        author, which the merge event names) that it was merged. False when its author is not known."""
        author = merged_by_author or self.author_of(repository, number)
        if author is None:
            return False
        changes: dict[str, Any] = {}
        if labels is not None:
            changes["labels"] = labels[:50]
        if paths is not None:
            changes["paths"] = paths[:self.MAX_PATHS]
        if merged_by_author:
            changes["merged"] = True
        self._save(author, repository, number, "pull_request", changes)
        return True

    def _save(self, user: str, repository: str, number: int, kind: str, changes: dict[str, Any]) -> None:
        pk, sk = self.partition("github", user), self._key(repository, number)
        known = self._store.get(pk, sk)
        data = dict(known.data) if known else {"kind": kind, "repository": repository, "number": number,
                                                "at": self._clock()}
        expires = int(self._clock()) + self._ttl
        self._store.put(Item(pk, sk, {**data, **changes}, expires))
        self._store.put(Item(self.authors(repository), f"{number:010d}", {"platform": "github", "id": user},
                             expires))

    def of(self, platform: str, user: str, limit: int = 1000) -> list[dict[str, Any]]:
        """One account's contributions, newest first by key order within a repository."""
        return [dict(item.data) for item in self._store.query(self.partition(platform, user), limit=limit,
                                                               newest_first=True)]


# --- One person's records: export and forget-me ------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """Someone on one platform: their user id there, and the names that id was seen with."""

    platform: Platform
    id: str
    names: frozenset[str] = frozenset()

    def is_them(self, value: object) -> bool:
        """The value is their id or one of their names (logins compare case-insensitively)."""
        return isinstance(value, str) and bool(value) and (
            value == self.id or value.lower() in {name.lower() for name in self.names})

    def _pattern(self) -> re.Pattern[str] | None:
        # In free text a short number is not them ("42" is also an issue number): only ids that can be
        # told apart (Slack's U0..., Telegram's and GitHub's long numbers) and names are matched there.
        tokens = [name for name in self.names if len(name) >= 2]
        if len(self.id) >= 5 or not self.id.isdigit():
            tokens.append(self.id)
        if not tokens:
            return None
        alternatives = "|".join(re.escape(token) for token in sorted(tokens, key=len, reverse=True))
        return re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![A-Za-z0-9])", re.IGNORECASE)

    def mentioned_in(self, text: str) -> bool:
        pattern = self._pattern()
        return bool(pattern and pattern.search(text))

    def redacted(self, value: Any, alias: str) -> Any:
        """`value` (JSON) with every mention of them replaced by `alias`."""
        pattern = self._pattern()
        if pattern is None:
            return value
        if isinstance(value, str):
            return pattern.sub(alias, value)
        if isinstance(value, list):
            return [self.redacted(element, alias) for element in value]
        if isinstance(value, dict):
            return {key: self.redacted(element, alias) for key, element in value.items()}
        return value


@dataclass(frozen=True)
class Finding:
    """One record about a person: what it is, and what forget-me does with it (None: delete it)."""

    family: str
    item: Item
    replacement: Item | None


class PersonalData:
    """Every record about one person across the store, for `devrel export` and `devrel forget`.

    What identifies them is deleted (what they said to the assistant, their onboarding, questions
    kept for maintainers); records that aggregates count (the event log, votes, the activity log,
    commit authorship) keep their shape with the person replaced by one random alias, so counts of
    events and of distinct people stay right and nothing leads back to them. The whole table is read,
    expired items included: an expired item is still on disk until the backend removes it.
    """

    def __init__(self, store: Store) -> None:
        self._store = store

    def person(self, platform: Platform, person_id: str, names: frozenset[str] = frozenset()) -> Person:
        """The person with every name their id was seen with on that platform."""
        seen = set(names)
        for item in self._store.scan():
            data = item.data
            if item.pk == f"events#{platform}" and data.get("actor_id") == person_id and data.get("actor"):
                seen.add(str(data["actor"]))
            elif item.pk == f"onboarded#{platform}" and item.sk == person_id and data.get("name"):
                seen.add(str(data["name"]))
        return Person(platform, person_id, frozenset(name for name in seen if name and name != person_id))

    def linked(self, platform: Platform, person_id: str, names: frozenset[str] = frozenset()) -> list[Person]:
        """The person on every account they linked to this one (People), this one first: forget-me and
        export act on all of them."""
        accounts = People(self._store).accounts(platform, person_id)
        return [self.person(platform, person_id, names),
                *(self.person(other, user) for other, user in accounts[1:] if other in PLATFORMS)]  # type: ignore[arg-type]

    def find(self, person: Person, alias: str) -> Iterator[Finding]:
        for item in self._store.scan():
            found = _about(item, person, alias)
            if found is not None:
                yield found

    def export(self, person: Person, linked: tuple[Person, ...] = ()) -> dict[str, Any]:
        """Their records, and those of the accounts they linked to this one (each record once)."""
        records: dict[str, list[dict[str, Any]]] = {}
        seen: set[tuple[str, str]] = set()
        for who in (person, *linked):
            for found in self.find(who, alias=""):
                item = found.item
                if (item.pk, item.sk) not in seen:
                    seen.add((item.pk, item.sk))
                    records.setdefault(found.family, []).append({"key": f"{item.pk} {item.sk}", "data": item.data})
        return {"person": f"{person.platform}:{person.id}", "names": sorted(person.names),
                **({"linked": [f"{who.platform}:{who.id}" for who in linked]} if linked else {}), "records": records}

    def forget(self, person: Person) -> dict[str, int]:
        """Delete or anonymise every record about them; returns how many of each were touched."""
        alias = f"forgotten-{uuid.uuid4().hex[:12]}"
        findings = list(self.find(person, alias))
        doomed = {(found.item.pk, found.item.sk) for found in findings if found.replacement is None}
        # The assistant's answer to a question of theirs goes with it (it quotes or answers them).
        doomed |= {(pk, sk[:-1] + "2") for pk, sk in list(doomed) if pk.startswith("thread#") and sk.endswith("#1")
                   and self._store.get(pk, sk[:-1] + "2") is not None}
        for pk, sk in sorted(doomed):
            self._store.delete(pk, sk)
        anonymised = 0
        for found in findings:
            item, replacement = found.item, found.replacement
            if replacement is None or (item.pk, item.sk) in doomed:
                continue
            self._store.put(replacement)
            if (replacement.pk, replacement.sk) != (item.pk, item.sk):
                self._store.delete(item.pk, item.sk)
            anonymised += 1
        return {"deleted": len(doomed), "anonymised": anonymised}


def _about(item: Item, person: Person, alias: str) -> Finding | None:
    """Whether `item` is about `person`, and what forgetting them makes of it."""
    pk, data, platform = item.pk, item.data, person.platform

    def anonymised(family: str, fields: dict[str, Any] | None = None, key: tuple[str, str] | None = None
                   ) -> Finding:
        new_data = person.redacted({**data, **(fields or {})}, alias)
        # Keys can hold them too (a delivery id, a login): the record moves to the redacted key.
        new_pk, new_sk = key or (person.redacted(pk, alias), person.redacted(item.sk, alias))
        return Finding(family, item, Item(new_pk, new_sk, new_data, item.expires_at))

    everything = json.dumps([pk, item.sk, data], ensure_ascii=False)
    if pk == f"events#{platform}":
        if data.get("actor_id") == person.id or (not data.get("actor_id") and person.is_them(data.get("actor"))):
            return anonymised("events", {"actor": alias, "actor_id": alias})
    elif pk.startswith(f"thread#{platform}#"):
        # A conversation whose key is theirs (a direct message, a private chat) goes whole; in a shared
        # one, their turns (and the answers to them, see forget).
        if person.mentioned_in(pk) or (data.get("role") == "user" and person.is_them(data.get("actor"))):
            return Finding("conversations", item, None)
    elif pk == AnsweredThreads.partition(platform):
        # The question they asked, kept to point later askers to its thread: it goes with them.
        if data.get("actor") == person.id or person.mentioned_in(everything):
            return Finding("conversations", item, None)
    elif pk == f"feedback#{platform}":
        if person.is_them(data.get("actor")):
            return anonymised("feedback", {"actor": alias})
    elif pk == f"unanswered#{platform}":
        actor = (data.get("event") or {}).get("actor") or {}
        if actor.get("id") == person.id or person.mentioned_in(everything):
            return Finding("unanswered questions", item, None)
    elif pk == f"onboarded#{platform}":
        if item.sk == person.id:
            return Finding("onboarding", item, None)
    elif platform == "github" and pk.startswith(("merged-by#github:", "congratulated#github:")):
        if item.sk == person.id:
            return Finding("contributions", item, None)  # their merged pull requests, and the thanks for one
    elif pk.startswith(HandOffPosts.PREFIX):
        actor = (data.get("event") or {}).get("actor") or {}
        if ((data.get("event") or {}).get("platform"), actor.get("id")) == (platform, person.id):
            return Finding("hand-offs", item, None)  # their question, posted for the maintainers
    elif pk == VisitorLimits.partition(handoff_scope(platform), person.id):
        return Finding("rate limits", item, None)  # their hand-off requests (keyed by a hash of their id)
    elif pk == AccountThreads.partition(platform, person.id):
        return Finding("conversations", item, None)  # where they talked lately (pointers to their threads)
    elif pk == Contributions.partition(platform, person.id):
        return Finding("contributions", item, None)  # their issues and pull requests, for inferred interests
    elif pk.startswith(Contributions.AUTHORS):
        if (data.get("platform"), data.get("id")) == (platform, person.id):
            return Finding("contributions", item, None)  # that they opened one (the pointer to its record)
    elif pk == f"account#{platform}":
        if item.sk == person.id:
            return Finding("links", item, None)
    elif pk == People.LINK_CODES:
        if (data.get("platform"), data.get("id")) == (platform, person.id):
            return Finding("links", item, None)  # a code they asked for and never used
    elif pk.startswith("person#"):
        if f"{platform}:{person.id}" in (data.get("accounts") or []):
            return Finding("profile", item, None)  # the person record: their profile and linked accounts
    elif pk == People.PENDING_FORGET or pk == VisitorLimits.partition(people_scope(platform), person.id):
        if pk != People.PENDING_FORGET or item.sk == _hashed(f"{platform}:{person.id}"):
            return Finding("rate limits", item, None)
    elif pk == "onboarding-failures":
        contributor = data.get("contributor") or {}
        if contributor.get("platform") == platform and contributor.get("id") == person.id:
            return Finding("onboarding", item, None)
    elif pk.startswith("activity#"):
        run = str(data.get("run") or "")
        own_run = run.startswith(f"onboarding-{platform}-{person.id}-")
        if data.get("platform") == platform and (own_run or person.mentioned_in(everything)):
            fields = {"run": f"onboarding-{platform}-{alias}"} if own_run else {}
            return anonymised("activity", fields)
    elif platform == "github" and pk.startswith("commits#"):
        if person.is_them(data.get("author")):
            return anonymised("commits", {"author": alias})
    elif platform == "github" and pk.startswith("assigned#"):
        if person.is_them(pk.split("#", 1)[1]):
            return anonymised("assignments", key=(f"assigned#{alias}", item.sk))
    elif platform == "github" and pk.startswith("assignees#") and any(
            person.is_them(login) for login in data.get("assignees") or []):
        return anonymised("assignments", {"assignees": [alias if person.is_them(login) else login
                                                            for login in data.get("assignees") or []]})
    if person.mentioned_in(everything) and (pk.endswith(f"#{platform}") or pk.startswith(f"thread#{platform}#")
                                            or pk == Digests.PK):
        return anonymised("other mentions")  # the safety net: a mention the rules above did not expect
    return None
