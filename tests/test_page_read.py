"""Tests for decidim_bridge.page_read: which day is asked for, and how far pages are walked."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from types import SimpleNamespace

from decidim_bridge.decidim.models import ProposalPage
from decidim_bridge.page_read import (
    first_moment_of,
    page_budget,
    published_since_day,
    read_by_page,
)

BURST_START = datetime(2026, 11, 28, 10, 15, tzinfo=timezone(timedelta(hours=1)))


def test_the_day_starts_before_the_publication_in_every_time_zone():
    for offset in range(-12, 15):
        zone = timezone(timedelta(hours=offset))
        for moment in (BURST_START, datetime(2026, 11, 28, 0, 30, tzinfo=UTC)):
            day = published_since_day(moment)
            start = datetime(day.year, day.month, day.day, tzinfo=zone)
            assert start <= moment - timedelta(hours=1), (offset, moment)


def test_the_day_of_a_moment_just_after_midnight_utc():
    assert published_since_day(datetime(2026, 11, 28, 0, 30, tzinfo=UTC)) == date(2026, 11, 26)
    assert published_since_day(datetime(2026, 11, 28, 0, 30)) == date(2026, 11, 26)


class Pages:
    """Proposals newest first, one minute apart, in pages of 50 (the cursor is an offset)."""

    def __init__(self, count, newest):
        self.proposals = [
            SimpleNamespace(id=str(1000 + count - n), published_at=newest - timedelta(minutes=n))
            for n in range(count)
        ]
        self.asked = []

    def fetch_proposals_page(self, component_id, *, order, published_since, page_size, after):
        self.asked.append(after)
        start = int(after or 0)
        more = start + page_size < len(self.proposals)
        chunk = tuple(self.proposals[start : start + page_size])
        return ProposalPage(chunk, str(start + page_size) if more else None)  # type: ignore[arg-type]


def test_pages_are_walked_back_to_the_earliest_wanted_publication():
    client = Pages(300, BURST_START + timedelta(hours=5))
    wanted = [str(i) for i in range(1101, 1141)]  # on the fourth page
    earliest = client.proposals[199].published_at
    found = read_by_page(client, "11", wanted, earliest, lambda: 7.0)
    assert set(found) == set(wanted) and {f.read_at for f in found.values()} == {7.0}
    assert client.asked == [None, "50", "100", "150"]


def test_at_most_four_pages_are_walked():
    client = Pages(300, BURST_START + timedelta(hours=5))
    wanted = [str(i) for i in range(1001, 1041)]  # on the sixth page
    found = read_by_page(client, "11", wanted, client.proposals[-1].published_at, lambda: 0.0)
    assert found == {} and len(client.asked) == 4


def test_the_walk_stops_when_few_are_missing():
    client = Pages(120, BURST_START)
    wanted = [str(i) for i in range(1066, 1076)]  # five on the first page, five on the second
    found = read_by_page(client, "11", wanted, BURST_START - timedelta(hours=2), lambda: 0.0)
    assert client.asked == [None]  # five missing: one read by id is as cheap as a page
    assert len(found) == 5


def test_the_walk_stops_at_a_page_older_than_the_earliest_publication():
    client = Pages(200, BURST_START)
    wanted = [str(i) for i in range(1150, 1200)] + ["9999", "9998", "9997", "9996", "9995", "9994"]
    earliest = BURST_START - timedelta(minutes=10)
    found = read_by_page(client, "11", wanted, earliest, lambda: 0.0)
    assert client.asked == [None, "50"]  # the second page reaches back past the margin
    assert len(found) == 50


def test_fewer_pages_than_the_reads_by_id_they_replace():
    assert [page_budget(n) for n in (6, 10, 11, 15, 16, 20, 50)] == [1, 1, 2, 2, 3, 3, 4]
    client = Pages(300, BURST_START)
    wanted = [str(i) for i in range(1001, 1007)]  # six, on the last page
    assert read_by_page(client, "11", wanted, BURST_START - timedelta(days=1), lambda: 0.0) == {}
    assert client.asked == [None]


def test_the_first_moment_of_a_day_is_before_its_start_in_every_time_zone():
    day = date(2026, 11, 28)
    first = first_moment_of(day)
    for offset in range(-12, 15):
        zone = timezone(timedelta(hours=offset))
        assert first <= datetime(2026, 11, 28, tzinfo=zone)
    assert first == datetime(2026, 11, 28, tzinfo=timezone(timedelta(hours=14)))
