"""Plan a folder of initiatives in date order, as if they arrived one after another.

``plan try`` on one file plans as if nobody were busy and everything free. A rule owner
fitting the rules wants to see how work and means spread: here each plan sees the loads,
stock and budgets the plans before it left, holds that ran out are given back before the
next plan, and the result says per advisor how many initiatives they lead or support,
which offers were refused for lack of stock and what is left of every budget. Pure: the
caller reads the files and the clock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from decidim_bridge.hold_periods import free_from_now
from decidim_bridge.plan.engine import build_plan
from decidim_bridge.plan.model import Hold, Plan
from decidim_bridge.plan.state import Availability, PlanningState
from decidim_bridge.proposals import Proposal
from decidim_bridge.rules.model import Mappings


@dataclass(frozen=True)
class Refusal:
    proposal_id: str
    resource_id: str
    needed: int
    available: int


@dataclass
class BatchResult:
    plans: list[Plan] = field(default_factory=list)
    leads: dict[str, int] = field(default_factory=dict)  # open initiatives led, per advisor
    co: dict[str, int] = field(default_factory=dict)  # initiatives supported as co-advisor
    refused: list[Refusal] = field(default_factory=list)
    held: dict[tuple[str, str], int] = field(default_factory=dict)  # still held at the end


def _order(proposal: Proposal) -> tuple[float, str]:
    published = proposal.published_at
    return (published.timestamp() if published else 0.0, str(proposal.id))


def _active(holds: list[Hold], now: float) -> list[Hold]:
    """Holds that still stand at ``now``: confirmed ones, and held ones not yet run out."""
    return [h for h in holds if h.expires_at is None or h.expires_at > now]


def _free(mappings: Mappings, holds: list[Hold], now: float) -> Availability:
    spent: dict[str, int] = {}
    for hold in holds:
        if hold.kind == "budget":
            spent[hold.item_id] = spent.get(hold.item_id, 0) + hold.quantity
    quantity = {r.id: r.quantity for r in mappings.resources}

    def free_between(item_id: str, first: float, end: float | None) -> int:
        """Units not in use by another hold at any moment of ``first``..``end``."""
        uses = [h.use for h in holds if h.kind == "resource" and h.item_id == item_id]
        return free_from_now(quantity.get(item_id, 0), uses, first, end, now)

    return Availability(
        budgets={b.id: b.total_cents - spent.get(b.id, 0) for b in mappings.budgets},
        free_between=free_between,
    )


def plan_batch(
    proposals: Sequence[Proposal],
    mappings: Mappings,
    *,
    moment: Callable[[Proposal], float],
    space_key: Callable[[Proposal], str | None] = lambda p: None,
) -> BatchResult:
    """Plan ``proposals`` oldest first; ``moment(p)`` is when ``p`` is planned."""
    result = BatchResult()
    holds: list[Hold] = []
    for proposal in sorted(proposals, key=_order):
        now = moment(proposal)
        holds = _active(holds, now)
        state = PlanningState(loads=dict(result.leads), availability=_free(mappings, holds, now))
        plan = build_plan(proposal, mappings, now, state, space_key=space_key(proposal))
        result.plans.append(plan)
        assignment = plan.assignment
        if assignment.counts_load:
            lead = assignment.lead.advisor_id
            result.leads[lead] = result.leads.get(lead, 0) + 1
        for role in assignment.co_advisors:
            result.co[role.advisor_id] = result.co.get(role.advisor_id, 0) + 1
        holds += list(plan.holds)
        for offer in plan.resources:
            if offer.status == "unavailable":
                # ``free``: what the engine found free during the period it was wanted.
                refusal = Refusal(
                    plan.proposal_id, offer.resource_id, offer.quantity, offer.free or 0
                )
                result.refused.append(refusal)
    for hold in holds:
        key = (hold.kind, hold.item_id)
        result.held[key] = result.held.get(key, 0) + hold.quantity
    return result


def budget_left(mappings: Mappings, result: BatchResult) -> dict[str, int]:
    """Cents left per budget after the batch."""
    return {b.id: b.total_cents - result.held.get(("budget", b.id), 0) for b in mappings.budgets}
