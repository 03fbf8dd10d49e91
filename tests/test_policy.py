"""Tests for decidim_bridge.policy and mappings/policy.yaml: municipal policy lives with the
rules; the old environment variables still count, with a deprecation warning."""

from __future__ import annotations

import shutil
from dataclasses import replace

from plan_support import MAPPINGS, example_mappings

from decidim_bridge import policy as policy_module
from decidim_bridge.config import load_settings
from decidim_bridge.policy import policy_for, resolve
from decidim_bridge.rules.loader import check
from decidim_bridge.rules.model import Policy
from decidim_bridge.rules.notices import Notice
from decidim_bridge.writeback.ledger import options_for


def test_the_policy_file_sets_prefix_sender_reply_to_and_reporting_channel():
    policy = example_mappings().policy
    assert policy.reference_prefix == "LB"
    assert (policy.sender_name, policy.sender_email) == (
        "Gemeente Lindeburg",
        "initiatieven@gemeente.example",
    )
    assert policy.reply_to == "initiatieven@lindeburg.example"
    assert policy.reporting_channel["name"]["en"] == "the public space reporting desk"


def test_policy_wins_and_given_variables_are_deprecated():
    mappings = replace(
        example_mappings(), policy=Policy(reference_prefix="WS", sender_email="a@ws.example")
    )
    settings = load_settings(
        {"DECIDIM_BRIDGE_REF_PREFIX": "OLD", "DECIDIM_BRIDGE_PUBLICATION_MODE": "after-approval"}
    )
    effective, warnings = resolve(settings, mappings)
    assert effective.ref_prefix == "WS"
    assert effective.mail_from == "a@ws.example"
    assert effective.publication_mode == "after-approval"  # the file says nothing: the variable
    assert warnings == [
        Notice(
            "deprecated_ignored",
            {"variable": "DECIDIM_BRIDGE_REF_PREFIX", "key": "reference_prefix"},
        ),
        Notice("deprecated", {"variable": "DECIDIM_BRIDGE_PUBLICATION_MODE", "key": "publication"}),
    ]
    assert resolve(load_settings({}), mappings)[1] == []


def test_the_deprecation_is_logged_once_in_english(caplog, monkeypatch):
    monkeypatch.setattr(policy_module, "_warned", set())
    settings = load_settings({"DECIDIM_BRIDGE_MAIL_FROM": "old@ws.example"})
    mappings = replace(example_mappings(), policy=Policy())
    with caplog.at_level("WARNING", logger="decidim_bridge.policy"):
        policy_for(settings, mappings)
        policy_for(settings, mappings)
    assert [r.getMessage() for r in caplog.records] == [
        "DECIDIM_BRIDGE_MAIL_FROM is deprecated: set 'sender' in the rules' policy.yaml instead"
    ]


def test_options_and_mails_carry_the_policy():
    options = options_for(load_settings({}), example_mappings())
    assert options.ref_prefix == "LB"
    assert options.mail_from == "Gemeente Lindeburg <initiatieven@gemeente.example>"
    assert options.reply_to == "initiatieven@lindeburg.example"


def test_a_bad_policy_file_is_reported_with_its_line(tmp_path):
    rules = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, rules)
    policy = rules / "policy.yaml"
    policy.write_text(
        policy.read_text().replace("reference_prefix: LB", "reference_prefix: lb-x"),
        encoding="utf-8",
    )
    _, problems = check(rules)
    assert [str(p).split(": ", 1)[1] for p in problems] == [
        "reference_prefix: Use 1 to 6 capital letters or digits, e.g. 'LB'."
    ]


def test_without_a_policy_file_the_settings_apply(tmp_path):
    rules = tmp_path / "mappings"
    shutil.copytree(MAPPINGS, rules)
    (rules / "policy.yaml").unlink()
    mappings, problems = check(rules)
    assert problems == [] and mappings.policy == Policy()
    effective, _ = resolve(load_settings({"DECIDIM_BRIDGE_REF_PREFIX": "XY"}), mappings)
    assert effective.ref_prefix == "XY"
