"""What residents have been told, and what changed for them between two plan versions.

``resident_facts`` reduces a plan to the facts that appear in the public comment and
answer (contact, dates, what is offered, partners, the expectation contract). It is stored
with every public write, so a later plan version is compared with what residents actually
received, not with whatever the last internal version was. ``diff`` lists the changes in a
stable order; an empty list means nothing relevant changed and nothing is written.

A decision date that moved because a person postponed it (``expect.postponed``) is one
``postponed`` change carrying the reason residents are told, instead of a bare new date.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from decidim_bridge.locales import localized
from decidim_bridge.plan.model import Plan
from decidim_bridge.rules.model import Mappings
from decidim_bridge.writeback import derived


def resident_facts(plan: Plan, mappings: Mappings, locale: str) -> dict[str, Any]:
    """The plan as residents see it (JSON-serialisable, deterministic)."""
    exp = plan.expectations
    terms = derived.terms(exp, mappings)
    lead = plan.assignment.lead

    def t(value: Any) -> str:
        return localized(value, locale, mappings.organization.default_locale)

    offers = {}
    for offer in derived.active_offers(plan, mappings):
        item = derived.resource_of(offer, mappings)
        offers[item.id] = {
            "name": t(item.name),
            "quantity": offer.quantity,
            "unit": t(item.unit),
            "ready_by": offer.ready_by or None,
            "lead_time_days": item.lead_time_days,
            "conditions": [t(c) for c in item.conditions],
            "status": offer.status,
        }
    budgets = {}
    for budget in derived.active_budgets(plan, mappings):
        rule = derived.budget_of(budget, mappings)
        budgets[rule.id] = {
            "name": t(rule.name),
            "amount": f"{Decimal(budget.amount_cents) / 100:.2f}",
            "conditions": [t(c) for c in rule.conditions],
            "status": budget.status,
        }
    return {
        "contact": {
            "name": lead.name,
            "email": lead.email,
            "phone": derived.phone(lead, mappings),
        },
        "first_contact_by": exp.first_contact_by or None,
        "decision_by": exp.decision_by or None,
        "postponed": [p["reason"] for p in derived.postponements(plan)],
        "say": t(terms.say_text),
        "decides": t(terms.decider),
        "time_investment": t(terms.time_investment),
        "offers": offers,
        "budgets": budgets,
        "partners": sorted(set(derived.partners(plan, mappings))),
        "service_purchase": plan.service_purchase.flagged,
        "kind": plan.classification.kind,
    }


@dataclass(frozen=True)
class Change:
    """One change residents should hear about. ``kind`` selects the sentence in templates."""

    kind: str
    name: str = ""
    old: Any = None
    new: Any = None


def diff(old: dict[str, Any] | None, new: dict[str, Any]) -> list[Change]:
    """Changes from ``old`` to ``new`` facts; ``old=None`` means nothing was published."""
    if old is None:
        return [Change("first")]
    changes: list[Change] = []
    if (old["contact"]["name"], old["contact"]["email"]) != (
        new["contact"]["name"],
        new["contact"]["email"],
    ):
        changes.append(Change("contact", new["contact"]["name"], old["contact"], new["contact"]))
    reasons = _new_reasons(old.get("postponed") or [], new.get("postponed") or [])
    for field in ("first_contact_by", "decision_by"):
        if old.get(field) != new.get(field):
            if field == "decision_by" and reasons and new.get(field):
                reason = "; ".join(reasons)
                changes.append(Change("postponed", reason, old.get(field), new.get(field)))
            else:
                changes.append(Change(field, "", old.get(field), new.get(field)))
    for field in ("say", "decides", "time_investment"):
        if old.get(field) != new.get(field) and new.get(field):
            changes.append(Change(field, "", old.get(field), new.get(field)))
    _diff_items(changes, "offer", old["offers"], new["offers"])
    _diff_items(changes, "budget", old["budgets"], new["budgets"])
    for label in new["partners"]:
        if label not in old["partners"]:
            changes.append(Change("partner_added", label))
    if new["service_purchase"] and not old["service_purchase"]:
        changes.append(Change("service_purchase"))
    return changes


def _new_reasons(told: list[str], now: list[str]) -> list[str]:
    """Postponement reasons residents were not told yet (the same reason may come twice)."""
    left = list(told)
    out = []
    for reason in now:
        if reason in left:
            left.remove(reason)
        else:
            out.append(reason)
    return out


def _diff_items(
    changes: list[Change], prefix: str, old: dict[str, Any], new: dict[str, Any]
) -> None:
    for key in sorted(new):
        if key not in old:
            changes.append(Change(f"{prefix}_added", new[key]["name"], None, new[key]))
        elif _comparable(old[key]) != _comparable(new[key]):
            changes.append(Change(f"{prefix}_changed", new[key]["name"], old[key], new[key]))
    for key in sorted(old):
        if key not in new:
            changes.append(Change(f"{prefix}_removed", old[key]["name"], old[key], None))


def _comparable(item: dict[str, Any]) -> dict[str, Any]:
    # "held" → "confirmed" is news of its own (the accepted message), not a change.
    return {k: v for k, v in item.items() if k != "status"}
