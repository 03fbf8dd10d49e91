"""Tests for decidim_bridge.plan.note_reply: the bridge's reply note, in Dutch and English,
recognisable by its marker, never read as a command and mentioning nobody."""

from __future__ import annotations

import re

import pytest
from plan_support import example_mappings
from steering_support import NOW, street_party

from decidim_bridge.plan import build_plan
from decidim_bridge.plan.note_commands import (
    MARKER,
    apply_commands,
    is_bridge_note,
    parse_line,
    parse_note,
)
from decidim_bridge.plan.note_reply import render_refusal, render_reply, reply_locale
from decidim_bridge.plan.steering import NO_STEERING

ACTOR = {"nickname": "anouk_devries", "name": "Anouk de Vries", "api_user": False, "roles": []}
#: Decidim's mention pattern (UserParser::MENTION_REGEX); Ruby's \s is ASCII whitespace only.
DECIDIM_MENTION = re.compile(r"(^|[ \t\r\n\f\v])@([a-zA-Z0-9]\w*)")


@pytest.fixture(scope="module")
def plan():
    return build_plan(street_party(), example_mappings(), NOW)


def reply_to(body, plan, mappings):
    commands = parse_note(body, mappings)
    _, results = apply_commands(NO_STEERING, commands, plan, mappings, ACTOR, NOW)
    return render_reply(results, mappings, reply_locale(commands, mappings))


def test_everything_done(mappings, plan):
    reply = reply_to("/bevestig partytent\ntrekker @anouk_devries", plan, mappings)
    assert reply == (
        "[decidim-bridge] Uw notitie is verwerkt:\n"
        "- Partytent van 3 bij 6 meter is vastgelegd voor dit initiatief.\n"
        "- De trekker is nu Anouk de Vries."
    )


def test_partly_done_with_the_help(mappings, plan):
    reply = reply_to("/bevestig partytnet\ncontact gehad", plan, mappings)
    lines = reply.splitlines()
    assert lines[0] == "[decidim-bridge] Uw notitie is voor een deel verwerkt:"
    assert lines[1] == "- Ik ken 'partytnet' niet. Gebruik de naam uit het plan."
    assert lines[2] == "- Het eerste contact is genoteerd op donderdag 22 april 2027."
    assert lines[3] == ""
    assert lines[4] == "Zo schrijft u een opdracht, elk op een eigen regel, met / ervoor:"
    assert [line.split()[1] for line in lines[5:]] == [
        "/bevestig",
        "/zeg",
        "/contact",
        "/uitstel",
        "/trekker",
        "/initiatief",
        "/nodig",
    ]


def test_nothing_done_without_help_when_the_form_was_right(mappings, plan):
    reply = reply_to("/bevestig geluidsset", plan, mappings)
    assert reply.splitlines() == [
        "[decidim-bridge] Uw notitie is niet verwerkt:",
        "- Geluidsset met twee microfoons staat niet in dit plan. Er is niets veranderd.",
    ]


def test_english_commands_get_an_english_reply(mappings, plan):
    reply = reply_to("/confirm partytent\n/postpone 5 working days: summer break", plan, mappings)
    assert reply.splitlines() == [
        "[decidim-bridge] Your note was processed:",
        "- Party tent (3 x 6 metres) is confirmed for this initiative.",
        "- The decision comes 5 working days later, by Tuesday 15 June 2027. "
        "The initiators read the reason: summer break",
    ]


def test_a_needed_day_is_confirmed_in_the_note_s_language(mappings, plan):
    assert reply_to("/nodig op 26-6-2027", plan, mappings).splitlines() == [
        "[decidim-bridge] Uw notitie is verwerkt:",
        "- De spullen uit het plan zijn nodig op zaterdag 26 juni 2027. Ze zijn gereserveerd "
        "vanaf de levertijd ervoor tot en met die dag.",
    ]
    assert reply_to("/needed on 2027-04-01", plan, mappings).splitlines() == [
        "[decidim-bridge] Your note was not processed:",
        "- Thursday 1 April 2027 has passed already. Choose today or a later day.",
    ]


def test_refusal(mappings):
    assert render_refusal(mappings, "nl") == (
        "[decidim-bridge] Uw notitie is niet verwerkt:\n"
        "- Alleen adviseurs en beheerders kunnen het plan met een notitie aanpassen. "
        "Er is niets veranderd."
    )
    assert render_refusal(mappings, "en").startswith(f"{MARKER} Your note was not processed:")


def test_the_language_falls_back_to_the_organization_s(mappings):
    assert reply_locale(parse_note("/doe iets", mappings), mappings) == "nl"
    assert reply_locale((), mappings) == "nl"


REPLIES = [
    ("/bevestig partytent\nzeg af zaal\ncontact gehad\ntrekker @anouk_devries", "all done"),
    ("/bevestig partytnet\n/doe iets\n/trekker @jan\n/uitstel 5 werkdagen", "help nl"),
    ("/confirm nothing\n/lead @tom_smit\n/postpone 3 working days: x", "help en"),
    ("uitstel 10 werkdagen: bevestig partytent", "a reason that looks like a command"),
    ("/nodig op 26-6-2027\n/needed on 2027-04-01\n/nodig op zaterdag", "needed days"),
]


@pytest.mark.parametrize(("body", "case"), REPLIES)
def test_a_reply_never_reads_as_a_command(mappings, plan, body, case):
    reply = reply_to(body, plan, mappings)
    assert is_bridge_note(reply), case
    assert parse_note(reply, mappings) == ()
    # also line by line, as if the marker were lost
    assert [parse_line(line, mappings) for line in reply.splitlines()] == [None] * len(
        reply.splitlines()
    )
    assert parse_note(reply.replace(MARKER, ""), mappings) == ()


@pytest.mark.parametrize("locale", ["nl", "en"])
def test_refusal_never_reads_as_a_command(mappings, locale):
    refusal = render_refusal(mappings, locale)
    assert all(parse_line(line, mappings) is None for line in refusal.splitlines())


def test_a_reply_mentions_nobody(mappings, plan):
    reply = reply_to("/bevestig partytnet\n/trekker @jan", plan, mappings)
    assert "@" in reply  # the help shows how to write a mention ...
    assert DECIDIM_MENTION.search(reply) is None  # ... but Decidim does not take it as one


def test_bridge_notes_are_recognised_by_their_marker():
    assert is_bridge_note("[decidim-bridge] Uw notitie is verwerkt:\n- ...")
    assert is_bridge_note("  \n[decidim-bridge] x")
    assert not is_bridge_note("Zie [decidim-bridge] hierboven\n/bevestig partytent")
