"""``decidim-bridge digest``: the council letter on citizen initiatives per wijk and portfolio."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from pathlib import Path

import click

from decidim_bridge.cli.common import reports_errors, settings_and_db

#: Without --since the letter covers this many days up to and including --until.
DEFAULT_DAYS = 90
_DAY = click.DateTime(formats=["%Y-%m-%d"])


def _moment(at: str | None) -> float:
    if not at:
        return time.time()
    try:
        moment = datetime.fromisoformat(at)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--at") from exc
    if moment.tzinfo is None:
        raise click.BadParameter("needs a time zone offset, e.g. +02:00", param_hint="--at")
    return moment.timestamp()


@click.command("digest")
@click.option("--district", help="Only this wijk (its id in districts.yaml, e.g. noord).")
@click.option("--theme", help="Only initiatives with this theme (its id in themes.yaml).")
@click.option("--since", type=_DAY, help=f"First day (default: {DEFAULT_DAYS} days up to --until).")
@click.option("--until", type=_DAY, help="Last day (default: today).")
@click.option("--locale", help="Language of the letter (default: the organization's).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "html"]),
    default="text",
    show_default=True,
)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="Write to FILE.")
@click.option("--at", help="Judge promised dates as if it were this moment (ISO 8601, offset).")
@reports_errors
def digest(
    district: str | None,
    theme: str | None,
    since: datetime | None,
    until: datetime | None,
    locale: str | None,
    fmt: str,
    out: Path | None,
    at: str | None,
) -> None:
    """Print a council-ready digest (raadsinformatiebrief) of the citizen initiatives that
    ran in a period: per wijk and per wethouder's portfolio, with stage, lead advisor,
    what the municipality offered, promised dates kept or not, and budget totals.

    Reads the current support plans from the store; the text is
    mappings/texts/<locale>/digest.md.
    """
    from decidim_bridge.digest import Period, build_digest, render_digest
    from decidim_bridge.plan.engine import calendar_for
    from decidim_bridge.rules.loader import load as load_mappings
    from decidim_bridge.store import plans as store

    now = _moment(at)
    settings, db = settings_and_db(configure_logging=False)
    mappings = load_mappings(settings.mappings_dir)
    last: date = until.date() if until else calendar_for(mappings).local_date(now)
    first: date = since.date() if since else last - timedelta(days=DEFAULT_DAYS - 1)
    try:
        period = Period(first, last)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since/--until") from exc
    with db.read() as conn:
        plans = [v.plan for v in store.current_versions(conn, settings.tenant)]
    try:
        result = build_digest(
            plans, mappings, period, now, locale=locale, district=district, theme=theme
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    text = render_digest(result, mappings, fmt)
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc}") from exc
    click.echo(f"{out}: digest of {result.totals.count} initiative(s), {first} to {last}")


def register(group: click.Group) -> None:
    group.add_command(digest)
