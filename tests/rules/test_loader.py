"""Tests for decidim_bridge.rules.loader: every kind of mistake, with file, line and field."""

from __future__ import annotations

import hashlib
import shutil
from datetime import date
from pathlib import Path

import pytest
from plan_support import MAPPINGS

from decidim_bridge.errors import MappingError
from decidim_bridge.rules.loader import check, load
from decidim_bridge.rules.yamlsource import Problem


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    target = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, target, ignore=shutil.ignore_patterns("messages", "examples"))
    return target


def edit(root: Path, name: str, old: str, new: str) -> int:
    """Replace the first ``old`` in ``name``; returns the line where ``new`` starts."""
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {name}"
    index = text.index(old)
    path.write_text(text[:index] + new + text[index + len(old) :], encoding="utf-8")
    return text[:index].count("\n") + 1


def line_of(root: Path, name: str, needle: str) -> int:
    text = (root / name).read_text(encoding="utf-8")
    return text[: text.index(needle)].count("\n") + 1


def only(problems: list[Problem], file: str) -> list[Problem]:
    return [p for p in problems if p.file == file]


def test_the_example_municipality_is_valid():
    mappings, problems = check(MAPPINGS)
    assert problems == []
    assert mappings is not None
    assert len(mappings.advisors.advisors) >= 8
    assert mappings.advisors.coordinator.id == "c-bakker"
    assert any(a.absences for a in mappings.advisors.advisors)
    assert {"nl", "en"} <= set(mappings.texts)
    wethouder_themes = {t for s in mappings.stakeholders if s.kind == "wethouder" for t in s.themes}
    assert wethouder_themes == {t.id for t in mappings.themes}
    wijkraden = {d for s in mappings.stakeholders if s.kind == "wijkraad" for d in s.districts}
    assert wijkraden == {d.id for d in mappings.districts}


CASES = [
    # (file, old, new, field (substring), message (substring)); the line is the edited one
    (
        "advisors.yaml",
        "    capacity: 8\n",
        "    capacity: 8\n    capacity: 9\n",
        "capacity: 9",
        "Duplicate key",
    ),
    (
        "advisors.yaml",
        "    capacity: 8\n",
        "    capacty: 8\n",
        "capacty",
        "Did you mean 'capacity'",
    ),
    (
        "advisors.yaml",
        "    capacity: 8\n",
        "    capacity: acht\n",
        "capacity",
        "Not a valid integer",
    ),
    (
        "advisors.yaml",
        "    email: anouk.devries@lindeburg.example\n",
        "    email: anouk.devries\n",
        "email",
        "Not a valid email",
    ),
    (
        "advisors.yaml",
        "    districts: [noord, oost]\n",
        "    districts: [noord, oostt]\n",
        "advisors[1].districts[1]",
        "Unknown district 'oostt'",
    ),
    (
        "advisors.yaml",
        "      - {from: 2026-12-21, to: 2027-01-08, reason: kerstverlof}\n",
        "      - {from: 2026-12-21, to: 2026-12-01, reason: kerstverlof}\n",
        "absences[0].to",
        "before 'from'",
    ),
    (
        "advisors.yaml",
        "coordinator: c-bakker\n",
        "coordinator: c-baker\n",
        "coordinator",
        "not one of",
    ),
    (
        "resources.yaml",
        "    department: communicatie\n",
        "    department: wijkraad-noord\n",
        "department",
        "not a stakeholder of kind 'department'",
    ),
    (
        "resources.yaml",
        "      - {word: flyer, forms: [flyers, flyeren]}\n",
        "      - {word: flyer, compounds: sometimes}\n",
        "compounds",
        "Must be one of",
    ),
    (
        "budgets.yaml",
        "    max_per_initiative: 2500\n",
        "    max_per_initiative: 25000\n",
        "max_per_initiative",
        "larger",
    ),
    ("budgets.yaml", "    total: 20000\n", "    total: veel\n", "total", "amount in euros"),
    (
        "budgets.yaml",
        "    districts: [centrum]\n",
        "    districts: [binnenstad]\n",
        "districts[0]",
        "Unknown district 'binnenstad'",
    ),
    (
        "budgets.yaml",
        "    department: wijkzaken\n",
        "    department: wijkraad-noord\n",
        "department",
        "'wijkraad-noord' is not a stakeholder of kind 'department'",
    ),
    (
        "stakeholders.yaml",
        "    themes: [sociaal]\n",
        "    themes: [zorg]\n",
        "themes[0]",
        "Unknown theme 'zorg'",
    ),
    (
        "districts.yaml",
        "    postcodes: [7414-7417]\n",
        "    postcodes: [7413-7417]\n",
        "postcodes",
        "overlaps",
    ),
    (
        "expectations.yaml",
        "  ignore_holidays: [Goede vrijdag]",
        "  ignore_holidays: [Goede Vrijdag]",
        "calendar.ignore_holidays[0]",
        "not a public holiday name",
    ),
    (
        "expectations.yaml",
        "  wijkinitiatieven:\n",
        "  wijkinitiatief:\n",
        "processes.wijkinitiatief",
        "not a space in scope.yaml",
    ),
    (
        "texts/nl.yaml",
        '  lead.full: "{advisor} zit vol ({open} van {capacity})"\n',
        '  lead.full: "{adviseur} zit vol ({open} van {capacity})"\n',
        "reasons.lead.full",
        "Unknown placeholder {adviseur}",
    ),
    (
        "stakeholders.yaml",
        "    kind: wijkraad\n",
        "    kind: wijkraat\n",
        "kind",
        "Must be one of",
    ),
    (
        "scope.yaml",
        "    publication: automatic ",
        "    publication: automatisch ",
        "act_on[0].publication",
        "Must be one of: automatic, after-approval",
    ),
    (
        "scope.yaml",
        "    reason: raadpleging over de begroting, geen burgerinitiatieven\n",
        "    publication: after-approval\n"
        "    reason: raadpleging over de begroting, geen burgerinitiatieven\n",
        "ignore[0].publication",
        "Unknown field here",
    ),
]


@pytest.mark.parametrize(
    ("file", "old", "new", "field", "message"), CASES, ids=[c[4] for c in CASES]
)
def test_each_mistake_names_file_line_and_field(rules, file, old, new, field, message):
    line = edit(rules, file, old, new)
    if ": " in field:  # a duplicate: the second occurrence is reported
        line = line_of(rules, file, "    " + field)
        field = field.split(":")[0]
    mappings, problems = check(rules)
    assert mappings is None
    matching = [p for p in only(problems, file) if message in p.message and field in p.field]
    assert matching, "\n".join(map(str, problems))
    assert matching[0].line == line


def test_syntax_error_names_where_the_construct_started(rules):
    line = edit(rules, "advisors.yaml", "    capacity: 8\n", "    capacity: [8\n")
    problems = check(rules)[1]
    assert len(problems) == 1
    problem = problems[0]
    assert problem.file == "advisors.yaml" and problem.line in (line + 1, line + 2)
    assert "YAML syntax error" in problem.message and f"starts on line {line}" in problem.message


def test_missing_required_field_points_at_the_item(rules):
    line = line_of(rules, "advisors.yaml", "  - id: a-de-vries")
    edit(rules, "advisors.yaml", "    email: anouk.devries@lindeburg.example\n", "")
    problems = only(check(rules)[1], "advisors.yaml")
    assert [(p.line, p.field, p.message) for p in problems] == [
        (line, "advisors[1].email", "Missing data for required field.")
    ]


def test_theme_without_wethouder_is_reported_on_the_theme(rules):
    edit(
        rules,
        "stakeholders.yaml",
        "    themes: [groen, verkeer]\n    contact: {name: Secretariaat wethouder Van Dijk",
        "    themes: [verkeer]\n    contact: {name: Secretariaat wethouder Van Dijk",
    )
    problems = check(rules)[1]
    theme_line = line_of(rules, "themes.yaml", "  - id: groen")
    found = [p for p in problems if "No wethouder" in p.message]
    assert [(p.file, p.line, p.field) for p in found] == [
        ("themes.yaml", theme_line, "themes[0].id")
    ]


def test_missing_reason_line_in_texts(rules):
    edit(rules, "texts/en.yaml", '  theme.none: "no theme recognised"\n', "")
    problems = check(rules)[1]
    assert any(
        p.file == "texts/en.yaml" and p.field == "reasons" and "Missing 'theme.none'" in p.message
        for p in problems
    )


def test_missing_files(rules):
    (rules / "budgets.yaml").unlink()
    (rules / "texts" / "en.yaml").unlink()
    problems = check(rules)[1]
    assert ("budgets.yaml", "File is missing.") in {(p.file, p.message) for p in problems}
    assert any(p.file == "texts/en.yaml" and "locale 'en'" in p.message for p in problems)


def test_all_problems_at_once(rules):
    edit(rules, "advisors.yaml", "    capacity: 8\n", "    capacity: -1\n")
    edit(rules, "resources.yaml", "    quantity: 4\n", "    quantity: vier\n")
    edit(rules, "scope.yaml", "  default_locale: nl", "  default_locale: de")
    edit(rules, "service_purchase.yaml", "decision_days: 40", "decision_days: 0")
    files = {p.file for p in check(rules)[1]}
    assert {"advisors.yaml", "resources.yaml", "scope.yaml", "service_purchase.yaml"} <= files


def test_load_raises_with_every_problem(rules):
    edit(rules, "advisors.yaml", "    capacity: 8\n", "    capacity: nul\n")
    with pytest.raises(MappingError) as info:
        load(rules)
    assert info.value.errors == [
        {
            "file": "advisors.yaml",
            "line": line_of(rules, "advisors.yaml", "    capacity: nul"),
            "field": "advisors[1].capacity",
            "message": "Not a valid integer.",
        }
    ]


def test_holiday_names_are_checked_around_the_given_day(rules):
    """Liberation Day is a public holiday in lustrum years only (2025, 2030, ...)."""
    edit(rules, "expectations.yaml", "[Goede vrijdag]", "[Bevrijdingsdag]")

    assert check(rules, today=date(2026, 6, 1))[1] == []
    problems = check(rules, today=date(2032, 6, 1))[1]
    assert [(p.file, p.field) for p in problems] == [
        ("expectations.yaml", "calendar.ignore_holidays[0]")
    ]


def test_each_file_is_read_once_and_fingerprinted_as_read(rules, reads_below, monkeypatch):
    read_bytes = Path.read_bytes
    reads = reads_below(rules)
    monkeypatch.setattr(Path, "read_text", lambda *a, **k: pytest.fail("read as text again"))
    mappings = load(rules)

    assert sorted(reads) == sorted(set(reads))
    assert {"advisors.yaml", "texts/nl.yaml", "texts/en.yaml"} <= set(reads)
    expected = hashlib.sha256()
    for name in reads:
        expected.update(name.encode() + b"\0" + read_bytes(rules / name))
    assert mappings.digest == expected.hexdigest()


def test_the_fingerprint_follows_the_words_files(rules):
    before = load(rules).digest
    edit(rules, "texts/en.yaml", "locale: en", "locale: en  # edited")

    assert load(rules).digest != before


def test_the_approval_page_lines_are_checked_like_the_reasons(rules):
    edit(rules, "texts/en.yaml", '  confirm_hold: "Do not publish yet"\n', "")
    line = edit(rules, "texts/en.yaml", "({count} write(s))", "({released} write(s))")

    problems = only(check(rules)[1], "texts/en.yaml")

    assert {(p.field, p.message) for p in problems} == {
        ("approval", "Missing 'confirm_hold'."),
        ("approval.released", "Unknown placeholder {released} (allowed: {count})."),
    }
    assert [p.line for p in problems if p.field == "approval.released"] == [line]


def test_label_patterns_may_use_only_their_placeholders(rules):
    line = edit(rules, "texts/nl.yaml", "{count} probleem/problemen", "{aantal} problemen")
    edit(rules, "texts/nl.yaml", "    warning: waarschuwing", "    warning: waarschuwing {x}")

    problems = only(check(rules)[1], "texts/nl.yaml")

    assert {(p.field, p.message) for p in problems} == {
        (
            "labels.check.problems",
            "Unknown placeholder {aantal} (allowed: {count}, {directory}).",
        ),
        ("labels.check.warning", "Unknown placeholder {x} (allowed: none)."),
    }
    assert [p.line for p in problems if p.field == "labels.check.problems"] == [line]


def test_every_label_the_bridge_uses_is_required(rules):
    edit(rules, "texts/en.yaml", "    uncovered: ", "    uncoverd: ")

    problems = only(check(rules)[1], "texts/en.yaml")

    assert ("labels.check", "Missing label 'uncovered'.") in {
        (p.field, p.message) for p in problems
    }
