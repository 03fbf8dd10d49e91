"""Write-back commands: ``writer``, ``outbox`` (list, ``retry``) and ``reminders``."""

from __future__ import annotations

import time

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
from decidim_bridge.loop_threads import Loop, LoopThreads
from decidim_bridge.store import outbox as outbox_store


@click.command()
@click.option("--once", is_flag=True, help="Execute what is due now, then exit.")
@reports_errors
def writer(once: bool) -> None:
    """Execute planned writes (comments, answers, evaluators, notes, mails) until SIGTERM.

    Decidim's writes and the mails run as two loops (threads), so neither waits for the
    other; when one dies, both stop and the command exits with status 1. ``--once``
    executes what is due with one loop."""
    from decidim_bridge.services import build_writer, build_writers

    settings, db = settings_and_db(require_migrated=True, wait=not once)
    if once:
        build_writer(settings, db).drain()
        return
    loops = LoopThreads([Loop(w.loop_name, w.run, w.stop) for w in build_writers(settings, db)])
    loops.install_signal_handlers()
    loops.run()


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

    The bridge runs it daily by itself (job ``reminders``); this runs it now.
    """
    from decidim_bridge.jobs import JobContext, send_reminders

    settings, db = settings_and_db()
    click.echo(send_reminders(JobContext(db, settings, time.time())))


def register(group: click.Group) -> None:
    for command in (writer, outbox, reminders):
        group.add_command(command)
