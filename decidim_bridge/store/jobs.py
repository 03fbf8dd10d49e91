"""Periodic jobs' rows: claiming one period of a job with a lease, and recording the outcome.

The claim is one conditional ``UPDATE``: on PostgreSQL a second process that tries the same
row waits for the first one's commit and then sees the row no longer matches, on SQLite the
write transactions take turns. So whatever the number of processes, one of them runs a
given period. A run whose process died keeps the row ``running`` until its lease lapses; then
another process takes it over. A failed run leaves ``done_period`` where it was, so the
period stays due and is tried again at ``retry_at``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection

from decidim_bridge.errors import LeaseLost
from decidim_bridge.store.schema import job_runs

RUNNING, OK, FAILED, IDLE = "running", "ok", "failed", "idle"


@dataclass(frozen=True)
class JobRow:
    job: str
    status: str
    period: float | None
    done_period: float | None
    lease_owner: str | None
    lease_until: float | None
    started_at: float | None
    finished_at: float | None
    retry_at: float | None
    last_success_at: float | None
    summary: str | None
    last_error: str | None
    runs: int
    failures: int


def _key(tenant: str, job: str) -> ColumnElement[bool]:
    return and_(job_runs.c.tenant == tenant, job_runs.c.job == job)


def ensure(conn: Connection, tenant: str, job: str) -> None:
    """Create the job's row once (a concurrent creator's row is as good as ours)."""
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    conn.execute(
        dialect_insert(job_runs)
        .values(tenant=tenant, job=job, status=IDLE, runs=0, failures=0)
        .on_conflict_do_nothing()
    )


def claim(
    conn: Connection,
    tenant: str,
    job: str,
    *,
    period: float,
    owner: str,
    now: float,
    lease_seconds: float,
) -> bool:
    """Take ``period`` of ``job`` for ``owner``; False when it is done, running or waiting."""
    c = job_runs.c
    due = or_(
        and_(c.status == RUNNING, c.lease_until < now),
        and_(
            c.status != RUNNING,
            or_(c.done_period.is_(None), c.done_period < period),
            or_(c.retry_at.is_(None), c.retry_at <= now),
        ),
    )
    result = conn.execute(
        update(job_runs)
        .where(_key(tenant, job), due)
        .values(
            status=RUNNING,
            period=period,
            lease_owner=owner,
            lease_until=now + lease_seconds,
            started_at=now,
        )
    )
    return result.rowcount == 1


def _fenced(tenant: str, job: str, owner: str) -> ColumnElement[bool]:
    return and_(_key(tenant, job), job_runs.c.status == RUNNING, job_runs.c.lease_owner == owner)


def extend_lease(conn: Connection, tenant: str, job: str, *, owner: str, until: float) -> None:
    result = conn.execute(
        update(job_runs).where(_fenced(tenant, job, owner)).values(lease_until=until)
    )
    if result.rowcount != 1:
        raise LeaseLost(f"job {job} is no longer held by {owner}")


def finish(
    conn: Connection,
    tenant: str,
    job: str,
    *,
    owner: str,
    now: float,
    summary: str | None = None,
    error: str | None = None,
    retry_at: float | None = None,
) -> None:
    """Record the run's outcome: ``error`` None means it went well."""
    c = job_runs.c
    values: dict[str, object] = {
        "lease_owner": None,
        "lease_until": None,
        "finished_at": now,
        "runs": c.runs + 1,
    }
    if error is None:
        values.update(
            status=OK,
            done_period=c.period,
            last_success_at=now,
            summary=(summary or "")[:500],
            last_error=None,
            retry_at=None,
        )
    else:
        values.update(status=FAILED, last_error=error, retry_at=retry_at, failures=c.failures + 1)
    result = conn.execute(update(job_runs).where(_fenced(tenant, job, owner)).values(**values))
    if result.rowcount != 1:
        raise LeaseLost(f"job {job} is no longer held by {owner}")


def rows(conn: Connection, tenant: str) -> dict[str, JobRow]:
    found = conn.execute(select(job_runs).where(job_runs.c.tenant == tenant)).all()
    return {
        row.job: JobRow(**{k: v for k, v in row._mapping.items() if k != "tenant"}) for row in found
    }
