"""The scheduler: runs each periodic job once per period, in whichever process claims it.

Every ``run`` and ``worker`` process runs a scheduler; the claim in ``store.jobs`` makes one
of them run a period. The clock is injected, so tests move time instead of waiting.
"""

from __future__ import annotations

import logging
import threading
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from prometheus_client import Counter, Histogram

from decidim_bridge.config import Settings
from decidim_bridge.errors import BridgeError, LeaseLost, StoreUnavailable
from decidim_bridge.jobs import Job, JobContext, configured_jobs
from decidim_bridge.loop import LeaseKeeper
from decidim_bridge.schedule import next_start, period_start
from decidim_bridge.store import Database
from decidim_bridge.store import jobs as jobs_store
from decidim_bridge.worker import default_owner

log = logging.getLogger(__name__)

JOB_RUNS = Counter("bridge_job_runs", "Periodic job runs by job and outcome.", ["job", "outcome"])
JOB_SECONDS = Histogram(
    "bridge_job_duration_seconds",
    "Duration of one periodic job run.",
    ["job"],
    buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600),
)
#: Longest wait between two looks at the job table.
TICK_SECONDS = 30.0


def zone_of(settings: Settings) -> tzinfo:
    try:
        return ZoneInfo(settings.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        log.warning("unknown time zone; schedules use UTC", extra={"zone": settings.timezone})
        return ZoneInfo("UTC")


@dataclass(frozen=True)
class JobStatus:
    """What ``decidim-bridge jobs`` shows of one job."""

    name: str
    schedule: str
    what: str
    row: jobs_store.JobRow | None
    next_run: float | None


class Scheduler:
    def __init__(
        self,
        db: Database,
        settings: Settings,
        *,
        jobs: Sequence[Job] | None = None,
        services: Any = None,
        owner: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.db = db
        self.settings = settings
        self.jobs = list(configured_jobs(settings) if jobs is None else jobs)
        self.services = services
        self.owner = owner or default_owner()
        self.clock = clock
        self.zone = zone_of(settings)
        self.stop_event = threading.Event()

    def run_due(self) -> list[str]:
        """Run every job whose current period nobody has run yet; returns the names run."""
        ran = []
        for job in self.jobs:
            if self.stop_event.is_set():
                break
            period = period_start(job.schedule, self.clock(), self.zone)
            if period is None:
                continue
            with self.db.begin() as conn:
                jobs_store.ensure(conn, self.settings.tenant, job.name)
                claimed = jobs_store.claim(
                    conn,
                    self.settings.tenant,
                    job.name,
                    period=period,
                    owner=self.owner,
                    now=self.clock(),
                    lease_seconds=self.settings.job_lease_seconds,
                )
            if claimed:
                self._run(job)
                ran.append(job.name)
        return ran

    def _run(self, job: Job) -> None:
        started = time.monotonic()
        error: str | None = None
        summary = ""
        keeper = LeaseKeeper(
            lambda: self._renew(job.name), self.settings.job_lease_seconds, f"job-{job.name}"
        )
        try:
            with keeper:
                summary = job.action(
                    JobContext(self.db, self.settings, self.clock(), services=self.services)
                )
        except BridgeError as exc:
            error = f"{type(exc).__name__}: {exc.message}"
        except Exception as exc:  # a job's failure is recorded, never fatal to the process
            error = f"{type(exc).__name__}: {exc}\n" + "".join(traceback.format_exception(exc)[-3:])
        now = self.clock()
        outcome = "ok" if error is None else "failed"
        try:
            with self.db.begin() as conn:
                jobs_store.finish(
                    conn,
                    self.settings.tenant,
                    job.name,
                    owner=self.owner,
                    now=now,
                    summary=summary,
                    error=error,
                    retry_at=None if error is None else now + self.settings.job_retry_seconds,
                )
        except LeaseLost:
            log.warning("job lease lost before finishing", extra={"job": job.name})
            outcome = "lease_lost"
        JOB_RUNS.labels(job=job.name, outcome=outcome).inc()
        JOB_SECONDS.labels(job=job.name).observe(time.monotonic() - started)
        level = logging.INFO if error is None else logging.ERROR
        log.log(
            level,
            "job finished",
            extra={"job": job.name, "outcome": outcome, "summary": summary, "error": error},
        )

    def _renew(self, name: str) -> None:
        with self.db.begin() as conn:
            jobs_store.extend_lease(
                conn,
                self.settings.tenant,
                name,
                owner=self.owner,
                until=self.clock() + self.settings.job_lease_seconds,
            )

    def statuses(self) -> list[JobStatus]:
        with self.db.read() as conn:
            found = jobs_store.rows(conn, self.settings.tenant)
        now = self.clock()
        out = []
        for job in self.jobs:
            row = found.get(job.name)
            upcoming = next_start(job.schedule, now, self.zone)
            if row is not None and row.status == jobs_store.FAILED and row.retry_at:
                upcoming = min(row.retry_at, upcoming or row.retry_at)
            elif upcoming is not None and (
                row is None
                or row.done_period is None
                or (row.done_period < (period_start(job.schedule, now, self.zone) or 0))
            ):
                upcoming = now  # due now: the current period has not run
            out.append(JobStatus(job.name, job.schedule.text, job.what, row, upcoming))
        return out

    # --- the loop ----------------------------------------------------------------------

    def run(self, *, tick: float = TICK_SECONDS) -> None:
        """Look for due jobs every ``tick`` seconds until ``stop()``."""
        if all(job.schedule.off for job in self.jobs):
            return
        log.info("scheduler started", extra={"owner": self.owner})
        while not self.stop_event.is_set():
            try:
                self.run_due()
            except StoreUnavailable as exc:
                log.warning("database unavailable; jobs wait", extra={"error": str(exc)})
            self.stop_event.wait(self.pause(tick))
        log.info("scheduler stopped", extra={"owner": self.owner})

    def pause(self, tick: float = TICK_SECONDS) -> float:
        """Seconds until the next look: when the next period of a job begins, at most
        ``tick`` (a job every few seconds, as in the benchmark, runs on time)."""
        now = self.clock()
        starts = [next_start(job.schedule, now, self.zone) for job in self.jobs]
        soonest = min((start for start in starts if start is not None), default=None)
        if soonest is None:
            return tick
        return min(tick, max(0.0, soonest - now) + 0.01)

    def stop(self, *_: Any) -> None:
        self.stop_event.set()
