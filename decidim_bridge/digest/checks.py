"""Rendering check for ``texts/<locale>/digest.md``, in the style of ``check-mappings``.

Loading the templates only compiles them; a misspelled placeholder shows when a line is
rendered. This plans the example proposals in ``mappings/examples/``, adds variants that
reach every optional section (offers, budget, Right to Challenge, no theme or portfolio,
filters) and renders the digest in every language of the organization, in every format.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from decidim_bridge.digest.build import build_digest
from decidim_bridge.digest.model import BudgetLine, Digest, OfferLine, Period
from decidim_bridge.digest.render import FORMATS, render_digest
from decidim_bridge.errors import BridgeError, MappingError
from decidim_bridge.intake.proposal_json import proposal_from_json
from decidim_bridge.pipeline import preview_plan
from decidim_bridge.rules.model import Mappings
from decidim_bridge.rules.yamlsource import Problem
from decidim_bridge.writeback.templates import TEXTS_DIR, load_templates

_FAR = Period(date(1900, 1, 1), date(9999, 12, 31))


def _example_digest(directory: Path, mappings: Mappings, locale: str) -> Digest:
    now = time.time()
    plans = []
    for path in sorted((directory / "examples").glob("*.json")):
        try:
            proposal = proposal_from_json(json.loads(path.read_text(encoding="utf-8")))
            plans.append(preview_plan(proposal, mappings, now))
        except (ValueError, BridgeError):
            continue  # reported by the plan engine's own example check
    digest = build_digest(plans, mappings, _FAR, now, locale=locale)
    offer = OfferLine("check-offer", "voorbeeld", 2, "set", "held")
    budget = BudgetLine("check-budget", "budget", "confirmed", 1250)
    extra = (
        replace(item, offers=(offer,), budget=budget, right_to_challenge=True, theme_ids=())
        for item in digest.initiatives[:1]
    )
    items = (*digest.initiatives, *extra)
    groups = tuple(replace(g, initiatives=items) for g in digest.districts)
    orphan = tuple(replace(g, key="", initiatives=items) for g in digest.portfolios[:1])
    return replace(
        digest,
        district_filter="check",
        theme_filter="check",
        audience="check",
        initiatives=items,
        districts=groups,
        portfolios=digest.portfolios + orphan,
    )


def digest_template_problems(directory: Path, mappings: Mappings) -> list[Problem]:
    """Every problem found by rendering the digest templates (empty: all good)."""
    directory = Path(directory)
    try:
        templates = load_templates(directory / TEXTS_DIR, mappings)
    except MappingError:
        return []  # the message check reports problems in loading the templates
    problems: list[Problem] = []
    for locale in mappings.organization.locales:
        digest = _example_digest(directory, mappings, locale)
        for fmt in FORMATS:
            try:
                render_digest(digest, mappings, fmt, templates)
            except MappingError as exc:
                for error in exc.errors if isinstance(exc.errors, list) else []:
                    problem = Problem(
                        str(error.get("file") or TEXTS_DIR),
                        error.get("line"),
                        "",
                        str(error.get("message")),
                    )
                    if problem not in problems:
                        problems.append(problem)
    return problems
