"""Tests for ``decidim-bridge digest --send`` on a migrated SQLite database."""

from __future__ import annotations

from click.testing import CliRunner

from decidim_bridge.cli.digest import digest
from decidim_bridge.store import outbox

#: On 2 June the default period to send is May.
AT = ["--at", "2027-06-02T09:00:00+02:00"]


def _digest_rows(db):
    with db.read() as conn:
        return [r for r in outbox.list_rows(conn, limit=500) if r.purpose == "digest"]


def test_send_records_once_and_says_who_has_nothing(cli_db):
    result = CliRunner().invoke(digest, ["--send", *AT])
    assert result.exit_code == 0, result.output
    assert "weth-kramer: 2 initiative(s), planned" in result.output
    assert "wijkraad-west: 0 initiative(s), nothing to report" in result.output
    assert "digest 2027-05-01 to 2027-05-31: 4 mail(s) planned for 8 subscriber(s)" in (
        result.output
    )
    assert len(_digest_rows(cli_db)) == 4

    again = CliRunner().invoke(digest, ["--send", *AT])
    assert again.exit_code == 0, again.output
    assert "weth-kramer: 2 initiative(s), already recorded" in again.output
    assert "0 mail(s) planned" in again.output
    assert len(_digest_rows(cli_db)) == 4


def test_send_with_an_explicit_period(cli_db):
    result = CliRunner().invoke(
        digest, ["--send", *AT, "--since", "2027-03-01", "--until", "2027-03-31"]
    )
    assert result.exit_code == 0, result.output
    # March: only the Sociaal initiative (Centrum), in Öztürk's portfolio.
    assert "weth-ozturk: 1 initiative(s), planned" in result.output
    assert "weth-kramer: 0 initiative(s), nothing to report" in result.output


def test_send_refuses_the_options_of_the_printed_letter(cli_db):
    result = CliRunner().invoke(digest, ["--send", *AT, "--district", "noord", "--out", "x.md"])
    assert result.exit_code == 2
    assert "drop --district, --out" in result.output
    assert _digest_rows(cli_db) == []


def test_outbox_listing_shows_digest_rows_without_a_proposal(cli_db):
    from decidim_bridge.cli.writeback import outbox as outbox_command

    CliRunner().invoke(digest, ["--send", *AT])
    listing = CliRunner().invoke(outbox_command, [])
    assert listing.exit_code == 0, listing.output
    digest_lines = [line for line in listing.output.splitlines() if " digest " in line]
    assert len(digest_lines) == 4
    assert all("vNone" not in line and "proposal" not in line for line in digest_lines)
