"""Tests for decidim_bridge.plan.engine and friends: a whole plan, every decision with a
reason, stakeholders, expectations, Right to Challenge, checklist, JSON and fingerprints."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime

import pytest
from plan_support import MAPPINGS, at, fresh_mappings, make_proposal

from decidim_bridge.intake.proposal_json import proposal_from_json
from decidim_bridge.plan import build_plan, stage_of
from decidim_bridge.plan.diff import diff
from decidim_bridge.plan.report import plan_report
from decidim_bridge.plan.serialize import document, fingerprint, plan_from_json, plan_to_json
from decidim_bridge.plan.state import PlanningState

NOW = at("2027-04-20T11:00:00+02:00")


@pytest.fixture
def example():
    path = MAPPINGS / "examples" / "buurtmoestuin-noord.json"
    return proposal_from_json(json.loads(path.read_text(encoding="utf-8")))


def all_reasons(plan):
    yield from plan.classification.reasons
    yield plan.assignment.lead.reason
    for role in plan.assignment.co_advisors:
        yield role.reason
    yield from plan.assignment.reasons
    for offer in plan.resources:
        yield from offer.reasons
    yield from plan.budget.reasons
    for link in plan.stakeholders:
        yield link.reason
    yield from plan.expectations.reasons
    yield from plan.service_purchase.reasons


class TestWholePlan:
    def test_example_plan(self, mappings, example):
        plan = build_plan(example, mappings, NOW, space_key="wijkinitiatieven")
        assert plan.stage == "open"
        assert plan.classification.district_id == "noord"
        assert plan.classification.primary_theme == "groen"
        assert plan.assignment.lead.advisor_id == "a-de-vries"
        assert {o.resource_id for o in plan.resources} >= {"tuingereedschap", "perceel-kievitlaan"}
        assert plan.budget.amount_cents == 75_000
        assert plan.expectations.first_contact_by == "2027-04-28"  # Koningsdag skipped
        assert plan.expectations.decision_by == "2027-05-25"
        assert plan.flags == ()

    def test_every_decision_carries_a_readable_reason(self, mappings, example):
        plan = build_plan(example, mappings, NOW, space_key="wijkinitiatieven")
        reasons = list(all_reasons(plan))
        assert len(reasons) > 20
        assert all(r.text and "{" not in r.text for r in reasons)
        assert all(item.text and "{" not in item.text for item in plan.checklist)

    def test_pure_and_deterministic(self, mappings, example):
        first = build_plan(example, mappings, NOW, space_key="wijkinitiatieven")
        second = build_plan(example, mappings, NOW, space_key="wijkinitiatieven")
        assert first == second and fingerprint(first) == fingerprint(second)

    def test_json_round_trip(self, mappings, example):
        plan = build_plan(example, mappings, NOW, space_key="wijkinitiatieven")
        again = plan_from_json(plan_to_json(plan))
        assert again == plan

    def test_document_is_json_and_fingerprint_at_once(self, mappings, example):
        plan = build_plan(example, mappings, NOW, space_key="wijkinitiatieven")
        assert document(plan) == (plan_to_json(plan), fingerprint(plan))

    def test_fingerprint_ignores_when_it_was_computed(self, mappings, example):
        plan = build_plan(example, mappings, NOW, space_key="wijkinitiatieven")
        assert fingerprint(plan) == fingerprint(replace(plan, computed_at=NOW + 60))
        assert fingerprint(plan) != fingerprint(replace(plan, stage="accepted"))

    def test_replanning_an_irrelevant_edit_gives_the_same_plan(self, mappings, example):
        first = build_plan(example, mappings, NOW, space_key="wijkinitiatieven")
        state = PlanningState(
            loads={"a-de-vries": 1},
            availability=_own(first),
            previous=first,
            previous_version=1,
        )
        edited = replace(example, body={"nl": example.body["nl"].replace("twaalf", "13")})
        later = build_plan(edited, mappings, NOW + 3600, state, space_key="wijkinitiatieven")
        assert fingerprint(later) == fingerprint(first)

    def test_report_lists_sections_in_both_languages(self, mappings, example):
        plan = build_plan(example, mappings, NOW, space_key="wijkinitiatieven")
        dutch = plan_report(plan, mappings)
        english = plan_report(plan, mappings, "en")
        assert "trekker: Anouk de Vries — wijk Noord" in dutch
        assert "lead: Anouk de Vries — district Noord, theme Green spaces" in english
        assert "Koningsdag (Tuesday 27 April 2027)" in english

    def test_report_of_a_stored_plan_with_freshly_loaded_rules(self, mappings, example):
        # ``plan show`` reads a stored plan with rules loaded by the command: no plan was
        # built with them, yet the hold dates are printed.
        plan = build_plan(example, mappings, NOW, space_key="wijkinitiatieven")
        report = plan_report(plan_from_json(plan_to_json(plan)), fresh_mappings())
        assert ": vastgehouden tot " in report
        assert report == plan_report(plan, mappings)


def _own(plan):
    from decidim_bridge.plan.state import Availability

    return Availability(own_holds={(h.kind, h.item_id): h for h in plan.holds})


class TestStakeholders:
    def test_links_with_reasons_and_moments(self, mappings):
        plan = build_plan(make_proposal(), mappings, NOW, space_key="wijkinitiatieven")
        links = {s.stakeholder_id: s for s in plan.stakeholders}
        assert links["wijkraad-noord"].action == "introduce" and links["wijkraad-noord"].inform_now
        assert links["wijkraad-noord"].reason.code == "stakeholder.district"
        assert links["weth-van-dijk"].reason.code == "stakeholder.theme"
        assert not links["weth-van-dijk"].inform_now  # only on acceptance and in the digest
        assert links["commissie-ruimte"].action == "digest"
        assert links["wijkzaken"].reason.code == "stakeholder.everywhere"
        assert "wijkraad-zuid" not in links and "weth-kramer" not in links

    def test_department_linked_through_what_it_hands_out(self, mappings):
        plan = build_plan(make_proposal(), mappings, NOW, space_key="wijkinitiatieven")
        vastgoed = next(s for s in plan.stakeholders if s.stakeholder_id == "vastgoed")
        assert vastgoed.reason.code == "stakeholder.resource"
        assert vastgoed.reason.args["resource"] == "perceel-kievitlaan"

    def test_wethouder_is_informed_on_acceptance(self, mappings):
        accepted = make_proposal(state="accepted")
        plan = build_plan(accepted, mappings, NOW, space_key="wijkinitiatieven")
        links = {s.stakeholder_id: s for s in plan.stakeholders}
        assert links["weth-van-dijk"].inform_now
        assert not links["bv-vogelwijk"].inform_now


class TestExpectations:
    def test_default_rules_outside_a_configured_process(self, mappings):
        plan = build_plan(make_proposal(), mappings, NOW)
        assert plan.expectations.rule == "default"
        assert (plan.expectations.say, plan.expectations.decision_days) == ("co-create", 30)

    def test_decided_on_time_and_late(self, mappings):
        on_time = make_proposal(
            state="accepted", answered_at=datetime.fromisoformat("2027-05-20T12:00:00+02:00")
        )
        plan = build_plan(on_time, mappings, NOW, space_key="wijkinitiatieven")
        assert plan.expectations.tracking == "on_time"
        late = replace(on_time, answered_at=datetime.fromisoformat("2027-06-01T12:00:00+02:00"))
        plan = build_plan(late, mappings, NOW, space_key="wijkinitiatieven")
        assert plan.expectations.tracking == "late"
        assert plan.expectations.reasons[-1].args["late"] == 5  # 26, 27, 28, 31 May, 1 June

    def test_overdue_when_the_date_passed(self, mappings):
        first = build_plan(make_proposal(), mappings, NOW, space_key="wijkinitiatieven")
        plan = build_plan(
            make_proposal(),
            mappings,
            at("2027-06-01T09:00:00+02:00"),
            PlanningState(previous=first),
            space_key="wijkinitiatieven",
        )
        assert plan.expectations.tracking == "overdue"
        assert plan.expectations.rebased_from is None  # the promise made stands
        statuses = {i.key: i.status for i in plan.checklist}
        assert statuses["p2.decision"] == "overdue" and statuses["p2.first_contact"] == "overdue"


class TestServicePurchase:
    def test_flagged_with_two_signals(self, mappings):
        proposal = make_proposal(
            "Wij willen het onderhoud van het Noorderpark overnemen",
            "Onze stichting kan het groen zelf beheren, goedkoper dan nu.",
        )
        plan = build_plan(proposal, mappings, NOW, space_key="wijkinitiatieven")
        service = plan.service_purchase
        assert service.flagged and service.decision_by == "2027-06-22"  # 40 working days
        assert set(service.reasons[0].args["signals"]) >= {"onderhoud", "overnemen", "stichting"}
        assert any(i.key == "p1.service_purchase" for i in plan.checklist)

    def test_one_signal_is_not_enough(self, mappings):
        proposal = make_proposal("Onderhoud van de speeltuin")
        service = build_plan(proposal, mappings, NOW).service_purchase
        assert not service.flagged and service.reasons[0].code == "service.too_few"

    def test_government_tasks_are_excluded(self, mappings):
        proposal = make_proposal(
            "Handhaving parkeren overnemen", "Wij willen het beheer en onderhoud doen."
        )
        service = build_plan(proposal, mappings, NOW).service_purchase
        assert not service.flagged and service.reasons[0].code == "service.excluded"


class TestChecklist:
    def test_four_practices_in_order(self, mappings):
        plan = build_plan(
            make_proposal("Moestuin en verkeersdrempels in de Vogelwijk"),
            mappings,
            NOW,
            space_key="wijkinitiatieven",
        )
        practices = [i.practice for i in plan.checklist]
        assert practices == sorted(practices) and set(practices) == {1, 2, 3, 4}
        keys = [i.key for i in plan.checklist]
        assert keys[:2] == ["p1.lead", "p1.coadvisor"]

    def test_closed_initiative_has_nothing_left_to_do(self, mappings):
        plan = build_plan(make_proposal(withdrawn=True), mappings, NOW)
        assert {i.status for i in plan.checklist} <= {"n/a", "done"}


class TestAnsweredByTheBridge:
    """The bridge's own ``evaluating`` answer is its promise, not the municipality's answer."""

    ANSWERED = dict(
        state="evaluating",
        answer={"nl": "<p>Bedankt voor uw initiatief. De gemeente bekijkt ...</p>"},
        answered_at=datetime.fromisoformat("2027-04-20T10:05:00+02:00"),
    )

    @staticmethod
    def statuses(plan):
        return {i.key: i.status for i in plan.checklist if i.practice == 2}

    def test_the_bridges_answer_ticks_nothing_off_and_changes_nothing(self, mappings):
        plain = build_plan(make_proposal(), mappings, NOW, space_key="wijkinitiatieven")
        ours = build_plan(
            make_proposal(**self.ANSWERED),
            mappings,
            NOW,
            PlanningState(previous=plain, answered_by_bridge=True),
            space_key="wijkinitiatieven",
        )
        assert set(self.statuses(ours).values()) == {"todo"}
        assert fingerprint(ours) == fingerprint(plain)  # the store keeps version 1

    def test_the_promised_dates_still_fall_due(self, mappings):
        late = at("2027-06-01T09:00:00+02:00")
        first = build_plan(make_proposal(), mappings, NOW, space_key="wijkinitiatieven")
        plan = build_plan(
            make_proposal(**self.ANSWERED),
            mappings,
            late,
            PlanningState(previous=first, answered_by_bridge=True),
            space_key="wijkinitiatieven",
        )
        assert self.statuses(plan) == {
            "p2.say": "todo",
            "p2.first_contact": "overdue",
            "p2.decision": "overdue",
        }
        assert plan.expectations.tracking == "overdue"

    def test_an_advisors_answer_counts_as_first_contact(self, mappings):
        advisor = dict(self.ANSWERED, answer={"nl": "We hebben u gebeld: tot dinsdag!"})
        plan = build_plan(make_proposal(**advisor), mappings, NOW, space_key="wijkinitiatieven")
        assert self.statuses(plan) == {
            "p2.say": "done",
            "p2.first_contact": "done",
            "p2.decision": "todo",
        }

    def test_an_advisors_decision_counts(self, mappings):
        accepted = dict(self.ANSWERED, state="accepted")
        plan = build_plan(make_proposal(**accepted), mappings, NOW, space_key="wijkinitiatieven")
        assert plan.stage == "accepted"
        assert set(self.statuses(plan).values()) == {"done"}
        assert plan.expectations.tracking == "on_time"


@pytest.mark.parametrize(
    ("fields", "stage"),
    [
        ({}, "open"),
        ({"state": "evaluating"}, "open"),
        ({"state": "Accepted"}, "accepted"),
        ({"state": "rejected"}, "rejected"),
        ({"state": "accepted", "withdrawn": True}, "withdrawn"),
        ({"state": "withdrawn"}, "withdrawn"),
        ({"state": "in_uitvoering"}, "open"),
    ],
)
def test_stage_of(fields, stage):
    assert stage_of(make_proposal(**fields)) == stage


def test_diff_names_what_changed(mappings, example):
    first = build_plan(example, mappings, NOW, space_key="wijkinitiatieven")
    accepted = replace(example, state="accepted")
    second = build_plan(
        accepted, mappings, NOW, PlanningState(previous=first), space_key="wijkinitiatieven"
    )
    changes = {c.text for c in diff(first, second)}
    assert "stage: open -> accepted" in changes
    assert "resources tuingereedschap: held -> confirmed" in changes
    assert diff(None, first)[0].kind == "created"
