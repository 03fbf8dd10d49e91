"""What the engine needs to know about the world besides the proposal and the rules.

The store builds a ``PlanningState`` inside the transaction that will save the plan:
open initiatives per advisor, free units and cents (stock minus holds of *other*
initiatives), this initiative's own active holds, and its previous plan. ``plan try``
uses an empty state (everything free, nobody busy).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from decidim_bridge.plan.model import Hold, Plan


@dataclass(frozen=True)
class Availability:
    """Units and cents free for this initiative; an item not listed is entirely free."""

    resources: Mapping[str, int] = field(default_factory=dict)
    budgets: Mapping[str, int] = field(default_factory=dict)
    own_holds: Mapping[tuple[str, str], Hold] = field(default_factory=dict)


@dataclass(frozen=True)
class PlanningState:
    loads: Mapping[str, int] = field(default_factory=dict)
    availability: Availability = field(default_factory=Availability)
    previous: Plan | None = None
    previous_version: int | None = None


EMPTY_STATE = PlanningState()
