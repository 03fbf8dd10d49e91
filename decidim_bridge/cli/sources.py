"""Event-source commands: ``replay`` a sample, ``poll`` Decidim, ``backfill`` existing proposals."""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path

import click
import requests

from decidim_bridge.cli.common import reports_errors, settings_and_db
from decidim_bridge.config import Settings, load_settings
from decidim_bridge.intake.delivery import SOURCES
from decidim_bridge.sources.poller import Poller, SweepReport
from decidim_bridge.sources.replay import build_replay, guess_source


@click.command("replay")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--url", help="Endpoint to post to [default: $DECIDIM_BRIDGE_PUBLIC_URL/webhooks/<source>]."
)
@click.option(
    "--source",
    type=click.Choice(SOURCES),
    help="Sign as this sender [default: the sample's folder name, else the body's shape].",
)
@reports_errors
def replay(file: Path, url: str | None, source: str | None) -> None:
    """Sign FILE with the configured secrets and post it, as its sender would.

    For checking an installation: the bridge answers 202 when it stored the event, 401 when
    the secrets differ. A replayed event is real work for the worker; replay a comment or an
    ``__other-organization`` sample to check the path without side effects.
    """
    settings = load_settings()
    body = file.read_bytes()
    request = build_replay(
        body,
        source=source or guess_source(file, body),
        settings=settings,
        now=int(time.time()),
        url=url,
    )
    click.echo(f"POST {request.url}  ({request.source}: {request.event_type or '?'})")
    try:
        response = requests.post(
            request.url,
            data=request.body,
            headers=request.headers,
            timeout=(settings.http_connect_timeout, settings.http_read_timeout),
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise click.ClickException(f"could not reach {request.url}: {exc}") from exc
    click.echo(f"HTTP {response.status_code}")
    click.echo(response.text.rstrip())
    if not 200 <= response.status_code < 300:
        sys.exit(1)


def _poller(*, wait: bool = False) -> tuple[Poller, Settings]:
    """The poller; a long-running one (``wait``) lets the live work go first."""
    settings, db = settings_and_db(require_migrated=True, wait=wait)
    return Poller.from_settings(settings, db, yield_to_live_work=wait), settings


def _print_reports(reports: list[SweepReport]) -> None:
    for report in reports:
        kinds = ", ".join(f"{kind} {n}" for kind, n in sorted(report.events.items())) or "none"
        line = (
            f"component {report.component_id} [{report.mode}]: {report.proposals} proposals, "
            f"{report.total_events} new events ({kinds}), {report.already_stored} already stored, "
            f"{report.seconds:.1f} s"
        )
        click.echo(line if report.error is None else f"{line}; FAILED: {report.error}")


@click.command("poll")
@click.option("--once", is_flag=True, help="Sweep every component once, then exit.")
@click.option(
    "--interval",
    type=click.FloatRange(min=1),
    help="Seconds from the start of one round to the next [default: DECIDIM_BRIDGE_POLL_INTERVAL].",
)
@reports_errors
def poll(once: bool, interval: float | None) -> None:
    """Find new, edited, answered and withdrawn proposals through Decidim's API.

    For Decidim instances that send no webhooks. The first sweep of a component reports
    what exists as existing proposals: they are planned, but answered or old ones get no
    public comment or answer (`existing.max_age_days` in expectations.yaml).
    """
    poller, settings = _poller(wait=not once)
    if once:
        reports = poller.sweep_all()
        _print_reports(reports)
        if any(r.error for r in reports):
            sys.exit(1)
        return
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    poller.run(interval=interval or settings.poll_interval, stop=stop)


@click.command("backfill")
@click.option(
    "--write-existing",
    is_flag=True,
    help="Also write the public comment and answer on answered and old proposals "
    "(with dates counted from today).",
)
@reports_errors
def backfill(write_existing: bool) -> None:
    """Put every existing proposal in the inbox once, so that the bridge plans it.

    Answered proposals and ones older than `existing.max_age_days` (expectations.yaml) get
    no public comment or answer unless --write-existing is given; they show in the digest
    and in `plan show`. Reads through the request budget at the poller's share; proposals
    that were already reported are not reported again.
    """
    poller, _ = _poller()
    reports = poller.sweep_all(backfill=True, write_existing=write_existing)
    _print_reports(reports)
    if any(r.error for r in reports):
        sys.exit(1)


def register(group: click.Group) -> None:
    for command in (replay, poll, backfill):
        group.add_command(command)
