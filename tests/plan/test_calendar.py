"""Tests for decidim_bridge.plan.calendar: Dutch working days (Koningsdag, Kerst, Hemelvaart)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from plan_support import example_mappings

from decidim_bridge.plan.calendar import WorkCalendar
from decidim_bridge.rules.model import CalendarRules


@pytest.fixture(scope="module")
def lindeburg() -> WorkCalendar:
    """The example municipality: Good Friday is a working day, own closing days."""
    return WorkCalendar(example_mappings().expectations.calendar)


@pytest.fixture(scope="module")
def national() -> WorkCalendar:
    return WorkCalendar(CalendarRules())


@pytest.mark.parametrize(
    ("start", "days", "expected", "why"),
    [
        (date(2026, 4, 24), 1, date(2026, 4, 28), "Koningsdag Monday 27 April"),
        (date(2027, 4, 26), 1, date(2027, 4, 28), "Koningsdag Tuesday 27 April"),
        (date(2025, 4, 25), 1, date(2025, 4, 28), "Koningsdag 2025 on Saturday the 26th"),
        (date(2026, 5, 13), 1, date(2026, 5, 18), "Hemelvaart 14 May + bridge day 15 May"),
        (date(2027, 5, 5), 1, date(2027, 5, 10), "Hemelvaart 6 May + bridge day 7 May"),
        (date(2026, 12, 23), 1, date(2026, 12, 24), "Christmas Eve is a working day"),
        (date(2026, 12, 23), 2, date(2027, 1, 4), "Kerst, closing week, Nieuwjaarsdag"),
        (date(2026, 4, 2), 1, date(2026, 4, 3), "Good Friday ignored by the municipality"),
        (date(2026, 4, 3), 1, date(2026, 4, 7), "Easter Monday"),
        (date(2026, 5, 4), 1, date(2026, 5, 6), "Bevrijdingsdag is a closing day"),
        (date(2026, 6, 5), 0, date(2026, 6, 5), "zero days is the same day"),
        (date(2026, 6, 5), 5, date(2026, 6, 12), "an ordinary week"),
    ],
)
def test_add_working_days(lindeburg, start, days, expected, why):
    assert lindeburg.add_working_days(start, days) == expected, why


def test_national_calendar_counts_good_friday_as_holiday(national):
    assert national.add_working_days(date(2026, 4, 2), 1) == date(2026, 4, 7)
    assert national.add_working_days(date(2026, 5, 4), 1) == date(2026, 5, 5)  # no lustrum


def test_reasons_for_closed_days(lindeburg):
    assert lindeburg.closed_reason(date(2026, 4, 27)) == "Koningsdag"
    assert lindeburg.closed_reason(date(2026, 12, 25)) == "Eerste kerstdag"
    assert lindeburg.closed_reason(date(2026, 5, 14)) == "Hemelvaartsdag"
    assert lindeburg.closed_reason(date(2026, 12, 29)) == "Kerstsluiting"
    assert lindeburg.closed_reason(date(2026, 6, 6)) == "weekend"
    assert lindeburg.closed_reason(date(2026, 4, 3)) is None  # Goede vrijdag ignored
    assert lindeburg.closed_reason(date(2026, 6, 8)) is None


def test_days_off_between_skips_weekends(lindeburg):
    days = lindeburg.days_off_between(date(2026, 4, 20), date(2026, 5, 20))
    assert [(d.isoformat(), n) for d, n in days] == [
        ("2026-04-27", "Koningsdag"),
        ("2026-05-05", "Bevrijdingsdag"),
        ("2026-05-14", "Hemelvaartsdag"),
        ("2026-05-15", "Brugdag na Hemelvaart"),
    ]


def test_working_days_between(lindeburg):
    assert lindeburg.working_days_between(date(2026, 4, 24), date(2026, 5, 4)) == 5
    assert lindeburg.working_days_between(date(2026, 5, 4), date(2026, 4, 24)) == 0


def test_local_dates_are_in_amsterdam(lindeburg):
    late_evening_utc = datetime(2026, 5, 31, 22, 30, tzinfo=UTC)
    assert lindeburg.local_date(late_evening_utc) == date(2026, 6, 1)
    assert lindeburg.local_date(late_evening_utc.timestamp()) == date(2026, 6, 1)
    with pytest.raises(ValueError):
        lindeburg.local_date(datetime(2026, 6, 1))
    end = lindeburg.end_of_day(date(2026, 6, 1))
    assert datetime.fromtimestamp(end, UTC) == datetime(2026, 6, 1, 21, 59, 59, tzinfo=UTC)
