"""Several proposals in one request, within the limits the sandbox enforces like Decidim."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sandbox_support import RunningSandbox, running_sandbox

from decidim_bridge.config import Settings, load_settings
from decidim_bridge.decidim.client import DecidimClient
from decidim_bridge.decidim.limits import MAX_BATCH


@pytest.fixture
def decidim() -> Iterator[RunningSandbox]:
    with running_sandbox(rate_limit=100_000) as running:
        yield running


@pytest.fixture
def settings(instance_dir, decidim: RunningSandbox) -> Settings:
    return load_settings(
        environ={},
        instance_dir=instance_dir,
        decidim_requests_per_minute=10_000,
        **decidim.settings_overrides(),
    )


def test_five_proposals_are_read_in_one_request_like_one_by_one(decidim, settings, db):
    client = DecidimClient.from_settings(settings, db)
    ids = ["101", "102", "103", "104", "105"]
    one_by_one = {i: client.fetch_proposal(i, 11) for i in ids}
    before = decidim.state.journal.entries()[-1].seq
    together = client.fetch_proposals(ids, 11)
    sent = decidim.state.journal.entries(since=before)
    assert [(e.operation_name, e.outcome) for e in sent] == [("ProposalsById", "ok")]
    assert together == one_by_one
    assert all(p is not None for p in together.values())


def test_fewer_ids_and_invisible_ones(decidim, settings, db):
    client = DecidimClient.from_settings(settings, db)
    found = client.fetch_proposals(["102", "99999"], 11)
    assert found["102"] is not None and found["102"].id == "102"
    assert found["99999"] is None
    assert client.fetch_proposals(["101"], 999) == {"101": None}


def test_more_than_decidim_allows_is_refused_before_sending(decidim, settings, db):
    client = DecidimClient.from_settings(settings, db)
    with pytest.raises(ValueError):
        client.fetch_proposals([str(i) for i in range(101, 102 + MAX_BATCH)], 11)


def test_a_page_of_the_newest_publications_like_one_by_one(decidim, settings, db):
    from datetime import UTC, datetime

    from decidim_bridge.page_read import NEWEST_FIRST, published_since_day

    state = decidim.state
    burst = []
    for index in range(7):
        proposal = state.create_proposal(
            component_id=11,
            title={"nl": f"Bankje in het park nummer {index}"},
            body={"nl": "Een bankje in het park om even uit te rusten, graag."},
            publish=False,
        )
        burst.append(proposal.id)
    for proposal_id in reversed(burst):  # published newest id first: not the id order
        state.publish_proposal(proposal_id)
    earliest = datetime.fromtimestamp(min(state.proposals[i].published_at for i in burst), UTC)
    since = published_since_day(earliest).isoformat()
    client = DecidimClient.from_settings(settings, db)
    client.whoami()  # signed in
    before = decidim.state.journal.entries()[-1].seq

    page = client.fetch_proposals_page(11, order=NEWEST_FIRST, published_since=since)

    sent = decidim.state.journal.entries(since=before)
    assert [(e.operation_name, e.outcome) for e in sent] == [("ProposalsPage", "ok")]
    expected = sorted(burst, key=lambda i: (-state.proposals[i].published_at, i))
    assert [p.id for p in page.proposals] == [str(i) for i in expected]  # older seed ones: not
    assert page.next_cursor is None
    assert list(page.proposals) == [client.fetch_proposal(i, 11) for i in expected]
    later = client.fetch_proposals_page(11, order=NEWEST_FIRST, published_since="2099-01-01")
    assert later.proposals == ()


def test_a_page_asks_no_more_than_decidim_allows(decidim, settings, db):
    client = DecidimClient.from_settings(settings, db)
    with pytest.raises(ValueError):
        client.fetch_proposals_page(11, page_size=51)
