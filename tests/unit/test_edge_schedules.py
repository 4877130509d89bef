from __future__ import annotations

from datetime import UTC, datetime

import pytest

from devrel.edge.schedules import Schedule, ScheduleExpressionError, scheduled_event

T0 = datetime(2026, 11, 22, 10, 30, tzinfo=UTC)  # a Sunday


def test_rate_expressions() -> None:
    assert Schedule("rate(5 minutes)").next_after(T0) == datetime(2026, 11, 22, 10, 35, tzinfo=UTC)
    assert Schedule("rate(1 day)").next_after(T0) == datetime(2026, 11, 23, 10, 30, tzinfo=UTC)


def test_aws_cron_counts_weekdays_from_sunday() -> None:
    # AWS: 2 = Monday. Next Monday 09:00 after Sunday 10:30.
    assert Schedule("cron(0 9 ? * 2 *)").next_after(T0) == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert Schedule("cron(0 9 ? * MON *)").next_after(T0) == datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
    assert Schedule("cron(15 12 1 * ? *)").next_after(T0) == datetime(2026, 12, 1, 12, 15, tzinfo=UTC)


def test_cron_year_field_is_honoured() -> None:
    assert Schedule("cron(0 0 1 1 ? 2028)").next_after(T0) == datetime(2028, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("bad", ["rate(0 minutes)", "rate(2 minute)", "rate(1 minutes)", "cron(0 9 * * * *)",
                                 "cron(0 9 * *)", "every 5 minutes"])
def test_invalid_expressions_are_rejected(bad: str) -> None:
    with pytest.raises(ScheduleExpressionError):
        Schedule(bad)


def test_scheduled_event_shape() -> None:
    event = scheduled_event("Digest", T0)
    assert event["detail-type"] == "Scheduled Event" and event["source"] == "aws.events"
    assert event["time"] == "2026-11-22T10:30:00Z"
    assert scheduled_event("Digest", T0, {"k": 1}) == {"k": 1}
