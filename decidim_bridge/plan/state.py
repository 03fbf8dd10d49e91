"""What the engine needs to know about the world besides the proposal and the rules.

``plan_versions.planning_state`` builds a ``PlanningState`` from the store's rows inside
the transaction that will save the plan: open initiatives per advisor, free units and
cents (stock minus holds of *other* initiatives), this initiative's own active holds, its
previous plan, and whether the answer Decidim shows is the bridge's own (the write-back's
ledger knows what it wrote). ``plan try`` and the checks of example proposals use an
empty state (everything free, nobody busy, no answer written, no steering).
``steering`` holds what people decided in Decidim (``plan.steering``): the engine lets it
win over the rules.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from decidim_bridge.plan.model import Hold, Plan
from decidim_bridge.plan.steering import NO_STEERING, Steering


@dataclass(frozen=True)
class Availability:
    """Units and cents free for this initiative; an item not listed is entirely free."""

    resources: Mapping[str, int] = field(default_factory=dict)
    budgets: Mapping[str, int] = field(default_factory=dict)
    own_holds: Mapping[tuple[str, str], Hold] = field(default_factory=dict)
    #: Free units of a catalogue item during a period (item id, first moment, end in
    #: epoch seconds; end None: without end), when the caller knows the periods of other
    #: holds (``hold_periods``); else ``resources`` (whatever the period).
    free_between: Callable[[str, float, float | None], int] | None = None

    def free_resource(
        self, item_id: str, default: int, period: tuple[float, float | None] | None
    ) -> int:
        if period is not None and self.free_between is not None:
            return self.free_between(item_id, *period)
        return self.resources.get(item_id, default)


@dataclass(frozen=True)
class PlanningState:
    loads: Mapping[str, int] = field(default_factory=dict)
    availability: Availability = field(default_factory=Availability)
    previous: Plan | None = None
    previous_version: int | None = None
    #: The answer Decidim shows is the one the bridge wrote (its ``evaluating`` answer with
    #: the expectation contract): the bridge's promise, not the municipality's response.
    answered_by_bridge: bool = False
    #: What people decided in Decidim (lead, offers, first contact, a later decision date).
    steering: Steering = NO_STEERING
    #: The event reports a proposal that existed before the bridge saw it: ``existing``
    #: (write nothing public on answered or old ones) or ``write`` (write anyway).
    existing: str | None = None


EMPTY_STATE = PlanningState()
