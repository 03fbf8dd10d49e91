"""Rule owners' and advisors' commands: ``check-mappings``, ``plan show``, ``plan try``,
``plan holds`` and ``plan release-expired``."""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from decidim_bridge.cli.common import fmt_time, reports_errors, settings_and_db
from decidim_bridge.config import load_settings
from decidim_bridge.plan.model import Plan
from decidim_bridge.plan.texts import format_money, label, texts_for
from decidim_bridge.proposals import Proposal
from decidim_bridge.rules.loader import load as load_mappings
from decidim_bridge.rules.model import LocaleTexts, Mappings

if TYPE_CHECKING:
    from decidim_bridge.store.plans import HoldRow


@click.command("check-mappings")
@click.argument("directory", required=False, type=click.Path(file_okay=False, path_type=Path))
def check_mappings(directory: Path | None) -> None:
    """Validate the rule files in DIRECTORY (default: the configured mappings folder).

    Prints every problem as FILE:LINE: FIELD: MESSAGE and exits with status 1 when there
    is any; warnings (e.g. advisors without a Decidim nickname) do not fail the check.
    The lines around them are in the rules' language.
    """
    from decidim_bridge.mappings_check import check
    from decidim_bridge.plan.check_report import notice_line, notices, ok_line, problems_line
    from decidim_bridge.policy import resolve as resolve_policy

    if directory is None:
        directory = load_settings().mappings_dir
    checked = check(directory)
    for problem in checked.problems:
        click.echo(str(problem), err=True)
    if checked.problems:
        click.echo(problems_line(len(checked.problems), directory, checked.texts), err=True)
        sys.exit(1)
    mappings = checked.mappings
    assert mappings is not None
    deprecated = resolve_policy(load_settings(), mappings)[1]
    for notice in notices(mappings, deprecated):
        click.echo(notice_line(notice, mappings), err=True)
    click.echo(ok_line(directory, mappings))


@click.group()
def plan() -> None:
    """Support plans: show the stored plan, try the rules on a file, holds."""


@plan.command("show")
@click.argument("proposal_id")
@click.option("--version", "version", type=int, help="An earlier version (default: current).")
@click.option("--history", is_flag=True, help="List every version and what changed.")
@click.option("--locale", help="Language of reasons and checklist (default: the rules').")
@click.option("--json", "as_json", is_flag=True, help="Print the stored plan as JSON.")
@click.option(
    "--show-texts", is_flag=True, help="Also print the comment, answer and mails of this version."
)
@reports_errors
def show(
    proposal_id: str,
    version: int | None,
    history: bool,
    locale: str | None,
    as_json: bool,
    show_texts: bool,
) -> None:
    """Print the current support plan of PROPOSAL_ID with the reason for every decision."""
    from decidim_bridge.plan.report import change_line, plan_report
    from decidim_bridge.plan.serialize import plan_to_json
    from decidim_bridge.plan_versions import versions
    from decidim_bridge.store import plans as store

    settings, db = settings_and_db(configure_logging=False)
    with db.read() as conn:
        found = versions(conn, settings.tenant, proposal_id)
        active = store.holds(conn, settings.tenant, proposal_id)
    if not found:
        raise click.ClickException(f"no plan for proposal {proposal_id} ({settings.tenant})")
    if as_json and not history:  # no labels: works while the rules do not load
        click.echo(plan_to_json(_chosen(found, version, proposal_id).plan))
        return
    mappings = load_mappings(settings.mappings_dir)
    locale = locale or mappings.organization.default_locale
    texts = texts_for(mappings, locale)
    if history:
        for item in found:
            click.echo(
                f"v{item.version}  {fmt_time(item.created_at)}  "
                f"{label(texts, 'stage', item.stage):<11}  {item.event_type or '-'}"
            )
            for change in item.changes:
                click.echo(f"      {change_line(change, mappings, locale)}")
        return
    chosen = _chosen(found, version, proposal_id)
    click.echo(
        f"{label(texts, 'report', 'version')} {chosen.version} {label(texts, 'report', 'of')} "
        f"{len(found)} ({fmt_time(chosen.created_at)})"
    )
    click.echo(plan_report(chosen.plan, mappings, locale))
    if show_texts:
        earlier = [v for v in found if v.version < chosen.version]
        click.echo("")
        click.echo(
            _texts_of(
                chosen.plan,
                mappings,
                locale,
                previous=earlier[-1].plan if earlier else None,
                version=chosen.version,
            )
        )
    if active:
        click.echo("\n" + label(texts, "report", "holds_now"))
        for hold in active:
            click.echo(
                f"  {label(texts, 'hold_kind', hold.kind):<8} {hold.item_id:<28} "
                f"{_amount(hold.kind, hold.quantity, texts):>10}  "
                f"{label(texts, 'offer', hold.status):<9} {_period(hold, texts)}"
            )


@plan.command("try")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--mappings", "directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--at", "at", help="Plan as if it were this moment (ISO 8601, with offset).")
@click.option("--locale", help="Language of the output (default: the rules').")
@click.option("--json", "as_json", is_flag=True, help="Print the plan(s) as JSON.")
@click.option(
    "--show-texts", is_flag=True, help="Also print every comment, answer and mail it would send."
)
@reports_errors
def try_(
    path: Path,
    directory: Path | None,
    at: str | None,
    locale: str | None,
    as_json: bool,
    show_texts: bool,
) -> None:
    """Dry-run the rules on a proposal FILE (JSON), or on every ``*.json`` in a FOLDER;
    nothing is stored or sent.

    One file is planned with every catalogue item and budget free and no advisor busy. A
    folder is planned in date order, each plan seeing the loads, stock and budgets the
    ones before it left; the spread per advisor, refused offers and the budget left per
    wijk follow. Files have the shape of ``decidim-bridge decidim proposal`` output; see
    mappings/examples/.
    """
    from decidim_bridge.pipeline import preview_plan
    from decidim_bridge.plan.report import plan_report, scope_lines
    from decidim_bridge.plan.serialize import plan_to_json

    mappings = load_mappings(directory or load_settings().mappings_dir)
    locale = locale or mappings.organization.default_locale
    moment = _moment(at)
    if path.is_dir():
        _try_batch(path, mappings, moment, locale, as_json, show_texts)
        return
    proposal = _read_proposal(path)
    decision = mappings.scope.decide_on_proposal(proposal)
    result = preview_plan(proposal, mappings, moment or time.time(), space_key=decision.space_key)
    if as_json:
        click.echo(plan_to_json(result))
        return
    click.echo(scope_lines(decision, mappings, locale))
    click.echo(plan_report(result, mappings, locale))
    if show_texts:
        click.echo("")
        click.echo(_texts_of(result, mappings, locale, proposal=proposal))


def _moment(at: str | None) -> float | None:
    if not at:
        return None
    try:
        moment = datetime.fromisoformat(at)
    except ValueError as exc:
        raise click.ClickException(f"--at: {exc}") from exc
    if moment.tzinfo is None:
        raise click.ClickException("--at needs a time zone offset, e.g. +02:00")
    return moment.timestamp()


def _read_proposal(path: Path) -> Proposal:
    from decidim_bridge.intake.proposal_json import proposal_from_json

    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise click.ClickException(f"{path}: not valid JSON: {exc}") from exc
    return proposal_from_json(payload)


def _chosen(found: list[Any], version: int | None, proposal_id: str) -> Any:
    """The stored version asked for (default: the latest)."""
    chosen = (
        found[-1] if version is None else next((v for v in found if v.version == version), None)
    )
    if chosen is None:
        raise click.ClickException(f"proposal {proposal_id} has no version {version}")
    return chosen


def _texts_of(
    result: Plan,
    mappings: Mappings,
    locale: str,
    *,
    proposal: Proposal | None = None,
    previous: Plan | None = None,
    version: int = 1,
) -> str:
    """What the writer would record for ``result``, rendered with the ledger's options
    (the answer shown as if Decidim allows answers)."""
    from decidim_bridge.writeback.ledger import options_for
    from decidim_bridge.writeback.preview import effects_text, preview_effects
    from decidim_bridge.writeback.templates import message_templates

    settings = load_settings()
    options = options_for(settings, mappings, _ANSWERS_ALLOWED)
    effects = preview_effects(
        result,
        mappings,
        options=options,
        templates=message_templates(mappings),
        version=version,
        previous=previous,
        proposal=proposal,
    )
    return effects_text(effects, mappings, locale)


class _AnswersAllowed:
    """Capabilities assumed by a preview: Decidim takes comments and answers."""

    can_comment = True
    can_answer = True


_ANSWERS_ALLOWED = _AnswersAllowed()


def _try_batch(
    folder: Path,
    mappings: Mappings,
    moment: float | None,
    locale: str,
    as_json: bool,
    show_texts: bool,
) -> None:
    from decidim_bridge.plan.batch import budget_left, plan_batch
    from decidim_bridge.plan.batch_report import batch_report
    from decidim_bridge.plan.serialize import plan_to_json

    files = sorted(folder.glob("*.json"))
    if not files:
        raise click.ClickException(f"{folder}: no *.json proposal files")
    proposals = [_read_proposal(file) for file in files]
    started = time.time()

    def when(proposal: Proposal) -> float:
        if moment is not None:
            return moment
        return proposal.published_at.timestamp() if proposal.published_at else started

    result = plan_batch(
        proposals,
        mappings,
        moment=when,
        space_key=lambda p: mappings.scope.decide_on_proposal(p).space_key,
    )
    if as_json:
        plans = [json.loads(plan_to_json(p)) for p in result.plans]
        summary = {
            "leads": result.leads,
            "co_advisors": result.co,
            "refused": [r.__dict__ for r in result.refused],
            "budget_left": budget_left(mappings, result),
        }
        click.echo(json.dumps({"plans": plans, "summary": summary}, indent=2))
        return
    click.echo(batch_report(result, mappings, locale))
    if show_texts:
        by_id = {str(p.id): p for p in proposals}
        for planned in result.plans:
            click.echo("")
            click.echo(
                _texts_of(planned, mappings, locale, proposal=by_id.get(planned.proposal_id))
            )


@plan.command("holds")
@click.option("--proposal", "proposal_id", help="Only this proposal's holds.")
@click.option(
    "--status", type=click.Choice(["held", "confirmed", "released", "expired"]), help="Only these."
)
@reports_errors
def holds(proposal_id: str | None, status: str | None) -> None:
    """List holds with their periods, and per catalogue item and budget what is reserved of
    what exists: for an item the most units in use at one moment from now on (holds in
    other periods share a unit), for a budget every cent held."""
    from decidim_bridge.store import plans as store

    settings, db = settings_and_db(configure_logging=False)
    with db.read() as conn:
        rows = store.holds(conn, settings.tenant, proposal_id, status)
        stock = store.in_use(conn, settings.tenant, time.time())
    mappings = load_mappings(settings.mappings_dir)
    texts = texts_for(mappings, mappings.organization.default_locale)
    for hold in rows:
        click.echo(
            f"{hold.proposal_id:>8}  {label(texts, 'hold_kind', hold.kind):<8} "
            f"{hold.item_id:<28} {_amount(hold.kind, hold.quantity, texts):>10}  "
            f"{label(texts, 'offer', hold.status):<9} {_period(hold, texts)}"
        )
    if proposal_id is None:
        click.echo("\n" + label(texts, "report", "reserved"))
        for (kind, item_id), (capacity, reserved) in sorted(stock.items()):
            if reserved:
                click.echo(
                    f"  {label(texts, 'hold_kind', kind):<8} {item_id:<28} "
                    f"{_amount(kind, reserved, texts):>10} / {_amount(kind, capacity, texts)}"
                )


def _amount(kind: str, quantity: int, texts: LocaleTexts) -> str:
    """A budget hold is in cents: written as money, the way the rules write amounts."""
    return format_money(quantity, texts) if kind == "budget" else str(quantity)


def _period(hold: HoldRow, texts: LocaleTexts) -> str:
    """``vanaf <start> tot <end>`` for a hold with a start, else ``tot <end>``."""
    until = f"{label(texts, 'report', 'until')} {fmt_time(hold.expires_at)}"
    if hold.starts_at is None:
        return until
    return f"{label(texts, 'report', 'from')} {fmt_time(hold.starts_at)} {until}"


@plan.command("release-expired")
@reports_errors
def release_expired() -> None:
    """Release holds whose time ran out (the worker also does this before each plan)."""
    from decidim_bridge.pipeline import release_expired_holds

    settings, db = settings_and_db(configure_logging=False)
    count = release_expired_holds(db, settings.tenant, time.time(), limit=10_000)
    mappings = load_mappings(settings.mappings_dir)
    texts = texts_for(mappings, mappings.organization.default_locale)
    click.echo(label(texts, "report", "released_count").format(count=count))


@click.command("coverage")
@click.option("--mappings", "directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--from", "start", help="First day to look at absences (default: today).")
@click.option("--weeks", type=click.IntRange(1, 104), default=6, show_default=True)
@click.option("--locale", help="Language of the output (default: the rules').")
@click.option("--json", "as_json", is_flag=True, help="Print the coverage as JSON.")
@reports_errors
def coverage(
    directory: Path | None, start: str | None, weeks: int, locale: str | None, as_json: bool
) -> None:
    """Every wijk x theme with its lead candidates, the combinations only the coordinator
    covers, single points of failure, and who takes over during each absence in the
    coming weeks."""
    from datetime import date, timedelta

    from decidim_bridge.plan.coverage import coverage as compute
    from decidim_bridge.plan.coverage_report import coverage_report

    mappings = load_mappings(directory or load_settings().mappings_dir)
    try:
        first = date.fromisoformat(start) if start else date.today()
    except ValueError as exc:
        raise click.ClickException(f"--from: {exc}") from exc
    result = compute(mappings, first, first + timedelta(weeks=weeks) - timedelta(days=1))
    if as_json:
        data = {
            "from": result.first.isoformat(),
            "to": result.last.isoformat(),
            "cells": [c.__dict__ for c in result.cells],
            "only_coordinator": [[c.district_id, c.theme_id] for c in result.uncovered],
            "single": [[c.district_id, c.theme_id, c.candidates[0]] for c in result.single],
            "absences": [
                {
                    "advisor": a.advisor_id,
                    "from": a.absence.start.isoformat(),
                    "to": a.absence.end.isoformat(),
                    "stand_ins": [s.__dict__ for s in a.stand_ins],
                }
                for a in result.absences
            ],
        }
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(coverage_report(result, mappings, locale))


def register(group: click.Group) -> None:
    group.add_command(check_mappings)
    group.add_command(coverage)
    group.add_command(plan)
