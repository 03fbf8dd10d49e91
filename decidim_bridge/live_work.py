"""Whether the bridge's live work is queued: webhook events to handle, Decidim writes to make.

Residents wait for what goes through this path (their comment after publishing). Work that
can wait a little — the poller's periodic sweep, the mails to advisors and partners — lets it
go first while it is queued, each for a bounded time (``MAX_WINDOWS`` of Decidim's throttle
windows), so that a burst of publications is written back first and nothing waits forever
(``Deferral``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from decidim_bridge.sources import POLLER_SOURCE
from decidim_bridge.store import Database
from decidim_bridge.store import inbox as inbox_store
from decidim_bridge.store import outbox as outbox_store
from decidim_bridge.writeback.effects import DECIDIM_LANES

#: How many of Decidim's throttle windows deferrable work waits at most for the live work.
MAX_WINDOWS = 5


def queued(db: Database, now: float, horizon: float = 0.0, *, events: bool = True) -> bool:
    """Whether webhook events (any but the poller's; not with ``events=False``) or Decidim
    writes are being handled or are due by ``now + horizon`` (the next window of the
    request budget)."""
    with db.read() as conn:
        # The poller's own events do not count: a sweep must not wait for itself.
        if events and inbox_store.has_due(conn, now=now, not_from=POLLER_SOURCE, horizon=horizon):
            return True
        return outbox_store.has_due(conn, now=now, lane_prefix=DECIDIM_LANES, horizon=horizon)


@dataclass
class Deferral:
    """Deferrable work lets the live work go first while ``queued`` says it is, for at most
    ``allowed`` seconds of one allowance: bounded, so that nothing deferred waits forever.

    ``spent`` is what the current allowance has used; one object serves one caller, which
    chooses the way to defer and so what an allowance covers. ``wait`` blocks, sleeping in
    steps, and keeps counting until ``restart`` (the poller: one allowance per sweep, spent
    before its pages). ``defer`` answers at once and counts the time since it began holding
    back, restarting when the live work has drained (the mail loop: a bound on deferring
    in a row, after which it works until the live work has drained).
    """

    queued: Callable[[], bool]
    allowed: float
    spent: float = 0.0
    #: When the current run of ``defer`` began holding back (None: not deferring).
    _since: float | None = field(default=None, init=False, repr=False)

    def restart(self) -> None:
        """A new allowance: nothing spent."""
        self.spent = 0.0
        self._since = None

    def wait(self, sleep: Callable[[float], None], step: float) -> None:
        """Sleep in pauses of at most ``step`` seconds while the live work is queued and the
        allowance lasts. The pauses are what is spent, so a sleep that does not pass (a
        test's) still ends the wait; the live work draining does not restart the allowance."""
        while self.spent < self.allowed and self.queued():
            pause = min(step, self.allowed - self.spent)
            sleep(pause)
            self.spent += pause

    def defer(self, now: float) -> bool:
        """Whether to hold back at ``now``: while the live work is queued, until ``allowed``
        seconds have passed since holding back began; then not until it has drained."""
        if not self.queued():
            self.restart()
            return False
        if self._since is None:
            self._since = now
        self.spent = now - self._since
        return self.spent < self.allowed
