"""``decidim-bridge run``: the whole bridge in one process.

The web server (waitress, in a thread), the worker, the writer and the mail sender
(``services.build_writers``) and the scheduler (which also sweeps Decidim when the ``poll``
job is on) run as threads of one process and share one
database engine, one Decidim client budget and the loaded mappings. SIGTERM or SIGINT stops
them in order: the web server stops taking requests and answers the ones it has (a webhook
is acknowledged only after its commit, so an interrupted request is simply sent again), then
the worker and the writer finish their current step, then the scheduler its current job.
A component that dies stops the others the same way, and ``run`` exits with status 1.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any, cast

from decidim_bridge.config import Settings
from decidim_bridge.loop_threads import Loop, LoopThreads
from decidim_bridge.store import Database

log = logging.getLogger(__name__)

#: Seconds the web server waits for answers in progress when stopping.
WEB_GRACE_SECONDS = 10.0


class Bridge:
    """The composed bridge; ``start()`` then ``wait()`` (or ``stop()``)."""

    def __init__(
        self,
        settings: Settings,
        *,
        host: str = "127.0.0.1",
        port: int = 8000,
        threads: int = 8,
        clock: Callable[[], float] = time.time,
    ) -> None:
        from waitress.server import create_server

        from decidim_bridge.app import create_app
        from decidim_bridge.handler_table import DEFAULT_BATCH, default_handlers, default_prefetch
        from decidim_bridge.scheduler import Scheduler
        from decidim_bridge.services import build_services, build_writers
        from decidim_bridge.worker import Worker

        self.settings = settings
        self.db = Database(settings.database_url)
        self.db.upgrade()
        services = build_services(settings, self.db)
        self.app = create_app(settings)
        # Any: a third-party object whose stubs lack ``effective_port`` (one host and port
        # give one TCP server) and type the task dispatcher's timeout as int.
        self.server: Any = cast(
            Any,
            create_server(self.app, host=host, port=port, threads=threads, ident="decidim-bridge"),
        )
        self.port = int(self.server.effective_port)
        self.worker = Worker(
            self.db,
            settings,
            default_handlers(),
            services=services,
            clock=clock,
            prefetch=default_prefetch(),
            batch=DEFAULT_BATCH,
        )
        self.writers = build_writers(settings, self.db, with_worker=True)
        self.scheduler = Scheduler(self.db, settings, services=services, clock=clock)
        # Stopped in this order: the web server first, the scheduler last.
        self.loops = LoopThreads(
            [
                Loop("web", self.server.run, self._stop_web, grace=WEB_GRACE_SECONDS),
                Loop("worker", self.worker.run, self.worker.stop),
                *(Loop(writer.loop_name, writer.run, writer.stop) for writer in self.writers),
                Loop("scheduler", self.scheduler.run, self.scheduler.stop),
            ]
        )

    def start(self) -> Bridge:
        self.loops.start()
        log.info("bridge started", extra={"port": self.port})
        return self

    def stop(self, *_: Any) -> None:
        """Ask everything to stop (safe from a signal handler)."""
        self.loops.stop()

    def wait(self) -> None:
        """Block until ``stop()`` (or a signal, or a component that died), then stop the
        components in order; ``LoopFailed`` when one died (exit 1: the supervisor restarts
        the process)."""
        self.loops.wait()
        self._shutdown()
        self.loops.check()

    def _shutdown(self) -> None:
        log.info("bridge stopping")
        self.loops.shutdown()
        self.db.dispose()
        log.info("bridge stopped")

    def _stop_web(self) -> None:
        """Stop listening first; finish the requests in progress; then close connections."""
        self.server.accepting = False
        self.server.task_dispatcher.shutdown(cancel_pending=False, timeout=WEB_GRACE_SECONDS)
        time.sleep(0.3)  # the server's loop sends the last answers
        self.server.close()

    def install_signal_handlers(self) -> None:
        self.loops.install_signal_handlers()


def run_bridge(settings: Settings, *, host: str, port: int, threads: int = 8) -> None:
    bridge = Bridge(settings, host=host, port=port, threads=threads)
    bridge.install_signal_handlers()
    bridge.start()
    bridge.wait()
