"""Proposals that existed before the bridge saw them (backfill, the poller's first sweep).

They are planned like any other, so they show in the digest and in ``plan show``, but by
default the plan is *quiet* — nothing public is written — when Decidim already shows an
answer or the proposal is older than ``existing.max_age_days`` (expectations.yaml):
residents would otherwise get welcome comments with year-old dates. An operator can ask
for the writes explicitly (``backfill --write-existing``); the dates are then counted from
the day of writing (``expectations.promise_start``). A quiet plan stays quiet on later
versions unless such an explicit request comes.
"""

from __future__ import annotations

from datetime import date

from decidim_bridge.plan.model import OPEN, Plan, Reason
from decidim_bridge.plan.texts import make_reason
from decidim_bridge.proposals import Proposal
from decidim_bridge.rules.model import Mappings

#: How an event reports an existing proposal (``PlanningState.existing``).
QUIET_UNLESS_NEW, WRITE = "existing", "write"


def quiet(
    proposal: Proposal,
    mappings: Mappings,
    *,
    existing: str | None,
    previous: Plan | None,
    published: date,
    today: date,
    stage: str,
) -> tuple[bool, tuple[Reason, ...]]:
    """Whether the plan writes nothing public, and why."""
    if existing == WRITE:
        return False, (make_reason(mappings, "existing.write"),)
    if previous is not None:
        if previous.quiet:
            return True, previous_reasons(previous)
        return False, ()
    if existing != QUIET_UNLESS_NEW:
        return False, ()
    if (
        proposal.answered_at is not None
        or stage != OPEN
        or (proposal.state or "")
        not in (
            "",
            "not_answered",
        )
    ):
        return True, (make_reason(mappings, "existing.answered"),)
    age = (today - published).days
    limit = mappings.expectations.existing.max_age_days
    if age > limit:
        return True, (make_reason(mappings, "existing.old", days=age, max_days=limit),)
    return False, ()


def previous_reasons(previous: Plan) -> tuple[Reason, ...]:
    return tuple(r for r in previous.notes if r.code.startswith("existing."))
