"""``decidim spaces`` against the sandbox: spaces, components, taxonomies and skeletons
that the rule checker accepts once the blanks are filled in."""

from __future__ import annotations

import json
import shutil

import pytest
import yaml
from click.testing import CliRunner
from plan_support import MAPPINGS
from sandbox_support import sandbox  # noqa: F401 - the fixture

from decidim_bridge.cli import cli
from decidim_bridge.cli.decidim import register
from decidim_bridge.decidim.skeleton import slug_id
from decidim_bridge.rules.loader import check


@pytest.fixture
def run(sandbox, tmp_path, monkeypatch):  # noqa: F811
    if "decidim" not in cli.commands:
        register(cli)
    env = {
        "DECIDIM_BRIDGE_INSTANCE_DIR": str(tmp_path / "instance"),
        "DECIDIM_BRIDGE_LOG_LEVEL": "WARNING",
        **{f"DECIDIM_BRIDGE_{k.upper()}": v for k, v in sandbox.settings_overrides().items()},
    }

    def invoke(*args: str):
        result = CliRunner().invoke(cli, ["decidim", "spaces", *args], env=env)
        assert result.exit_code == 0, result.output
        return result.output

    return invoke


def test_spaces_lists_spaces_components_and_taxonomies(run):
    out = run()
    assert "participatory_process id 1 slug wijkinitiatieven: Wijkinitiatieven" in out
    assert "component 11 (Proposals): " in out
    assert "assembly id 3 slug wijkraad-noord: Wijkraad Noord" in out
    assert "#     3: Noord" in out and "#     14: Spelen en sport" in out
    data = json.loads(run("--json"))
    roots = {t["name"]["nl"]: t for t in data["taxonomies"]}
    assert [c["name"]["nl"] for c in roots["Thema"]["children"]][:2] == ["Groen", "Sociaal"]


def test_the_skeletons_are_rule_files_to_start_from(run, tmp_path):
    out = run("--locale", "nl", "--locale", "en")
    parts = dict(
        (header.split(" ---", 1)[0], body)
        for header, _, body in (p.partition("\n") for p in out.split("# --- ")[1:])
    )
    scope = yaml.safe_load(parts["scope.yaml"])
    assert scope["act_on"][0]["space"] == {
        "type": "participatory_process",
        "slug": "wijkinitiatieven",
        "id": 1,
    }
    assert scope["act_on"][0]["components"] == [11]
    districts = yaml.safe_load(parts["districts.yaml"])["districts"]
    assert [d["id"] for d in districts] == ["centrum", "noord", "oost", "zuid", "west"]
    themes = yaml.safe_load(parts["themes.yaml"])["themes"]
    assert themes[3]["id"] == slug_id("Spelen en sport") == "spelen-en-sport"
    assert themes[3]["name"] == {"nl": "Spelen en sport", "en": "Play and sport"}
    # Dropped into the example rules, the scope skeleton is accepted as it is.
    rules = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, rules)
    (rules / "scope.yaml").write_text(parts["scope.yaml"], encoding="utf-8")
    _, problems = check(rules)
    assert [str(p) for p in problems if p.file == "scope.yaml"] == []
