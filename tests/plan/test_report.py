"""Tests for decidim_bridge.plan.report: the words around a plan come from the texts files."""

from __future__ import annotations

from dataclasses import replace

from plan_support import at, example_mappings, make_proposal

from decidim_bridge.plan import build_plan
from decidim_bridge.plan.diff import Change
from decidim_bridge.plan.report import change_line, plan_report, scope_lines
from decidim_bridge.plan.texts import make_reason
from decidim_bridge.proposals import ParticipatorySpace

NOW = at("2027-04-20T11:00:00+02:00")


def test_a_quiet_plan_says_so_in_each_language():
    mappings = example_mappings()
    plan = build_plan(make_proposal(), mappings, NOW, space_key="wijkinitiatieven")
    quiet = replace(plan, quiet=True, notes=(make_reason(mappings, "existing.answered"),))
    assert (
        "openbaar schrijven: niets (bestond al en had al een antwoord: niets openbaar "
        "geschreven)" in plan_report(quiet, mappings)
    )
    assert "public writes: none (existed already and had an answer" in plan_report(
        quiet, mappings, "en"
    )
    bare = plan_report(replace(plan, quiet=True, notes=()), mappings)
    assert "openbaar schrijven: niets (bestond al)" in bare


def test_scope_lines_name_the_ignore_rule_and_its_reason():
    mappings = example_mappings()
    budget = ParticipatorySpace("Decidim::ParticipatoryProcess", "2", "begroting-2027")
    decision = mappings.scope.decide_on_proposal(replace(make_proposal(), space=budget))
    assert decision.code == "scope.ignored" and decision.in_scope is False
    assert decision.reason.startswith("out of scope: Begroting 2027 (")  # the inbox's record
    assert scope_lines(decision, mappings, "en").splitlines()[0] == (
        "scope: out of scope: Begroting 2027 is under ignore in scope.yaml: raadpleging over "
        "de begroting, geen burgerinitiatieven"
    )


def test_scope_lines_when_the_event_does_not_name_the_space():
    mappings = example_mappings()
    decision = mappings.scope.decide(
        space_type=None, space_id=None, space_slug=None, component_id=None
    )
    assert (decision.in_scope, decision.code) == (None, "scope.unknown")
    assert scope_lines(decision, mappings, "nl").splitlines()[0] == (
        "bereik: valt erbuiten: de gebeurtenis noemt de ruimte of het component niet"
    )


def test_change_lines_use_labels_and_names():
    mappings = example_mappings()
    lines = [
        change_line(change, mappings, "nl")
        for change in (
            Change("plan", "created", "42", None, "open"),
            Change("stage", "changed", "", "open", "withdrawn"),
            Change("lead", "changed", "", "a-de-vries", "c-bakker"),
            Change("lead", "changed", "counts_load", "True", "False"),
            Change("themes", "removed", "groen"),
            Change("budget", "changed", "", "None:none:None", "wijkbudget-noord-2027:held:75000"),
        )
    ]
    assert lines == [
        "plan 42: gemaakt",
        "fase: lopend -> ingetrokken",
        "trekker: Anouk de Vries -> Carla Bakker",
        "trekker telt mee in de werklast: ja -> nee",
        "thema's Groen: eraf",
        "budget: geen -> Wijkbudget Noord 2027 (vastgehouden, € 750)",
    ]
