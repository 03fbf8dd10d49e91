"""Operations commands: ``run`` (the whole bridge in one process), ``jobs``, ``doctor``,
and a data subject's ``export`` and ``forget``."""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import click

from decidim_bridge.cli.common import fmt_time, reports_errors, settings_and_db


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int, help="Web server threads.")
@reports_errors
def run(host: str, port: int, threads: int) -> None:
    """The whole bridge in one process: web server, worker, writer and scheduler.

    Applies pending migrations first. Stops gracefully on SIGTERM or SIGINT.
    """
    from decidim_bridge.runner import run_bridge

    settings, _ = settings_and_db(require_schema=False)  # it applies the migrations itself
    run_bridge(settings, host=host, port=port, threads=threads)


@click.command("jobs")
@click.option("--run", "run_now", help="Run this job now (whatever its schedule).")
@reports_errors
def jobs_command(run_now: str | None) -> None:
    """Each periodic job: its schedule, last run, outcome and next run."""
    from decidim_bridge.jobs import JOBS, JobContext, configured_jobs
    from decidim_bridge.scheduler import Scheduler

    if run_now is not None:
        if run_now not in JOBS:
            raise click.BadParameter(f"one of {', '.join(JOBS)}", param_hint="--run")
        settings, db = settings_and_db()
        [job] = [j for j in configured_jobs(settings) if j.name == run_now]
        click.echo(job.action(JobContext(db, settings, time.time())))
        return
    settings, db = settings_and_db(configure_logging=False, require_migrated=True)
    statuses = Scheduler(db, settings).statuses()
    click.echo(
        f"{'JOB':14} {'SCHEDULE':14} {'LAST RUN':19}  {'OUTCOME':8} {'NEXT RUN':19}  SUMMARY"
    )
    for status in statuses:
        row = status.row
        last = fmt_time(row.started_at) if row and row.started_at else "-"
        outcome = row.status if row and row.status != "idle" else "-"
        upcoming = "off" if status.next_run is None else fmt_time(status.next_run)
        if status.next_run is not None and status.next_run <= time.time():
            upcoming = "due now"
        line = f"{status.name:14} {status.schedule:14} {last:19}  {outcome:8} {upcoming:19}"
        click.echo(f"{line}  {_note(row, outcome)}".rstrip())


def _note(row: Any, outcome: str) -> str:
    if row is None:
        return ""
    if outcome == "failed" and row.last_error:
        return str(row.last_error).splitlines()[0]
    return str(row.summary or "")


@click.command()
@reports_errors
def doctor() -> None:
    """Check configuration, database, Decidim, mappings, mail, secrets and clock.

    One line per check (OK, WARN or FAIL); exit status 1 when any check failed.
    """
    from decidim_bridge.config import load_settings
    from decidim_bridge.doctor import FAIL, run_checks
    from decidim_bridge.errors import ConfigError
    from decidim_bridge.store import Database

    try:
        settings = load_settings()
    except ConfigError as exc:
        click.echo(f"FAIL  {'configuration':13} {exc.message}")
        sys.exit(1)
    results = run_checks(settings, Database(settings.database_url))
    for check in results:
        click.echo(check.line())
    sys.exit(1 if any(c.level == FAIL for c in results) else 0)


@click.command()
@click.argument("proposal_id")
@reports_errors
def export(proposal_id: str) -> None:
    """Print, as JSON, everything the bridge holds about proposal PROPOSAL_ID."""
    from decidim_bridge.privacy.subject import export as export_data

    settings, db = settings_and_db(configure_logging=False, require_migrated=True)
    click.echo(json.dumps(export_data(db, settings, proposal_id), indent=2, default=_plain))


def _plain(value: Any) -> Any:
    return str(value)


@click.command()
@click.argument("proposal_id")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@reports_errors
def forget(proposal_id: str, yes: bool) -> None:
    """Remove the personal data the bridge holds about proposal PROPOSAL_ID.

    Deletes its events, plans, holds (given back), planned and done writes, approvals and
    mail files, and says what it removed. Decidim's own copy is not touched.
    """
    from decidim_bridge.privacy.subject import forget as forget_data

    settings, db = settings_and_db(configure_logging=False, require_migrated=True)
    if not yes:
        click.confirm(
            f"Remove everything the bridge holds about proposal {proposal_id}?", abort=True
        )
    result = forget_data(db, settings, proposal_id, time.time())
    if not result.anything:
        click.echo(f"nothing stored about proposal {proposal_id}")
        return
    for table, count in sorted(result.rows.items()):
        click.echo(f"{table}: {count} row(s) deleted")
    if result.holds_released:
        click.echo(f"{result.holds_released} hold(s) given back")
    for name in result.mail_files:
        click.echo(f"mail file {name} deleted")


def register(group: click.Group) -> None:
    for command in (run, jobs_command, doctor, export, forget):
        group.add_command(command)
