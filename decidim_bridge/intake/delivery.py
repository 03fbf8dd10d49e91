"""One inbound delivery: verify, decode, validate, and decide whether it is work or ignored."""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from decidim_bridge.errors import SignatureError
from decidim_bridge.events import Event
from decidim_bridge.intake.admin_actions import ADMIN_EVENT_TYPES, admin_action
from decidim_bridge.intake.envelope import decode_json, parse_envelope
from decidim_bridge.intake.restfull import parse_restfull
from decidim_bridge.intake.signatures import verify_restfull, verify_standard

#: Names of the webhook endpoints (``POST /webhooks/<source>``).
SOURCES = ("decidim", "rest-full")


@dataclass(frozen=True)
class Delivery:
    """A verified, schema-valid delivery ready to be stored in the inbox."""

    source: str
    delivery_key: str
    event: Event
    body: str
    body_sha256: str
    status: str  # "pending" (work for the worker) or "ignored"
    outcome: str | None


def accept_delivery(
    source: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    standard_secrets: Sequence[bytes],
    restfull_secret: str | None,
    tenant: str,
    known_types: Collection[str],
    ignored_types: Collection[str] = (),
    now: float,
    tolerance: int = 300,
) -> Delivery:
    """Verify on the raw bytes first, then parse. Raises a ``WebhookError`` subclass.

    Stored as ``ignored`` at once: another organization's events, types not in
    ``known_types``, types the worker ignores anyway (``ignored_types``) and the
    decidim-bridge module's reports of the bridge's own changes."""
    digest = hashlib.sha256(body).hexdigest()
    if source == "decidim":
        delivery_key = verify_standard(
            headers, body, standard_secrets, now=now, tolerance=tolerance
        )
        event = parse_envelope(decode_json(body), source=source)
        # Validates the admin event's ``extra`` (422 when malformed), and says whose it is.
        own_change = event.type in ADMIN_EVENT_TYPES and admin_action(event).by_the_bridge
    elif source == "rest-full":
        verify_restfull(headers, body, restfull_secret, now=now, tolerance=tolerance)
        # decidim-rest-full sends no delivery id; a retry repeats the same body.
        delivery_key = "sha256:" + digest
        event = parse_restfull(decode_json(body), tenant=tenant)
        own_change = False
    else:  # pragma: no cover - the view only routes known sources
        raise SignatureError("unknown-source")
    status, outcome = "pending", None
    if event.organization_host and event.organization_host != tenant:
        status, outcome = "ignored", "other-organization"
    elif event.type not in known_types:
        status, outcome = "ignored", "unknown-event-type"
    elif event.type in ignored_types:
        # Known and never work (comments, Decidim's partial evaluator notices...): finished
        # here, so that a burst's echoes cost the worker nothing.
        status, outcome = "ignored", "ignored-event-type"
    elif own_change:
        status, outcome = "ignored", "own-change"  # the bridge's own write, reported back
    return Delivery(
        source=source,
        delivery_key=delivery_key,
        event=event,
        body=body.decode("utf-8"),
        body_sha256=digest,
        status=status,
        outcome=outcome,
    )


def parse_stored(source: str, body: str, *, tenant: str) -> Event:
    """Re-create the ``Event`` of a stored inbox row (the worker's side of the inbox)."""
    payload = decode_json(body.encode("utf-8"))
    if source == "rest-full":
        return parse_restfull(payload, tenant=tenant)
    return parse_envelope(payload, source=source)


@dataclass(frozen=True)
class Acknowledgement:
    """What the sender is told about a stored delivery, and the outcome to count and log."""

    status_code: int
    outcome: str  # accepted | ignored | duplicate | id_reused
    body: dict[str, object]


def acknowledge(
    delivery: Delivery, *, inbox_id: int, duplicate: bool, body_mismatch: bool
) -> Acknowledgement:
    """202 for a new row (work or ignored), 200 for a duplicate — never a reason to retry."""
    if duplicate:
        # A reused id with another body is stored once and never processed; the sender
        # must not retry it either, so it gets the same 200 as a plain duplicate.
        outcome = "id_reused" if body_mismatch else "duplicate"
        return Acknowledgement(200, outcome, {"status": "duplicate", "inbox_id": inbox_id})
    outcome = "accepted" if delivery.status == "pending" else "ignored"
    return Acknowledgement(
        202, outcome, {"status": delivery.status, "inbox_id": inbox_id, "reason": delivery.outcome}
    )
