"""Who should know about the initiative (draagvlak), why, and whether to tell them now.

A stakeholder is linked when the initiative is in one of their wijken and touches one of
their themes (no wijken / ``all`` themes: no restriction), or when they are the department
that hands out an offered item or budget. External stakeholders who agreed are
*introduced* to the initiators; others are *informed*; those who only want the periodic
overview get it in the *digest*. ``inform_now`` says whether the current stage is a moment
they asked to hear about.
"""

from __future__ import annotations

from decidim_bridge.plan.model import (
    ACCEPTED,
    OPEN,
    REJECTED,
    WITHDRAWN,
    BudgetOffer,
    Classification,
    Reason,
    ResourceOffer,
    StakeholderLink,
)
from decidim_bridge.plan.texts import make_reason
from decidim_bridge.rules.model import Mappings, Stakeholder

MOMENT_OF_STAGE = {
    OPEN: "published",
    ACCEPTED: "accepted",
    REJECTED: "rejected",
    WITHDRAWN: "withdrawn",
}
_HANDED_OUT = ("held", "confirmed")


def _reason(
    stakeholder: Stakeholder,
    district: str | None,
    themes: tuple[str, ...],
    mappings: Mappings,
) -> Reason | None:
    if stakeholder.districts and (district is None or district not in stakeholder.districts):
        return None
    if stakeholder.themes is None:
        shared = None
    else:
        shared = next((t for t in themes if t in stakeholder.themes), None)
        if shared is None:
            return None
    if stakeholder.districts and shared:
        return make_reason(
            mappings,
            "stakeholder.district_theme",
            stakeholder=stakeholder.id,
            district=district,
            theme=shared,
        )
    if stakeholder.districts:
        return make_reason(
            mappings, "stakeholder.district", stakeholder=stakeholder.id, district=district
        )
    if shared:
        return make_reason(mappings, "stakeholder.theme", stakeholder=stakeholder.id, theme=shared)
    return make_reason(mappings, "stakeholder.everywhere", stakeholder=stakeholder.id)


def link_stakeholders(
    classification: Classification,
    resources: tuple[ResourceOffer, ...],
    budget: BudgetOffer,
    mappings: Mappings,
    stage: str,
) -> tuple[StakeholderLink, ...]:
    moment = MOMENT_OF_STAGE[stage]
    handing_out: dict[str, Reason] = {}
    for offer in resources:
        resource = mappings.resource(offer.resource_id)
        if resource is not None and offer.status in _HANDED_OUT:
            handing_out.setdefault(
                resource.department,
                make_reason(
                    mappings,
                    "stakeholder.resource",
                    stakeholder=resource.department,
                    resource=resource.id,
                ),
            )
    if budget.budget_id and budget.status in _HANDED_OUT:
        department = mappings.budget(budget.budget_id).department  # type: ignore[union-attr]
        if department:
            handing_out.setdefault(
                department,
                make_reason(
                    mappings, "stakeholder.budget", stakeholder=department, budget=budget.budget_id
                ),
            )
    district, themes = classification.district_id, classification.theme_ids
    by_district: dict[str, list[int]] = mappings.derived["stakeholders_by_district"]
    by_theme: dict[str | None, list[int]] = mappings.derived["stakeholders_by_theme"]
    positions = set(by_theme.get(None, ()))
    for theme in themes:
        positions.update(by_theme.get(theme, ()))
    if district is not None:
        positions.update(by_district.get(district, ()))
    order = mappings.derived["stakeholder_order"]
    positions.update(order[s] for s in handing_out if s in order)
    links: list[StakeholderLink] = []
    for position in sorted(positions):
        stakeholder = mappings.stakeholders[position]
        reason = _reason(stakeholder, district, themes, mappings) or handing_out.get(stakeholder.id)
        if reason is None:
            continue
        if stakeholder.external and stakeholder.introduce:
            action = "introduce"
        elif set(stakeholder.inform_on) == {"digest"}:
            action = "digest"
        else:
            action = "inform"
        links.append(
            StakeholderLink(
                stakeholder_id=stakeholder.id,
                kind=stakeholder.kind,
                action=action,
                inform_now=moment in stakeholder.inform_on,
                reason=reason,
            )
        )
    return tuple(links)
