"""The shared request budget for each Decidim host: one counter row per fixed one-minute window.

Decidim throttles per client IP (Rack::Attack, 100 requests per minute in production), so
every bridge process and replica behind the same egress must draw from one budget. The row
is incremented atomically with ``INSERT .. ON CONFLICT DO UPDATE .. WHERE used < limit
RETURNING used`` in a short transaction: PostgreSQL locks the row for the update, SQLite
serialises writers with ``BEGIN IMMEDIATE``. Windows are keyed by their start in epoch
seconds, aligned to the minute like Decidim's own windows.
"""

from __future__ import annotations

from sqlalchemy import (
    delete,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from decidim_bridge.store.schema import request_budget


def _insert(conn: Connection) -> postgresql.Insert | sqlite.Insert:
    if conn.dialect.name == "postgresql":
        return postgresql.insert(request_budget)
    elif conn.dialect.name == "sqlite":
        return sqlite.insert(request_budget)
    else:  # pragma: no cover - the bridge supports these two databases only
        raise NotImplementedError(f"request budget on {conn.dialect.name}")


def take(
    conn: Connection, *, host: str, tenant: str, window_start: int, limit: int, now: float
) -> int | None:
    """Count one request in the window; the new count, or None when ``limit`` is reached.

    ``limit`` may be lower than the host's budget: a caller limited to a share of the budget
    stops when the shared count reaches its share.
    """
    if limit < 1:
        return None
    table = request_budget
    stmt = (
        _insert(conn)
        .values(host=host, window_start=window_start, tenant=tenant, used=1, updated_at=now)
        .on_conflict_do_update(
            index_elements=[table.c.host, table.c.window_start],
            set_={"used": table.c.used + 1, "updated_at": now},
            where=table.c.used < limit,
        )
        .returning(table.c.used)
    )
    row = conn.execute(stmt).first()
    return None if row is None else int(row[0])


def exhaust(
    conn: Connection, *, host: str, tenant: str, window_start: int, limit: int, now: float
) -> None:
    """Mark the window as spent (Decidim answered 429), so every process waits for the next."""
    table = request_budget
    stmt = (
        _insert(conn)
        .values(host=host, window_start=window_start, tenant=tenant, used=limit, updated_at=now)
        .on_conflict_do_update(
            index_elements=[table.c.host, table.c.window_start],
            set_={"used": limit, "updated_at": now},
            where=table.c.used < limit,
        )
    )
    conn.execute(stmt)


def used(conn: Connection, *, host: str, window_start: int) -> int:
    """How many requests the window has counted so far."""
    value = conn.execute(
        select(request_budget.c.used).where(
            request_budget.c.host == host, request_budget.c.window_start == window_start
        )
    ).scalar()
    return int(value or 0)


def prune(conn: Connection, *, before: int) -> int:
    """Delete windows that started before ``before``; returns how many rows went."""
    result = conn.execute(delete(request_budget).where(request_budget.c.window_start < before))
    return int(result.rowcount or 0)
