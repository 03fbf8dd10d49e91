"""The sandbox's webhook emitter: signed Standard Webhooks for proposal and comment events.

It stands in for the Decidim initializer in ``webhooks/`` that forwards Decidim's own
notifications (``decidim.events.proposals.*``, ``decidim.events.comments.*``) to the bridge,
and for the decidim-bridge module's admin-side events (``decidim.bridge.*``, with the
module's stable ``webhook-id``; ``skip_prefix`` drops them for a Decidim without the module).
Each event becomes the bridge's envelope (``decidim_bridge/intake/envelope.py``), signed with
``sign_standard``. Deliveries run on ``senders`` background threads (one by default, in
the order the events happened; several, like the job workers that deliver for the module's
forwarder, may deliver out of order): a failed attempt (connection
error, timeout, 5xx, 408, 425, 429) is retried with exponential backoff under the same
``webhook-id`` and a fresh timestamp and signature; other 4xx answers (a wrong secret, a
refused body) are final, since resending the same bytes cannot change them.
"""

from __future__ import annotations

import heapq
import itertools
import json
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import requests

from decidim_bridge.config import decode_whsec
from decidim_bridge.intake.signatures import sign_standard
from decidim_bridge.sandbox.model import COMMENT_CLASS
from decidim_bridge.sandbox.state import SandboxEvent, SandboxState

log = logging.getLogger(__name__)

RETRY_STATUSES = frozenset({408, 425, 429})


def build_envelope(state: SandboxState, event: SandboxEvent) -> dict[str, Any]:
    """The bridge's envelope for one event (call under ``state.lock``)."""
    component = state.components[event.component_id]
    space = state.spaces[component.space_id]
    org = state.organization
    if event.resource_type == COMMENT_CLASS:
        url = state.comment_url(state.comments[event.resource_id])
    else:
        url = state.proposal_url(state.proposals[event.resource_id])
    occurred = datetime.fromtimestamp(event.occurred_at, ZoneInfo(org.time_zone))
    return {
        "type": event.type,
        "occurred_at": occurred.isoformat(timespec="seconds"),
        "organization": {"host": org.host},
        "resource": {"type": event.resource_type, "id": str(event.resource_id), "url": url},
        "component": {"id": str(component.id), "manifest": component.manifest},
        "participatory_space": {"type": space.type, "id": str(space.id), "slug": space.slug},
        "extra": dict(event.extra),
    }


@dataclass
class Delivery:
    """One message and what happened to it so far."""

    msg_id: str
    event_type: str
    resource_id: str
    body: bytes
    status: str = "pending"  # pending | delivered | failed
    attempts: int = 0
    response_status: int | None = None
    last_error: str | None = None
    created_at: float = 0.0
    delivered_at: float | None = None
    next_attempt_at: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "msg_id": self.msg_id,
            "event_type": self.event_type,
            "resource_id": self.resource_id,
            "status": self.status,
            "attempts": self.attempts,
            "response_status": self.response_status,
            "last_error": self.last_error,
            "created_at": self.created_at,
            "delivered_at": self.delivered_at,
            "body": json.loads(self.body),
        }


@dataclass(order=True)
class _Due:
    at: float
    seq: int
    delivery: Delivery = field(compare=False)


class WebhookEmitter:
    """Sends the events of a ``SandboxState`` to ``url`` (``attach`` subscribes it)."""

    def __init__(
        self,
        url: str,
        secret: str,
        *,
        max_attempts: int = 8,
        backoff_base: float = 0.5,
        backoff_max: float = 30.0,
        timeout: float = 5.0,
        event_types: frozenset[str] | None = None,
        skip_prefix: str | None = None,
        clock: Callable[[], float] = time.time,
        senders: int = 1,
    ) -> None:
        if senders < 1:
            raise ValueError("senders must be at least 1")
        self.senders = senders
        self.url = url
        self._key = decode_whsec(secret)
        self.max_attempts = max_attempts
        self.backoff_base = backoff_base
        self.backoff_max = backoff_max
        self.timeout = timeout
        self.event_types = event_types
        self.skip_prefix = skip_prefix
        self.clock = clock
        self._cond = threading.Condition()
        self._queue: list[_Due] = []
        self._seq = itertools.count()
        self._deliveries: list[Delivery] = []
        self._threads: list[threading.Thread] = []
        self._stopping = False
        self._state: SandboxState | None = None
        self.paused = False

    # --- wiring --------------------------------------------------------------------------

    def attach(self, state: SandboxState) -> WebhookEmitter:
        self._state = state
        state.subscribe(self._on_event)
        return self

    def detach(self) -> None:
        if self._state is not None:
            self._state.unsubscribe(self._on_event)
            self._state = None

    def _on_event(self, event: SandboxEvent) -> None:
        if self._state is None:
            return
        if self.event_types is not None and event.type not in self.event_types:
            return
        if self.skip_prefix is not None and event.type.startswith(self.skip_prefix):
            return
        envelope = build_envelope(self._state, event)
        self.enqueue(event.type, str(event.resource_id), envelope, msg_id=event.webhook_id)

    def enqueue(
        self,
        event_type: str,
        resource_id: str,
        envelope: dict[str, Any],
        *,
        msg_id: str | None = None,
    ) -> Delivery:
        """Queue one message; its ``webhook-id`` (``msg_id``, else a new one) is kept across
        retries."""
        now = self.clock()
        delivery = Delivery(
            msg_id=msg_id or "msg_" + uuid.uuid4().hex,
            event_type=event_type,
            resource_id=resource_id,
            body=json.dumps(envelope, ensure_ascii=False).encode("utf-8"),
            created_at=now,
            next_attempt_at=now,
        )
        with self._cond:
            self._deliveries.append(delivery)
            heapq.heappush(self._queue, _Due(now, next(self._seq), delivery))
            self._ensure_thread()
            self._cond.notify_all()
        return delivery

    def redeliver(self, msg_id: str) -> Delivery:
        """Send a message again under the same ``webhook-id`` (a sender's retry after a lost
        answer); the receiver should report it as a duplicate."""
        with self._cond:
            delivery = next(d for d in self._deliveries if d.msg_id == msg_id)
            delivery.status = "pending"
            delivery.next_attempt_at = self.clock()
            heapq.heappush(self._queue, _Due(delivery.next_attempt_at, next(self._seq), delivery))
            self._ensure_thread()
            self._cond.notify_all()
            return delivery

    # --- inspection ----------------------------------------------------------------------

    def deliveries(self) -> list[Delivery]:
        with self._cond:
            return list(self._deliveries)

    def pending_count(self) -> int:
        with self._cond:
            return sum(1 for d in self._deliveries if d.status == "pending")

    def flush(self, timeout: float = 10.0) -> bool:
        """Wait until no delivery is pending (delivered or failed); ``False`` on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while any(d.status == "pending" for d in self._deliveries):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._cond.wait(min(remaining, 0.05))
        return True

    def retry_now(self) -> None:
        """Make every waiting retry due now (tests and the demo do not wait for backoff)."""
        with self._cond:
            now = self.clock()
            for item in self._queue:
                item.at = now
                item.delivery.next_attempt_at = now
            heapq.heapify(self._queue)
            self._cond.notify_all()

    # --- the delivery thread -------------------------------------------------------------

    def _ensure_thread(self) -> None:
        self._threads = [t for t in self._threads if t.is_alive()]
        if not self._threads:
            self._stopping = False
        while len(self._threads) < self.senders:
            thread = threading.Thread(target=self._loop, name="sandbox-webhooks", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        for thread in self._threads:
            thread.join(timeout)

    def _loop(self) -> None:
        session = requests.Session()
        try:
            while True:
                with self._cond:
                    item = self._next_due()
                    if item is None:
                        return
                self._attempt(session, item.delivery)
        finally:
            session.close()

    def _next_due(self) -> _Due | None:
        while not self._stopping:
            if self._queue and not self.paused:
                wait = self._queue[0].at - self.clock()
                if wait <= 0:
                    return heapq.heappop(self._queue)
                self._cond.wait(min(wait, 0.25))
            else:
                self._cond.wait(0.25)
        return None

    def _attempt(self, session: requests.Session, delivery: Delivery) -> None:
        timestamp = int(time.time())
        headers = {
            "content-type": "application/json",
            "user-agent": "decidim-bridge-sandbox",
            "webhook-id": delivery.msg_id,
            "webhook-timestamp": str(timestamp),
            "webhook-signature": sign_standard(
                delivery.msg_id, timestamp, delivery.body, self._key
            ),
        }
        status: int | None = None
        error: str | None = None
        try:
            response = session.post(
                self.url, data=delivery.body, headers=headers, timeout=self.timeout
            )
            status = response.status_code
        except requests.RequestException as exc:
            error = f"{type(exc).__name__}: {exc}"
        with self._cond:
            delivery.attempts += 1
            delivery.response_status = status
            delivery.last_error = error
            if status is not None and 200 <= status < 300:
                delivery.status = "delivered"
                delivery.delivered_at = self.clock()
            elif status is not None and 400 <= status < 500 and status not in RETRY_STATUSES:
                delivery.status = "failed"
                delivery.last_error = f"HTTP {status} (not retried)"
            elif delivery.attempts >= self.max_attempts:
                delivery.status = "failed"
            else:
                delay = min(self.backoff_max, self.backoff_base * 2 ** (delivery.attempts - 1))
                delivery.next_attempt_at = self.clock() + delay
                heapq.heappush(
                    self._queue, _Due(delivery.next_attempt_at, next(self._seq), delivery)
                )
            self._cond.notify_all()
        if delivery.status == "failed":
            log.warning(
                "webhook delivery failed",
                extra={"msg_id": delivery.msg_id, "status": status, "error": delivery.last_error},
            )
