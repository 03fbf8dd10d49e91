"""A circuit breaker per Decidim host, with an injectable clock.

After ``fail_max`` consecutive transport failures (connection errors, timeouts, 5xx) the
circuit opens: calls fail at once with ``CircuitOpen`` instead of piling up on a Decidim that
is down. After ``reset_timeout`` seconds one trial call is let through (half-open); its
success closes the circuit, its failure opens it again for another ``reset_timeout``.
pybreaker reads the wall clock itself, which a fake-clock test cannot move; this class is
small enough to own.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from decidim_bridge.decidim.metrics import CIRCUIT_STATE
from decidim_bridge.errors import CircuitOpen

CLOSED = "closed"
HALF_OPEN = "half_open"
OPEN = "open"
_GAUGE_VALUE = {CLOSED: 0, HALF_OPEN: 1, OPEN: 2}


class CircuitBreaker:
    """Thread-safe breaker for one host."""

    def __init__(
        self,
        host: str,
        *,
        fail_max: int = 5,
        reset_timeout: float = 60.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.host = host
        self.fail_max = fail_max
        self.reset_timeout = reset_timeout
        self.clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._opened_at: float | None = None
        self._trial_running = False
        self._publish(CLOSED)

    @property
    def state(self) -> str:
        """closed, half_open (the reset timeout passed; a trial may run) or open."""
        with self._lock:
            return self._state_locked()

    @property
    def failures(self) -> int:
        return self._failures

    def _state_locked(self) -> str:
        if self._opened_at is None:
            return CLOSED
        if self.clock() - self._opened_at >= self.reset_timeout:
            return HALF_OPEN
        return OPEN

    def before_call(self) -> None:
        """Raise ``CircuitOpen`` unless a call may go out now."""
        with self._lock:
            state = self._state_locked()
            if state == CLOSED:
                return
            if state == HALF_OPEN and not self._trial_running:
                self._trial_running = True
                self._publish(HALF_OPEN)
                return
            assert self._opened_at is not None
            remaining = max(0.0, self._opened_at + self.reset_timeout - self.clock())
        raise CircuitOpen(
            f"Decidim at {self.host} failed {self.fail_max} times in a row; "
            f"not calling it for {remaining:.0f} s more."
        )

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._opened_at = None
            self._trial_running = False
        self._publish(CLOSED)

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            if self._trial_running or self._failures >= self.fail_max:
                self._opened_at = self.clock()
            self._trial_running = False
            state = self._state_locked()
        self._publish(state)

    def release_trial(self) -> None:
        """End a half-open trial that neither succeeded nor failed at the transport level."""
        with self._lock:
            self._trial_running = False

    def _publish(self, state: str) -> None:
        CIRCUIT_STATE.labels(host=self.host).set(_GAUGE_VALUE[state])


_registry: dict[str, CircuitBreaker] = {}
_registry_lock = threading.Lock()


def breaker_for(host: str) -> CircuitBreaker:
    """The process-wide breaker of a Decidim host (shared by every client of that host)."""
    with _registry_lock:
        if host not in _registry:
            _registry[host] = CircuitBreaker(host)
        return _registry[host]
