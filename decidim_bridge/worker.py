"""The worker: claims inbox rows with a lease, runs their handler, records the outcome.

Rows of different proposals may be claimed together (``batch``), so that a ``prefetch``
function reads what they need in one request; each is still handled and finished on its
own, and the leases of those waiting are kept while the first are handled.

While the request budget to Decidim is spent, a worker that reads ahead claims nothing:
its reads would only wait for the next window, and the events that arrive meanwhile can
then be read with them (a burst is read in a few full batches instead of many small ones).
Planning does not wait longer for it: the comment's write needs a slot of the same budget.
Events that need no request (the bridge's own echoes, ignored types) wait for the window
too: the claim cannot tell them apart before it parses them.

The table of handlers is given (``handler_table.default_handlers()`` in production); what a
handler receives is defined in ``work``.

At-least-once: a row is finished only after its handler returned, in a transaction fenced
by the lease owner. A worker killed mid-event leaves the row ``running``; once the lease
expires another worker claims it again (attempts counted). Handlers therefore make their
effects idempotent: database effects are committed together with ``ctx.finish``, external
writes go through the outbox with idempotency keys.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from decidim_bridge import metrics
from decidim_bridge.backoff import backoff_delay
from decidim_bridge.config import Settings
from decidim_bridge.errors import BridgeError, DecidimRateLimited, LeaseLost, StoreUnavailable
from decidim_bridge.handlers import IGNORED_EVENT_TYPES
from decidim_bridge.intake.delivery import parse_stored
from decidim_bridge.loop import ClaimLoop, LeaseKeeper
from decidim_bridge.sources import POLLER_SOURCE
from decidim_bridge.store import Database
from decidim_bridge.store import inbox as inbox_store
from decidim_bridge.store.inbox import InboxRow
from decidim_bridge.work import Handler, Prefetch, Prefetched, WorkContext

log = logging.getLogger(__name__)


def default_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Worker(ClaimLoop):
    """Claims and handles inbox rows until stopped."""

    loop_name = "worker"

    def __init__(
        self,
        db: Database,
        settings: Settings,
        handlers: Mapping[str, Handler],
        *,
        ignored: Mapping[str, str] = IGNORED_EVENT_TYPES,
        services: Any = None,
        owner: str | None = None,
        clock: Callable[[], float] = time.time,
        prefetch: Prefetch | None = None,
        batch: int = 1,
    ) -> None:
        self.db = db
        self.prefetch = prefetch
        self.batch = batch if prefetch is not None else 1
        self.settings = settings
        self.handlers = dict(handlers)
        self.ignored = dict(ignored)
        self.services = services
        self.owner = owner or default_owner()
        self.clock = clock
        self.poll_interval = settings.worker_poll_interval
        self.stop_event = threading.Event()

    # --- one step ----------------------------------------------------------------------

    def run_once(self) -> bool:
        """Claim and handle at most ``batch`` rows (of different proposals; spaces in turn,
        within a space the oldest first, the poller's events after the webhooks' as the
        live work goes first: ``store.inbox``); returns whether there was one.
        Rows claimed together have their proposals read ahead in as few requests as Decidim
        allows (``prefetch``)."""
        if self._budget_spent():
            return False
        with self.db.begin() as conn:
            rows = inbox_store.claim(
                conn,
                owner=self.owner,
                now=self.clock(),
                lease_seconds=self.settings.worker_lease_seconds,
                limit=self.batch,
                tenant=None,
                later_sources=(POLLER_SOURCE,),
            )
        if not rows:
            return False
        if len(rows) == 1 or self.prefetch is None:
            for row in rows:
                self._handle(row)
            return True
        waiting = list(rows)
        keeper = LeaseKeeper(
            lambda: self._renew_leases(waiting),
            self.settings.worker_lease_seconds,
            name=f"inbox-lease-batch-{rows[0].id}",
        )
        with keeper:
            prefetched = self._prefetch(rows)
            while waiting:
                self._handle(waiting[0], prefetched)
                waiting.pop(0)
        return True

    def _budget_spent(self) -> bool:
        """Whether the reads this worker would make now could only wait (see above)."""
        if self.prefetch is None or not self.settings.read_economy:
            return False
        spent_until = getattr(getattr(self.services, "decidim", None), "budget_spent_until", None)
        if spent_until is None:
            return False
        try:
            return spent_until() is not None
        except StoreUnavailable:
            raise
        except Exception:  # the claim goes on; the reads meet the budget themselves
            log.warning("could not look at the request budget", exc_info=True)
            return False

    def _prefetch(self, rows: list[InboxRow]) -> dict[str, Prefetched]:
        """Read ahead; a failure only means each handler reads for itself."""
        assert self.prefetch is not None
        try:
            return self.prefetch(rows, self.db, self.settings, self.services, self.clock)
        except Exception as exc:  # the handlers read and record what goes wrong
            log.warning("reading ahead failed", extra={"error": f"{type(exc).__name__}: {exc}"})
            return {}

    def _renew_leases(self, rows: list[InboxRow]) -> None:
        for row in list(rows):
            try:
                self._renew_lease(row.id)
            except LeaseLost:
                continue  # finished meanwhile, or taken over: its own handling finds out

    def _handle(self, row: InboxRow, prefetched: dict[str, Prefetched] | None = None) -> None:
        started = time.monotonic()
        log_extra = {
            "inbox_id": row.id,
            "delivery_id": row.delivery_key,
            "event_type": row.event_type,
            "tenant": row.tenant,
            "attempt": row.attempts,
        }
        ctx = WorkContext(
            db=self.db,
            settings=self.settings,
            row=row,
            owner=self.owner,
            clock=self.clock,
            services=self.services,
            prefetched=dict(prefetched or {}),
        )
        keeper = LeaseKeeper(
            lambda: self._renew_lease(row.id),
            self.settings.worker_lease_seconds,
            name=f"inbox-lease-{row.id}",
        )
        try:
            with keeper:
                status, outcome = self._dispatch(row, ctx)
        except LeaseLost:
            log.warning("lease lost; another worker owns the event now", extra=log_extra)
            metrics.EVENTS_PROCESSED.labels(outcome="lease_lost").inc()
            return
        except Exception as exc:  # every failure is recorded on the row
            self._record_failure(row, exc, log_extra)
            return
        if not ctx.finished:
            try:
                with self.db.begin() as conn:
                    inbox_store.finish(
                        conn,
                        row.id,
                        owner=self.owner,
                        now=self.clock(),
                        status=status,
                        outcome=outcome,
                    )
            except LeaseLost:
                log.warning("lease lost before finishing", extra=log_extra)
                metrics.EVENTS_PROCESSED.labels(outcome="lease_lost").inc()
                return
        elapsed = time.monotonic() - started
        status = ctx.finished_status or status  # a handler may have finished it as ignored
        metrics.EVENTS_PROCESSED.labels(outcome=status).inc()
        metrics.EVENT_PROCESSING_SECONDS.observe(elapsed)
        log.info(
            "event handled",
            extra={**log_extra, "outcome": outcome, "duration_ms": round(elapsed * 1000, 1)},
        )

    def _renew_lease(self, row_id: int) -> None:
        with self.db.begin() as conn:
            inbox_store.extend_lease(
                conn,
                row_id,
                owner=self.owner,
                until=self.clock() + self.settings.worker_lease_seconds,
            )

    def _dispatch(self, row: InboxRow, ctx: WorkContext) -> tuple[str, str | None]:
        if row.event_type in self.ignored:
            return "ignored", f"ignored: {self.ignored[row.event_type]}"
        handler = self.handlers.get(row.event_type)
        if handler is None:
            return "ignored", "no handler for this event type"
        event = parse_stored(row.source, row.body, tenant=row.tenant)
        outcome = handler(event, ctx)
        return "done", outcome

    def _record_failure(self, row: InboxRow, exc: BaseException, log_extra: dict[str, Any]) -> None:
        now = self.clock()
        permanent = isinstance(exc, BridgeError) and not exc.retryable
        if permanent or row.attempts >= self.settings.worker_max_attempts:
            retry_at: float | None = None
        elif isinstance(exc, DecidimRateLimited):
            retry_at = now + exc.retry_after
        else:
            retry_at = now + backoff_delay(
                row.attempts,
                base=self.settings.worker_backoff_base,
                cap=self.settings.worker_backoff_max,
            )
        summary = f"{type(exc).__name__}: {exc}"
        if not isinstance(exc, BridgeError):
            summary += "\n" + "".join(traceback.format_exception(exc)[-3:])
        try:
            with self.db.begin() as conn:
                status = inbox_store.fail(
                    conn, row.id, owner=self.owner, now=now, error=summary, retry_at=retry_at
                )
        except LeaseLost:
            log.warning("lease lost while recording a failure", extra=log_extra)
            return
        outcome = "dead" if status == "dead" else "retry"
        metrics.EVENTS_PROCESSED.labels(outcome=outcome).inc()
        level = logging.ERROR if status == "dead" else logging.WARNING
        log.log(
            level,
            "event failed",
            extra={**log_extra, "outcome": outcome, "error": type(exc).__name__},
        )
