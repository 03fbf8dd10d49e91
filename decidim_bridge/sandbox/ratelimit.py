"""Decidim's request throttle (Rack::Attack "requests by ip"): a fixed window per client IP.

Rack::Attack counts requests in windows aligned to ``period`` (window = ``now // period``)
and refuses every request beyond ``limit`` in the current window with 429 "Retry later" and
no Retry-After header. Decidim's default is 100 requests per 60 seconds, for every path.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

RETRY_LATER_BODY = "Retry later\n"


class FixedWindowLimiter:
    def __init__(
        self,
        limit: int = 100,
        period: float = 60.0,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if limit < 1 or period <= 0:
            raise ValueError("limit must be >= 1 and period > 0")
        self.limit = limit
        self.period = period
        self.clock = clock
        self._lock = threading.Lock()
        self._window = -1
        self._counts: dict[str, int] = {}

    def allow(self, key: str) -> bool:
        """Count one request for ``key``; ``False`` when it is over the limit of its window."""
        window = int(self.clock() // self.period)
        with self._lock:
            if window != self._window:
                self._window, self._counts = window, {}
            count = self._counts.get(key, 0) + 1
            self._counts[key] = count
            return count <= self.limit

    def reset(self) -> None:
        with self._lock:
            self._counts = {}
