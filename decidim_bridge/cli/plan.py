"""Rule owners' and advisors' commands: ``check-mappings``, ``plan show``, ``plan try``,
``plan holds`` and ``plan release-expired``."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path

import click

from decidim_bridge.cli.common import fmt_time, reports_errors, settings_and_db
from decidim_bridge.config import load_settings
from decidim_bridge.mappings_check import check_folder
from decidim_bridge.rules.loader import load as load_mappings
from decidim_bridge.rules.model import Mappings


def _summary(mappings: Mappings) -> str:
    keywords = mappings.keyword_index.size
    return (
        f"{len(mappings.districts)} districts, {len(mappings.themes)} themes, "
        f"{len(mappings.advisors.advisors)} advisors, {len(mappings.resources)} catalogue items, "
        f"{len(mappings.budgets)} budgets, {len(mappings.stakeholders)} stakeholders, "
        f"{keywords} keywords, languages {', '.join(sorted(mappings.texts))}"
    )


@click.command("check-mappings")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
def check_mappings(directory: Path | None) -> None:
    """Validate the rule files in DIRECTORY (default: the configured mappings folder).

    Prints every problem as FILE:LINE: FIELD: MESSAGE and exits with status 1 when there
    is any; warnings (e.g. advisors without a Decidim nickname) do not fail the check.
    """
    from decidim_bridge.rules.nicknames import missing_nickname_warnings

    if directory is None:
        directory = load_settings().mappings_dir
    mappings, problems = check_folder(directory)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) in {directory}", err=True)
        sys.exit(1)
    assert mappings is not None
    for warning in missing_nickname_warnings(mappings):
        click.echo(f"warning: {warning}", err=True)
    click.echo(f"{directory}: OK ({_summary(mappings)})")


@click.group()
def plan() -> None:
    """Support plans: show the stored plan, try the rules on a file, holds."""


@plan.command("show")
@click.argument("proposal_id")
@click.option("--version", "version", type=int, help="An earlier version (default: current).")
@click.option("--history", is_flag=True, help="List every version and what changed.")
@click.option("--locale", help="Language of reasons and checklist (default: the rules').")
@click.option("--json", "as_json", is_flag=True, help="Print the stored plan as JSON.")
@reports_errors
def show(
    proposal_id: str, version: int | None, history: bool, locale: str | None, as_json: bool
) -> None:
    """Print the current support plan of PROPOSAL_ID with the reason for every decision."""
    from decidim_bridge.plan.report import plan_report
    from decidim_bridge.plan.serialize import plan_to_json
    from decidim_bridge.plan_versions import versions
    from decidim_bridge.store import plans as store

    settings, db = settings_and_db(configure_logging=False)
    with db.read() as conn:
        found = versions(conn, settings.tenant, proposal_id)
        active = store.holds(conn, settings.tenant, proposal_id)
    if not found:
        raise click.ClickException(f"no plan for proposal {proposal_id} ({settings.tenant})")
    if history:
        for item in found:
            click.echo(
                f"v{item.version}  {fmt_time(item.created_at)}  {item.stage:<9}  "
                f"{item.event_type or '-'}"
            )
            for change in item.changes:
                click.echo(f"      {change.text}")
        return
    chosen = (
        found[-1] if version is None else next((v for v in found if v.version == version), None)
    )
    if chosen is None:
        raise click.ClickException(f"proposal {proposal_id} has no version {version}")
    if as_json:
        click.echo(plan_to_json(chosen.plan))
        return
    mappings = load_mappings(settings.mappings_dir)
    click.echo(f"version {chosen.version} of {len(found)} ({fmt_time(chosen.created_at)})")
    click.echo(plan_report(chosen.plan, mappings, locale))
    if active:
        click.echo("\nHolds in the store now:")
        for hold in active:
            until = fmt_time(hold.expires_at) if hold.expires_at else "-"
            click.echo(
                f"  {hold.kind:<8} {hold.item_id:<28} {hold.quantity:>8}  {hold.status:<9} "
                f"until {until}"
            )


@plan.command("try")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--mappings", "directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--at", "at", help="Plan as if it were this moment (ISO 8601, with offset).")
@click.option("--locale", help="Language of reasons and checklist (default: the rules').")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@reports_errors
def try_(
    file: Path, directory: Path | None, at: str | None, locale: str | None, as_json: bool
) -> None:
    """Dry-run the rules on a proposal in FILE (JSON); nothing is stored or sent.

    Every catalogue item and budget counts as free and no advisor as busy. The file has
    the shape of ``decidim-bridge decidim proposal`` output; see mappings/examples/.
    """
    from decidim_bridge.intake.proposal_json import proposal_from_json
    from decidim_bridge.pipeline import preview_plan
    from decidim_bridge.plan.report import plan_report
    from decidim_bridge.plan.serialize import plan_to_json

    mappings = load_mappings(directory or load_settings().mappings_dir)
    try:
        payload = json.loads(file.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise click.ClickException(f"{file}: not valid JSON: {exc}") from exc
    proposal = proposal_from_json(payload)
    now = time.time()
    if at:
        try:
            moment = datetime.fromisoformat(at)
        except ValueError as exc:
            raise click.ClickException(f"--at: {exc}") from exc
        if moment.tzinfo is None:
            raise click.ClickException("--at needs a time zone offset, e.g. +02:00")
        now = moment.timestamp()
    decision = mappings.scope.decide_on_proposal(proposal)
    result = preview_plan(proposal, mappings, now, space_key=decision.space_key)
    if as_json:
        click.echo(plan_to_json(result))
        return
    click.echo(f"scope: {decision.reason}")
    if not decision.in_scope:
        click.echo("(the bridge would not plan this proposal; planned anyway for this try)")
    click.echo(plan_report(result, mappings, locale))


@plan.command("holds")
@click.option("--proposal", "proposal_id", help="Only this proposal's holds.")
@click.option(
    "--status", type=click.Choice(["held", "confirmed", "released", "expired"]), help="Only these."
)
@reports_errors
def holds(proposal_id: str | None, status: str | None) -> None:
    """List holds, and per catalogue item and budget what is reserved of what exists."""
    from decidim_bridge.store import plans as store

    settings, db = settings_and_db(configure_logging=False)
    with db.read() as conn:
        rows = store.holds(conn, settings.tenant, proposal_id, status)
        stock = store.stock(conn, settings.tenant)
    for hold in rows:
        until = fmt_time(hold.expires_at) if hold.expires_at else "-"
        click.echo(
            f"{hold.proposal_id:>8}  {hold.kind:<8} {hold.item_id:<28} {hold.quantity:>8}  "
            f"{hold.status:<9} until {until}"
        )
    if proposal_id is None:
        click.echo("\nreserved / capacity:")
        for (kind, item_id), (capacity, reserved) in sorted(stock.items()):
            if reserved:
                click.echo(f"  {kind:<8} {item_id:<28} {reserved:>8} / {capacity}")


@plan.command("release-expired")
@reports_errors
def release_expired() -> None:
    """Release holds whose time ran out (the worker also does this before each plan)."""
    from decidim_bridge.pipeline import release_expired_holds

    settings, db = settings_and_db(configure_logging=False)
    count = release_expired_holds(db, settings.tenant, time.time(), limit=10_000)
    click.echo(f"{count} hold(s) released")


def register(group: click.Group) -> None:
    group.add_command(check_mappings)
    group.add_command(plan)
