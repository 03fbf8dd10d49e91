"""Decidim API commands: ``decidim check`` (credentials, version, write paths and what the
bridge does instead of a missing one) and
``decidim proposal`` (a proposal as the planner sees it)."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from typing import Any

import click

from decidim_bridge.cli.common import reports_errors, settings_and_db


def _client(*, json_output: bool) -> Any:
    """Settings and a client; with JSON output, logs stay off stdout (warnings to stderr)."""
    from decidim_bridge.decidim.client import DecidimClient

    settings, db = settings_and_db(configure_logging=not json_output, require_schema=False)
    budget_db = db if db.migrations_current() else None
    return settings, DecidimClient.from_settings(settings, budget_db, wait=False)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


@click.group()
def decidim() -> None:
    """Talk to the configured Decidim API."""


@decidim.command()
@click.option(
    "--locale",
    "locales",
    multiple=True,
    help="Languages for the skeletons, the default first (repeat; default: nl, en).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@reports_errors
def spaces(locales: tuple[str, ...], as_json: bool) -> None:
    """List the participatory spaces, their components and the taxonomies, and print
    scope.yaml, districts.yaml and themes.yaml skeletons to start the rules from."""
    from decidim_bridge.decidim.skeleton import skeletons

    settings, client = _client(json_output=as_json)
    overview = client.list_spaces()
    if as_json:
        click.echo(json.dumps(dataclasses.asdict(overview), indent=2, ensure_ascii=False))
        return
    click.echo(skeletons(overview, settings.tenant, list(locales or ("nl", "en"))))


@decidim.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
@reports_errors
def check(as_json: bool) -> None:
    """Sign in, show who the bridge is in Decidim and which write paths it offers."""
    settings, client = _client(json_output=as_json)
    me = client.whoami()
    found = client.capabilities()
    if as_json:
        report = {
            "decidim_url": settings.decidim_url,
            "user": dataclasses.asdict(me),
            "capabilities": dataclasses.asdict(found),
            "missing": [
                {"write_path": path, "instead": instead}
                for path, instead in found.missing_write_paths()
            ],
        }
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
        return
    organization = me.organization_name.get("nl") or next(iter(me.organization_name.values()), "")
    click.echo(f"Decidim:       {settings.decidim_url} ({organization})")
    nickname = (me.nickname or "-").lstrip("@")
    click.echo(f"Signed in as:  {me.name or '-'} (@{nickname})")
    click.echo(f"Version:       {found.version or 'not disclosed'}")
    answer = {"input": "yes (0.32 form)", "arguments": "yes (decidim-apiext form)"}
    click.echo(f"Answers:       {answer.get(found.answer_form or '', 'no')}")
    click.echo(f"Comments:      {'yes' if found.can_comment else 'no'}")
    click.echo(
        f"Evaluators:    {'yes (decidim-bridge module)' if found.can_assign_evaluators else 'no'}"
    )
    click.echo(f"Private notes: {'yes (decidim-bridge module)' if found.can_write_notes else 'no'}")
    guarded = (
        "yes (decidim-bridge module: no read before an answer; a plan version's writes in "
        "one request)"
        if found.can_answer_guarded
        else "no (the proposal is read before each answer)"
    )
    click.echo(f"Guarded answer: {guarded}")
    if not found.introspected:
        click.echo("               (introspection refused: assumed comments only)")
    missing = found.missing_write_paths()
    if missing:
        click.echo("Missing write paths, and what the bridge does instead:")
        for path, instead in missing:
            click.echo(f"  - {path}: {instead}")
        if not (found.can_assign_evaluators and found.can_write_notes):
            click.echo("  Install the decidim-bridge module (webhooks/decidim/) for the rest.")


@decidim.command()
@click.argument("component_id")
@click.argument("proposal_id")
@reports_errors
def proposal(component_id: str, proposal_id: str) -> None:
    """Print one proposal as the planner reads it (JSON)."""
    _settings, client = _client(json_output=True)
    found = client.fetch_proposal(proposal_id, component_id)
    if found is None:
        raise click.ClickException(
            f"proposal {proposal_id} of component {component_id} is not visible in Decidim"
        )
    click.echo(
        json.dumps(dataclasses.asdict(found), indent=2, ensure_ascii=False, default=_jsonable)
    )


def register(group: click.Group) -> None:
    group.add_command(decidim)
