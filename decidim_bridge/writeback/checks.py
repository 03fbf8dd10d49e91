"""``check-mappings`` for the messages: render every template in every language.

Jinja only notices a misspelled placeholder when it renders the line, so compiling the
files is not enough. The check plans the example proposals in ``mappings/examples/`` and
renders every message they lead to — the first comment and answer, an update with every
kind of change, acceptance, withdrawal, approval links, reminders — in each language of
the organization. A template that fails is reported with its file and line.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from decidim_bridge.errors import BridgeError, MappingError
from decidim_bridge.intake.proposal_json import proposal_from_json
from decidim_bridge.pipeline import preview_plan
from decidim_bridge.rules import Mappings, Problem
from decidim_bridge.writeback.adapter import view_from_plan
from decidim_bridge.writeback.changes import resident_facts
from decidim_bridge.writeback.effects import ApprovalLinks, Options, Published, plan_effects
from decidim_bridge.writeback.render import Links, render_mail
from decidim_bridge.writeback.templates import (
    TEXTS_DIR,
    MessageTemplates,
    load_templates,
)
from decidim_bridge.writeback.view import BudgetOffer, PlanView, ResourceOffer

_CHECK_TENANT = "check.invalid"


def message_problems(directory: Path, mappings: Mappings) -> list[Problem]:
    """Every problem in ``texts/<locale>/*.md``, found by rendering (empty: all good)."""
    try:
        templates = load_templates(Path(directory) / TEXTS_DIR, mappings)
    except MappingError as exc:
        return _problems(exc)
    problems: list[Problem] = []
    for locale in mappings.organization.locales:
        for view in _example_views(Path(directory), mappings):
            try:
                _render_all(view, templates, locale, mappings)
            except MappingError as exc:
                for problem in _problems(exc):
                    if problem not in problems:
                        problems.append(problem)
            except BridgeError as exc:
                problems.append(Problem(f"{TEXTS_DIR}/{locale}", None, "", exc.message))
    return problems


def _problems(exc: MappingError) -> list[Problem]:
    errors = exc.errors if isinstance(exc.errors, list) else []
    if not errors:
        return [Problem(TEXTS_DIR, None, "", exc.message)]
    return [
        Problem(
            str(e.get("file") or TEXTS_DIR), e.get("line"), e.get("field") or "", str(e["message"])
        )
        for e in errors
    ]


def _example_views(directory: Path, mappings: Mappings) -> list[PlanView]:
    """A view of every example proposal (planned with everything free)."""
    views = []
    now = time.time()
    for path in sorted((directory / "examples").glob("*.json")):
        try:
            proposal = proposal_from_json(json.loads(path.read_text(encoding="utf-8")))
            plan = preview_plan(proposal, mappings, now)
        except (ValueError, BridgeError):
            continue  # reported by the plan engine's own example check
        views.append(view_from_plan(plan, mappings, tenant=_CHECK_TENANT, version=2))
    return views


def _options(locale: str) -> Options:
    return Options(
        decidim_url="https://decidim.invalid",
        default_locale=locale,
        locales=(locale,),
        can_comment=True,
        can_answer=True,
    )


def _links(view: PlanView, advisor: str) -> ApprovalLinks:
    return ApprovalLinks(
        approve_url="https://bridge.invalid/approvals/approve",
        hold_url="https://bridge.invalid/approvals/hold",
        expires_at=date(2030, 1, 1),
    )


def _enriched(view: PlanView) -> PlanView:
    """The view with an offer, a budget and a flag, so optional sections render too."""
    offer = ResourceOffer(
        key="check-offer",
        name={"nl": "voorbeeld", "en": "example"},
        ready_by=date(2030, 1, 2),
        conditions=("voorwaarde",),
        department="afdeling",
    )
    budget = BudgetOffer(key="check-budget", name="budget", amount=Decimal("12.50"))
    requested = replace(offer, key="check-requested", status="requested")
    return replace(
        view,
        resources=(*view.resources, offer, requested),
        budgets=(*view.budgets, budget),
        service_purchase=replace(view.service_purchase, flagged=True),
        changes=view.changes or ("check",),
    )


def _older(facts: dict, view: PlanView) -> dict:
    """Facts that differ from ``facts`` in every way a resident can be told about."""
    old = json.loads(json.dumps(facts))
    old["contact"] = {"name": "X", "email": "x@check.invalid", "phone": None}
    for key in ("first_contact_by", "decision_by"):
        if old.get(key):
            old[key] = (date.fromisoformat(old[key]) - timedelta(days=3)).isoformat()
    for key in ("say", "decides", "time_investment"):
        old[key] = "-"
    offers = old["offers"]
    first = next(iter(offers), None)
    if first is not None:
        del offers[first]
    for item in offers.values():
        item["quantity"] = int(item["quantity"]) + 1
    offers["check-removed"] = {"name": "weg", "quantity": 1, "ready_by": None, "conditions": []}
    budgets = old["budgets"]
    for item in budgets.values():
        item["amount"] = "1.00"
    budgets["check-removed"] = {"name": "weg", "amount": "5.00", "conditions": []}
    old["partners"] = []
    old["service_purchase"] = False
    return old


def _render_all(view: PlanView, templates: MessageTemplates, locale: str, mappings: Mappings):
    options = _options(locale)
    rich = _enriched(view)
    # First plan (comment, answer, advisors, introductions, notices) and with approval.
    plan_effects(rich, previous=None, published=Published(), options=options, templates=templates)
    plan_effects(
        replace(rich, publication_mode="after-approval"),
        previous=None,
        published=Published(),
        options=options,
        templates=templates,
        link_maker=_links,
    )
    # A new version: every kind of change residents hear about.
    facts = resident_facts(rich, locale, mappings.organization.default_locale)
    plan_effects(
        rich,
        previous=replace(rich, version=1),
        published=Published(facts=_older(facts, rich)),
        options=options,
        templates=templates,
    )
    # Decided: accepted (with approval links) and withdrawn.
    previous = replace(rich, version=1)
    for state in ("accepted", "rejected", "withdrawn"):
        plan_effects(
            replace(rich, state=state, publication_mode="after-approval"),
            previous=previous,
            published=Published(),
            options=options,
            templates=templates,
            link_maker=_links,
        )
    for milestone in ("first_contact", "decision"):
        render_mail(
            templates,
            "reminder",
            rich,
            Links(options.decidim_url),
            locale=locale,
            recipient=rich.lead,
            milestone=milestone,
            due=date(2030, 1, 1),
            ref="CHECK",
        )
