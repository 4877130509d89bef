"""msgspec Structs where pydantic models were (devrel/structs.py): the same JSON, checks where they matter."""

from __future__ import annotations

import msgspec
import pydantic
import pytest

from devrel.events import GithubAddress, InboundEvent, IssueOpened, Question, SlackAddress
from devrel.structs import in_pydantic, validated

# An event as the pydantic models wrote it: messages queued before a deploy are read after it.
QUEUED = {
    "platform": "github", "kind": "issues", "delivery_id": "d-1",
    "intent": {"type": "issue_opened", "repository": "o/r", "number": 7, "title": "t", "body": "", "labels": ["bug"],
               "html_url": None, "first_time": True, "reactions": 2},
    "reply_to": {"platform": "github", "repository": "o/r", "number": 7, "installation_id": None, "discussion": False},
    "thread": "o/r#7", "actor": {"id": "1", "name": "octo", "is_bot": False}, "text": "t", "received_at": 1.5,
}


def test_an_event_reads_and_writes_the_json_of_the_pydantic_models() -> None:
    event = InboundEvent.model_validate(QUEUED)
    assert isinstance(event.intent, IssueOpened) and event.intent.type == "issue_opened"
    assert isinstance(event.reply_to, GithubAddress) and event.reply_to.platform == "github"
    assert event.model_dump(mode="json") == QUEUED
    assert InboundEvent.model_validate_json(event.model_dump_json()) == event


def test_constraints_are_checked_on_decoding_and_by_validated_not_on_construction() -> None:
    with pytest.raises(ValueError, match=r"\$\.intent\.reactions"):
        InboundEvent.model_validate({**QUEUED, "intent": {**QUEUED["intent"], "reactions": -1}})
    built = InboundEvent(platform="slack", kind="message", delivery_id="x" * 201, intent=Question())
    with pytest.raises(msgspec.ValidationError, match=r"length <= 200 - at `\$\.delivery_id`"):
        validated(built)
    with pytest.raises(ValueError, match="a github event cannot be answered on slack"):
        InboundEvent(platform="github", kind="issues", delivery_id="d", reply_to=SlackAddress(channel="C1"))


class _Holder(pydantic.BaseModel):
    event: in_pydantic(InboundEvent)  # type: ignore[valid-type]


def test_a_pydantic_model_holds_a_struct_through_in_pydantic() -> None:
    holder = _Holder.model_validate({"event": QUEUED})
    assert isinstance(holder.event, InboundEvent)
    assert holder.model_dump(mode="json") == {"event": QUEUED}
    with pytest.raises(pydantic.ValidationError):
        _Holder.model_validate({"event": {**QUEUED, "delivery_id": ""}})
