"""The advisor's checklist, ordered by the four practices for supporting initiatives.

1. Remove obstacles, work across domains, buy services from initiatives.
2. Manage expectations up front.
3. Make materials and money available.
4. Build support inside and outside the municipality.

A status is only ``done`` or ``overdue`` when the proposal itself shows it (an answer in
Decidim by the municipality, a confirmed hold, a passed date); everything else is ``todo``
for the advisor, or ``n/a`` once the initiative was rejected or withdrawn. The bridge's own
answer never counts: the engine hands this module the proposal without it. First contact
a person recorded in Decidim (steering) ticks the first-contact item.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from decidim_bridge.plan.calendar import calendar_for
from decidim_bridge.plan.model import (
    ACCEPTED,
    CLOSED_STAGES,
    OPEN,
    Assignment,
    BudgetOffer,
    ChecklistItem,
    ExpectationContract,
    ResourceOffer,
    ServicePurchase,
    StakeholderLink,
)
from decidim_bridge.plan.stakeholders import MOMENT_OF_STAGE
from decidim_bridge.plan.steering import FirstContact
from decidim_bridge.plan.texts import checklist_text
from decidim_bridge.proposals import Proposal
from decidim_bridge.rules.model import Mappings


def _due_status(due: str, today: date, done: bool) -> str:
    if done:
        return "done"
    return "overdue" if today > date.fromisoformat(due) else "todo"


def build_checklist(
    proposal: Proposal,
    stage: str,
    today: date,
    mappings: Mappings,
    assignment: Assignment,
    resources: tuple[ResourceOffer, ...],
    budget: BudgetOffer,
    links: tuple[StakeholderLink, ...],
    expectations: ExpectationContract,
    service: ServicePurchase,
    *,
    first_contact: FirstContact | None = None,
) -> tuple[ChecklistItem, ...]:
    closed = stage in CLOSED_STAGES
    locale = mappings.organization.default_locale
    items: list[ChecklistItem] = []

    def add(practice: int, key: str, status: str, due: str | None = None, **args: Any) -> None:
        if closed:
            status = "n/a" if status != "done" else status
        text = checklist_text(key, args, mappings, locale)
        items.append(ChecklistItem(practice, key, args, status, due, text))

    # 1. obstacles, cross-domain work, buying services
    if assignment.fallback:
        add(1, "p1.coordinator", "todo", advisor=assignment.lead.advisor_id)
    else:
        add(1, "p1.lead", "todo", advisor=assignment.lead.advisor_id)
    for role in assignment.co_advisors:
        add(1, "p1.coadvisor", "todo", advisor=role.advisor_id, theme=role.theme_id)
    for reason in assignment.reasons:
        if reason.code == "co.none":
            add(1, "p1.find_coadvisor", "todo", theme=reason.args["theme"])
    if service.flagged and service.decision_by:
        contact = mappings.service_purchase.contact
        add(
            1,
            "p1.service_purchase",
            _due_status(service.decision_by, today, stage == ACCEPTED),
            due=service.decision_by,
            contact=contact.name or contact.email or "",
            due_date=service.decision_by,
        )
    # 2. expectations
    answered = proposal.state is not None or proposal.answered_at is not None
    add(2, "p2.say", "done" if answered else "todo", say=expectations.say)
    add(
        2,
        "p2.first_contact",
        _due_status(expectations.first_contact_by, today, answered or first_contact is not None),
        due=expectations.first_contact_by,
        due_date=expectations.first_contact_by,
    )
    decided = stage != OPEN
    add(
        2,
        "p2.decision",
        _due_status(expectations.decision_by, today, decided),
        due=expectations.decision_by,
        due_date=expectations.decision_by,
    )
    # 3. materials and money
    for offer in resources:
        if offer.status == "confirmed":
            add(
                3,
                "p3.resource_confirmed",
                "done",
                resource=offer.resource_id,
                quantity=offer.quantity,
            )
        elif offer.status == "held" and offer.hold and offer.hold.expires_at:
            until = offer.hold.expires_at
            until_date = _iso_day(until, mappings)
            add(
                3,
                "p3.resource",
                "todo",
                due=until_date,
                resource=offer.resource_id,
                quantity=offer.quantity,
                until_date=until_date,
            )
        elif offer.status == "unavailable":
            add(3, "p3.unavailable", "todo", resource=offer.resource_id)
    if budget.status == "confirmed" and budget.budget_id:
        add(3, "p3.budget_confirmed", "done", budget=budget.budget_id, amount=budget.amount_cents)
    elif budget.status == "held" and budget.hold and budget.hold.expires_at and budget.budget_id:
        until_date = _iso_day(budget.hold.expires_at, mappings)
        add(
            3,
            "p3.budget",
            "todo",
            due=until_date,
            budget=budget.budget_id,
            amount=budget.amount_cents,
            until_date=until_date,
        )
    if not resources and budget.status in ("none", "unavailable"):
        add(3, "p3.nothing", "todo")
    # 4. support inside and outside
    moment = MOMENT_OF_STAGE[stage]
    for link in links:
        if link.action == "introduce" and link.inform_now:
            add(4, "p4.introduce", "todo", stakeholder=link.stakeholder_id)
        elif link.action == "digest":
            add(4, "p4.digest", "todo", stakeholder=link.stakeholder_id)
        elif link.inform_now:
            add(4, "p4.inform", "todo", stakeholder=link.stakeholder_id, moment=moment)
    return tuple(items)


def _iso_day(epoch: float, mappings: Mappings) -> str:
    return calendar_for(mappings).local_date(epoch).isoformat()
