"""Who supports the initiative: one lead advisor and a co-advisor per further theme.

Lead: among advisors (not the coordinator) who cover the wijk and the main theme, drop
those absent at any time between today and the first-contact date and those at capacity;
take the lowest share of capacity in use, then fewest open initiatives, then name, then id
(deterministic). A lead from the previous version stays while they still fit (advisors are
not reshuffled by an edit). Nobody fits: the coordinator, flagged. Co-advisors are not
limited by capacity (they are consulted, not in charge) but must be present; one from the
same wijk is preferred.

A lead a person chose in Decidim (``Steering.lead``) wins over all of this while that
advisor is in the rule files: no capacity, absence or theme check, never the coordinator
fallback; co-advisors are still chosen by the rules around them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from decidim_bridge.plan.model import (
    CLOSED_STAGES,
    AdvisorRole,
    Assignment,
    Classification,
    Reason,
)
from decidim_bridge.plan.steering import LeadChoice
from decidim_bridge.plan.texts import make_reason
from decidim_bridge.rules.model import Advisor, Mappings


def _load(advisor: Advisor, loads: Mapping[str, int]) -> tuple[float, int, str, str]:
    open_count = loads.get(advisor.id, 0)
    return (open_count / advisor.capacity, open_count, advisor.name.casefold(), advisor.id)


def _role(advisor: Advisor, role: str, theme: str | None, reason: Reason) -> AdvisorRole:
    return AdvisorRole(advisor.id, advisor.name, advisor.email, role, theme, reason)


def _still_fits(
    advisor_id: str,
    theme: str | None,
    district: str | None,
    mappings: Mappings,
    today: date,
    first_contact_by: date,
) -> bool:
    advisor = mappings.advisor(advisor_id)
    return (
        advisor is not None
        and advisor.id != mappings.advisors.coordinator_id
        and theme in advisor.themes
        and advisor.covers_district(district)
        and advisor.absence_between(today, first_contact_by) is None
    )


def choose_lead(
    classification: Classification,
    mappings: Mappings,
    loads: Mapping[str, int],
    today: date,
    first_contact_by: date,
) -> tuple[AdvisorRole, bool, list[Reason]]:
    """A new lead: the role, whether it is the coordinator fallback, and the notes why."""
    team = mappings.advisors
    district, theme = classification.district_id, classification.primary_theme
    notes: list[Reason] = []
    eligible: list[Advisor] = []
    absent = full = 0
    if theme is not None:
        for advisor in team.advisors:
            if advisor.id == team.coordinator_id or theme not in advisor.themes:
                continue
            if not advisor.covers_district(district):
                continue
            absence = advisor.absence_between(today, first_contact_by)
            if absence is not None:
                absent += 1
                notes.append(
                    make_reason(
                        mappings,
                        "lead.absent",
                        advisor=advisor.id,
                        until_date=absence.end.isoformat(),
                    )
                )
                continue
            open_count = loads.get(advisor.id, 0)
            if open_count >= advisor.capacity:
                full += 1
                notes.append(
                    make_reason(
                        mappings,
                        "lead.full",
                        advisor=advisor.id,
                        open=open_count,
                        capacity=advisor.capacity,
                    )
                )
                continue
            eligible.append(advisor)
    if not eligible:
        coordinator = team.coordinator
        if theme is None:
            reason = make_reason(mappings, "lead.fallback_no_theme", advisor=coordinator.id)
        elif absent or full:
            reason = make_reason(
                mappings, "lead.fallback", advisor=coordinator.id, absent=absent, full=full
            )
        else:
            reason = make_reason(
                mappings,
                "lead.fallback_nobody",
                advisor=coordinator.id,
                theme=theme,
                district=district or "",
            )
        return _role(coordinator, "lead", theme, reason), True, notes
    eligible.sort(key=lambda a: _load(a, loads))
    chosen = eligible[0]
    tied = [a for a in eligible[1:] if _load(a, loads)[:2] == _load(chosen, loads)[:2]]
    if tied:
        notes.append(
            make_reason(
                mappings, "lead.tie", advisor=chosen.id, other_advisors=[a.id for a in tied]
            )
        )
    open_count = loads.get(chosen.id, 0)
    args = {"advisor": chosen.id, "theme": theme, "open": open_count, "capacity": chosen.capacity}
    if district is None:
        reason = make_reason(mappings, "lead.chosen_any_district", **args)
    else:
        reason = make_reason(mappings, "lead.chosen", district=district, **args)
    return _role(chosen, "lead", theme, reason), False, notes


def choose_co_advisor(
    theme: str,
    lead_id: str,
    district: str | None,
    mappings: Mappings,
    loads: Mapping[str, int],
    today: date,
    first_contact_by: date,
) -> AdvisorRole | None:
    """The co-advisor for one further theme, preferring the initiative's wijk."""
    candidates = [
        a
        for a in mappings.advisors.advisors
        if a.id not in (lead_id, mappings.advisors.coordinator_id)
        and theme in a.themes
        and a.absence_between(today, first_contact_by) is None
    ]
    if not candidates:
        return None
    candidates.sort(key=lambda a: (0 if a.covers_district(district) else 1, *_load(a, loads)))
    chosen = candidates[0]
    reason = make_reason(
        mappings,
        "co.chosen",
        advisor=chosen.id,
        theme=theme,
        open=loads.get(chosen.id, 0),
        capacity=chosen.capacity,
    )
    return _role(chosen, "co", theme, reason)


def assign(
    classification: Classification,
    mappings: Mappings,
    loads: Mapping[str, int],
    today: date,
    first_contact_by: date,
    stage: str,
    previous: Assignment | None = None,
    *,
    chosen: LeadChoice | None = None,
) -> Assignment:
    """The assignment for this version.

    Earlier decisions are reused verbatim while they still hold (same lead, same
    co-advisor per theme), so that a re-plan without relevant changes is identical and
    people are not reshuffled because someone else's workload moved.
    """
    if stage in CLOSED_STAGES and previous is not None:
        if not previous.counts_load:
            return previous
        released = make_reason(
            mappings, "lead.released", advisor=previous.lead.advisor_id, stage=stage
        )
        return replace(previous, counts_load=False, reasons=(*previous.reasons, released))
    district, theme = classification.district_id, classification.primary_theme
    active = previous if previous is not None and previous.counts_load else None
    steered = mappings.advisor(chosen.advisor_id) if chosen is not None else None
    if chosen is not None and steered is not None:
        reason = make_reason(mappings, "lead.steered", advisor=steered.id, by=chosen.by)
        lead, fallback, notes = _role(steered, "lead", theme, reason), False, []
    elif active is not None and _still_fits(
        active.lead.advisor_id, theme, district, mappings, today, first_contact_by
    ):
        lead, fallback = active.lead, active.fallback
        notes = [
            r
            for r in active.reasons
            if r.code.startswith("lead.") and r.code != "lead.steered_gone"
        ]
    else:
        lead, fallback, notes = choose_lead(
            classification, mappings, loads, today, first_contact_by
        )
    if chosen is not None and steered is None:
        notes.append(make_reason(mappings, "lead.steered_gone", advisor=chosen.advisor_id))
    lead_advisor = mappings.advisor(lead.advisor_id)
    earlier = {role.theme_id: role for role in active.co_advisors} if active else {}
    co_roles: list[AdvisorRole] = []
    for result in classification.themes[1:]:
        further = result.theme_id
        if lead_advisor is not None and further in lead_advisor.themes:
            notes.append(
                make_reason(mappings, "co.lead_covers", advisor=lead.advisor_id, theme=further)
            )
            continue
        role = earlier.get(further)
        if (
            role is None
            or role.advisor_id == lead.advisor_id
            or not _co_still_fits(role.advisor_id, further, mappings, today, first_contact_by)
        ):
            role = choose_co_advisor(
                further, lead.advisor_id, district, mappings, loads, today, first_contact_by
            )
        if role is None:
            notes.append(make_reason(mappings, "co.none", theme=further))
        else:
            co_roles.append(role)
    counts_load = stage not in CLOSED_STAGES
    if not counts_load:
        notes.append(make_reason(mappings, "lead.released", advisor=lead.advisor_id, stage=stage))
    return Assignment(
        lead=lead,
        co_advisors=tuple(co_roles),
        fallback=fallback,
        counts_load=counts_load,
        reasons=tuple(notes),
    )


def _co_still_fits(
    advisor_id: str, theme: str, mappings: Mappings, today: date, first_contact_by: date
) -> bool:
    advisor = mappings.advisor(advisor_id)
    return (
        advisor is not None
        and theme in advisor.themes
        and advisor.absence_between(today, first_contact_by) is None
    )
