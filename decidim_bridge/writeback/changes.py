"""What residents have been told, and what changed for them between two plan versions.

``resident_facts`` reduces a plan to the facts that appear in the public comment and
answer (contact, dates, what is offered, partners, the expectation contract). It is stored
with every public write, so a later plan version is compared with what residents actually
received, not with whatever the last internal version was. ``diff`` lists the changes in a
stable order; an empty list means nothing relevant changed and nothing is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from decidim_bridge.writeback.view import PlanView, localized


def _texts(values: Any, locale: str, default: str) -> list[str]:
    return [localized(v, locale, default) for v in values]


def resident_facts(view: PlanView, locale: str, default_locale: str = "nl") -> dict[str, Any]:
    """The plan as residents see it (JSON-serialisable, deterministic)."""
    exp = view.expectations

    def t(value: Any) -> str:
        return localized(value, locale, default_locale)

    return {
        "contact": {"name": view.lead.name, "email": view.lead.email, "phone": view.lead.phone},
        "first_contact_by": exp.first_contact_by.isoformat() if exp.first_contact_by else None,
        "decision_by": exp.decision_by.isoformat() if exp.decision_by else None,
        "say": t(exp.say),
        "decides": t(exp.decides),
        "time_investment": t(exp.time_investment),
        "offers": {
            r.key: {
                "name": t(r.name),
                "quantity": r.quantity,
                "unit": t(r.unit),
                "ready_by": r.ready_by.isoformat() if r.ready_by else None,
                "lead_time_days": r.lead_time_days,
                "conditions": _texts(r.conditions, locale, default_locale),
                "status": r.status,
            }
            for r in view.active_resources
        },
        "budgets": {
            b.key: {
                "name": t(b.name),
                "amount": f"{b.amount:.2f}",
                "conditions": _texts(b.conditions, locale, default_locale),
                "status": b.status,
            }
            for b in view.active_budgets
        },
        "partners": sorted(
            {t(s.public_label) for s in view.stakeholders if s.introduce and t(s.public_label)}
        ),
        "service_purchase": view.service_purchase.flagged,
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
    for field in ("first_contact_by", "decision_by"):
        if old.get(field) != new.get(field):
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
