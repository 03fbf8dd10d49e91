"""``store.plans.apply_holds`` checks a catalogue hold for its period: holds of the last
unit in periods that do not overlap both succeed, overlapping ones do not (SQLite and
PostgreSQL)."""

from __future__ import annotations

import pytest

from decidim_bridge.store import plans as store
from decidim_bridge.store.plans import Conflict, WantedHold

TENANT = "periods.example"
NOW = 1_800_000_000.0
DAY = 86400.0


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request):
    database = request.getfixturevalue("db" if request.param == "sqlite" else "pg_db")
    with database.begin() as conn:  # one plot: the last unit
        store.sync_reference_rows(conn, TENANT, {("resource", "perceel"): 1}, [])
    return database


def hold(first_day: int | None, last_day: int | None, status: str = "held") -> WantedHold:
    """One unit from ``first_day`` (None: from now) to ``last_day`` days after now."""
    return WantedHold(
        "resource",
        "perceel",
        1,
        status,
        NOW,
        None if last_day is None else NOW + last_day * DAY,
        None if first_day is None else NOW + first_day * DAY,
    )


def take(database, proposal_id: str, wanted: WantedHold, now: float = NOW) -> None:
    with database.begin() as conn:
        current = store.active_holds(conn, TENANT, proposal_id)
        store.apply_holds(conn, TENANT, proposal_id, [wanted], current, now)


def rows(database):
    with database.read() as conn:
        return store.holds(conn, TENANT)


def test_holds_of_the_last_unit_in_periods_apart_both_succeed(database):
    take(database, "june", hold(150, 170))
    take(database, "march", hold(None, 60))  # from now: before June
    take(database, "september", hold(220, 240))
    assert [(r.proposal_id, r.starts_at) for r in rows(database)] == [
        ("june", NOW + 150 * DAY),
        ("march", None),
        ("september", NOW + 220 * DAY),
    ]
    with database.read() as conn:
        assert store.stock(conn, TENANT)[("resource", "perceel")] == (1, 3)


@pytest.mark.parametrize(
    "wanted",
    [
        hold(160, 180),  # overlaps the end of June
        hold(140, 155),  # overlaps its start
        hold(None, 151),  # a plain hold running into it
        hold(None, None, "confirmed"),  # for good
    ],
)
def test_an_overlapping_hold_of_the_last_unit_fails(database, wanted):
    take(database, "june", hold(150, 170))
    with pytest.raises(Conflict):
        take(database, "other", wanted)
    assert [r.proposal_id for r in rows(database)] == ["june"]  # rolled back
    with database.read() as conn:
        assert store.stock(conn, TENANT)[("resource", "perceel")] == (1, 1)


def test_a_period_that_lapsed_no_longer_counts(database):
    take(database, "spring", hold(None, 30))
    with pytest.raises(Conflict):
        take(database, "other", hold(10, 40))
    take(database, "other", hold(None, 60), now=NOW + 31 * DAY)  # not expired by the job yet
    assert {r.proposal_id for r in rows(database)} == {"spring", "other"}


def test_moving_a_hold_into_another_hold_s_period_fails(database):
    take(database, "june", hold(150, 170))
    take(database, "other", hold(200, 210))
    with pytest.raises(Conflict):
        take(database, "other", hold(165, 175))
    take(database, "plain", hold(None, 30))
    with pytest.raises(Conflict):  # confirming a plain hold makes it last for good
        take(database, "plain", hold(None, None, "confirmed"))
