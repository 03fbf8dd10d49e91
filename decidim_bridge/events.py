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

    @property
    def space(self) -> str:
        """The participatory space the event concerns, as the inbox takes turns by it."""
        return space_of(self.space_type, self.space_id, self.component_id)


def space_of(space_type: str | None, space_id: str | None, component_id: str | None) -> str:
    """The key the inbox and outbox claims take turns by: the participatory space
    (``Decidim::Assembly/3``), else the component when the space is not known
    (``component/31``), else ``""`` (one key for everything of unknown place).

    A space known by its component only (a source that names no space) gets a key of its
    own: at worst such a space has two turns instead of one.
    """
    if space_type and space_id:
        return f"{space_type}/{space_id}"
    if component_id:
        return f"component/{component_id}"
    return ""
