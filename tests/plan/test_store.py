"""Storing plans (``pipeline.save_plan`` over ``store.plans``): versions, holds, loads,
lifecycle, expiry, hold periods, and two PostgreSQL workers racing for the last item (in
the same period or not) or the last place in an advisor's list."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import date

from plan_support import at, make_proposal
from sqlalchemy import update

from decidim_bridge import pipeline, plan_versions
from decidim_bridge.pipeline import release_expired_holds, save_plan, sync_reference_rows
from decidim_bridge.plan_versions import StoredPlan
from decidim_bridge.store import plans as store
from decidim_bridge.store.schema import advisor_loads, plan_holds

NOW = at("2027-04-20T11:00:00+02:00")
MARCH = "2027-03-01T09:00:00+01:00"
DAY = 86400.0
MOESTUIN = "Buurtmoestuin in de Vogelwijk"  # wants the one plot on Kievitlaan


def save(db, mappings, proposal, now=NOW, tenant="localhost"):
    with db.begin() as conn:
        return save_plan(
            conn,
            tenant=tenant,
            proposal=proposal,
            mappings=mappings,
            now=now,
            space_key="wijkinitiatieven",
        )


def reserved(db, kind, item, tenant="localhost"):
    with db.read() as conn:
        return store.stock(conn, tenant)[(kind, item)][1]


def loads(db, tenant="localhost"):
    with db.read() as conn:
        return store.loads(conn, tenant)


def statuses(db, proposal_id, tenant="localhost"):
    with db.read() as conn:
        return {(h.kind, h.item_id): h.status for h in store.holds(conn, tenant, proposal_id)}


def offer(stored, resource_id):
    return next(o for o in stored.plan.resources if o.resource_id == resource_id)


class TestVersions:
    def test_first_plan_then_nothing_new_for_the_same_input(self, db, mappings):
        first = save(db, mappings, make_proposal(MOESTUIN))
        assert (first.version, first.created) == (1, True)
        assert first.changes[0].kind == "created"
        again = save(db, mappings, make_proposal(MOESTUIN), now=NOW + 3600)
        assert (again.version, again.created, again.changes) == (1, False, ())
        with db.read() as conn:
            assert [v.version for v in plan_versions.versions(conn, "localhost", "42")] == [1]

    def test_irrelevant_edit_makes_no_version(self, db, mappings):
        save(db, mappings, make_proposal(MOESTUIN, "Met de buren."))
        edited = save(db, mappings, make_proposal(MOESTUIN, "Met al onze buren!"), now=NOW + 60)
        assert not edited.created

    def test_relevant_edit_makes_a_version_with_changes(self, db, mappings):
        save(db, mappings, make_proposal(MOESTUIN))
        edited = save(
            db, mappings, make_proposal(MOESTUIN, "Ook flyers voor de buren."), now=NOW + 60
        )
        assert (edited.version, edited.created) == (2, True)
        assert "resources drukwerk: added" in {c.text for c in edited.changes}
        assert reserved(db, "resource", "drukwerk") == 1
        with db.read() as conn:
            current = plan_versions.current_version(conn, "localhost", "42")
        assert current.version == 2 and current.plan == edited.plan
        assert current.changes == edited.changes

    def test_current_versions_by_stage(self, db, mappings):
        save(db, mappings, make_proposal(proposal_id="1"))
        save(db, mappings, make_proposal(proposal_id="2"))
        save(db, mappings, make_proposal(proposal_id="2", state="rejected"), now=NOW + 60)
        with db.read() as conn:
            everything = plan_versions.current_versions(conn, "localhost")
            still_open = plan_versions.current_versions(conn, "localhost", stage="open")
        assert [(v.proposal_id, v.version) for v in everything] == [("1", 1), ("2", 2)]
        assert [v.proposal_id for v in still_open] == ["1"]

    def test_published_day_agrees_with_the_plans_publication_day(self, db, mappings):
        """``published_day`` reads the stored JSON alone; it says what the plan says."""
        save(db, mappings, make_proposal(proposal_id="1"))  # planned the day it was published
        save(db, mappings, make_proposal(proposal_id="2"), now=NOW + 30 * DAY)  # too late
        with db.read() as conn:
            current = {i: plan_versions.current_version(conn, "localhost", i) for i in "12"}
            days = {i: plan_versions.published_day(conn, "localhost", i) for i in "123"}
        rebased = {i: v.plan.expectations.rebased_from for i, v in current.items()}
        assert rebased == {"1": None, "2": "2027-04-20"}  # both of the rule's cases
        assert current["2"].plan.expectations.start_date != "2027-04-20"
        assert days == {
            **{i: date.fromisoformat(v.plan.expectations.published_on) for i, v in current.items()},
            "3": None,  # not planned
        }
        assert days["1"] == days["2"] == date(2027, 4, 20)

    def test_planning_state_takes_the_callers_copy_only_of_the_heads_version(self, db, mappings):
        save(db, mappings, make_proposal(MOESTUIN))
        with db.read() as conn:
            first = plan_versions.current_version(conn, "localhost", "42")
        edited = save(db, mappings, make_proposal(MOESTUIN, "Ook flyers."), now=NOW + 60)
        assert edited.version == 2
        with db.begin() as conn:
            head = store.lock_head(conn, "localhost", "42", NOW + 120)
            with_old, _ = plan_versions.planning_state(conn, head, now=NOW, current=first)
            with_head_copy, _ = plan_versions.planning_state(
                conn, head, now=NOW, current=replace(first, version=2)
            )
        assert with_old.previous == edited.plan  # an older copy: the head's version is read
        assert with_head_copy.previous is first.plan  # the head's version: taken as given


class TestHoldsAndLoads:
    def test_plan_holds_stock_and_counts_the_lead(self, db, mappings):
        stored = save(db, mappings, make_proposal(MOESTUIN))
        assert reserved(db, "resource", "perceel-kievitlaan") == 1
        assert reserved(db, "budget", "wijkbudget-noord-2027") == 50_000
        assert loads(db)["a-de-vries"] == 1
        assert set(statuses(db, "42").values()) == {"held"}
        assert len(statuses(db, "42")) == len(stored.plan.holds)

    def test_exhaustion_and_release(self, db, mappings):
        save(db, mappings, make_proposal(MOESTUIN, proposal_id="1"))
        second = save(db, mappings, make_proposal(MOESTUIN, proposal_id="2"))
        assert offer(second, "perceel-kievitlaan").status == "unavailable"
        assert reserved(db, "resource", "perceel-kievitlaan") == 1
        save(db, mappings, make_proposal(MOESTUIN, proposal_id="1", state="rejected"))
        assert reserved(db, "resource", "perceel-kievitlaan") == 0
        again = save(db, mappings, make_proposal(MOESTUIN, proposal_id="2"), now=NOW + 60)
        assert offer(again, "perceel-kievitlaan").status == "held"
        assert reserved(db, "resource", "perceel-kievitlaan") == 1

    def test_accept_confirms_then_withdraw_releases_everything(self, db, mappings):
        save(db, mappings, make_proposal(MOESTUIN, "€ 800"))
        accepted = save(db, mappings, make_proposal(MOESTUIN, "€ 800", state="accepted"))
        assert set(statuses(db, "42").values()) == {"confirmed"}
        assert all(h.expires_at is None for h in accepted.plan.holds)
        assert reserved(db, "budget", "wijkbudget-noord-2027") == 80_000
        assert loads(db)["a-de-vries"] == 1
        save(db, mappings, make_proposal(MOESTUIN, "€ 800", state="accepted", withdrawn=True))
        assert set(statuses(db, "42").values()) == {"released"}
        assert reserved(db, "budget", "wijkbudget-noord-2027") == 0
        assert reserved(db, "resource", "perceel-kievitlaan") == 0
        assert loads(db)["a-de-vries"] == 0

    def test_changed_amount_moves_only_the_difference(self, db, mappings):
        save(db, mappings, make_proposal(MOESTUIN, "€ 800"))
        save(db, mappings, make_proposal(MOESTUIN, "€ 1.200"), now=NOW + 60)
        assert reserved(db, "budget", "wijkbudget-noord-2027") == 120_000
        with db.read() as conn:
            budget = [h for h in store.holds(conn, "localhost", "42") if h.kind == "budget"]
        assert [(h.quantity, h.status) for h in budget] == [(120_000, "held")]

    def test_full_advisor_sends_the_next_to_the_coordinator(self, db, mappings):
        save(db, mappings, make_proposal(MOESTUIN, proposal_id="1"))
        with db.begin() as conn:
            conn.execute(
                update(advisor_loads)
                .where(advisor_loads.c.advisor_id == "a-de-vries")
                .values(open_count=8)
            )
        second = save(db, mappings, make_proposal(MOESTUIN, proposal_id="2"))
        assert second.plan.assignment.fallback
        assert loads(db)["c-bakker"] == 1 and loads(db)["a-de-vries"] == 8

    def test_capacity_change_in_the_rules_is_followed(self, db, mappings):
        save(db, mappings, make_proposal(MOESTUIN))
        fewer = replace(
            mappings,
            resources=tuple(
                replace(r, quantity=0) if r.id == "drukwerk" else r for r in mappings.resources
            ),
        )
        stored = save(db, fewer, make_proposal(MOESTUIN, "flyers", proposal_id="9"), now=NOW + 60)
        assert offer(stored, "drukwerk").status == "unavailable"


class TestExpiry:
    def test_lapsed_holds_are_released_and_free_for_others(self, db, mappings):
        first = save(db, mappings, make_proposal(MOESTUIN, proposal_id="1"))
        expiry = offer(first, "perceel-kievitlaan").hold.expires_at
        assert release_expired_holds(db, "localhost", expiry - 1) == 0
        released = release_expired_holds(db, "localhost", expiry + 1)
        assert released == len(first.plan.holds)
        assert set(statuses(db, "1").values()) == {"expired"}
        assert reserved(db, "resource", "perceel-kievitlaan") == 0
        second = save(db, mappings, make_proposal(MOESTUIN, proposal_id="2"), now=expiry + 2)
        assert offer(second, "perceel-kievitlaan").status == "held"

    def test_confirmed_holds_do_not_lapse(self, db, mappings):
        save(db, mappings, make_proposal(MOESTUIN, state="accepted"))
        assert release_expired_holds(db, "localhost", NOW + 365 * DAY) == 0
        assert set(statuses(db, "42").values()) == {"confirmed"}

    def test_expiring_twice_releases_once(self, db, mappings):
        first = save(db, mappings, make_proposal(MOESTUIN))
        later = NOW + 200 * DAY
        with db.read() as conn:
            ids = store.expired_hold_ids(conn, "localhost", later)
        with db.begin() as conn:
            assert store.expire_hold(conn, ids[0], later)
        with db.begin() as conn:
            assert not store.expire_hold(conn, ids[0], later)
        assert len(ids) == len(first.plan.holds)


FENCES = "Hekken om het speelveld"
JANUARY = "2027-01-11T10:00:00+01:00"


def _fences(proposal_id, day="", published=JANUARY, **fields):
    title = f"{FENCES} op {day}" if day else FENCES
    return make_proposal(title, proposal_id=proposal_id, published=published, **fields)


def fence_holds(db, tenant="localhost"):
    with db.read() as conn:
        return [
            h
            for h in store.holds(conn, tenant)
            if h.item_id == "bouwhekken" and h.status in ("held", "confirmed")
        ]


class TestHoldPeriods:
    def test_a_june_hold_made_in_january_leaves_the_stock_free_in_march(self, db, mappings):
        january = at(JANUARY)
        for n in ("1", "2"):  # both sets of fences, for parties on 26 June
            june = save(db, mappings, _fences(n, "26 juni"), now=january)
            assert offer(june, "bouwhekken").status == "held"
        rows = fence_holds(db)
        assert all(date.fromtimestamp(h.starts_at) >= date(2027, 5, 1) for h in rows)
        assert all(date.fromtimestamp(h.expires_at) == date(2027, 6, 26) for h in rows)
        march = at("2027-03-01T10:00:00+01:00")
        spring = save(db, mappings, _fences("3", published=MARCH), now=march)
        assert offer(spring, "bouwhekken").status == "held"
        assert offer(spring, "bouwhekken").hold.starts_at is None  # no date: from now
        late = save(db, mappings, _fences("4", "26 juni", published=MARCH), now=march)
        assert offer(late, "bouwhekken").status == "unavailable"
        assert offer(late, "bouwhekken").reasons[-1].args["available"] == 0
        assert reserved(db, "resource", "bouwhekken") == 3  # every period together

    def test_the_start_is_kept_in_the_table_and_read_back(self, db, mappings):
        stored = save(db, mappings, _fences("1", "26 juni"), now=at(JANUARY))
        [row] = fence_holds(db)
        assert row.starts_at == offer(stored, "bouwhekken").hold.starts_at
        with db.begin() as conn:
            head = store.lock_head(conn, "localhost", "1", at(JANUARY))
            state, _ = plan_versions.planning_state(conn, head, now=at(JANUARY))
        assert state.availability.own_holds[("resource", "bouwhekken")].starts_at == row.starts_at
        again = save(db, mappings, _fences("1", "26 juni"), now=at(JANUARY) + DAY)
        assert not again.created  # the same period: nothing new

    def test_a_row_without_start_counts_from_when_it_was_made(self, db, mappings):
        save(db, mappings, _fences("1", "26 juni"), now=at(JANUARY))
        save(db, mappings, _fences("2", "26 juni"), now=at(JANUARY))
        with db.begin() as conn:  # as rows stored before holds had a start
            conn.execute(update(plan_holds).values(starts_at=None))
        spring = save(
            db, mappings, _fences("3", published=MARCH), now=at("2027-03-01T10:00:00+01:00")
        )
        assert offer(spring, "bouwhekken").status == "unavailable"

    def test_a_later_needed_day_moves_the_hold(self, db, mappings):
        first = save(db, mappings, _fences("1", "26 juni"), now=at(JANUARY))
        moved = save(db, mappings, _fences("1", "18 september"), now=at(JANUARY) + DAY)
        assert moved.created
        [row] = fence_holds(db)
        assert date.fromtimestamp(row.expires_at) == date(2027, 9, 18)
        assert row.starts_at > offer(first, "bouwhekken").hold.expires_at
        assert reserved(db, "resource", "bouwhekken") == 1

    def test_accepting_a_dated_initiative_keeps_its_period(self, db, mappings):
        save(db, mappings, _fences("1", "26 juni"), now=at(JANUARY))
        accepted = save(
            db, mappings, _fences("1", "26 juni", state="accepted"), now=at(JANUARY) + DAY
        )
        hold = offer(accepted, "bouwhekken").hold
        assert hold.status == "confirmed"
        assert date.fromtimestamp(hold.expires_at) == date(2027, 6, 26)
        assert release_expired_holds(db, "localhost", at("2027-07-01T10:00:00+02:00")) == 0
        [row] = fence_holds(db)
        assert (row.status, row.starts_at) == ("confirmed", hold.starts_at)


class TestTenants:
    def test_tenants_do_not_share_stock(self, db, mappings):
        save(db, mappings, make_proposal(MOESTUIN), tenant="a.example")
        other = save(db, mappings, make_proposal(MOESTUIN), tenant="b.example")
        assert offer(other, "perceel-kievitlaan").status == "held"


def _race(pg_db, mappings, monkeypatch, proposals):
    """Two workers plan at the same time: both read the state before either writes.

    The stock and load rows exist already (as after the first plan of an organization).
    """
    with pg_db.begin() as conn:
        sync_reference_rows(conn, "race.example", mappings)
    barrier = threading.Barrier(len(proposals), timeout=10)
    real_build = pipeline.build_plan
    first_attempt: set[int] = set()

    def build_in_step(*args, **kwargs):
        plan = real_build(*args, **kwargs)
        ident = threading.get_ident()
        if ident not in first_attempt:
            first_attempt.add(ident)
            barrier.wait()
        return plan

    monkeypatch.setattr(pipeline, "build_plan", build_in_step)
    results: dict[str, StoredPlan] = {}
    errors: list[BaseException] = []

    def work(proposal):
        try:
            results[proposal.id] = save(pg_db, mappings, proposal, tenant="race.example")
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(p,)) for p in proposals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    return results


def test_postgres_race_for_the_last_item_exactly_one_wins(pg_db, mappings, monkeypatch):
    proposals = [make_proposal(MOESTUIN, proposal_id=str(n)) for n in (1, 2)]
    results = _race(pg_db, mappings, monkeypatch, proposals)
    outcomes = sorted(offer(r, "perceel-kievitlaan").status for r in results.values())
    assert outcomes == ["held", "unavailable"]
    assert sorted(r.attempts for r in results.values()) == [1, 2]
    assert reserved(pg_db, "resource", "perceel-kievitlaan", "race.example") == 1
    with pg_db.read() as conn:
        active = [
            h
            for h in store.holds(conn, "race.example")
            if h.item_id == "perceel-kievitlaan" and h.status == "held"
        ]
    assert len(active) == 1


def test_postgres_race_for_the_last_set_of_fences(pg_db, mappings, monkeypatch):
    fences = "Hekken om het speelveld"
    with pg_db.begin() as conn:  # someone else already has one of the two sets
        save_plan(
            conn,
            tenant="race.example",
            proposal=make_proposal(fences, proposal_id="0"),
            mappings=mappings,
            now=NOW,
        )
    proposals = [make_proposal(fences, proposal_id=n) for n in ("1", "2")]
    results = _race(pg_db, mappings, monkeypatch, proposals)
    outcomes = sorted(offer(r, "bouwhekken").status for r in results.values())
    assert outcomes == ["held", "unavailable"]
    assert sorted(r.attempts for r in results.values()) == [1, 2]  # the loser re-planned
    assert reserved(pg_db, "resource", "bouwhekken", "race.example") == 2


def test_postgres_race_for_the_last_item_in_other_periods_both_win(pg_db, mappings, monkeypatch):
    tenant = "race.example"
    with pg_db.begin() as conn:  # someone else already has one of the two sets, for June
        save_plan(conn, tenant=tenant, proposal=_fences("0", "26 juni"), mappings=mappings, now=NOW)
    proposals = [_fences("1", "26 juni"), _fences("2", "18 september")]
    results = _race(pg_db, mappings, monkeypatch, proposals)
    assert {r.proposal_id: offer(r, "bouwhekken").status for r in results.values()} == {
        "1": "held",
        "2": "held",
    }
    assert sorted(r.attempts for r in results.values()) == [1, 1]
    assert len(fence_holds(pg_db, tenant)) == 3


def test_postgres_race_for_the_last_item_in_one_period_one_wins(pg_db, mappings, monkeypatch):
    tenant = "race.example"
    with pg_db.begin() as conn:
        save_plan(conn, tenant=tenant, proposal=_fences("0", "26 juni"), mappings=mappings, now=NOW)
    proposals = [_fences("1", "25 juni"), _fences("2", "26 juni")]
    results = _race(pg_db, mappings, monkeypatch, proposals)
    outcomes = sorted(offer(r, "bouwhekken").status for r in results.values())
    assert outcomes == ["held", "unavailable"]
    assert sorted(r.attempts for r in results.values()) == [1, 2]  # the period check held
    assert len(fence_holds(pg_db, tenant)) == 2


def test_postgres_race_for_the_last_place_of_an_advisor(pg_db, mappings, monkeypatch):
    tenant = "race.example"
    with pg_db.begin() as conn:
        sync_reference_rows(conn, tenant, mappings)
    with pg_db.begin() as conn:
        conn.execute(
            update(advisor_loads)
            .where(advisor_loads.c.advisor_id == "a-de-vries")
            .values(open_count=7)
        )
    proposals = [make_proposal("Geveltuinen in de Vogelwijk", proposal_id=n) for n in ("1", "2")]
    results = _race(pg_db, mappings, monkeypatch, proposals)
    leads = sorted(r.plan.assignment.lead.advisor_id for r in results.values())
    assert leads == ["a-de-vries", "c-bakker"]
    assert loads(pg_db, tenant)["a-de-vries"] == 8 and loads(pg_db, tenant)["c-bakker"] == 1
