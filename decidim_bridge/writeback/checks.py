"""``check-mappings`` for the messages: render every template in every language.

Jinja only notices a misspelled placeholder when it renders the line, so compiling the
files is not enough. The check plans the example proposals in ``mappings/examples/`` and
renders every message they lead to — the first comment and answer, an update with every
kind of change (a postponed decision too), acceptance, withdrawal, approval links, reminders,
the private note for advisors — in each language of the organization. A template that
fails is reported with its file and line.
"""

from __future__ import annotations

import json
import time
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any, TypedDict

from decidim_bridge.errors import BridgeError, MappingError
from decidim_bridge.intake.proposal_json import proposal_from_json
from decidim_bridge.pipeline import preview_plan
from decidim_bridge.plan.diff import Change
from decidim_bridge.plan.model import Hold, Plan, Reason, ResourceOffer
from decidim_bridge.rules.model import Mappings
from decidim_bridge.rules.yamlsource import Problem
from decidim_bridge.writeback.changes import diff, resident_facts
from decidim_bridge.writeback.effects import (
    ApprovalLinks,
    Options,
    Published,
    Recipient,
    plan_effects,
)
from decidim_bridge.writeback.readability import readability
from decidim_bridge.writeback.render import Links, context, render_mail
from decidim_bridge.writeback.subject import Subject, subject_of
from decidim_bridge.writeback.templates import (
    SUFFIX,
    TEXTS_DIR,
    MessageTemplates,
    load_templates,
)

_CHECK_TENANT = "check.invalid"


#: Messages sent as mail: their file starts with a ``Subject:`` line.
MAIL_TEMPLATES = ("advisor_plan", "advisor_status", "introduction", "notice", "reminder", "digest")


def template_file_problems(directory: Path, mappings: Mappings | None) -> list[Problem]:
    """What can be seen in the files themselves: syntax (compiled without the rules when
    they are broken), every configured language has every message of the default one,
    and every mail starts with its ``Subject:`` line."""
    texts = Path(directory) / TEXTS_DIR
    if not texts.is_dir():
        return []
    problems: list[Problem] = []
    sources: dict[tuple[str, str], str] = {}
    for path in sorted(texts.glob(f"*/*{SUFFIX}")):
        if path.name.lower() == "readme.md":
            continue
        try:
            sources[(path.parent.name, path.stem)] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(
                Problem(f"{TEXTS_DIR}/{path.parent.name}/{path.name}", None, "", str(exc))
            )
    if mappings is None:
        try:
            MessageTemplates(sources)
        except MappingError as exc:
            problems += _problems(exc)
        return problems
    default = mappings.organization.default_locale
    names = sorted(name for locale, name in sources if locale == default)
    for locale in mappings.organization.locales:
        for name in names:
            if (locale, name) not in sources:
                problems.append(
                    Problem(
                        f"{TEXTS_DIR}/{locale}/{name}{SUFFIX}",
                        None,
                        "",
                        f"File is missing: {TEXTS_DIR}/{default}/{name}{SUFFIX} has no "
                        f"'{locale}' version (scope.yaml lists '{locale}').",
                    )
                )
    for (locale, name), source in sorted(sources.items()):
        if name in MAIL_TEMPLATES and not source.lower().startswith("subject:"):
            problems.append(
                Problem(
                    f"{TEXTS_DIR}/{locale}/{name}{SUFFIX}",
                    1,
                    "",
                    "A mail starts with its 'Subject:' line (e.g. 'Subject: Nieuw "
                    "burgerinitiatief: {{ proposal.title | t }}').",
                )
            )
    return problems


class _EffectArgs(TypedDict):
    """The arguments every ``plan_effects`` call of the check shares."""

    options: Options
    templates: MessageTemplates


def message_problems(directory: Path, mappings: Mappings) -> list[Problem]:
    """Every problem in ``texts/<locale>/*.md``, found by rendering (empty: all good)."""
    try:
        templates = load_templates(Path(directory) / TEXTS_DIR, mappings)
    except MappingError as exc:
        return _problems(exc)
    problems: list[Problem] = []
    for locale in mappings.organization.locales:
        for plan in _example_plans(Path(directory), mappings):
            try:
                _render_all(plan, templates, locale, mappings)
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


def _example_plans(directory: Path, mappings: Mappings) -> list[Plan]:
    """The plan of every example proposal (planned with everything free)."""
    plans = []
    now = time.time()
    for path in sorted((directory / "examples").glob("*.json")):
        try:
            proposal = proposal_from_json(json.loads(path.read_text(encoding="utf-8")))
            plans.append(preview_plan(proposal, mappings, now))
        except (ValueError, BridgeError):
            continue  # reported by the plan engine's own example check
    return plans


def _options(locale: str) -> Options:
    return Options(
        decidim_url="https://decidim.invalid",
        default_locale=locale,
        locales=(locale,),
        can_comment=True,
        can_answer=True,
        can_assign_evaluators=True,
        can_write_notes=True,
    )


def _links(subject: Subject, advisor: str) -> ApprovalLinks:
    return ApprovalLinks(
        approve_url="https://bridge.invalid/approvals/approve",
        hold_url="https://bridge.invalid/approvals/hold",
        expires_at=date(2030, 1, 1),
    )


def _enriched(plan: Plan, mappings: Mappings) -> Plan:
    """The plan with an offer (held until a date), a wanted item, a budget, a flag, a
    postponed decision and recorded first contact from the rules, so optional sections
    render too."""
    extra: tuple[ResourceOffer, ...] = ()
    if mappings.resources:
        item = max(mappings.resources, key=lambda r: (bool(r.conditions), bool(r.department)))
        hold = Hold("resource", item.id, 1, "held", 1_893_456_000.0, 1_894_000_000.0)
        offer = ResourceOffer(item.id, item.group, "held", 1, "2030-01-02", hold, (), ())
        extra = (offer, replace(offer, status="unavailable", ready_by=""))
    budget = plan.budget
    if mappings.budgets and budget.status not in ("held", "confirmed"):
        budget = replace(budget, budget_id=mappings.budgets[0].id, status="held", amount_cents=1250)
    postponed = Reason(
        "expect.postponed", {"days": 5, "due_date": "2030-02-01", "reason": "check"}, ""
    )
    expectations = replace(
        plan.expectations,
        reasons=(*plan.expectations.reasons, postponed),
        first_contact_on=plan.expectations.first_contact_by or None,
    )
    return replace(
        plan,
        resources=(*plan.resources, *extra),
        budget=budget,
        expectations=expectations,
        service_purchase=replace(plan.service_purchase, flagged=True),
    )


def _older(facts: dict[str, Any]) -> dict[str, Any]:
    """Facts that differ from ``facts`` in every way a resident can be told about."""
    old: dict[str, Any] = json.loads(json.dumps(facts))  # a deep copy of JSON-ready facts
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
    old["postponed"] = []
    return old


#: What changed between two versions, one of each section the advisors' texts describe.
_CHANGES = (
    Change("stage", "changed", "", "open", "accepted"),
    *(Change(s, "changed", "", "a", "b") for s in ("lead", "co_advisors", "expectations", "flags")),
)


def _render_all(plan: Plan, templates: MessageTemplates, locale: str, mappings: Mappings) -> None:
    options = _options(locale)
    rich = _enriched(plan, mappings)
    subject = subject_of(rich, mappings, tenant=_CHECK_TENANT, version=2)
    args: _EffectArgs = {"options": options, "templates": templates}
    # First plan (comment, answer, advisors, introductions, notices) and with approval.
    plan_effects(rich, subject, mappings, previous=None, published=Published(), **args)
    strict = replace(subject, publication_mode="after-approval")
    plan_effects(
        rich, strict, mappings, previous=None, published=Published(), link_maker=_links, **args
    )
    # A new version: every kind of change residents hear about.
    facts = resident_facts(rich, mappings, locale)
    older = Published(facts=_older(facts))
    changed = replace(subject, changes=_CHANGES)
    plan_effects(rich, changed, mappings, previous=rich, published=older, **args)
    # Decided: accepted (with approval links), rejected and withdrawn.
    for state in ("accepted", "rejected", "withdrawn"):
        decided = replace(strict, state=state)
        plan_effects(
            rich, decided, mappings, previous=rich, published=Published(), link_maker=_links, **args
        )
    values = context(rich, subject, mappings, Links(options.decidim_url))
    lead = rich.assignment.lead
    for milestone, ahead in (
        ("first_contact", False),
        ("decision", False),
        ("first_contact", True),
        ("decision", True),
    ):
        render_mail(
            templates,
            "reminder",
            values,
            locale=locale,
            recipient=Recipient(lead.name, lead.email),
            milestone=milestone,
            ahead=ahead,
            due=date(2030, 1, 1),
            ref="CHECK",
        )


#: The messages residents read, and what they are rendered with.
RESIDENT_TEMPLATES = ("comment", "comment_update", "comment_accepted", "answer")


def readability_problems(directory: Path, mappings: Mappings) -> list[Problem]:
    """Every resident text (comment, update, acceptance, answer, the reply to a report or
    a question) rendered for the example proposals and scored in its language: below the
    words file's ``readability.min_score``, or a sentence longer than
    ``max_sentence_words``, is a problem at the template line that holds the longest
    sentence."""
    try:
        templates = load_templates(Path(directory) / TEXTS_DIR, mappings)
    except MappingError:
        return []  # reported by message_problems
    worst: dict[tuple[str, str], tuple[float, int, str]] = {}
    for plan in _example_plans(Path(directory), mappings):
        rich = _enriched(plan, mappings)
        subject = subject_of(rich, mappings, tenant=_CHECK_TENANT, version=2)
        values = context(rich, subject, mappings, Links("https://decidim.invalid"))
        for locale in mappings.organization.locales:
            facts = resident_facts(rich, mappings, locale)
            changes = tuple(diff(_older(facts), facts))
            names = [*RESIDENT_TEMPLATES, *(f"comment_{k.id}" for k in mappings.kinds)]
            for name in names:
                if not templates.has(name, locale):
                    continue
                if name.startswith("comment_") and name[8:] in mappings.derived["kinds"]:
                    kind_plan = _as_kind(rich, name[8:])
                    local = context(kind_plan, subject, mappings, Links("https://x.invalid"))
                else:
                    local = values
                try:
                    text = templates.render(
                        name,
                        locale,
                        {
                            **local,
                            "detail": 2,
                            "changes": changes,
                            "answer_written": True,
                            "ref": "CHECK",
                        },
                    ).text
                except MappingError:
                    continue  # reported by message_problems
                score = readability(text, locale)
                found = worst.get((locale, name))
                if found is None or score.score < found[0]:
                    worst[(locale, name)] = (score.score, score.longest_sentence, score.longest)
                longest = worst[(locale, name)]
                if score.longest_sentence > longest[1]:
                    worst[(locale, name)] = (longest[0], score.longest_sentence, score.longest)
    problems = []
    for (locale, name), (low, most, sentence) in sorted(worst.items()):
        words = mappings.texts.get(locale) or mappings.texts[mappings.organization.default_locale]
        file = f"{TEXTS_DIR}/{locale}/{name}.md"
        line = _line_of(Path(directory) / file, sentence)
        if low < words.min_reading_ease:
            problems.append(
                Problem(
                    file,
                    line,
                    "readability",
                    f"reading ease {low:.0f} is below {words.min_reading_ease:.0f} "
                    f"({'Flesch-Douma' if locale == 'nl' else 'Flesch'}); longest sentence "
                    f"{most} words: '{sentence}'",
                )
            )
        if most > words.max_sentence_words:
            problems.append(
                Problem(
                    file,
                    line,
                    "readability",
                    f"a sentence of {most} words (at most {words.max_sentence_words}): "
                    f"'{sentence}'",
                )
            )
    return problems


def _as_kind(plan: Plan, kind: str) -> Plan:
    return replace(plan, classification=replace(plan.classification, kind=kind))


def _line_of(path: Path, sentence: str) -> int | None:
    """The template line holding the start of ``sentence`` (placeholders filled in)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    words = sentence.split()
    for size in (4, 3, 2):
        probe = " ".join(words[:size])
        for number, text in enumerate(lines, start=1):
            if probe and probe in text:
                return number
    return 1
