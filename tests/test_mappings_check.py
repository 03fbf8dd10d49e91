"""Tests for decidim_bridge.mappings_check: one run reports every kind of problem."""

from __future__ import annotations

import shutil

import pytest
from plan_support import MAPPINGS

from decidim_bridge.mappings_check import check, check_folder
from decidim_bridge.rules.loader import load


@pytest.fixture
def rules(tmp_path):
    copy = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, copy)
    return copy


def _edit(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def _messages(directory):
    _, problems = check_folder(directory)
    return [str(p) for p in problems]


def test_every_kind_of_problem_is_reported_in_one_run(rules):
    advisors = rules / "advisors.yaml"
    _edit(advisors, "    capacity: 8\n", "    capacty: 8\n")  # schema error, advisor 1
    _edit(advisors, "themes: [sociaal, veiligheid]", "themes: [socaal, veiligheid]")  # reference
    _edit(rules / "texts" / "nl.yaml", '  lead.chosen: "', '  lead.chosen: "{bogus} ')
    _edit(rules / "texts" / "nl" / "comment.md", "{{ contact.name }}", "{{ contact.naam }}")
    _edit(rules / "themes.yaml", "name: {nl: Groen, en: Green spaces}", "name: {nl: Groen}")
    out = "\n".join(_messages(rules))
    assert "advisors[1].capacty: Unknown field. Did you mean 'capacity'?" in out
    assert "Unknown theme 'socaal'. Did you mean 'sociaal'?" in out
    assert "reasons.lead.chosen: Unknown placeholder {bogus}" in out
    assert "themes[0].name: No text in en (scope.yaml lists nl, en)." in out
    # The broken advisor keeps the templates from rendering; they are compiled.
    _edit(advisors, "    capacty: 8\n", "    capacity: 8\n")
    out = "\n".join(_messages(rules))
    assert "texts/nl/comment.md:6: " in out
    assert "has no attribute 'naam'. Did you mean 'name'? Allowed: advisor_id, name," in out
    assert "reasons.lead.chosen: Unknown placeholder {bogus}" in out


def test_ids_written_with_capitals_get_a_suggestion(rules):
    _edit(rules / "advisors.yaml", "districts: [noord, oost]", "districts: [Noord, oost]")
    assert any(
        "'Noord' is not a valid name" in m and "Did you mean 'noord'?" in m
        for m in _messages(rules)
    )


def test_amounts_with_a_dutch_thousands_separator_are_refused(rules):
    budgets = rules / "budgets.yaml"
    _edit(budgets, "    total: 20000\n", "    total: 20.000\n")
    (message,) = [m for m in _messages(rules) if "budgets.yaml" in m]
    assert "budgets[0].total: '20.000' is ambiguous" in message
    assert "Write 20000 or 'EUR 20.000,00'" in message
    _edit(budgets, "    total: 20.000\n", "    total: 'EUR 20.000,00'\n")
    assert load(rules).budgets[0].total_cents == 2_000_000


def test_messages_in_every_language_and_mails_with_a_subject(rules):
    (rules / "texts" / "en" / "notice.md").unlink()
    reminder = rules / "texts" / "en" / "reminder.md"
    reminder.write_text(reminder.read_text(encoding="utf-8").split("\n", 1)[1], encoding="utf-8")
    out = "\n".join(_messages(rules))
    assert "texts/en/notice.md: File is missing: texts/nl/notice.md has no 'en' version" in out
    assert "texts/en/reminder.md:1: A mail starts with its 'Subject:' line" in out


def test_examples_out_of_scope_are_reported(rules):
    _edit(
        rules / "examples" / "buurtmoestuin-noord.json",
        '"component_id": "11"',
        '"component_id": "99"',
    )
    (message,) = _messages(rules)
    assert message.startswith("examples/buurtmoestuin-noord.json: ")
    assert "the bridge would not plan it" in message


def test_the_example_rules_pass(rules):
    mappings, problems = check_folder(rules)
    assert problems == [] and mappings is not None


def test_broken_rules_are_counted_in_their_language_from_one_read(rules, reads_below):
    """With a rule file broken, the default texts for the count come from the same read."""
    _edit(rules / "advisors.yaml", "capacity: 8", "capacity: lots")
    reads = reads_below(rules)
    checked = check(rules)
    assert checked.mappings is None and checked.problems
    assert checked.texts is not None and checked.texts.locale == "nl"
    rule_files = [name for name in reads if name.endswith(".yaml")]
    assert {"scope.yaml", "texts/nl.yaml"} <= set(rule_files)
    assert sorted(rule_files) == sorted(set(rule_files))
