"""Tests for decidim_bridge.cli.digest on a migrated SQLite database with stored plans."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from plan_support import at, example_mappings

from decidim_bridge.cli.digest import digest
from decidim_bridge.pipeline import save_plan

#: When the plans are stored (as in the fixtures' plans) and when the letter is written.
PLANNED = "2027-05-20T12:00:00+02:00"
AT = ["--at", "2027-06-10T12:00:00+02:00"]


@pytest.fixture
def env(cli_db, spring_proposals):
    # Another organization's plan never shows up in this one's letter.
    with cli_db.begin() as conn:
        save_plan(
            conn,
            tenant="other.example",
            proposal=spring_proposals[0],
            mappings=example_mappings(),
            now=at(PLANNED),
            space_key="wijkinitiatieven",
        )
    return cli_db


def test_prints_the_dutch_letter_for_the_default_period(env):
    result = CliRunner().invoke(digest, AT)
    assert result.exit_code == 0, result.output
    # Default: the 90 days up to today (10 June): 13 March to 10 June.
    assert "Periode: 13 maart 2027 tot en met 10 juni 2027" in result.output
    assert "Aantal initiatieven: 3, waarvan 3 nieuw in deze periode" in result.output
    assert "Wijkbudget Noord 2027: € 750 gereserveerd, € 0 vastgelegd" in result.output
    assert "Koffieochtend" not in result.output  # closed on 5 March


def test_district_theme_period_and_markdown_file(env, tmp_path):
    out = tmp_path / "brief.md"
    result = CliRunner().invoke(
        digest,
        [
            *AT,
            "--district",
            "zuid",
            "--since",
            "2027-05-01",
            "--until",
            "2027-05-31",
            "--format",
            "markdown",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "digest of 2 initiative(s), 2027-05-01 to 2027-05-31" in result.output
    text = out.read_text(encoding="utf-8")
    assert "**Alleen wijk:** Zuid" in text and "### Wijk Zuid" in text
    assert "Wijk Noord" not in text
    themed = CliRunner().invoke(digest, [*AT, "--theme", "cultuur", "--locale", "en"])
    assert themed.exit_code == 0, themed.output
    assert "Muurschildering bij de brug" in themed.output
    assert "Speeltuin" not in themed.output and "Theme only: Culture" in themed.output


def test_html(env):
    result = CliRunner().invoke(digest, [*AT, "--format", "html"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("<!DOCTYPE html>") and "<h3>Wijk Noord</h3>" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--district", "noordoost"], "unknown district 'noordoost'"),
        (["--theme", "x"], "unknown theme 'x'"),
        (["--locale", "fr"], "unknown locale 'fr'"),
        (["--since", "2027-06-01", "--until", "2027-05-01"], "after it ends"),
        (["--since", "1 mei"], "does not match the format"),
        (["--at", "2027-06-10"], "needs a time zone offset"),
    ],
)
def test_bad_input_is_a_clear_error(env, args, message):
    result = CliRunner().invoke(digest, args)
    assert result.exit_code == 2 and message in result.output
