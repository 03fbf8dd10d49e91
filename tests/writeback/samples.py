"""Sample plan views for write-back tests (the Lindeburg example municipality)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from decidim_bridge.writeback.view import (
    BudgetOffer,
    ChecklistItem,
    Contact,
    Expectations,
    PlanView,
    ResourceOffer,
    ServicePurchase,
    Space,
    StakeholderLink,
)

LEAD = Contact(name="Anna de Vries", email="a.devries@lindeburg.example", phone="14 0570")
CO = Contact(name="Bram Jansen", email="b.jansen@lindeburg.example", domain="Sociaal")


def garden_view(version: int = 1, **changes: object) -> PlanView:
    view = PlanView(
        tenant="localhost",
        proposal_id="101",
        version=version,
        title={"nl": "Buurtmoestuin aan de Esdoornlaan", "en": "Community garden"},
        space=Space("Decidim::ParticipatoryProcess", "wijkinitiatieven", "11"),
        lead=LEAD,
        co_advisors=(CO,),
        district="Noord",
        themes=("Groen",),
        resources=(
            ResourceOffer(
                key="grond-noord",
                name={"nl": "stuk grond (200 m²)", "en": "plot of land (200 m²)"},
                quantity=1,
                ready_by=date(2026, 12, 14),
                conditions=({"nl": "u onderhoudt de tuin zelf", "en": "you maintain it"},),
                department="Beheer Openbare Ruimte",
            ),
            ResourceOffer(
                key="gereedschap",
                name={"nl": "gereedschapskist", "en": "tool box"},
                quantity=2,
                lead_time_days=5,
            ),
        ),
        budgets=(
            BudgetOffer(
                key="wijkbudget-noord-2026",
                name={"nl": "wijkbudget Noord", "en": "Noord district budget"},
                amount=Decimal("1500"),
                conditions=({"nl": "bonnetjes bewaren", "en": "keep receipts"},),
            ),
        ),
        stakeholders=(
            StakeholderLink(
                key="wijkraad-noord",
                name="Wijkraad Noord",
                kind="wijkraad",
                public_label={"nl": "de wijkraad Noord", "en": "the Noord district council"},
                email="wijkraad-noord@lindeburg.example",
                introduce=True,
                inform_on=frozenset({"published"}),
                reason="de wijkraad kent de buurt",
            ),
            StakeholderLink(
                key="wethouder-groen",
                name="Wethouder Groen",
                kind="wethouder",
                email="wethouder.groen@lindeburg.example",
                internal=True,
                inform_on=frozenset({"accepted"}),
                reason="portefeuille Groen",
            ),
        ),
        expectations=Expectations(
            say={"nl": "u kiest zelf wat u plant", "en": "you choose what to plant"},
            decides={"nl": "het college beslist over de grond", "en": "the board decides"},
            time_investment={"nl": "ongeveer 2 uur per week", "en": "about 2 hours a week"},
            first_contact_by=date(2026, 12, 8),
            decision_by=date(2027, 1, 22),
        ),
        service_purchase=ServicePurchase(),
        checklist=(
            ChecklistItem(1, {"nl": "Trekker gekozen", "en": "Lead chosen"}, True),
            ChecklistItem(3, {"nl": "Grond gereserveerd", "en": "Land reserved"}, True),
        ),
        reasons=("thema Groen: trefwoord 'moestuin' in de titel", "trekker: A. de Vries, Noord"),
    )
    return replace(view, **changes)  # type: ignore[arg-type]
