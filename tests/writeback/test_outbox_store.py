"""The outbox table on SQLite and PostgreSQL: once per key, lanes in order, fenced leases."""

from __future__ import annotations

import pytest

from decidim_bridge.errors import LeaseLost
from decidim_bridge.store import outbox as store
from decidim_bridge.store.outbox import NewEffect


def _effect(key: str, lane: str = "decidim:1", kind: str = "decidim_comment") -> NewEffect:
    return NewEffect(
        tenant="localhost",
        effect_key=key,
        ref="LB-" + key[:6].upper(),
        proposal_id="1",
        plan_version=1,
        kind=kind,
        purpose="initiators",
        recipient="",
        lane=lane,
        public=kind != "mail",
        payload={"body": "x"},
    )


def _exercise(database) -> None:
    with database.begin() as conn:
        assert len(store.record(conn, [_effect("a" * 64), _effect("b" * 64)], now=1.0)) == 2
        assert store.record(conn, [_effect("a" * 64)], now=2.0) == []
    with database.begin() as conn:
        (first,) = store.claim(conn, owner="w1", now=5.0, lease_seconds=30, limit=5)
    assert first.effect_key == "a" * 64 and first.status == "planned"
    with database.begin() as conn:
        # the second row of the lane waits for the first
        assert store.claim(conn, owner="w2", now=6.0, lease_seconds=30, limit=5) == []
    with database.begin() as conn, pytest.raises(LeaseLost):
        store.mark_done(conn, first.id, owner="w2", now=7.0)
    with database.begin() as conn:
        # lease expired: another writer takes it over and learns the outcome is unknown
        (again,) = store.claim(conn, owner="w2", now=40.0, lease_seconds=30)
    assert again.id == first.id and again.status == "in_flight" and again.attempts == 2
    with database.begin() as conn:
        store.mark_done(conn, again.id, owner="w2", now=41.0, remote_id="7")
        (second,) = store.claim(conn, owner="w2", now=42.0, lease_seconds=30)
    assert second.effect_key == "b" * 64
    with database.read() as conn:
        counts = store.counts(conn)
    assert counts["done"] == 1 and counts["in_flight"] == 1


def test_outbox_on_sqlite(db) -> None:
    _exercise(db)


def test_outbox_on_postgresql(pg_db) -> None:
    _exercise(pg_db)
