"""Tests for decidim_bridge.store.inbox, on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from decidim_bridge.errors import LeaseLost, NotFound, StoreError, StoreUnavailable
from decidim_bridge.store import inbox


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request):
    return request.getfixturevalue("db" if request.param == "sqlite" else "pg_db")


def add(conn, key: str, subject: str = "proposal:1", now: float = 100.0, **kw):
    return inbox.store_delivery(
        conn,
        tenant="localhost",
        source="decidim",
        delivery_key=key,
        event_type="decidim.events.proposals.proposal_published",
        subject=subject,
        body="{}",
        body_sha256=kw.pop("sha", "0" * 64),
        now=now,
        **kw,
    )


def claim(db, owner="w1", now=100.0, lease=30.0, limit=1):
    with db.begin() as conn:
        return inbox.claim(conn, owner=owner, now=now, lease_seconds=lease, limit=limit)


class TestStoreDelivery:
    def test_duplicate_detected(self, any_db):
        with any_db.begin() as conn:
            first = add(conn, "a")
            second = add(conn, "a")
            other_body = add(conn, "a", sha="1" * 64)
        assert not first.duplicate
        assert second.duplicate and second.id == first.id and not second.body_mismatch
        assert other_body.body_mismatch

    def test_same_key_other_source_is_not_a_duplicate(self, any_db):
        with any_db.begin() as conn:
            add(conn, "a")
            result = inbox.store_delivery(
                conn,
                tenant="localhost",
                source="rest-full",
                delivery_key="a",
                event_type="x.y",
                subject="s",
                body="{}",
                body_sha256="0" * 64,
                now=1.0,
            )
        assert not result.duplicate

    def test_batch_stores_every_column_once_per_key(self, any_db):
        deliveries = [
            inbox.NewDelivery(
                "localhost", "decidim", key, "a.b", "proposal:7", body, sha, 5.0, status
            )
            for key, body, sha, status in [
                ("k1", '{"n": 1}', "1" * 64, "pending"),
                ("k2", '{"n": 2}', "2" * 64, "ignored"),
                ("k1", '{"n": 1}', "1" * 64, "pending"),
            ]
        ]
        with any_db.begin() as conn:
            results = inbox.store_deliveries(conn, deliveries)
            rows = {r.delivery_key: r for r in inbox.list_rows(conn)}
        assert [(r.duplicate, r.body_mismatch) for r in results] == [
            (False, False),
            (False, False),
            (True, False),
        ]
        assert results[2].id == results[0].id == rows["k1"].id
        assert (rows["k1"].body, rows["k1"].body_sha256, rows["k1"].status) == (
            '{"n": 1}',
            "1" * 64,
            "pending",
        )
        assert (rows["k1"].received_at, rows["k1"].next_attempt_at, rows["k1"].attempts) == (
            5.0,
            5.0,
            0,
        )
        assert (rows["k1"].finished_at, rows["k2"].finished_at) == (None, 5.0)
        assert rows["k2"].status == "ignored"

    def test_driver_errors_are_translated(self, pg_db):
        too_long = inbox.NewDelivery("localhost", "decidim", "k", "x" * 300, "s", "{}", "0", 1.0)
        with pytest.raises(StoreError) as raised, pg_db.begin() as conn:
            inbox.store_deliveries(conn, [too_long])
        assert not isinstance(raised.value, StoreUnavailable)
        with pytest.raises(StoreUnavailable), pg_db.begin() as conn:
            pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
            with pg_db.engine.connect() as admin:
                admin.exec_driver_sql(f"SELECT pg_terminate_backend({int(pid)})")
            inbox.store_deliveries(conn, [too_long])


class TestClaim:
    def test_fifo_and_one_subject_at_a_time(self, any_db):
        with any_db.begin() as conn:
            add(conn, "a", subject="proposal:1")
            add(conn, "b", subject="proposal:1")
            add(conn, "c", subject="proposal:2")
        taken = claim(any_db, limit=10)
        # b waits for a (same proposal); c is independent.
        assert [r.delivery_key for r in taken] == ["a", "c"]
        assert claim(any_db, owner="w2") == []
        with any_db.begin() as conn:
            inbox.finish(conn, taken[0].id, owner="w1", now=101.0)
        assert [r.delivery_key for r in claim(any_db, owner="w2", now=101.0)] == ["b"]

    def test_expired_lease_is_claimed_again_and_fenced(self, any_db):
        with any_db.begin() as conn:
            add(conn, "a")
        (first,) = claim(any_db, owner="w1", now=100.0, lease=10.0)
        assert claim(any_db, owner="w2", now=105.0) == []
        (again,) = claim(any_db, owner="w2", now=111.0)
        assert again.id == first.id and again.attempts == 2
        with any_db.begin() as conn, pytest.raises(LeaseLost):
            inbox.finish(conn, first.id, owner="w1", now=112.0)
        with any_db.begin() as conn:
            inbox.finish(conn, first.id, owner="w2", now=112.0, outcome="ok")
            row = inbox.get(conn, first.id)
        assert row.status == "done" and row.outcome == "ok" and row.lease_owner is None

    def test_retry_waits_for_next_attempt_and_blocks_the_subject(self, any_db):
        with any_db.begin() as conn:
            add(conn, "a")
            add(conn, "b")
        (row,) = claim(any_db)
        with any_db.begin() as conn:
            status = inbox.fail(conn, row.id, owner="w1", now=100.0, error="boom", retry_at=160.0)
        assert status == "pending"
        assert claim(any_db, now=150.0) == []  # "b" may not overtake "a"
        (again,) = claim(any_db, now=160.0)
        assert again.delivery_key == "a" and again.last_error == "boom"

    def test_dead_row_no_longer_blocks_and_can_be_retried(self, any_db):
        with any_db.begin() as conn:
            add(conn, "a")
            add(conn, "b")
        (row,) = claim(any_db)
        with any_db.begin() as conn:
            assert (
                inbox.fail(conn, row.id, owner="w1", now=100.0, error="x", retry_at=None) == "dead"
            )
        (next_row,) = claim(any_db, now=100.0)
        assert next_row.delivery_key == "b"
        with any_db.begin() as conn:
            assert inbox.retry(conn, now=200.0, all_dead=True) == 1
            assert inbox.get(conn, row.id).status == "pending"
            assert inbox.counts(conn)["dead"] == 0

    def test_retry_unknown_id_names_every_missing_id(self, any_db):
        with any_db.begin() as conn:
            known = add(conn, "a").id
        with any_db.begin() as conn, pytest.raises(NotFound) as info:
            inbox.retry(conn, now=1.0, ids=[known, 998, 999])
        assert info.value.message == "no inbox row 998, 999"

    def test_retry_by_id_requeues_only_those_ids(self, any_db):
        """Ids win over ``all_dead``: naming one dead event never requeues every dead one."""
        with any_db.begin() as conn:
            add(conn, "a", subject="proposal:1")
            add(conn, "b", subject="proposal:2")
        first, second = claim(any_db, limit=2)
        with any_db.begin() as conn:
            for row in (first, second):
                inbox.fail(conn, row.id, owner="w1", now=100.0, error="x", retry_at=None)
            assert inbox.retry(conn, now=200.0, ids=[first.id], all_dead=True) == 1
            assert inbox.get(conn, first.id).status == "pending"
            assert inbox.get(conn, second.id).status == "dead"

    def test_ignored_rows_are_never_claimed(self, any_db):
        with any_db.begin() as conn:
            add(conn, "a", status="ignored", outcome="unknown-event-type")
        assert claim(any_db) == []

    def test_extend_lease(self, any_db):
        with any_db.begin() as conn:
            add(conn, "a")
        (row,) = claim(any_db, lease=10.0)
        with any_db.begin() as conn:
            inbox.extend_lease(conn, row.id, owner="w1", until=500.0)
        assert claim(any_db, owner="w2", now=400.0) == []


class TestTurnsAcrossSpaces:
    """Within a space the oldest first, a proposal's events in order; across spaces turns."""

    def _burst(self, db):
        """50 events of 25 proposals of space A (two each, in order), then 1 of space B."""
        with db.begin() as conn:
            for n in range(50):
                add(conn, f"a{n:02d}", subject=f"proposal:{n // 2}", now=100.0 + n, space="A")
            add(conn, "b", subject="proposal:900", now=160.0, space="B")

    def test_one_at_a_time_the_other_space_comes_second(self, any_db):
        self._burst(any_db)
        order = []
        for step in range(51):
            (row,) = claim(any_db, owner="w1", now=200.0 + step)
            order.append(row.delivery_key)
            with any_db.begin() as conn:
                inbox.finish(conn, row.id, owner="w1", now=200.5 + step)
        assert order[:2] == ["a00", "b"]
        assert order[2:] == [f"a{n:02d}" for n in range(1, 50)]  # oldest first within A

    def test_a_batch_takes_the_first_of_each_space_first(self, any_db):
        self._burst(any_db)
        taken = claim(any_db, limit=5, now=200.0)
        # A's second event of each proposal waits for its first (one subject at a time).
        assert [r.delivery_key for r in taken] == ["a00", "b", "a02", "a04", "a06"]
        assert {r.space for r in taken} == {"A", "B"} and taken[0].claimed_at == 200.0

    def test_spaces_alternate_when_both_are_busy(self, any_db):
        with any_db.begin() as conn:
            for n in range(4):
                add(conn, f"a{n}", subject=f"proposal:{n}", now=100.0 + n, space="A")
            for n in range(4):
                add(conn, f"b{n}", subject=f"proposal:{10 + n}", now=110.0 + n, space="B")
        order = []
        for step in range(8):
            (row,) = claim(any_db, owner="w1", now=200.0 + step)
            order.append(row.delivery_key)
        assert order == ["a0", "b0", "a1", "b1", "a2", "b2", "a3", "b3"]

    def test_concurrent_claimers_never_share_a_row(self, pg_db):
        """Two open transactions claim at once: SKIP LOCKED gives each other rows."""
        self._burst(pg_db)
        with pg_db.begin() as first, pg_db.begin() as second:
            one = inbox.claim(first, owner="w1", now=200.0, lease_seconds=30, limit=3)
            two = inbox.claim(second, owner="w2", now=200.0, lease_seconds=30, limit=3)
        assert [r.delivery_key for r in one] == ["a00", "b", "a02"]
        assert [r.delivery_key for r in two] == ["a04", "a06", "a08"]


def test_live_work_is_a_due_or_running_event_of_another_source(db) -> None:
    def delivery(source: str, key: str) -> inbox.NewDelivery:
        subject = f"proposal:{key}"
        return inbox.NewDelivery("localhost", source, key, "x.y", subject, "{}", "0", 1.0)

    with db.begin() as conn:
        assert inbox.has_due(conn, now=5.0) is False
        inbox.store_deliveries(conn, [delivery("poller", "p1")])
        assert inbox.has_due(conn, now=5.0) is True
        assert inbox.has_due(conn, now=5.0, not_from="poller") is False
        inbox.store_deliveries(conn, [delivery("decidim", "d1")])
        assert inbox.has_due(conn, now=5.0, not_from="poller") is True
        assert inbox.has_due(conn, now=0.5, not_from="poller") is False  # not due yet
        assert inbox.has_due(conn, now=0.5, not_from="poller", horizon=0.5) is True
        claimed = inbox.claim(conn, owner="w", now=5.0, lease_seconds=30, limit=5, tenant=None)
        assert {r.source for r in claimed} == {"poller", "decidim"}
        assert inbox.has_due(conn, now=6.0, not_from="poller") is True  # being handled
        for row in claimed:
            inbox.finish(conn, row.id, owner="w", now=7.0, status="done", outcome="ok")
        assert inbox.has_due(conn, now=8.0) is False


def test_the_pollers_events_are_claimed_after_the_webhooks(db) -> None:
    def delivery(source: str, key: str) -> inbox.NewDelivery:
        return inbox.NewDelivery("localhost", source, key, "x.y", f"proposal:{key}", "{}", "0", 1.0)

    with db.begin() as conn:
        inbox.store_deliveries(conn, [delivery("poller", "p1"), delivery("poller", "p2")])
        inbox.store_deliveries(conn, [delivery("decidim", "d1")])
    with db.begin() as conn:
        first = inbox.claim(
            conn,
            owner="w",
            now=5.0,
            lease_seconds=30,
            limit=2,
            tenant=None,
            later_sources=["poller"],
        )
    assert [r.delivery_key for r in first] == ["d1", "p1"]  # without the rule: p1, p2
