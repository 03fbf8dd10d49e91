"""Which event types the worker acts on, and which it ignores on purpose (data only).

Intake stores a delivery as work only when its type is listed here (handled or explicitly
ignored); anything else is stored as ``ignored`` straight away and counted, so senders stop
retrying and nothing is lost. The functions that handle the listed types are wired where
they are known (``pipeline.handlers``), so the web process does not import them.
"""

from __future__ import annotations

#: What a person did in Decidim's admin, reported by the decidim-bridge Decidim module
#: (``webhooks/decidim/API.md``): advisors steer the plan from there.
from decidim_bridge.intake.admin_actions import ADMIN_EVENT_TYPES

__all__ = [
    "ADMIN_EVENT_TYPES",
    "IGNORED_EVENT_TYPES",
    "KNOWN_EVENT_TYPES",
    "PROPOSAL_EVENT_TYPES",
    "PUBLICATION_EVENT_TYPES",
]

#: Decidim notifications (forwarded by the initializer in ``webhooks/decidim/``) about a
#: proposal's life, and the equivalent decidim-rest-full events.
PROPOSAL_EVENT_TYPES: tuple[str, ...] = (
    "decidim.events.proposals.proposal_published",
    "decidim.events.proposals.proposal_updated",
    "decidim.events.proposals.proposal_state_changed",
    "decidim.events.proposals.proposal_accepted",
    "decidim.events.proposals.proposal_rejected",
    "decidim.events.proposals.proposal_evaluating",
    "decidim.events.proposals.proposal_withdrawn",
    # An admin re-classified the proposal (0.30+ taxonomies; 0.27-0.29 category / scope).
    "decidim.events.proposals.proposal_update_taxonomies",
    "decidim.events.proposals.proposal_update_category",
    "decidim.events.proposals.proposal_update_scope",
    "proposal_creation.succeeded",
    "proposal_update.succeeded",
    "proposal_state_change.succeeded",
)

#: The events that report a proposal's publication (``occurred_at``: its moment); a burst
#: of them is read by page (``page_read``).
PUBLICATION_EVENT_TYPES: tuple[str, ...] = ("decidim.events.proposals.proposal_published",)

#: Known events the bridge deliberately does nothing with, and why.
IGNORED_EVENT_TYPES: dict[str, str] = {
    "decidim.events.comments.comment_created": "comments do not change a support plan",
    "decidim.events.proposals.admin.proposal_assigned_to_evaluator": (
        "Decidim notifies only some evaluators; the decidim-bridge module reports every "
        "assignment (decidim.bridge.proposal_evaluators_assigned)"
    ),
    "decidim.events.proposals.admin.proposal_assigned_to_valuator": (
        "Decidim notifies only some evaluators; the decidim-bridge module reports every "
        "assignment (decidim.bridge.proposal_evaluators_assigned)"
    ),
    "decidim.events.proposals.proposal_mentioned": "mentions do not change a support plan",
    "draft_proposal_creation.succeeded": "drafts are not public initiatives yet",
    "draft_proposal_update.succeeded": "drafts are not public initiatives yet",
}

#: Every type intake stores as work: handled or deliberately ignored.
KNOWN_EVENT_TYPES: frozenset[str] = (
    frozenset(PROPOSAL_EVENT_TYPES) | frozenset(ADMIN_EVENT_TYPES) | frozenset(IGNORED_EVENT_TYPES)
)
