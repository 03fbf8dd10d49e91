"""Tests for decidim_bridge.rules.keywords: folding, forms, compounds and exclusions."""

from __future__ import annotations

import pytest
from plan_support import example_mappings

from decidim_bridge.rules.keywords import Keyword, KeywordIndex, build_index, fold, tokenize


def owners(text: str, index: KeywordIndex) -> set[tuple[str, str]]:
    return {hit.owner for hit in index.find(text, "body")}  # type: ignore[misc]


class TestFold:
    def test_lower_case_accents_and_apostrophes(self):
        assert fold("Café Poëzie GEÏNTERESSEERD") == "cafe poezie geinteresseerd"
        assert tokenize("Auto's en foto’s") == ["autos", "en", "fotos"]

    def test_hyphenated_words_are_split_and_joined(self):
        index = build_index([("x", Keyword("moestuin", ("moestuin",)))])
        assert [h.word for h in index.find("een buurt-moestuin", "body")] == ["moestuin"]
        index = build_index([("x", Keyword("buurtmoestuin", ("buurtmoestuin",), "none"))])
        assert [h.word for h in index.find("een buurt-moestuin", "body")] == ["buurtmoestuin"]


class TestSmallIndex:
    @pytest.fixture
    def index(self) -> KeywordIndex:
        return build_index(
            [
                ("hek", Keyword("hek", ("hek", "hekken", "hekje"), "end", ("hekel",))),
                ("moestuin", Keyword("moestuin", ("moestuin", "moestuinen"), "both")),
                ("aed", Keyword("aed", ("aed",), "none")),
                ("phrase", Keyword("samen eten", ("samen eten",))),
            ]
        )

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("hek", {"hek"}),
            ("hekken", {"hek"}),
            ("dranghekken", {"hek"}),  # compound ending in a declared form
            ("dranghek", {"hek"}),
            ("heksen", set()),  # no guessed forms: heks is not hek
            ("hekel", set()),
            ("hekwerk", set()),  # "hek" may only end a compound here
            ("bibliotheek", set()),
            ("schrikhek", {"hek"}),
            ("ahek", set()),  # the part before must be at least 3 letters
            ("buurtmoestuin", {"moestuin"}),
            ("moestuinproject", {"moestuin"}),  # compounds: both
            ("moestuinen", {"moestuin"}),
            ("moes", set()),
            ("aed", {"aed"}),
            ("naed", set()),
            ("wij willen samen eten", {"phrase"}),
            ("samen en eten", set()),
        ],
    )
    def test_word(self, index, text, expected):
        assert {h.owner for h in index.find(text, "body")} == expected

    def test_each_keyword_counts_once_per_text_with_the_word_found(self, index):
        hits = index.find("Hekken, hekken en nog een dranghek", "title")
        assert len(hits) == 1
        assert (hits[0].word, hits[0].where, hits[0].how) == ("hekken", "title", "form")


class TestExampleMunicipality:
    """The words the rule files must get right (``hek``, ``buurtmoestuin`` and friends)."""

    @pytest.fixture
    def index(self) -> KeywordIndex:
        return example_mappings().keyword_index

    def test_hek_means_site_fencing_and_not_crowd_barriers(self, index):
        for word in ("hek", "hekken", "toegangshek"):
            found = owners(word, index)
            assert ("resource", "bouwhekken") in found
            assert ("resource", "dranghekken-noord") not in found

    def test_dranghekken_are_crowd_barriers_only(self, index):
        found = owners("dranghekken", index)
        assert found == {("resource", "dranghekken-noord"), ("resource", "dranghekken-zuid")}

    def test_buurtmoestuin(self, index):
        found = owners("buurtmoestuin", index)
        assert ("theme", "groen") in found
        assert {("resource", "tuingereedschap"), ("resource", "perceel-kievitlaan")} <= found

    def test_theme_rivalry_prefers_the_longer_keyword(self, index):
        assert ("theme", "groen") not in owners("speeltuin", index)
        assert ("theme", "spelen-en-sport") in owners("speeltuin", index)
        assert ("theme", "groen") in owners("speeltuin met een tuin", index)

    @pytest.mark.parametrize(
        "word", ["heksen", "hekel", "natuurlijk", "verkeerd", "transport", "kunstgras", "kerstboom"]
    )
    def test_words_that_must_match_nothing_thematic(self, index, word):
        assert not {o for o in owners(word, index) if o[0] == "theme"}
