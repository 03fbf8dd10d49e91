"""The support plan: a pure function of proposal, rules (``mappings/``), state and clock.

``build_plan(proposal, mappings, now, state)`` returns a ``Plan`` (see ``plan.model``);
``plan.serialize`` turns it into JSON and back and fingerprints it; ``plan.diff`` says
what changed between two versions.

What people decide in Decidim (``plan.steering``: a chosen lead, offers confirmed or
released by hand, first contact, a later decision date) reaches the engine in
``PlanningState.steering``; ``plan.note_commands``, ``plan.note_reply`` and
``plan.steering_events`` turn notes, evaluator changes and answers into it
(``docs/steering.md``).
"""

from decidim_bridge.plan.engine import build_plan, stage_of
from decidim_bridge.plan.model import Plan
from decidim_bridge.plan.state import Availability, PlanningState

__all__ = ["Availability", "Plan", "PlanningState", "build_plan", "stage_of"]
