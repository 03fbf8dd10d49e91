"""Tests for advisors' Decidim nicknames: validation in advisors.yaml, the lookup, and the
check-mappings warning for advisors without one (decidim_bridge.rules.nicknames)."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from plan_support import MAPPINGS, example_mappings

from decidim_bridge.rules.loader import check
from decidim_bridge.rules.model import AdvisorTeam
from decidim_bridge.rules.nicknames import missing_nickname_warnings

ADVISORS = "advisors.yaml"


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    target = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, target, ignore=shutil.ignore_patterns("examples"))
    return target


def edit(root: Path, old: str, new: str) -> int:
    """Replace ``old`` in advisors.yaml; returns the line where it was."""
    path = root / ADVISORS
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    index = text.index(old)
    path.write_text(text[:index] + new + text[index + len(old) :], encoding="utf-8")
    return text[:index].count("\n") + 1


def test_every_example_advisor_has_the_given_nickname():
    mappings = example_mappings()
    expected = {
        "c-bakker": "carla_bakker",
        "a-de-vries": "anouk_devries",
        "m-el-amrani": "mohamed_elamrani",
        "j-jansen": "joost_jansen",
        "s-visser": "sanne_visser",
        "p-de-boer": "pieter_deboer",
        "l-mulder": "lotte_mulder",
        "r-hoekstra": "rik_hoekstra",
        "f-yilmaz": "fatma_yilmaz",
        "t-smit": "tom_smit",
    }
    assert {a.id: a.nickname for a in mappings.advisors.advisors} == expected


@pytest.mark.parametrize(
    ("given", "advisor_id"),
    [
        ("anouk_devries", "a-de-vries"),
        ("@anouk_devries", "a-de-vries"),
        ("Anouk_DeVries", "a-de-vries"),
        (" tom_smit ", "t-smit"),
        ("anouk", None),
        ("a-de-vries", None),  # the rule files' id is not a nickname
        ("", None),
        (None, None),
    ],
)
def test_advisor_by_nickname(given, advisor_id):
    found = example_mappings().advisor_by_nickname(given)
    assert (found.id if found else None) == advisor_id


@pytest.mark.parametrize(
    ("nickname", "message"),
    [
        ("Anouk_DeVries", "not a Decidim nickname"),
        ("anouk devries", "not a Decidim nickname"),
        ('"@anouk_devries"', "not a Decidim nickname"),
        ("anouk.devries", "not a Decidim nickname"),
        ("a" * 21, "at most 20 characters"),
        ('""', "Give the advisor's Decidim nickname"),
    ],
)
def test_a_bad_nickname_names_file_line_and_field(rules, nickname, message):
    line = edit(rules, "    nickname: anouk_devries\n", f"    nickname: {nickname}\n")
    mappings, problems = check(rules)
    assert mappings is None
    [problem] = problems
    assert (problem.file, problem.line, problem.field) == (ADVISORS, line, "advisors[1].nickname")
    assert message in problem.message


def test_twenty_characters_digits_and_dashes_are_fine(rules):
    edit(rules, "    nickname: anouk_devries\n", "    nickname: anouk-devries-2026_x\n")
    mappings, problems = check(rules)
    assert problems == []
    assert mappings.advisor_by_nickname("anouk-devries-2026_x").id == "a-de-vries"


def test_a_nickname_used_twice_is_reported_on_the_second(rules):
    line = edit(rules, "    nickname: tom_smit\n", "    nickname: anouk_devries\n")
    mappings, problems = check(rules)
    assert mappings is None
    [problem] = problems
    assert (problem.file, problem.line, problem.field) == (ADVISORS, line, "advisors[9].nickname")
    assert "'anouk_devries' is already the nickname of item 1" in problem.message


def test_the_nickname_is_optional_and_its_absence_is_a_warning(rules):
    edit(rules, "    nickname: joost_jansen\n", "")
    edit(rules, "    nickname: tom_smit\n", "")
    mappings, problems = check(rules)
    assert problems == []
    assert mappings.advisor("j-jansen").nickname is None
    assert mappings.advisor_by_nickname("joost_jansen") is None
    warnings = missing_nickname_warnings(mappings)
    assert [(w.key, w.args["advisor_id"]) for w in warnings] == [
        ("no_nickname", "j-jansen"),
        ("no_nickname", "t-smit"),
    ]


def test_no_warning_when_everyone_has_a_nickname():
    assert missing_nickname_warnings(example_mappings()) == []


def test_lookup_follows_the_advisors_of_the_instance():
    mappings = example_mappings()
    team = mappings.advisors
    renamed = tuple(
        replace(a, nickname="anouk2") if a.id == "a-de-vries" else a for a in team.advisors
    )
    other = replace(mappings, advisors=AdvisorTeam(renamed, team.coordinator_id))
    assert other.advisor_by_nickname("anouk2").id == "a-de-vries"
    assert other.advisor_by_nickname("anouk_devries") is None
