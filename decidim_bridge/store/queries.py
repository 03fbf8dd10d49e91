"""Query helpers shared by the store modules that keep queues (inbox, outbox).

Both tables have an integer ``id``, a ``status`` and a ``tenant``; the operator commands
list them newest first, count them per status and fetch or re-queue rows by id. Both are
claimed in turns across participatory spaces (``space``, ``claimed_at``): ``in_turns``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import Select, Table, and_, func, select
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


#: What a claim's conditions and orderings are made of: the columns of a queue's rows.
Columns = Any
Build = Callable[[Columns], Any]


def in_turns(
    table: Table,
    *,
    group: str,
    open_statuses: Sequence[str],
    due: Build,
    within: Callable[[Columns], list[Any]],
    first: Callable[[Columns], list[Any]] = lambda c: [],
    where: Build | None = None,
    groups: Build | None = None,
    columns: Sequence[str] = (),
    limit: int,
) -> Select[Any]:
    """The next ``limit`` claimable rows of ``table``, spaces taking turns.

    A row is claimable when it is ``due`` and the first open row (``open_statuses``) of
    its ``group`` (the inbox's subject, the outbox's lane), so a group's rows go one at a
    time, in order; ``where`` narrows further (tenant, kinds). Each claimable row is ranked
    within its space (tenant and ``space``) by ``within`` (oldest first); rows are taken
    by rank, and among rows of the same rank the space served longest ago goes first (the
    latest ``claimed_at`` of any of its rows; a space never served before all others),
    then by ``within``. So a claim of one row serves the space whose turn it is, and a
    claim of several takes the first of each space before the second of any. ``first``
    goes before all of this (the outbox's unknown outcomes). ``due``, ``where``,
    ``within`` and ``first`` are built from the columns given (``columns``: what they use
    beyond the id, tenant, space, status, times and group). ``groups`` leaves whole groups
    out before anything is ranked (it must select every row of a group or none, e.g. by
    the group's name), so a claim of one class of groups costs what that class holds.

    Both steps are computed once per claim over the open rows (``MATERIALIZED`` on
    PostgreSQL, whose planner would otherwise repeat them per row when a table's
    statistics are thin), then joined to ``table`` by id, so the caller's ``FOR UPDATE
    ... SKIP LOCKED`` locks plain rows. The join does not re-check ``due``: the caller's
    UPDATE must (a row another claimer committed meanwhile is locked, not skipped). The
    cost: every claim ranks all claimable rows (a few milliseconds for a thousand).
    """
    names = dict.fromkeys(
        ("id", "tenant", "space", "status", "next_attempt_at", "lease_until", group, *columns)
    )
    heads = (
        select(
            *(table.c[name] for name in names),
            func.row_number()
            .over(partition_by=(table.c.tenant, table.c[group]), order_by=table.c.id)
            .label("nth"),
        )
        .where(table.c.status.in_(list(open_statuses)), *([groups(table.c)] if groups else []))
        .cte("heads")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    h = heads.c
    served = table.alias("served")
    last_served = (
        select(func.max(served.c.claimed_at))
        .where(served.c.tenant == h.tenant, served.c.space == h.space)
        .scalar_subquery()
    )
    keys = [*first(h), *within(h)]
    condition = and_(h.nth == 1, due(h))
    if where is not None:
        condition = and_(condition, where(h))
    ranked = (
        select(
            h.id,
            func.row_number()
            .over(partition_by=(h.tenant, h.space), order_by=within(h))
            .label("turn"),
            func.coalesce(last_served, -1.0).label("served_at"),
            *(key.label(f"key_{n}") for n, key in enumerate(keys)),
        )
        .where(condition)
        .cte("ranked")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    r = ranked.c
    firsts = [r[f"key_{n}"] for n in range(len(first(h)))]
    rest = [r[f"key_{n}"] for n in range(len(firsts), len(keys))]
    return (
        select(table)
        .select_from(ranked.join(table, table.c.id == r.id))
        .order_by(*firsts, r.turn, r.served_at, *rest)
        .limit(limit)
    )
