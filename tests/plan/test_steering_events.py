"""Tests for decidim_bridge.plan.steering_events: a whole note, evaluator re-assignment and
internal answers as steering."""

from __future__ import annotations

import pytest
from plan_support import at, example_mappings
from steering_support import NOW, garden_against_loneliness, street_party

from decidim_bridge.plan import build_plan
from decidim_bridge.plan.note_commands import MARKER
from decidim_bridge.plan.state import PlanningState
from decidim_bridge.plan.steering import (
    NO_STEERING,
    FirstContact,
    LeadChoice,
    steering_from_json,
    steering_to_json,
)
from decidim_bridge.plan.steering_events import (
    contact_from_answer,
    lead_from_evaluators,
    record_evaluators,
    steer_by_note,
)

CARLA = {
    "id": "2",
    "nickname": "carla_bakker",
    "name": "Carla Bakker",
    "api_user": False,
    "roles": ["admin"],
}
BRIDGE = {
    "id": "1",
    "nickname": "bridge",
    "name": "Bridge",
    "api_user": True,
    "roles": ["organization_admin"],
}
RESIDENT = {"id": "9", "nickname": "piet", "name": "Piet", "api_user": False, "roles": []}


@pytest.fixture(scope="module")
def garden():
    return build_plan(garden_against_loneliness(), example_mappings(), NOW)


def people(*nicknames):
    return [{"id": str(i), "nickname": n, "name": n} for i, n in enumerate(nicknames)]


# --- a whole note -----------------------------------------------------------------------


def test_a_note_with_commands(mappings):
    plan = build_plan(street_party(), mappings, NOW)
    outcome = steer_by_note(NO_STEERING, "Gebeld.\n/bevestig partytent", CARLA, plan, mappings, NOW)
    assert not outcome.refused
    assert outcome.steering.confirmed("resource", "partytent")
    assert [r.ok for r in outcome.results] == [True]
    assert outcome.reply.startswith(f"{MARKER} Uw notitie is verwerkt:")
    assert outcome.locale == "nl"


@pytest.mark.parametrize(
    ("body", "actor"),
    [
        ("Goed gesprek gehad met de buurt.", CARLA),  # no command
        ("/bevestig partytent", BRIDGE),  # the bridge's own API user
        (f"{MARKER} Uw notitie is verwerkt:\n- bevestig partytent", CARLA),  # its reply
    ],
)
def test_notes_left_alone(mappings, body, actor):
    plan = build_plan(street_party(), mappings, NOW)
    assert steer_by_note(NO_STEERING, body, actor, plan, mappings, NOW) is None


def test_someone_who_may_not_steer_gets_the_refusal(mappings):
    plan = build_plan(street_party(), mappings, NOW)
    outcome = steer_by_note(NO_STEERING, "/bevestig partytent", RESIDENT, plan, mappings, NOW)
    assert outcome.refused
    assert outcome.steering is NO_STEERING and outcome.results == ()
    assert "Alleen adviseurs en beheerders" in outcome.reply


# --- evaluators -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("evaluators", "lead"),
    [
        (people("mohamed_elamrani", "joost_jansen"), None),  # a colleague next to the lead
        (people("joost_jansen"), "j-jansen"),  # the lead replaced
        (people("Joost_Jansen", "anouk_devries"), "j-jansen"),  # the co-advisor stays
        (people("anouk_devries"), None),  # the lead taken off first: wait for the new one
        (people("joost_jansen", "tom_smit"), None),  # two candidates: nobody is chosen
        (people(), None),
        (people("someone_else"), None),  # not an advisor
        ([{"id": "5", "nickname": None, "name": "X"}], None),
    ],
)
def test_lead_from_evaluators(mappings, garden, evaluators, lead):
    assert garden.assignment.lead.advisor_id == "m-el-amrani"
    assert [r.advisor_id for r in garden.assignment.co_advisors] == ["a-de-vries"]
    steering = lead_from_evaluators(NO_STEERING, garden, evaluators, CARLA, mappings, NOW)
    if lead is None:
        assert steering is NO_STEERING
    else:
        assert steering.lead == LeadChoice(lead, "Carla Bakker", NOW, "evaluators")


@pytest.mark.parametrize("actor", [BRIDGE, None])
def test_evaluator_changes_by_the_bridge_are_not_steering(mappings, garden, actor):
    evaluators = people("joost_jansen")
    assert lead_from_evaluators(NO_STEERING, garden, evaluators, actor, mappings, NOW) is (
        NO_STEERING
    )


def test_the_new_lead_is_in_the_next_plan(mappings, garden):
    steering = lead_from_evaluators(
        NO_STEERING, garden, people("joost_jansen"), CARLA, mappings, NOW
    )
    again = build_plan(
        garden_against_loneliness(), mappings, NOW + 60, PlanningState(steering=steering)
    )
    assert again.assignment.lead.advisor_id == "j-jansen"
    assert again.assignment.lead.reason.code == "lead.steered"
    # once led by the chosen advisor, the same evaluators change nothing more
    assert (
        lead_from_evaluators(steering, again, people("joost_jansen"), CARLA, mappings, NOW + 120)
        is steering
    )


# --- answers ----------------------------------------------------------------------------


def test_an_internal_answer_is_first_contact(mappings):
    later = at("2027-04-23T09:30:00+02:00")
    steering = contact_from_answer(NO_STEERING, False, CARLA, mappings, later)
    assert steering.first_contact == FirstContact("2027-04-23", "Carla Bakker", later, "answer")


@pytest.mark.parametrize(("published", "actor"), [(True, CARLA), (False, BRIDGE), (False, None)])
def test_answers_that_are_not_first_contact(mappings, published, actor):
    assert contact_from_answer(NO_STEERING, published, actor, mappings, NOW) is NO_STEERING


def test_an_earlier_contact_stays(mappings):
    earlier = NO_STEERING.with_first_contact(FirstContact("2027-04-21", "A", NOW, "note"))
    assert contact_from_answer(earlier, False, CARLA, mappings, NOW) is earlier


def test_a_persons_evaluator_changes_are_kept_and_the_latest_wins() -> None:
    person = {"nickname": "marieke_kok", "api_user": False, "roles": ["organization_admin"]}
    anouk = {"id": "21", "nickname": "anouk_devries", "name": "Anouk de Vries"}
    pieter = {"id": "26", "nickname": "Pieter_deBoer", "name": "Pieter de Boer"}

    steering = record_evaluators(NO_STEERING, [anouk], assigned=False, actor=person, now=10.0)
    steering = record_evaluators(steering, [pieter], assigned=True, actor=person, now=11.0)

    assert steering.removed_by_people == {"anouk_devries"}
    assert steering.assigned_by_people == {"pieter_deboer"}
    again = record_evaluators(steering, [anouk], assigned=True, actor=person, now=12.0)
    assert again.removed_by_people == frozenset()
    assert again.assigned_by_people == {"anouk_devries", "pieter_deboer"}
    assert steering_from_json(steering_to_json(again)) == again


def test_the_bridges_own_evaluator_changes_are_not_a_persons_choice() -> None:
    bridge = {"nickname": None, "api_user": True, "roles": ["organization_admin"]}
    anouk = {"id": "21", "nickname": "anouk_devries", "name": "Anouk de Vries"}

    assert record_evaluators(NO_STEERING, [anouk], assigned=True, actor=bridge, now=1.0) == (
        NO_STEERING
    )
    assert record_evaluators(NO_STEERING, [anouk], assigned=True, actor=None, now=1.0) == (
        NO_STEERING
    )
