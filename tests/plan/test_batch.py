"""Tests for decidim_bridge.plan.batch and plan.batch_report: a folder planned in date order."""

from __future__ import annotations

from dataclasses import replace

from plan_support import make_proposal

from decidim_bridge.plan import batch
from decidim_bridge.plan.batch import budget_left, plan_batch
from decidim_bridge.plan.batch_report import batch_report

GARDEN = "Wij willen een moestuin met een hek eromheen en vragen € 750 voor zaden."


def _garden(proposal_id: str, published: str):
    return make_proposal(
        "Buurtmoestuin aan de Kievitlaan",
        GARDEN,
        proposal_id=proposal_id,
        address="Kievitlaan 14, 7415 CK Lindeburg",
        published=published,
    )


def _when(proposal):
    return proposal.published_at.timestamp()


def test_a_batch_carries_loads_stock_and_budgets_in_date_order(mappings):
    later = _garden("2", "2027-04-22T10:00:00+02:00")
    earlier = _garden("1", "2027-04-20T10:00:00+02:00")
    result = plan_batch([later, earlier], mappings, moment=_when)
    assert [p.proposal_id for p in result.plans] == ["1", "2"]
    first, second = result.plans
    # The lead's load counts: the second plan sees the first initiative.
    assert result.leads[first.assignment.lead.advisor_id] >= 1
    assert sum(result.leads.values()) == 2
    # The single plot of land goes to the first; the second is refused it.
    plot = "perceel-kievitlaan"
    assert {o.resource_id: o.status for o in first.resources}[plot] == "held"
    assert {o.resource_id: o.status for o in second.resources}[plot] == "unavailable"
    assert [(r.proposal_id, r.resource_id) for r in result.refused] == [("2", plot)]
    assert (result.refused[0].needed, result.refused[0].available) == (1, 0)
    # Both budget holds are counted against the wijk's budget.
    budget = first.budget.budget_id
    total = next(b.total_cents for b in mappings.budgets if b.id == budget)
    assert budget_left(mappings, result)[budget] == total - 2 * 75000


def test_holds_that_ran_out_are_given_back_before_the_next_plan(mappings):
    first = _garden("1", "2027-04-20T10:00:00+02:00")
    much_later = _garden("2", "2027-09-20T10:00:00+02:00")
    result = plan_batch([first, much_later], mappings, moment=_when)
    assert not result.refused
    statuses = {o.resource_id: o.status for o in result.plans[1].resources}
    assert statuses["perceel-kievitlaan"] == "held"


def test_the_batch_report_names_the_spread_refusals_and_budget_left(mappings):
    proposals = [_garden(str(i), f"2027-04-2{i}T10:00:00+02:00") for i in (1, 2)]
    result = plan_batch(proposals, mappings, moment=_when)
    text = batch_report(result, mappings, "nl")
    assert text.startswith("Proef met 2 initiatieven")
    assert "Verdeling over adviseurs" in text
    assert "Aanbod geweigerd omdat alles al is gereserveerd:\n  2: Braakliggend perceel" in text
    assert "Noord: Wijkbudget Noord 2027: € 24.500 over van € 26.000" in text
    english = batch_report(result, mappings, "en")
    assert "Offers refused because everything is reserved" in english


def test_a_refusal_counts_what_was_free_from_the_offer_not_its_words(mappings, monkeypatch):
    """Two planters per initiative and thirteen in stock: the seventh is refused with one
    free, also when the reason's words carry no number."""
    resources = tuple(
        replace(r, quantity=13) if r.id == "bloembakken" else r for r in mappings.resources
    )
    mappings = replace(mappings, resources=resources)
    build = batch.build_plan

    def without_numbers(*args, **kwargs):
        plan = build(*args, **kwargs)
        offers = tuple(
            replace(o, reasons=tuple(replace(r, args={}) for r in o.reasons))
            for o in plan.resources
        )
        return replace(plan, resources=offers)

    monkeypatch.setattr(batch, "build_plan", without_numbers)
    planters = [
        make_proposal(
            "Bloembakken voor de Molenbuurt",
            proposal_id=str(day),
            published=f"2027-04-{day:02d}T10:00:00+02:00",
        )
        for day in range(1, 8)
    ]
    result = plan_batch(planters, mappings, moment=_when)
    refused = [(r.proposal_id, r.resource_id, r.needed, r.available) for r in result.refused]
    assert refused == [("7", "bloembakken", 2, 1)]
