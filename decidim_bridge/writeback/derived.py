"""What messages need that the plan leaves to the rules (pure).

The plan keeps ids, ISO dates, cents and reason codes; the rules know the names, e-mail
addresses, conditions and departments behind the ids. These small functions combine the
two for the texts, the facts residents were told and the mails' addressees, so no second
model of the plan exists.

Residents may read a stakeholder's ``public_label``: only organisations (wijkraad,
buurtvereniging) are named there, never a key figure, who may be a private person.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from decidim_bridge.plan.diff import Change
from decidim_bridge.plan.model import (
    AdvisorRole,
    BudgetOffer,
    ChecklistItem,
    ExpectationContract,
    Plan,
    Reason,
    ResourceOffer,
    StakeholderLink,
)
from decidim_bridge.plan.texts import checklist_text, label, reason_text, texts_for
from decidim_bridge.rules.model import (
    Budget,
    ExpectationRule,
    Mappings,
    Resource,
    Stakeholder,
)

#: Offer statuses that stand: reserved for the initiative, or confirmed on acceptance.
ACTIVE = ("held", "confirmed")
#: Stakeholder kinds residents may see named (organisations, not persons).
PUBLIC_KINDS = ("wijkraad", "buurtvereniging")


def catalogue_item(offer: ResourceOffer | BudgetOffer, mappings: Mappings) -> Resource | Budget:
    """The rules' description of what an offer holds (name, unit, conditions, ...)."""
    if isinstance(offer, ResourceOffer):
        return resource_of(offer, mappings)
    return budget_of(offer, mappings)


def resource_of(offer: ResourceOffer, mappings: Mappings) -> Resource:
    found = mappings.resource(offer.resource_id)
    if found is None:
        raise LookupError(f"the rules have no resource {offer.resource_id!r}")
    return found


def budget_of(offer: BudgetOffer, mappings: Mappings) -> Budget:
    found = mappings.budget(offer.budget_id) if offer.budget_id else None
    if found is None:
        raise LookupError(f"the rules have no budget {offer.budget_id!r}")
    return found


def active_offers(plan: Plan, mappings: Mappings) -> tuple[ResourceOffer, ...]:
    return tuple(
        o
        for o in plan.resources
        if o.status in ACTIVE and mappings.resource(o.resource_id) is not None
    )


def requested_offers(plan: Plan, mappings: Mappings) -> tuple[ResourceOffer, ...]:
    """Items the initiative wanted when none was free."""
    return tuple(
        o
        for o in plan.resources
        if o.status == "unavailable" and mappings.resource(o.resource_id) is not None
    )


def active_budgets(plan: Plan, mappings: Mappings) -> tuple[BudgetOffer, ...]:
    """The budget reservation that stands (none or one)."""
    offer = plan.budget
    known = offer.budget_id is not None and mappings.budget(offer.budget_id) is not None
    if known and offer.status in ACTIVE and offer.amount_cents > 0:
        return (offer,)
    return ()


def terms(contract: ExpectationContract, mappings: Mappings) -> ExpectationRule:
    """The expectation rule a contract was made under (say, decider, time, results)."""
    return mappings.expectations.for_space(None if contract.rule == "default" else contract.rule)


def phone(role: AdvisorRole, mappings: Mappings) -> str | None:
    advisor = mappings.advisor(role.advisor_id)
    return advisor.phone if advisor is not None else None


def advisors(plan: Plan) -> tuple[AdvisorRole, ...]:
    """Lead first, then co-advisors, each address once."""
    seen: set[str] = set()
    out: list[AdvisorRole] = []
    for person in (plan.assignment.lead, *plan.assignment.co_advisors):
        if person.email.lower() not in seen:
            seen.add(person.email.lower())
            out.append(person)
    return tuple(out)


def nicknames(plan: Plan, mappings: Mappings) -> tuple[str, ...]:
    """The Decidim nicknames (lower case) of the lead and co-advisors, lead first, each once;
    advisors without a nickname in the rules are left out."""
    out: list[str] = []
    for person in advisors(plan):
        advisor = mappings.advisor(person.advisor_id)
        nickname = (advisor.nickname or "").strip().lstrip("@").lower() if advisor else ""
        if nickname and nickname not in out:
            out.append(nickname)
    return tuple(out)


@dataclass(frozen=True)
class HoldLine:
    """One reservation as advisors read it: what, how much, and until when it is held."""

    kind: str  # resource | budget
    item_id: str
    quantity: int  # units (resources)
    amount_cents: int  # cents (budgets)
    status: str  # held | confirmed
    until: str | None  # ISO date the hold lapses; None: no expiry (confirmed)


def hold_lines(plan: Plan, mappings: Mappings) -> tuple[HoldLine, ...]:
    """The plan's standing offers with the day each hold lapses (municipality's time zone)."""
    zone = ZoneInfo(mappings.organization.timezone)

    def until(expires_at: float | None) -> str | None:
        if expires_at is None:
            return None
        return datetime.fromtimestamp(expires_at, zone).date().isoformat()

    out = [
        HoldLine(
            "resource",
            o.resource_id,
            o.quantity,
            0,
            o.status,
            until(o.hold.expires_at if o.hold else None),
        )
        for o in active_offers(plan, mappings)
    ]
    out += [
        HoldLine(
            "budget",
            b.budget_id or "",
            0,
            b.amount_cents,
            b.status,
            until(b.hold.expires_at if b.hold else None),
        )
        for b in active_budgets(plan, mappings)
    ]
    return tuple(out)


#: The reason code of a postponed decision date (``plan.expectations``).
POSTPONED = "expect.postponed"


def postponements(plan: Plan) -> tuple[dict[str, Any], ...]:
    """Each postponement of the decision date: ``days``, ``due_date`` and the ``reason``
    residents are told, oldest first."""
    return tuple(
        {
            "days": r.args.get("days"),
            "due_date": r.args.get("due_date"),
            "reason": str(r.args.get("reason") or ""),
        }
        for r in plan.expectations.reasons
        if r.code == POSTPONED
    )


def stakeholders(plan: Plan, mappings: Mappings) -> list[tuple[StakeholderLink, Stakeholder]]:
    """Each link of the plan with the stakeholder the rules describe."""
    out = []
    for link in plan.stakeholders:
        stakeholder = mappings.stakeholder(link.stakeholder_id)
        if stakeholder is not None:
            out.append((link, stakeholder))
    return out


def public_label(stakeholder: Stakeholder) -> str:
    """How residents may read a stakeholder's name: organisations only, else empty."""
    return stakeholder.name if stakeholder.kind in PUBLIC_KINDS else ""


def partners(plan: Plan, mappings: Mappings) -> list[str]:
    """The organisations told about the plan (introduced), each once, in plan order."""
    out: list[str] = []
    for link, stakeholder in stakeholders(plan, mappings):
        name = public_label(stakeholder)
        if link.action == "introduce" and name and name not in out:
            out.append(name)
    return out


def stakeholder_reason(link: StakeholderLink, mappings: Mappings, locale: str) -> str:
    """Why a stakeholder is involved, addressed to them: "Wijkraad Noord: betrokken bij
    wijk Noord" -> "betrokken bij wijk Noord"."""
    text = reason_text(link.reason.code, link.reason.args, mappings, locale)
    stakeholder = mappings.stakeholder(link.stakeholder_id)
    return text.removeprefix(f"{stakeholder.name}: ") if stakeholder is not None else text


def text_of(item: Reason | ChecklistItem | StakeholderLink, mappings: Mappings, locale: str) -> str:
    """A reason, checklist line or stakeholder's reason in ``locale``."""
    if isinstance(item, ChecklistItem):
        return checklist_text(item.key, item.args, mappings, locale)
    if isinstance(item, StakeholderLink):
        return stakeholder_reason(item, mappings, locale)
    return reason_text(item.code, item.args, mappings, locale)


def reason_texts(reasons: Iterable[Reason], mappings: Mappings, locale: str) -> list[str]:
    """The texts of ``reasons``, each once."""
    out: list[str] = []
    for reason in reasons:
        text = reason_text(reason.code, reason.args, mappings, locale)
        if text not in out:
            out.append(text)
    return out


def all_reasons(plan: Plan) -> list[Reason]:
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
    plan: Plan, changes: Sequence[Change], mappings: Mappings, locale: str
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
