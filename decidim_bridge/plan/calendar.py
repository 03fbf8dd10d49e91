"""Working days in the municipality: weekends, public holidays and closing days excluded.

Public holidays come from the ``holidays`` library (kept up to date by its maintainers,
including Koningsdag moving to the 26th when the 27th is a Sunday); the municipality may
ignore some (most town halls work on Good Friday) and adds its own closing days. Counting
starts the day after ``start``: "within 5 working days" of a Friday is the next Friday.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

from decidim_bridge.rules.model import CalendarRules, Mappings

_MAX_DAYS = 3660  # no promise reaches further than ten years
_MEMO_LIMIT = 50_000


class WorkCalendar:
    """Answers "is this a working day?" and "which date is N working days later?"."""

    def __init__(self, rules: CalendarRules) -> None:
        self.rules = rules
        self.zone = ZoneInfo(rules.timezone)
        self._closed: dict[int, dict[date, str]] = {}
        self._ignored = set(rules.ignore_holidays)
        self._added: dict[tuple[date, int], date] = {}
        self._off: dict[tuple[date, date], list[tuple[date, str]]] = {}

    def _year(self, year: int) -> dict[date, str]:
        closed = self._closed.get(year)
        if closed is None:
            closed = {}
            public = holidays.country_holidays(
                self.rules.country,
                subdiv=self.rules.subdivision,
                years=year,
                language="nl" if self.rules.country == "NL" else None,
            )
            for day, name in public.items():
                names = [n for n in name.split("; ") if n not in self._ignored]
                if names:
                    closed[day] = "; ".join(names)
            for period in self.rules.closing_days:
                day = max(period.start, date(year, 1, 1))
                while day <= period.end and day.year == year:
                    closed.setdefault(day, period.name)
                    day += timedelta(days=1)
            self._closed[year] = closed
        return closed

    def closed_reason(self, day: date) -> str | None:
        """Why ``day`` is not a working day (holiday or closing day name, "weekend"), or None."""
        name = self._year(day.year).get(day)
        if name:
            return name
        if day.weekday() >= 5:
            return "weekend"
        return None

    def is_working_day(self, day: date) -> bool:
        return day.weekday() < 5 and day not in self._year(day.year)

    def add_working_days(self, start: date, days: int) -> date:
        """The ``days``-th working day after ``start`` (``start`` itself never counts)."""
        key = (start, days)
        found = self._added.get(key)
        if found is None:
            if len(self._added) >= _MEMO_LIMIT:
                self._added.clear()
            found = self._added[key] = self._count_forward(start, days)
        return found

    def _count_forward(self, start: date, days: int) -> date:
        day, counted = start, 0
        for _ in range(_MAX_DAYS):
            if counted >= days:
                return day
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        raise ValueError(f"no {days} working days after {start} within ten years")

    def days_off_between(self, start: date, end: date) -> list[tuple[date, str]]:
        """Holidays and closing days (not weekends) after ``start`` up to ``end``."""
        key = (start, end)
        found = self._off.get(key)
        if found is None:
            if len(self._off) >= _MEMO_LIMIT:
                self._off.clear()
            found = self._off[key] = self._days_off(start, end)
        return list(found)

    def _days_off(self, start: date, end: date) -> list[tuple[date, str]]:
        out = []
        day = start + timedelta(days=1)
        while day <= end:
            name = self._year(day.year).get(day)
            if name and day.weekday() < 5:
                out.append((day, name))
            day += timedelta(days=1)
        return out

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
        count, day = 0, start
        while day < end:
            day += timedelta(days=1)
            if self.is_working_day(day):
                count += 1
        return count

    def local_date(self, moment: float | datetime) -> date:
        """The date in the municipality's time zone of an epoch time or aware datetime."""
        if isinstance(moment, datetime):
            if moment.tzinfo is None:
                raise ValueError("naive datetime: the time zone is unknown")
            return moment.astimezone(self.zone).date()
        return datetime.fromtimestamp(moment, self.zone).date()

    def start_of_day(self, day: date) -> float:
        """Epoch seconds of the first second of ``day`` in the municipality's time zone."""
        return datetime.combine(day, time(0, 0, 0), tzinfo=self.zone).timestamp()

    def working_days_before(self, end: date, days: int) -> date:
        """The working day ``days`` working days before ``end`` (``end`` never counts)."""
        day, counted = end, 0
        for _ in range(_MAX_DAYS):
            if counted >= days:
                return day
            day -= timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        return day

    def end_of_day(self, day: date) -> float:
        """Epoch seconds of the last second of ``day`` in the municipality's time zone."""
        return datetime.combine(day, time(23, 59, 59), tzinfo=self.zone).timestamp()


def calendar_for(mappings: Mappings) -> WorkCalendar:
    """The rules' working-day calendar, made once per loaded rule set (it memoizes dates)."""
    calendar = mappings.derived.get("calendar")
    if not isinstance(calendar, WorkCalendar):  # None: not made yet
        calendar = WorkCalendar(mappings.expectations.calendar)
        mappings.derived["calendar"] = calendar
    return calendar
