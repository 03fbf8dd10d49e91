"""Tests for decidim_bridge.rules.model: scope decisions and small helpers."""

from __future__ import annotations

from dataclasses import replace

import pytest
from plan_support import example_mappings, make_proposal

from decidim_bridge.rules.model import normalize_space_type


@pytest.mark.parametrize(
    ("facts", "in_scope", "reason"),
    [
        (
            ("Decidim::ParticipatoryProcess", "1", "wijkinitiatieven", "11"),
            True,
            "Wijkinitiatieven",
        ),
        ((None, None, None, "11"), True, "Wijkinitiatieven"),
        (("participatory_processes", "1", None, "11"), True, "Wijkinitiatieven"),
        (("Decidim::ParticipatoryProcess", "2", "begroting-2027", "21"), False, "Begroting 2027"),
        (("Decidim::Assembly", "3", "wijkraad-noord", "31"), False, "Wijkraad Noord"),
        (("Decidim::ParticipatoryProcess", "1", "wijkinitiatieven", "12"), False, "not listed"),
        (("Decidim::Assembly", "1", "wijkinitiatieven", "11"), False, "not listed"),
        (("Decidim::ParticipatoryProcess", "9", "elders", None), False, "not listed"),
        (("Decidim::ParticipatoryProcess", "1", "wijkinitiatieven", None), None, "does not name"),
        ((None, None, None, None), None, "does not name"),
    ],
)
def test_scope_decisions(facts, in_scope, reason):
    space_type, space_id, slug, component = facts
    decision = example_mappings().scope.decide(
        space_type=space_type, space_id=space_id, space_slug=slug, component_id=component
    )
    assert decision.in_scope is in_scope
    assert reason in decision.reason


def test_ignored_spaces_say_why():
    decision = example_mappings().scope.decide(
        space_type="Decidim::ParticipatoryProcess",
        space_id="2",
        space_slug="begroting-2027",
        component_id="21",
    )
    assert "geen burgerinitiatieven" in decision.reason


def test_space_type_names():
    assert normalize_space_type("Decidim::ParticipatoryProcess") == "participatory_process"
    assert normalize_space_type("assemblies") == "assembly"
    assert normalize_space_type(None) is None


def test_decision_on_a_proposal_gives_the_space_key_only_in_scope():
    scope = example_mappings().scope
    proposal = make_proposal()
    assert scope.decide_on_proposal(proposal).space_key == "wijkinitiatieven"
    budget = replace(
        proposal,
        component_id="21",
        space=replace(proposal.space, id="2", slug="begroting-2027"),
    )
    decision = scope.decide_on_proposal(budget)
    assert decision.in_scope is False and decision.rule is not None
    assert decision.space_key is None


def test_replaced_rules_have_their_own_lookups():
    """``dataclasses.replace`` rebuilds the lookups, so they match the replaced rules."""
    rules = example_mappings()
    first = rules.stakeholders[0]
    renamed = replace(first, name="Andere naam")
    changed = replace(rules, stakeholders=(renamed, *rules.stakeholders[1:]))
    assert changed.stakeholder(first.id).name == "Andere naam"
    assert rules.stakeholder(first.id).name == first.name
    fewer = replace(rules, resources=rules.resources[1:])
    assert fewer.resource(rules.resources[0].id) is None
