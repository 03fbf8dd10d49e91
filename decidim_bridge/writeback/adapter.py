"""From the support-plan engine's plans to write-back's ``PlanView``.

The plan engine stores ids, ISO dates, cents and reason codes; people need names, e-mail
addresses, conditions and sentences. This module is the one place that knows both models:
it looks the ids up in the mappings and renders reasons and checklist lines with the words
of ``mappings/texts`` (``plan.texts``), so every text still comes from one folder.

Residents may read ``public_label`` of a stakeholder: only organisations (wijkraad,
buurtvereniging) are named there, never a key figure, who may be a private person.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from urllib.parse import urlsplit

from decidim_bridge.config import Settings
from decidim_bridge.plan.diff import Change as PlanChange
from decidim_bridge.plan.model import OPEN, AdvisorRole, Plan, Reason
from decidim_bridge.plan.texts import checklist_text, label, name_of, reason_text, texts_for
from decidim_bridge.plan_versions import current_versions
from decidim_bridge.proposals import Proposal
from decidim_bridge.rules.model import SPACE_TYPES, Localized, Mappings
from decidim_bridge.store import Database
from decidim_bridge.writeback.view import (
    BudgetOffer,
    ChecklistItem,
    Contact,
    Expectations,
    PlanView,
    ResourceOffer,
    ServicePurchase,
    Space,
    StakeholderLink,
)

#: Plan offer statuses as write-back names them ("requested": wanted, nothing free).
_OFFER_STATUS = {
    "held": "held",
    "confirmed": "confirmed",
    "released": "released",
    "unavailable": "requested",
}
#: Stakeholder kinds residents may see named (organisations, not persons).
_PUBLIC_KINDS = ("wijkraad", "buurtvereniging")
_PUBLIC_PATH = {"processes": "Decidim::ParticipatoryProcess", "assemblies": "Decidim::Assembly"}


def view_from_plan(
    plan: Plan,
    mappings: Mappings,
    *,
    tenant: str,
    version: int,
    proposal: Proposal | None = None,
    changes: Sequence[PlanChange] = (),
) -> PlanView:
    """The write-back view of one stored plan version (``proposal``: as Decidim shows it
    now, when the caller has it; it gives the title in every language and the state)."""
    default = mappings.organization.default_locale
    locales = _locales(mappings)
    a = plan.assignment
    stage = plan.stage
    state: str | None = stage
    if stage == OPEN:
        state = (proposal.state or None) if proposal is not None else None
    return PlanView(
        tenant=tenant,
        proposal_id=plan.proposal_id,
        version=version,
        title=_title(plan, proposal),
        space=_space(plan, mappings, proposal),
        lead=_advisor(a.lead, mappings),
        co_advisors=tuple(_advisor(role, mappings) for role in a.co_advisors),
        lead_is_fallback=a.fallback,
        state=state,
        district=_district(plan, mappings),
        themes=tuple(
            _each(locales, lambda loc, t=t: name_of("theme", t, mappings, loc))
            for t in plan.classification.theme_ids
        ),
        resources=_resources(plan, mappings),
        budgets=_budgets(plan, mappings),
        stakeholders=_stakeholders(plan, mappings),
        expectations=_expectations(plan, mappings),
        service_purchase=_service(plan, mappings),
        checklist=tuple(
            ChecklistItem(
                practice=item.practice,
                text=_each(
                    locales, lambda loc, i=item: checklist_text(i.key, i.args, mappings, loc)
                ),
                done=item.status == "done",
            )
            for item in plan.checklist
            if item.status != "n/a"
        ),
        reasons=tuple(_texts(_all_reasons(plan), mappings, default)),
        changes=tuple(change_lines(plan, changes, mappings, default)),
        publication_mode=publication_mode(plan.space_key, mappings),
        extra={"reference": plan.reference, "public_url": plan.url, "stage": plan.stage},
    )


def publication_mode(space_key: str | None, mappings: Mappings) -> str | None:
    """The space's ``publication`` in scope.yaml; None: the bridge's setting decides."""
    for rule in mappings.scope.act_on:
        if rule.key == space_key:
            return rule.publication
    return None


def _locales(mappings: Mappings) -> tuple[str, ...]:
    org = mappings.organization
    return (org.default_locale, *[x for x in org.locales if x != org.default_locale])


def _each(locales: Iterable[str], make: object) -> dict[str, str]:
    return {loc: make(loc) for loc in locales}  # type: ignore[operator]


def _texts(reasons: Iterable[Reason], mappings: Mappings, locale: str) -> list[str]:
    out: list[str] = []
    for reason in reasons:
        text = reason_text(reason.code, reason.args, mappings, locale)
        if text not in out:
            out.append(text)
    return out


def _title(plan: Plan, proposal: Proposal | None) -> str | dict[str, str]:
    if proposal is None:
        return plan.title
    titles = {
        k: v for k, v in proposal.title.items() if v and not k.startswith("machine_translations")
    }
    return titles or plan.title


def _space(plan: Plan, mappings: Mappings, proposal: Proposal | None) -> Space:
    """Space type and slug for links: from the proposal, else the scope rule the plan was
    made under, else the proposal's public URL."""
    if proposal is not None and proposal.space.slug:
        return Space(proposal.space.type, proposal.space.slug, plan.component_id)
    for rule in mappings.scope.act_on:
        if rule.key == plan.space_key and rule.slug and rule.space_type:
            return Space(SPACE_TYPES[rule.space_type], rule.slug, plan.component_id)
    parts = urlsplit(plan.url or "").path.strip("/").split("/")
    if len(parts) >= 2 and parts[0] in _PUBLIC_PATH:
        return Space(_PUBLIC_PATH[parts[0]], parts[1], plan.component_id)
    raise ValueError(
        f"proposal {plan.proposal_id}: cannot tell its participatory space (no slug, no URL)"
    )


def _advisor(role: AdvisorRole, mappings: Mappings) -> Contact:
    advisor = mappings.advisor(role.advisor_id)
    domain: Localized | str = ""
    if role.theme_id:
        domain = _each(
            _locales(mappings), lambda loc: name_of("theme", role.theme_id or "", mappings, loc)
        )
    return Contact(
        name=role.name,
        email=role.email,
        phone=advisor.phone if advisor is not None else None,
        role=role.role,
        domain=domain,
    )


def _district(plan: Plan, mappings: Mappings) -> str:
    district = mappings.district(plan.classification.district_id)
    return district.name if district is not None else ""


def _department(department_id: str | None, mappings: Mappings) -> str:
    if not department_id:
        return ""
    stakeholder = mappings.stakeholder(department_id)
    return stakeholder.name if stakeholder is not None else department_id


def _resources(plan: Plan, mappings: Mappings) -> tuple[ResourceOffer, ...]:
    """Offers that stand or were wanted; released ones are told from the previous version
    (which still knew what was held)."""
    default = mappings.organization.default_locale
    out = []
    for offer in plan.resources:
        status = _OFFER_STATUS.get(offer.status)
        resource = mappings.resource(offer.resource_id)
        if status is None or status == "released" or resource is None:
            continue
        out.append(
            ResourceOffer(
                key=resource.id,
                name=dict(resource.name),
                quantity=offer.quantity,
                unit=dict(resource.unit),
                lead_time_days=resource.lead_time_days,
                ready_by=date.fromisoformat(offer.ready_by) if offer.ready_by else None,
                conditions=tuple(dict(c) for c in resource.conditions),
                department=_department(resource.department, mappings),
                status=status,
                reason="; ".join(_texts(offer.reasons, mappings, default)),
            )
        )
    return tuple(out)


def _budgets(plan: Plan, mappings: Mappings) -> tuple[BudgetOffer, ...]:
    offer = plan.budget
    budget = mappings.budget(offer.budget_id) if offer.budget_id else None
    if budget is None or offer.status not in ("held", "confirmed") or offer.amount_cents <= 0:
        return ()
    return (
        BudgetOffer(
            key=budget.id,
            name=dict(budget.name),
            amount=Decimal(offer.amount_cents) / 100,
            conditions=tuple(dict(c) for c in budget.conditions),
            status=offer.status,
            reason="; ".join(_texts(offer.reasons, mappings, mappings.organization.default_locale)),
        ),
    )


def _stakeholders(plan: Plan, mappings: Mappings) -> tuple[StakeholderLink, ...]:
    default = mappings.organization.default_locale
    out = []
    for link in plan.stakeholders:
        stakeholder = mappings.stakeholder(link.stakeholder_id)
        if stakeholder is None:
            continue
        reason = reason_text(link.reason.code, link.reason.args, mappings, default)
        # "Wijkraad Noord: betrokken bij wijk Noord" -> "betrokken bij wijk Noord": the
        # mail is addressed to them.
        reason = reason.removeprefix(f"{stakeholder.name}: ")
        out.append(
            StakeholderLink(
                key=stakeholder.id,
                name=stakeholder.name,
                kind=stakeholder.kind,
                public_label=stakeholder.name if stakeholder.kind in _PUBLIC_KINDS else "",
                email=stakeholder.contact.email,
                internal=not stakeholder.external,
                introduce=link.action == "introduce",
                inform_on=frozenset(stakeholder.inform_on),
                reason=reason,
            )
        )
    return tuple(out)


def _expectations(plan: Plan, mappings: Mappings) -> Expectations:
    e = plan.expectations
    rule = mappings.expectations.for_space(None if e.rule == "default" else e.rule)
    return Expectations(
        say=dict(rule.say_text),
        decides=dict(rule.decider),
        time_investment=dict(rule.time_investment),
        first_contact_by=date.fromisoformat(e.first_contact_by) if e.first_contact_by else None,
        decision_by=date.fromisoformat(e.decision_by) if e.decision_by else None,
        results_visible=dict(rule.results),
    )


def _service(plan: Plan, mappings: Mappings) -> ServicePurchase:
    s = plan.service_purchase
    if not s.flagged:
        return ServicePurchase()
    rules = mappings.service_purchase
    contact = None
    if rules.contact.email:
        contact = Contact(
            name=rules.contact.name or rules.contact.email,
            email=rules.contact.email,
            phone=rules.contact.phone,
        )
    reason = "; ".join(_texts(s.reasons, mappings, mappings.organization.default_locale))
    return ServicePurchase(flagged=True, reason=reason, contact=contact)


def _all_reasons(plan: Plan) -> list[Reason]:
    """Every reason of the plan, the ones that need a person first (stakeholders' reasons
    are shown with each stakeholder already)."""
    a = plan.assignment
    out: list[Reason] = [*plan.flags, *plan.classification.reasons, a.lead.reason]
    out += [role.reason for role in a.co_advisors]
    out += a.reasons
    for offer in plan.resources:
        out += offer.reasons
    out += plan.notes
    out += [*plan.budget.reasons, *plan.budget.warnings]
    out += plan.expectations.reasons
    out += plan.service_purchase.reasons
    return out


def change_lines(
    plan: Plan, changes: Sequence[PlanChange], mappings: Mappings, locale: str
) -> list[str]:
    """What changed since the previous version, for advisors, in sentences from the texts
    files: the new reasons of each section that changed. Checklist-only and wording-only
    changes give no lines (nothing to tell)."""
    texts = texts_for(mappings, locale)
    lines: list[Reason | str] = []
    changed_items: dict[str, set[str]] = {}
    for change in changes:
        changed_items.setdefault(change.section, set()).add(change.item)
    for section, items in changed_items.items():
        if section == "stage":
            change = next(c for c in changes if c.section == "stage")
            before = label(texts, "stage", str(change.before))
            after = label(texts, "stage", str(change.after))
            lines.append(f"{before} → {after}")
        elif section in ("district", "themes"):
            lines += plan.classification.reasons
        elif section == "lead":
            lines.append(plan.assignment.lead.reason)
        elif section == "co_advisors":
            lines += [role.reason for role in plan.assignment.co_advisors]
        elif section == "resources":
            lines += [o.reasons[-1] for o in plan.resources if o.resource_id in items and o.reasons]
        elif section == "budget":
            lines += plan.budget.reasons[-1:]
        elif section == "stakeholders":
            lines += [s.reason for s in plan.stakeholders if s.stakeholder_id in items]
        elif section == "expectations":
            lines += plan.expectations.reasons[1:]
        elif section == "service_purchase":
            lines += plan.service_purchase.reasons
        elif section == "flags":
            lines += plan.flags
    out: list[str] = []
    for line in lines:
        text = (
            line if isinstance(line, str) else reason_text(line.code, line.args, mappings, locale)
        )
        if text not in out:
            out.append(text)
    return out


def open_plan_views(db: Database, settings: Settings, mappings: Mappings) -> list[PlanView]:
    """The current plan version of every open proposal of this tenant."""
    with db.read() as conn:
        found = current_versions(conn, settings.tenant, stage=OPEN)
    return [
        view_from_plan(item.plan, mappings, tenant=item.tenant, version=item.version)
        for item in found
    ]
