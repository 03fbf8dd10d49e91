"""Prometheus metrics (prefix ``bridge_``; base units; ``_total`` on counters).

Counters and histograms live in the process that changes them (web or worker). With
``PROMETHEUS_MULTIPROC_DIR`` set (the CLI sets it for ``serve``/``worker``/``demo``), the
``/metrics`` endpoint aggregates every process. Inbox gauges are read from the database at
scrape time, so they are right whichever process asks.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

if TYPE_CHECKING:
    from decidim_bridge.store import Database

WEBHOOK_DELIVERIES = Counter(
    "bridge_webhook_deliveries",
    "Webhook deliveries by source and outcome.",
    ["source", "outcome"],
)
WEBHOOK_ACK_SECONDS = Histogram(
    "bridge_webhook_ack_duration_seconds",
    "Time from request to acknowledgement of a webhook delivery.",
    ["source"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0),
)
SIGNATURE_FAILURES = Counter(
    "bridge_webhook_signature_failures",
    "Rejected signatures by reason (never shown to the sender).",
    ["source", "reason"],
)
IGNORED_EVENTS = Counter(
    "bridge_ignored_events",
    "Events stored as ignored at intake, by reason.",
    ["source", "reason"],
)
EVENTS_PROCESSED = Counter(
    "bridge_events_processed",
    "Inbox events handled by workers, by outcome.",
    ["outcome"],
)
EVENT_PROCESSING_SECONDS = Histogram(
    "bridge_event_processing_seconds",
    "Time a worker spent handling one inbox event.",
    buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0),
)


class InboxCollector(Collector):
    """Inbox depth per status, dead letters and the age of the oldest open event."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from decidim_bridge.store import inbox as inbox_store

        with self.db.read() as conn:
            counts = inbox_store.counts(conn)
            oldest = inbox_store.oldest_pending_received_at(conn)
        depth = GaugeMetricFamily("bridge_inbox_events", "Inbox rows by status.", labels=["status"])
        for status, count in counts.items():
            depth.add_metric([status], count)
        yield depth
        yield GaugeMetricFamily(
            "bridge_dead_letter_events",
            "Inbox events that exhausted their attempts.",
            value=counts["dead"],
        )
        yield GaugeMetricFamily(
            "bridge_oldest_open_event_age_seconds",
            "Age of the oldest pending or running inbox event (0 when none).",
            value=max(0.0, time.time() - oldest) if oldest is not None else 0.0,
        )


def _process_metrics() -> bytes:
    """Counters and histograms of this process, or of every process in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def render(db: Database | None, extra: Sequence[Collector] = ()) -> tuple[bytes, str]:
    """The exposition text for ``/metrics``; without a database, no inbox or ``extra``
    gauges (collectors that read the database at scrape time)."""
    body = _process_metrics()
    if db is not None:
        scrape_registry = CollectorRegistry()
        scrape_registry.register(InboxCollector(db))
        for collector in extra:
            scrape_registry.register(collector)
        body += generate_latest(scrape_registry)
    return body, CONTENT_TYPE_LATEST
