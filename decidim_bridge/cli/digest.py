"""``decidim-bridge digest``: the council letter on citizen initiatives per wijk and portfolio."""

from __future__ import annotations

import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from decidim_bridge.cli.common import reports_errors, settings_and_db

if TYPE_CHECKING:
    from decidim_bridge.config import Settings
    from decidim_bridge.digest.model import Period
    from decidim_bridge.rules.model import Mappings
    from decidim_bridge.store import Database

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
@click.option(
    "--send",
    is_flag=True,
    help="Mail each stakeholder who asked for the digest their part of it, once per period "
    "(default period: the previous calendar month).",
)
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
    send: bool,
) -> None:
    """Print a council-ready digest (raadsinformatiebrief) of the citizen initiatives that
    ran in a period: per wijk and per wethouder's portfolio, with stage, lead advisor,
    what the municipality offered, promised dates kept or not, and budget totals.

    Reads the current support plans from the store; the text is
    mappings/texts/<locale>/digest.md. With --send, records one mail per stakeholder whose
    inform_on includes digest (only the initiatives of their wijken or portfolio); the
    writer sends them.
    """
    from decidim_bridge.digest import build_digest, render_digest
    from decidim_bridge.digest.audience import choose_period
    from decidim_bridge.plan.calendar import calendar_for
    from decidim_bridge.plan_versions import current_versions
    from decidim_bridge.rules.loader import load as load_mappings
    from decidim_bridge.writeback.templates import message_templates

    if send:
        # Each subscriber's selection, the language and the form of a mail are fixed.
        options = {"--district": district, "--theme": theme, "--locale": locale, "--out": out}
        given = [name for name, value in options.items() if value] + (
            ["--format"] if fmt != "text" else []
        )
        if given:
            raise click.UsageError(
                f"--send chooses its own audience and form; drop {', '.join(given)}"
            )
    now = _moment(at)
    settings, db = settings_and_db(configure_logging=False)
    mappings = load_mappings(settings.mappings_dir)
    today = calendar_for(mappings).local_date(now)
    try:
        period = choose_period(
            today,
            since.date() if since else None,
            until.date() if until else None,
            days=DEFAULT_DAYS,
            send=send,
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since/--until") from exc
    if send:
        _send(db, settings, mappings, period, now)
        return
    with db.read() as conn:
        plans = [v.plan for v in current_versions(conn, settings.tenant)]
    try:
        result = build_digest(
            plans, mappings, period, now, locale=locale, district=district, theme=theme
        )
    except ValueError as exc:
        raise click.UsageError(str(exc)) from exc
    text = render_digest(result, mappings, fmt, message_templates(mappings))
    if out is None:
        click.echo(text, nl=False)
        return
    try:
        out.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise click.ClickException(f"cannot write {out}: {exc}") from exc
    click.echo(
        f"{out}: digest of {result.totals.count} initiative(s), {period.since} to {period.until}"
    )


def _send(db: Database, settings: Settings, mappings: Mappings, period: Period, now: float) -> None:
    from decidim_bridge.digest.mailing import PLANNED, record_digest_mails

    mails = record_digest_mails(db, settings, mappings, period, now)
    for mail in mails:
        click.echo(f"{mail.stakeholder_id}: {mail.count} initiative(s), {mail.outcome}")
    planned = sum(1 for m in mails if m.outcome == PLANNED)
    click.echo(
        f"digest {period.since} to {period.until}: {planned} mail(s) planned for "
        f"{len(mails)} subscriber(s); the writer sends them"
    )


def register(group: click.Group) -> None:
    group.add_command(digest)
