"""The scheduler with an injected clock: one run per period across processes, one catch-up
after downtime, failures retried and visible, a crashed run taken over."""

from __future__ import annotations

import threading
import time
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sandbox_support import FakeClock

from decidim_bridge.app import create_app
from decidim_bridge.errors import BridgeError
from decidim_bridge.job_status import failing_jobs
from decidim_bridge.jobs import Job, JobContext
from decidim_bridge.schedule import parse
from decidim_bridge.scheduler import Scheduler
from decidim_bridge.store import Database
from decidim_bridge.store import jobs as jobs_store

HOUR, DAY = 3600.0, 86400.0
START = datetime(2026, 3, 10, 12, 0, tzinfo=ZoneInfo("Europe/Amsterdam")).timestamp()


class Counting:
    def __init__(self, pause: float = 0.0, fail: bool = False) -> None:
        self.periods: list[float] = []
        self.pause = pause
        self.fail = fail
        self.lock = threading.Lock()

    def __call__(self, ctx: JobContext) -> str:
        time.sleep(self.pause)
        with self.lock:
            self.periods.append(ctx.now)
        if self.fail:
            raise BridgeError("Decidim is down")
        return "counted"


def _jobs(daily: Counting, hourly: Counting) -> list[Job]:
    return [
        Job("daily", parse("daily@03:00"), daily, "a daily job"),
        Job("hourly", parse("hourly"), hourly, "an hourly job"),
        Job("never", parse("off"), Counting(), "switched off"),
    ]


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, settings) -> str:
    if request.param == "sqlite":
        return settings.database_url
    return request.getfixturevalue("pg_url")


def _schedulers(url, settings, jobs, clock, count=2):
    made = []
    for n in range(count):
        db = Database(url)
        db.upgrade()
        made.append(Scheduler(db, settings, jobs=jobs, owner=f"process-{n}", clock=clock))
    return made


def test_each_job_runs_once_per_period_across_two_processes(url, settings):
    clock = FakeClock(START)
    daily, hourly = Counting(pause=0.02), Counting(pause=0.02)
    schedulers = _schedulers(url, settings, _jobs(daily, hourly), clock)
    try:
        for _ in range(int(2 * DAY / HOUR)):  # two days in hourly steps, both "processes"
            barrier = threading.Barrier(2)

            def tick(scheduler, barrier=barrier):
                barrier.wait()
                scheduler.run_due()

            threads = [threading.Thread(target=tick, args=(s,)) for s in schedulers]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(30)
            clock.advance(HOUR)
    finally:
        for scheduler in schedulers:
            scheduler.db.dispose()
    assert len(hourly.periods) == 48  # one per hour, never twice
    assert len(daily.periods) == 3  # the one due at start, then 03:00 on each of two days
    with schedulers[0].db.read() as conn:
        rows = jobs_store.rows(conn, settings.tenant)
    assert rows["hourly"].runs == 48 and rows["daily"].runs == 3
    assert "never" not in rows


def test_a_bridge_down_for_three_days_catches_up_once(url, settings):
    clock = FakeClock(START)
    daily, hourly = Counting(), Counting()
    [scheduler] = _schedulers(url, settings, _jobs(daily, hourly), clock, count=1)
    try:
        assert scheduler.run_due() == ["daily", "hourly"]
        clock.advance(3 * DAY)
        assert scheduler.run_due() == ["daily", "hourly"]
        assert scheduler.run_due() == []
        clock.advance(10 * 60)
        assert scheduler.run_due() == []
    finally:
        scheduler.db.dispose()
    assert len(daily.periods) == len(hourly.periods) == 2


def test_a_failed_run_is_retried_later_and_shown_in_readyz(settings, db):
    clock = FakeClock(START)
    daily, hourly = Counting(fail=True), Counting()
    scheduler = Scheduler(db, settings, jobs=_jobs(daily, hourly), clock=clock)
    assert scheduler.run_due() == ["daily", "hourly"]
    assert scheduler.run_due() == []  # waits for its retry
    assert failing_jobs(db, settings.tenant) == {"daily": "BridgeError: Decidim is down"}

    response = create_app(settings).test_client().get("/readyz")
    assert response.status_code == 200 and response.json["status"] == "ready"
    assert response.json["details"]["failing_jobs"] == {"daily": "BridgeError: Decidim is down"}
    metrics = create_app(settings).test_client().get("/metrics").get_data(as_text=True)
    assert 'bridge_job_failing{job="daily"} 1.0' in metrics

    clock.advance(settings.job_retry_seconds)
    daily.fail = False
    assert scheduler.run_due() == ["daily"]
    assert failing_jobs(db, settings.tenant) == {}
    [status] = [s for s in scheduler.statuses() if s.name == "daily"]
    assert status.row is not None and status.row.status == "ok" and status.row.runs == 2


def test_a_run_whose_process_died_is_taken_over_when_its_lease_lapses(settings, db):
    clock = FakeClock(START)
    daily, hourly = Counting(), Counting()
    jobs = _jobs(daily, hourly)
    with db.begin() as conn:
        jobs_store.ensure(conn, settings.tenant, "daily")
        assert jobs_store.claim(
            conn,
            settings.tenant,
            "daily",
            period=START - 9 * HOUR,
            owner="dead",
            now=clock(),
            lease_seconds=settings.job_lease_seconds,
        )
    other = Scheduler(db, settings, jobs=jobs, owner="alive", clock=clock)
    assert "daily" not in other.run_due()
    clock.advance(settings.job_lease_seconds + 1)
    assert "daily" in other.run_due()
    assert len(daily.periods) == 1


def test_the_next_look_is_when_the_next_period_begins_at_most_a_tick_away(db, settings):
    clock = FakeClock(START + 1.0)
    jobs = [
        Job("often", parse("5s"), Counting(), "every five seconds"),
        Job("never", parse("off"), Counting(), "switched off"),
    ]
    scheduler = Scheduler(db, settings, jobs=jobs, clock=clock)
    assert scheduler.pause(30.0) == pytest.approx(4.01)  # START is a multiple of 5 s
    hourly = Scheduler(db, settings, jobs=_jobs(Counting(), Counting()), clock=clock)
    assert hourly.pause(30.0) == 30.0
