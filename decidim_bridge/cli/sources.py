"""Event-source commands: ``replay`` a sample, ``poll`` Decidim, ``backfill`` existing proposals."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
import requests

from decidim_bridge.cli.common import reports_errors
from decidim_bridge.config import load_settings
from decidim_bridge.intake.delivery import SOURCES
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


def register(group: click.Group) -> None:
    group.add_command(replay)
