"""Tests for decidim_bridge.plan.needed and period holds: a date in the text sets when the
items are needed, and the hold counts only from the lead time before it."""

from __future__ import annotations

from datetime import date

from plan_support import at, make_proposal

from decidim_bridge.pipeline import preview_plan
from decidim_bridge.plan.batch import plan_batch
from decidim_bridge.plan.engine import read_proposal
from decidim_bridge.plan.needed import needed_date

PARTY = "Straatfeest in de Vogelwijk op zaterdag 26 juni"
BODY = "We willen de straat afzetten met dranghekken voor het straatfeest."


def test_a_day_and_month_in_the_text_is_the_first_such_day_after_publication(mappings):
    text = read_proposal(make_proposal(PARTY, BODY), mappings)
    found, evidence = needed_date(text, mappings, date(2027, 1, 10))
    assert found == date(2027, 6, 26)
    assert (evidence.where, evidence.matched) == ("title", "26 juni")
    later = read_proposal(make_proposal("Feest op 3 februari", "of 6-6-2027"), mappings)
    assert needed_date(later, mappings, date(2027, 4, 1))[0] == date(2027, 6, 6)
    assert (
        needed_date(
            read_proposal(make_proposal("Geen datum"), mappings), mappings, date(2027, 1, 1)
        )
        is None
    )


def _party(proposal_id: str, published: str):
    return make_proposal(
        PARTY,
        BODY,
        proposal_id=proposal_id,
        address="Merelhof 3, 7415 AB Lindeburg",
        published=published,
    )


def test_a_hold_for_a_dated_initiative_starts_at_the_lead_time_before_it(mappings):
    plan = preview_plan(
        _party("1", "2027-01-11T10:00:00+01:00"), mappings, at("2027-01-11T11:00:00+01:00")
    )
    offer = next(o for o in plan.resources if o.group == "dranghekken")
    hold = offer.hold
    assert hold is not None and hold.starts_at is not None
    start = date.fromtimestamp(hold.starts_at)
    assert date(2027, 5, 1) < start < date(2027, 6, 26)  # not from January
    assert date.fromtimestamp(hold.expires_at) == date(2027, 6, 26)
    assert offer.reasons[-1].code == "resource.held_period"
    assert "gereserveerd voor zaterdag 26 juni 2027" in offer.reasons[-1].text


def test_periods_that_do_not_overlap_share_the_stock(mappings):
    # Every set of barriers is taken by parties on 26 June; a party in September still
    # gets one, a party on the same day does not.
    parties = [_party(str(i), "2027-01-11T10:00:00+01:00") for i in range(1, 9)]
    autumn = make_proposal(
        "Straatfeest in de Vogelwijk op 18 september",
        BODY,
        proposal_id="20",
        address="Merelhof 3, 7415 AB Lindeburg",
        published="2027-01-12T10:00:00+01:00",
    )
    result = plan_batch([*parties, autumn], mappings, moment=lambda p: p.published_at.timestamp())
    statuses = {
        p.proposal_id: next(o.status for o in p.resources if o.group == "dranghekken")
        for p in result.plans
    }
    assert "unavailable" in statuses.values()  # the June parties ran out
    assert statuses["20"] == "held"


def test_june_holds_made_in_january_leave_the_stock_free_in_march(mappings):
    # Every set of barriers is taken for 26 June in January; a party without a date in
    # March is before their periods and gets one.
    parties = [_party(str(i), "2027-01-11T10:00:00+01:00") for i in range(1, 9)]
    spring = make_proposal(
        "Straatfeest in de Vogelwijk",
        BODY,
        proposal_id="30",
        address="Merelhof 3, 7415 AB Lindeburg",
        published="2027-03-01T10:00:00+01:00",
    )
    result = plan_batch([*parties, spring], mappings, moment=lambda p: p.published_at.timestamp())
    offers = {
        p.proposal_id: next(o for o in p.resources if o.group == "dranghekken")
        for p in result.plans
    }
    assert offers["30"].status == "held" and offers["30"].hold.starts_at is None
    refused = [r for r in result.refused if r.resource_id.startswith("dranghekken")]
    assert refused and all(r.available == 0 for r in refused)
