"""Tests for decidim_bridge.page_read: which day is asked for, and how far pages are walked."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from decidim_bridge.decidim.limits import MAX_BATCH
from decidim_bridge.decidim.models import ProposalPage
from decidim_bridge.page_read import (
    PageWalk,
    after_page,
    first_moment_of,
    left_by_id,
    page_budget,
    page_request,
    published_since_day,
    start_walk,
)
from decidim_bridge.proposals import ParticipatorySpace, Proposal

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


def test_fewer_pages_than_the_reads_by_id_they_replace():
    assert [page_budget(n) for n in (6, 10, 11, 15, 16, 20, 50)] == [1, 1, 2, 2, 3, 3, 4]


def test_the_first_moment_of_a_day_is_before_its_start_in_every_time_zone():
    day = date(2026, 11, 28)
    first = first_moment_of(day)
    for offset in range(-12, 15):
        zone = timezone(timedelta(hours=offset))
        assert first <= datetime(2026, 11, 28, tzinfo=zone)
    assert first == datetime(2026, 11, 28, tzinfo=timezone(timedelta(hours=14)))


# --- the walk's decisions, page by page (no client) -----------------------------------------

SPACE = ParticipatorySpace("Decidim::ParticipatoryProcess", "3")
FLOOR = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def proposal(number, published_at=FLOOR + timedelta(minutes=30)):
    return Proposal(str(number), "11", SPACE, {}, {}, published_at=published_at)


def walk(missing=range(1, 21), pages_left=3, after=None):
    return PageWalk(date(2026, 11, 26), FLOOR, frozenset(map(str, missing)), pages_left, after)


def test_a_walk_starts_at_the_newest_page_within_its_budget():
    started = start_walk([str(i) for i in range(1, 14)] + ["1"], BURST_START)
    assert started == PageWalk(
        published_since=date(2026, 11, 27),
        floor=datetime(2026, 11, 28, 8, 15, tzinfo=UTC),
        missing=frozenset(str(i) for i in range(1, 14)),
        pages_left=2,  # thirteen wanted: three reads by id, so two pages
        after=None,
    )
    assert page_request(started) == {
        "order": {"publishedAt": "DESC"},
        "published_since": "2026-11-27",
        "page_size": 50,
        "after": None,
    }
    assert page_request(walk(after="Mg"))["after"] == "Mg"


def test_a_page_of_newer_publications_leads_to_the_next_one():
    page = ProposalPage((proposal(30), proposal(2), proposal(3), proposal(2)), "Mg")
    found, following = after_page(walk(), page)
    assert list(found) == ["2", "3"] and found["2"] is page.proposals[1]  # the first copy
    assert following == walk(missing=[1, *range(4, 21)], pages_left=2, after="Mg")
    assert left_by_id([str(i) for i in range(1, 6)], found) == ["1", "4", "5"]


def test_the_walk_stops_at_the_last_page():
    assert after_page(walk(), ProposalPage((proposal(30),), None)) == ({}, None)


def test_the_walk_stops_when_at_most_a_batch_is_missing():
    many = walk(missing=range(1, MAX_BATCH + 3))
    found, following = after_page(many, ProposalPage((proposal(1),), "Mg"))
    assert set(found) == {"1"} and following is not None  # one more than a batch missing
    found, following = after_page(many, ProposalPage((proposal(1), proposal(2)), "Mg"))
    assert set(found) == {"1", "2"} and following is None  # a batch left: read by id


def test_the_walk_stops_at_a_page_that_reaches_back_before_the_floor():
    at_floor = ProposalPage((proposal(30), proposal(31, FLOOR)), "Mg")
    assert after_page(walk(), at_floor)[1] is not None
    before = ProposalPage((proposal(1, FLOOR), proposal(31, FLOOR - timedelta(seconds=1))), "Mg")
    found, following = after_page(walk(), before)
    assert set(found) == {"1"} and following is None
    naive = ProposalPage((proposal(31, datetime(2026, 11, 28, 8, 59)),), "Mg")  # taken as UTC
    assert after_page(walk(), naive)[1] is None
    assert after_page(walk(), ProposalPage((), "Mg"))[1] is None  # an empty page: nothing older


def test_a_page_whose_oldest_has_no_publication_moment_does_not_stop_the_walk():
    page = ProposalPage((proposal(30, FLOOR - timedelta(days=1)), proposal(31, None)), "Mg")
    assert after_page(walk(), page)[1] is not None


def test_the_walk_stops_when_its_pages_are_used_up():
    page = ProposalPage((proposal(30),), "Mg")
    assert after_page(walk(pages_left=2), page)[1] == walk(pages_left=1, after="Mg")
    assert after_page(walk(pages_left=1), page)[1] is None
