"""Tests for decidim_bridge.plan.check_report: what check-mappings says around the problems."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import yaml
from plan_support import MAPPINGS, build_weststad

from decidim_bridge.plan.check_report import notices, problems_line
from decidim_bridge.rules.loader import load
from decidim_bridge.rules.notices import ENGLISH, Notice


def test_the_notices_in_the_order_check_mappings_prints_them(tmp_path):
    rules = load(build_weststad(tmp_path / "mappings"))
    first, *others = rules.advisors.advisors
    team = replace(rules.advisors, advisors=(replace(first, nickname=None), *others))
    rules = replace(rules, advisors=team)
    deprecated = Notice("deprecated", {"variable": "DECIDIM_BRIDGE_MAIL_FROM", "key": "sender"})
    found = notices(rules, [deprecated])
    assert found[0] == Notice("no_nickname", {"advisor_id": first.id, "advisor": first.id})
    assert found[-1] == deprecated
    uncovered = [(n.args["district"], n.args["theme"]) for n in found if n.key == "uncovered"]
    assert [n.key for n in found] == ["no_nickname", *["uncovered"] * 6, "deprecated"]
    assert ("heuvel", "groen") in uncovered and ("dorp", "cultuur") in uncovered


def test_the_english_patterns_are_the_example_rules_english():
    """The patterns the log and an unreadable folder use word the same as texts/en.yaml."""
    english = yaml.safe_load((MAPPINGS / "texts" / "en.yaml").read_text(encoding="utf-8"))
    assert {key: english["labels"]["check"][key] for key in ENGLISH} == ENGLISH


def test_without_texts_the_count_is_in_english():
    line = problems_line(3, Path("rules"), None)
    assert line == "3 problem(s) in rules"
