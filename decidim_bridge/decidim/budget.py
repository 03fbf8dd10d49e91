"""The client side of the shared request budget: take a slot, or wait for the next window.

Windows are fixed minutes aligned to the epoch, like Decidim's Rack::Attack windows (another
length when Decidim's ``throttling_period`` is changed: ``DECIDIM_BRIDGE_DECIDIM_RATE_WINDOW``),
so a window we count in is the window Decidim counts in (up to clock skew, which is why the default
budget, 60, stays well below Decidim's 100). The counts live in the database
(``store.budget``) so every process and replica draws from one budget. Clock and sleep are
injectable so tests run on a fake clock.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable

from decidim_bridge.decidim.metrics import THROTTLED
from decidim_bridge.errors import DecidimRateLimited
from decidim_bridge.store import Database
from decidim_bridge.store import budget as budget_store

log = logging.getLogger(__name__)

WINDOW_SECONDS = 60
#: Windows older than this are deleted when a process first sees a new window.
KEEP_WINDOWS_SECONDS = 3600


def window_start(now: float, seconds: int = WINDOW_SECONDS) -> int:
    """The start (epoch seconds) of the window of ``seconds`` that contains ``now``."""
    return int(now // seconds) * seconds


def next_window(now: float, seconds: int = WINDOW_SECONDS) -> float:
    """The start of the window after the one containing ``now``."""
    return float(window_start(now, seconds) + seconds)


class RequestBudget:
    """At most ``per_minute`` requests per window (of ``window_seconds``, normally a minute)
    to one Decidim host, across processes."""

    def __init__(
        self,
        db: Database,
        *,
        host: str,
        tenant: str,
        per_minute: int,
        window_seconds: int = WINDOW_SECONDS,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_minute < 1:
            raise ValueError("per_minute must be at least 1")
        self.db = db
        self.host = host
        self.tenant = tenant
        self.per_minute = per_minute
        self.window_seconds = window_seconds
        self.clock = clock
        self.sleep = sleep
        self._last_window: int | None = None

    def limit_for(self, share: float) -> int:
        """The count at which a caller limited to ``share`` of the budget must stop."""
        if not 0 < share <= 1:
            raise ValueError("share must be in (0, 1]")
        return max(1, math.floor(self.per_minute * share))

    def acquire(self, *, share: float = 1.0, wait: bool = True) -> None:
        """Count one request; when the window is spent, sleep to the next or raise.

        Raises ``DecidimRateLimited`` (with ``retry_after`` = seconds to the next window)
        when ``wait`` is false and the window is spent.
        """
        limit = self.limit_for(share)
        while True:
            now = self.clock()
            window = window_start(now, self.window_seconds)
            with self.db.begin() as conn:
                if self._last_window != window:
                    budget_store.prune(conn, before=window - KEEP_WINDOWS_SECONDS)
                count = budget_store.take(
                    conn,
                    host=self.host,
                    tenant=self.tenant,
                    window_start=window,
                    limit=limit,
                    now=now,
                )
            self._last_window = window
            if count is not None:
                return
            delay = self.next_window(now) - now
            THROTTLED.labels(host=self.host, reason="budget").inc()
            if not wait:
                raise DecidimRateLimited(
                    f"The request budget for {self.host} is spent until the next minute.",
                    retry_after=delay,
                )
            log.info("decidim budget spent, waiting %.1f s", delay, extra={"host": self.host})
            self.sleep(delay)

    def spent_until(self, *, share: float = 1.0) -> float | None:
        """When the spent window ends (None: a request could be made now): a caller that
        would only wait for a slot can do its other work first, or gather more to ask."""
        now = self.clock()
        if self.used(now) < self.limit_for(share):
            return None
        return self.next_window(now)

    def next_window(self, now: float) -> float:
        """The start of the window after the one containing ``now``."""
        return next_window(now, self.window_seconds)

    def exhaust_window(self) -> None:
        """Decidim said 429: mark the current window spent for every process."""
        now = self.clock()
        with self.db.begin() as conn:
            budget_store.exhaust(
                conn,
                host=self.host,
                tenant=self.tenant,
                window_start=window_start(now, self.window_seconds),
                limit=self.per_minute,
                now=now,
            )

    def used(self, at: float | None = None) -> int:
        """Requests counted in the window containing ``at`` (default: now)."""
        with self.db.read() as conn:
            return budget_store.used(
                conn,
                host=self.host,
                window_start=window_start(self.clock() if at is None else at, self.window_seconds),
            )
