"""Tests for decidim_bridge.plan.offers: catalogue and budget offers with holds."""

from __future__ import annotations

import json
from datetime import date

import pytest
from plan_support import at, make_proposal

from decidim_bridge.plan import build_plan
from decidim_bridge.plan.calendar import calendar_for
from decidim_bridge.plan.classify import ProposalText
from decidim_bridge.plan.model import Hold
from decidim_bridge.plan.offers import requested_amount
from decidim_bridge.plan.serialize import plan_from_json, plan_to_json
from decidim_bridge.plan.state import Availability, PlanningState

NOW = at("2027-04-20T11:00:00+02:00")
STRAATFEEST = "Straatfeest in de Schildersbuurt"
MOESTUIN = "Buurtmoestuin in de Vogelwijk"


def plan_for(mappings, title, body="", *, free=None, budgets=None, own=None, **fields):
    """``free``: units free of an item whatever the period (the others are all free)."""
    quantity = {r.id: r.quantity for r in mappings.resources}
    free = free or {}

    def free_between(item_id, first, end):
        return free.get(item_id, quantity[item_id])

    availability = Availability(budgets or {}, own or {}, free_between)
    state = PlanningState(availability=availability)
    proposal = make_proposal(title, body, **fields)
    return build_plan(proposal, mappings, NOW, state, space_key="wijkinitiatieven")


def offered(plan) -> dict[str, str]:
    return {o.resource_id: o.status for o in plan.resources}


class TestCatalogue:
    def test_keywords_select_items_and_the_wijk_selects_the_depot(self, mappings):
        plan = plan_for(mappings, STRAATFEEST, "We willen de straat afzetten met dranghekken.")
        assert offered(plan) == {
            "dranghekken-zuid": "held",
            "partytent": "held",
        }
        barriers = plan.resources[0]
        assert [r.code for r in barriers.reasons] == ["resource.match", "resource.held"]
        assert barriers.hold is not None and barriers.hold.quantity == 1

    def test_one_item_per_group_the_local_one(self, mappings):
        plan = plan_for(mappings, "Koffieochtend in wijkcentrum", "In de Vogelwijk.")
        rooms = [o for o in plan.resources if o.group == "zaal"]
        assert [o.resource_id for o in rooms] == ["zaal-de-linde"]

    def test_group_without_an_item_in_the_wijk_is_noted(self, mappings):
        plan = plan_for(mappings, "Moestuin aan de Molenwal")  # centrum: no plot there
        assert "perceel-kievitlaan" not in offered(plan)
        assert any(n.code == "resource.not_in_district" for n in plan.notes)

    def test_exhausted_item_is_unavailable_and_flagged(self, mappings):
        plan = plan_for(mappings, MOESTUIN, free={"perceel-kievitlaan": 0})
        assert offered(plan)["perceel-kievitlaan"] == "unavailable"
        offer = next(o for o in plan.resources if o.resource_id == "perceel-kievitlaan")
        assert offer.hold is None
        assert offer.reasons[-1].args == {
            "resource": "perceel-kievitlaan",
            "needed": 1,
            "available": 0,
        }
        assert offer.free == 0
        assert any(f.code == "flag.unavailable" for f in plan.flags)

    def test_never_more_than_is_free(self, mappings):
        plan = plan_for(mappings, "Bloembakken voor de Molenbuurt", free={"bloembakken": 1})
        refused = next(o for o in plan.resources if o.resource_id == "bloembakken")
        assert refused.status == "unavailable"  # two per initiative
        assert refused.free == 1
        plan = plan_for(mappings, "Bloembakken voor de Molenbuurt", free={"bloembakken": 2})
        offer = next(o for o in plan.resources if o.resource_id == "bloembakken")
        assert offer.status == "held" and offer.hold.quantity == 2
        assert offer.free == 2

    def test_the_free_count_is_not_stored(self, mappings):
        plan = plan_for(mappings, MOESTUIN, free={"perceel-kievitlaan": 0})
        stored = json.loads(plan_to_json(plan))
        assert all("free" not in offer for offer in stored["resources"])
        again = plan_from_json(plan_to_json(plan))
        assert again == plan and {o.free for o in again.resources} == {None}

    def test_hold_lasts_until_the_decision_date_at_least(self, mappings):
        plan = plan_for(mappings, MOESTUIN)
        decision_end = calendar_for(mappings).end_of_day(
            date.fromisoformat(plan.expectations.decision_by)
        )
        tools = next(o for o in plan.resources if o.resource_id == "tuingereedschap")
        assert tools.hold.expires_at == decision_end  # 15 working days would end earlier

    def test_own_hold_is_kept_unchanged(self, mappings):
        own = Hold("resource", "tuingereedschap", 1, "held", NOW - 86400, NOW + 5 * 86400)
        plan = plan_for(
            mappings,
            MOESTUIN,
            free={"tuingereedschap": 1},
            own={("resource", "tuingereedschap"): own},
        )
        tools = next(o for o in plan.resources if o.resource_id == "tuingereedschap")
        assert tools.hold == own

    def test_accepted_confirms_and_keeps_the_original_time(self, mappings):
        own = Hold("resource", "tuingereedschap", 1, "held", NOW - 86400, NOW + 5 * 86400)
        plan = plan_for(
            mappings, MOESTUIN, own={("resource", "tuingereedschap"): own}, state="accepted"
        )
        tools = next(o for o in plan.resources if o.resource_id == "tuingereedschap")
        assert tools.hold == Hold("resource", "tuingereedschap", 1, "confirmed", NOW - 86400, None)

    @pytest.mark.parametrize("fields", [{"state": "rejected"}, {"withdrawn": True}])
    def test_closed_initiatives_hold_nothing(self, mappings, fields):
        plan = plan_for(mappings, MOESTUIN, "Graag € 500.", **fields)
        assert plan.holds == ()
        assert set(offered(plan).values()) == {"released"}
        assert plan.budget.status == "released" and plan.budget.amount_cents == 0


class TestBudget:
    def test_named_amount_is_held(self, mappings):
        plan = plan_for(mappings, MOESTUIN, "We vragen € 1.500 voor zaden en planten.")
        budget = plan.budget
        assert (budget.budget_id, budget.status, budget.amount_cents) == (
            "wijkbudget-noord-2027",
            "held",
            150_000,
        )
        assert budget.requested_cents == 150_000
        assert budget.hold.quantity == 150_000

    def test_default_amount_without_a_number(self, mappings):
        plan = plan_for(mappings, MOESTUIN)
        assert plan.budget.amount_cents == 50_000
        assert "budget.default" in [r.code for r in plan.budget.reasons]

    def test_capped_at_the_maximum_per_initiative(self, mappings):
        plan = plan_for(mappings, MOESTUIN, "Kosten: 4.000 euro.")
        assert plan.budget.amount_cents == 250_000
        capped = next(r for r in plan.budget.reasons if r.code == "budget.capped")
        assert capped.text == (
            "Wijkbudget Noord 2027: gevraagd € 4.000, maximaal € 2.500 per initiatief"
        )

    def test_partial_when_little_is_left(self, mappings):
        plan = plan_for(mappings, MOESTUIN, "€ 1.500", budgets={"wijkbudget-noord-2027": 30_000})
        # the green fund is next in line and has enough
        assert plan.budget.budget_id == "groenfonds-2027"
        assert plan.budget.amount_cents == 100_000  # capped at its maximum

    def test_partial_amount_when_nothing_else_fits(self, mappings):
        plan = plan_for(
            mappings,
            "Koffieochtend in de Vogelwijk",
            "€ 800",
            budgets={"wijkbudget-noord-2027": 30_000},
        )
        assert (plan.budget.budget_id, plan.budget.amount_cents) == (
            "wijkbudget-noord-2027",
            30_000,
        )
        assert "budget.partial" in [r.code for r in plan.budget.reasons]

    def test_budget_run_out(self, mappings):
        plan = plan_for(
            mappings, "Koffieochtend in de Vogelwijk", budgets={"wijkbudget-noord-2027": 0}
        )
        assert plan.budget.status == "unavailable" and plan.budget.hold is None

    def test_no_budget_for_the_year(self, mappings):
        plan = plan_for(mappings, MOESTUIN, published="2028-03-01T10:00:00+01:00")
        assert plan.budget.status == "none" and plan.budget.budget_id is None
        assert plan.budget.reasons[0].args == {"district": "noord", "year": 2028}

    def test_warning_for_what_the_budget_does_not_pay_for(self, mappings):
        plan = plan_for(mappings, "Buurtbarbecue in de Vogelwijk", "Met bier en wijn.")
        assert [w.args["keyword"] for w in plan.budget.warnings] == ["bier", "wijn"]


@pytest.mark.parametrize(
    ("text", "cents"),
    [
        ("We vragen € 1.500.", 150_000),
        ("ongeveer 1500 euro", 150_000),
        ("€12,50 per persoon", 1_250),
        ("EUR 250,- en daarna € 75", 25_000),
        ("1.250,50 euro", 125_050),
        ("In 2026 met 40 buren", None),
    ],
)
def test_requested_amount(text, cents):
    found = requested_amount(ProposalText("", text, "", (), (), ()))
    assert (found[0] if found else None) == cents
