"""The foundation commands through click's runner: db, inbox, retry, worker --once."""

from __future__ import annotations

import json
import time

import pytest
from click.testing import CliRunner
from conftest import dumps, envelope

from decidim_bridge.cli import cli
from decidim_bridge.cli import core as core_commands
from decidim_bridge.store import Database, inbox

if "db" not in cli.commands:
    core_commands.register(cli)


@pytest.fixture
def env(instance_dir):
    return {"DECIDIM_BRIDGE_INSTANCE_DIR": str(instance_dir), "DECIDIM_BRIDGE_LOG_FORMAT": "text"}


def run(args, env):
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=False)


def test_db_upgrade_then_status(env, instance_dir):
    before = run(["db", "status"], env)
    assert before.exit_code == 1
    result = run(["db", "upgrade"], env)
    assert result.exit_code == 0 and result.output.startswith("database at ")
    assert run(["db", "status"], env).exit_code == 0


def test_inbox_lists_and_retry_requeues_dead(env, instance_dir):
    run(["db", "upgrade"], env)
    db = Database(f"sqlite:///{instance_dir}/bridge.sqlite3")
    body = dumps(envelope(proposal_id=3)).decode()
    with db.begin() as conn:
        row_id = inbox.store_delivery(
            conn,
            tenant="localhost",
            source="decidim",
            delivery_key="m1",
            event_type="decidim.events.proposals.proposal_published",
            subject="proposal:3",
            body=body,
            body_sha256="0" * 64,
            now=time.time(),
        ).id
        (claimed,) = inbox.claim(conn, owner="w", now=time.time(), lease_seconds=5)
        inbox.fail(
            conn, claimed.id, owner="w", now=time.time(), error="Decidim down", retry_at=None
        )
    listing = run(["inbox", "--status", "dead"], env)
    assert "dead: 1" in listing.output
    assert "proposal:3" in listing.output and "Decidim down" in listing.output
    as_json = run(["inbox", "--json"], env)
    record = json.loads(as_json.output.splitlines()[0])
    assert record["id"] == row_id and "body" not in record
    assert run(["retry"], env).exit_code == 2
    assert "1 event(s) queued again" in run(["retry", "--all-dead"], env).output
    with db.read() as conn:
        assert inbox.get(conn, row_id).status == "pending"
    missing = CliRunner().invoke(cli, ["retry", "999"], env=env)
    assert missing.exit_code == 1 and "no inbox row" in missing.output


def test_bad_configuration_is_one_clear_line(env):
    result = CliRunner().invoke(
        cli, ["db", "upgrade"], env={**env, "DECIDIM_BRIDGE_MAX_BODY_BYTES": "huge"}
    )
    assert result.exit_code == 1
    assert "DECIDIM_BRIDGE_MAX_BODY_BYTES" in result.output


def test_worker_refuses_an_unmigrated_database(env):
    result = CliRunner().invoke(cli, ["worker", "--once"], env=env)
    assert result.exit_code == 1
    assert "not migrated; run `decidim-bridge db upgrade`" in result.output
    assert run(["db", "upgrade"], env).exit_code == 0
    assert CliRunner().invoke(cli, ["worker", "--once"], env=env).exit_code == 0


def test_commands_on_a_database_without_tables_say_how_to_create_them(monkeypatch, tmp_path):
    from decidim_bridge.cli.plan import plan

    monkeypatch.setenv("DECIDIM_BRIDGE_INSTANCE_DIR", str(tmp_path))
    monkeypatch.setenv("DECIDIM_BRIDGE_DATABASE_URL", f"sqlite:///{tmp_path}/fresh.sqlite3")
    result = CliRunner().invoke(plan, ["show", "42"])
    assert result.exit_code == 1
    assert "has no tables yet; create them with `decidim-bridge db upgrade`" in result.output
    assert "no such table" not in result.output
