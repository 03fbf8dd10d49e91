"""What the worker and the writer share: a stoppable claim loop and a lease keeper.

Both claim rows with a lease and must (a) keep the lease while a slow step runs, so no other
process takes the row over, and (b) stop between steps on SIGTERM/SIGINT, so a graceful stop
never interrupts a step half-way.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Callable, Iterable
from typing import Any

from decidim_bridge.errors import LeaseLost, StoreUnavailable

log = logging.getLogger(__name__)


def dead_local_owners(owners: Iterable[str], *, host: str) -> set[str]:
    """Which lease owners (``host:pid:nonce``, see ``worker.default_owner``) were processes
    of this host that no longer exist: their leases need not run out before others take
    their rows over. Owners of other hosts, or in another form, are never called dead."""
    dead: set[str] = set()
    for owner in owners:
        owner_host, _, rest = owner.partition(":")
        pid_text = rest.partition(":")[0]
        if owner_host != host or not pid_text.isdigit():
            continue
        pid = int(pid_text)
        if pid == os.getpid():
            continue  # this process: another loop of ours holds it
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            dead.add(owner)
        except PermissionError:
            continue  # alive, another user's
    return dead


class LeaseKeeper:
    """Calls ``renew`` every third of ``lease_seconds`` until stopped or the lease is lost."""

    def __init__(self, renew: Callable[[], None], lease_seconds: float, name: str) -> None:
        self._renew = renew
        self._interval = lease_seconds / 3
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True, name=name)

    def __enter__(self) -> LeaseKeeper:
        self._thread.start()
        return self

    def __exit__(self, *_: Any) -> None:
        self._stopped.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stopped.wait(self._interval):
            try:
                self._renew()
            except (LeaseLost, StoreUnavailable):
                return


class ClaimLoop:
    """Runs ``run_once`` until stopped; subclasses set ``loop_name``, ``owner``, ``settings``."""

    loop_name = "loop"
    owner: str
    poll_interval: float
    stop_event: threading.Event

    def run_once(self) -> bool:  # pragma: no cover - provided by subclasses
        raise NotImplementedError

    def run(self, *, idle_sleep: float | None = None, max_steps: int | None = None) -> int:
        """Step until ``stop()``; returns how many steps did work."""
        pause = self.poll_interval if idle_sleep is None else idle_sleep
        done = 0
        log.info("%s started", self.loop_name, extra={"owner": self.owner})
        while not self.stop_event.is_set():
            try:
                busy = self.run_once()
            except StoreUnavailable as exc:
                log.warning("database unavailable; waiting", extra={"error": str(exc)})
                self.stop_event.wait(min(5.0, pause * 5))
                continue
            if busy:
                done += 1
                if max_steps is not None and done >= max_steps:
                    break
            else:
                self.stop_event.wait(pause)
        log.info("%s stopped", self.loop_name, extra={"owner": self.owner, "steps": done})
        return done

    def stop(self, *_: Any) -> None:
        self.stop_event.set()

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT finish the current step, then stop."""
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)
