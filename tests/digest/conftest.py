"""Fixtures for digest tests: initiatives in several wijken and themes, built with the real
engine and the example rules."""

from __future__ import annotations

from datetime import datetime

import pytest
from plan_support import MAPPINGS, at, example_mappings, make_proposal

from decidim_bridge.pipeline import save_plan
from decidim_bridge.plan import build_plan
from decidim_bridge.plan.model import Plan
from decidim_bridge.plan.state import PlanningState
from decidim_bridge.proposals import Proposal
from decidim_bridge.rules.model import Mappings
from decidim_bridge.store import Database
from decidim_bridge.writeback.templates import MessageTemplates, message_templates

#: The moment the plans are computed (published dates are in April/May 2027).
PLANNED = "2027-05-20T12:00:00+02:00"


def proposals() -> list[Proposal]:
    return [
        make_proposal(
            "Buurtmoestuin aan de Kievitlaan",
            "We vragen € 750 uit het wijkbudget voor zaden en planten.",
            proposal_id="1",
            address="Kievitlaan 14, 7415 CK Lindeburg",
            taxonomies=("Noord", "Groen"),
            published="2027-04-20T10:00:00+02:00",
            reference="LB-1",
        ),
        make_proposal(
            "Speeltuin opknappen",
            "De schommels in de speeltuin zijn kapot.",
            proposal_id="2",
            address="Esdoornstraat 3, 7423 AB Lindeburg",
            taxonomies=("Zuid", "Spelen en sport"),
            published="2027-04-22T09:00:00+02:00",
            state="accepted",
            answered_at=datetime.fromisoformat("2027-05-18T10:00:00+02:00"),
        ),
        make_proposal(
            "Koffieochtend voor ouderen",
            "Een koffieochtend tegen eenzaamheid.",
            proposal_id="3",
            address="Marktplein 1, 7411 AA Lindeburg",
            taxonomies=("Centrum", "Sociaal"),
            published="2027-03-01T09:00:00+01:00",
            state="rejected",
            answered_at=datetime.fromisoformat("2027-03-05T10:00:00+01:00"),
        ),
        make_proposal(
            "Muurschildering bij de brug",
            "Een kunstwerk op de muur.",
            proposal_id="4",
            address="Brugweg 2, 7423 AC Lindeburg",
            taxonomies=("Zuid", "Cultuur"),
            published="2027-05-10T09:00:00+02:00",
            withdrawn=True,
        ),
    ]


def plans(moment: str = PLANNED) -> list[Plan]:
    """Each planned when it was published (as the bridge does), then again at ``moment``."""
    mappings = example_mappings()
    out = []
    for proposal in proposals():
        assert proposal.published_at is not None
        first = build_plan(
            proposal, mappings, proposal.published_at.timestamp(), space_key="wijkinitiatieven"
        )
        out.append(
            build_plan(
                proposal,
                mappings,
                at(moment),
                PlanningState(previous=first),
                space_key="wijkinitiatieven",
            )
        )
    return out


@pytest.fixture(scope="session")
def spring_plans() -> list[Plan]:
    """Plans computed on 20 May 2027: 1 open (Noord, Groen, budget held), 2 accepted (Zuid,
    Spelen en sport, budget confirmed), 3 rejected in March (Centrum, Sociaal), 4 withdrawn
    (Zuid, Cultuur)."""
    return plans()


@pytest.fixture
def mappings() -> Mappings:
    return example_mappings()


@pytest.fixture(scope="session")
def spring_proposals() -> list[Proposal]:
    return proposals()


@pytest.fixture
def cli_db(monkeypatch, settings, db, spring_proposals) -> Database:
    """The spring plans stored (as the pipeline stores them) in a migrated database that the
    CLI is pointed at."""
    monkeypatch.setenv("DECIDIM_BRIDGE_INSTANCE_DIR", str(settings.instance_dir))
    monkeypatch.setenv("DECIDIM_BRIDGE_DATABASE_URL", db.url)
    monkeypatch.setenv("DECIDIM_BRIDGE_MAPPINGS_DIR", str(MAPPINGS))
    for proposal in spring_proposals:
        assert proposal.published_at is not None
        for moment in (proposal.published_at.timestamp(), at(PLANNED)):
            with db.begin() as conn:
                save_plan(
                    conn,
                    tenant="localhost",
                    proposal=proposal,
                    mappings=example_mappings(),
                    now=moment,
                    space_key="wijkinitiatieven",
                )
    return db


@pytest.fixture
def templates(mappings) -> MessageTemplates:
    """The example municipality's message templates, read once by the test (an edge)."""
    return message_templates(mappings)
