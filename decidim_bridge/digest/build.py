"""From stored current plans to a digest: selection by period, wijk and theme, and totals.

An initiative belongs to a period when it was published before the period ended and was
still open at its start: it is open now, or it closed (its answer, else its last plan
change) on or after the first day. Each initiative counts once per grouping: in its wijk,
and in the portfolio of the wethouder of its main theme, so the totals of the groups add
up to the digest's total. Promised dates are judged against ``today`` (the clock), not
against the day the plan was computed.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from decidim_bridge.digest.model import (
    DONE,
    LATE,
    NOT_APPLICABLE,
    ON_TIME,
    OVERDUE,
    PENDING,
    BudgetLine,
    BudgetTotal,
    Digest,
    DigestItem,
    Group,
    OfferLine,
    Period,
    Promise,
    Totals,
)
from decidim_bridge.locales import localized
from decidim_bridge.plan.calendar import WorkCalendar, calendar_for
from decidim_bridge.plan.model import CONFIRMED, HELD, OPEN, WITHDRAWN, Plan
from decidim_bridge.plan.texts import label, name_of, texts_for
from decidim_bridge.rules.model import STAGES, Mappings, Stakeholder

_OFFERED = (HELD, CONFIRMED)


def _closed_on(plan: Plan, calendar: WorkCalendar) -> date:
    answered = plan.expectations.answered_on
    return date.fromisoformat(answered) if answered else calendar.local_date(plan.computed_at)


def in_period(plan: Plan, period: Period, calendar: WorkCalendar) -> bool:
    """Whether the initiative was running at some moment of ``period``."""
    if date.fromisoformat(plan.expectations.published_on) > period.until:
        return False
    return plan.stage == OPEN or _closed_on(plan, calendar) >= period.since


def select_plans(
    plans: Iterable[Plan],
    period: Period,
    mappings: Mappings,
    *,
    district: str | None = None,
    theme: str | None = None,
) -> list[Plan]:
    """The plans of ``period`` (optionally one wijk and/or one theme), oldest first."""
    calendar = calendar_for(mappings)
    chosen = [
        p
        for p in plans
        if in_period(p, period, calendar)
        and (district is None or p.classification.district_id == district)
        and (theme is None or theme in p.classification.theme_ids)
    ]
    return sorted(chosen, key=lambda p: (p.expectations.published_on, _numeric(p.proposal_id)))


def _numeric(proposal_id: str) -> tuple[int, str]:
    return (int(proposal_id), "") if proposal_id.isdigit() else (0, proposal_id)


def _judge(due: str, answered_on: str | None, done: bool, stage: str, today: date) -> Promise:
    if answered_on is not None:
        status = ON_TIME if answered_on <= due else LATE
    elif done:
        status = DONE
    elif stage != OPEN:
        status = NOT_APPLICABLE
    else:
        status = OVERDUE if today > date.fromisoformat(due) else PENDING
    return Promise(due=due, status=status, answered_on=answered_on)


def promises(plan: Plan, today: date) -> tuple[Promise, Promise]:
    """(first contact, decision) as kept, late, overdue or pending on ``today``."""
    e = plan.expectations
    contacted = any(
        item.key == "p2.first_contact" and item.status == "done" for item in plan.checklist
    )
    # First contact an advisor recorded counts from its own day; else the answer's day.
    first = _judge(
        e.first_contact_by, e.first_contact_on or e.answered_on, contacted, plan.stage, today
    )
    decided = plan.stage not in (OPEN, WITHDRAWN)
    decision = _judge(e.decision_by, e.answered_on, decided, plan.stage, today)
    return first, decision


def digest_item(
    plan: Plan, mappings: Mappings, locale: str, period: Period, today: date
) -> DigestItem:
    fallback = mappings.organization.default_locale
    texts = texts_for(mappings, locale)
    c = plan.classification
    offers = []
    for offer in plan.resources:
        if offer.status not in _OFFERED:
            continue
        resource = mappings.resource(offer.resource_id)
        unit = localized(resource.unit, locale, fallback) if resource else ""
        offers.append(
            OfferLine(
                resource_id=offer.resource_id,
                name=name_of("resource", offer.resource_id, mappings, locale),
                quantity=offer.quantity,
                unit=unit,
                status=offer.status,
            )
        )
    b = plan.budget
    budget = None
    if b.budget_id and b.status in _OFFERED and b.amount_cents > 0:
        budget = BudgetLine(
            budget_id=b.budget_id,
            name=name_of("budget", b.budget_id, mappings, locale),
            status=b.status,
            amount_cents=b.amount_cents,
        )
    first, decision = promises(plan, today)
    district = (
        name_of("district", c.district_id, mappings, locale)
        if c.district_id
        else label(texts, "words", "unknown_district")
    )
    return DigestItem(
        proposal_id=plan.proposal_id,
        reference=plan.reference,
        title=plan.title,
        url=plan.url,
        stage=plan.stage,
        district_id=c.district_id,
        district=district,
        theme_ids=c.theme_ids,
        themes=tuple(name_of("theme", t, mappings, locale) for t in c.theme_ids),
        lead=plan.assignment.lead.name,
        started_on=plan.expectations.published_on,
        new_in_period=date.fromisoformat(plan.expectations.published_on) >= period.since,
        offers=tuple(offers),
        budget=budget,
        first_contact=first,
        decision=decision,
        right_to_challenge=plan.service_purchase.flagged,
    )


def totals(items: Iterable[DigestItem], mappings: Mappings, locale: str) -> Totals:
    items = list(items)
    stages = dict.fromkeys(STAGES, 0)
    held: dict[str, int] = {}
    confirmed: dict[str, int] = {}
    names: dict[str, str] = {}
    for item in items:
        stages[item.stage] = stages.get(item.stage, 0) + 1
        if item.budget is not None:
            target = confirmed if item.budget.status == CONFIRMED else held
            key = item.budget.budget_id
            target[key] = target.get(key, 0) + item.budget.amount_cents
            names[key] = item.budget.name
    order = {b.id: i for i, b in enumerate(mappings.budgets)}
    budgets = []
    for key in sorted(names, key=lambda k: (order.get(k, len(order)), k)):
        rule = mappings.budget(key)
        budgets.append(
            BudgetTotal(
                budget_id=key,
                name=names[key],
                total_cents=rule.total_cents if rule else 0,
                held_cents=held.get(key, 0),
                confirmed_cents=confirmed.get(key, 0),
            )
        )
    return Totals(
        count=len(items),
        new=sum(1 for i in items if i.new_in_period),
        stages=stages,
        overdue=sum(1 for i in items if i.decision.status == OVERDUE),
        late=sum(1 for i in items if i.decision.status == LATE),
        right_to_challenge=sum(1 for i in items if i.right_to_challenge),
        budgets=tuple(budgets),
    )


def portfolio_holders(mappings: Mappings) -> dict[str, Stakeholder]:
    """Theme id -> the wethouder whose portfolio holds it (the first one listed)."""
    holders: dict[str, Stakeholder] = {}
    for stakeholder in mappings.stakeholders:
        if stakeholder.kind != "wethouder":
            continue
        themes = (
            stakeholder.themes
            if stakeholder.themes is not None
            else tuple(t.id for t in mappings.themes)
        )
        for theme_id in themes:
            holders.setdefault(theme_id, stakeholder)
    return holders


def _district_groups(items: list[DigestItem], mappings: Mappings, locale: str) -> list[Group]:
    keys = [d.id for d in mappings.districts] + [""]
    groups = []
    for key in keys:
        members = tuple(i for i in items if (i.district_id or "") == key)
        if not members:
            continue
        groups.append(
            Group(
                key=key,
                name=members[0].district,
                role=None,
                themes=(),
                initiatives=members,
                totals=totals(members, mappings, locale),
            )
        )
    return groups


def _portfolio_groups(items: list[DigestItem], mappings: Mappings, locale: str) -> list[Group]:
    holders = portfolio_holders(mappings)
    fallback = mappings.organization.default_locale

    def holder_of(item: DigestItem) -> str:
        if not item.theme_ids or item.theme_ids[0] not in holders:
            return ""
        return holders[item.theme_ids[0]].id

    order = [s.id for s in mappings.stakeholders if s.kind == "wethouder"] + [""]
    groups = []
    for key in order:
        members = tuple(i for i in items if holder_of(i) == key)
        if not members:
            continue
        stakeholder = mappings.stakeholder(key) if key else None
        covered = tuple(
            name_of("theme", t, mappings, locale)
            for t, holder in holders.items()
            if stakeholder is not None and holder.id == key
        )
        groups.append(
            Group(
                key=key,
                name=stakeholder.name if stakeholder else "",
                role=localized(stakeholder.role, locale, fallback) or None if stakeholder else None,
                themes=covered,
                initiatives=members,
                totals=totals(members, mappings, locale),
            )
        )
    return groups


def _check_key(kind: str, key: str | None, known: Iterable[str]) -> None:
    known = list(known)
    if key is not None and key not in known:
        raise ValueError(f"unknown {kind} {key!r}; the rules know: {', '.join(known)}")


def build_digest(
    plans: Iterable[Plan],
    mappings: Mappings,
    period: Period,
    now: float,
    *,
    locale: str | None = None,
    district: str | None = None,
    theme: str | None = None,
) -> Digest:
    """The digest of ``plans`` (the current version of each) for ``period`` at ``now``.

    Raises ``ValueError`` for a locale, district or theme the rules do not know."""
    locale = locale or mappings.organization.default_locale
    _check_key("locale", locale, mappings.organization.locales)
    _check_key("district", district, (d.id for d in mappings.districts))
    _check_key("theme", theme, (t.id for t in mappings.themes))
    today = calendar_for(mappings).local_date(now)
    chosen = select_plans(plans, period, mappings, district=district, theme=theme)
    items = [digest_item(p, mappings, locale, period, today) for p in chosen]
    return Digest(
        organization=mappings.organization.name,
        locale=locale,
        period=period,
        today=today,
        district_filter=name_of("district", district, mappings, locale) if district else None,
        theme_filter=name_of("theme", theme, mappings, locale) if theme else None,
        districts=tuple(_district_groups(items, mappings, locale)),
        portfolios=tuple(_portfolio_groups(items, mappings, locale)),
        totals=totals(items, mappings, locale),
        initiatives=tuple(items),
    )
