"""Writers of one SQLite file take turns, in the order they asked.

SQLite has one writer at a time. A connection that finds the file locked is left to
SQLite's busy handler, which sleeps between tries, up to 100 ms at a time: a thread that
writes often (the worker storing plans, intake committing deliveries) keeps getting the
lock back while another (the writer recording what Decidim answered) sleeps. In a burst
the writer waited longer for the lock than for Decidim. So every write transaction on a
SQLite file first takes its turn: the threads of a process queue on a lock that is handed
to the longest waiter when it is given back, and the processes take turns through an
``flock`` of a file next to the database. SQLite's busy handler is left for writers
outside the bridge (the ``sqlite3`` shell).

A turn is re-entrant within a thread (a nested write transaction gets no second turn;
SQLite's busy handler decides it, as before). A thread that waits for the other threads
longer than the busy timeout gets ``StoreUnavailable``, as SQLite's "database is locked";
the wait for another process is a blocking ``flock`` (see ``_lock_file``). PostgreSQL and
in-memory SQLite databases take no turns.
"""

from __future__ import annotations

import fcntl
import os
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

from decidim_bridge.errors import StoreUnavailable


class FifoLock:
    """A lock handed to the thread that has waited longest when it is released (a plain
    lock lets the releasing thread take it again before the woken waiter runs). Threads
    that ask ``first`` are handed it before the others, in their own order."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._first: deque[threading.Lock] = deque()
        self._waiters: deque[threading.Lock] = deque()
        self._held = False

    def acquire(self, timeout: float, *, first: bool = False) -> bool:
        with self._mutex:
            if not self._held:
                self._held = True
                return True
            waiter = threading.Lock()
            waiter.acquire()
            queue = self._first if first else self._waiters
            queue.append(waiter)
        if waiter.acquire(timeout=max(0.0, timeout)):
            return True  # handed over by ``release``
        with self._mutex:
            try:
                queue.remove(waiter)
            except ValueError:
                return True  # handed over between the timeout and now
            return False

    def release(self) -> None:
        with self._mutex:
            queue = self._first or self._waiters
            if queue:
                queue.popleft().release()  # still held: now by the waiter
            else:
                self._held = False


_first_in_line = threading.local()


def in_line_first() -> bool:
    """Whether this thread's write transactions are now handed their turn first."""
    return bool(getattr(_first_in_line, "value", False))


@contextmanager
def first_in_line() -> Iterator[None]:
    """Inside, this thread's write transactions are handed their turn before the other
    threads' that wait (the writer sending to Decidim: what residents wait for, and what
    the request budget is spent on; it is paced by that budget, so it cannot keep the
    others waiting for long)."""
    before = in_line_first()
    _first_in_line.value = True
    try:
        yield
    finally:
        _first_in_line.value = before


class WriterTurns:
    """The turns of one SQLite file in this process."""

    def __init__(self, lock_path: str) -> None:
        self.lock_path = lock_path
        self._threads = FifoLock()
        self._depth = threading.local()
        self._fd: int | None = None
        self._pid = os.getpid()

    def _after_fork(self) -> None:
        """A forked child starts with no turn and opens its own descriptor: a lock taken
        through the parent's would be the parent's too."""
        self._threads = FifoLock()
        self._depth = threading.local()
        self._fd = None
        self._pid = os.getpid()

    @contextmanager
    def turn(self, timeout: float) -> Iterator[None]:
        """Wait for this thread's turn (at most ``timeout`` seconds), hold it inside."""
        if self._pid != os.getpid():
            self._after_fork()
        depth = getattr(self._depth, "value", 0)
        if depth:
            self._depth.value = depth + 1
            try:
                yield
            finally:
                self._depth.value = depth
            return
        if not self._threads.acquire(timeout, first=in_line_first()):
            raise StoreUnavailable(f"database is locked: no write turn within {timeout:g} s")
        try:
            self._lock_file()
        except BaseException:
            self._threads.release()
            raise
        self._depth.value = 1
        try:
            yield
        finally:
            self._depth.value = 0
            try:
                fcntl.flock(self._file(), fcntl.LOCK_UN)
            finally:
                self._threads.release()

    def _file(self) -> int:
        if self._fd is None:
            self._fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return self._fd

    def _lock_file(self) -> None:
        """Another process's turn: wait for it, woken as soon as it ends (a blocking
        ``flock``; polling with sleeps halved intake's rate with two web workers). No
        timeout here: a process that keeps its turn holds SQLite's lock too, so nobody
        could write anyway; this process's other threads give up after the timeout, and
        readiness reports the held lock. A lock file that cannot be opened or locked (a
        read-only folder) is the database's unavailability, said with the file."""
        try:
            fcntl.flock(self._file(), fcntl.LOCK_EX)
        except OSError as exc:
            raise StoreUnavailable(
                f"database unavailable: cannot take the write turn on {self.lock_path}: "
                f"{exc.strerror or exc}"
            ) from exc


_registry: dict[str, WriterTurns] = {}
_registry_lock = threading.Lock()


def turns_for(lock_path: str) -> WriterTurns:
    """The one ``WriterTurns`` of a file in this process (every ``Database`` on the file
    shares it, so their threads queue on the same lock)."""
    key = os.path.abspath(lock_path)
    with _registry_lock:
        turns = _registry.get(key)
        if turns is None:
            turns = _registry[key] = WriterTurns(key)
        return turns
