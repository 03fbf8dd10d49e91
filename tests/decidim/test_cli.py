"""``decidim-bridge decidim check`` and ``decidim proposal`` against a mocked Decidim."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from decidim_bridge.cli import cli
from decidim_bridge.cli.decidim import register

GUARDED_ANSWER = (
    "Guarded answer: yes (decidim-bridge module: no read before an answer; "
    "a plan version's writes in one request)"
)
NO_GUARDED_ANSWER = "Guarded answer: no (the proposal is read before each answer)"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "DECIDIM_BRIDGE_INSTANCE_DIR": str(tmp_path / "instance"),
        "DECIDIM_BRIDGE_DECIDIM_URL": "http://decidim.test:3000",
        "DECIDIM_BRIDGE_DECIDIM_API_KEY": "lindeburg-bridge-key-0123456789ab",
        "DECIDIM_BRIDGE_DECIDIM_API_SECRET": "s3cret-of-the-api-user",
        "DECIDIM_BRIDGE_LOG_LEVEL": "WARNING",
    }


@pytest.fixture
def runner() -> CliRunner:
    if "decidim" not in cli.commands:
        register(cli)
    return CliRunner()


@pytest.fixture
def check(decidim: Any, runner: CliRunner, env: dict[str, str]) -> Callable[..., Result]:
    """``check(capabilities=…)``: ``decidim check`` run successfully against a Decidim
    answering with the given recordings (``version``, ``args``: more to vary)."""

    def run(
        *, capabilities: str, version: str = "decidim_version-200", args: tuple[str, ...] = ()
    ) -> Result:
        decidim.sign_in()
        decidim.answer("Whoami", "whoami-200")
        decidim.answer("DecidimVersion", version)
        decidim.answer("Capabilities", capabilities)
        result = runner.invoke(cli, ["decidim", "check", *args], env=env)
        assert result.exit_code == 0, result.output
        return result

    return run


def test_check_reports_user_version_and_write_paths(check: Callable[..., Result]) -> None:
    result = check(capabilities="capabilities_arguments-200")

    assert "Gemeente Lindeburg" in result.output
    assert "(@initiatievenloket)" in result.output
    assert "0.32.1" in result.output
    assert "yes (decidim-apiext form)" in result.output
    assert "Evaluators:    no" in result.output
    assert NO_GUARDED_ANSWER in result.output.splitlines()
    assert "  - private notes: the internal plan goes to the advisors by mail only" in (
        result.output
    )
    assert "Install the decidim-bridge module" in result.output


def test_check_with_the_module_lists_nothing_missing(check: Callable[..., Result]) -> None:
    result = check(capabilities="capabilities_module-200")

    assert "Evaluators:    yes (decidim-bridge module)" in result.output
    assert "Private notes: yes (decidim-bridge module)" in result.output
    # An earlier release of the module: no guarded answer, so the answer is read first.
    assert NO_GUARDED_ANSWER in result.output.splitlines()
    assert "Missing write paths" not in result.output


def test_check_says_when_the_module_offers_the_guarded_answer(check: Callable[..., Result]) -> None:
    result = check(capabilities="capabilities_module_guarded-200")

    assert GUARDED_ANSWER in result.output.splitlines()
    assert NO_GUARDED_ANSWER not in result.output.splitlines()
    assert "Missing write paths" not in result.output


def test_check_as_json(check: Callable[..., Result]) -> None:
    result = check(
        version="decidim_version_hidden-200",
        capabilities="introspection_disabled-200",
        args=("--json",),
    )

    report = json.loads(result.stdout)
    assert report["capabilities"] == {
        "version": None,
        "answer_form": None,
        "can_comment": True,
        "can_answer_guarded": False,
        "introspected": False,
        "can_assign_evaluators": False,
        "can_write_notes": False,
    }
    assert [m["write_path"] for m in report["missing"]] == [
        "answers",
        "evaluator assignments",
        "private notes",
    ]
    assert report["user"]["nickname"] == "@initiatievenloket"


def test_refused_credentials_are_one_line_on_stderr(
    decidim: Any, runner: CliRunner, env: dict[str, str]
) -> None:
    decidim.refuse_sign_in()

    result = runner.invoke(cli, ["decidim", "check"], env=env)

    assert result.exit_code == 1
    assert "error: Decidim refused the API key and secret (HTTP 401)." in result.output


def test_proposal_prints_what_the_planner_reads(
    decidim: Any, runner: CliRunner, env: dict[str, str]
) -> None:
    decidim.sign_in()
    decidim.answer("ProposalById", "proposal-200")

    result = runner.invoke(cli, ["decidim", "proposal", "11", "5"], env=env)

    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["id"] == "5"
    assert shown["space"]["slug"] == "wijkinitiatieven"
    assert shown["published_at"] == "2026-11-20T09:12:44+01:00"
    assert shown["taxonomies"][0]["name"]["nl"] == "Noord"
