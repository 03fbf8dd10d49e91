"""Tests for decidim_bridge.cli.plan: check-mappings, plan try, plan show, plan holds."""

from __future__ import annotations

import json
import os
import shutil

import pytest
from click.testing import CliRunner
from plan_support import MAPPINGS, at, example_mappings, make_proposal

from decidim_bridge import plan_versions
from decidim_bridge.cli.common import fmt_time
from decidim_bridge.cli.plan import check_mappings, plan
from decidim_bridge.pipeline import save_plan

EXAMPLE = MAPPINGS / "examples" / "buurtmoestuin-noord.json"


@pytest.fixture
def env(monkeypatch, settings, db):
    monkeypatch.setenv("DECIDIM_BRIDGE_INSTANCE_DIR", str(settings.instance_dir))
    monkeypatch.setenv("DECIDIM_BRIDGE_DATABASE_URL", db.url)
    monkeypatch.setenv("DECIDIM_BRIDGE_MAPPINGS_DIR", str(MAPPINGS))
    return db


def test_check_mappings_ok():
    result = CliRunner().invoke(check_mappings, [str(MAPPINGS)])
    assert result.exit_code == 0, result.output
    assert "OK (5 districts, 6 themes, 10 advisors" in result.output


def test_check_mappings_warns_about_advisors_without_a_nickname(tmp_path):
    copy = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, copy)
    advisors = copy / "advisors.yaml"
    advisors.write_text(advisors.read_text().replace("    nickname: tom_smit\n", ""))
    result = CliRunner().invoke(check_mappings, [str(copy)])
    assert result.exit_code == 0, result.output
    assert "warning: advisors.yaml: t-smit (Tom Smit) has no Decidim nickname" in result.output
    assert "anouk" not in result.output
    assert result.output.count("has no Decidim nickname") == 1


def test_check_mappings_prints_every_problem_and_fails(tmp_path):
    broken = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, broken)
    advisors = broken / "advisors.yaml"
    advisors.write_text(advisors.read_text().replace("capacity: 8", "capacity: lots", 1))
    example = broken / "examples" / "broken.json"
    example.write_text('{"id": 1}')
    budgets = broken / "budgets.yaml"
    budgets.write_text(budgets.read_text().replace("year: 2026", "jaar: 2026", 1))
    result = CliRunner().invoke(check_mappings, [str(broken)])
    assert result.exit_code == 1
    assert "advisors.yaml:" in result.output and "Not a valid integer" in result.output
    assert "budgets.yaml:" in result.output and "jaar: Unknown field" in result.output
    assert "problem(s) in" in result.output


def test_check_mappings_runs_the_examples(tmp_path):
    copy = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, copy)
    (copy / "examples" / "broken.json").write_text('{"id": 1, "title": "x"}')
    result = CliRunner().invoke(check_mappings, [str(copy)])
    assert result.exit_code == 1
    assert "examples/broken.json" in result.output


def test_plan_try_prints_reasons_and_stores_nothing(env):
    result = CliRunner().invoke(
        plan, ["try", str(EXAMPLE), "--at", "2027-04-20T11:00:00+02:00", "--locale", "en"]
    )
    assert result.exit_code == 0, result.output
    assert "scope: in scope: Wijkinitiatieven" in result.output  # --locale en
    assert "lead: Anouk de Vries — district Noord" in result.output
    assert "first contact within 5 working days" in result.output
    with env.read() as conn:
        assert plan_versions.current_version(conn, "localhost", "1042") is None


def test_plan_try_json(env):
    result = CliRunner().invoke(plan, ["try", str(EXAMPLE), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["classification"]["district_id"] == "noord"


def test_plan_try_rejects_bad_files(env, tmp_path):
    bad = tmp_path / "p.json"
    bad.write_text('{"title": "zonder id"}')
    result = CliRunner().invoke(plan, ["try", str(bad)])
    assert result.exit_code == 1 and "does not match" in result.output


def test_plan_show_history_and_holds(env):
    mappings = example_mappings()
    for version, state in enumerate((None, "accepted"), start=1):
        with env.begin() as conn:
            save_plan(
                conn,
                tenant="localhost",
                proposal=make_proposal(state=state),
                mappings=mappings,
                now=at("2027-04-20T11:00:00+02:00") + version,
                space_key="wijkinitiatieven",
                event_type="decidim.events.proposals.proposal_published",
            )
    runner = CliRunner()
    shown = runner.invoke(plan, ["show", "42"])
    assert shown.exit_code == 0, shown.output
    assert "versie 2 van 2" in shown.output and "trekker: Anouk de Vries" in shown.output
    assert "bevestigd" in shown.output and "Reserveringen nu in de database:" in shown.output
    history = runner.invoke(plan, ["show", "42", "--history"])
    assert "stage: open -> accepted" in history.output
    first = runner.invoke(plan, ["show", "42", "--version", "1", "--json"])
    assert json.loads(first.output)["stage"] == "open"
    missing = runner.invoke(plan, ["show", "999"])
    assert missing.exit_code == 1 and "no plan for proposal 999" in missing.output
    holds = runner.invoke(plan, ["holds"])
    assert "perceel-kievitlaan" in holds.output and "gereserveerd / aanwezig:" in holds.output


def test_plan_holds_shows_each_hold_s_period(env, monkeypatch):
    mappings = example_mappings()
    stored = {}
    for proposal_id, title, moment in (
        ("1", "Hekken om het speelveld op 26 juni", "2027-01-11T11:00:00+01:00"),
        ("2", "Hekken om het speelveld op 26 juni", "2027-01-11T11:00:00+01:00"),
        ("3", "Hekken om het speelveld", "2027-03-01T11:00:00+01:00"),
    ):
        with env.begin() as conn:
            stored[proposal_id] = save_plan(
                conn,
                tenant="localhost",
                proposal=make_proposal(title, proposal_id=proposal_id, published=moment),
                mappings=mappings,
                now=at(moment),
            )
    fences = {
        key: next(o.hold for o in value.plan.resources if o.resource_id == "bouwhekken")
        for key, value in stored.items()
    }
    monkeypatch.setattr(
        "decidim_bridge.cli.plan.time.time", lambda: at("2027-03-02T09:00:00+01:00")
    )
    result = CliRunner().invoke(plan, ["holds"])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if "bouwhekken" in line]
    june = fences["1"]
    assert lines[0].split() == [
        "1",
        "resource",
        "bouwhekken",
        "1",
        "vastgehouden",
        "vanaf",
        *fmt_time(june.starts_at).split(),
        "tot",
        *fmt_time(june.expires_at).split(),
    ]
    assert lines[2].split()[5:] == ["tot", *fmt_time(fences["3"].expires_at).split()]
    # Three holds on two sets of fences: at most two at one moment (March is before June).
    assert lines[-1].split() == ["resource", "bouwhekken", "2", "/", "2"]


DOC = MAPPINGS.parent / "docs" / "plan-try.md"
DOC_COMMAND = ["try", str(EXAMPLE), "--at", "2027-04-20T11:00:00+02:00", "--show-texts"]
BEGIN, END = "<!-- begin: plan try --show-texts -->\n```text\n", "```\n<!-- end -->"


def _clean_env(monkeypatch):
    for name in list(os.environ):
        if name.startswith("DECIDIM_BRIDGE_") and name != "DECIDIM_BRIDGE_REQUIRE_POSTGRES":
            monkeypatch.delenv(name)
    monkeypatch.setenv("DECIDIM_BRIDGE_MAPPINGS_DIR", str(MAPPINGS))


def test_plan_try_show_texts_prints_comment_answer_and_mails(monkeypatch):
    _clean_env(monkeypatch)
    result = CliRunner().invoke(plan, DOC_COMMAND)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Wat de bridge zou schrijven en versturen" in out
    assert "--- Openbare reactie (nl) ---" in out and "Ref. LB-" in out
    assert "--- Antwoord 'evaluating' (nl) ---" in out
    assert "--- Antwoord 'evaluating' (en) ---" in out
    assert "--- Mail aan Anouk de Vries <anouk.devries@lindeburg.example> (advisor) ---" in out
    assert "Aanbod uit de catalogus:" in out and "Catalogue offers" not in out
    assert "bereik: valt binnen: Wijkinitiatieven" in out
    for english in ("held until", "tracking: pending", "Lead:", "Checklist:\n  [todo]"):
        assert english not in out


def test_the_documented_plan_try_output_is_what_the_command_prints(monkeypatch):
    """docs/plan-try.md shows real output; DECIDIM_BRIDGE_WRITE_DOCS=1 regenerates it."""
    write = os.environ.get("DECIDIM_BRIDGE_WRITE_DOCS") == "1"
    _clean_env(monkeypatch)
    result = CliRunner().invoke(plan, DOC_COMMAND)
    assert result.exit_code == 0, result.output
    text = DOC.read_text(encoding="utf-8")
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    fresh = head + BEGIN + result.output + END + tail
    if write:
        DOC.write_text(fresh, encoding="utf-8")
        text = fresh
    assert text == fresh, "docs/plan-try.md is out of date: run with DECIDIM_BRIDGE_WRITE_DOCS=1"


def test_plan_try_on_a_folder_plans_a_batch(env, tmp_path):
    folder = tmp_path / "batch"
    folder.mkdir()
    raw = EXAMPLE.read_text()
    for n in (1, 2):
        (folder / f"p{n}.json").write_text(
            raw.replace('"1042"', f'"90{n}"').replace("T10:15", f"T1{n}:15")
        )
    result = CliRunner().invoke(plan, ["try", str(folder), "--locale", "en"])
    assert result.exit_code == 0, result.output
    assert "Trial of 2 initiatives" in result.output
    assert "Anouk de Vries                 2 /   0 / 8" in result.output
    refused = result.output.split("Offers refused because everything is reserved:")[1]
    assert "\n  901: " not in refused and "\n  902: " in refused
    data = json.loads(CliRunner().invoke(plan, ["try", str(folder), "--json"]).output)
    assert [p["proposal_id"] for p in data["plans"]] == ["901", "902"]
    assert data["summary"]["leads"] == {"a-de-vries": 2}
