"""Tests for decidim_bridge.store.writer_turns: writers of one SQLite file take turns."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

import pytest
from conftest import wait_until
from sqlalchemy import text

from decidim_bridge.errors import StoreUnavailable
from decidim_bridge.store import Database, writer_turns
from decidim_bridge.store.writer_turns import FifoLock, first_in_line, turns_for


class TestFifoLock:
    def test_released_to_the_longest_waiter(self) -> None:
        lock = FifoLock()
        assert lock.acquire(1)
        order: list[str] = []

        def wait_for_it(name: str) -> None:
            assert lock.acquire(5)
            order.append(name)
            lock.release()

        threads = []
        for name in ("first", "second", "third"):
            thread = threading.Thread(target=wait_for_it, args=(name,))
            thread.start()
            threads.append(thread)
            queued = len(threads)
            wait_until(lambda q=queued: len(lock._waiters) == q)
        lock.release()
        for thread in threads:
            thread.join(5)
        assert order == ["first", "second", "third"]

    def test_the_releasing_thread_asking_again_goes_behind_a_waiter(self) -> None:
        lock = FifoLock()
        assert lock.acquire(1)
        got: list[str] = []

        def waiter() -> None:
            assert lock.acquire(5)
            got.append("waiter")
            lock.release()

        thread = threading.Thread(target=waiter)
        thread.start()
        wait_until(lambda: len(lock._waiters) == 1)
        lock.release()
        assert lock.acquire(5)  # only after the waiter had its turn
        got.append("releaser")
        lock.release()
        thread.join(5)
        assert got == ["waiter", "releaser"]

    def test_threads_first_in_line_are_handed_it_before_the_others(self) -> None:
        lock = FifoLock()
        assert lock.acquire(1)
        order: list[str] = []

        def wait_for_it(name: str, first: bool) -> None:
            assert lock.acquire(5, first=first)
            order.append(name)
            lock.release()

        threads = []
        for name, first in (("plan", False), ("mail", False), ("write", True), ("next", True)):
            thread = threading.Thread(target=wait_for_it, args=(name, first))
            thread.start()
            threads.append(thread)
            queued = len(threads)
            wait_until(lambda q=queued: len(lock._waiters) + len(lock._first) == q)
        lock.release()
        for thread in threads:
            thread.join(5)
        assert order == ["write", "next", "plan", "mail"]

    def test_a_waiter_that_gives_up_leaves_the_queue(self) -> None:
        lock = FifoLock()
        assert lock.acquire(1)
        results: list[bool] = []
        thread = threading.Thread(target=lambda: results.append(lock.acquire(0.05)))
        thread.start()
        thread.join(5)
        assert results == [False]
        assert not lock._waiters
        lock.release()
        assert lock.acquire(0)  # free again: nobody was handed the lock


def file_db(tmp_path: Path, name: str = "turns.sqlite3", **kwargs: int) -> Database:
    db = Database(f"sqlite:///{tmp_path / name}", **kwargs)
    with db.begin() as conn:
        conn.execute(text("CREATE TABLE IF NOT EXISTS t (who TEXT)"))
    return db


def test_first_in_line_holds_for_the_block_and_this_thread_only() -> None:
    seen: list[bool] = []

    def look() -> None:
        seen.append(writer_turns.in_line_first())

    with first_in_line():
        look()
        thread = threading.Thread(target=look)
        thread.start()
        thread.join(5)
        with first_in_line():
            look()
        look()
    look()
    assert seen == [True, False, True, True, False]


class TestWriterTurns:
    def test_databases_on_one_file_share_their_turns(self, tmp_path: Path) -> None:
        first, second = file_db(tmp_path), file_db(tmp_path)
        other = file_db(tmp_path, "other.sqlite3")
        assert first.turns is not None and first.turns is second.turns
        assert other.turns is not first.turns
        assert Database("sqlite://").turns is None  # in memory: one process owns it

    def test_a_nested_write_in_the_same_thread_needs_no_second_turn(self, tmp_path: Path) -> None:
        db = file_db(tmp_path)
        assert db.turns is not None
        with db.writer_turn(), db.begin() as conn:  # would wait for itself otherwise
            conn.execute(text("INSERT INTO t VALUES ('nested')"))
        with db.read() as conn:
            assert conn.execute(text("SELECT who FROM t")).scalars().all() == ["nested"]

    def test_a_writer_waits_for_another_processs_turn_and_goes_when_it_ends(
        self, tmp_path: Path
    ) -> None:
        db = file_db(tmp_path)
        assert db.turns is not None
        # A lock on the file through another open file description, as another process has.
        fd = os.open(db.turns.lock_path, os.O_RDWR)
        wrote_at: list[float] = []

        def write() -> None:
            with db.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES ('after')"))
            wrote_at.append(time.monotonic())

        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            thread = threading.Thread(target=write)
            thread.start()
            time.sleep(0.2)
            assert not wrote_at  # still waiting for the other process
            fcntl.flock(fd, fcntl.LOCK_UN)
            thread.join(5)
        finally:
            os.close(fd)
        assert wrote_at  # it went once the other process's turn ended

    def test_a_thread_in_its_turn_too_long_makes_the_others_give_up(self, tmp_path: Path) -> None:
        db = file_db(tmp_path, busy_timeout_ms=100)
        holding, done = threading.Event(), threading.Event()

        def hold() -> None:
            with db.begin():
                holding.set()
                done.wait(5)

        thread = threading.Thread(target=hold)
        thread.start()
        holding.wait(5)
        try:
            with pytest.raises(StoreUnavailable, match="no write turn"), db.begin():
                pass
        finally:
            done.set()
            thread.join(5)

    def test_a_busy_writer_does_not_starve_another(self, tmp_path: Path) -> None:
        """One thread commits in a tight loop (as the worker storing plans in a burst);
        another commits now and then (as the writer recording Decidim's answers). Each of
        the second's transactions waits for at most the first's transaction in progress,
        not for SQLite's busy handler to wake up between many of the first's."""
        db = file_db(tmp_path)
        stop = threading.Event()
        busy_count = 0

        def busy() -> None:
            nonlocal busy_count
            while not stop.is_set():
                with db.begin() as conn:
                    conn.execute(text("INSERT INTO t VALUES ('busy')"))
                    time.sleep(0.002)  # a transaction that does some work
                busy_count += 1

        thread = threading.Thread(target=busy)
        thread.start()
        wait_until(lambda: busy_count > 5)
        passed_by = []
        try:
            for _ in range(20):
                before = busy_count
                with db.begin() as conn:
                    passed_by.append(busy_count - before)
                    conn.execute(text("INSERT INTO t VALUES ('other')"))
                time.sleep(0.005)
        finally:
            stop.set()
            thread.join(5)
        # The one in progress when asking (and one whose count was not yet made then).
        assert max(passed_by) <= 2, passed_by


def test_a_lock_file_that_cannot_be_opened_is_the_database_unavailable(tmp_path: Path) -> None:
    turns = turns_for(str(tmp_path / "gone" / "bridge.sqlite3-writer.lock"))
    for _ in range(2):  # the second is told the same: the first gave the thread lock back
        with (
            pytest.raises(StoreUnavailable, match=r"cannot take the write turn on .*gone"),
            turns.turn(0.2),
        ):
            pass
