"""A sample plan for write-back tests: a community garden in Lindeburg's district Noord.

The plan is plain plan-model data; ``garden_mappings`` adds the catalogue items, budget,
stakeholders and advisors it refers to to the example rules.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, NamedTuple

from decidim_bridge.plan.model import (
    AdvisorRole,
    Assignment,
    BudgetOffer,
    ChecklistItem,
    Classification,
    ExpectationContract,
    Plan,
    Reason,
    ResourceOffer,
    ServicePurchase,
    StakeholderLink,
    ThemeResult,
)
from decidim_bridge.rules.model import (
    Advisor,
    Budget,
    Contact,
    Mappings,
    Resource,
    Stakeholder,
)
from decidim_bridge.writeback.subject import Space, Subject


class Sample(NamedTuple):
    plan: Plan
    subject: Subject


def garden_mappings(mappings: Mappings) -> Mappings:
    """The example rules plus what the garden plan refers to."""

    def resource(id: str, name: dict[str, str], **values: Any) -> Resource:
        base = dict(kind="land", group=id, quantity=5, unit={}, per_initiative=2, districts=())
        base.update(lead_time_days=0, hold_days=30, department="", conditions=(), keywords=())
        return Resource(id=id, name=name, **{**base, **values})

    def stakeholder(id: str, name: str, kind: str, email: str, inform_on: tuple) -> Stakeholder:
        return Stakeholder(id, name, kind, (), None, Contact(email=email), True, inform_on, {})

    advisors = (
        Advisor("a-devries", "Anna de Vries", "a.devries@lindeburg.example", (), (), 9, "14 0570"),
        Advisor("b-jansen", "Bram Jansen", "b.jansen@lindeburg.example", ("sociaal",), (), 9),
    )
    terms = replace(
        mappings.expectations.default,
        key="moestuin",
        say_text={"nl": "u kiest zelf wat u plant", "en": "you choose what to plant"},
        decider={"nl": "het college beslist over de grond", "en": "the board decides"},
        time_investment={"nl": "ongeveer 2 uur per week", "en": "about 2 hours a week"},
        results={},
    )
    processes = {**mappings.expectations.processes, "moestuin": terms}
    return replace(
        mappings,
        expectations=replace(mappings.expectations, processes=processes),
        advisors=replace(mappings.advisors, advisors=(*mappings.advisors.advisors, *advisors)),
        resources=(
            *mappings.resources,
            resource(
                "grond-noord",
                {"nl": "stuk grond (200 m²)", "en": "plot of land (200 m²)"},
                department="Beheer Openbare Ruimte",
                conditions=({"nl": "u onderhoudt de tuin zelf", "en": "you maintain it"},),
            ),
            resource("gereedschap", {"nl": "gereedschapskist", "en": "tool box"}, lead_time_days=5),
        ),
        budgets=(
            *mappings.budgets,
            Budget(
                "wijkbudget-noord-2026",
                {"nl": "wijkbudget Noord", "en": "Noord district budget"},
                2026,
                ("noord",),
                (),
                1_000_000,
                250_000,
                100_000,
                30,
                {"nl": "de wijkmanager"},
                ({"nl": "bonnetjes bewaren", "en": "keep receipts"},),
            ),
        ),
        stakeholders=(
            *mappings.stakeholders,
            stakeholder(
                "wijkraad-noord-tuin",
                "Wijkraad Noord",
                "wijkraad",
                "wijkraad-noord@lindeburg.example",
                ("published",),
            ),
            stakeholder(
                "wethouder-groen",
                "Wethouder Groen",
                "wethouder",
                "wethouder.groen@lindeburg.example",
                ("accepted",),
            ),
        ),
    )


def _reason(code: str, **args: Any) -> Reason:
    return Reason(code, args)


def _offer(resource_id: str, quantity: int, ready_by: str = "") -> ResourceOffer:
    reason = _reason(
        "resource.held", resource=resource_id, quantity=quantity, until_date="2026-12-30"
    )
    return ResourceOffer(resource_id, resource_id, "held", quantity, ready_by, None, (), (reason,))


def garden_plan() -> Plan:
    lead = AdvisorRole(
        "a-devries",
        "Anna de Vries",
        "a.devries@lindeburg.example",
        "lead",
        "groen",
        _reason(
            "lead.chosen", advisor="a-devries", district="noord", theme="groen", open=3, capacity=9
        ),
    )
    co = AdvisorRole(
        "b-jansen",
        "Bram Jansen",
        "b.jansen@lindeburg.example",
        "co",
        "sociaal",
        _reason("co.chosen", theme="sociaal", advisor="b-jansen", open=1, capacity=9),
    )
    return Plan(
        proposal_id="101",
        component_id="11",
        space_key="wijkinitiatieven",
        title="Buurtmoestuin aan de Esdoornlaan",
        url=None,
        reference=None,
        stage="open",
        locale="nl",
        classification=Classification(
            "noord",
            (),
            (ThemeResult("groen", 3),),
            (),
            (_reason("theme.keyword", theme="groen", keyword="moestuin", where="title"),),
        ),
        assignment=Assignment(lead, (co,), fallback=False, counts_load=True),
        resources=(_offer("grond-noord", 1, "2026-12-14"), _offer("gereedschap", 2)),
        budget=BudgetOffer(
            "wijkbudget-noord-2026",
            "held",
            None,
            150_000,
            None,
            (),
            (
                _reason(
                    "budget.held",
                    budget="wijkbudget-noord-2026",
                    amount=150_000,
                    until_date="2026-12-30",
                ),
            ),
        ),
        stakeholders=(
            StakeholderLink(
                "wijkraad-noord-tuin",
                "wijkraad",
                "introduce",
                True,
                _reason(
                    "stakeholder.district", stakeholder="wijkraad-noord-tuin", district="noord"
                ),
            ),
            StakeholderLink(
                "wethouder-groen",
                "wethouder",
                "inform",
                False,
                _reason("stakeholder.theme", stakeholder="wethouder-groen", theme="groen"),
            ),
        ),
        expectations=ExpectationContract(
            rule="moestuin",
            say="co-create",
            start_date="2026-11-30",
            first_contact_days=5,
            first_contact_by="2026-12-08",
            decision_days=30,
            decision_by="2027-01-22",
            tracking="pending",
            answered_on=None,
            reasons=(_reason("expect.default"),),
        ),
        service_purchase=ServicePurchase(False, (), (), None, ()),
        checklist=(
            ChecklistItem(1, "p1.lead", {"advisor": "a-devries"}, "done", None),
            ChecklistItem(
                3,
                "p3.resource",
                {"resource": "grond-noord", "quantity": 1, "until_date": "2026-12-30"},
                "done",
                None,
            ),
            ChecklistItem(4, "p4.digest", {"stakeholder": "wethouder-groen"}, "n/a", None),
        ),
        flags=(),
    )


def garden(version: int = 1, state: str | None = None, **changes: Any) -> Sample:
    """The garden plan (``changes`` replace plan fields) as stored version ``version``,
    with the proposal in ``state`` as Decidim shows it."""
    plan = replace(
        garden_plan(),
        stage=state if state in ("accepted", "rejected", "withdrawn") else "open",
        **changes,
    )
    subject = Subject(
        tenant="localhost",
        proposal_id="101",
        version=version,
        title={"nl": "Buurtmoestuin aan de Esdoornlaan", "en": "Community garden"},
        space=Space("Decidim::ParticipatoryProcess", "wijkinitiatieven", "11"),
        state=state,
    )
    return Sample(plan, subject)
