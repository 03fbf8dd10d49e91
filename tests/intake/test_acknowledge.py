"""Tests for decidim_bridge.intake.delivery.acknowledge (pure: what the sender is told)."""

from __future__ import annotations

import pytest

from decidim_bridge.events import Event
from decidim_bridge.intake.delivery import Delivery, acknowledge


def delivery(status: str = "pending", outcome: str | None = None) -> Delivery:
    event = Event(
        type="x.y",
        source="decidim",
        organization_host="localhost",
        resource_type="Decidim::Proposals::Proposal",
        resource_id="1",
    )
    return Delivery(
        source="decidim",
        delivery_key="msg_1",
        event=event,
        body="{}",
        body_sha256="0" * 64,
        status=status,
        outcome=outcome,
    )


@pytest.mark.parametrize(
    ("status", "reason", "duplicate", "mismatch", "code", "outcome", "body"),
    [
        (
            "pending",
            None,
            False,
            False,
            202,
            "accepted",
            {"status": "pending", "inbox_id": 7, "reason": None},
        ),
        (
            "ignored",
            "unknown-event-type",
            False,
            False,
            202,
            "ignored",
            {"status": "ignored", "inbox_id": 7, "reason": "unknown-event-type"},
        ),
        ("pending", None, True, False, 200, "duplicate", {"status": "duplicate", "inbox_id": 7}),
        ("pending", None, True, True, 200, "id_reused", {"status": "duplicate", "inbox_id": 7}),
    ],
)
def test_acknowledgement(status, reason, duplicate, mismatch, code, outcome, body):
    ack = acknowledge(
        delivery(status, reason), inbox_id=7, duplicate=duplicate, body_mismatch=mismatch
    )
    assert (ack.status_code, ack.outcome, ack.body) == (code, outcome, body)
