"""Not every proposal is an initiative: reports and questions get a pointer, not a plan."""

from __future__ import annotations

import pytest
from plan_support import at, example_mappings, make_proposal

from decidim_bridge.plan import build_plan
from decidim_bridge.plan.note_commands import apply_commands, parse_note
from decidim_bridge.plan.serialize import fingerprint, plan_from_json, plan_to_json
from decidim_bridge.plan.state import EMPTY_STATE, PlanningState
from decidim_bridge.plan.steering import NO_STEERING
from decidim_bridge.writeback.changes import resident_facts
from decidim_bridge.writeback.effects import ANSWER, COMMENT, Options, Published, plan_effects
from decidim_bridge.writeback.subject import subject_of
from decidim_bridge.writeback.templates import message_templates

NOW = at("2027-04-20T12:00:00+02:00")
STREETLIGHT = (
    "De lantaarnpaal bij de brug is al weken kapot",
    "Hij brandt niet meer en het is daar 's avonds erg donker.",
)
ANOUK = {"name": "Anouk de Vries", "nickname": "anouk", "roles": []}


@pytest.fixture(scope="module")
def mappings():
    return example_mappings()


def plan_of(mappings, title, body="", state=EMPTY_STATE, **fields):
    proposal = make_proposal(title, body, address="Kievitlaan 2, 7415 CK Lindeburg", **fields)
    return build_plan(proposal, mappings, NOW, state, space_key="wijkinitiatieven")


def effects(plan, mappings, published=None):
    options = Options(decidim_url="https://decidim.example", can_answer=True)
    subject = subject_of(plan, mappings, tenant="t.example", version=1)
    return plan_effects(
        plan,
        subject,
        mappings,
        previous=None,
        published=published or Published(),
        options=options,
        templates=message_templates(mappings),
    )


def test_a_broken_streetlight_is_a_report_with_nothing_reserved(mappings):
    plan = plan_of(mappings, *STREETLIGHT)
    assert plan.classification.kind == "melding"
    assert plan.holds == () and plan.resources == () and plan.budget.status == "none"
    assert plan.stakeholders == ()
    assignment = plan.assignment
    assert assignment.lead.advisor_id == mappings.advisors.coordinator_id
    assert not assignment.counts_load and assignment.co_advisors == ()
    assert "flag.not_initiative" in [f.code for f in plan.flags]
    assert [i.key for i in plan.checklist] == ["p1.not_initiative"]
    match = next(r for r in plan.classification.reasons if r.code == "kind.match")
    assert "kapot" in match.args["words"]


def test_the_report_gets_the_channel_reply_and_no_answer(mappings):
    plan = plan_of(mappings, *STREETLIGHT)
    writes = effects(plan, mappings)
    [comment] = [w for w in writes if w.kind == COMMENT]
    body = comment.payload["body"]
    assert "Melding openbare ruimte" in body and "https://www.lindeburg.example/melding" in body
    assert "14 0123" in body and "Lindeburg Meldt" in body
    assert "uiterlijk" not in body  # no promised dates for a report
    assert not [w for w in writes if w.kind == ANSWER]
    mails = [w for w in writes if w.kind == "mail"]
    assert [m.recipient for m in mails] == [plan.assignment.lead.email]  # the coordinator
    assert "Geen initiatief maar een melding" in mails[0].payload["text"]


@pytest.mark.parametrize(
    "title, body, kind",
    [
        (
            "Losse stoeptegels in de Merelstraat",
            "Er liggen al weken losse tegels. Gevaarlijk!",
            "melding",
        ),
        ("Gat in de weg bij de school", "Er zit een diepe kuil in de weg.", "melding"),
        ("Graffiti op de muur van het buurthuis", "Kan dit worden weggehaald?", "melding"),
        ("Streetlight broken near the bridge", "It has not worked for weeks.", "melding"),
        ("Mag ik een container voor de deur zetten?", "Waar kan ik dat aanvragen?", "vraag"),
        ("When will the bins be emptied?", "The bins are full again.", "vraag"),
        # residents who act themselves: an initiative
        (
            "Opruimactie tegen zwerfvuil",
            "Met vrijwilligers uit de buurt prikken we zwerfvuil.",
            "initiative",
        ),
        (
            "Graffiti workshop for teenagers",
            "We want to organise a legal graffiti wall.",
            "initiative",
        ),
        (
            "Kunnen we een buurtfeest organiseren?",
            "We willen een straatfeest houden.",
            "initiative",
        ),
        ("Een stuk grond voor een moestuin", "Wij willen samen tuinieren.", "initiative"),
    ],
)
def test_kinds_are_recognised(mappings, title, body, kind):
    assert plan_of(mappings, title, body).classification.kind == kind


def test_an_advisor_overrules_it_into_an_initiative(mappings):
    report = plan_of(mappings, *STREETLIGHT)
    commands = parse_note("Dit is een buurtactie.\n/initiatief", mappings)
    steering, [result] = apply_commands(NO_STEERING, commands, report, mappings, ANOUK, NOW)
    assert result.ok and result.reason.code == "note.initiative"
    assert steering.initiative is not None and steering.initiative.by == "Anouk de Vries"
    plan = plan_of(mappings, *STREETLIGHT, state=PlanningState(previous=report, steering=steering))
    assert plan.classification.kind == "initiative"
    assert plan.assignment.counts_load
    assert "kind.overruled" in [r.code for r in plan.classification.reasons]
    assert fingerprint(plan) != fingerprint(report)  # a new plan version
    assert plan_from_json(plan_to_json(plan)) == plan
    # The initiators now get the whole first message of an initiative.
    told = Published(facts=resident_facts(report, mappings, "nl"))
    [comment] = [w for w in effects(plan, mappings, told) if w.kind == COMMENT]
    assert comment.purpose == "initiators"
    assert comment.payload["body"].startswith("Bedankt voor uw initiatief")
    # Saying it again changes nothing.
    again, [second] = apply_commands(steering, commands, plan, mappings, ANOUK, NOW)
    assert second.reason.code == "note.initiative_already" and again == steering


def test_initiative_without_slash_is_ordinary_text(mappings):
    assert parse_note("initiatief", mappings) == ()
    assert [c.kind for c in parse_note("/initiative", mappings)] == ["initiative"]
