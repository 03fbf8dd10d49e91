"""The outbox table on SQLite and PostgreSQL: once per key, lanes in order, fenced leases."""

from __future__ import annotations

import pytest
from plan_support import at, make_proposal
from writeback_support import outbox_effect as _effect
from writeback_support import store_plan_version

from decidim_bridge.config import Settings
from decidim_bridge.errors import LeaseLost
from decidim_bridge.loop import dead_local_owners
from decidim_bridge.plan_versions import StoredPlan
from decidim_bridge.proposals import Proposal
from decidim_bridge.rules.model import Mappings
from decidim_bridge.store import Database
from decidim_bridge.store import outbox as store
from decidim_bridge.writeback.effects import (
    ANSWER,
    COMMENT,
    DECIDIM_KINDS,
    EVALUATORS,
    NOTE,
    decidim_lane,
)


def _exercise(database) -> None:
    with database.begin() as conn:
        assert len(store.record(conn, [_effect("a" * 64), _effect("b" * 64)], now=1.0)) == 2
        assert store.record(conn, [_effect("a" * 64)], now=2.0) == []
    with database.begin() as conn:
        (first,) = store.claim(conn, owner="w1", now=5.0, lease_seconds=30, limit=5)
    assert first.effect_key == "a" * 64 and first.status == "planned"
    with database.begin() as conn:
        # the second row of the lane waits for the first
        assert store.claim(conn, owner="w2", now=6.0, lease_seconds=30, limit=5) == []
    with database.begin() as conn, pytest.raises(LeaseLost):
        store.mark_done(conn, first.id, owner="w2", now=7.0)
    with database.begin() as conn:
        # lease expired: another writer takes it over and learns the outcome is unknown
        (again,) = store.claim(conn, owner="w2", now=40.0, lease_seconds=30)
    assert again.id == first.id and again.status == "in_flight" and again.attempts == 2
    with database.begin() as conn:
        store.mark_done(conn, again.id, owner="w2", now=41.0, remote_id="7")
        (second,) = store.claim(conn, owner="w2", now=42.0, lease_seconds=30)
    assert second.effect_key == "b" * 64
    with database.read() as conn:
        counts = store.counts(conn)
    assert counts["done"] == 1 and counts["in_flight"] == 1


def test_outbox_on_sqlite(db) -> None:
    _exercise(db)


def test_outbox_on_postgresql(pg_db) -> None:
    _exercise(pg_db)


def test_reads_back_come_before_new_writes(db) -> None:
    """A row whose outcome is unknown is claimed before older planned rows of other lanes:
    reading Decidim back settles it (and unblocks its lane) at the cost of one request."""
    with db.begin() as conn:
        store.record(conn, [_effect("a" * 64, lane="decidim:1")], now=1.0)
        store.record(conn, [_effect("b" * 64, lane="decidim:2")], now=2.0)
        store.record(conn, [_effect("c" * 64, lane="decidim:3")], now=3.0)
    with db.begin() as conn:
        (third,) = store.claim(
            conn, owner="w1", now=10.0, lease_seconds=5, skip_lanes=["decidim:1", "decidim:2"]
        )
        store.reschedule(
            conn, third.id, owner="w1", now=10.0, at=11.0, error="timeout", applied_unknown=True
        )
    with db.begin() as conn:
        (first,) = store.claim(conn, owner="w2", now=12.0, lease_seconds=5)
    assert (first.effect_key, first.status) == ("c" * 64, "in_flight")


def test_leases_of_writers_that_died_on_this_host_end_at_once(db) -> None:
    import os
    import socket
    import subprocess
    import sys

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    dead_owner = f"{socket.gethostname()}:{gone.stdout.strip()}:0123abcd"
    live_owner = f"{socket.gethostname()}:{os.getpid()}:4567ef01"
    other_host = f"elsewhere.example:{gone.stdout.strip()}:89ab0123"
    with db.begin() as conn:
        store.record(conn, [_effect("a" * 64, lane="decidim:1")], now=1.0)
        store.record(conn, [_effect("b" * 64, lane="decidim:2")], now=1.0)
        store.record(conn, [_effect("c" * 64, lane="decidim:3")], now=1.0)
        for owner in (dead_owner, live_owner, other_host):
            store.claim(conn, owner=owner, now=2.0, lease_seconds=600)
    with db.begin() as conn:
        owners = store.leased_owners(conn, now=3.0)
        assert owners == {dead_owner, live_owner, other_host}
        dead = dead_local_owners(owners, host=socket.gethostname())
        assert dead == {dead_owner}
        assert store.expire_leases(conn, owners=dead, now=3.0) == 1
    with db.begin() as conn:
        (taken,) = store.claim(conn, owner="w9", now=3.5, lease_seconds=5, limit=5)
    assert taken.effect_key == "a" * 64 and taken.status == "in_flight"


def test_comments_come_before_older_writes_of_other_lanes(db) -> None:
    """A resident waits for the comment: in a burst, the comment of a later initiative goes
    before the answer of an earlier one; within a lane the order stays."""
    with db.begin() as conn:
        store.record(conn, [_effect("a" * 64, lane="decidim:1", kind="decidim_answer")], now=1.0)
        store.record(conn, [_effect("b" * 64, lane="decidim:2")], now=2.0)
        store.record(conn, [_effect("c" * 64, lane="decidim:2", kind="decidim_answer")], now=3.0)
    with db.begin() as conn:
        claimed = store.claim(conn, owner="w1", now=10.0, lease_seconds=5, limit=5)
    assert [r.effect_key[0] for r in claimed] == ["b", "a"]


def test_the_store_names_the_comment_kind_as_the_write_back_does() -> None:
    from decidim_bridge.writeback.effects import COMMENT

    assert store.COMMENT_KIND == COMMENT


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request):
    return request.getfixturevalue("db" if request.param == "sqlite" else "pg_db")


def _burst(database) -> None:
    """25 proposals of space A with an answer then a comment each (50 rows), then the
    comment of one proposal of space B."""
    with database.begin() as conn:
        for n in range(25):
            for kind in ("decidim_answer", "decidim_comment"):
                key = f"{kind[8]}{n:02d}".ljust(64, "x")
                store.record(conn, [_effect(key, f"decidim:{n}", kind, "A")], now=1.0 + n)
        store.record(conn, [_effect("b".ljust(64, "x"), "decidim:900", space="B")], now=30.0)


def _name(row) -> str:
    return row.effect_key.rstrip("x")


def test_spaces_take_turns_one_claim_at_a_time(any_db) -> None:
    """B's comment goes in the first turn, not after A's 50 writes (before A's first
    answer even: neither space was served, and comments go first); within A the oldest
    first and each proposal's writes in their order (its answer before its comment)."""
    _burst(any_db)
    order = []
    for step in range(51):
        with any_db.begin() as conn:
            (row,) = store.claim(conn, owner="w1", now=100.0 + step, lease_seconds=5)
            store.mark_done(conn, row.id, owner="w1", now=100.5 + step)
        order.append(_name(row))
    assert order[:2] == ["b", "a00"]
    within_a = order[1:]
    for n in range(25):
        assert within_a.index(f"a{n:02d}") < within_a.index(f"c{n:02d}")
    # Oldest first: as each answer is done its comment is claimable, and comments first.
    assert within_a[:5] == ["a00", "c00", "a01", "c01", "a02"]


def test_comments_first_within_a_space_and_turns_across(any_db) -> None:
    rows = [
        ("p", "decidim:1", "decidim_answer", "A"),
        ("q", "decidim:2", "decidim_comment", "A"),
        ("r", "decidim:3", "decidim_comment", "A"),
        ("s", "decidim:4", "decidim_comment", "B"),
        ("t", "decidim:5", "decidim_answer", "B"),
    ]
    with any_db.begin() as conn:
        for at, (name, lane, kind, space) in enumerate(rows, start=1):
            store.record(conn, [_effect(name.ljust(64, "x"), lane, kind, space)], now=at)
    with any_db.begin() as conn:
        claimed = store.claim(conn, owner="w1", now=10.0, lease_seconds=5, limit=5)
    # Rank 1 of A (its oldest comment) and of B, then rank 2 of each, then A's answer.
    assert [_name(r) for r in claimed] == ["q", "s", "r", "t", "p"]
    assert {r.claimed_at for r in claimed} == {10.0}


def test_unknown_outcome_still_comes_before_the_turns(any_db) -> None:
    _burst(any_db)
    with any_db.begin() as conn:
        (first,) = store.claim(conn, owner="w1", now=100.0, lease_seconds=5)
        store.reschedule(
            conn, first.id, owner="w1", now=100.0, at=101.0, error="timeout", applied_unknown=True
        )
    with any_db.begin() as conn:
        (again,) = store.claim(conn, owner="w1", now=102.0, lease_seconds=5)
    assert again.id == first.id and again.status == "in_flight"


def test_a_claim_of_one_class_of_lanes_sees_only_those_lanes(any_db) -> None:
    """The Decidim writer and the mail sender each claim from their own lanes: an older
    mail is not the Decidim writer's, an older Decidim write not the mail sender's."""
    with any_db.begin() as conn:
        store.record(
            conn,
            [
                _effect("m1" * 32, lane="mail:m1", kind="mail"),
                _effect("c1" * 32, lane="decidim:1"),
                _effect("m2" * 32, lane="mail:m2", kind="mail"),
                _effect("c2" * 32, lane="decidim:2"),
            ],
            now=1.0,
        )
    with any_db.begin() as conn:
        decidim = store.claim(
            conn, owner="w", now=5.0, lease_seconds=30, lane_prefix="decidim:", limit=5
        )
        mails = store.claim(
            conn, owner="m", now=5.0, lease_seconds=30, lane_prefix="mail:", limit=5
        )
        rest = store.claim(conn, owner="x", now=5.0, lease_seconds=30, limit=5)
    assert sorted(r.lane for r in decidim) == ["decidim:1", "decidim:2"]
    assert sorted(r.lane for r in mails) == ["mail:m1", "mail:m2"]
    assert rest == []


def test_a_lane_prefix_is_matched_literally(db) -> None:
    """A prefix is text, not a pattern: ``_`` and ``%`` in it match only themselves."""
    with db.begin() as conn:
        store.record(conn, [_effect("a" * 64, lane="mailx1", kind="mail")], now=1.0)
        assert store.claim(conn, owner="w", now=5.0, lease_seconds=30, lane_prefix="mail_") == []
        assert store.claim(conn, owner="w", now=5.0, lease_seconds=30, lane_prefix="%") == []
        (row,) = store.claim(conn, owner="w", now=5.0, lease_seconds=30, lane_prefix="mailx")
    assert row.lane == "mailx1"


def test_live_writes_are_due_or_in_flight_rows_of_the_lanes_asked(db) -> None:
    with db.begin() as conn:
        store.record(conn, [_effect("m" * 64, lane="mail:m", kind="mail")], now=1.0)
        assert store.has_due(conn, now=5.0, lane_prefix="decidim:") is False
        store.record(conn, [_effect("c" * 64, lane="decidim:1")], now=3.0)
        assert store.has_due(conn, now=2.0, lane_prefix="decidim:") is False  # not due yet
        assert store.has_due(conn, now=2.0, lane_prefix="decidim:", horizon=1.0) is True
        assert store.has_due(conn, now=5.0, lane_prefix="decidim:") is True
        (row,) = store.claim(conn, owner="w", now=5.0, lease_seconds=30, lane_prefix="decidim:")
        assert store.has_due(conn, now=6.0, lane_prefix="decidim:") is True  # being written
        store.mark_done(conn, row.id, owner="w", now=7.0)
        assert store.has_due(conn, now=8.0, lane_prefix="decidim:") is False
        assert store.has_due(conn, now=8.0, lane_prefix="mail:") is True


class _WithModule:
    """A Decidim whose decidim-bridge module takes evaluators and private notes too."""

    can_comment = True
    can_answer = True
    can_assign_evaluators = True
    can_write_notes = True

    def capabilities(self) -> _WithModule:
        return self


def _store_version(
    database: Database, settings: Settings, mappings: Mappings, proposal: Proposal, now: float
) -> StoredPlan:
    """Store a plan version with the writes a Decidim with the module takes."""
    return store_plan_version(
        database, settings, mappings, proposal, now=now, decidim=_WithModule()
    )


def test_following_rows_are_of_the_claimed_rows_plan_version_only(
    any_db, settings, mappings
) -> None:
    garden = "Buurtmoestuin in de Vogelwijk"
    start = at("2027-04-20T11:00:00+02:00")
    first = _store_version(
        any_db, settings, mappings, make_proposal(garden, taxonomies=("Noord", "Groen")), start
    )
    moved = make_proposal(garden, taxonomies=("Zuid", "Groen"))  # a new district: version 2
    second = _store_version(any_db, settings, mappings, moved, start + 3600)
    assert (first.version, second.version, second.created) == (1, 2, True)
    with any_db.read() as conn:
        every = store.rows_for_proposal(conn, tenant="localhost", proposal_id="42")
    lane = [r for r in every if r.lane == decidim_lane("42")]
    # Version 2 retired version 1's public writes that had not started; version 1's
    # evaluators and note are still to go, in the lane before version 2's writes. Both
    # versions' mails lie between them by id, in lanes of their own.
    assert [(r.plan_version, r.kind, r.status) for r in lane] == [
        (1, COMMENT, "superseded"),
        (1, ANSWER, "superseded"),
        (1, EVALUATORS, "planned"),
        (1, NOTE, "planned"),
        (2, COMMENT, "planned"),
        (2, ANSWER, "planned"),
        (2, EVALUATORS, "planned"),
        (2, NOTE, "planned"),
    ]
    assert {r.plan_version for r in every if r.lane != lane[0].lane} == {1, 2}
    ids = [r.id for r in lane]
    assert ids != list(range(ids[0], ids[0] + len(ids)))
    now = start + 7200

    def take(owner: str) -> list[store.OutboxRow]:
        with any_db.begin() as conn:
            claimed = store.claim(conn, owner=owner, now=now, lease_seconds=30, kinds=DECIDIM_KINDS)
            if not claimed:
                return []
            following = store.claim_following(
                conn,
                claimed[0],
                owner=owner,
                now=now,
                lease_seconds=30,
                kinds=DECIDIM_KINDS,
                slots=lambda r: 1,
                max_slots=10,
            )
        return [*claimed, *following]

    version_1 = take("w1")
    assert [r.id for r in version_1] == [lane[2].id, lane[3].id]
    assert {r.plan_version for r in version_1} == {1}
    with any_db.read() as conn:
        waiting = store.rows_for_proposal(conn, tenant="localhost", proposal_id="42")
    assert {(r.status, r.attempts) for r in waiting if r.id in {x.id for x in lane[4:]}} == {
        ("planned", 0)
    }
    # Version 2's writes wait in the lane until version 1's are settled.
    assert take("w2") == []
    with any_db.begin() as conn:
        for row in version_1:
            store.mark_done(conn, row.id, owner="w1", now=now)
    version_2 = take("w2")
    assert [r.id for r in version_2] == [r.id for r in lane[4:]]
    assert {r.plan_version for r in version_2} == {2}
