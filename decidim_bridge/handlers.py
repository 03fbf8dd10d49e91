"""The handler table: which event types the worker acts on, and which it ignores on purpose.

Intake stores a delivery as work only when its type is listed here (handled or explicitly
ignored); anything else is stored as ``ignored`` straight away and counted, so senders stop
retrying and nothing is lost. A handler takes the parsed ``Event`` and a ``WorkContext`` and
returns a short outcome string (``"planned"``, ``"unchanged"``...).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from decidim_bridge.events import Event

if TYPE_CHECKING:
    from decidim_bridge.worker import WorkContext

Handler = Callable[[Event, "WorkContext"], str | None]

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

#: Known events the bridge deliberately does nothing with, and why.
IGNORED_EVENT_TYPES: dict[str, str] = {
    "decidim.events.comments.comment_created": "comments do not change a support plan",
    "decidim.events.proposals.admin.proposal_assigned_to_evaluator": (
        "evaluator assignments are made by advisors inside Decidim"
    ),
    "decidim.events.proposals.admin.proposal_assigned_to_valuator": (
        "evaluator assignments are made by advisors inside Decidim"
    ),
    "decidim.events.proposals.proposal_mentioned": "mentions do not change a support plan",
    "draft_proposal_creation.succeeded": "drafts are not public initiatives yet",
    "draft_proposal_update.succeeded": "drafts are not public initiatives yet",
}


def default_handlers() -> dict[str, Handler]:
    """The production table: every proposal event goes to the support-plan pipeline."""
    from decidim_bridge.pipeline import handle_proposal_event

    return {event_type: handle_proposal_event for event_type in PROPOSAL_EVENT_TYPES}


def known_event_types(handlers: dict[str, Handler] | None = None) -> frozenset[str]:
    table = default_handlers() if handlers is None else handlers
    return frozenset(table) | frozenset(IGNORED_EVENT_TYPES)
