"""Tests for decidim_bridge.rules.yamlsource: plain data plus the line of every value."""

from __future__ import annotations

from datetime import date

from decidim_bridge.rules.yamlsource import format_path, parse


def test_lines_of_keys_and_items():
    doc, problems = parse("a:\n  b: 1\n  c:\n    - x\n    - y\n", "f.yaml")
    assert problems == []
    assert doc.data == {"a": {"b": 1, "c": ["x", "y"]}}
    assert doc.line_of(("a", "c", 1)) == 5
    assert doc.line_of(("a", "missing", "deeper")) == 1  # nearest written ancestor


def test_duplicate_keys_are_reported_not_overwritten():
    doc, problems = parse("a: 1\nb: 2\na: 3\n", "f.yaml")
    assert doc.data == {"a": 1, "b": 2}
    assert [(p.line, p.field) for p in problems] == [(3, "a")]
    assert "first written on line 1" in problems[0].message


def test_merge_keys_may_be_overridden():
    doc, problems = parse("base: &b\n  x: 1\n  y: 2\nitem:\n  <<: *b\n  y: 3\n", "f.yaml")
    assert problems == []
    assert doc.data["item"] == {"x": 1, "y": 3}
    assert doc.line_of(("item", "y")) == 6


def test_syntax_error_has_a_line():
    doc, problems = parse("a: [1, 2\nb: 3\n", "f.yaml")
    assert doc.data is None
    assert problems[0].file == "f.yaml" and problems[0].line is not None
    assert "YAML syntax error" in problems[0].message


def test_dates_and_impossible_dates():
    doc, problems = parse("ok: 2026-04-27\nbad: 2026-02-30\n", "f.yaml")
    assert doc.data["ok"] == date(2026, 4, 27)
    assert [(p.line, p.field) for p in problems] == [(2, "bad")]


def test_format_path():
    assert format_path(("advisors", 3, "email")) == "advisors[3].email"
