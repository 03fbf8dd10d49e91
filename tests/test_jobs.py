"""The periodic jobs' actions (``decidim_bridge.jobs``)."""

from __future__ import annotations

from decidim_bridge import jobs
from decidim_bridge.services import Services
from decidim_bridge.sources.poller import Poller, SweepReport


class CountingPoller:
    built = 0

    def __init__(self) -> None:
        CountingPoller.built += 1
        self.sweeps = 0

    def sweep_all(self) -> list[SweepReport]:
        self.sweeps += 1
        return [SweepReport(component_id="11", mode="poll")]


def test_the_poll_job_keeps_its_poller_between_sweeps(monkeypatch, settings, db):
    """One client, one token and one look at the spaces' components for the process, not a
    sign-in and a discovery per sweep."""
    CountingPoller.built = 0
    monkeypatch.setattr(Poller, "from_settings", classmethod(lambda cls, *a, **k: CountingPoller()))
    services = Services(settings=settings, db=db)
    for now in (1.0, 2.0):
        summary = jobs.poll_sweep(jobs.JobContext(db, settings, now, services=services))
        assert summary == "1 component(s), 0 new event(s)"
    assert CountingPoller.built == 1 and services.poller.sweeps == 2

    # Without the process's services (``jobs --run poll``) each run builds its own.
    jobs.poll_sweep(jobs.JobContext(db, settings, 3.0))
    assert CountingPoller.built == 2
