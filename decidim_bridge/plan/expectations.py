"""The expectation contract: say, decider, time asked, and dates in working days.

Dates count from the day the initiative was published (in the municipality's time zone),
so re-planning later gives the same dates. No promise is ever made in the past: when the
first plan is made so late that the first contact would be less than
``late_intake.min_notice_days`` working days away (a delayed message, an outage, the
poller, a backfill), the dates count from the day of planning instead
(``rebased_from`` keeps the publication day, a reason says why, and later plans keep the
re-based start). The initiators are told honestly that their initiative reached the
municipality later than usual. Tracking compares them with what happened:
``on_time``/``late`` once Decidim shows an answer, ``overdue`` when the decision date
passed without one, else ``pending``.

Steering: each postponement a person recorded adds working days to the decision date,
with its reason among the contract's reasons (residents are told why). First contact a
person recorded counts as the municipality's response for the first-contact promise:
``first_contact_on`` is its day and a reason says whether it was on time or late.
"""

from __future__ import annotations

from datetime import date

from decidim_bridge.plan.calendar import WorkCalendar
from decidim_bridge.plan.model import ACCEPTED, OPEN, REJECTED, ExpectationContract, Reason
from decidim_bridge.plan.steering import NO_STEERING, Steering
from decidim_bridge.plan.texts import make_reason
from decidim_bridge.proposals import Proposal
from decidim_bridge.rules.model import ExpectationRule, Mappings


def expectation_rule(mappings: Mappings, space_key: str | None) -> ExpectationRule:
    return mappings.expectations.for_space(space_key)


def promise_start(
    published: date,
    today: date,
    stage: str,
    rule: ExpectationRule,
    mappings: Mappings,
    calendar: WorkCalendar,
    previous: ExpectationContract | None,
    steering: Steering = NO_STEERING,
) -> tuple[date, str | None]:
    """The day promised dates count from, and the publication day when it was re-based.

    A later plan keeps the start of the first plan (re-based or not), so the dates
    residents were given stay the same; a first plan of an open initiative is re-based
    when its first contact would be too close (or passed)."""
    if previous is not None:
        if previous.rebased_from:
            return date.fromisoformat(previous.start_date), previous.rebased_from
        return published, None
    if stage != OPEN or published >= today or not steering.empty:
        # Steering exists only on a plan people have seen: its dates were promised.
        return published, None
    notice = mappings.expectations.late_intake.min_notice_days
    first_contact = calendar.add_working_days(published, rule.first_contact_days)
    if first_contact < calendar.add_working_days(today, notice):
        return today, published.isoformat()
    return published, None


def contract(
    proposal: Proposal,
    rule: ExpectationRule,
    mappings: Mappings,
    calendar: WorkCalendar,
    start: date,
    today: date,
    stage: str,
    *,
    steering: Steering = NO_STEERING,
    rebased_from: str | None = None,
) -> ExpectationContract:
    first_contact = calendar.add_working_days(start, rule.first_contact_days)
    promised = calendar.add_working_days(start, rule.decision_days)
    decision = calendar.add_working_days(start, rule.decision_days + steering.postponed_days)
    reasons: list[Reason] = []
    if rule.key == "default":
        reasons.append(make_reason(mappings, "expect.default"))
    else:
        reasons.append(make_reason(mappings, "expect.rule", process=rule.key))
    if rebased_from is not None:
        published = date.fromisoformat(rebased_from)
        reasons.append(
            make_reason(
                mappings,
                "expect.rebased",
                published_date=rebased_from,
                start_date=start.isoformat(),
                late=calendar.working_days_between(published, start),
            )
        )
    reasons.append(
        make_reason(
            mappings,
            "expect.first_contact",
            days=rule.first_contact_days,
            start_date=start.isoformat(),
            due_date=first_contact.isoformat(),
        )
    )
    reasons.append(
        make_reason(
            mappings,
            "expect.decision",
            days=rule.decision_days,
            start_date=start.isoformat(),
            due_date=promised.isoformat(),
        )
    )
    added = rule.decision_days
    for postponement in steering.postponements:
        added += postponement.days
        reasons.append(
            make_reason(
                mappings,
                "expect.postponed",
                days=postponement.days,
                due_date=calendar.add_working_days(start, added).isoformat(),
                reason=postponement.reason,
            )
        )
    contact = steering.first_contact
    if contact is not None:
        contacted = date.fromisoformat(contact.on)
        if contacted <= first_contact:
            reasons.append(
                make_reason(
                    mappings,
                    "expect.contacted_on_time",
                    contact_date=contact.on,
                    due_date=first_contact.isoformat(),
                    by=contact.by,
                )
            )
        else:
            reasons.append(
                make_reason(
                    mappings,
                    "expect.contacted_late",
                    contact_date=contact.on,
                    due_date=first_contact.isoformat(),
                    late=calendar.working_days_between(first_contact, contacted),
                    by=contact.by,
                )
            )
    days_off = calendar.days_off_between(start, decision)
    if days_off:
        pairs = [[day.isoformat(), name] for day, name in days_off]
        reasons.append(make_reason(mappings, "expect.days_off", days_off=pairs))
    answered_on = None
    tracking = "pending"
    if proposal.answered_at is not None and stage in (ACCEPTED, REJECTED):
        answered = calendar.local_date(proposal.answered_at)
        answered_on = answered.isoformat()
        if answered <= decision:
            tracking = "on_time"
            reasons.append(
                make_reason(
                    mappings,
                    "expect.decided_on_time",
                    answered_date=answered_on,
                    due_date=decision.isoformat(),
                )
            )
        else:
            tracking = "late"
            late = calendar.working_days_between(decision, answered)
            reasons.append(
                make_reason(
                    mappings,
                    "expect.decided_late",
                    answered_date=answered_on,
                    due_date=decision.isoformat(),
                    late=late,
                )
            )
    elif stage == OPEN and today > decision:
        tracking = "overdue"
        reasons.append(make_reason(mappings, "expect.overdue", due_date=decision.isoformat()))
    return ExpectationContract(
        rule=rule.key,
        say=rule.say,
        start_date=start.isoformat(),
        first_contact_days=rule.first_contact_days,
        first_contact_by=first_contact.isoformat(),
        decision_days=rule.decision_days,
        decision_by=decision.isoformat(),
        tracking=tracking,
        answered_on=answered_on,
        reasons=tuple(reasons),
        first_contact_on=contact.on if contact is not None else None,
        rebased_from=rebased_from,
    )
