"""``POST /webhooks/<source>``: verify, validate, store durably, then acknowledge.

202 stored (also for known-but-ignored and unknown event types), 200 duplicate, 400
malformed JSON, 401 signature/timestamp, 413 too large, 422 schema, 503 + Retry-After when
the database is unavailable. The answer is sent only after the inbox row is committed.
"""

from __future__ import annotations

import logging
import time

from flask import Blueprint, Response, current_app, jsonify, request
from werkzeug.exceptions import RequestEntityTooLarge

from decidim_bridge import metrics
from decidim_bridge.errors import (
    NotFound,
    PayloadTooLarge,
    SignatureError,
    StoreUnavailable,
    WebhookError,
)
from decidim_bridge.handlers import IGNORED_EVENT_TYPES
from decidim_bridge.intake import SOURCES, Delivery, accept_delivery
from decidim_bridge.intake.delivery import acknowledge
from decidim_bridge.store import inbox as inbox_store
from decidim_bridge.web.state import BridgeState, bridge_state, error_response

log = logging.getLogger(__name__)
blueprint = Blueprint("webhooks", __name__)


@blueprint.post("/webhooks/<source>")
def receive(source: str) -> Response:
    started = time.perf_counter()
    if source not in SOURCES:
        raise NotFound("Unknown webhook source.")
    state = bridge_state(current_app)
    try:
        body = _read_body(state.settings.max_body_bytes)
        delivery = accept_delivery(
            source,
            request.headers,  # type: ignore[arg-type]
            body,
            standard_secrets=state.settings.webhook_secret_bytes,
            restfull_secret=state.settings.restfull_secret,
            tenant=state.settings.tenant,
            known_types=state.known_types,
            ignored_types=IGNORED_EVENT_TYPES,
            now=state.clock(),
            tolerance=state.settings.timestamp_tolerance,
        )
        result = _store(state, delivery, now=state.clock())
    except WebhookError as error:
        metrics.WEBHOOK_DELIVERIES.labels(source=source, outcome=error.outcome).inc()
        if isinstance(error, SignatureError):
            metrics.SIGNATURE_FAILURES.labels(source=source, reason=error.reason).inc()
        log.info(
            "delivery rejected",
            extra={"source": source, "outcome": error.outcome, "status": error.status},
        )
        return error_response(error)
    except StoreUnavailable as error:
        metrics.WEBHOOK_DELIVERIES.labels(source=source, outcome="unavailable").inc()
        log.warning("delivery not stored: database unavailable", extra={"source": source})
        return error_response(error)

    ack = acknowledge(
        delivery,
        inbox_id=result.id,
        duplicate=result.duplicate,
        body_mismatch=result.body_mismatch,
    )
    metrics.WEBHOOK_DELIVERIES.labels(source=source, outcome=ack.outcome).inc()
    if ack.outcome == "ignored":
        metrics.IGNORED_EVENTS.labels(source=source, reason=delivery.outcome or "").inc()
    extra = {
        "source": source,
        "delivery_id": delivery.delivery_key,
        "inbox_id": result.id,
        "event_type": delivery.event.type,
        "outcome": ack.outcome,
    }
    if ack.outcome == "id_reused":
        log.error("delivery id reused with a different body; not processed", extra=extra)
    log.info("delivery stored", extra=extra)
    metrics.WEBHOOK_ACK_SECONDS.labels(source=source).observe(time.perf_counter() - started)
    response = jsonify(ack.body)
    response.status_code = ack.status_code
    return response


def _store(state: BridgeState, delivery: Delivery, *, now: float) -> inbox_store.StoreResult:
    """Insert the delivery and commit, through the group committer when it is enabled."""
    new = inbox_store.NewDelivery(
        tenant=state.settings.tenant,
        source=delivery.source,
        delivery_key=delivery.delivery_key,
        event_type=delivery.event.type,
        subject=delivery.event.subject,
        body=delivery.body,
        body_sha256=delivery.body_sha256,
        now=now,
        status=delivery.status,
        outcome=delivery.outcome,
        space=delivery.event.space,
    )
    if state.committer is not None:
        return state.committer.submit(new)
    with state.db.begin() as conn:
        return inbox_store.store_deliveries(conn, [new])[0]


def _read_body(limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"The body is larger than {limit} bytes.")
    try:
        body = request.get_data(cache=False)
    except RequestEntityTooLarge as exc:
        raise PayloadTooLarge(f"The body is larger than {limit} bytes.") from exc
    if len(body) > limit:
        raise PayloadTooLarge(f"The body is larger than {limit} bytes.")
    return body
