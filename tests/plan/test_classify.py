"""Tests for decidim_bridge.plan.classify: wijk and themes, with evidence (table-driven)."""

from __future__ import annotations

import pytest
import yaml
from plan_support import PLAN_DATA, example_mappings, make_proposal

from decidim_bridge.plan.classify import classify
from decidim_bridge.plan.engine import read_proposal

CASES = yaml.safe_load((PLAN_DATA / "classification.yaml").read_text(encoding="utf-8"))


def _classify(case: dict):
    mappings = example_mappings()
    proposal = make_proposal(
        case["title"],
        case.get("body", ""),
        address=case.get("address"),
        taxonomies=tuple(case.get("taxonomies", ())),
    )
    return classify(proposal, read_proposal(proposal, mappings), mappings)


def test_the_table_is_large_enough():
    assert len(CASES) >= 40
    assert sum(1 for c in CASES if c.get("absent")) >= 8  # negatives that must not match


@pytest.mark.parametrize("case", CASES, ids=[c["title"] for c in CASES])
def test_classification(case):
    result = _classify(case)
    assert result.district_id == case["district"]
    assert result.primary_theme == case["main"]
    assert set(result.theme_ids) == set(case["themes"])
    evidenced = {t.theme_id for t in (*result.themes, *result.weak_themes)}
    for theme in case.get("absent", ()):
        assert theme not in evidenced, f"{theme} must not match"


class TestEvidence:
    def test_every_counted_theme_has_evidence_and_a_reason(self):
        result = _classify({"title": "Moestuin en speeltuin voor het Oosterpark"})
        for theme in result.themes:
            assert theme.evidence
            assert any(r.args.get("theme") == theme.theme_id for r in result.reasons)

    def test_compound_reason_names_keyword_and_word(self):
        result = _classify({"title": "Buurtmoestuin in de Vogelwijk"})
        reason = next(r for r in result.reasons if r.code == "theme.compound")
        assert reason.args == {
            "theme": "groen",
            "keyword": "moestuin",
            "word": "buurtmoestuin",
            "where": "title",
        }
        assert reason.text == "thema Groen: trefwoord 'moestuin' (als 'buurtmoestuin') in de titel"

    def test_taxonomy_beats_postcode_and_reports_the_conflict(self):
        result = _classify(
            {"title": "Buurtfeest", "taxonomies": ["Noord"], "address": "Tulpstraat 3, 7419 AB"}
        )
        assert result.district_id == "noord"
        assert [e.source for e in result.district_evidence] == ["taxonomy"]
        conflict = next(r for r in result.reasons if r.code == "district.conflict")
        assert conflict.args["other_districts"] == ["oost"]

    def test_weak_theme_is_reported_but_not_counted(self):
        result = _classify({"title": "Plan voor de wijk", "body": "Er komt wat groen."})
        assert result.themes == ()
        assert [t.theme_id for t in result.weak_themes] == ["groen"]
        assert {r.code for r in result.reasons} >= {"theme.none", "theme.weak"}

    def test_html_body_is_read_as_text(self):
        result = _classify({"title": "Idee", "body": "<p>Een <b>moestuin</b> &amp; bloemen</p>"})
        assert result.primary_theme == "groen"
        assert {e.matched for e in result.themes[0].evidence} == {"moestuin", "bloemen"}
