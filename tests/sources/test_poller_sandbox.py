"""The poller against the embedded Decidim sandbox, over HTTP, counting requests there.

New, edited, answered and withdrawn proposals each produce exactly one event; a restarted
poller emits nothing twice; a sweep of 2,000 proposals costs one request per 50.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest
from sandbox_support import RunningSandbox, running_sandbox

from decidim_bridge.config import Settings, load_settings
from decidim_bridge.decidim.client import DecidimClient
from decidim_bridge.intake.delivery import parse_stored
from decidim_bridge.sources.poller import Poller, PollTarget
from decidim_bridge.store import Database
from decidim_bridge.store import inbox as inbox_store

pytestmark = pytest.mark.slow

WIJKINITIATIEVEN = PollTarget(
    "Wijkinitiatieven", "participatory_process", "wijkinitiatieven", slug="wijkinitiatieven"
)


@pytest.fixture
def decidim() -> Iterator[RunningSandbox]:
    with running_sandbox(rate_limit=100_000) as running:
        yield running


def requests_since(decidim: RunningSandbox, seq: int) -> list[Any]:
    return decidim.state.journal.entries(since=seq)


@pytest.fixture
def settings(instance_dir, decidim: RunningSandbox) -> Settings:
    """The bridge pointed at the sandbox (conftest's ``db`` is migrated with these)."""
    return load_settings(
        environ={},
        instance_dir=instance_dir,
        decidim_requests_per_minute=10_000,
        **decidim.settings_overrides(),
    )


def new_poller(settings: Settings, db: Database, target: PollTarget = WIJKINITIATIEVEN) -> Poller:
    """What ``decidim-bridge poll`` builds, for the Wijkinitiatieven process."""
    client = DecidimClient.from_settings(settings, db, share=settings.poll_share)
    return Poller(db, client, tenant=settings.tenant, targets=[target])


def inbox(db: Database) -> list[inbox_store.InboxRow]:
    with db.read() as conn:
        return sorted(inbox_store.list_rows(conn, limit=10_000), key=lambda r: r.id)


def swept(poller: Poller, db: Database) -> list[tuple[str, str]]:
    before = len(inbox(db))
    reports = poller.sweep_all()
    assert [r.error for r in reports] == [None]
    return [(r.event_type.rsplit(".", 1)[1], r.subject) for r in inbox(db)[before:]]


def test_each_change_in_decidim_is_one_event(decidim, settings, db):
    state = decidim.state
    poller = new_poller(settings, db)
    # The first sweep reports the seeded proposals once, as existing ones.
    seeded = swept(poller, db)
    assert seeded and {kind for kind, _ in seeded} == {"proposal_published"}
    assert swept(poller, db) == []

    proposal = state.create_proposal(
        component_id=11,
        title={"nl": "Bankjes langs de singel"},
        body={"nl": "Ouderen willen onderweg kunnen uitrusten; wij zoeken drie bankjes."},
    )
    subject = f"proposal:{proposal.id}"
    assert swept(poller, db) == [("proposal_published", subject)]
    state.update_proposal(proposal.id, body={"nl": "Wij zoeken vier bankjes langs de singel."})
    assert swept(poller, db) == [("proposal_updated", subject)]
    state.set_component_settings(11, publish_answers_immediately=True)
    state.answer_as_admin(proposal.id, "accepted", {"nl": "Goed plan, we helpen graag."})
    assert swept(poller, db) == [("proposal_state_changed", subject)]
    state.withdraw_proposal(proposal.id)
    assert swept(poller, db) == [("proposal_withdrawn", subject)]
    assert swept(poller, db) == []

    answered = parse_stored("poller", inbox(db)[len(seeded) + 2].body, tenant=settings.tenant)
    assert answered.extra["state"] == "accepted"
    assert (answered.component_id, answered.space_slug) == ("11", "wijkinitiatieven")
    assert answered.resource_url == state.proposal_url(state.proposal(proposal.id))

    # A restarted poller (new process: new client, new token) emits nothing twice.
    assert swept(new_poller(settings, db), db) == []
    assert len(inbox(db)) == len(seeded) + 4


def test_a_sweep_of_2000_proposals_costs_one_request_per_page(decidim, settings, db):
    state = decidim.state
    present = len(state.visible_proposals(11))
    for number in range(2000 - present):
        state.create_proposal(
            component_id=11,
            title={"nl": f"Buurtinitiatief nummer {number}"},
            body={"nl": "Een initiatief van bewoners voor de eigen straat."},
        )
    assert len(state.visible_proposals(11)) == 2000
    # As mappings/scope.yaml has it: the component is listed, so nothing is discovered.
    poller = new_poller(settings, db, dataclasses.replace(WIJKINITIATIEVEN, components=("11",)))
    first = decidim.state.journal.last_seq
    (baseline,) = poller.sweep_all()
    assert (baseline.mode, baseline.proposals, baseline.error) == ("baseline", 2000, None)
    started = decidim.state.journal.last_seq
    (report,) = poller.sweep_all()
    requests = requests_since(decidim, started)
    assert (report.mode, report.proposals, report.total_events) == ("poll", 2000, 0)
    assert len(requests) <= 41
    assert [r.target for r in requests] == ["query"] * 40
    # The first sweep of a new process also signed in.
    first_sweep = requests_since(decidim, first)[: -len(requests)]
    assert [r.target for r in first_sweep] == ["sign_in"] + ["query"] * 40
