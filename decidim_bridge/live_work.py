"""Whether the bridge's live work is queued: webhook events to handle, Decidim writes to make.

Residents wait for what goes through this path (their comment after publishing). Work that
can wait a little — the poller's periodic sweep, the mails to advisors and partners — lets it
go first while it is queued, each for a bounded time (``MAX_WINDOWS`` of Decidim's throttle
windows), so that a burst of publications is written back first and nothing waits forever.
"""

from __future__ import annotations

from decidim_bridge.store import Database
from decidim_bridge.store import inbox as inbox_store
from decidim_bridge.store import outbox as outbox_store
from decidim_bridge.writeback.effects import DECIDIM_LANES

#: How many of Decidim's throttle windows deferrable work waits at most for the live work.
MAX_WINDOWS = 5
#: The poller's own events do not count: a sweep must not wait for itself.
POLLER_SOURCE = "poller"


def queued(db: Database, now: float, horizon: float = 0.0, *, events: bool = True) -> bool:
    """Whether webhook events (any but the poller's; not with ``events=False``) or Decidim
    writes are being handled or are due by ``now + horizon`` (the next window of the
    request budget)."""
    with db.read() as conn:
        if events and inbox_store.has_due(conn, now=now, not_from=POLLER_SOURCE, horizon=horizon):
            return True
        return outbox_store.has_due(conn, now=now, lane_prefix=DECIDIM_LANES, horizon=horizon)
