"""The event model every source (forwarder, decidim-rest-full, poller) is turned into."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

PROPOSAL_TYPE = "Decidim::Proposals::Proposal"


@dataclass(frozen=True)
class Event:
    """One thing that happened in Decidim, in the bridge's own terms.

    ``type`` keeps the sender's name (``decidim.events.proposals.proposal_published``,
    ``proposal_creation.succeeded``, ...); ``subject`` groups events that must be handled in
    order, one at a time (normally the proposal they concern).
    """

    type: str
    source: str
    organization_host: str | None
    resource_type: str
    resource_id: str
    occurred_at: datetime | None = None
    resource_url: str | None = None
    component_id: str | None = None
    component_manifest: str | None = None
    space_type: str | None = None
    space_id: str | None = None
    space_slug: str | None = None
    proposal_id: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def subject(self) -> str:
        if self.proposal_id is not None:
            return f"proposal:{self.proposal_id}"
        return f"{self.resource_type}:{self.resource_id}"
