"""Proposals and moments shared by the steering tests."""

from __future__ import annotations

from plan_support import at, make_proposal

from decidim_bridge.proposals import Proposal

#: Published 2027-04-20: first contact by 2027-04-28, decision by 2027-06-08.
NOW = at("2027-04-22T11:00:00+02:00")


def street_party(**fields: object) -> Proposal:
    """No theme (the coordinator leads), four catalogue offers and the Noord budget."""
    return make_proposal(
        "Straatfeest in de Vogelwijk",
        "We willen een partytent en tafels en banken en een zaal. 500 euro uit het wijkbudget",
        address="Kievitlaan 3",
        **fields,
    )


def garden_against_loneliness(**fields: object) -> Proposal:
    """Themes sociaal (lead m-el-amrani) and groen (co-advisor a-de-vries)."""
    return make_proposal(
        "Buurtmoestuin tegen eenzaamheid in de Vogelwijk",
        "Een moestuin met tuingereedschap, een ontmoetingsplek voor eenzame ouderen en "
        "mantelzorgers. Eenzaamheid en ontmoeting.",
        address="Kievitlaan 3",
        **fields,
    )
