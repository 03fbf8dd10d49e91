"""``store.schema`` declares every table, exactly as the Alembic migrations create them."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

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
