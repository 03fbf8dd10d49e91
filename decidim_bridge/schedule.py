"""When a periodic job is due: schedules as configured, their periods and next starts. Pure.

A schedule divides time into periods; a job runs once per period. What is due at ``now`` is
the latest period that has begun, never the ones before it: a bridge that was down for
three days runs a daily job once when it comes back, not three times.

Spelling (``DECIDIM_BRIDGE_JOB_*``): ``off``; ``hourly``; ``daily@HH:MM`` and
``monthly@HH:MM`` (the first day of the month) in the bridge's time zone; an interval
``300s``, ``15m``, ``6h``, ``2d`` counted from the epoch.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo

_INTERVAL = re.compile(r"^(\d+)([smhd])$")
_AT = re.compile(r"^(daily|monthly)@(\d{2}):(\d{2})$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Schedule:
    text: str
    kind: str  # off | interval | daily | monthly
    seconds: float = 0.0
    hour: int = 0
    minute: int = 0

    @property
    def off(self) -> bool:
        return self.kind == "off"


def parse(text: str) -> Schedule:
    """Read a schedule; ``ValueError`` names what is wrong."""
    text = text.strip()
    if text == "off":
        return Schedule(text, "off")
    if text == "hourly":
        return Schedule(text, "interval", seconds=3600)
    match = _INTERVAL.match(text)
    if match:
        seconds = int(match.group(1)) * _UNIT[match.group(2)]
        if seconds <= 0:
            raise ValueError(f"{text!r}: an interval must be longer than 0")
        return Schedule(text, "interval", seconds=seconds)
    match = _AT.match(text)
    if match:
        hour, minute = int(match.group(2)), int(match.group(3))
        if hour > 23 or minute > 59:
            raise ValueError(f"{text!r}: no such time of day")
        return Schedule(text, match.group(1), hour=hour, minute=minute)
    raise ValueError(f"{text!r}: use off, hourly, daily@HH:MM, monthly@HH:MM or e.g. 15m")


def _at(day: date, schedule: Schedule, zone: tzinfo) -> float:
    moment = datetime(day.year, day.month, day.day, schedule.hour, schedule.minute, tzinfo=zone)
    return moment.timestamp()


def _month_before(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def _month_after(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1)


def period_start(schedule: Schedule, now: float, zone: tzinfo) -> float | None:
    """The start of the latest period that has begun at ``now`` (None when off)."""
    if schedule.kind == "off":
        return None
    if schedule.kind == "interval":
        return (now // schedule.seconds) * schedule.seconds
    today = datetime.fromtimestamp(now, zone).date()
    if schedule.kind == "daily":
        start = _at(today, schedule, zone)
        return start if start <= now else _at(today - timedelta(days=1), schedule, zone)
    first = today.replace(day=1)
    start = _at(first, schedule, zone)
    return start if start <= now else _at(_month_before(first), schedule, zone)


def next_start(schedule: Schedule, now: float, zone: tzinfo) -> float | None:
    """The start of the first period that begins after ``now`` (None when off)."""
    current = period_start(schedule, now, zone)
    if current is None:
        return None
    if schedule.kind == "interval":
        return current + schedule.seconds
    day = datetime.fromtimestamp(current, zone).date()
    following = day + timedelta(days=1) if schedule.kind == "daily" else _month_after(day)
    return _at(following, schedule, zone)
