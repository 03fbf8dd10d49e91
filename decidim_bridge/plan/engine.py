"""The plan engine: proposal + rules + state + clock -> support plan. No I/O.

Order of decisions (each step reads the ones before it):
classification -> expectation dates -> advisors -> catalogue and budget offers with holds
-> stakeholder links -> Right to Challenge -> advisor checklist.

The answer the bridge itself wrote in Decidim (``state.answered_by_bridge``) is its promise
to the initiators, not the municipality's response: the plan is made as if Decidim showed
no answer, so that answer neither ticks off first contact or the decision nor makes a new
plan version, and the promised dates stay tracked until a person answers.

What people decided in Decidim (``state.steering``) wins over the rules: a chosen lead, an
offer confirmed or released by hand, first contact recorded, a later decision date, the
day the items are needed.
"""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import date

from decidim_bridge.plan.assign import assign
from decidim_bridge.plan.calendar import calendar_for
from decidim_bridge.plan.checklist import build_checklist
from decidim_bridge.plan.classify import ProposalText, classify
from decidim_bridge.plan.existing import quiet
from decidim_bridge.plan.expectations import contract, expectation_rule, promise_start
from decidim_bridge.plan.kinds import (
    NO_BUDGET,
    NO_SERVICE,
    coordinator_only,
    kind_checklist,
    recognise,
)
from decidim_bridge.plan.language import detect, supported
from decidim_bridge.plan.model import (
    ACCEPTED,
    OPEN,
    REJECTED,
    WITHDRAWN,
    Plan,
    Reason,
    ResourceOffer,
    StakeholderLink,
)
from decidim_bridge.plan.needed import needed_date
from decidim_bridge.plan.offers import OfferTerms, offer_budget, offer_resources
from decidim_bridge.plan.service import service_purchase
from decidim_bridge.plan.stakeholders import link_stakeholders
from decidim_bridge.plan.state import EMPTY_STATE, PlanningState
from decidim_bridge.plan.texts import make_reason
from decidim_bridge.proposals import Proposal
from decidim_bridge.rules.model import Mappings

_TAG = re.compile(r"<[^>]+>")
_BLOCK_END = re.compile(r"</(p|div|li|h\d)>|<br\s*/?>", re.IGNORECASE)


def plain_text(value: str) -> str:
    """Decidim bodies are HTML; the rules read text."""
    if "<" not in value and "&" not in value:
        return value
    return html.unescape(_TAG.sub(" ", _BLOCK_END.sub("\n", value))).strip()


def stage_of(proposal: Proposal) -> str:
    """Decidim's published state as a plan stage (custom states count as open)."""
    state = (proposal.state or "").strip().lower()
    if proposal.withdrawn or state == "withdrawn":
        return WITHDRAWN
    if state == "accepted":
        return ACCEPTED
    if state == "rejected":
        return REJECTED
    return OPEN


def response_of(proposal: Proposal, state: PlanningState) -> Proposal:
    """The proposal with only the municipality's response: without the bridge's own answer."""
    if not state.answered_by_bridge:
        return proposal
    return replace(proposal, state=None, answer={}, answered_at=None)


def candidate_languages(mappings: Mappings) -> tuple[str, ...]:
    """The languages a proposal may be in: ``matching.languages``, else the locales."""
    wanted = mappings.matching.languages or mappings.organization.locales
    return tuple(code for code in dict.fromkeys(wanted) if supported(code))


def read_proposal(proposal: Proposal, mappings: Mappings) -> ProposalText:
    locale = mappings.organization.default_locale
    title = plain_text(proposal.text(proposal.title, locale))
    body = plain_text(proposal.text(proposal.body, locale))
    detection = detect(title, body, candidate_languages(mappings))
    lang = detection.language if detection.sure else None
    index = mappings.keyword_index
    names: list[str] = []
    for taxonomy in proposal.taxonomies:
        names.extend(v for v in taxonomy.name.values() if v)
    return ProposalText(
        title=title,
        body=body,
        address=proposal.address or "",
        taxonomy_names=tuple(dict.fromkeys(names)),
        title_hits=tuple(index.find(title, "title", lang)),
        body_hits=tuple(index.find(body, "body", lang)),
        language=lang,
        language_guess=detection.language,
        language_confidence=detection.confidence,
    )


def reply_locale(text: ProposalText, mappings: Mappings) -> tuple[str, tuple[Reason, ...]]:
    """The language residents are answered in: theirs when the organization has texts for
    it, else the default language; with the reasons (which language, how sure, why)."""
    default = mappings.organization.default_locale
    reasons: list[Reason] = []
    if text.language_guess is None:
        return default, ()
    confidence = round(text.language_confidence * 100)
    if text.language is None:
        reasons.append(
            make_reason(
                mappings, "language.unsure", language=text.language_guess, confidence=confidence
            )
        )
        return default, tuple(reasons)
    reasons.append(
        make_reason(mappings, "language.detected", language=text.language, confidence=confidence)
    )
    if text.language in mappings.organization.locales and text.language in mappings.texts:
        reasons.append(make_reason(mappings, "language.reply", language=text.language))
        return text.language, tuple(reasons)
    reasons.append(
        make_reason(mappings, "language.no_texts", language=text.language, default=default)
    )
    return default, tuple(reasons)


def build_plan(
    proposal: Proposal,
    mappings: Mappings,
    now: float,
    state: PlanningState = EMPTY_STATE,
    *,
    space_key: str | None = None,
) -> Plan:
    """The support plan for ``proposal`` at time ``now`` (epoch seconds)."""
    proposal = response_of(proposal, state)
    calendar = calendar_for(mappings)
    text = read_proposal(proposal, mappings)
    stage = stage_of(proposal)
    today = calendar.local_date(now)
    published = calendar.local_date(proposal.published_at) if proposal.published_at else today
    classification = classify(proposal, text, mappings)
    rule = expectation_rule(mappings, space_key)
    steering = state.steering
    previous = state.previous
    is_quiet, quiet_reasons = quiet(
        proposal,
        mappings,
        existing=state.existing,
        previous=previous,
        published=published,
        today=today,
        stage=stage,
    )
    # A plan that told residents nothing keeps no promise: the first public one starts anew.
    promised = previous if previous is not None and not previous.quiet else None
    start, rebased_from = promise_start(
        published,
        today,
        stage,
        rule,
        mappings,
        calendar,
        promised.expectations if promised is not None else None,
        steering,
    )
    expectations = contract(
        proposal,
        rule,
        mappings,
        calendar,
        start,
        today,
        stage,
        steering=steering,
        rebased_from=rebased_from,
    )
    window_end = max(date.fromisoformat(expectations.first_contact_by), today)
    kind, kind_reasons = recognise(text, mappings, steering)
    locale, language_reasons = reply_locale(text, mappings)
    classification = replace(
        classification,
        kind=kind,
        reasons=language_reasons + classification.reasons + kind_reasons,
    )
    if not classification.is_initiative:
        assignment = coordinator_only(mappings, kind)
        resources: tuple[ResourceOffer, ...] = ()
        resource_notes: list[Reason] = []
        budget = NO_BUDGET
        links_to: tuple[StakeholderLink, ...] = ()
        service = NO_SERVICE
        checklist = kind_checklist(mappings, kind)
    else:
        assignment = assign(
            classification,
            mappings,
            state.loads,
            today,
            window_end,
            stage,
            previous.assignment if previous is not None else None,
            chosen=steering.lead,
        )
        # The day a person set wins over a date found in the text.
        needed = needed_date(text, mappings, start)
        needed_by = needed[0] if needed is not None else None
        if steering.needed is not None:
            needed_by = date.fromisoformat(steering.needed.on)
        terms = OfferTerms(
            mappings,
            state.availability,
            stage,
            start,
            today,
            now,
            calendar,
            hold_floor=date.fromisoformat(expectations.decision_by),
            steering=steering,
            needed_by=needed_by,
            needed_set_by=steering.needed.by if steering.needed is not None else None,
        )
        resources, resource_notes = offer_resources(text, classification, terms)
        budget = offer_budget(text, classification, terms)
        links_to = link_stakeholders(classification, resources, budget, mappings, stage)
        service = service_purchase(text, mappings, calendar, start)
        checklist = build_checklist(
            proposal,
            stage,
            today,
            mappings,
            assignment,
            resources,
            budget,
            links_to,
            expectations,
            service,
            first_contact=steering.first_contact,
        )
    flags: list[Reason] = []
    if not classification.is_initiative:
        flags.append(make_reason(mappings, "flag.not_initiative", kind=kind))
    if assignment.fallback:
        flags.append(make_reason(mappings, "flag.coordinator"))
    if rebased_from is not None:
        late = calendar.working_days_between(date.fromisoformat(rebased_from), start)
        if late > mappings.expectations.late_intake.flag_after_days:
            flags.append(
                make_reason(mappings, "flag.late_intake", published_date=rebased_from, late=late)
            )
    if classification.district_id is None:
        flags.append(make_reason(mappings, "flag.no_district"))
    if classification.primary_theme is None and classification.is_initiative:
        flags.append(make_reason(mappings, "flag.no_theme"))
    for offer in resources:
        if offer.status == "unavailable":
            flags.append(make_reason(mappings, "flag.unavailable", resource=offer.resource_id))
    return Plan(
        proposal_id=str(proposal.id),
        component_id=str(proposal.component_id),
        space_key=space_key,
        title=text.title,
        url=proposal.url,
        reference=proposal.reference,
        stage=stage,
        locale=locale,
        classification=classification,
        assignment=assignment,
        resources=resources,
        budget=budget,
        stakeholders=links_to,
        expectations=expectations,
        service_purchase=service,
        checklist=checklist,
        flags=tuple(flags),
        notes=tuple(resource_notes) + quiet_reasons,
        mappings_digest=mappings.digest,
        computed_at=now,
        quiet=is_quiet,
    )
