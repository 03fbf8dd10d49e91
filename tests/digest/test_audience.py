"""Tests for decidim_bridge.digest.audience: who gets the digest and what concerns them."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from plan_support import at

from decidim_bridge.digest.audience import (
    audience_digests,
    choose_period,
    concerns,
    digest_subscribers,
    previous_month,
)
from decidim_bridge.digest.model import Period

MAY = Period(date(2027, 5, 1), date(2027, 5, 31))
NOW = at("2027-06-02T09:00:00+02:00")


def _ids(result) -> dict[str, list[str]]:
    return {a.stakeholder.id: [i.proposal_id for i in a.digest.initiatives] for a in result}


def _with_digest(mappings, stakeholder_id):
    """The rules with ``stakeholder_id`` also asking for the digest."""
    stakeholders = tuple(
        replace(s, inform_on=(*s.inform_on, "digest")) if s.id == stakeholder_id else s
        for s in mappings.stakeholders
    )
    return replace(mappings, stakeholders=stakeholders)


def test_subscribers_are_exactly_those_asking_for_the_digest(mappings):
    assert [s.id for s in digest_subscribers(mappings)] == [
        "wijkraad-west",
        "weth-van-dijk",
        "weth-ozturk",
        "weth-kramer",
        "burgemeester",
        "commissie-ruimte",
        "commissie-samenleving",
        "commissie-bestuur",
    ]


def test_a_wijkraad_gets_only_its_wijk(spring_plans, mappings):
    rules = _with_digest(mappings, "wijkraad-noord")
    result = _ids(audience_digests(spring_plans, rules, MAY, NOW))
    assert result["wijkraad-noord"] == ["1"]  # the Noord initiative, nothing from Zuid
    assert result["wijkraad-west"] == []  # no initiative in West


def test_a_wethouder_gets_only_their_portfolio(spring_plans, mappings):
    result = _ids(audience_digests(spring_plans, mappings, MAY, NOW))
    assert result["weth-van-dijk"] == ["1"]  # groen
    assert result["weth-kramer"] == ["2", "4"]  # spelen en sport, cultuur
    assert result["commissie-samenleving"] == ["2", "4"]
    # Sociaal: the only initiative closed in March, before the period.
    assert result["weth-ozturk"] == []
    assert result["burgemeester"] == []


def test_each_digest_names_its_audience_and_counts_only_its_part(spring_plans, mappings):
    by_id = {a.stakeholder.id: a for a in audience_digests(spring_plans, mappings, MAY, NOW)}
    kramer = by_id["weth-kramer"]
    assert kramer.digest.audience == "Wethouder Johan Kramer (Cultuur en sport)"
    assert kramer.digest.locale == "nl"
    assert kramer.digest.totals.count == 2
    assert {g.key for g in kramer.digest.districts} == {"zuid"}
    assert not kramer.empty
    assert by_id["burgemeester"].empty


def test_concerns_follows_the_stakeholder_rules(spring_plans, mappings):
    noord_groen = spring_plans[0]
    assert concerns(noord_groen, mappings.stakeholder("weth-van-dijk"), mappings)
    assert concerns(noord_groen, mappings.stakeholder("wijkraad-noord"), mappings)
    assert not concerns(noord_groen, mappings.stakeholder("wijkraad-west"), mappings)
    assert not concerns(noord_groen, mappings.stakeholder("weth-kramer"), mappings)


def test_previous_month():
    assert previous_month(date(2027, 6, 2)) == MAY
    assert previous_month(date(2027, 1, 31)) == Period(date(2026, 12, 1), date(2026, 12, 31))
    assert previous_month(date(2027, 3, 1)) == Period(date(2027, 2, 1), date(2027, 2, 28))


def test_choose_period():
    today = date(2027, 6, 10)
    assert choose_period(today, None, None, days=90) == Period(date(2027, 3, 13), today)
    assert choose_period(today, None, None, days=90, send=True) == previous_month(today)
    until = date(2027, 5, 31)
    assert choose_period(today, None, until, days=7, send=True) == Period(date(2027, 5, 25), until)
    assert choose_period(today, MAY.since, None, days=90) == Period(MAY.since, today)
    with pytest.raises(ValueError, match="after it ends"):
        choose_period(today, today, MAY.until, days=90)
