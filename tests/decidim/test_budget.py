"""The shared request budget: never more than the limit per minute window, across clients.

Calls are counted per window from the times the mocked Decidim saw them (on the fake clock).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
import responses

from decidim_bridge.decidim.budget import RequestBudget, next_window, window_start
from decidim_bridge.errors import DecidimRateLimited
from decidim_bridge.store import Database
from decidim_bridge.store import budget as budget_store

API = "http://decidim.test:3000/api"
SIGN_IN = "http://decidim.test:3000/api/sign_in"


class RecordingDecidim:
    """A mocked Decidim that answers every call and notes when (fake clock) it came."""

    def __init__(self, mock: responses.RequestsMock, clock: Any, proposal: Any, jwt: str) -> None:
        self.times: list[float] = []
        self.clock = clock

        def sign_in(_request: Any) -> tuple[int, dict[str, str], str]:
            self.times.append(clock.now)
            return 200, {"Authorization": f"Bearer {jwt}"}, "{}"

        def graphql(_request: Any) -> tuple[int, dict[str, str], str]:
            self.times.append(clock.now)
            return 200, {"Content-Type": "application/json"}, proposal

        mock.add_callback(responses.POST, SIGN_IN, callback=sign_in)
        mock.add_callback(responses.POST, API, callback=graphql)

    def per_window(self) -> Counter[int]:
        return Counter(window_start(t) for t in self.times)


@pytest.fixture
def recording(mock: Any, clock: Any, recorded_answer: Any, make_jwt_token: str) -> RecordingDecidim:
    import json

    return RecordingDecidim(
        mock, clock, json.dumps(recorded_answer("proposal-200")), make_jwt_token
    )


@pytest.fixture
def make_jwt_token(clock: Any) -> str:
    import jwt

    return jwt.encode({"sub": "7", "exp": int(clock.now + 86400)}, "k" * 32, algorithm="HS256")


def test_window_arithmetic() -> None:
    assert window_start(1_800_000_059.9) == 1_800_000_000
    assert window_start(1_800_000_060.0) == 1_800_000_060
    assert next_window(1_800_000_005.0) == 1_800_000_060.0


def test_200_calls_never_exceed_60_per_window(
    recording: RecordingDecidim, make_client: Any, clock: Any
) -> None:
    client = make_client()

    for _ in range(200):
        assert client.fetch_proposal(5, 11) is not None

    per_window = recording.per_window()
    assert sum(per_window.values()) == 201  # one sign-in + 200 queries
    assert max(per_window.values()) == 60
    # The budget is used, not wasted: every window but the last is full.
    windows = sorted(per_window)
    assert [per_window[w] for w in windows[:-1]] == [60, 60, 60]
    assert per_window[windows[-1]] == 21
    # Each wait ended exactly at a window boundary.
    assert len(clock.sleeps) == 3
    assert clock.sleeps[0] == pytest.approx(55.0)
    assert clock.sleeps[1:] == [pytest.approx(60.0), pytest.approx(60.0)]


def test_two_clients_on_one_sqlite_database_share_the_budget(
    recording: RecordingDecidim, make_client: Any, settings: Any
) -> None:
    other_db = Database(settings.database_url)  # a second engine, as another process has
    try:
        first = make_client()
        second = make_client(database=other_db)
        for i in range(200):
            (first if i % 2 == 0 else second).fetch_proposal(5, 11)
    finally:
        other_db.dispose()

    per_window = recording.per_window()
    assert sum(per_window.values()) == 202  # two sign-ins
    assert max(per_window.values()) == 60
    assert sorted(per_window.values(), reverse=True)[:3] == [60, 60, 60]


def test_a_limited_share_leaves_room_for_others(
    recording: RecordingDecidim, make_client: Any, clock: Any
) -> None:
    client = make_client()
    poller = client.limited(share=0.5, wait=False)

    for _ in range(29):  # 1 sign-in + 29 queries = 30 = half of 60
        poller.fetch_proposal(5, 11)
    with pytest.raises(DecidimRateLimited) as caught:
        poller.fetch_proposal(5, 11)
    assert caught.value.retry_after == pytest.approx(55.0)

    for _ in range(30):  # the full client still has the other half
        client.fetch_proposal(5, 11)
    with pytest.raises(DecidimRateLimited):
        client.limited(wait=False).fetch_proposal(5, 11)

    assert recording.per_window() == Counter({window_start(clock.now): 60})


def test_spent_budget_raises_without_waiting_when_asked(db: Database, clock: Any) -> None:
    budget = RequestBudget(db, host="h:1", tenant="t", per_minute=2, clock=clock, sleep=clock.sleep)
    budget.acquire()
    budget.acquire()

    with pytest.raises(DecidimRateLimited) as caught:
        budget.acquire(wait=False)

    assert caught.value.retry_after == pytest.approx(55.0)
    assert clock.sleeps == []
    budget.acquire()  # waits for the next window
    assert clock.sleeps == [pytest.approx(55.0)]
    assert budget.used() == 1


def test_spent_until_says_when_a_slot_is_free_again(db: Database, clock: Any) -> None:
    budget = RequestBudget(db, host="h:1", tenant="t", per_minute=4, clock=clock, sleep=clock.sleep)
    budget.acquire()
    budget.acquire()
    assert budget.spent_until() is None
    assert budget.spent_until(share=0.5) == budget.next_window(clock.now)  # 2 of 4 is its half
    budget.acquire()
    budget.acquire()
    assert budget.spent_until() == budget.next_window(clock.now)
    clock.now = budget.next_window(clock.now)
    assert budget.spent_until() is None


def test_share_must_be_a_fraction(db: Database, clock: Any) -> None:
    budget = RequestBudget(db, host="h:1", tenant="t", per_minute=60, clock=clock)
    assert budget.limit_for(0.5) == 30
    assert budget.limit_for(0.01) == 1
    with pytest.raises(ValueError):
        budget.limit_for(0)
    with pytest.raises(ValueError):
        budget.limit_for(1.5)


def test_old_windows_are_pruned(db: Database, clock: Any) -> None:
    budget = RequestBudget(db, host="h:1", tenant="t", per_minute=5, clock=clock, sleep=clock.sleep)
    budget.acquire()
    first_window = window_start(clock.now)
    clock.advance(7200)
    budget.acquire()

    with db.read() as conn:
        assert budget_store.used(conn, host="h:1", window_start=first_window) == 0
        assert budget_store.used(conn, host="h:1", window_start=window_start(clock.now)) == 1


def _concurrent_takes(databases: list[Database], *, threads: int, each: int) -> int:
    """How many of threads*each concurrent takes a 60-request window accepted."""
    taken: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def work(database: Database) -> None:
        start.wait()
        mine = 0
        for _ in range(each):
            with database.begin() as conn:
                if (
                    budget_store.take(
                        conn, host="h:1", tenant="t", window_start=60, limit=60, now=61.0
                    )
                    is not None
                ):
                    mine += 1
        with lock:
            taken.append(mine)

    workers = [
        threading.Thread(target=work, args=(databases[i % len(databases)],)) for i in range(threads)
    ]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return sum(taken)


def test_concurrent_takes_on_sqlite_stop_at_the_limit(db: Database, settings: Any) -> None:
    other = Database(settings.database_url)
    try:
        assert _concurrent_takes([db, other], threads=6, each=20) == 60
    finally:
        other.dispose()
    with db.read() as conn:
        assert budget_store.used(conn, host="h:1", window_start=60) == 60


def test_concurrent_takes_on_postgresql_stop_at_the_limit(pg_db: Database, pg_url: str) -> None:
    other = Database(pg_url)
    try:
        assert _concurrent_takes([pg_db, other], threads=6, each=20) == 60
    finally:
        other.dispose()


def test_two_clients_on_postgresql_share_the_budget(
    recording: RecordingDecidim,
    make_client: Callable[..., Any],
    pg_db: Database,
    pg_url: str,
    clock: Any,
) -> None:
    other_db = Database(pg_url)
    try:
        first = make_client(database=pg_db)
        second = make_client(database=other_db).limited(wait=False)
        for _ in range(59):
            first.fetch_proposal(5, 11)  # 1 sign-in + 59 = 60

        with pytest.raises(DecidimRateLimited):
            second.fetch_proposal(5, 11)  # not even its sign-in may go out
        assert len(recording.times) == 60

        clock.advance(next_window(clock.now) - clock.now)
        second.fetch_proposal(5, 11)
        assert recording.per_window()[window_start(clock.now)] == 2  # its sign-in + query
    finally:
        other_db.dispose()
