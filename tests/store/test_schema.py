"""``store.schema`` declares every table, exactly as the Alembic migrations create them;
rows written before a migration still work after it."""

from __future__ import annotations

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from decidim_bridge.store import Database, inbox, outbox
from decidim_bridge.store.database import MIGRATIONS_DIR
from decidim_bridge.store.schema import metadata


@pytest.fixture(params=["sqlite", "postgresql"])
def migrated(request):
    return request.getfixturevalue("db" if request.param == "sqlite" else "pg_db")


def test_the_migrations_create_exactly_the_declared_tables(migrated):
    with migrated.read() as conn:
        tables = set(inspect(conn).get_table_names()) - {"alembic_version"}
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, metadata)
    assert tables == set(metadata.tables)
    assert differences == []


@pytest.fixture(params=["sqlite", "postgresql"])
def fresh(request, settings):
    """A database with no migrations applied yet."""
    if request.param == "postgresql":
        database = Database(request.getfixturevalue("pg_url"))
    else:
        database = Database(settings.database_url)
    yield database
    database.dispose()


def _upgrade(database: Database, target: str) -> None:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    with database.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, target)


def test_rows_written_before_the_space_turns_are_still_claimed(fresh):
    """0007_space_turns adds ``space`` and ``claimed_at`` to the inbox and the outbox:
    rows already queued get the space "" and are claimed as before."""
    _upgrade(fresh, "0004_outbox")
    with fresh.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO inbox (tenant, source, delivery_key, event_type, subject, body,"
                " body_sha256, received_at, status, attempts, next_attempt_at) VALUES"
                " ('localhost', 'decidim', 'old', 'x.y', 'proposal:1', '{}', '0', 1, 'pending',"
                " 0, 1)"
            )
        )
        conn.execute(
            text(
                "INSERT INTO outbox (tenant, effect_key, ref, proposal_id, kind, purpose,"
                " recipient, lane, public, payload, status, attempts, next_attempt_at,"
                " created_at, updated_at) VALUES ('localhost', 'old', 'LB-OLD', '1',"
                " 'decidim_comment', 'initiators', '', 'decidim:1', true, '{}', 'planned', 0,"
                " 1, 1, 1)"
            )
        )
    fresh.upgrade()
    with fresh.begin() as conn:
        inbox.store_delivery(
            conn,
            tenant="localhost",
            source="decidim",
            delivery_key="new",
            event_type="x.y",
            subject="proposal:2",
            body="{}",
            body_sha256="0",
            now=2.0,
            space="Decidim::Assembly/3",
        )
        events = inbox.claim(conn, owner="w", now=5.0, lease_seconds=30, limit=5)
        writes = outbox.claim(conn, owner="w", now=5.0, lease_seconds=30, limit=5)
    assert [(r.delivery_key, r.space) for r in events] == [
        ("old", ""),
        ("new", "Decidim::Assembly/3"),
    ]
    assert [(r.effect_key, r.space, r.claimed_at) for r in writes] == [("old", "", 5.0)]
