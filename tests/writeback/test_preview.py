"""Tests for decidim_bridge.writeback.preview: the writes of a plan, shown as text."""

from __future__ import annotations

from dataclasses import replace

from plan_support import at, make_proposal

from decidim_bridge.pipeline import preview_plan
from decidim_bridge.writeback.effects import ANSWER, COMMENT, MAIL, Options
from decidim_bridge.writeback.preview import effects_text, preview_effects
from decidim_bridge.writeback.templates import message_templates

OPTIONS = Options(decidim_url="https://decidim.example", can_answer=True, ref_prefix="WS")


def _plan(mappings):
    proposal = make_proposal(
        "Buurtmoestuin aan de Kievitlaan",
        "Een moestuin met een hek. We vragen € 750.",
        address="Kievitlaan 14, 7415 CK Lindeburg",
    )
    return preview_plan(
        proposal, mappings, at("2027-04-20T11:00:00+02:00"), space_key="wijkinitiatieven"
    )


def test_the_preview_is_what_the_writer_would_record(mappings):
    plan = _plan(mappings)
    effects = preview_effects(
        plan, mappings, options=OPTIONS, templates=message_templates(mappings)
    )
    kinds = [e.kind for e in effects]
    assert kinds[:2] == [COMMENT, ANSWER] and MAIL in kinds
    text = effects_text(effects, mappings, "nl")
    comment = next(e for e in effects if e.kind == COMMENT)
    assert comment.payload["body"] in text
    assert "Ref. WS-" in text
    assert "--- Antwoord 'evaluating' (nl) ---" in text
    assert "--- Antwoord 'evaluating' (en) ---" in text
    assert "<p>" not in text
    lead = plan.assignment.lead
    assert f"--- Mail aan {lead.name} <{lead.email}> (advisor) ---" in text
    assert "Onderwerp: " in text


def test_an_update_shows_only_what_changed_for_residents(mappings):
    plan = _plan(mappings)
    templates = message_templates(mappings)
    same = preview_effects(
        plan, mappings, options=OPTIONS, templates=templates, version=2, previous=plan
    )
    assert not [e for e in same if e.kind == COMMENT]
    later = replace(plan, expectations=replace(plan.expectations, decision_by="2027-06-30"))
    changed = preview_effects(
        later, mappings, options=OPTIONS, templates=templates, version=2, previous=plan
    )
    assert [e.purpose for e in changed if e.kind == COMMENT] == ["update"]
    assert "nothing changes" in effects_text([], mappings, "en")


def test_mails_carry_the_sender_and_reply_to_of_the_policy(mappings):
    options = replace(OPTIONS, mail_from="Gemeente X <a@x.example>", reply_to="b@x.example")
    effects = preview_effects(
        _plan(mappings), mappings, options=options, templates=message_templates(mappings)
    )
    mail = next(e for e in effects if e.kind == MAIL)
    assert mail.payload["from"] == "Gemeente X <a@x.example>"
    assert mail.payload["reply_to"] == "b@x.example"
    assert mail.payload["message_id"].endswith("@x.example>")
