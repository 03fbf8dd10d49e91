"""Tests for decidim_bridge.worker: handling, retries, dead letters, crashes, concurrency."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import dumps, envelope, store_event
from sqlalchemy import text
from workers.run_worker import ensure_handled_table

from decidim_bridge.config import load_settings
from decidim_bridge.errors import DecidimRateLimited, DecidimUnavailable, GraphQLError
from decidim_bridge.store import inbox
from decidim_bridge.worker import Worker

EVENT = "decidim.events.proposals.proposal_published"
RUN_WORKER = Path(__file__).parent / "workers" / "run_worker.py"


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def put(db, key: str, proposal_id: int = 1, event_type: str = EVENT, now: float = 1000.0):
    body = dumps(envelope(event_type=event_type, proposal_id=proposal_id)).decode()
    return store_event(
        db, key, event_type=event_type, subject=f"proposal:{proposal_id}", body=body, now=now
    )


def row(db, row_id):
    with db.read() as conn:
        return inbox.get(conn, row_id)


@pytest.fixture
def worker_settings(settings):
    return load_settings(
        environ={},
        instance_dir=settings.instance_dir,
        worker_max_attempts=3,
        worker_backoff_base=10,
        worker_backoff_max=100,
    )


class TestHandling:
    def test_handler_outcome_recorded(self, db, worker_settings):
        seen = []
        worker = Worker(db, worker_settings, {EVENT: lambda e, ctx: seen.append(e) or "planned"})
        row_id = put(db, "a", proposal_id=5)
        assert worker.run_once() is True
        assert worker.run_once() is False
        assert seen[0].proposal_id == "5" and seen[0].component_id == "7"
        done = row(db, row_id)
        assert (done.status, done.outcome, done.attempts) == ("done", "planned", 1)

    def test_explicitly_ignored_event(self, db, worker_settings):
        worker = Worker(db, worker_settings, {}, ignored={"x.comment": "not relevant"})
        row_id = put(db, "a", event_type="x.comment")
        worker.run_once()
        assert row(db, row_id).status == "ignored"
        assert "not relevant" in row(db, row_id).outcome

    def test_events_of_one_proposal_in_order(self, db, worker_settings):
        order = []
        worker = Worker(db, worker_settings, {EVENT: lambda e, ctx: order.append(ctx.row.id)})
        ids = [put(db, f"k{i}", proposal_id=i % 2) for i in range(6)]
        while worker.run_once():
            pass
        assert order == ids


class TestFailures:
    def test_retryable_error_backs_off_then_succeeds(self, db, worker_settings):
        clock = Clock()
        calls = []

        def flaky(event, ctx):
            calls.append(clock.now)
            if len(calls) == 1:
                raise DecidimUnavailable("Decidim is down")
            return "ok"

        worker = Worker(db, worker_settings, {EVENT: flaky}, clock=clock)
        row_id = put(db, "a")
        worker.run_once()
        failed = row(db, row_id)
        assert failed.status == "pending" and "Decidim is down" in failed.last_error
        assert 1000.0 <= failed.next_attempt_at <= 1010.0  # full jitter under base * 2**0
        clock.now = failed.next_attempt_at
        worker.run_once()
        assert row(db, row_id).status == "done" and row(db, row_id).attempts == 2

    def test_dead_letter_after_max_attempts(self, db, worker_settings):
        clock = Clock()

        def broken(event, ctx):
            raise RuntimeError("bug")

        worker = Worker(db, worker_settings, {EVENT: broken}, clock=clock)
        row_id = put(db, "a")
        for _ in range(worker_settings.worker_max_attempts):
            clock.now += 1000
            assert worker.run_once()
        dead = row(db, row_id)
        assert (
            dead.status == "dead" and dead.attempts == 3 and "RuntimeError: bug" in dead.last_error
        )
        clock.now += 10_000
        assert worker.run_once() is False

    def test_permanent_error_is_dead_at_once(self, db, worker_settings):
        def refused(event, ctx):
            raise GraphQLError("not allowed", codes=("MUTATION_NOT_AUTHORIZED_ERROR",))

        worker = Worker(db, worker_settings, {EVENT: refused})
        row_id = put(db, "a")
        worker.run_once()
        assert row(db, row_id).status == "dead"

    def test_rate_limited_waits_for_the_window(self, db, worker_settings):
        clock = Clock()

        def limited(event, ctx):
            raise DecidimRateLimited(retry_after=42.0)

        worker = Worker(db, worker_settings, {EVENT: limited}, clock=clock)
        row_id = put(db, "a")
        worker.run_once()
        assert row(db, row_id).next_attempt_at == pytest.approx(1042.0)


class TestLoop:
    def test_stop_finishes_current_event(self, db, worker_settings):
        started, release = threading.Event(), threading.Event()

        def slow(event, ctx):
            started.set()
            release.wait(5)
            return "ok"

        worker = Worker(db, worker_settings, {EVENT: slow})
        row_id = put(db, "a")
        put(db, "b", proposal_id=2)
        thread = threading.Thread(target=worker.run, kwargs={"idle_sleep": 0.01})
        thread.start()
        assert started.wait(5)
        worker.stop()
        release.set()
        thread.join(5)
        assert not thread.is_alive()
        assert row(db, row_id).status == "done"
        with db.read() as conn:
            assert inbox.counts(conn)["pending"] == 1  # the second event was left for later


def _handled(db):
    with db.read() as conn:
        return conn.execute(
            text("SELECT inbox_id, subject, worker FROM handled ORDER BY seq")
        ).all()


@pytest.mark.slow
def test_killed_worker_event_is_finished_once_by_the_next_worker(db, tmp_path):
    """SIGKILL in the middle of handling; after the lease a second worker handles it, once."""
    row_id = put(db, "a", now=time.time())
    marker = tmp_path / "started"
    first = subprocess.Popen(
        [
            sys.executable,
            str(RUN_WORKER),
            "--db",
            db.url,
            "--lease",
            "2",
            "--started-marker",
            str(marker),
            "--hang",
        ],
    )
    try:
        deadline = time.monotonic() + 30
        while not marker.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert marker.exists(), "the first worker never started handling"
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(10)
    assert row(db, row_id).status == "running"
    second = subprocess.run(
        [sys.executable, str(RUN_WORKER), "--db", db.url, "--lease", "2", "--exit-when-idle", "4"],
        timeout=60,
        check=True,
    )
    assert second.returncode == 0
    handled = _handled(db)
    assert [h.inbox_id for h in handled] == [row_id]
    final = row(db, row_id)
    assert (final.status, final.attempts, final.outcome) == ("done", 2, "recorded")


@pytest.mark.slow
def test_two_workers_on_postgres_drain_1000_events_once_each(pg_db):
    now = time.time()
    with pg_db.begin() as conn:
        for i in range(1000):
            inbox.store_delivery(
                conn,
                tenant="localhost",
                source="decidim",
                delivery_key=f"k{i}",
                event_type=EVENT,
                subject=f"proposal:{i % 100}",
                body=dumps(envelope(proposal_id=i % 100)).decode(),
                body_sha256="0" * 64,
                now=now,
            )
    # Created once here: two processes racing on CREATE TABLE IF NOT EXISTS can both fail.
    ensure_handled_table(pg_db)
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                str(RUN_WORKER),
                "--db",
                pg_db.url,
                "--lease",
                "30",
                "--handle-sleep",
                "0.002",
                "--exit-when-idle",
                "2",
            ]
        )
        for _ in range(2)
    ]
    for proc in procs:
        assert proc.wait(240) == 0
    handled = _handled(pg_db)
    ids = [h.inbox_id for h in handled]
    assert len(ids) == 1000 and len(set(ids)) == 1000
    with pg_db.read() as conn:
        counts = inbox.counts(conn)
    assert counts["done"] == 1000 and counts["pending"] == counts["running"] == 0
    assert len({h.worker for h in handled}) == 2, "both workers took part"
    # Events of one proposal were handled in arrival order.
    by_subject: dict[str, list[int]] = {}
    for h in handled:
        by_subject.setdefault(h.subject, []).append(h.inbox_id)
    assert all(seq == sorted(seq) for seq in by_subject.values())
