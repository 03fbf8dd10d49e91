"""What counts as live work: webhook events and Decidim writes, not the poller's events or mail."""

from __future__ import annotations

from writeback_support import outbox_effect

from decidim_bridge.live_work import queued
from decidim_bridge.store import inbox, outbox


def _event(db, source: str, key: str) -> None:
    with db.begin() as conn:
        inbox.store_deliveries(
            conn,
            [inbox.NewDelivery("localhost", source, key, "x.y", f"proposal:{key}", "{}", "0", 1.0)],
        )


def _write(db, key: str, lane: str, kind: str, now: float) -> None:
    with db.begin() as conn:
        outbox.record(conn, [outbox_effect(key.ljust(64, "x"), lane, kind)], now=now)


def test_the_pollers_events_and_mails_are_not_live_work(db):
    _event(db, "poller", "p1")
    _write(db, "m", "mail:m", "mail", now=1.0)
    assert queued(db, 5.0) is False


def test_a_webhook_event_is_live_work(db):
    _event(db, "decidim", "d1")
    assert queued(db, 5.0) is True


def test_a_decidim_write_due_within_the_horizon_is_live_work(db):
    _write(db, "c", "decidim:1", "decidim_comment", now=10.0)
    assert queued(db, 5.0) is False
    assert queued(db, 5.0, horizon=6.0) is True
    assert queued(db, 10.0) is True
