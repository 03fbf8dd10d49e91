"""Several proposals in one request, within the limits the sandbox enforces like Decidim."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sandbox_support import RunningSandbox, running_sandbox

from decidim_bridge.config import Settings, load_settings
from decidim_bridge.decidim.client import MAX_BATCH, DecidimClient


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
