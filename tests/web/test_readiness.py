"""/readyz tells the truth: not ready while the database cannot take a write, and fast.

A SQLite file locked by another connection still answers reads (WAL), so a read-only ping
said "ready" while every delivery waited for the lock. The probe now takes the write lock
(and gives it back at once) with a short timeout.
"""

from __future__ import annotations

import sqlite3
import time

import pytest
from sqlalchemy import create_engine, text

from decidim_bridge.app import create_app
from decidim_bridge.store import Database
from decidim_bridge.web.ops import READINESS_TIMEOUT


def _timed_readyz(app):
    started = time.monotonic()
    response = app.test_client().get("/readyz")
    return response, time.monotonic() - started


def test_not_ready_while_another_connection_holds_the_sqlite_write_lock(settings, db):
    app = create_app(settings)
    assert app.test_client().get("/readyz").status_code == 200
    path = settings.database_url.removeprefix("sqlite:///")
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        response, took = _timed_readyz(app)
        assert response.status_code == 503
        assert response.json["checks"]["database"].startswith("unavailable")
        assert response.headers["Retry-After"]
        assert took < READINESS_TIMEOUT + 1.5
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert app.test_client().get("/readyz").status_code == 200
    # the probe leaves the connection's own busy timeout as it was
    with db.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw.execute("PRAGMA busy_timeout").fetchone()[0] == 5000


@pytest.mark.postgres
def test_not_ready_while_the_inbox_table_is_locked_on_postgres(pg_url, settings):
    Database(pg_url).upgrade()
    app = create_app({"instance_dir": settings.instance_dir, "database_url": pg_url})
    assert app.test_client().get("/readyz").status_code == 200
    engine = create_engine(pg_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.begin() as conn:
            conn.execute(text("LOCK TABLE inbox IN ACCESS EXCLUSIVE MODE"))
            response, took = _timed_readyz(app)
            assert response.status_code == 503
            assert took < READINESS_TIMEOUT + 1.5
        assert app.test_client().get("/readyz").status_code == 200
    finally:
        engine.dispose()
