"""Tests for decidim_bridge.plan.steering and how the engine respects it: a person's lead,
offers confirmed or released by hand, first contact recorded, a later decision date."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest
from plan_support import at
from steering_support import NOW, garden_against_loneliness, street_party

from decidim_bridge.plan import build_plan
from decidim_bridge.plan.calendar import calendar_for
from decidim_bridge.plan.model import CONFIRMED, HELD
from decidim_bridge.plan.serialize import fingerprint, plan_from_json, plan_to_json
from decidim_bridge.plan.state import EMPTY_STATE, Availability, PlanningState
from decidim_bridge.plan.steering import (
    NO_STEERING,
    FirstContact,
    LeadChoice,
    NeededDay,
    OfferChoice,
    Postponement,
    Steering,
    steering_from_json,
    steering_to_json,
)

T = 1_808_000_000.0


def steered(steering: Steering, **fields) -> PlanningState:
    return PlanningState(steering=steering, **fields)


def item(plan, checklist_key):
    return [i for i in plan.checklist if i.key == checklist_key]


class TestSteeringData:
    def test_json_round_trip(self):
        steering = (
            NO_STEERING.with_lead(LeadChoice("t-smit", "Anouk de Vries", T, "note"))
            .with_offer(OfferChoice("resource", "partytent", "confirmed", "Anouk", T))
            .with_offer(OfferChoice("budget", "wijkbudget-noord-2027", "released", "Anouk", T))
            .with_first_contact(FirstContact("2027-04-21", "Anouk", T, "answer"))
            .with_postponement(Postponement(10, "De wethouder beslist in juni.", "Anouk", T))
            .with_postponement(Postponement(3, "Meivakantie", "Tom", T + 1))
        )
        text = steering_to_json(steering)
        assert steering_from_json(text) == steering
        data = json.loads(text)
        assert data["lead"]["advisor_id"] == "t-smit"
        assert [p["days"] for p in data["postponements"]] == [10, 3]

    def test_the_needed_day_round_trips_and_a_later_one_replaces_it(self):
        assert "needed" not in json.loads(steering_to_json(NO_STEERING))  # older JSON stays
        steering = NO_STEERING.with_needed(NeededDay("2027-06-26", "Anouk", T))
        assert steering_from_json(steering_to_json(steering)) == steering
        later = steering.with_needed(NeededDay("2027-09-18", "Tom", T + 1))
        assert later.needed == NeededDay("2027-09-18", "Tom", T + 1)
        assert not later.empty

    @pytest.mark.parametrize("stored", [None, "", steering_to_json(NO_STEERING)])
    def test_nothing_stored_is_no_steering(self, stored):
        assert steering_from_json(stored) == NO_STEERING
        assert steering_from_json(stored).empty

    def test_the_latest_decision_about_an_item_wins(self):
        steering = NO_STEERING.with_offer(
            OfferChoice("resource", "partytent", "confirmed", "A", T)
        ).with_offer(OfferChoice("resource", "partytent", "released", "B", T + 1))
        assert steering.released("resource", "partytent")
        assert not steering.confirmed("resource", "partytent")
        assert len(steering.offers) == 1

    def test_offers_are_kept_in_a_stable_order(self):
        one = NO_STEERING.with_offer(OfferChoice("resource", "zaal", "released", "A", T))
        one = one.with_offer(OfferChoice("budget", "b", "confirmed", "A", T))
        other = NO_STEERING.with_offer(OfferChoice("budget", "b", "confirmed", "A", T))
        other = other.with_offer(OfferChoice("resource", "zaal", "released", "A", T))
        assert one == other

    def test_the_earliest_first_contact_counts(self):
        first = NO_STEERING.with_first_contact(FirstContact("2027-04-23", "A", T, "note"))
        assert first.with_first_contact(FirstContact("2027-04-26", "B", T, "note")) is first
        earlier = first.with_first_contact(FirstContact("2027-04-21", "B", T, "answer"))
        assert earlier.first_contact.on == "2027-04-21"

    def test_postponed_days_add_up(self):
        steering = NO_STEERING.with_postponement(Postponement(10, "a", "A", T))
        assert steering.with_postponement(Postponement(5, "b", "A", T)).postponed_days == 15


class TestNoSteering:
    @pytest.mark.parametrize("proposal", [street_party(), garden_against_loneliness()])
    def test_empty_steering_changes_nothing(self, mappings, proposal):
        plain = build_plan(proposal, mappings, NOW, EMPTY_STATE)
        again = build_plan(proposal, mappings, NOW, steered(Steering()))
        assert plan_to_json(again) == plan_to_json(plain)
        assert "first_contact_on" not in plan_to_json(plain)


class TestLead:
    def test_a_person_s_lead_wins_over_the_coordinator_fallback(self, mappings):
        before = build_plan(street_party(), mappings, NOW)
        assert before.assignment.fallback
        choice = LeadChoice("a-de-vries", "Carla Bakker", T, "evaluators")
        plan = build_plan(street_party(), mappings, NOW, steered(Steering(lead=choice)))
        lead = plan.assignment.lead
        assert (lead.advisor_id, lead.role) == ("a-de-vries", "lead")
        assert lead.reason.code == "lead.steered"
        assert lead.reason.text == "trekker: Anouk de Vries, gekozen door Carla Bakker in Decidim"
        assert plan.assignment.fallback is False
        assert [f.code for f in plan.flags if f.code == "flag.coordinator"] == []
        assert next(i.key for i in plan.checklist if i.practice == 1) == "p1.lead"

    def test_co_advisors_are_still_chosen_around_the_person_s_lead(self, mappings):
        before = build_plan(garden_against_loneliness(), mappings, NOW)
        assert before.assignment.lead.advisor_id == "m-el-amrani"
        assert [r.advisor_id for r in before.assignment.co_advisors] == ["a-de-vries"]
        choice = LeadChoice("j-jansen", "Anouk de Vries", T, "note")  # verkeer, veiligheid
        plan = build_plan(
            garden_against_loneliness(), mappings, NOW, steered(Steering(lead=choice))
        )
        assert plan.assignment.lead.advisor_id == "j-jansen"
        assert plan.assignment.lead.theme_id == "sociaal"
        assert [(r.advisor_id, r.theme_id) for r in plan.assignment.co_advisors] == [
            ("a-de-vries", "groen")
        ]
        choice = LeadChoice("a-de-vries", "Anouk de Vries", T, "note")
        plan = build_plan(
            garden_against_loneliness(), mappings, NOW, steered(Steering(lead=choice))
        )
        assert plan.assignment.co_advisors == ()  # groen is her own theme
        assert any(r.code == "co.lead_covers" for r in plan.assignment.reasons)

    def test_capacity_and_absence_do_not_stop_a_person_s_choice(self, mappings):
        choice = LeadChoice("t-smit", "Carla Bakker", T, "note")  # on holiday, theme verkeer
        state = steered(Steering(lead=choice), loads={"t-smit": 99})
        plan = build_plan(street_party(), mappings, NOW, state)
        assert plan.assignment.lead.advisor_id == "t-smit"
        assert plan.assignment.counts_load

    def test_the_choice_stays_over_a_previous_version(self, mappings):
        first = build_plan(garden_against_loneliness(), mappings, NOW)
        choice = LeadChoice("p-de-boer", "Carla Bakker", T, "evaluators")
        state = steered(Steering(lead=choice), previous=first)
        plan = build_plan(garden_against_loneliness(), mappings, NOW + 60, state)
        assert plan.assignment.lead.advisor_id == "p-de-boer"

    def test_an_advisor_no_longer_in_the_rules_is_ignored_with_a_note(self, mappings):
        choice = LeadChoice("x-gone", "Carla Bakker", T, "note")
        plan = build_plan(
            garden_against_loneliness(), mappings, NOW, steered(Steering(lead=choice))
        )
        assert plan.assignment.lead.advisor_id == "m-el-amrani"
        assert "lead.steered_gone" in [r.code for r in plan.assignment.reasons]


def _offer(plan, resource_id):
    return next(o for o in plan.resources if o.resource_id == resource_id)


class TestOffers:
    def test_confirmed_by_hand_is_confirmed_before_acceptance(self, mappings):
        choice = OfferChoice("resource", "partytent", "confirmed", "Anouk de Vries", T)
        plan = build_plan(street_party(), mappings, NOW, steered(Steering(offers=(choice,))))
        assert plan.stage == "open"
        offer = _offer(plan, "partytent")
        assert offer.status == CONFIRMED
        assert offer.hold.status == CONFIRMED and offer.hold.expires_at is None
        assert offer.reasons[-1].code == "resource.confirmed_by"
        assert "Anouk de Vries" in offer.reasons[-1].text
        assert _offer(plan, "tafels-en-banken").status == HELD
        [done] = item(plan, "p3.resource_confirmed")
        assert (done.args["resource"], done.status) == ("partytent", "done")

    def test_confirming_keeps_the_moment_it_was_first_held(self, mappings):
        first = build_plan(street_party(), mappings, NOW)
        own = {(h.kind, h.item_id): h for h in first.holds}
        choice = OfferChoice("resource", "partytent", "confirmed", "A", T)
        state = steered(
            Steering(offers=(choice,)), availability=Availability(own_holds=own), previous=first
        )
        plan = build_plan(street_party(), mappings, NOW + 3600, state)
        hold = _offer(plan, "partytent").hold
        assert hold.held_at == own[("resource", "partytent")].held_at == NOW
        assert hold.status == CONFIRMED

    def test_released_by_hand_holds_nothing_and_takes_no_other_item(self, mappings):
        choice = OfferChoice("resource", "zaal-de-linde", "released", "Anouk de Vries", T)
        plan = build_plan(street_party(), mappings, NOW, steered(Steering(offers=(choice,))))
        offer = _offer(plan, "zaal-de-linde")
        assert (offer.status, offer.hold) == ("released", None)
        assert offer.reasons[-1].code == "resource.released_by"
        assert [o.resource_id for o in plan.resources if o.group == "zaal"] == ["zaal-de-linde"]
        assert ("resource", "zaal-de-linde") not in {(h.kind, h.item_id) for h in plan.holds}
        assert not [i for i in plan.checklist if i.args.get("resource") == "zaal-de-linde"]

    def test_budget_confirmed_and_released_by_hand(self, mappings):
        budget = build_plan(street_party(), mappings, NOW).budget
        assert (budget.budget_id, budget.status) == ("wijkbudget-noord-2027", HELD)
        confirmed = OfferChoice("budget", budget.budget_id, "confirmed", "A", T)
        plan = build_plan(street_party(), mappings, NOW, steered(Steering(offers=(confirmed,))))
        assert plan.budget.status == CONFIRMED
        assert plan.budget.hold.expires_at is None
        assert plan.budget.amount_cents == budget.amount_cents
        assert plan.budget.reasons[-1].code == "budget.confirmed_by"
        released = replace(confirmed, status="released")
        plan = build_plan(street_party(), mappings, NOW, steered(Steering(offers=(released,))))
        assert (plan.budget.status, plan.budget.hold, plan.budget.amount_cents) == (
            "released",
            None,
            0,
        )
        assert plan.budget.reasons[-1].code == "budget.released_by"

    def test_rejection_still_releases_what_was_confirmed_by_hand(self, mappings):
        choice = OfferChoice("resource", "partytent", "confirmed", "A", T)
        proposal = street_party(state="rejected")
        plan = build_plan(proposal, mappings, NOW, steered(Steering(offers=(choice,))))
        assert _offer(plan, "partytent").status == "released"
        assert plan.holds == ()

    def test_the_plan_round_trips_with_steered_offers(self, mappings):
        steering = Steering(
            offers=(
                OfferChoice("resource", "partytent", "confirmed", "A", T),
                OfferChoice("resource", "zaal-de-linde", "released", "A", T),
            )
        )
        plan = build_plan(street_party(), mappings, NOW, steered(steering))
        assert plan_from_json(plan_to_json(plan)) == plan


class TestFirstContact:
    def test_recorded_contact_ticks_the_checklist_on_time(self, mappings):
        contact = FirstContact("2027-04-21", "Anouk de Vries", T, "note")
        plan = build_plan(street_party(), mappings, NOW, steered(Steering(first_contact=contact)))
        [check] = item(plan, "p2.first_contact")
        assert check.status == "done"
        [say] = item(plan, "p2.say")
        assert say.status == "todo"  # only first contact is ticked
        e = plan.expectations
        assert e.first_contact_on == "2027-04-21"
        [reason] = [r for r in e.reasons if r.code.startswith("expect.contacted")]
        assert reason.code == "expect.contacted_on_time"
        assert reason.text == (
            "eerste contact op woensdag 21 april 2027 door Anouk de Vries, op tijd "
            "(uiterlijk woensdag 28 april 2027)"
        )
        assert e.tracking == "pending"  # the decision is still to come

    def test_late_contact_counts_the_working_days_late(self, mappings):
        contact = FirstContact("2027-05-03", "Anouk de Vries", T, "answer")
        later = at("2027-05-03T15:00:00+02:00")
        plan = build_plan(street_party(), mappings, later, steered(Steering(first_contact=contact)))
        [reason] = [r for r in plan.expectations.reasons if r.code.startswith("expect.contacted")]
        assert reason.code == "expect.contacted_late"
        # due 2027-04-28; 29, 30 April and 3 May are working days (1-2 May a weekend)
        assert reason.args["late"] == 3
        assert item(plan, "p2.first_contact")[0].status == "done"

    def test_without_contact_the_item_is_overdue(self, mappings):
        later = at("2027-05-03T15:00:00+02:00")
        first = build_plan(street_party(), mappings, T)
        plan = build_plan(street_party(), mappings, later, PlanningState(previous=first))
        assert item(plan, "p2.first_contact")[0].status == "overdue"

    def test_round_trip_and_fingerprint(self, mappings):
        contact = FirstContact("2027-04-21", "A", T, "note")
        plan = build_plan(street_party(), mappings, NOW, steered(Steering(first_contact=contact)))
        assert plan_from_json(plan_to_json(plan)) == plan
        assert fingerprint(plan) != fingerprint(build_plan(street_party(), mappings, NOW))


class TestPostponement:
    def test_the_decision_date_moves_by_working_days_with_the_reason(self, mappings):
        before = build_plan(street_party(), mappings, NOW).expectations
        why = "De wethouder beslist pas in de raadsvergadering van juni."
        steering = Steering(postponements=(Postponement(10, why, "Anouk", T),))
        plan = build_plan(street_party(), mappings, NOW, steered(steering))
        e = plan.expectations
        calendar = calendar_for(mappings)
        moved = calendar.add_working_days(date.fromisoformat(before.decision_by), 10)
        assert e.decision_by == moved.isoformat() == "2027-06-22"
        assert e.first_contact_by == before.first_contact_by
        postponed = [r for r in e.reasons if r.code == "expect.postponed"]
        assert len(postponed) == 1
        assert postponed[0].args == {"days": 10, "due_date": "2027-06-22", "reason": why}
        assert why in postponed[0].text
        [decision] = item(plan, "p2.decision")
        assert decision.due == "2027-06-22"

    def test_postponements_add_up_each_with_its_reason(self, mappings):
        steering = Steering(
            postponements=(Postponement(10, "eerst", "A", T), Postponement(5, "dan", "B", T))
        )
        e = build_plan(street_party(), mappings, NOW, steered(steering)).expectations
        postponed = [r.args for r in e.reasons if r.code == "expect.postponed"]
        assert [p["reason"] for p in postponed] == ["eerst", "dan"]
        assert postponed[-1]["due_date"] == e.decision_by == "2027-06-29"

    def test_tracking_judges_by_the_moved_date(self, mappings):
        steering = Steering(postponements=(Postponement(10, "later", "A", T),))
        after_old_date = at("2027-06-15T12:00:00+02:00")
        first = build_plan(street_party(), mappings, T)
        plain = build_plan(street_party(), mappings, after_old_date, PlanningState(previous=first))
        moved = build_plan(street_party(), mappings, after_old_date, steered(steering))
        assert plain.expectations.tracking == "overdue"
        assert moved.expectations.tracking == "pending"

    def test_new_holds_last_until_the_moved_decision(self, mappings):
        steering = Steering(postponements=(Postponement(20, "later", "A", T),))
        plan = build_plan(street_party(), mappings, NOW, steered(steering))
        calendar = calendar_for(mappings)
        for hold in plan.holds:
            assert calendar.local_date(hold.expires_at) >= date.fromisoformat(
                plan.expectations.decision_by
            )
