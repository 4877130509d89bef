"""The self-service commands' text, read the same on every platform: what passes, and the clear error
for what does not (answered at once, nothing queued)."""

from __future__ import annotations

import zoneinfo

import pytest

from devrel.events import PersonRequest
from devrel.platforms import person_commands
from devrel.platforms.person_commands import CommandError, hint, parse


@pytest.mark.parametrize(("name", "rest", "expected"), [
    ("forget", "", PersonRequest(action="forget")),
    ("forget", " CONFIRM ", PersonRequest(action="forget_confirm")),
    ("link", "", PersonRequest(action="link")),
    ("link", "abcd-2345", PersonRequest(action="link_redeem", code=person_commands.code_digest("ABCD2345"))),
    ("profile", "", PersonRequest(action="profile")),
    ("profile", "set language=FR interests=python, docs timezone=Europe/Paris",
     PersonRequest(action="profile_set", changes={"language": "fr", "interests": "python, docs",
                                                  "timezone": "Europe/Paris"})),
    ("profile", "set language=auto experience=", PersonRequest(action="profile_set",
                                                               changes={"language": "", "experience": ""})),
])
def test_commands_that_pass(name: str, rest: str, expected: PersonRequest) -> None:
    assert parse(name, rest) == expected


def test_a_code_is_carried_as_its_digest_only() -> None:
    request = parse("link", "abcd-2345")
    assert "ABCD2345" not in request.model_dump_json().upper()
    assert request.code == person_commands.code_digest("abcd2345") != person_commands.code_digest("ABCD2346")
    assert len(request.code) == 32


@pytest.mark.parametrize(("name", "rest", "says"), [
    ("forget", "everyone", "`confirm`"), ("forget", "confirm now", "`confirm`"),
    ("link", "0000OOOO", "8 letters"), ("link", "ABCD2345 ABCD2345", "8 letters"),
    ("profile", "<@U0BOB77>", "your own profile"), ("profile", "set", "Nothing to set"),
    ("profile", "set nonsense", "Nothing to set"), ("profile", "set role=admin", "'role' is not in a profile"),
    ("profile", "set language=english", "two-letter"), ("profile", "set experience=guru", "newcomer"),
    ("profile", "set timezone=Mars/Olympus", "IANA"), ("profile", "set timezone=../../etc/passwd", "IANA"),
    ("profile", "set interests=" + ",".join(["x"] * 11), "up to 10"),
])
def test_bad_input_is_a_clear_error(name: str, rest: str, says: str) -> None:
    with pytest.raises(CommandError, match=r".*" + says.replace("(", r"\(")):
        parse(name, rest)


def test_without_a_time_zone_database_only_the_names_shape_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    def missing(name: str) -> None:
        raise zoneinfo.ZoneInfoNotFoundError(name)

    monkeypatch.setattr(zoneinfo, "ZoneInfo", missing)
    monkeypatch.setattr(zoneinfo, "available_timezones", lambda: set())
    person_commands._has_tz_database.cache_clear()
    try:
        assert parse("profile", "set timezone=Europe/Paris").changes == {"timezone": "Europe/Paris"}
        with pytest.raises(CommandError):
            parse("profile", "set timezone=not a zone")
    finally:
        person_commands._has_tz_database.cache_clear()


def test_hints_spell_the_next_command_as_each_platform_takes_it() -> None:
    assert hint("slack", "forget", "confirm") == "/devrel forget confirm"
    assert hint("discord", "forget", "confirm") == "/devrel forget confirm:True"
    assert hint("discord", "link", "ABCD2345") == "/devrel link code:ABCD2345"
    assert hint("telegram", "link", "ABCD2345") == "/link ABCD2345"
