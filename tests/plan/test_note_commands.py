"""Tests for decidim_bridge.plan.note_commands: reading commands in a private note (Dutch
and English, with or without "/"), who may steer, and applying commands to a plan."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from plan_support import PLAN_DATA, at, example_mappings, make_proposal
from steering_support import NOW, street_party

from decidim_bridge.plan import build_plan
from decidim_bridge.plan.note_commands import (
    CONFIRM,
    CONTACT,
    LEAD,
    MAX_POSTPONE_DAYS,
    NEEDED,
    POSTPONE,
    RELEASE,
    UNKNOWN,
    apply_commands,
    item_candidates,
    may_steer,
    parse_line,
    parse_note,
)
from decidim_bridge.plan.state import PlanningState
from decidim_bridge.plan.steering import NO_STEERING, FirstContact, NeededDay, Postponement

NOTES = Path(PLAN_DATA) / "notes"
ANOUK = {
    "id": "7",
    "nickname": "anouk_devries",
    "name": "Anouk de Vries",
    "api_user": False,
    "roles": ["evaluator"],
}


@pytest.fixture(scope="module")
def plan():
    return build_plan(street_party(), example_mappings(), NOW)


# --- parsing ----------------------------------------------------------------------------

PARSED = [
    # (line, kind, explicit, what it names)
    ("/bevestig partytent", CONFIRM, True, (("resource", "partytent"),)),
    ("bevestig partytent", CONFIRM, False, (("resource", "partytent"),)),
    ("  BEVESTIG   Partytent  ", CONFIRM, False, (("resource", "partytent"),)),
    ("/confirm partytent", CONFIRM, True, (("resource", "partytent"),)),
    ("Confirm party tent", CONFIRM, False, (("resource", "partytent"),)),
    ("bevestig de partytent.", CONFIRM, False, (("resource", "partytent"),)),
    ("bevestig Party tent (3 x 6 metres)", CONFIRM, False, (("resource", "partytent"),)),
    ("/zeg af zaal-de-linde", RELEASE, True, (("resource", "zaal-de-linde"),)),
    ("zeg af zaal de linde", RELEASE, False, (("resource", "zaal-de-linde"),)),
    ("geef vrij Zaal_De_Linde", RELEASE, False, (("resource", "zaal-de-linde"),)),
    ("release zaal-de-linde", RELEASE, False, (("resource", "zaal-de-linde"),)),
    ("/cancel zaal-de-linde", RELEASE, True, (("resource", "zaal-de-linde"),)),
    ("bevestig wijkbudget", CONFIRM, False, (("budget", ""),)),
    ("/confirm budget", CONFIRM, True, (("budget", ""),)),
    ("confirm the budget", CONFIRM, False, (("budget", ""),)),
    ("bevestig wijkbudget-noord-2027", CONFIRM, False, (("budget", "wijkbudget-noord-2027"),)),
    ("bevestig Wijkbudget Noord 2027", CONFIRM, False, (("budget", "wijkbudget-noord-2027"),)),
    ("contact gehad", CONTACT, False, ()),
    ("/Contact  Gehad", CONTACT, True, ()),
    ("contacted", CONTACT, False, ()),
    ("uitstel 10 werkdagen: de wethouder beslist in juni", POSTPONE, False, ()),
    ("/postpone 1 working day: holiday", POSTPONE, True, ()),
    ("trekker @anouk_devries", LEAD, False, ()),
    ("/lead @Tom_Smit", LEAD, True, ()),
    ("/trekker anouk_devries", LEAD, True, ()),
    ("/nodig op 26-6-2027", NEEDED, True, ()),
    ("nodig 26-6-2027", NEEDED, False, ()),
    ("/needed on 2027-06-26", NEEDED, True, ()),
    ("Needed 2027-06-26.", NEEDED, False, ()),
]


@pytest.mark.parametrize(("line", "kind", "explicit", "names"), PARSED)
def test_commands_are_read(mappings, line, kind, explicit, names):
    command = parse_line(line, mappings)
    assert command is not None
    assert (command.kind, command.explicit, command.problem) == (kind, explicit, None)
    assert command.candidates == names


def test_the_parts_of_commands(mappings):
    assert parse_line("/lead @Tom_Smit", mappings).nickname == "tom_smit"
    postpone = parse_line("Uitstel  10 werkdagen:  de wethouder beslist in juni.", mappings)
    assert (postpone.days, postpone.reason) == (10, "de wethouder beslist in juni.")
    assert parse_line("contact gehad op 21-4-2027", mappings).on == "2027-04-21"
    assert parse_line("contacted on 2027-04-21", mappings).on == "2027-04-21"
    assert parse_line("contact gehad", mappings).on is None
    assert parse_line("confirm partytent", mappings).locale == "en"
    assert parse_line("bevestig partytent", mappings).locale == "nl"
    assert parse_line("/nodig op 26-6-2027", mappings).on == "2027-06-26"
    assert parse_line("needed on 2027-6-26", mappings).on == "2027-06-26"
    assert parse_line("needed on 2027-6-26", mappings).locale == "en"


NOT_COMMANDS = [
    "Contact gehad met de buurt op dinsdag, dat ging goed.",
    "contact gehad op dinsdag",  # not a date
    "Confirm with the neighbours first",
    "Bevestig dat het goed is met de buren.",
    "release notes",
    "Lead time is two weeks",
    "trekker anouk_devries",  # a bare line needs the @ of a mention
    "- bevestig partytent",  # a list item is text
    "#partytent",
    "@anouk_devries kijk jij even mee?",
    "Ik bevestig partytent morgen",
    "uitstel",
    "Nodig op zaterdag: een partytent",  # not a date
    "needed on the day itself",
    "",
    "   ",
]


@pytest.mark.parametrize("line", NOT_COMMANDS)
def test_ordinary_text_is_left_alone(mappings, line):
    assert parse_line(line, mappings) is None


PROBLEMS = [
    # with "/" a line is always meant as a command: what is wrong with it
    ("/bevestig partytnet", CONFIRM, "note.unknown_item"),
    ("/doe iets", UNKNOWN, "note.not_understood"),
    ("/", None, None),
    ("/contact gehad met de buurt", CONTACT, "note.not_understood"),
    ("/contact gehad op 31-2-2027", CONTACT, "note.not_understood"),
    ("/uitstel 10 werkdagen", POSTPONE, "note.no_reason"),
    ("uitstel 10 werkdagen", POSTPONE, "note.no_reason"),  # no prose starts like this
    ("uitstel 10 werkdagen:   ", POSTPONE, "note.no_reason"),
    ("/uitstel 0 werkdagen: niets", POSTPONE, "note.bad_days"),
    (f"/postpone {MAX_POSTPONE_DAYS + 1} working days: far", POSTPONE, "note.bad_days"),
    ("/nodig op zaterdag", NEEDED, "note.not_understood"),
    ("/needed on 2027-02-30", NEEDED, "note.not_understood"),
]


@pytest.mark.parametrize(("line", "kind", "problem"), PROBLEMS)
def test_what_is_wrong_with_a_command(mappings, line, kind, problem):
    command = parse_line(line, mappings)
    if kind is None:
        assert command is None
    else:
        assert (command.kind, command.problem) == (kind, problem)


def test_a_note_mixed_with_prose(mappings):
    body = (NOTES / "mixed-nl.txt").read_text(encoding="utf-8")
    commands = parse_note(body, mappings)
    assert [c.kind for c in commands] == [CONFIRM, RELEASE, CONTACT, POSTPONE, LEAD]
    assert [c.explicit for c in commands] == [True, False, False, False, False]
    assert commands[3].reason == "de wethouder beslist pas in juni."


def test_a_note_without_commands(mappings):
    assert parse_note("Goed gesprek gehad. #straatfeest @tom_smit", mappings) == ()


def test_windows_line_ends(mappings):
    assert len(parse_note("bevestig partytent\r\ncontact gehad\r\n", mappings)) == 2


@pytest.mark.parametrize(
    ("words", "names"),
    [
        ("partytent", {("resource", "partytent")}),
        ("Partytent van 3 bij 6 meter", {("resource", "partytent")}),
        (
            "zaal",
            {
                ("resource", r)
                for r in (
                    "zaal-de-linde",
                    "zaal-de-horizon",
                    "zaal-het-anker",
                    "zaal-de-molen",
                    "zaal-bibliotheek",
                )
            },
        ),
        ("de linde", {("resource", "zaal-de-linde")}),
        ("dranghekken", {("resource", "dranghekken-noord"), ("resource", "dranghekken-zuid")}),
        ("wijkbudget", {("budget", "")}),
        # every year's budget of Noord: the plan's offer settles which one
        (
            "wijkbudget noord",
            {("budget", "wijkbudget-noord-2026"), ("budget", "wijkbudget-noord-2027")},
        ),
        ("tent", {("resource", "partytent")}),  # a word of its English name
        ("fietsen", set()),
    ],
)
def test_item_candidates(mappings, words, names):
    assert set(item_candidates(words, mappings)) == names


# --- who may steer ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [
        (ANOUK, True),  # an advisor, by nickname
        ({**ANOUK, "nickname": "Anouk_DeVries"}, True),
        ({**ANOUK, "roles": []}, True),
        ({"nickname": "jan", "roles": ["organization_admin"], "api_user": False}, True),
        ({"nickname": "jan", "roles": ["admin"], "api_user": False}, True),
        ({"nickname": "jan", "roles": ["evaluator"], "api_user": False}, False),
        ({"nickname": "jan", "roles": ["collaborator", "moderator"], "api_user": False}, False),
        ({"nickname": "jan", "roles": [], "api_user": False}, False),
        ({"nickname": None, "roles": [], "api_user": False}, False),
        ({"nickname": "bridge", "roles": ["organization_admin"], "api_user": True}, False),
        ({**ANOUK, "api_user": True}, False),
        (None, False),
        ({}, False),
    ],
)
def test_who_may_steer(mappings, actor, allowed):
    assert may_steer(actor, mappings) is allowed


# --- applying ---------------------------------------------------------------------------


def apply(lines, plan, mappings, steering=NO_STEERING, now=NOW):
    commands = parse_note("\n".join(lines), mappings)
    return apply_commands(steering, commands, plan, mappings, ANOUK, now)


def test_confirm_and_release_by_hand(mappings, plan):
    steering, results = apply(
        ["/bevestig partytent", "zeg af zaal", "bevestig wijkbudget"], plan, mappings
    )
    assert [r.ok for r in results] == [True, True, True]
    assert [r.reason.code for r in results] == [
        "note.confirmed_resource",
        "note.released_resource",
        "note.confirmed_budget",
    ]
    assert steering.confirmed("resource", "partytent")
    assert steering.released("resource", "zaal-de-linde")  # the room this plan offers
    assert steering.confirmed("budget", "wijkbudget-noord-2027")
    assert {o.by for o in steering.offers} == {"Anouk de Vries"}
    assert results[2].reason.text == (
        "€ 500 uit Wijkbudget Noord 2027 is vastgelegd voor dit initiatief."
    )


def test_items_the_plan_does_not_offer(mappings, plan):
    steering, results = apply(
        ["/bevestig geluidsset", "/zeg af zaal-de-molen", "/bevestig wijkbudget-zuid-2027"],
        plan,
        mappings,
    )
    assert steering == NO_STEERING
    assert [r.reason.code for r in results] == [
        "note.not_offered_resource",
        "note.not_offered_resource",
        "note.not_offered_budget",
    ]
    assert results[0].reason.text == (
        "Geluidsset met twee microfoons staat niet in dit plan. Er is niets veranderd."
    )


def test_an_item_the_plan_offers_twice_is_ambiguous(mappings, plan):
    double = plan.resources[0]
    other = type(double)(**{**double.__dict__, "resource_id": "zaal-de-molen", "group": "zaal2"})
    widened = type(plan)(**{**plan.__dict__, "resources": (*plan.resources, other)})
    steering, [result] = apply(["/zeg af zaal"], widened, mappings)
    assert (steering, result.ok, result.reason.code) == (
        NO_STEERING,
        False,
        "note.ambiguous_item",
    )
    assert set(result.reason.args["resources"]) == {"zaal-de-linde", "zaal-de-molen"}


def test_a_plan_without_budget(mappings, plan):
    none = type(plan.budget)(None, "none", None, 0, None, (), ())
    bare = type(plan)(**{**plan.__dict__, "budget": none})
    _, [result] = apply(["/bevestig budget"], bare, mappings)
    assert result.reason.code == "note.no_budget"


def test_contact_today_or_on_a_day(mappings, plan):
    steering, [result] = apply(["contact gehad"], plan, mappings)
    assert steering.first_contact == FirstContact("2027-04-22", "Anouk de Vries", NOW, "note")
    assert result.reason.text == "Het eerste contact is genoteerd op donderdag 22 april 2027."
    earlier, [again] = apply(["/contact gehad op 21-4-2027"], plan, mappings, steering)
    assert earlier.first_contact.on == "2027-04-21"
    assert again.reason.args == {"contact_date": "2027-04-21"}
    same, [late] = apply(["contact gehad"], plan, mappings, earlier)
    assert same is earlier and late.reason.code == "note.contact_earlier"
    _, [future] = apply(["/contacted on 2027-05-01"], plan, mappings)
    assert (future.ok, future.reason.code) == (False, "note.future_date")


def test_postpone(mappings, plan):
    steering, [result] = apply(
        ["uitstel 10 werkdagen: de wethouder beslist in juni"], plan, mappings
    )
    assert steering.postponements == (
        Postponement(10, "de wethouder beslist in juni", "Anouk de Vries", NOW),
    )
    assert result.reason.args["due_date"] == "2027-06-22"


def test_the_day_the_items_are_needed(mappings, plan):
    steering, [result] = apply(["/nodig op 26-6-2027"], plan, mappings)
    assert steering.needed == NeededDay("2027-06-26", "Anouk de Vries", NOW)
    assert (result.ok, result.reason.code) == (True, "note.needed")
    assert result.reason.text == (
        "De spullen uit het plan zijn nodig op zaterdag 26 juni 2027. Ze zijn gereserveerd "
        "vanaf de levertijd ervoor tot en met die dag."
    )
    later, [again] = apply(["needed on 2027-09-18"], plan, mappings, steering)
    assert later.needed.on == "2027-09-18" and again.ok  # a later command replaces the day
    today, [same_day] = apply(["/nodig op 22-4-2027"], plan, mappings)
    assert same_day.ok and today.needed.on == "2027-04-22"
    unchanged, [past] = apply(["/nodig op 21-4-2027"], plan, mappings, steering)
    assert unchanged is steering
    assert (past.ok, past.reason.code) == (False, "note.needed_past")


def test_a_needed_day_for_a_plan_without_catalogue_items(mappings):
    nothing = build_plan(
        make_proposal("Buurtcafé in de Vogelwijk", "Elke maand.", address="Kievitlaan 3"),
        example_mappings(),
        NOW,
    )
    assert nothing.resources == ()
    steering, [result] = apply(["/needed on 2027-06-26"], nothing, mappings)
    assert steering.needed.on == "2027-06-26"
    assert (result.ok, result.reason.code) == (True, "note.needed_nothing_yet")


def test_a_needed_day_moves_the_holds_to_it(mappings, plan):
    """The engine uses the day a person set in place of the text's (here: none)."""
    steering, _ = apply(["/nodig op 26-6-2027"], plan, mappings)
    again = build_plan(street_party(), mappings, NOW + 60, PlanningState(steering=steering))
    tent = next(o for o in again.resources if o.resource_id == "partytent")
    assert date.fromtimestamp(tent.hold.expires_at) == date(2027, 6, 26)
    assert date(2027, 6, 1) < date.fromtimestamp(tent.hold.starts_at) < date(2027, 6, 26)
    assert tent.reasons[-1].code == "resource.held_period_set"
    assert tent.reasons[-1].args["by"] == "Anouk de Vries"
    assert "de datum die Anouk de Vries opgaf" in tent.reasons[-1].text


def test_a_day_an_advisor_set_wins_over_a_date_in_the_text(mappings):
    dated = make_proposal(
        "Straatfeest in de Vogelwijk op 26 juni",
        "We willen een partytent en tafels en banken op zaterdag 26 juni 2027.",
        address="Kievitlaan 3",
    )
    first = build_plan(dated, mappings, NOW)
    tent = next(o for o in first.resources if o.resource_id == "partytent")
    assert date.fromtimestamp(tent.hold.expires_at) == date(2027, 6, 26)  # the text's date
    steering, _ = apply(["/nodig op 18-9-2027"], first, mappings)
    again = build_plan(dated, mappings, NOW + 60, PlanningState(steering=steering))
    moved = next(o for o in again.resources if o.resource_id == "partytent")
    assert date.fromtimestamp(moved.hold.expires_at) == date(2027, 9, 18)
    assert date(2027, 9, 1) < date.fromtimestamp(moved.hold.starts_at) < date(2027, 9, 18)
    assert moved.reasons[-1].code == "resource.held_period_set"
    assert moved.reasons[-1].args["needed_date"] == "2027-09-18"


def test_change_the_lead(mappings, plan):
    steering, [result] = apply(["trekker @anouk_devries"], plan, mappings)
    assert steering.lead.advisor_id == "a-de-vries"
    assert (steering.lead.by, steering.lead.source) == ("Anouk de Vries", "note")
    assert result.reason.text == "De trekker is nu Anouk de Vries."
    _, [same] = apply(["/lead @carla_bakker"], plan, mappings)
    assert same.reason.code == "note.lead_same"  # the coordinator leads this plan already
    unchanged, [unknown] = apply(["/trekker @jan"], plan, mappings)
    assert unchanged == NO_STEERING
    assert (unknown.ok, unknown.reason.code) == (False, "note.unknown_advisor")


def test_a_closed_initiative_only_takes_contact(mappings):
    closed = build_plan(street_party(state="rejected"), example_mappings(), NOW)
    steering, results = apply(
        ["/bevestig partytent", "/trekker @tom_smit", "/uitstel 5 werkdagen: x", "contact gehad"],
        closed,
        mappings,
    )
    assert [r.reason.code for r in results] == ["note.closed"] * 3 + ["note.contact"]
    _, [needed] = apply(["/nodig op 26-6-2027"], closed, mappings)
    assert needed.reason.code == "note.closed"
    assert steering.lead is None and steering.offers == () and steering.first_contact


def test_commands_apply_in_order(mappings, plan):
    steering, _ = apply(["bevestig partytent", "zeg af partytent"], plan, mappings)
    assert steering.released("resource", "partytent")


def test_apply_then_plan(mappings, plan):
    """The steering a note produces is what the engine respects."""
    steering, _ = apply(
        ["bevestig partytent", "zeg af zaal", "contact gehad", "trekker @anouk_devries"],
        plan,
        mappings,
    )
    again = build_plan(
        street_party(), mappings, at("2027-04-22T12:00:00+02:00"), PlanningState(steering=steering)
    )
    offers = {o.resource_id: o.status for o in again.resources}
    assert (offers["partytent"], offers["zaal-de-linde"]) == ("confirmed", "released")
    assert again.assignment.lead.advisor_id == "a-de-vries"
    assert again.expectations.first_contact_on == "2027-04-22"
