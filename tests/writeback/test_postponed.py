"""A postponed decision date: residents read the new date with its reason."""

from __future__ import annotations

from dataclasses import replace

from writeback.samples import Sample, garden

from decidim_bridge.plan.model import Reason
from decidim_bridge.writeback.changes import Change, diff, resident_facts
from decidim_bridge.writeback.effects import Options, Published, plan_effects

REASON = "de gemeenteraad bespreekt het plan pas in februari"


def _postponed(sample: Sample, reason: str = REASON, days: int = 10) -> Sample:
    exp = sample.plan.expectations
    postponement = Reason(
        "expect.postponed", {"days": days, "due_date": "2027-02-05", "reason": reason}
    )
    exp = replace(exp, decision_by="2027-02-05", reasons=(*exp.reasons, postponement))
    return Sample(replace(sample.plan, expectations=exp), sample.subject)


def test_the_facts_carry_the_reason_and_the_diff_makes_it_one_change(sample_mappings):
    before = resident_facts(garden().plan, sample_mappings, "nl")
    after = resident_facts(_postponed(garden()).plan, sample_mappings, "nl")
    assert after["postponed"] == [REASON]

    assert diff(before, after) == [Change("postponed", REASON, "2027-01-22", "2027-02-05")]
    # Facts stored before postponements were told carry no list: the same change.
    legacy = {k: v for k, v in before.items() if k != "postponed"}
    assert diff(legacy, after) == diff(before, after)
    # A date that moved for another reason stays a plain date change.
    moved = {**after, "postponed": [REASON]}
    assert [c.kind for c in diff(after, {**moved, "decision_by": "2027-02-12"})] == ["decision_by"]


def _effects(sample, mappings, templates, facts, locale="nl"):
    options = Options(
        decidim_url="https://lindeburg.example",
        default_locale=locale,
        locales=(locale,),
        can_answer=True,
    )
    return plan_effects(
        sample.plan,
        sample.subject,
        mappings,
        previous=garden(1).plan,
        published=Published(facts=facts),
        options=options,
        templates=templates,
    )


def test_the_comment_update_and_the_answer_give_the_reason(sample_mappings, templates):
    told = resident_facts(garden().plan, sample_mappings, "nl")
    effects = _effects(_postponed(garden(2)), sample_mappings, templates, told)

    comment = next(e for e in effects if e.kind == "decidim_comment").payload["body"]
    assert "Het besluit duurt langer" in comment
    assert "vrijdag 5 februari 2027" in comment and "(eerst: 22 januari 2027)" in comment
    assert f"Waarom: {REASON}" in comment
    answer = next(e for e in effects if e.kind == "decidim_answer").payload["answer_content"]
    assert "uitgesteld met 10 werkdagen" in answer["nl"] and REASON in answer["nl"]


def test_in_english_too(sample_mappings, templates):
    told = resident_facts(garden().plan, sample_mappings, "en")
    effects = _effects(
        _postponed(garden(2), "the council meets later"), sample_mappings, templates, told, "en"
    )
    comment = next(e for e in effects if e.kind == "decidim_comment").payload["body"]
    assert "The decision takes longer" in comment and "Why: the council meets later" in comment
    answer = next(e for e in effects if e.kind == "decidim_answer").payload["answer_content"]
    assert "postponed by 10 working days" in answer["en"]
