"""The support plan: a pure function of proposal, rules (``mappings/``), state and clock.

``build_plan(proposal, mappings, now, state)`` returns a ``Plan`` (see ``plan.model``);
``plan.serialize`` turns it into JSON and back and fingerprints it; ``plan.diff`` says
what changed between two versions.
"""

from decidim_bridge.plan.engine import build_plan, stage_of
from decidim_bridge.plan.model import Plan
from decidim_bridge.plan.state import Availability, PlanningState

__all__ = ["Availability", "Plan", "PlanningState", "build_plan", "stage_of"]
