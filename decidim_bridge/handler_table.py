"""The worker's production table: which function handles each event type.

Built here, where both handlers are known: proposal events go to the plan pipeline, the
Decidim module's admin events to the steering handler (which builds on the pipeline).
``handlers`` lists the types as data, for intake.
"""

from __future__ import annotations

from decidim_bridge.admin_events import handle_admin_event
from decidim_bridge.decidim.limits import MAX_PAGE_SIZE
from decidim_bridge.handlers import ADMIN_EVENT_TYPES, PROPOSAL_EVENT_TYPES
from decidim_bridge.pipeline import handle_proposal_event, prefetch_proposals
from decidim_bridge.work import Handler, Prefetch

#: Rows a worker claims together, their proposals read ahead: by id five per request
#: (Decidim's alias limit), a burst of publications of one component by page, up to a page
#: of proposals (``page_read``). The leases of those waiting are renewed together.
DEFAULT_BATCH = MAX_PAGE_SIZE


def default_handlers() -> dict[str, Handler]:
    table: dict[str, Handler] = {t: handle_proposal_event for t in PROPOSAL_EVENT_TYPES}
    table.update({t: handle_admin_event for t in ADMIN_EVENT_TYPES})
    return table


def default_prefetch() -> Prefetch:
    return prefetch_proposals
