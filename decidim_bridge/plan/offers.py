"""Material and money: catalogue offers and a budget offer, each with a hold.

Availability comes from the caller (``PlanningState``): units and cents not held by
*other* initiatives. This initiative's own holds are kept as they are (same quantity,
same expiry) while the offer stands, so re-planning never extends a reservation. The
store applies the holds with conditional updates; when another worker took the last
unit in the meantime, it re-plans with fresh availability.

Stages: open -> held (expires after ``hold_days`` working days, never before the promised
decision date, so a reservation does not lapse while residents wait); accepted -> confirmed
(no expiry); rejected/withdrawn -> released (nothing held).

When the day the items are needed is known (a date in the text, or a person's ``/nodig``),
a catalogue hold has a period instead: from the item's lead time before that day (not
before today) to the end of it, held or confirmed. Free units are counted for the period
the hold would have (``hold_periods``): holds of other initiatives in other periods do
not compete. An own hold whose period is no longer the wanted one (another day) moves.

A person's decision in Decidim (``Steering.offers``) comes before the stage while the
initiative runs: an item confirmed by hand is held as confirmed (no expiry) even before
acceptance, and is preferred within its group; an item released by hand is offered as
released with nothing held (no other item of its group takes its place). Rejection or
withdrawal still releases everything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from decidim_bridge.plan.calendar import WorkCalendar
from decidim_bridge.plan.classify import ProposalText
from decidim_bridge.plan.model import (
    ACCEPTED,
    CLOSED_STAGES,
    CONFIRMED,
    HELD,
    BudgetOffer,
    Classification,
    Evidence,
    Hold,
    Reason,
    ResourceOffer,
)
from decidim_bridge.plan.state import Availability
from decidim_bridge.plan.steering import NO_STEERING, RELEASED_BY_HAND, Steering
from decidim_bridge.plan.texts import make_reason
from decidim_bridge.rules.model import Budget, Mappings, Resource

_AMOUNT = re.compile(
    r"(?:€|\beur\b|\beuro\b)\s*(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{2})|,-)?"
    r"|\b(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d{2}))?\s*(?:euro|eur)\b",
    re.IGNORECASE,
)


def requested_amount(text: ProposalText) -> tuple[int, Evidence] | None:
    """The largest euro amount named in the title or text, in cents."""
    best: tuple[int, Evidence] | None = None
    for where, source in (("title", text.title), ("body", text.body)):
        for match in _AMOUNT.finditer(source):
            whole = match.group(1) or match.group(3)
            fraction = match.group(2) or match.group(4) or "00"
            cents = int(whole.replace(".", "")) * 100 + int(fraction)
            if cents and (best is None or cents > best[0]):
                best = (cents, Evidence("amount", where, match.group(0).strip(), "amount"))
    return best


@dataclass(frozen=True)
class OfferTerms:
    """What every offer of one plan is made under: rules, free stock, stage and dates."""

    mappings: Mappings
    availability: Availability
    stage: str
    start: date  # the day promises count from (publication, or the re-based day)
    today: date
    now: float
    calendar: WorkCalendar
    hold_floor: date  # a new hold lasts at least until this day (the promised decision)
    steering: Steering = NO_STEERING  # offers confirmed or released by a person
    needed_by: date | None = None  # the day the initiative needs its items (text or person)
    needed_set_by: str | None = None  # the person who set that day (None: from the text)

    def period(self, lead_time_days: int) -> tuple[float, float] | None:
        """When a hold on an item with this lead time counts, if the needed day is known:
        from the lead time before that day (not before today) to the end of it."""
        if self.needed_by is None or self.needed_by < self.today:
            return None
        first = max(self.today, self.calendar.working_days_before(self.needed_by, lead_time_days))
        return self.calendar.start_of_day(first), self.calendar.end_of_day(self.needed_by)

    def ready_date(self, lead_time_days: int) -> str:
        """Lead times count from the start of the promises, and never end before today."""
        ready = self.calendar.add_working_days(self.start, lead_time_days)
        return max(ready, self.today).isoformat()

    def hold(
        self,
        kind: str,
        item_id: str,
        quantity: int,
        hold_days: int,
        period: tuple[float, float] | None = None,
    ) -> Hold:
        """The initiative's existing hold when it still fits, else a new one.

        A new hold lasts ``hold_days`` working days, and at least until the decision date;
        with a ``period`` (the item is needed on a known day) it counts only then, also
        once confirmed. An existing hold fits when its quantity and period still do: a
        new needed day (an edit, an advisor's ``/nodig``) moves the hold to it.
        """
        confirm = self.stage == ACCEPTED or self.steering.confirmed(kind, item_id)
        own = self.availability.own_holds.get((kind, item_id))
        if own is not None and own.quantity == quantity and self._fits(own, period):
            if confirm:
                if own.status == CONFIRMED:
                    return own
                end = own.expires_at if own.starts_at is not None else None
                return Hold(
                    kind, item_id, quantity, CONFIRMED, own.held_at, end, starts_at=own.starts_at
                )
            if own.status == HELD:
                return own
        status = CONFIRMED if confirm else HELD
        if period is not None:
            return Hold(kind, item_id, quantity, status, self.now, period[1], starts_at=period[0])
        if confirm:
            return Hold(kind, item_id, quantity, CONFIRMED, self.now, None)
        calendar = self.calendar
        last_day = max(calendar.add_working_days(self.today, hold_days), self.hold_floor)
        return Hold(kind, item_id, quantity, HELD, self.now, calendar.end_of_day(last_day))

    def _fits(self, own: Hold, period: tuple[float, float] | None) -> bool:
        """Whether the existing hold's period is still the one wanted (a period that began
        earlier fits: the start moves up to today as days pass, the needed day does not)."""
        if period is None:
            # No needed day (any more): a plain hold fits; once the day has passed, any.
            return own.starts_at is None or self.needed_by is not None
        return (
            own.starts_at is not None and own.expires_at == period[1] and own.starts_at <= period[0]
        )

    def until_date(self, hold: Hold) -> str:
        return self.calendar.local_date(hold.expires_at or self.now).isoformat()


def _matched_resources(
    text: ProposalText, classification: Classification, mappings: Mappings
) -> dict[str, list[tuple[Resource, Evidence]]]:
    """Catalogue items whose keywords occur, grouped, in catalogue order."""
    themes = set(classification.theme_ids)
    found: dict[str, Evidence] = {}
    for hit in text.hits:
        kind, item_id = hit.owner
        if kind == "resource" and item_id not in found:
            found[item_id] = Evidence("keyword", hit.where, hit.word, hit.keyword)
    order: dict[str, int] = mappings.derived["resource_order"]
    groups: dict[str, list[tuple[Resource, Evidence]]] = {}
    for resource_id in sorted(found, key=order.__getitem__):
        resource = mappings.derived["resources"][resource_id]
        if resource.themes and not themes.intersection(resource.themes):
            continue
        groups.setdefault(resource.group, []).append((resource, found[resource_id]))
    return groups


def offer_resources(
    text: ProposalText, classification: Classification, terms: OfferTerms
) -> tuple[tuple[ResourceOffer, ...], list[Reason]]:
    """One offer per matched group; notes for groups with nothing in this wijk."""
    mappings, own_holds = terms.mappings, terms.availability.own_holds
    district = classification.district_id
    offers: list[ResourceOffer] = []
    notes: list[Reason] = []
    for group, matched in _matched_resources(text, classification, mappings).items():
        local = [
            (r, e) for r, e in matched if not r.districts or (district and district in r.districts)
        ]
        if not local:
            notes.append(
                make_reason(
                    mappings,
                    "resource.not_in_district",
                    resource=matched[0][0].id,
                    district=district or "",
                )
            )
            continue
        # Own wijk before "everywhere"; an item this initiative already holds comes first.
        local.sort(key=lambda pair: 0 if pair[0].districts else 1)
        local.sort(key=lambda pair: 0 if ("resource", pair[0].id) in own_holds else 1)
        local.sort(key=lambda pair: 0 if terms.steering.confirmed("resource", pair[0].id) else 1)
        offers.append(_offer_one(group, local, terms))
    return tuple(offers), notes


def _offer_one(
    group: str, local: list[tuple[Resource, Evidence]], terms: OfferTerms
) -> ResourceOffer:
    mappings = terms.mappings

    def match(resource: Resource, evidence: Evidence) -> Reason:
        return make_reason(
            mappings,
            "resource.match",
            resource=resource.id,
            keyword=evidence.rule,
            where=evidence.where,
        )

    def without_hold(status: str, reason: Reason, free: int | None = None) -> ResourceOffer:
        first, evidence = local[0]
        return ResourceOffer(
            first.id,
            group,
            status,
            first.per_initiative,
            terms.ready_date(first.lead_time_days),
            None,
            (evidence,),
            (match(first, evidence), reason),
            free,
        )

    first = local[0][0]
    if terms.stage in CLOSED_STAGES:
        released = make_reason(mappings, "resource.released", resource=first.id, stage=terms.stage)
        return without_hold("released", released)
    for resource, evidence in local:
        choice = terms.steering.offer("resource", resource.id)
        if choice is not None and choice.status == RELEASED_BY_HAND:
            return ResourceOffer(
                resource.id,
                group,
                "released",
                resource.per_initiative,
                terms.ready_date(resource.lead_time_days),
                None,
                (evidence,),
                (
                    match(resource, evidence),
                    make_reason(
                        mappings, "resource.released_by", resource=resource.id, by=choice.by
                    ),
                ),
            )

    def candidate(resource: Resource) -> tuple[Hold, int]:
        """The hold this item would get, and the units free during its period (not below 0)."""
        period = terms.period(resource.lead_time_days)
        hold = terms.hold(
            "resource", resource.id, resource.per_initiative, resource.hold_days, period
        )
        use = hold.use
        free = terms.availability.free_resource(resource.id, resource.quantity, use.start, use.end)
        return hold, max(free, 0)

    for resource, evidence in local:
        hold, free = candidate(resource)
        if free < resource.per_initiative:
            continue
        choice = terms.steering.offer("resource", resource.id)
        if hold.status == CONFIRMED and choice is not None:
            status = make_reason(
                mappings,
                "resource.confirmed_by",
                resource=resource.id,
                quantity=hold.quantity,
                by=choice.by,
            )
        elif hold.status == CONFIRMED:
            status = make_reason(
                mappings, "resource.confirmed", resource=resource.id, quantity=hold.quantity
            )
        elif hold.starts_at is not None and terms.needed_by is not None:
            period_args = {
                "resource": resource.id,
                "quantity": hold.quantity,
                "needed_date": terms.needed_by.isoformat(),
                "from_date": terms.calendar.local_date(hold.starts_at).isoformat(),
            }
            if terms.needed_set_by is not None:
                status = make_reason(
                    mappings, "resource.held_period_set", by=terms.needed_set_by, **period_args
                )
            else:
                status = make_reason(mappings, "resource.held_period", **period_args)
        else:
            status = make_reason(
                mappings,
                "resource.held",
                resource=resource.id,
                quantity=hold.quantity,
                until_date=terms.until_date(hold),
            )
        return ResourceOffer(
            resource.id,
            group,
            hold.status,
            hold.quantity,
            terms.ready_date(resource.lead_time_days),
            hold,
            (evidence,),
            (match(resource, evidence), status),
            free,
        )
    free = candidate(first)[1]
    unavailable = make_reason(
        mappings,
        "resource.unavailable",
        resource=first.id,
        needed=first.per_initiative,
        available=free,
    )
    return without_hold("unavailable", unavailable, free)


def _applicable_budgets(
    classification: Classification, mappings: Mappings, year: int
) -> list[Budget]:
    district, themes = classification.district_id, set(classification.theme_ids)
    return [
        b
        for b in mappings.budgets
        if b.year == year
        and (not b.districts or (district is not None and district in b.districts))
        and (not b.themes or themes.intersection(b.themes))
    ]


def offer_budget(
    text: ProposalText, classification: Classification, terms: OfferTerms
) -> BudgetOffer:
    """At most one budget: the first applicable one (file order) with money left."""
    mappings, availability, stage, start = (
        terms.mappings,
        terms.availability,
        terms.stage,
        terms.start,
    )
    requested = requested_amount(text)
    requested_cents = requested[0] if requested else None
    evidence = (requested[1],) if requested else ()
    candidates = _applicable_budgets(classification, mappings, start.year)
    if not candidates:
        reason = make_reason(
            mappings, "budget.none", district=classification.district_id or "", year=start.year
        )
        return BudgetOffer(None, "none", requested_cents, 0, None, evidence, (reason,))
    own_budget = next((b for b in candidates if ("budget", b.id) in availability.own_holds), None)
    ordered = ([own_budget] if own_budget else []) + [b for b in candidates if b is not own_budget]
    ordered.sort(key=lambda b: 0 if terms.steering.confirmed("budget", b.id) else 1)
    reasons: tuple[Reason, ...] | list[Reason]  # a fixed pair on the early exits, else built up
    if stage not in CLOSED_STAGES:
        for budget in ordered:
            choice = terms.steering.offer("budget", budget.id)
            if choice is not None and choice.status == RELEASED_BY_HAND:
                reasons = (
                    make_reason(mappings, "budget.match", budget=budget.id, year=budget.year),
                    make_reason(mappings, "budget.released_by", budget=budget.id, by=choice.by),
                )
                return BudgetOffer(
                    budget.id, "released", requested_cents, 0, None, evidence, reasons
                )
    if stage in CLOSED_STAGES:
        budget = ordered[0]
        reasons = (
            make_reason(mappings, "budget.match", budget=budget.id, year=budget.year),
            make_reason(mappings, "budget.released", budget=budget.id, stage=stage),
        )
        return BudgetOffer(budget.id, "released", requested_cents, 0, None, evidence, reasons)
    chosen: tuple[Budget, int, list[Reason]] | None = None
    for budget in ordered:
        wanted, notes = _wanted(budget, requested_cents, mappings)
        free = availability.budgets.get(budget.id, budget.total_cents)
        if free >= wanted:
            chosen = (budget, wanted, notes)
            break
        if free > 0 and chosen is None:
            partial = [
                *notes,
                make_reason(
                    mappings,
                    "budget.partial",
                    budget=budget.id,
                    amount=wanted,
                    available_amount=free,
                ),
            ]
            chosen = (budget, free, partial)
    if chosen is None:
        budget = ordered[0]
        reasons = (
            make_reason(mappings, "budget.match", budget=budget.id, year=budget.year),
            make_reason(mappings, "budget.unavailable", budget=budget.id),
        )
        return BudgetOffer(budget.id, "unavailable", requested_cents, 0, None, evidence, reasons)
    budget, amount, notes = chosen
    hold = terms.hold("budget", budget.id, amount, budget.hold_days)
    reasons = [make_reason(mappings, "budget.match", budget=budget.id, year=budget.year), *notes]
    choice = terms.steering.offer("budget", budget.id)
    if hold.status == CONFIRMED and choice is not None:
        reasons.append(
            make_reason(
                mappings, "budget.confirmed_by", budget=budget.id, amount=amount, by=choice.by
            )
        )
    elif hold.status == CONFIRMED:
        reasons.append(make_reason(mappings, "budget.confirmed", budget=budget.id, amount=amount))
    else:
        until = terms.until_date(hold)
        reasons.append(
            make_reason(mappings, "budget.held", budget=budget.id, amount=amount, until_date=until)
        )
    warnings = tuple(
        make_reason(
            mappings, "budget.not_for", budget=budget.id, keyword=hit.keyword, where=hit.where
        )
        for hit in text.hits
        if hit.owner == ("budget-not-for", budget.id)
    )
    return BudgetOffer(
        budget.id, hold.status, requested_cents, amount, hold, evidence, tuple(reasons), warnings
    )


def _wanted(budget: Budget, requested: int | None, mappings: Mappings) -> tuple[int, list[Reason]]:
    if requested is None:
        return budget.default_hold_cents, [
            make_reason(
                mappings, "budget.default", budget=budget.id, amount=budget.default_hold_cents
            )
        ]
    notes = [make_reason(mappings, "budget.requested", budget=budget.id, amount=requested)]
    if requested > budget.max_per_initiative_cents:
        notes.append(
            make_reason(
                mappings,
                "budget.capped",
                budget=budget.id,
                amount=requested,
                max_amount=budget.max_per_initiative_cents,
            )
        )
        return budget.max_per_initiative_cents, notes
    return requested, notes
