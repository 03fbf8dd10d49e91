"""Tests for decidim_bridge.plan.serialize: stored plans read back."""

from __future__ import annotations

import json
from dataclasses import replace

from plan_support import at, make_proposal

from decidim_bridge.plan import build_plan
from decidim_bridge.plan.serialize import expectations_from_json, plan_to_json
from decidim_bridge.plan.state import PlanningState

NOW = at("2027-04-20T11:00:00+02:00")


def test_the_expectations_read_alone_are_the_plans(mappings):
    """Without and with the field left out while it has its default (``rebased_from``)."""
    proposal = make_proposal("Buurtmoestuin in de Vogelwijk")
    plan = build_plan(proposal, mappings, NOW, PlanningState(), space_key="wijkinitiatieven")
    rebased = replace(plan, expectations=replace(plan.expectations, rebased_from="2027-03-02"))
    assert "rebased_from" not in json.loads(plan_to_json(plan))["expectations"]
    for stored in (plan, rebased):
        read = expectations_from_json(plan_to_json(stored))
        assert read == stored.expectations
        assert read.published_on == (stored.expectations.rebased_from or read.start_date)
    assert expectations_from_json(plan_to_json(rebased)).published_on == "2027-03-02"
