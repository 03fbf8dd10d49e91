"""Schedules: parsing, the latest period begun, and the next start (in the bridge's zone)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from decidim_bridge.schedule import next_start, parse, period_start

AMS = ZoneInfo("Europe/Amsterdam")


def at(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=AMS).timestamp()


@pytest.mark.parametrize(
    ("text", "now", "start", "following"),
    [
        ("daily@03:00", "2026-03-10 02:59", "2026-03-09 03:00", "2026-03-10 03:00"),
        ("daily@03:00", "2026-03-10 03:00", "2026-03-10 03:00", "2026-03-11 03:00"),
        # Across the change to summer time (29 March 2026), still 03:00 local time.
        ("daily@03:00", "2026-03-29 12:00", "2026-03-29 03:00", "2026-03-30 03:00"),
        ("monthly@06:00", "2026-03-01 05:00", "2026-02-01 06:00", "2026-03-01 06:00"),
        ("monthly@06:00", "2026-12-15 00:00", "2026-12-01 06:00", "2027-01-01 06:00"),
        ("hourly", "2026-03-10 10:30", "2026-03-10 10:00", "2026-03-10 11:00"),
        ("15m", "2026-03-10 10:31", "2026-03-10 10:30", "2026-03-10 10:45"),
    ],
)
def test_periods_and_next_starts(text, now, start, following):
    schedule = parse(text)
    assert period_start(schedule, at(now), AMS) == at(start)
    assert next_start(schedule, at(now), AMS) == at(following)


def test_off_has_no_period():
    assert period_start(parse("off"), at("2026-03-10 10:00"), AMS) is None
    assert next_start(parse("off"), at("2026-03-10 10:00"), AMS) is None


@pytest.mark.parametrize("text", ["daily", "daily@25:00", "weekly", "0s", "5x", ""])
def test_bad_schedules_are_refused(text):
    with pytest.raises(ValueError):
        parse(text)
