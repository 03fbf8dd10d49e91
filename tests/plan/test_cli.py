"""Tests for decidim_bridge.cli.plan: check-mappings, plan try, plan show, plan holds."""

from __future__ import annotations

import json
import os
import re
import shutil

import pytest
from click.testing import CliRunner
from plan_support import MAPPINGS, at, build_english, example_mappings, make_proposal

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


#: What check-mappings and plan try said in English before their lines followed the rules.
ENGLISH_FRAMING = ("OK (", "districts", "warning:", "problem(s)", "out of scope", "not listed")


def test_check_mappings_ok_in_the_language_of_the_rules():
    result = CliRunner().invoke(check_mappings, [str(MAPPINGS)])
    assert result.exit_code == 0, result.output
    assert f"{MAPPINGS}: in orde (5 wijken, 6 thema's, 10 adviseurs, 23 dingen" in result.output
    assert "talen: en, nl)" in result.output
    assert "waarschuwing: advisors.yaml: geen adviseur werkt in wijk Noord aan thema Cultuur" in (
        result.output
    )
    for english in ENGLISH_FRAMING:
        assert english not in result.output


def test_check_mappings_of_english_rules_is_in_english(tmp_path):
    rules = build_english(tmp_path / "mappings")
    result = CliRunner().invoke(check_mappings, [str(rules)])
    assert result.exit_code == 0, result.output
    assert f"{rules}: OK (5 districts, 6 themes, 10 advisors, 23 catalogue items" in result.output
    assert "warning: advisors.yaml: no advisor covers district Noord with theme Culture;" in (
        result.output
    )
    assert "waarschuwing" not in result.output and "in orde" not in result.output


def test_check_mappings_warns_about_advisors_without_a_nickname(tmp_path):
    copy = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, copy)
    advisors = copy / "advisors.yaml"
    advisors.write_text(advisors.read_text().replace("    nickname: tom_smit\n", ""))
    result = CliRunner().invoke(check_mappings, [str(copy)])
    assert result.exit_code == 0, result.output
    assert (
        "waarschuwing: advisors.yaml: t-smit (Tom Smit) heeft geen bijnaam in Decidim"
        in result.output
    )
    assert "anouk" not in result.output
    assert result.output.count("heeft geen bijnaam in Decidim") == 1


def test_check_mappings_warns_about_deprecated_settings_in_the_rules_language(monkeypatch):
    monkeypatch.setenv("DECIDIM_BRIDGE_REF_PREFIX", "XX")
    result = CliRunner().invoke(check_mappings, [str(MAPPINGS)])
    assert result.exit_code == 0, result.output
    assert (
        "waarschuwing: DECIDIM_BRIDGE_REF_PREFIX is verouderd en telt niet mee: policy.yaml "
        "zet 'reference_prefix' al" in result.output
    )


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
    assert result.output.rstrip().endswith(f"probleem/problemen in {broken}")


def test_check_mappings_counts_problems_in_english_when_no_texts_file_loads(tmp_path):
    broken = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, broken)
    (broken / "texts" / "nl.yaml").write_text("locale: [nl\n")
    result = CliRunner().invoke(check_mappings, [str(broken)])
    assert result.exit_code == 1
    assert result.output.rstrip().endswith(f"problem(s) in {broken}")


def test_check_mappings_of_broken_english_rules_counts_in_english(tmp_path):
    rules = build_english(tmp_path / "mappings")
    advisors = rules / "advisors.yaml"
    advisors.write_text(advisors.read_text().replace("capacity: 8", "capacity: lots", 1))
    result = CliRunner().invoke(check_mappings, [str(rules)])
    assert result.exit_code == 1
    assert result.output.rstrip().endswith(f"problem(s) in {rules}")
    assert "probleem" not in result.output


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


def _accepted_plan(db):
    """Proposal 42, planned when published and again when accepted."""
    mappings = example_mappings()
    for version, state in enumerate((None, "accepted"), start=1):
        with db.begin() as conn:
            save_plan(
                conn,
                tenant="localhost",
                proposal=make_proposal(state=state, body="Een moestuin met hekken."),
                mappings=mappings,
                now=at("2027-04-20T11:00:00+02:00") + version,
                space_key="wijkinitiatieven",
                event_type="decidim.events.proposals.proposal_published",
            )


#: What plan show --history and plan holds said in English before they followed the rules.
ENGLISH_HISTORY = (
    "stage:",
    "-> accepted",
    "held ->",
    ": added",
    ": removed",
    ", now",
    "counts_load",
    "True",
)


def test_plan_show_history_and_holds(env, monkeypatch, tmp_path):
    _accepted_plan(env)
    runner = CliRunner()
    shown = runner.invoke(plan, ["show", "42"])
    assert shown.exit_code == 0, shown.output
    assert "versie 2 van 2" in shown.output and "trekker: Anouk de Vries" in shown.output
    assert "bevestigd" in shown.output and "Reserveringen nu in de database:" in shown.output
    assert re.search(r"\n  budget +wijkbudget-noord-2027 +€ 500  bevestigd tot -\n", shown.output)
    history = runner.invoke(plan, ["show", "42", "--history"])
    assert "aangenomen   decidim.events.proposals.proposal_published" in history.output
    assert "      fase: lopend -> aangenomen\n" in history.output
    assert "aanbod Bouwhekken om een terrein af te schermen (5 hekken): vastgehouden -> " in (
        history.output
    )
    assert (
        "budget: Wijkbudget Noord 2027 (vastgehouden, € 500) -> "
        "Wijkbudget Noord 2027 (bevestigd, € 500)" in history.output
    )
    assert "betrokkenen Team Vastgoed: informeren -> informeren, nu informeren" in (history.output)
    assert "checklist p3.budget(wijkbudget-noord-2027): eraf" in history.output
    for english in ENGLISH_HISTORY:
        assert english not in history.output
    first = runner.invoke(plan, ["show", "42", "--version", "1", "--json"])
    assert json.loads(first.output)["stage"] == "open"
    monkeypatch.setenv("DECIDIM_BRIDGE_MAPPINGS_DIR", str(tmp_path))  # rules that do not load
    stored = runner.invoke(plan, ["show", "42", "--json"])
    assert stored.exit_code == 0 and json.loads(stored.output)["stage"] == "accepted"
    assert runner.invoke(plan, ["show", "42"]).exit_code != 0
    monkeypatch.setenv("DECIDIM_BRIDGE_MAPPINGS_DIR", str(MAPPINGS))
    missing = runner.invoke(plan, ["show", "999"])
    assert missing.exit_code == 1 and "no plan for proposal 999" in missing.output
    holds = runner.invoke(plan, ["holds"])
    assert "perceel-kievitlaan" in holds.output and "gereserveerd / aanwezig:" in holds.output
    assert re.search(r"\n  aanbod +bouwhekken +1 / 2\n", holds.output)
    assert re.search(r"\n  budget +wijkbudget-noord-2027 +€ 500 / € 26.000\n", holds.output)
    released = runner.invoke(plan, ["release-expired"])
    assert released.output == "0 reservering(en) vrijgegeven\n"


def test_plan_show_and_holds_of_english_rules_are_in_english(env, monkeypatch, tmp_path):
    _accepted_plan(env)
    monkeypatch.setenv("DECIDIM_BRIDGE_MAPPINGS_DIR", str(build_english(tmp_path / "rules")))
    runner = CliRunner()
    history = runner.invoke(plan, ["show", "42", "--history"])
    assert history.exit_code == 0, history.output
    assert "      stage: open -> accepted\n" in history.output
    assert "offers Site fencing (5 panels): held -> confirmed" in history.output
    assert "stakeholders Team Vastgoed: inform -> inform, inform now" in history.output
    assert "fase" not in history.output and "aangenomen" not in history.output
    shown = runner.invoke(plan, ["show", "42"])
    assert "version 2 of 2" in shown.output and "Holds in the store now:" in shown.output
    holds = runner.invoke(plan, ["holds"])
    assert re.search(r"\n  item +bouwhekken +1 / 2\n", holds.output)
    assert re.search(r"\n  budget +wijkbudget-noord-2027 +€500 / €26,000\n", holds.output)
    assert "gereserveerd" not in holds.output and "bevestigd" not in holds.output
    assert runner.invoke(plan, ["release-expired"]).output == "0 hold(s) released\n"


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
        "aanbod",
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
    assert lines[-1].split() == ["aanbod", "bouwhekken", "2", "/", "2"]


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


def _out_of_scope(tmp_path, space: str, component: str):
    """The example proposal moved to another space and component."""
    raw = EXAMPLE.read_text()
    moved = raw.replace('"component_id": "11"', f'"component_id": "{component}"').replace(
        '"id": "1", "slug": "wijkinitiatieven"', f'"id": "9", "slug": "{space}"'
    )
    assert moved != raw
    path = tmp_path / f"{space}.json"
    path.write_text(moved)
    return path


def test_plan_try_says_why_a_proposal_is_out_of_scope_in_the_rules_language(env, tmp_path):
    runner = CliRunner()
    unlisted = runner.invoke(plan, ["try", str(_out_of_scope(tmp_path, "elders", "99"))])
    assert unlisted.exit_code == 0, unlisted.output
    assert unlisted.output.startswith(
        "bereik: valt erbuiten: ruimte elders, component 99 staat niet in scope.yaml\n"
        "(de bridge zou dit voorstel niet oppakken; voor deze proef toch gepland)\n"
    )
    ignored = runner.invoke(plan, ["try", str(_out_of_scope(tmp_path, "begroting-2027", "21"))])
    assert ignored.output.startswith(
        "bereik: valt erbuiten: Begroting 2027 staat bij ignore in scope.yaml: raadpleging "
        "over de begroting, geen burgerinitiatieven\n"
    )
    for english in ("out of scope", "not listed", "scope:"):
        assert english not in unlisted.output + ignored.output


def test_plan_try_with_english_rules_is_in_english(env, monkeypatch, tmp_path):
    monkeypatch.setenv("DECIDIM_BRIDGE_MAPPINGS_DIR", str(build_english(tmp_path / "rules")))
    runner = CliRunner()
    unlisted = runner.invoke(plan, ["try", str(_out_of_scope(tmp_path, "elders", "99"))])
    assert unlisted.exit_code == 0, unlisted.output
    assert unlisted.output.startswith(
        "scope: out of scope: space elders, component 99 is not in scope.yaml\n"
        "(the bridge would not plan this proposal; planned anyway for this try)\n"
    )
    one = runner.invoke(plan, ["try", str(EXAMPLE), "--at", "2027-04-20T11:00:00+02:00"])
    assert one.output.startswith("scope: in scope: Wijkinitiatieven (act_on in scope.yaml)\n")
    assert "  * Team Vastgoed [department]: inform\n" in one.output
    assert "  * Wijkraad Noord [district council]: introduce, inform now\n" in one.output
    for dutch in ("bereik", "Trekker", "Betrokkenen", "afdeling", "uiterlijk"):
        assert dutch not in one.output


def test_plan_try_labels_stakeholder_kinds_in_dutch(env):
    result = CliRunner().invoke(plan, ["try", str(EXAMPLE), "--at", "2027-04-20T11:00:00+02:00"])
    assert "  * Team Vastgoed [afdeling]: informeren\n" in result.output
    assert "[department]" not in result.output
