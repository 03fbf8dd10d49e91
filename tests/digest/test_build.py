"""Tests for decidim_bridge.digest.build: selection by period, wijk and theme; promises
against a fixed clock; totals per group and per wijkbudget."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from plan_support import at, example_mappings

from decidim_bridge.digest import Period, build_digest
from decidim_bridge.digest.build import promises, select_plans

SPRING = Period(date(2027, 4, 1), date(2027, 5, 31))
LATER = at("2027-06-10T12:00:00+02:00")


def ids(items) -> list[str]:
    return [i.proposal_id for i in items]


def test_period_keeps_running_initiatives_and_drops_ones_closed_before_it(spring_plans):
    chosen = select_plans(spring_plans, SPRING, example_mappings())
    # 3 was rejected on 5 March, before the period: not in it.
    assert [p.proposal_id for p in chosen] == ["1", "2", "4"]
    march = select_plans(
        spring_plans, Period(date(2027, 3, 1), date(2027, 3, 31)), example_mappings()
    )
    # In March only 3 existed (published 1 March, answered 5 March).
    assert [p.proposal_id for p in march] == ["3"]


def test_initiatives_published_after_the_period_are_left_out(spring_plans):
    chosen = select_plans(
        spring_plans, Period(date(2027, 4, 1), date(2027, 4, 20)), example_mappings()
    )
    assert [p.proposal_id for p in chosen] == ["1"]


def test_district_and_theme_filters(spring_plans):
    mappings = example_mappings()
    assert [
        p.proposal_id for p in select_plans(spring_plans, SPRING, mappings, district="zuid")
    ] == [
        "2",
        "4",
    ]
    assert [p.proposal_id for p in select_plans(spring_plans, SPRING, mappings, theme="groen")] == [
        "1"
    ]
    both = select_plans(spring_plans, SPRING, mappings, district="zuid", theme="cultuur")
    assert [p.proposal_id for p in both] == ["4"]


def test_unknown_filter_keys_are_refused_with_the_known_ones(spring_plans):
    with pytest.raises(ValueError, match=r"unknown district 'noordoost'.*centrum, noord"):
        build_digest(spring_plans, example_mappings(), SPRING, LATER, district="noordoost")
    with pytest.raises(ValueError, match="unknown theme 'sport'"):
        build_digest(spring_plans, example_mappings(), SPRING, LATER, theme="sport")
    with pytest.raises(ValueError, match="unknown locale 'de'"):
        build_digest(spring_plans, example_mappings(), SPRING, LATER, locale="de")


def test_period_must_not_end_before_it_starts():
    with pytest.raises(ValueError, match="after it ends"):
        Period(date(2027, 5, 1), date(2027, 4, 1))


def test_promises_against_a_fixed_clock(spring_plans):
    by_id = {p.proposal_id: p for p in spring_plans}
    open_plan = by_id["1"]  # first contact due 28 April, decision due 25 May, no answer
    first, decision = promises(open_plan, date(2027, 4, 27))
    assert (first.status, decision.status) == ("pending", "pending")
    first, decision = promises(open_plan, date(2027, 5, 1))
    assert (first.due, first.status, decision.status) == ("2027-04-28", "overdue", "pending")
    first, decision = promises(open_plan, date(2027, 5, 26))
    assert (decision.due, decision.status) == ("2027-05-25", "overdue")
    # 2 answered on 18 May: after the first-contact date, before the decision date.
    first, decision = promises(by_id["2"], date(2027, 6, 10))
    assert (first.status, decision.status) == ("late", "on_time")
    assert decision.answered_on == "2027-05-18"
    # 4 was withdrawn: its dates no longer apply, whatever today is.
    first, decision = promises(by_id["4"], date(2027, 12, 1))
    assert (first.status, decision.status) == ("n/a", "n/a")


def test_late_decision(spring_plans):
    rejected = {p.proposal_id: p for p in spring_plans}["3"]
    # Decision due 30 March, answered 5 March: on time.
    decision = promises(rejected, date(2027, 6, 1))[1]
    assert (decision.due, decision.status) == ("2027-03-30", "on_time")
    late = replace(rejected, expectations=replace(rejected.expectations, answered_on="2027-12-01"))
    assert promises(late, date(2027, 12, 2))[1].status == "late"


def test_items_say_what_was_offered_who_leads_and_the_stage(spring_plans):
    digest = build_digest(spring_plans, example_mappings(), SPRING, LATER)
    items = {i.proposal_id: i for i in digest.initiatives}
    garden = items["1"]
    assert garden.stage == "open" and garden.district == "Noord" and garden.themes == ("Groen",)
    assert garden.lead == "Anouk de Vries"
    assert garden.budget is not None
    assert (garden.budget.budget_id, garden.budget.status, garden.budget.amount_cents) == (
        "wijkbudget-noord-2027",
        "held",
        75000,
    )
    assert {o.resource_id for o in garden.offers} >= {"perceel-kievitlaan", "tuingereedschap"}
    assert all(o.status == "held" for o in garden.offers)
    playground = items["2"]
    assert playground.stage == "accepted" and playground.budget.status == "confirmed"
    assert items["4"].stage == "withdrawn" and items["4"].budget is None and not items["4"].offers


def test_totals_per_digest_district_and_portfolio(spring_plans):
    digest = build_digest(spring_plans, example_mappings(), SPRING, LATER)
    t = digest.totals
    assert (t.count, t.new, t.overdue, t.late) == (3, 3, 1, 0)
    assert t.stages == {"open": 1, "accepted": 1, "rejected": 0, "withdrawn": 1}
    budgets = {b.budget_id: (b.held_cents, b.confirmed_cents) for b in t.budgets}
    assert budgets == {"wijkbudget-noord-2027": (75000, 0), "wijkbudget-zuid-2027": (0, 50000)}
    assert [b.total_cents > 0 for b in t.budgets] == [True, True]
    assert [(g.key, ids(g.initiatives)) for g in digest.districts] == [
        ("noord", ["1"]),
        ("zuid", ["2", "4"]),
    ]
    zuid = digest.districts[1].totals
    assert (zuid.count, zuid.stages["accepted"], zuid.stages["withdrawn"]) == (2, 1, 1)
    assert [(g.key, ids(g.initiatives)) for g in digest.portfolios] == [
        ("weth-van-dijk", ["1"]),
        ("weth-kramer", ["2", "4"]),
    ]
    assert digest.portfolios[0].themes == ("Groen", "Verkeer")
    assert sum(g.totals.count for g in digest.portfolios) == t.count


def test_new_in_period_and_english_names(spring_plans):
    may = Period(date(2027, 5, 1), date(2027, 5, 31))
    digest = build_digest(spring_plans, example_mappings(), may, LATER, locale="en")
    assert digest.totals.count == 3 and digest.totals.new == 1  # only 4 was published in May
    garden = next(i for i in digest.initiatives if i.proposal_id == "1")
    assert garden.themes == ("Green spaces",)
    assert garden.budget.name == "District budget Noord 2027"


def test_no_key_figures_in_the_digest(spring_plans):
    mappings = example_mappings()
    digest = build_digest(spring_plans, mappings, SPRING, LATER)
    text = repr(digest)
    for stakeholder in mappings.stakeholders:
        if stakeholder.kind == "sleutelfiguur":
            assert stakeholder.name not in text
            if stakeholder.contact.name:
                assert stakeholder.contact.name not in text


def test_first_contact_an_advisor_recorded_is_judged_by_its_day(spring_plans):
    open_plan = {p.proposal_id: p for p in spring_plans}["1"]  # first contact due 28 April

    def contacted(day: str):
        plan = replace(
            open_plan, expectations=replace(open_plan.expectations, first_contact_on=day)
        )
        return promises(plan, date(2027, 5, 10))

    first, decision = contacted("2027-04-26")
    assert (first.status, first.answered_on) == ("on_time", "2027-04-26")
    assert decision.status == "pending"  # contact is no decision
    assert contacted("2027-05-03")[0].status == "late"
