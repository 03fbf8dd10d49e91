"""From a proposal event to a stored support plan (the worker's main handler)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from decidim_bridge.events import Event

if TYPE_CHECKING:
    from decidim_bridge.worker import WorkContext


def handle_proposal_event(event: Event, ctx: WorkContext) -> str:
    """Handle one proposal event. The support-plan pipeline plugs in here."""
    return "received"
