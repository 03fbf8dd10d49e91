"""Planning the module's writes: evaluators and the private note of each plan version.

Pure: ``plan_effects`` over the sample garden plan, with advisors that have Decidim
nicknames, and the steering people did in Decidim.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from writeback.samples import Sample, garden

from decidim_bridge.plan.diff import Change
from decidim_bridge.plan.model import AdvisorRole, Hold, Reason, StakeholderLink
from decidim_bridge.plan.note_commands import MARKER, is_bridge_note, parse_note
from decidim_bridge.plan.steering import NO_STEERING, EvaluatorChoice, Steering
from decidim_bridge.rules.model import Advisor, Contact, Mappings, Stakeholder
from decidim_bridge.writeback.effects import (
    EVALUATORS,
    MAIL,
    NOTE,
    Options,
    Published,
    evaluator_request,
    plan_effects,
)
from decidim_bridge.writeback.templates import MessageTemplates

NICKNAMES = {"a-devries": "Anna_DV", "b-jansen": "bram_j", "c-smit": "cees_smit"}


@pytest.fixture(scope="module")
def rules(sample_mappings: Mappings) -> Mappings:
    """The sample rules with nicknames for the garden's advisors, a third advisor and a
    key figure (a private person) to introduce."""
    team = sample_mappings.advisors
    cees = Advisor(
        "c-smit", "Cees Smit", "c.smit@lindeburg.example", (), (), 9, None, (), "cees_smit"
    )
    advisors = (
        *(replace(a, nickname=NICKNAMES.get(a.id, a.nickname)) for a in team.advisors),
        cees,
    )
    figure = Stakeholder(
        "mevrouw-bakker",
        "Mevrouw Bakker",
        "sleutelfiguur",
        (),
        None,
        Contact(email="bakker@voorbeeld.example"),
        True,
        (),
        {},
    )
    return replace(
        sample_mappings,
        advisors=replace(team, advisors=advisors),
        stakeholders=(*sample_mappings.stakeholders, figure),
    )


def _options(*, module: bool = True, locale: str = "nl", **values) -> Options:
    return Options(
        decidim_url="https://lindeburg.example",
        default_locale=locale,
        can_answer=True,
        can_assign_evaluators=module,
        can_write_notes=module,
        **values,
    )


def _cees() -> AdvisorRole:
    return AdvisorRole(
        "c-smit",
        "Cees Smit",
        "c.smit@lindeburg.example",
        "lead",
        "groen",
        Reason(
            "lead.chosen",
            {"advisor": "c-smit", "district": "noord", "theme": "groen", "open": 0, "capacity": 9},
        ),
    )


def _with_lead(sample: Sample, lead: AdvisorRole) -> Sample:
    plan = replace(sample.plan, assignment=replace(sample.plan.assignment, lead=lead))
    return Sample(plan, sample.subject)


def _plan(
    sample: Sample,
    rules: Mappings,
    templates: MessageTemplates,
    *,
    previous: Sample | None = None,
    published: Published | None = None,
    steering: Steering = NO_STEERING,
    **options,
):
    return plan_effects(
        sample.plan,
        sample.subject,
        rules,
        previous=previous.plan if previous else None,
        published=published or Published(),
        options=_options(**options),
        templates=templates,
        steering=steering,
    )


def _only(effects, kind):
    return [e for e in effects if e.kind == kind]


def _removed(*nicknames: str) -> Steering:
    steering = Steering()
    for n in nicknames:
        steering = steering.with_evaluator(EvaluatorChoice(n, False, "marieke_kok", 1.0))
    return steering


def _assigned(*nicknames: str) -> Steering:
    steering = Steering()
    for n in nicknames:
        steering = steering.with_evaluator(EvaluatorChoice(n, True, "marieke_kok", 1.0))
    return steering


# --- evaluators -------------------------------------------------------------------------


def test_first_version_makes_the_advisors_evaluators_in_the_proposals_lane(rules, templates):
    effects = _plan(garden(), rules, templates)

    (row,) = _only(effects, EVALUATORS)
    assert row.payload == {"assign": ["anna_dv", "bram_j"], "unassign": []}
    assert (row.lane, row.public, row.held, row.plan_version) == ("decidim:101", False, False, 1)
    assert row.purpose == "evaluators"
    # Comment and answer first, then the internal writes, all in one lane, in order.
    lane = [e.kind for e in effects if e.lane == "decidim:101"]
    assert lane == ["decidim_comment", "decidim_answer", EVALUATORS, NOTE]


@pytest.mark.parametrize(
    ("case", "steering", "previous_lead", "assign", "unassign"),
    [
        ("lead changed", Steering(), "a-devries", ["cees_smit", "bram_j"], ["anna_dv"]),
        (
            "person took the new lead off",
            _removed("Cees_Smit"),
            "a-devries",
            ["bram_j"],
            ["anna_dv"],
        ),
        (
            "person assigned the old lead",
            _assigned("anna_dv"),
            "a-devries",
            ["cees_smit", "bram_j"],
            [],
        ),
        (
            "a person took one off and assigned the other",
            _assigned("anna_dv").with_evaluator(EvaluatorChoice("bram_j", False, "x", 2.0)),
            "a-devries",
            ["cees_smit"],
            [],
        ),
    ],
)
def test_the_request_never_undoes_a_persons_choice(
    rules, templates, case, steering, previous_lead, assign, unassign
):
    old = garden(1)
    new = _with_lead(garden(2), _cees())
    assert evaluator_request(new.plan, old.plan, rules, steering) == (
        tuple(assign),
        tuple(unassign),
    ), case

    effects = _plan(
        new,
        rules,
        templates,
        previous=old,
        published=Published(evaluators=("anna_dv", "bram_j")),
        steering=steering,
    )
    (row,) = _only(effects, EVALUATORS)
    assert row.payload == {"assign": assign, "unassign": unassign}


def test_a_version_asking_what_was_asked_before_records_no_assignment(rules, templates):
    old, new = garden(1), garden(2)
    asked = Published(evaluators=("bram_j", "anna_dv"))

    effects = _plan(new, rules, templates, previous=old, published=asked)

    assert _only(effects, EVALUATORS) == []
    assert len(_only(effects, NOTE)) == 1  # the note is per version all the same


def test_a_version_asks_again_when_nothing_was_asked_yet_or_a_person_took_someone_off(
    rules, templates
):
    old, new = garden(1), garden(2)
    (first,) = _only(_plan(new, rules, templates, previous=old), EVALUATORS)
    assert first.payload["assign"] == ["anna_dv", "bram_j"]

    asked = Published(evaluators=("anna_dv", "bram_j"))
    effects = _plan(
        new, rules, templates, previous=old, published=asked, steering=_removed("bram_j")
    )
    (again,) = _only(effects, EVALUATORS)
    assert again.payload == {"assign": ["anna_dv"], "unassign": []}


def test_advisors_without_a_nickname_are_no_evaluators(sample_mappings, templates):
    effects = _plan(garden(), sample_mappings, templates)  # the sample advisors have none
    assert _only(effects, EVALUATORS) == []
    assert len(_only(effects, NOTE)) == 1


def test_without_the_module_nothing_internal_is_planned_and_the_mails_stay(rules, templates):
    without = _plan(garden(), rules, templates, module=False)
    with_module = _plan(garden(), rules, templates)

    assert not [e for e in without if e.kind in (EVALUATORS, NOTE)]
    mails = [(e.effect_key, e.payload["text"]) for e in without if e.kind == MAIL]
    assert mails == [(e.effect_key, e.payload["text"]) for e in with_module if e.kind == MAIL]
    assert len(mails) == 3


def test_internal_writes_are_not_held_when_publication_waits_for_approval(rules, templates):
    sample = garden()
    strict = Sample(sample.plan, replace(sample.subject, publication_mode="after-approval"))

    effects = _plan(strict, rules, templates)

    held = {e.kind for e in effects if e.held}
    assert held == {"decidim_comment", "decidim_answer"}
    assert {e.kind for e in effects if not e.held} >= {EVALUATORS, NOTE}


# --- the lead's mail ------------------------------------------------------------------------


def test_a_new_lead_gets_the_leads_whole_mail_the_others_the_update(rules, templates):
    old = garden(1)
    new = _with_lead(garden(2), _cees())
    new = Sample(new.plan, replace(new.subject, changes=(Change("lead", "changed", "", "a", "c"),)))

    mails = {e.recipient: e for e in _plan(new, rules, templates, previous=old) if e.kind == MAIL}

    lead = mails["c.smit@lindeburg.example"]
    assert lead.purpose == "advisor"
    assert "**vaste contactpersoon** (trekker)" in lead.payload["text"]
    assert "Wat is er veranderd" in lead.payload["text"]
    assert lead.payload["subject"].startswith("Nieuw burgerinitiatief")
    co = mails["b.jansen@lindeburg.example"]
    assert co.purpose == "advisor-update"
    assert "is bijgewerkt" in co.payload["text"]


def test_the_same_lead_gets_only_the_update(rules, templates):
    old, new = garden(1), garden(2)
    new = Sample(
        new.plan, replace(new.subject, changes=(Change("co_advisors", "changed", "", "a", "b"),))
    )
    mails = [e for e in _plan(new, rules, templates, previous=old) if e.kind == MAIL]
    advisors = {e.recipient: e.purpose for e in mails if e.purpose.startswith("advisor")}
    assert advisors == {
        "a.devries@lindeburg.example": "advisor-update",
        "b.jansen@lindeburg.example": "advisor-update",
    }


# --- the note -------------------------------------------------------------------------------


def _rich(sample: Sample) -> Sample:
    """The garden plan with a hold that lapses, a key figure to introduce, the Right to
    Challenge signal, a postponed decision and an open checklist item with a date."""
    plan = sample.plan
    hold = Hold("resource", "grond-noord", 1, "held", 1_796_000_000.0, 1_798_588_800.0)
    resources = (replace(plan.resources[0], hold=hold), *plan.resources[1:])
    figure = StakeholderLink(
        "mevrouw-bakker",
        "sleutelfiguur",
        "introduce",
        True,
        Reason("stakeholder.district", {"stakeholder": "mevrouw-bakker", "district": "noord"}),
    )
    postponed = Reason(
        "expect.postponed",
        {"days": 10, "due_date": "2027-02-05", "reason": "de raad vergadert later"},
    )
    expectations = replace(
        plan.expectations,
        decision_by="2027-02-05",
        reasons=(*plan.expectations.reasons, postponed),
        first_contact_on="2026-12-03",
    )
    checklist = (
        *plan.checklist,
        replace(
            plan.checklist[0],
            key="p2.first_contact",
            args={"due_date": "2026-12-08"},
            status="overdue",
            due="2026-12-08",
        ),
    )
    plan = replace(
        plan,
        resources=resources,
        stakeholders=(*plan.stakeholders, figure),
        expectations=expectations,
        checklist=checklist,
        service_purchase=replace(plan.service_purchase, flagged=True, decision_by="2027-01-15"),
    )
    return Sample(plan, sample.subject)


def _note(effects):
    (row,) = _only(effects, NOTE)
    return row


def test_the_note_in_dutch_has_what_advisors_need(rules, templates):
    effects = _plan(_rich(garden()), rules, templates)
    row = _note(effects)
    body = row.payload["body"]

    assert (row.purpose, row.lane, row.public, row.held) == ("plan", "decidim:101", False, False)
    assert row.payload["locale"] == "nl"
    assert body.startswith(f"{MARKER} Steunplan versie 1.")
    assert is_bridge_note(body) and parse_note(body, rules) == ()
    assert body.rstrip().endswith(f"Ref. {row.ref}") and row.ref.startswith("LB-")
    assert "<!--" not in body and "**" not in body  # shown as plain text, escaped
    assert "@" not in body.replace("@lindeburg.example", "")  # no mentions: nobody notified
    for part in (
        "Trekker: Anna de Vries",
        "Mede-adviseur: Bram Jansen",
        "contact gehad op 3 december 2026",
        "1 × stuk grond (200 m²), vastgehouden tot",
        "Voorstellen aan:\n- Wijkraad Noord",
        "- Mevrouw Bakker",  # internal: a key figure may be named
        "Uitdaagrecht:",
        "uitgesteld met 10 werkdagen: de raad vergadert later",
        "8 december 2026 contact op met de initiatiefnemers. (te laat)",  # checklist, dates
        "Waarom:",
    ):
        assert part in body, part
    assert "Wat is er veranderd" not in body  # a first version


def test_the_note_in_english(rules, templates):
    body = _note(_plan(_rich(garden()), rules, templates, locale="en")).payload["body"]
    assert body.startswith(f"{MARKER} Support plan version 1.")
    for part in (
        "Lead: Anna de Vries",
        "held until",
        "Introduce to:",
        "Right to Challenge",
        "Why:",
    ):
        assert part in body, part


def test_residents_never_read_the_key_figure_the_note_names(rules, templates):
    effects = _plan(_rich(garden()), rules, templates)
    public = [e for e in effects if e.public]
    assert public
    for row in public:
        assert "Bakker" not in str(row.payload)
    assert "Mevrouw Bakker" in _note(effects).payload["body"]


def test_a_later_versions_note_says_what_changed(rules, templates):
    old = garden(1)
    new = _with_lead(garden(2), _cees())
    new = Sample(new.plan, replace(new.subject, changes=(Change("lead", "changed", "", "a", "c"),)))

    row = _note(_plan(new, rules, templates, previous=old))

    body = row.payload["body"]
    assert body.startswith(f"{MARKER} Steunplan versie 2 (bijgewerkt).")
    assert "Wat is er veranderd:\n- trekker: Cees Smit" in body
    assert row.effect_key != _note(_plan(old, rules, templates)).effect_key


def test_decided_versions_get_a_note_too_but_a_proposal_first_seen_rejected_nothing(
    rules, templates
):
    accepted = garden(2, state="accepted")
    assert len(_only(_plan(accepted, rules, templates, previous=garden(1)), NOTE)) == 1
    assert _plan(garden(1, state="rejected"), rules, templates) == []
