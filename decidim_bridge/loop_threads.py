"""Loops of one process as threads that stop together.

``run`` (every loop of the bridge) and ``writer`` (the Decidim writer and the mail sender)
run their loops as daemon threads of one process. A loop that raises would leave the
process running without it; instead it is logged and every loop is stopped, so the process
ends and its supervisor restarts it whole.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from decidim_bridge.errors import LoopFailed

log = logging.getLogger(__name__)

#: Seconds a loop may take to finish its current step when stopping.
LOOP_GRACE_SECONDS = 60.0


@dataclass(frozen=True)
class Loop:
    """A loop of the process: its thread's name, what runs until ``stop`` is called, and
    how long stopping may take."""

    name: str
    run: Callable[[], object]
    stop: Callable[[], object]
    grace: float = LOOP_GRACE_SECONDS


class LoopThreads:
    """Runs ``loops`` as named daemon threads: ``start()``, ``wait()``, ``shutdown()``.

    ``wait`` returns on ``stop()`` (a signal) or when a loop raised; ``shutdown`` then asks
    every loop to stop, in the given order, and waits for each within its grace."""

    def __init__(self, loops: Sequence[Loop]) -> None:
        self.loops = tuple(loops)
        self.stopped = threading.Event()
        #: The names of the loops that raised.
        self.failed: list[str] = []
        self.threads: list[threading.Thread] = []

    def start(self) -> LoopThreads:
        for loop in self.loops:
            thread = threading.Thread(target=self._guard(loop), name=loop.name, daemon=True)
            thread.start()
            self.threads.append(thread)
        return self

    def _guard(self, loop: Loop) -> Callable[[], None]:
        def run() -> None:
            try:
                loop.run()
            except Exception:
                log.exception("%s failed; stopping", loop.name, extra={"component": loop.name})
                self.failed.append(loop.name)
                self.stopped.set()

        return run

    def stop(self, *_: Any) -> None:
        """Ask every loop to stop (safe from a signal handler: ``wait`` does the stopping)."""
        self.stopped.set()

    def install_signal_handlers(self) -> None:
        """SIGTERM and SIGINT let every loop finish its current step, then stop."""
        signal.signal(signal.SIGTERM, self.stop)
        signal.signal(signal.SIGINT, self.stop)

    def wait(self) -> None:
        """Block until ``stop()`` or a loop raised; wakes twice a second, so that signal
        handlers run in the main thread."""
        while not self.stopped.wait(0.5):
            pass

    def shutdown(self) -> None:
        """Stop every loop in order, then wait for each thread within its loop's grace."""
        self.stopped.set()
        for loop in self.loops:
            loop.stop()
        for loop, thread in zip(self.loops, self.threads, strict=False):
            thread.join(loop.grace)

    def check(self) -> None:
        """Raise ``LoopFailed`` when a loop raised (the process should exit with 1)."""
        if self.failed:
            raise LoopFailed(f"{', '.join(self.failed)} failed; every loop was stopped")

    def run(self) -> None:
        """``start``, ``wait``, ``shutdown``, ``check``: the loops until a signal or a
        failure."""
        self.start()
        try:
            self.wait()
        finally:
            self.shutdown()
        self.check()
