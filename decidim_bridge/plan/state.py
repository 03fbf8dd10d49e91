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
    """Units and cents free for this initiative: cents per budget (a budget not listed is
    entirely free), catalogue units per period, and this initiative's own holds."""

    budgets: Mapping[str, int] = field(default_factory=dict)
    own_holds: Mapping[tuple[str, str], Hold] = field(default_factory=dict)
    #: Free units of a catalogue item during a period (item id, first moment, end in
    #: epoch seconds; end None: without end), counted against the periods of the other
    #: holds (``hold_periods``). None: every unit of every item is free.
    free_between: Callable[[str, float, float | None], int] | None = None

    def free_resource(self, item_id: str, quantity: int, start: float, end: float | None) -> int:
        """Units of ``item_id`` (``quantity`` in all) free from ``start`` to ``end``."""
        if self.free_between is None:
            return quantity
        return self.free_between(item_id, start, end)


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
