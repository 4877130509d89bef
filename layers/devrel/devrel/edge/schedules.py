"""EventBridge schedule expressions (rate and cron) and the scheduled-event payload."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from croniter import croniter

_RATE = re.compile(r"rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)")
_CRON = re.compile(r"cron\((.+)\)")
_UNIT_SECONDS = {"minute": 60, "hour": 3600, "day": 86400}


class ScheduleExpressionError(ValueError):
    pass


class Schedule:
    """Next fire times of one EventBridge expression, in UTC."""

    def __init__(self, expression: str) -> None:
        self.expression = expression.strip()
        self._interval: timedelta | None = None
        self._cron: str | None = None
        self._years: set[int] | None = None
        rate = _RATE.fullmatch(self.expression)
        cron = _CRON.fullmatch(self.expression)
        if rate:
            value, unit = int(rate.group(1)), rate.group(2).rstrip("s")
            if value <= 0:
                raise ScheduleExpressionError(f"rate must be positive: {expression}")
            if (value == 1) != (rate.group(2) == unit):
                raise ScheduleExpressionError(f"use singular unit only with 1: {expression}")
            self._interval = timedelta(seconds=value * _UNIT_SECONDS[unit])
        elif cron:
            self._cron, self._years = _to_croniter(cron.group(1))
        else:
            raise ScheduleExpressionError(f"not a rate() or cron() expression: {expression}")

    def next_after(self, moment: datetime) -> datetime:
        if self._interval is not None:
            return moment + self._interval
        assert self._cron is not None
        it = croniter(self._cron, moment)
        for _ in range(10_000):
            candidate: datetime = it.get_next(datetime)
            if self._years is None or candidate.year in self._years:
                return candidate
        raise ScheduleExpressionError(f"{self.expression} never fires")


def _to_croniter(fields_text: str) -> tuple[str, set[int] | None]:
    fields = fields_text.split()
    if len(fields) != 6:
        raise ScheduleExpressionError(f"AWS cron needs 6 fields, got {len(fields)}: {fields_text}")
    minutes, hours, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise ScheduleExpressionError("exactly one of day-of-month and day-of-week must be '?'")
    dom = "*" if dom == "?" else dom
    # AWS numbers days of the week 1-7 from Sunday; croniter uses 0-6.
    dow = "*" if dow == "?" else re.sub(r"\d+", lambda m: str((int(m.group()) - 1) % 7), dow)
    years: set[int] | None = None
    if year not in ("*", "?"):
        years = set()
        for part in year.split(","):
            low, _, high = part.partition("-")
            years.update(range(int(low), int(high or low) + 1))
    expression = f"{minutes} {hours} {dom} {month} {dow}"
    if not croniter.is_valid(expression):
        raise ScheduleExpressionError(f"invalid cron fields: {fields_text}")
    return expression, years


def scheduled_event(rule_name: str, moment: datetime, detail: Any = None) -> dict[str, Any]:
    """The event EventBridge delivers to a Lambda target for a scheduled rule."""
    if detail is not None:
        return detail  # a rule with a constant Input delivers exactly that input
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "000000000000",
        "time": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": "local",
        "resources": [f"arn:aws:events:local:000000000000:rule/{rule_name}"],
        "detail": {},
    }
