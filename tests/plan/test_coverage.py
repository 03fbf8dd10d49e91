"""Tests for decidim_bridge.plan.coverage and the ``coverage`` command, on Weststad's rules."""

from __future__ import annotations

import json
from datetime import date

import pytest
from click.testing import CliRunner
from plan_support import build_weststad

from decidim_bridge.cli.plan import check_mappings, coverage
from decidim_bridge.plan.coverage import coverage as compute
from decidim_bridge.rules.loader import load


@pytest.fixture(scope="module")
def weststad(tmp_path_factory):
    return build_weststad(tmp_path_factory.mktemp("weststad") / "mappings")


def test_weststad_has_four_wijken_eight_themes_and_an_absent_advisor(weststad):
    rules = load(weststad)
    assert (len(rules.districts), len(rules.themes), len(rules.advisors.advisors)) == (4, 8, 6)
    result = compute(rules, date(2027, 4, 1), date(2027, 5, 12))
    assert len(result.cells) == 32
    uncovered = {(c.district_id, c.theme_id) for c in result.uncovered}
    assert uncovered == {
        ("dorp", "cultuur"),
        ("dorp", "sport"),
        ("dorp", "duurzaam"),
        ("polder", "cultuur"),
        ("heuvel", "groen"),
        ("heuvel", "sociaal"),
    }
    single = {(c.district_id, c.theme_id): c.candidates for c in result.single}
    assert single[("polder", "sport")] == ("e-verlof",)
    assert single[("haven", "groen")] == ("a-haven",)
    assert {(c.district_id, c.theme_id) for c in result.cells if len(c.candidates) > 1} == {
        ("dorp", "groen"),
        ("dorp", "sociaal"),
        ("heuvel", "sport"),
        ("heuvel", "duurzaam"),
    }
    (eva,) = result.absences
    assert eva.advisor_id == "e-verlof"
    stand_ins = {(s.district_id, s.theme_id): s.advisor_id for s in eva.stand_ins}
    assert stand_ins[("heuvel", "sport")] == "d-heuvel"
    assert stand_ins[("polder", "sport")] is None  # nobody: the coordinator


def test_an_absence_outside_the_window_is_left_out(weststad):
    result = compute(load(weststad), date(2027, 8, 1), date(2027, 9, 1))
    assert result.absences == ()


def test_the_coverage_command_names_gaps_and_stand_ins(weststad):
    runner = CliRunner()
    out = runner.invoke(coverage, ["--mappings", str(weststad), "--from", "2027-04-01"])
    assert out.exit_code == 0, out.output
    text = out.output
    assert "Alleen de coördinator (geen adviseur dekt dit):\n  Dorp x Cultuur" in text
    assert "Eén adviseur (geen vervanger):" in text and "Polder x Sport: Eva Verlof" in text
    assert "Eva Verlof afwezig maandag 1 maart 2027 - woensdag 30 juni 2027 (verlof)" in text
    assert "Heuvel x Sport: neemt over: Dana Heuvel" in text
    assert "Polder x Sport: neemt over: alleen de coördinator" in text
    data = json.loads(
        runner.invoke(
            coverage, ["--mappings", str(weststad), "--from", "2027-04-01", "--json"]
        ).output
    )
    assert ["heuvel", "groen"] in data["only_coordinator"]
    assert data["absences"][0]["advisor"] == "e-verlof"


def test_check_mappings_warns_on_combinations_only_the_coordinator_covers(weststad):
    out = CliRunner().invoke(check_mappings, [str(weststad)])
    assert out.exit_code == 0, out.output
    assert "waarschuwing: advisors.yaml: geen adviseur werkt in wijk Heuvel aan thema Groen;" in (
        out.output
    )
    assert out.output.count("zulke initiatieven gaan alleen naar de coördinator") == 6
