"""Helpers shared by the CLI modules: settings, database and error reporting."""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from functools import wraps
from typing import Any, TypeVar

import click

from decidim_bridge import logs
from decidim_bridge.config import Settings, load_settings
from decidim_bridge.errors import BridgeError, StoreUnavailable
from decidim_bridge.store import Database

F = TypeVar("F", bound=Callable[..., Any])

log = logging.getLogger("decidim_bridge.cli")
#: How often the waiting line is repeated while the migrations are still missing.
WAIT_LOG_EVERY = 60.0


def reports_errors(func: F) -> F:
    """Turn a ``BridgeError`` into a one-line message on stderr and exit status 1."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except BridgeError as error:
            click.echo(f"error: {error.message}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def settings_and_db(
    *,
    configure_logging: bool = True,
    require_migrated: bool = False,
    wait: bool = False,
    require_schema: bool = True,
) -> tuple[Settings, Database]:
    """Settings from the environment and their database.

    ``require_migrated``: refuse a database that is not migrated (a command would fail on
    its first row); with ``wait`` (long-running commands) wait for it instead, with a log
    line, because ``serve`` migrates when it starts and compose or systemd start everything
    at once. SIGTERM ends the wait (nothing has started yet). Every other command on a
    database without tables says how to create them (``require_schema``: off for the
    commands that create or inspect the schema).
    """
    settings = load_settings()
    if configure_logging:
        logs.configure(settings.log_level, settings.log_format)
    db = Database(settings.database_url)
    if require_migrated:
        if wait:
            wait_for_migrations(db, interval=settings.migration_wait_interval)
        elif not db.migrations_current():
            raise click.ClickException(
                "the database is not migrated; run `decidim-bridge db upgrade`"
            )
    if require_schema and not require_migrated and not db.current_revisions():
        raise click.ClickException(
            f"the database {_shown(settings.database_url)} has no tables yet; create them with "
            "`decidim-bridge db upgrade`"
        )
    return settings, db


def _shown(url: str) -> str:
    """The database URL without a password."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ValueError:  # an unparsable URL: only for a message
        return "(DATABASE_URL)"


def wait_for_migrations(
    db: Database,
    *,
    interval: float,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Return once the database is reachable and at the expected migrations."""
    last_logged: float | None = None
    while True:
        try:
            if db.migrations_current():
                if last_logged is not None:
                    log.info("database migrations in place; starting")
                return
            problem = "not migrated yet"
        except StoreUnavailable as exc:
            problem = f"unavailable ({exc.message})"
        now = clock()
        if last_logged is None or now - last_logged >= WAIT_LOG_EVERY:
            log.warning(
                "waiting for the database migrations: the database is %s; "
                "`decidim-bridge serve` or `decidim-bridge db upgrade` applies them",
                problem,
            )
            last_logged = now
        sleep(interval)


def fmt_time(epoch: float | None) -> str:
    if epoch is None:
        return "-"
    return datetime.fromtimestamp(epoch, UTC).astimezone().strftime("%Y-%m-%d %H:%M:%S")


def requeue(retry: Callable[..., int], ids: Sequence[int], all_dead: bool, *, what: str) -> int:
    """Run a store's ``retry(conn, now=, ids=, all_dead=)`` for an operator command."""
    if not ids and not all_dead:
        raise click.UsageError(f"give {what} ids or --all-dead")
    _, database = settings_and_db(configure_logging=False)
    with database.begin() as conn:
        return retry(conn, now=time.time(), ids=ids, all_dead=all_dead)


def echo_json_rows(rows: Iterable[Any], *, leave_out: str) -> None:
    """One JSON object per row (a dataclass), without its bulky ``leave_out`` field."""
    for row in rows:
        click.echo(json.dumps({k: v for k, v in row.__dict__.items() if k != leave_out}))


def echo_counts(counts: dict[str, int]) -> None:
    click.echo("  ".join(f"{status}: {count}" for status, count in counts.items()))


def echo_row_notes(outcome: str | None, last_error: str | None, *, show_error: bool) -> None:
    """The indented outcome and first line of the last error under a listed row."""
    if outcome:
        click.echo(f"{'':>8}outcome: {outcome}")
    if last_error and show_error:
        click.echo(f"{'':>8}last error: {last_error.splitlines()[0][:160]}")
