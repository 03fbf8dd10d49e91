"""Group commit: concurrent writes of one process share one durable transaction.

A durable commit (an fsync of the SQLite WAL, a WAL flush on PostgreSQL) and the work around
it (BEGIN, COMMIT, one statement per row) cost more than inserting one webhook delivery.
When several deliveries arrive at once, the ``GroupCommitter`` stores them with one
``store_batch`` call inside ONE transaction and commits once. Durability is unchanged: each
caller gets its own result only after the commit of its batch succeeded.

How it works (leader and followers, no extra thread): a caller that finds nobody committing
becomes the leader. It takes every waiting item (its own first, up to ``max_batch``, in
arrival order), stores and commits them, hands each waiting caller its result, and passes
the lead to the oldest caller that arrived meanwhile. Callers arriving while a batch commits
just wait, so batches grow only when the database is the bottleneck, and nobody waits on
purpose. Items are stored in arrival order, so a duplicate inside a batch is recognised
exactly like one across batches.

Failures:

* ``StoreUnavailable`` (database down, locked, commit outcome unknown) fails every caller of
  the batch with ``StoreUnavailable``: nothing of it is acknowledged.
* any other error rolls the batch back and stores each of its items again in a transaction
  of its own, so one bad item fails alone and the others still commit.
* a caller still waiting after ``wait_seconds`` gets ``StoreUnavailable``. If its item was
  not taken yet, it is withdrawn; if it is in a batch still committing, it may yet be
  stored, and the sender's retry is then answered as a duplicate. Either way nothing
  uncommitted is acknowledged.

The committer keeps one connection between batches (a pool checkout, with its liveness ping
on PostgreSQL, would cost as much as a small batch); it is replaced after an error or after
``idle_seconds`` unused. On SQLite a batch takes its writer turn (``writer_turns``) like any
write transaction: SQLite's own busy handler polls with sleeps of up to 100 ms, and writers
that commit continuously would starve the others.
With ``single_write`` (the batch's only write is one statement, atomic by itself) the
committer runs in autocommit on PostgreSQL: the statement is durable when it returns, and
the BEGIN and COMMIT round trips, which cost the server and the client about as much as
the INSERT, are saved. Reads after the write (duplicate look-ups) then see committed rows;
if one of them fails, the batch's new rows are already stored, and a caller's retry (or the
one-by-one retry below) reports them as duplicates: stored once, never lost.
State is reset in a forked child (gunicorn workers), so a committer may be created before.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import Generic, TypeVar

from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from decidim_bridge.errors import StoreUnavailable
from decidim_bridge.store.database import Database, translate

log = logging.getLogger(__name__)

I = TypeVar("I")  # noqa: E741 - the item type
R = TypeVar("R")

#: Stores a batch inside the given transaction; returns one result per item, in order.
StoreBatch = Callable[[Connection, Sequence[I]], Sequence[R]]

_WAITING, _TAKEN, _LEAD, _DONE, _WITHDRAWN = "waiting", "taken", "lead", "done", "withdrawn"


class _Job(Generic[I, R]):
    """One caller's item; ``wake`` is released when it is done or must lead."""

    __slots__ = ("error", "item", "result", "state", "wake")

    def __init__(self, item: I) -> None:
        self.item = item
        self.result: R | None = None
        self.error: BaseException | None = None
        self.state = _WAITING
        self.wake = threading.Lock()
        self.wake.acquire()


class GroupCommitter(Generic[I, R]):
    """Batches the writes of concurrent callers of this process into shared transactions."""

    def __init__(
        self,
        db: Database,
        store_batch: StoreBatch[I, R],
        *,
        max_batch: int = 128,
        wait_seconds: float = 10.0,
        idle_seconds: float = 30.0,
        single_write: bool = False,
    ) -> None:
        """``single_write``: ``store_batch`` writes with ONE statement (reads may follow)."""
        self.db = db
        self.single_write = single_write
        self.store_batch = store_batch
        self.max_batch = max_batch
        self.wait_seconds = wait_seconds
        self.idle_seconds = idle_seconds
        self._reset()
        ref = weakref.ref(self)

        def _after_fork_in_child() -> None:
            committer = ref()
            if committer is not None:
                committer._reset()

        os.register_at_fork(after_in_child=_after_fork_in_child)

    def _reset(self) -> None:
        self._lock = threading.Lock()
        self._pending: list[_Job[I, R]] = []
        self._leading = False
        # Owned by the current leader only. A parent's connection is never used in a child.
        self._conn: Connection | None = None
        self._conn_used_at = 0.0

    @property
    def queued(self) -> int:
        """Items waiting for a batch (not yet taken by a leader)."""
        return len(self._pending)

    def close(self) -> None:
        """Give the kept connection back to the pool (call when no caller is active)."""
        with self._lock:
            self._discard_connection()

    # --- callers -----------------------------------------------------------------------------

    def submit(self, item: I) -> R:
        """Store ``item`` in the next batch; return its result once that batch is committed."""
        job: _Job[I, R] = _Job(item)
        with self._lock:
            self._pending.append(job)
            lead = not self._leading
            self._leading = True
        if not lead:
            job.wake.acquire(timeout=self.wait_seconds)
            with self._lock:
                state = job.state
                if state == _WAITING:  # timed out before being taken: withdraw
                    self._pending.remove(job)
                    job.state = _WITHDRAWN
            if state in (_WAITING, _TAKEN):
                # Withdrawn, or in a batch still committing (outcome unknown): not "stored".
                raise StoreUnavailable(
                    f"the database did not commit within {self.wait_seconds:g} s"
                )
            lead = state == _LEAD
        if lead:
            self._lead()
        if job.error is not None:
            raise job.error
        return job.result  # type: ignore[return-value]

    # --- the leader ----------------------------------------------------------------------------

    def _lead(self) -> None:
        with self._lock:
            batch = self._pending[: self.max_batch]
            del self._pending[: len(batch)]
            for job in batch:
                job.state = _TAKEN
        try:
            self._commit(batch)
        except BaseException as exc:  # never leave a caller waiting
            log.exception("group commit failed unexpectedly")
            for job in batch:
                if job.state != _DONE:
                    self._finish(job, error=StoreUnavailable("the delivery could not be stored"))
            if not isinstance(exc, Exception):
                raise
        finally:
            with self._lock:
                if self._pending:
                    successor = self._pending[0]
                    successor.state = _LEAD
                    successor.wake.release()
                else:
                    self._leading = False

    @staticmethod
    def _finish(
        job: _Job[I, R], *, result: R | None = None, error: BaseException | None = None
    ) -> None:
        job.result, job.error, job.state = result, error, _DONE
        job.wake.release()

    def _commit(self, batch: list[_Job[I, R]]) -> None:
        try:
            with self.db.writer_turn(), self._transaction() as conn:
                results = list(self.store_batch(conn, [job.item for job in batch]))
                if len(results) != len(batch):
                    raise RuntimeError("store_batch returned a wrong number of results")
        except StoreUnavailable as exc:
            for job in batch:
                error = StoreUnavailable(exc.message, retry_after=exc.retry_after)
                error.__cause__ = exc
                self._finish(job, error=error)
            return
        except Exception as exc:
            if len(batch) == 1:
                self._finish(batch[0], error=exc)
                return
            log.warning(
                "group commit batch failed; storing its items one by one",
                extra={"batch_size": len(batch), "error": type(exc).__name__},
            )
            for job in batch:
                self._commit_alone(job)
            return
        for job, result in zip(batch, results, strict=True):
            self._finish(job, result=result)

    def _commit_alone(self, job: _Job[I, R]) -> None:
        try:
            with self.db.writer_turn(), self._transaction() as conn:
                (result,) = self.store_batch(conn, [job.item])
        except Exception as exc:
            self._finish(job, error=exc)
            return
        self._finish(job, result=result)

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        """Like ``Database.begin`` on the kept connection: commit, or roll back and translate."""
        now = time.monotonic()
        if self._conn is not None and now - self._conn_used_at > self.idle_seconds:
            self._discard_connection()
        try:
            if self._conn is None:
                self._conn = self.db.engine.connect()
                if self.single_write and self.db.is_postgres:
                    self._conn = self._conn.execution_options(isolation_level="AUTOCOMMIT")
            with self._conn.begin():
                yield self._conn
        except SQLAlchemyError as exc:
            self._discard_connection()
            raise translate(exc) from exc
        except BaseException:
            self._discard_connection()
            raise
        self._conn_used_at = time.monotonic()

    def _discard_connection(self) -> None:
        if self._conn is not None:
            with suppress(Exception):
                self._conn.close()
            self._conn = None
