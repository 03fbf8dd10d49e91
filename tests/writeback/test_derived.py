"""From a stored plan to what write-back shows: names, addresses and sentences from the
mappings, nothing a resident must not read."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest
from conftest import REPO
from plan_support import at, make_proposal

from decidim_bridge.plan import build_plan
from decidim_bridge.plan.diff import diff
from decidim_bridge.plan.proposal_json import proposal_from_json
from decidim_bridge.plan.state import Availability, PlanningState
from decidim_bridge.writeback.adapter import change_lines, view_from_plan

EXAMPLE = REPO / "mappings" / "examples" / "buurtmoestuin-noord.json"
NOW = at("2027-04-20T12:00:00+02:00")


@pytest.fixture
def proposal():
    return proposal_from_json(json.loads(EXAMPLE.read_text(encoding="utf-8")))


def test_a_plan_becomes_a_view_with_names_and_addresses_from_the_mappings(mappings, proposal):
    plan = build_plan(proposal, mappings, NOW, space_key="wijkinitiatieven")
    view = view_from_plan(plan, mappings, tenant="localhost", version=3, proposal=proposal)

    assert (view.tenant, view.proposal_id, view.version) == ("localhost", "1042", 3)
    assert view.title == {"nl": "Buurtmoestuin op het grasveld aan de Kievitlaan"}
    assert (view.space.type, view.space.slug, view.space.component_id) == (
        "Decidim::ParticipatoryProcess",
        "wijkinitiatieven",
        "11",
    )
    advisor = mappings.advisor(plan.assignment.lead.advisor_id)
    assert (view.lead.name, view.lead.email, view.lead.phone) == (
        advisor.name,
        advisor.email,
        advisor.phone,
    )
    assert view.district == "Noord"
    assert view.themes[0] == {"nl": "Groen", "en": "Green spaces"}
    assert view.state is None  # open, not answered

    plot = next(r for r in view.resources if r.key == "perceel-kievitlaan")
    assert plot.name["nl"].startswith("Braakliggend perceel aan de Kievitlaan")
    assert plot.department == "Team Vastgoed"
    assert plot.conditions[0]["nl"].startswith("U krijgt de grond in bruikleen")
    assert plot.status == "held" and plot.ready_by == date.fromisoformat(
        next(o for o in plan.resources if o.resource_id == "perceel-kievitlaan").ready_by
    )
    (budget,) = view.budgets
    assert (budget.key, budget.amount) == ("wijkbudget-noord-2027", Decimal("750"))
    assert budget.name == {"nl": "Wijkbudget Noord 2027", "en": "District budget Noord 2027"}

    rule = mappings.expectations.for_space("wijkinitiatieven")
    assert view.expectations.say == rule.say_text
    assert view.expectations.first_contact_by == date.fromisoformat(
        plan.expectations.first_contact_by
    )
    assert view.checklist[0].text["nl"].startswith("Neem de regie als trekker")
    assert view.checklist[0].text["en"]
    assert any(line.startswith("wijk Noord") for line in view.reasons)
    assert view.extra["public_url"] == proposal.url


def test_only_organisations_are_named_to_residents(mappings):
    proposal = make_proposal(
        "Koffieochtend voor ouderen in de Vogelwijk", taxonomies=("Noord", "Sociaal")
    )
    plan = build_plan(proposal, mappings, NOW, space_key="wijkinitiatieven")
    view = view_from_plan(plan, mappings, tenant="localhost", version=1, proposal=proposal)
    by_kind = {s.kind: s for s in view.stakeholders}
    assert by_kind["wijkraad"].public_label == "Wijkraad Noord"
    assert by_kind["wijkraad"].email == "info@wijkraadnoord.example"
    assert by_kind["wijkraad"].introduce and not by_kind["wijkraad"].internal
    assert by_kind["wijkraad"].reason == "betrokken bij wijk Noord"  # addressed to them
    key_figure = by_kind["sleutelfiguur"]
    assert key_figure.name.startswith("Ineke Smeets") and key_figure.public_label == ""
    for kind in ("department", "wethouder"):
        assert by_kind[kind].internal and by_kind[kind].public_label == ""


def test_the_space_comes_from_the_scope_rule_or_the_url_when_no_proposal_is_at_hand(mappings):
    proposal = make_proposal(url="http://d.example/assemblies/wijkraad-noord/f/31/proposals/42")
    plan = build_plan(proposal, mappings, NOW, space_key="wijkinitiatieven")
    assert view_from_plan(plan, mappings, tenant="t", version=1).space.slug == "wijkinitiatieven"
    unscoped = replace(plan, space_key=None)
    space = view_from_plan(unscoped, mappings, tenant="t", version=1).space
    assert (space.type, space.slug) == ("Decidim::Assembly", "wijkraad-noord")


def test_changes_are_told_to_advisors_in_sentences_of_the_texts_file(mappings, proposal):
    first = build_plan(proposal, mappings, NOW, space_key="wijkinitiatieven")
    accepted = replace(proposal, state="accepted", answered_at=proposal.published_at)
    own = {(h.kind, h.item_id): h for h in first.holds}
    state = PlanningState(availability=Availability(own_holds=own), previous=first)
    second = build_plan(accepted, mappings, NOW + 3600, state, space_key="wijkinitiatieven")
    lines = change_lines(second, diff(first, second), mappings, "nl")
    assert lines[0] == "lopend → aangenomen"
    assert any("vastgelegd (initiatief aangenomen)" in line for line in lines)
    assert change_lines(second, diff(first, second), mappings, "en")[0] == "open → accepted"
    # Nothing that advisors act on: no lines, so no update mail.
    assert change_lines(first, (), mappings, "nl") == []
