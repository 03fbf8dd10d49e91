"""The bridge's periodic jobs: what each one does, and its schedule from the settings.

Each action takes a ``JobContext`` and returns a one-line summary; it raises to fail. The
actions only call what the one-off commands call (``reminders``, ``digest --send``,
``plan release-expired``, ``poll --once``, retention), so a job and its command agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from decidim_bridge.config import Settings
from decidim_bridge.errors import BridgeError
from decidim_bridge.schedule import Schedule, parse
from decidim_bridge.store import Database


@dataclass
class JobContext:
    db: Database
    settings: Settings
    now: float
    services: Any = None

    @property
    def mappings(self) -> Any:
        if self.services is not None and self.services.mappings is not None:
            return self.services.mappings
        from decidim_bridge.rules.loader import load as load_mappings

        return load_mappings(self.settings.mappings_dir)


Action = Callable[[JobContext], str]


@dataclass(frozen=True)
class Job:
    name: str
    schedule: Schedule
    action: Action
    what: str


def send_reminders(ctx: JobContext) -> str:
    """Remind lead advisors once of promised dates that passed without an answer."""
    from decidim_bridge import plan_versions
    from decidim_bridge.decidim.client import DecidimClient
    from decidim_bridge.plan.model import OPEN
    from decidim_bridge.writeback.reminders import run_reminders

    decidim = DecidimClient.from_settings(ctx.settings, ctx.db).limited(wait=True)
    with ctx.db.read() as conn:
        current = plan_versions.current_versions(conn, ctx.settings.tenant, stage=OPEN)
    result = run_reminders(
        ctx.db,
        ctx.settings,
        ctx.mappings,
        decidim=decidim,
        open_plans=[(item.plan, item.version) for item in current],
        now=ctx.now,
    )
    return (
        f"checked {result.checked} open plan(s): {result.planned} reminder(s) planned, "
        f"{result.skipped} skipped"
    )


def send_digest(ctx: JobContext) -> str:
    """Record the previous month's digest mails (once per stakeholder and period)."""
    from decidim_bridge.digest.audience import choose_period
    from decidim_bridge.digest.mailing import PLANNED, record_digest_mails
    from decidim_bridge.plan.calendar import calendar_for

    mappings = ctx.mappings
    today = calendar_for(mappings).local_date(ctx.now)
    period = choose_period(today, None, None, days=90, send=True)
    mails = record_digest_mails(ctx.db, ctx.settings, mappings, period, ctx.now)
    planned = sum(1 for m in mails if m.outcome == PLANNED)
    return f"digest {period.since} to {period.until}: {planned} mail(s) planned"


def release_holds(ctx: JobContext) -> str:
    from decidim_bridge.pipeline import release_expired_holds

    count = release_expired_holds(ctx.db, ctx.settings.tenant, ctx.now, limit=10_000)
    return f"{count} hold(s) released"


def poll_sweep(ctx: JobContext) -> str:
    from decidim_bridge.sources.poller import Poller

    poller = getattr(ctx.services, "poller", None)
    if poller is None:
        poller = Poller.from_settings(ctx.settings, ctx.db, yield_to_live_work=True)
        if ctx.services is not None:
            ctx.services.poller = poller  # kept for the next sweep of this process
    reports = poller.sweep_all()
    failed = [r for r in reports if r.error]
    if failed:
        raise BridgeError("; ".join(f"component {r.component_id}: {r.error}" for r in failed)[:400])
    return f"{len(reports)} component(s), {sum(r.total_events for r in reports)} new event(s)"


def apply_retention(ctx: JobContext) -> str:
    from decidim_bridge.privacy.retention import apply

    return apply(ctx.db, ctx.settings, ctx.now).summary()


#: name -> (settings field with its schedule, action, what it does)
JOBS: dict[str, tuple[str, Action, str]] = {
    "reminders": ("job_reminders", send_reminders, "remind advisors of passed promises"),
    "digest": ("job_digest", send_digest, "mail last month's council digests"),
    "release_holds": ("job_release_holds", release_holds, "release lapsed holds"),
    "poll": ("job_poll", poll_sweep, "sweep Decidim for changes"),
    "retention": ("job_retention", apply_retention, "remove personal data past retention"),
}


def configured_jobs(settings: Settings) -> list[Job]:
    """Every job with its configured schedule (also those that are off)."""
    return [
        Job(name, parse(getattr(settings, field)), action, what)
        for name, (field, action, what) in JOBS.items()
    ]
