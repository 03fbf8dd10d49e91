"""What messages show of a plan: names, addresses and sentences from the mappings, nothing
a resident must not read."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from conftest import REPO
from plan_support import at, make_proposal

from decidim_bridge.intake.proposal_json import proposal_from_json
from decidim_bridge.plan import build_plan
from decidim_bridge.plan.diff import diff
from decidim_bridge.plan.state import Availability, PlanningState
from decidim_bridge.writeback import derived
from decidim_bridge.writeback.render import Links, context
from decidim_bridge.writeback.subject import subject_of
from decidim_bridge.writeback.templates import MessageTemplates

EXAMPLE = REPO / "mappings" / "examples" / "buurtmoestuin-noord.json"
NOW = at("2027-04-20T12:00:00+02:00")

#: A message showing what advisors and residents read of a plan, line by line.
SOURCE = """\
{{ contact.name }} | {{ contact.email }} | {{ contact | phone }}
{{ plan.classification.district_id | name("district") }}
{{ plan.classification.theme_ids | map("name", "theme") | list | words }}
{% for o in offers %}
{% set entry = o | catalogue %}
{{ o.resource_id }}: {{ entry.name | t }} | {{ entry.department | name("stakeholder") }} \
| {{ entry.conditions | map("t") | join("; ") }} | {{ o.ready_by | date(false) }}
{% endfor %}
{% for b in budgets %}
{% set entry = b | catalogue %}
{{ b.budget_id }}: {{ b.amount_cents | cents }} uit {{ entry.name | t }}
{% endfor %}
{{ terms.say_text | t }}
{% for item in plan.checklist %}
{{ item | text }}
{% endfor %}
{% for r in plan | reasons %}
{{ r }}
{% endfor %}
{{ proposal.public_url }}"""


@pytest.fixture
def proposal():
    return proposal_from_json(json.loads(EXAMPLE.read_text(encoding="utf-8")))


def _render(mappings, plan, subject, locale="nl"):
    templates = MessageTemplates(
        {("nl", "x"): SOURCE, ("en", "x"): SOURCE}, default_locale="nl", words=mappings.texts
    )
    values = context(plan, subject, mappings, Links("https://decidim.invalid"))
    return templates.render("x", locale, values).text.splitlines()


def test_a_plan_is_shown_with_names_and_addresses_from_the_mappings(mappings, proposal):
    plan = build_plan(proposal, mappings, NOW, space_key="wijkinitiatieven")
    subject = subject_of(plan, mappings, tenant="localhost", version=3, proposal=proposal)
    assert (subject.tenant, subject.proposal_id, subject.version) == ("localhost", "1042", 3)
    assert subject.title == {"nl": "Buurtmoestuin op het grasveld aan de Kievitlaan"}
    assert (subject.space.type, subject.space.slug, subject.space.component_id) == (
        "Decidim::ParticipatoryProcess",
        "wijkinitiatieven",
        "11",
    )
    assert subject.state is None  # open, not answered

    lines = _render(mappings, plan, subject)
    advisor = mappings.advisor(plan.assignment.lead.advisor_id)
    assert lines[0] == f"{advisor.name} | {advisor.email} | {advisor.phone}"
    assert lines[1] == "Noord"
    assert lines[2].startswith("Groen")
    plot = next(line for line in lines if line.startswith("perceel-kievitlaan: "))
    name, department, conditions, ready = plot.removeprefix("perceel-kievitlaan: ").split(" | ")
    assert name.startswith("Braakliggend perceel aan de Kievitlaan")
    assert department == "Team Vastgoed"
    assert conditions.startswith("U krijgt de grond in bruikleen")
    offer = next(o for o in plan.resources if o.resource_id == "perceel-kievitlaan")
    assert offer.status == "held" and ready.endswith(offer.ready_by[:4])
    assert "wijkbudget-noord-2027: € 750 uit Wijkbudget Noord 2027" in lines
    rule = mappings.expectations.for_space("wijkinitiatieven")
    assert rule.say_text["nl"] in lines
    assert any(line.startswith("Neem de regie als trekker") for line in lines)
    assert any(line.startswith("wijk Noord") for line in lines)
    assert lines[-1] == proposal.url

    english = _render(mappings, plan, subject, "en")
    assert "wijkbudget-noord-2027: €750 uit District budget Noord 2027" in english
    assert english[2].startswith("Green spaces")
    assert rule.say_text["en"] in english


def test_only_organisations_are_named_to_residents(mappings):
    proposal = make_proposal(
        "Koffieochtend voor ouderen in de Vogelwijk", taxonomies=("Noord", "Sociaal")
    )
    plan = build_plan(proposal, mappings, NOW, space_key="wijkinitiatieven")
    by_kind = {s.kind: (link, s) for link, s in derived.stakeholders(plan, mappings)}
    link, wijkraad = by_kind["wijkraad"]
    assert derived.public_label(wijkraad) == "Wijkraad Noord"
    assert wijkraad.contact.email == "info@wijkraadnoord.example"
    assert link.action == "introduce" and wijkraad.external
    assert derived.stakeholder_reason(link, mappings, "nl") == "betrokken bij wijk Noord"
    _, key_figure = by_kind["sleutelfiguur"]
    assert key_figure.name.startswith("Ineke Smeets") and derived.public_label(key_figure) == ""
    for kind in ("department", "wethouder"):
        assert not by_kind[kind][1].external and derived.public_label(by_kind[kind][1]) == ""
    assert "Wijkraad Noord" in derived.partners(plan, mappings)
    assert not any(p.startswith("Ineke") for p in derived.partners(plan, mappings))


def test_the_space_comes_from_the_scope_rule_or_the_url_when_no_proposal_is_at_hand(mappings):
    proposal = make_proposal(url="http://d.example/assemblies/wijkraad-noord/f/31/proposals/42")
    plan = build_plan(proposal, mappings, NOW, space_key="wijkinitiatieven")
    assert subject_of(plan, mappings, tenant="t", version=1).space.slug == "wijkinitiatieven"
    unscoped = replace(plan, space_key=None)
    space = subject_of(unscoped, mappings, tenant="t", version=1).space
    assert (space.type, space.slug) == ("Decidim::Assembly", "wijkraad-noord")


def test_changes_are_told_to_advisors_in_sentences_of_the_texts_file(mappings, proposal):
    first = build_plan(proposal, mappings, NOW, space_key="wijkinitiatieven")
    accepted = replace(proposal, state="accepted", answered_at=proposal.published_at)
    own = {(h.kind, h.item_id): h for h in first.holds}
    state = PlanningState(availability=Availability(own_holds=own), previous=first)
    second = build_plan(accepted, mappings, NOW + 3600, state, space_key="wijkinitiatieven")
    lines = derived.change_lines(second, diff(first, second), mappings, "nl")
    assert lines[0] == "lopend → aangenomen"
    assert any("vastgelegd (initiatief aangenomen)" in line for line in lines)
    assert derived.change_lines(second, diff(first, second), mappings, "en")[0] == "open → accepted"
    # Nothing that advisors act on: no lines, so no update mail.
    assert derived.change_lines(first, (), mappings, "nl") == []
