"""Tests for decidim_bridge.store.group_commit, on SQLite and PostgreSQL, and through the app.

Batches are made deterministic with a gate: the first batch is held inside its transaction
until the other callers have queued behind it (in a known order), so they all land in the
second batch.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable, Sequence
from typing import Any

import pytest
from conftest import dumps, envelope, standard_headers, wait_until
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from decidim_bridge.app import create_app
from decidim_bridge.errors import StoreUnavailable
from decidim_bridge.store import Database, inbox
from decidim_bridge.store.group_commit import GroupCommitter
from decidim_bridge.store.schema import inbox as inbox_table

SHA_A = "a" * 64
SHA_B = "b" * 64


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request: pytest.FixtureRequest) -> Database:
    return request.getfixturevalue("db" if request.param == "sqlite" else "pg_db")


def item(key: str, sha: str = SHA_A) -> inbox.NewDelivery:
    return inbox.NewDelivery(
        tenant="localhost",
        source="decidim",
        delivery_key=key,
        event_type="decidim.events.proposals.proposal_published",
        subject="proposal:1",
        body="{}",
        body_sha256=sha,
        now=100.0,
    )


class Gate:
    """A ``store_batch`` that records batches and holds the first one until released."""

    def __init__(self, store: Callable[[Any, Sequence[Any]], Any] = inbox.store_deliveries):
        self.store = store
        self.batches: list[list[str]] = []
        self.holding = threading.Event()
        self.release = threading.Event()

    def __call__(self, conn: Any, items: Sequence[inbox.NewDelivery]) -> Any:
        self.batches.append([i.delivery_key for i in items])
        if len(self.batches) == 1:
            self.holding.set()
            self.release.wait(10)
        return self.store(conn, items)


class Callers:
    """Threads that each call ``fn(arg)``; results and errors by position."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []
        self.results: dict[int, Any] = {}
        self.errors: dict[int, BaseException] = {}

    def start(self, fn: Callable[[Any], Any], arg: Any) -> None:
        index = len(self.threads)

        def run() -> None:
            try:
                self.results[index] = fn(arg)
            except BaseException as exc:
                self.errors[index] = exc

        thread = threading.Thread(target=run)
        self.threads.append(thread)
        thread.start()

    def join(self) -> None:
        for thread in self.threads:
            thread.join(20)
            assert not thread.is_alive()


def run_gated(
    committer: GroupCommitter[Any, Any], gate: Gate, submit: Callable[[Any], Any], args: list[Any]
) -> Callers:
    """First arg leads and is held; the others queue in order behind it; then release."""
    callers = Callers()
    callers.start(submit, args[0])
    assert gate.holding.wait(10)
    for position, arg in enumerate(args[1:], start=1):
        callers.start(submit, arg)
        wait_until(lambda position=position: committer.queued == position)
    gate.release.set()
    callers.join()
    return callers


def stored(db: Database) -> dict[str, tuple[int, str]]:
    with db.read() as conn:
        rows = conn.execute(
            select(inbox_table.c.delivery_key, inbox_table.c.id, inbox_table.c.body_sha256)
        )
        return {r.delivery_key: (int(r.id), r.body_sha256) for r in rows}


class TestCommitter:
    def test_every_acknowledged_item_is_committed(self, any_db: Database) -> None:
        gate = Gate()
        committer = GroupCommitter(any_db, gate)
        keys = ["first"] + [f"k{i}" for i in range(12)]
        callers = run_gated(committer, gate, lambda k: committer.submit(item(k)), keys)
        committer.close()

        assert callers.errors == {}
        assert gate.batches == [["first"], keys[1:]]
        rows = stored(any_db)
        for position, key in enumerate(keys):
            result = callers.results[position]
            assert result.duplicate is False
            assert rows[key][0] == result.id
        assert len({r.id for r in callers.results.values()}) == len(keys)

    @pytest.mark.parametrize("single_write", [False, True])
    def test_duplicates_in_one_batch_are_stored_once(
        self, any_db: Database, single_write: bool
    ) -> None:
        gate = Gate()
        committer = GroupCommitter(any_db, gate, single_write=single_write)
        items = [item("first"), item("a"), item("b"), item("a"), item("a", SHA_B), item("b")]
        callers = run_gated(committer, gate, committer.submit, items)
        committer.close()

        assert callers.errors == {}
        assert gate.batches == [["first"], ["a", "b", "a", "a", "b"]]
        r = callers.results
        assert (r[1].duplicate, r[2].duplicate) == (False, False)
        assert [(x.duplicate, x.id) for x in (r[3], r[4])] == [(True, r[1].id), (True, r[1].id)]
        assert (r[3].body_mismatch, r[4].body_mismatch) == (False, True)
        assert (r[5].duplicate, r[5].id, r[5].body_mismatch) == (True, r[2].id, False)
        rows = stored(any_db)
        assert sorted(rows) == ["a", "b", "first"]
        assert rows["a"] == (r[1].id, SHA_A)

    def test_duplicate_of_an_earlier_batch(self, any_db: Database) -> None:
        committer = GroupCommitter(any_db, inbox.store_deliveries)
        first = committer.submit(item("x"))
        again = committer.submit(item("x"))
        committer.close()
        assert (first.duplicate, again.duplicate, again.id) == (False, True, first.id)

    def test_single_write_runs_in_autocommit_on_postgresql_only(self, any_db: Database) -> None:
        seen: list[bool] = []

        def store(conn: Any, items: Sequence[inbox.NewDelivery]) -> Any:
            seen.append(getattr(conn.connection.dbapi_connection, "autocommit", None) is True)
            return inbox.store_deliveries(conn, items)

        for single_write in (False, True):
            committer = GroupCommitter(any_db, store, single_write=single_write)
            assert committer.submit(item(f"k{single_write}")).duplicate is False
            committer.close()
        assert seen == [False, any_db.is_postgres]
        assert sorted(stored(any_db)) == ["kFalse", "kTrue"]

    def test_database_failure_fails_the_whole_batch(self, any_db: Database) -> None:
        def insert_then_fail(conn: Any, items: Sequence[inbox.NewDelivery]) -> Any:
            results = inbox.store_deliveries(conn, items)
            if len(items) > 1:
                raise OperationalError("COMMIT", {}, Exception("disk I/O error"))
            return results

        gate = Gate(insert_then_fail)
        committer = GroupCommitter(any_db, gate)
        keys = ["first", "k1", "k2", "k3"]
        callers = run_gated(committer, gate, lambda k: committer.submit(item(k)), keys)

        assert callers.results[0].duplicate is False
        assert sorted(callers.errors) == [1, 2, 3]
        assert all(isinstance(e, StoreUnavailable) for e in callers.errors.values())
        assert sorted(stored(any_db)) == ["first"]
        # The committer recovers with a fresh connection.
        assert committer.submit(item("k1")).duplicate is False
        committer.close()
        assert sorted(stored(any_db)) == ["first", "k1"]

    def test_one_bad_item_fails_alone(self, db: Database) -> None:
        def refuse_poison(conn: Any, items: Sequence[inbox.NewDelivery]) -> Any:
            if any(i.delivery_key == "poison" for i in items):
                raise ValueError("poison")
            return inbox.store_deliveries(conn, items)

        gate = Gate(refuse_poison)
        committer = GroupCommitter(db, gate)
        keys = ["first", "k1", "poison", "k2"]
        callers = run_gated(committer, gate, lambda k: committer.submit(item(k)), keys)
        committer.close()

        assert list(callers.errors) == [2]
        assert isinstance(callers.errors[2], ValueError)
        assert sorted(stored(db)) == ["first", "k1", "k2"]
        assert {callers.results[i].id for i in (0, 1, 3)} == {v[0] for v in stored(db).values()}

    def test_caller_that_waited_too_long_withdraws(self, db: Database) -> None:
        gate = Gate()
        committer = GroupCommitter(db, gate, wait_seconds=0.05)
        callers = Callers()
        callers.start(lambda k: committer.submit(item(k)), "first")
        assert gate.holding.wait(10)
        with pytest.raises(StoreUnavailable):
            committer.submit(item("late"))
        assert committer.queued == 0
        gate.release.set()
        callers.join()
        committer.close()

        assert callers.errors == {}
        assert gate.batches == [["first"]]
        assert sorted(stored(db)) == ["first"]


# --- through the Flask app -------------------------------------------------------------------


def app_for(settings: Any, database: Database, **changes: Any) -> Any:
    return create_app(dataclasses.replace(settings, database_url=database.url, **changes))


def gate_app(app: Any, store: Callable[[Any, Sequence[Any]], Any] = inbox.store_deliveries):
    committer = app.extensions["bridge"].committer
    gate = Gate(store)
    committer.store_batch = gate
    return committer, gate


def post(app: Any, request: tuple[bytes, dict[str, str]]) -> Any:
    body, headers = request
    return app.test_client().post("/webhooks/decidim", data=body, headers=headers)


def signed(msg_id: str, proposal_id: int = 42) -> tuple[bytes, dict[str, str]]:
    body = dumps(envelope(proposal_id=proposal_id))
    return body, standard_headers(body, msg_id=msg_id)


def inbox_count(db: Database) -> int:
    with db.read() as conn:
        return int(conn.execute(select(func.count()).select_from(inbox_table)).scalar_one())


class TestThroughTheApp:
    def test_duplicates_in_one_batch_get_202_then_200(
        self, settings: Any, any_db: Database
    ) -> None:
        app = app_for(settings, any_db)
        committer, gate = gate_app(app)
        same = signed("msg_same")
        requests = [signed("msg_first"), same, signed("msg_other", 7), same, same]
        callers = run_gated(committer, gate, lambda r: post(app, r), requests)
        committer.close()

        assert callers.errors == {}
        assert gate.batches == [["msg_first"], ["msg_same", "msg_other", "msg_same", "msg_same"]]
        codes = [callers.results[i].status_code for i in range(5)]
        assert codes == [202, 202, 202, 200, 200]
        ids = [callers.results[i].get_json()["inbox_id"] for i in range(5)]
        assert ids[3] == ids[1] and ids[4] == ids[1]
        assert callers.results[3].get_json()["status"] == "duplicate"
        assert sorted(stored(any_db)) == ["msg_first", "msg_other", "msg_same"]

    def test_failed_batch_answers_503_and_acknowledges_nothing(
        self, settings: Any, any_db: Database
    ) -> None:
        def insert_then_fail(conn: Any, items: Sequence[Any]) -> Any:
            inbox.store_deliveries(conn, items)
            raise OperationalError("COMMIT", {}, Exception("could not connect to server"))

        app = app_for(settings, any_db)
        committer, gate = gate_app(app, insert_then_fail)
        requests = [signed(f"msg_{i}", i) for i in range(4)]
        callers = run_gated(committer, gate, lambda r: post(app, r), requests)
        committer.close()

        assert callers.errors == {}
        responses = [callers.results[i] for i in range(4)]
        assert [r.status_code for r in responses] == [503] * 4
        assert all(r.headers.get("Retry-After") for r in responses)
        assert all(r.get_json()["code"] == "store_unavailable" for r in responses)
        # The lost answer of a COMMIT on SQLite: rolled back, a retry is new. On PostgreSQL
        # the intake's one INSERT runs in autocommit, so a failure after it leaves the rows
        # stored: a retry is answered as a duplicate. Either way each is stored exactly once.
        assert inbox_count(any_db) == (4 if any_db.is_postgres else 0)
        committer.store_batch = inbox.store_deliveries
        retries = [post(app, signed(f"msg_{i}", i)).status_code for i in range(4)]
        committer.close()
        assert retries == [200 if any_db.is_postgres else 202] * 4
        assert sorted(stored(any_db)) == [f"msg_{i}" for i in range(4)]

    def test_per_request_path_when_group_commit_is_off(self, settings: Any, db: Database) -> None:
        app = app_for(settings, db, group_commit=False)
        assert app.extensions["bridge"].committer is None
        first = post(app, signed("msg_a"))
        again = post(app, signed("msg_a"))
        assert (first.status_code, again.status_code) == (202, 200)
        assert stored(db)["msg_a"][0] == first.get_json()["inbox_id"]
