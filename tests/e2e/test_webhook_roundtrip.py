"""Sandbox and bridge over real HTTP on loopback ports: a proposal published in Decidim reaches
the bridge as a signed webhook, lands in its inbox, and reads back through the Decidim client.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from conftest import REPO, SECRET
from sandbox_support import RunningSandbox, running_bridge, running_sandbox

from decidim_bridge.config import Settings, load_settings
from decidim_bridge.decidim.client import DecidimClient
from decidim_bridge.intake.delivery import parse_stored
from decidim_bridge.store import Database
from decidim_bridge.store import inbox as inbox_store


@pytest.fixture
def bridge_settings(tmp_path) -> Settings:
    return load_settings(
        environ={},
        instance_dir=tmp_path,
        webhook_secrets=(SECRET,),
        tenant="localhost",
        mappings_dir=REPO / "mappings",
    )


@pytest.fixture
def stack(bridge_settings: Settings) -> Iterator[dict[str, Any]]:
    database = Database(bridge_settings.database_url)
    database.upgrade()
    with (
        running_bridge(bridge_settings) as bridge,
        running_sandbox(
            webhook_url=f"{bridge.url}/webhooks/decidim", webhook_secret=SECRET
        ) as sandbox,
    ):
        settings = load_settings(
            environ={},
            instance_dir=bridge_settings.instance_dir,
            webhook_secrets=(SECRET,),
            **sandbox.settings_overrides(),
        )
        client = DecidimClient.from_settings(settings, database)
        try:
            yield {"sandbox": sandbox, "db": database, "client": client}
        finally:
            client.close()
    database.dispose()


def _inbox(database: Database) -> list[inbox_store.InboxRow]:
    with database.read() as conn:
        return list(reversed(inbox_store.list_rows(conn)))


def test_published_proposal_arrives_signed_and_reads_back(stack):
    sandbox: RunningSandbox = stack["sandbox"]
    sandbox.state.publish_proposal(114)  # the draft in Wijkinitiatieven
    assert sandbox.flush_webhooks()

    delivery = sandbox.sandbox.emitter.deliveries()[0]
    assert (delivery.status, delivery.response_status) == ("delivered", 202)
    [row] = _inbox(stack["db"])
    assert (row.source, row.status, row.delivery_key) == ("decidim", "pending", delivery.msg_id)
    assert row.event_type == "decidim.events.proposals.proposal_published"
    assert row.subject == "proposal:114"

    event = parse_stored(row.source, row.body, tenant="localhost")
    proposal = stack["client"].fetch_proposal(event.proposal_id, event.component_id)
    record = sandbox.state.proposal(114)
    assert proposal is not None
    assert proposal.id == "114"
    assert proposal.title["nl"] == record.title["nl"]
    assert proposal.space.slug == "wijkinitiatieven"
    assert [sign_in.status for sign_in in sandbox.state.journal.entries(target="sign_in")] == [200]


def test_a_delivery_the_bridge_refuses_for_a_wrong_secret_is_not_retried(bridge_settings):
    database = Database(bridge_settings.database_url)
    database.upgrade()
    other_secret = "whsec_" + "b3RoZXItc2VjcmV0LW9mLWF0LWxlYXN0LTI0LWJ5dGVz"
    with (
        running_bridge(bridge_settings) as bridge,
        running_sandbox(
            webhook_url=f"{bridge.url}/webhooks/decidim", webhook_secret=other_secret
        ) as sandbox,
    ):
        sandbox.state.publish_proposal(114)
        assert sandbox.flush_webhooks()
        delivery = sandbox.sandbox.emitter.deliveries()[0]
    assert (delivery.status, delivery.response_status, delivery.attempts) == ("failed", 401, 1)
    assert _inbox(database) == []
    database.dispose()


def test_a_resent_message_is_stored_once(stack):
    sandbox: RunningSandbox = stack["sandbox"]
    emitter = sandbox.sandbox.emitter
    sandbox.state.withdraw_proposal(101)
    assert sandbox.flush_webhooks()
    first = emitter.deliveries()[0]
    assert first.response_status == 202
    emitter.redeliver(first.msg_id)  # same webhook-id, as after a lost answer
    assert sandbox.flush_webhooks()
    assert (first.status, first.attempts, first.response_status) == ("delivered", 2, 200)
    [row] = _inbox(stack["db"])
    assert row.event_type == "decidim.events.proposals.proposal_withdrawn"
    assert row.subject == "proposal:101"
