"""The resident's language: keywords of that language, a reply in it where texts exist."""

from __future__ import annotations

from dataclasses import replace

import pytest
from plan_support import at, example_mappings, make_proposal

from decidim_bridge.plan import build_plan
from decidim_bridge.plan.language import detect
from decidim_bridge.writeback.effects import ANSWER, COMMENT, Options, Published, plan_effects
from decidim_bridge.writeback.subject import subject_of
from decidim_bridge.writeback.templates import message_templates

NOW = at("2027-04-20T12:00:00+02:00")
GARDEN_EN = (
    "Community vegetable garden on the Kievitlaan",
    "We want to start a vegetable garden with our neighbours on the empty lot. We need "
    "garden tools, compost and some planters.",
)


@pytest.fixture(scope="module")
def mappings():
    return example_mappings()


def plan_of(mappings, title, body):
    proposal = make_proposal(title, body, address="Kievitlaan 2, 7415 CK Lindeburg")
    return build_plan(proposal, mappings, NOW, space_key="wijkinitiatieven")


def writes(plan, mappings):
    options = Options(decidim_url="https://decidim.example", can_answer=True)
    return plan_effects(
        plan,
        subject_of(plan, mappings, tenant="t.example", version=1),
        mappings,
        previous=None,
        published=Published(),
        options=options,
        templates=message_templates(mappings),
    )


def test_an_english_proposal_gets_english_themes_and_an_english_comment(mappings):
    plan = plan_of(mappings, *GARDEN_EN)
    assert plan.classification.language == "en" and plan.locale == "en"
    assert plan.classification.primary_theme == "groen"
    evidence = plan.classification.themes[0].evidence
    assert {e.rule for e in evidence} >= {"vegetable garden"}
    assert "tuingereedschap" in {o.resource_id for o in plan.resources}
    codes = [r.code for r in plan.classification.reasons]
    assert codes[:2] == ["language.detected", "language.reply"]
    effects = writes(plan, mappings)
    [comment] = [w for w in effects if w.kind == COMMENT]
    assert comment.payload["locale"] == "en"
    assert comment.payload["body"].startswith("Thank you for your initiative")
    [answer] = [w for w in effects if w.kind == ANSWER]
    assert set(answer.payload["answer_content"]) == {"nl", "en"}  # every locale


def test_a_dutch_proposal_matches_dutch_keywords_only(mappings):
    plan = plan_of(mappings, "Buurtmoestuin aan de Kievitlaan", "Wij willen samen tuinieren.")
    assert plan.classification.language == "nl" and plan.locale == "nl"
    rules = {e.rule for t in plan.classification.themes for e in t.evidence}
    assert "moestuin" in rules and "garden" not in rules


def test_english_keywords_do_not_count_in_dutch_text(mappings):
    # "park" is Dutch and English; "art" is an English keyword, but not in a Dutch "start".
    plan = plan_of(mappings, "Start van de buurtmoestuin", "We starten in het voorjaar.")
    assert "cultuur" not in plan.classification.theme_ids


def test_a_language_without_texts_is_answered_in_the_default_language(mappings):
    wider = replace(mappings, matching=replace(mappings.matching, languages=("nl", "en", "de")))
    plan = plan_of(
        wider,
        "Gemeinschaftsgarten an der Kievitlaan",
        "Wir möchten mit den Nachbarn einen Garten anlegen und brauchen Werkzeug.",
    )
    assert plan.classification.language == "de" and plan.locale == "nl"
    reason = next(r for r in plan.classification.reasons if r.code == "language.no_texts")
    assert reason.args == {"language": "de", "default": "nl"}


def test_too_little_text_is_unsure_and_every_keyword_counts(mappings):
    assert not detect("Community garden Kievitlaan", "", ("en", "nl")).sure
    plan = plan_of(mappings, "Community garden Kievitlaan", "")
    assert plan.classification.language is None and plan.locale == "nl"
    assert plan.classification.reasons[0].code == "language.unsure"
    assert plan.classification.primary_theme == "groen"  # "garden" counts although unsure
