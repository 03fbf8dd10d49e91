"""Write-back commands: ``writer``, ``outbox`` (list, ``retry``) and ``reminders``."""

from __future__ import annotations

import time
from typing import Any

import click

from decidim_bridge.cli.common import (
    echo_counts,
    echo_json_rows,
    echo_row_notes,
    fmt_time,
    reports_errors,
    requeue,
    settings_and_db,
)
from decidim_bridge.store import outbox as outbox_store


def build_writer(settings: Any, db: Any) -> Any:
    """The writer with the configured Decidim client and mail backend."""
    from decidim_bridge.decidim.client import DecidimClient
    from decidim_bridge.mail import backend_for
    from decidim_bridge.writeback.writer import Writer

    decidim = DecidimClient.from_settings(settings, db).limited(wait=False)
    mailer = backend_for(settings.smtp_url, settings.mail_dir)
    return Writer(db, settings, decidim=decidim, mailer=mailer)


@click.command()
@click.option("--once", is_flag=True, help="Execute what is due now, then exit.")
@reports_errors
def writer(once: bool) -> None:
    """Execute planned writes (comments, answers, evaluators, notes, mails) until SIGTERM."""
    settings, db = settings_and_db(require_migrated=True, wait=not once)
    runner = build_writer(settings, db)
    runner.install_signal_handlers()
    if once:
        runner.drain()
    else:
        runner.run()


@click.group("outbox", invoke_without_command=True)
@click.option("--status", type=click.Choice(outbox_store.STATUSES), help="Only this status.")
@click.option("--proposal", "proposal_id", help="Only this proposal.")
@click.option("--limit", default=50, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.pass_context
@reports_errors
def outbox(
    ctx: click.Context, status: str | None, proposal_id: str | None, limit: int, as_json: bool
) -> None:
    """List planned writes (newest first) and the count per status."""
    if ctx.invoked_subcommand is not None:
        return
    _, database = settings_and_db(configure_logging=False)
    with database.read() as conn:
        rows = outbox_store.list_rows(conn, status=status, proposal_id=proposal_id, limit=limit)
        counts = outbox_store.counts(conn)
    if as_json:
        echo_json_rows(rows, leave_out="payload")
        return
    echo_counts(counts)
    if not rows:
        click.echo("(no rows)")
        return
    click.echo(
        f"{'ID':>6}  {'STATUS':10} {'TRIES':>5}  {'UPDATED':19}  {'REF':10} "
        "KIND / PURPOSE / PROPOSAL / RECIPIENT"
    )
    for row in rows:
        target = _target(row.proposal_id, row.plan_version)
        click.echo(
            f"{row.id:>6}  {row.status:10} {row.attempts:>5}  {fmt_time(row.updated_at):19}  "
            f"{row.ref:10} {row.kind} {row.purpose}  {target}  {row.recipient}".rstrip()
        )
        echo_row_notes(
            row.outcome, row.last_error, show_error=row.status not in ("done", "superseded")
        )


def _target(proposal_id: str | None, plan_version: int | None) -> str:
    """What a row is about: a proposal's plan version, or nothing (e.g. a council digest)."""
    if not proposal_id:
        return "-"
    if plan_version is None:
        return f"proposal {proposal_id}"
    return f"proposal {proposal_id} v{plan_version}"


@outbox.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all-dead", is_flag=True, help="Retry every dead write.")
@reports_errors
def outbox_retry(ids: tuple[int, ...], all_dead: bool) -> None:
    """Put dead writes back; Decidim writes read Decidim first, so none is applied twice."""
    count = requeue(outbox_store.retry, ids, all_dead, what="outbox")
    click.echo(f"{count} write(s) queued again")


@click.command()
@reports_errors
def reminders() -> None:
    """Remind lead advisors once when a promised date passed without an answer in Decidim.

    Run it periodically (e.g. daily from cron or a Kubernetes CronJob).
    """
    from decidim_bridge import plan_versions
    from decidim_bridge.decidim.client import DecidimClient
    from decidim_bridge.plan.model import OPEN
    from decidim_bridge.rules.loader import load as load_mappings
    from decidim_bridge.writeback.reminders import run_reminders

    settings, db = settings_and_db()
    mappings = load_mappings(settings.mappings_dir)
    decidim = DecidimClient.from_settings(settings, db).limited(wait=True)
    with db.read() as conn:
        current = plan_versions.current_versions(conn, settings.tenant, stage=OPEN)
    result = run_reminders(
        db,
        settings,
        mappings,
        decidim=decidim,
        open_plans=[(item.plan, item.version) for item in current],
        now=time.time(),
    )
    click.echo(
        f"checked {result.checked} open plan(s): {result.planned} reminder(s) planned, "
        f"{result.skipped} skipped"
    )


def register(group: click.Group) -> None:
    for command in (writer, outbox, reminders):
        group.add_command(command)
