"""Foundation commands: serve, worker, db upgrade/status, inbox, retry."""

from __future__ import annotations

import sys

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
from decidim_bridge.store import inbox as inbox_store


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", default=2, show_default=True, type=int, help="gunicorn workers.")
@click.option("--threads", default=8, show_default=True, type=int, help="Threads per worker.")
@reports_errors
def serve(host: str, port: int, workers: int, threads: int) -> None:
    """Serve the webhook and operations endpoints with gunicorn."""
    from decidim_bridge.server import run_gunicorn

    settings, db = settings_and_db(require_schema=False)
    db.upgrade()
    run_gunicorn(settings, host=host, port=port, workers=workers, threads=threads)


@click.command()
@click.option("--once", is_flag=True, help="Handle what is due now, then exit.")
@click.option(
    "--jobs/--no-jobs",
    default=True,
    show_default=True,
    help="Also run the periodic jobs (each period runs in one process only).",
)
@reports_errors
def worker(once: bool, jobs: bool) -> None:
    """Claim and handle inbox events until SIGTERM."""
    import threading

    from decidim_bridge.handler_table import DEFAULT_BATCH, default_handlers, default_prefetch
    from decidim_bridge.scheduler import Scheduler
    from decidim_bridge.services import build_services
    from decidim_bridge.worker import Worker

    settings, db = settings_and_db(require_migrated=True, wait=not once)
    services = build_services(settings, db)
    runner = Worker(
        db,
        settings,
        default_handlers(),
        services=services,
        prefetch=default_prefetch(),
        batch=DEFAULT_BATCH,
    )
    runner.install_signal_handlers()
    if once:
        while runner.run_once():
            pass
        return
    scheduler = Scheduler(db, settings, services=services)
    thread = threading.Thread(target=scheduler.run, name="scheduler", daemon=True)
    if jobs:
        thread.start()
    try:
        runner.run()
    finally:
        scheduler.stop()
        if jobs:
            thread.join(60)


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@reports_errors
def db_upgrade() -> None:
    """Apply pending migrations."""
    _, database = settings_and_db(configure_logging=False, require_schema=False)
    heads = database.upgrade()
    click.echo(f"database at {', '.join(heads)}")


@db.command("status")
@reports_errors
def db_status() -> None:
    """Show applied and expected migrations; exit 1 when behind."""
    _, database = settings_and_db(configure_logging=False, require_schema=False)
    current, expected = database.current_revisions(), database.expected_revisions()
    click.echo(f"current:  {', '.join(sorted(current)) or '(none)'}")
    click.echo(f"expected: {', '.join(sorted(expected))}")
    if current != expected:
        sys.exit(1)


@click.command("inbox")
@click.option("--status", type=click.Choice(inbox_store.STATUSES), help="Only this status.")
@click.option("--limit", default=50, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@reports_errors
def inbox_command(status: str | None, limit: int, as_json: bool) -> None:
    """List inbox rows (newest first) and the count per status."""
    _, database = settings_and_db(configure_logging=False)
    with database.read() as conn:
        rows = inbox_store.list_rows(conn, status=status, limit=limit)
        counts = inbox_store.counts(conn)
    if as_json:
        echo_json_rows(rows, leave_out="body")
        return
    echo_counts(counts)
    if not rows:
        click.echo("(no rows)")
        return
    click.echo(
        f"{'ID':>6}  {'STATUS':8} {'TRIES':>5}  {'RECEIVED':19}  {'SOURCE':9} EVENT / SUBJECT"
    )
    for row in rows:
        click.echo(
            f"{row.id:>6}  {row.status:8} {row.attempts:>5}  {fmt_time(row.received_at):19}  "
            f"{row.source:9} {row.event_type}  {row.subject}"
        )
        echo_row_notes(row.outcome, row.last_error, show_error=row.status in ("dead", "pending"))


@click.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all-dead", is_flag=True, help="Retry every dead-lettered event.")
@reports_errors
def retry_command(ids: tuple[int, ...], all_dead: bool) -> None:
    """Put dead (or finished) inbox events back in the queue."""
    count = requeue(inbox_store.retry, ids, all_dead, what="inbox")
    click.echo(f"{count} event(s) queued again")


def register(group: click.Group) -> None:
    for command in (serve, worker, db, inbox_command, retry_command):
        group.add_command(command)
