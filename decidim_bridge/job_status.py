"""What the web app shows of the periodic jobs: failing jobs for ``/readyz`` and gauges for
``/metrics``, read from ``job_runs`` (the web app never imports the scheduler or the jobs)."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from decidim_bridge.store import Database
from decidim_bridge.store import jobs as jobs_store


class JobsCollector(Collector):
    """Per job: when it last succeeded, and whether its last run failed (read at scrape)."""

    def __init__(self, db: Database, tenant: str) -> None:
        self.db = db
        self.tenant = tenant

    def collect(self) -> Iterator[GaugeMetricFamily]:
        with self.db.read() as conn:
            found = jobs_store.rows(conn, self.tenant)
        success = GaugeMetricFamily(
            "bridge_job_last_success_timestamp_seconds",
            "When each periodic job last finished well (epoch seconds).",
            labels=["job"],
        )
        failing = GaugeMetricFamily(
            "bridge_job_failing", "1 when a job's last run failed.", labels=["job"]
        )
        for name, row in sorted(found.items()):
            if row.last_success_at is not None:
                success.add_metric([name], row.last_success_at)
            failing.add_metric([name], 1.0 if row.status == jobs_store.FAILED else 0.0)
        yield success
        yield failing


def failing_jobs(db: Database, tenant: str) -> dict[str, str]:
    """Jobs whose last run failed, with the first line of their error (for ``/readyz``)."""
    with db.read() as conn:
        found = jobs_store.rows(conn, tenant)
    return {
        name: (row.last_error or "failed").splitlines()[0][:200]
        for name, row in sorted(found.items())
        if row.status == jobs_store.FAILED
    }
