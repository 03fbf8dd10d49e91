"""Tests for decidim_bridge.digest.checks: the digest templates render in every language,
and a misspelled placeholder is reported with its file and line."""

from __future__ import annotations

import shutil

from plan_support import MAPPINGS, example_mappings

from decidim_bridge.digest.checks import digest_template_problems
from decidim_bridge.rules.loader import load


def test_the_example_templates_render():
    assert digest_template_problems(MAPPINGS, example_mappings()) == []


def test_a_misspelled_placeholder_is_reported_with_file_and_line(tmp_path):
    copy = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, copy)
    template = copy / "texts" / "en" / "digest.md"
    lines = template.read_text(encoding="utf-8").splitlines()
    number = next(i for i, line in enumerate(lines, 1) if "item.lead" in line)
    lines[number - 1] = lines[number - 1].replace("item.lead", "item.leader")
    template.write_text("\n".join(lines) + "\n", encoding="utf-8")
    problems = digest_template_problems(copy, load(copy))
    assert [(p.file, p.line) for p in problems] == [("texts/en/digest.md", number)]
    assert "leader" in problems[0].message
