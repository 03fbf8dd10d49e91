"""Query helpers shared by the store modules that keep queues (inbox, outbox).

Both tables have an integer ``id``, a ``status`` and a ``tenant``; the operator commands
list them newest first, count them per status and fetch or re-queue rows by id.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.engine import Connection, Row

from decidim_bridge.errors import NotFound


def count_by_status(conn: Connection, table: Table, statuses: Iterable[str]) -> dict[str, int]:
    """Rows of ``table`` per ``status`` value; every listed status present, zero when none."""
    result = {status: 0 for status in statuses}
    stmt = select(table.c.status, func.count()).group_by(table.c.status)
    for row in conn.execute(stmt):  # by index: mypy unpacks SQLAlchemy's Row as objects
        result[row[0]] = int(row[1])
    return result


def fetch_by_id(conn: Connection, table: Table, row_id: int) -> Row[Any]:
    """The row with ``row_id``; ``NotFound`` names the table when there is none."""
    row = conn.execute(select(table).where(table.c.id == row_id)).first()
    if row is None:
        raise NotFound(f"no {table.name} row {row_id}")
    return row


def require_ids(conn: Connection, table: Table, ids: Sequence[int]) -> None:
    """Raise ``NotFound`` naming every id in ``ids`` that ``table`` does not have."""
    wanted = set(ids)
    found: set[int] = set(conn.execute(select(table.c.id).where(table.c.id.in_(wanted))).scalars())
    missing = sorted(wanted - found)
    if missing:
        raise NotFound(f"no {table.name} row {', '.join(map(str, missing))}")


def newest_rows(
    conn: Connection, table: Table, *, limit: int, **equal_to: str | None
) -> list[Row[Any]]:
    """Rows newest first, filtered on the columns given (a ``None`` filter is ignored)."""
    stmt = select(table).order_by(table.c.id.desc()).limit(limit)
    for column, value in equal_to.items():
        if value:
            stmt = stmt.where(table.c[column] == value)
    return list(conn.execute(stmt))
