"""Reading a burst of recently published proposals of one component by page, not by id.

Decidim reads at most ``MAX_BATCH`` proposals by id per request (its alias limit), but a
page of ``proposals`` holds up to ``MAX_PAGE_SIZE``. When the rows a worker claimed want
more than ``MAX_BATCH`` proposals of one component whose publication moment is known (the
event of a publication; for a person's answer, the day the stored plan says it was
published: ``first_moment_of``), the pages of that component's proposals published since
the earliest of them, newest first, usually hold them all: a bulk publication of answers
mostly answers the initiatives of the same recent round.

Decidim's ``ProposalFilter.publishedSince`` is a day (``Date.iso8601``; published at or
after that day's start, a start that depends on the time zone Decidim compares in), so
the day asked for is the UTC day of the earliest publication less ``SAFETY_MARGIN``, one
day earlier still: that day starts before the publication in every time zone. The wider
window costs nothing extra: ``ProposalSort.publishedAt`` ``DESC`` puts the newest first
(Decidim then orders by id), so proposals from before the burst come last, and the walk
stops at the first page that reaches back before the earliest publication. Following
pages (``after``) are read only while more than ``MAX_BATCH`` wanted proposals are still
missing, fewer pages than the by-id requests they replace and at most ``MAX_PAGES``
(``page_budget``); what is not found is left to the by-id reads (``left_by_id``).

This module only decides (``start_walk``, ``page_request``, ``after_page``: plain data in
and out); the caller reads the pages from Decidim (``pipeline.read_by_page``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from decidim_bridge.decidim.limits import MAX_BATCH, MAX_PAGE_SIZE
from decidim_bridge.decidim.models import ProposalPage
from decidim_bridge.proposals import Proposal

#: Newest first: a burst being handled is the newest of the component's publications.
NEWEST_FIRST = {"publishedAt": "DESC"}

#: Allowance for the clocks of the event's sender and of Decidim's database.
SAFETY_MARGIN = timedelta(hours=1)

#: Pages one read ahead walks at most (each one request, like one by-id batch).
MAX_PAGES = 4


def as_utc(moment: datetime) -> datetime:
    """An aware moment (a naive one is taken as UTC), so moments of events compare."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def first_moment_of(day: date) -> datetime:
    """The earliest moment that is on ``day`` in some time zone (its start at UTC+14): a
    publication known only by its local day was not earlier."""
    return datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=14)


def published_since_day(earliest: datetime, margin: timedelta = SAFETY_MARGIN) -> date:
    """The ``publishedSince`` day whose start, in any time zone, is before ``earliest``
    less ``margin`` (a naive moment is taken as UTC)."""
    return (as_utc(earliest) - margin).astimezone(UTC).date() - timedelta(days=1)


def page_budget(wanted: int) -> int:
    """Pages worth walking for ``wanted`` proposals: fewer than the by-id requests they
    would take (so a walk that finds none costs at most about twice those), at least one,
    at most ``MAX_PAGES``."""
    by_id = -(-wanted // MAX_BATCH)
    return max(1, min(MAX_PAGES, by_id - 1))


@dataclass(frozen=True)
class PageWalk:
    """Where a walk through a component's newest publications is: the wanted proposals
    not found yet, the next page's cursor and how many pages it may still read."""

    published_since: date
    floor: datetime
    missing: frozenset[str]
    pages_left: int
    after: str | None = None


def start_walk(wanted: Sequence[str], earliest: datetime) -> PageWalk:
    """The walk for ``wanted`` proposals, the earliest published at ``earliest``: from
    the newest page, back to ``earliest`` less ``SAFETY_MARGIN``, within ``page_budget``."""
    missing = frozenset(wanted)
    return PageWalk(
        published_since=published_since_day(earliest),
        floor=as_utc(earliest) - SAFETY_MARGIN,
        missing=missing,
        pages_left=page_budget(len(missing)),
    )


def page_request(walk: PageWalk) -> dict[str, Any]:
    """The keyword arguments of ``fetch_proposals_page`` for the walk's next page."""
    return {
        "order": NEWEST_FIRST,
        "published_since": walk.published_since.isoformat(),
        "page_size": MAX_PAGE_SIZE,
        "after": walk.after,
    }


def after_page(walk: PageWalk, page: ProposalPage) -> tuple[dict[str, Proposal], PageWalk | None]:
    """The wanted proposals on ``page`` (the walk's next one), and the walk on from it, or
    None when no page is worth reading after it: it was the last page, it reaches back
    before the earliest publication, at most ``MAX_BATCH`` are still missing (as cheap to
    read by id), or the walk's pages are used up."""
    found: dict[str, Proposal] = {}
    for proposal in page.proposals:
        proposal_id = str(proposal.id)
        if proposal_id in walk.missing and proposal_id not in found:
            found[proposal_id] = proposal
    missing = walk.missing.difference(found)
    pages_left = walk.pages_left - 1
    if (
        page.next_cursor is None
        or len(missing) <= MAX_BATCH
        or _reached(page.proposals, walk.floor)
        or pages_left < 1
    ):
        return found, None
    return found, replace(walk, missing=missing, pages_left=pages_left, after=page.next_cursor)


def left_by_id(wanted: Sequence[str], found: Collection[str]) -> list[str]:
    """The ``wanted`` proposals (in order) that the pages did not hold: read by id."""
    return [proposal_id for proposal_id in wanted if proposal_id not in found]


def _reached(proposals: Sequence[Proposal], floor: datetime) -> bool:
    """Whether the page reaches back before ``floor`` (so later pages are older still)."""
    if not proposals:
        return True
    oldest = proposals[-1].published_at
    if oldest is None:
        return False
    return as_utc(oldest) < floor
