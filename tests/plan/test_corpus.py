"""The labelled corpus (tests/data/classify) keeps the goals bench/classify.py reports."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from plan_support import example_mappings

from decidim_bridge.rules.keywords import Keyword, build_index

BENCH = Path(__file__).resolve().parents[2] / "bench" / "classify.py"


@pytest.fixture(scope="module")
def figures():
    bench = runpy.run_path(str(BENCH))
    items = bench["corpus"]()
    assert len(items) >= 150
    assert {i["lang"] for i in items} == {"nl", "en"}
    return bench["measure"](example_mappings(), items).figures()


def test_goals_hold(figures):
    assert figures["theme_accuracy"] >= 0.9
    assert figures["resource_precision"] >= 0.95
    assert figures["melding_recall"] >= 0.9
    assert figures["not_initiative_precision"] >= 0.9
    assert figures["traps"] == 0
    assert figures["language_accuracy"] >= 0.95


def test_a_phrase_beats_a_rival_word_inside_it():
    def rivalry(owner):
        return "theme"

    index = build_index(
        [
            ("park", Keyword("park", ("park",))),
            ("sport", Keyword("skate park", ("skate park",), lang="en")),
        ],
        rivalry=rivalry,
    )
    assert [h.owner for h in index.find("A skate park for teenagers", "title")] == ["sport"]
    assert [h.owner for h in index.find("A walk in the park", "title")] == ["park"]
    # keywords of another language do not count in a text of known language
    found = index.find("Een skate park", "title", lang="nl")
    assert [h.owner for h in found] == ["park"]
