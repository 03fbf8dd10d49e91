"""Small query helpers shared by the store modules (inbox, outbox...)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Table, func, select
from sqlalchemy.engine import Connection


def count_by_status(conn: Connection, table: Table, statuses: Iterable[str]) -> dict[str, int]:
    """Rows of ``table`` per ``status`` value; every listed status present, zero when none."""
    result = {status: 0 for status in statuses}
    stmt = select(table.c.status, func.count()).group_by(table.c.status)
    for status, count in conn.execute(stmt):
        result[status] = int(count)
    return result
