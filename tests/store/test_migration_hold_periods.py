"""Migration ``0008_hold_periods``: ``plan_holds.starts_at`` is added to a database with
holds (those keep no start: they count from ``held_at``) and removed again on downgrade,
on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text

from decidim_bridge.store.database import Database

BEFORE = "0006_steering"


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, settings):
    return settings.database_url if request.param == "sqlite" else request.getfixturevalue("pg_url")


def migrate(database: Database, how, target: str) -> None:
    with database.engine.begin() as conn:
        how(database._alembic_config(conn), target)


def columns(database: Database) -> set[str]:
    with database.read() as conn:
        return {c["name"] for c in inspect(conn).get_columns("plan_holds")}


def test_upgrade_keeps_old_holds_without_start_and_downgrade_removes_the_column(url):
    database = Database(url)
    try:
        migrate(database, command.upgrade, BEFORE)
        assert "starts_at" not in columns(database)
        with database.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO plan_holds (tenant, proposal_id, kind, item_id, quantity,"
                    " status, held_at, expires_at, updated_at) VALUES ('t', '1', 'resource',"
                    " 'partytent', 1, 'held', 100.0, 200.0, 100.0)"
                )
            )
        database.upgrade()
        assert "0008_hold_periods" in database.current_revisions()
        assert database.migrations_current()
        with database.read() as conn:
            row = conn.execute(text("SELECT held_at, starts_at FROM plan_holds")).one()
        assert (row.held_at, row.starts_at) == (100.0, None)
        with database.begin() as conn:
            conn.execute(text("UPDATE plan_holds SET starts_at = 150.0"))
        migrate(database, command.downgrade, BEFORE)
        assert "starts_at" not in columns(database)
        assert "0008_hold_periods" not in database.current_revisions()
        with database.read() as conn:
            assert conn.execute(text("SELECT item_id FROM plan_holds")).scalar() == "partytent"
        database.upgrade()  # and up again
        assert "starts_at" in columns(database)
    finally:
        database.dispose()
