"""The inbox: durable, deduplicated events, claimed by workers with a lease.

Functions take a ``Connection`` so callers choose the transaction. Claiming follows one
rule on both databases. A row is due when it is ``pending`` and its time has come, or
``running`` with an expired lease; it is claimable when its subject (proposal) has no
earlier unfinished row, so a proposal's events are handled one at a time, in order.
Among claimable rows, participatory spaces take turns (``queries.in_turns``): within a
space the oldest first; across spaces the next claim goes to the space served longest ago
(each row records its space, ``events.space_of``, and when it was last claimed), and a
claim of several rows takes the oldest of each space before the second of any. A burst of
one space therefore delays another space's event by at most one turn, not the whole
burst. Rows stored before spaces were recorded share the space ``""``.

On PostgreSQL the claim uses ``FOR UPDATE SKIP LOCKED`` so concurrent workers never take
the same row; on SQLite the single writer lock (``BEGIN IMMEDIATE``) gives the same
guarantee. Finishing a row is fenced by the lease owner: a worker that lost its lease
cannot finish.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Row

from decidim_bridge.errors import LeaseLost
from decidim_bridge.store.database import translate_driver_error
from decidim_bridge.store.queries import (
    count_by_status,
    fetch_by_id,
    in_turns,
    newest_rows,
    require_ids,
)
from decidim_bridge.store.schema import inbox

#: Statuses of a row that still has to be handled; they block later rows of the subject.
OPEN_STATUSES = ("pending", "running")
STATUSES = ("pending", "running", "done", "ignored", "dead")


@dataclass(frozen=True)
class InboxRow:
    id: int
    tenant: str
    source: str
    delivery_key: str
    event_type: str
    subject: str
    body: str
    body_sha256: str
    received_at: float
    status: str
    outcome: str | None
    attempts: int
    next_attempt_at: float
    lease_owner: str | None
    lease_until: float | None
    last_error: str | None
    finished_at: float | None
    space: str = ""
    claimed_at: float | None = None

    @classmethod
    def from_row(cls, row: Row[Any]) -> InboxRow:
        return cls(**dict(row._mapping))


@dataclass(frozen=True)
class StoreResult:
    """What storing a delivery did: a new row, a duplicate, or a reused id with another body."""

    id: int
    duplicate: bool
    body_mismatch: bool = False


@dataclass(frozen=True)
class NewDelivery:
    """A verified delivery to insert (the arguments of ``store_delivery``)."""

    tenant: str
    source: str
    delivery_key: str
    event_type: str
    subject: str
    body: str
    body_sha256: str
    now: float
    status: str = "pending"
    outcome: str | None = None
    space: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.tenant, self.source, self.delivery_key)

    def row(self) -> tuple[Any, ...]:
        """The values in ``INSERT_COLUMNS`` order."""
        return (
            self.tenant,
            self.source,
            self.delivery_key,
            self.event_type,
            self.subject,
            self.body,
            self.body_sha256,
            self.now,
            self.status,
            self.outcome,
            0,
            self.now,
            self.now if self.status != "pending" else None,
            self.space,
        )

    def values(self) -> dict[str, Any]:
        return {
            "tenant": self.tenant,
            "source": self.source,
            "delivery_key": self.delivery_key,
            "event_type": self.event_type,
            "subject": self.subject,
            "body": self.body,
            "body_sha256": self.body_sha256,
            "received_at": self.now,
            "status": self.status,
            "outcome": self.outcome,
            "attempts": 0,
            "next_attempt_at": self.now,
            "finished_at": self.now if self.status != "pending" else None,
            "space": self.space,
        }


def store_delivery(
    conn: Connection,
    *,
    tenant: str,
    source: str,
    delivery_key: str,
    event_type: str,
    subject: str,
    body: str,
    body_sha256: str,
    now: float,
    status: str = "pending",
    outcome: str | None = None,
    space: str = "",
) -> StoreResult:
    """Insert a delivery once; a second delivery with the same key is reported as duplicate.
    ``space``: the participatory space it concerns (``events.space_of``), for turns."""
    delivery = NewDelivery(
        tenant=tenant,
        source=source,
        delivery_key=delivery_key,
        event_type=event_type,
        subject=subject,
        body=body,
        body_sha256=body_sha256,
        now=now,
        status=status,
        outcome=outcome,
        space=space,
    )
    return store_deliveries(conn, [delivery])[0]


#: The columns a new delivery fills, in the order of ``NewDelivery.row``.
INSERT_COLUMNS = (
    "tenant",
    "source",
    "delivery_key",
    "event_type",
    "subject",
    "body",
    "body_sha256",
    "received_at",
    "status",
    "outcome",
    "attempts",
    "next_attempt_at",
    "finished_at",
    "space",
)


@lru_cache(maxsize=256)
def _postgres_insert_sql(rows: int) -> str:
    one = "(" + ", ".join(["%s"] * len(INSERT_COLUMNS)) + ")"
    return (
        f"INSERT INTO {inbox.name} ({', '.join(INSERT_COLUMNS)}) VALUES "
        + ", ".join([one] * rows)
        + " ON CONFLICT (tenant, source, delivery_key) DO NOTHING"
        " RETURNING id, tenant, source, delivery_key"
    )


def _insert_postgres(
    conn: Connection, deliveries: list[NewDelivery]
) -> dict[tuple[str, str, str], int]:
    """The intake's hot path on the driver's cursor (same connection and transaction).

    SQLAlchemy's execution layer costs the web worker about as much CPU as the driver's
    whole round trip for this one statement; the SQL is plain and built once per batch size.
    """
    sql = _postgres_insert_sql(len(deliveries))
    params = [value for delivery in deliveries for value in delivery.row()]
    try:
        with conn.connection.dbapi_connection.cursor() as cursor:  # type: ignore[union-attr]
            cursor.execute(sql, params)
            return {(t, s, k): int(i) for i, t, s, k in cursor.fetchall()}
    except conn.dialect.loaded_dbapi.Error as exc:
        raise translate_driver_error(exc, sql, conn.dialect) from exc


@cache
def _insert_statement(dialect_name: str) -> Any:
    # Built once: constructing an INSERT per row costs more CPU than executing it.
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return (
        dialect.insert(inbox)
        .on_conflict_do_nothing(index_elements=["tenant", "source", "delivery_key"])
        .returning(inbox.c.id, inbox.c.tenant, inbox.c.source, inbox.c.delivery_key)
    )


def store_deliveries(conn: Connection, deliveries: Sequence[NewDelivery]) -> list[StoreResult]:
    """Insert many deliveries with one statement; one result per delivery, in order.

    The first delivery of a key is new (unless the key is already stored); a later one with
    the same key, in this call or before, is a duplicate of that row. The only write is ONE
    INSERT statement (the group committer may run it in autocommit); the rest only reads.
    """
    first_of: dict[tuple[str, str, str], int] = {}
    for index, delivery in enumerate(deliveries):
        first_of.setdefault(delivery.key, index)
    inserted: dict[tuple[str, str, str], int] = {}
    if first_of and conn.dialect.name == "postgresql":
        inserted = _insert_postgres(conn, [deliveries[index] for index in first_of.values()])
    elif first_of:
        rows = conn.execute(
            _insert_statement(conn.dialect.name),
            [deliveries[index].values() for index in first_of.values()],
        )
        inserted = {(r.tenant, r.source, r.delivery_key): int(r.id) for r in rows}
    results: list[StoreResult] = []
    for index, delivery in enumerate(deliveries):
        if delivery.key in inserted:
            first = first_of[delivery.key]
            results.append(
                StoreResult(
                    id=inserted[delivery.key],
                    duplicate=index != first,
                    body_mismatch=delivery.body_sha256 != deliveries[first].body_sha256,
                )
            )
            continue
        existing = conn.execute(
            select(inbox.c.id, inbox.c.body_sha256).where(
                inbox.c.tenant == delivery.tenant,
                inbox.c.source == delivery.source,
                inbox.c.delivery_key == delivery.delivery_key,
            )
        ).one()
        results.append(
            StoreResult(
                id=int(existing.id),
                duplicate=True,
                body_mismatch=existing.body_sha256 != delivery.body_sha256,
            )
        )
    return results


def _due(now: float, c: Any = inbox.c) -> Any:
    """Pending and its time has come, or running with an expired lease (``c``: the columns
    of the inbox or of a query over it)."""
    return or_(
        and_(c.status == "pending", c.next_attempt_at <= now),
        and_(c.status == "running", c.lease_until < now),
    )


def claim(
    conn: Connection,
    *,
    owner: str,
    now: float,
    lease_seconds: float,
    limit: int = 1,
    tenant: str | None = None,
    later_sources: Sequence[str] = (),
) -> list[InboxRow]:
    """Take up to ``limit`` due rows for ``owner`` until ``now + lease_seconds``, spaces in
    turn (module docstring); returned in the order they were chosen. Rows of
    ``later_sources`` (the poller's sweeps) come after every due row of the others."""
    later = list(later_sources)
    candidates = in_turns(
        inbox,
        group="subject",
        open_statuses=OPEN_STATUSES,
        due=lambda c: _due(now, c),
        where=(lambda c: c.tenant == tenant) if tenant is not None else None,
        within=lambda c: [c.id],
        first=(lambda c: [case((c.source.in_(later), 1), else_=0)]) if later else lambda c: [],
        columns=("source",),
        limit=limit,
    ).with_only_columns(inbox.c.id)
    if conn.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True, of=inbox)
    # SQLite: the claim's transaction holds the write lock (BEGIN IMMEDIATE) from here on.
    ids = [int(r.id) for r in conn.execute(candidates)]
    if not ids:
        return []
    stmt = (
        update(inbox)
        # Due again: on PostgreSQL a row another worker claimed since this statement's
        # snapshot is locked, not skipped, and must not be taken twice.
        .where(inbox.c.id.in_(ids), _due(now))
        .values(
            status="running",
            lease_owner=owner,
            lease_until=now + lease_seconds,
            attempts=inbox.c.attempts + 1,
            claimed_at=now,
        )
        .returning(*inbox.c)
    )
    rows = {r.id: InboxRow.from_row(r) for r in conn.execute(stmt)}
    return [rows[i] for i in ids if i in rows]


def _fenced(row_id: int, owner: str) -> Any:
    return and_(inbox.c.id == row_id, inbox.c.lease_owner == owner, inbox.c.status == "running")


def extend_lease(conn: Connection, row_id: int, *, owner: str, until: float) -> None:
    """Keep a long-running row; raises ``LeaseLost`` if another worker took it."""
    result = conn.execute(update(inbox).where(_fenced(row_id, owner)).values(lease_until=until))
    if result.rowcount != 1:
        raise LeaseLost(f"inbox row {row_id} is no longer leased to {owner}")


def finish(
    conn: Connection,
    row_id: int,
    *,
    owner: str,
    now: float,
    status: str = "done",
    outcome: str | None = None,
) -> None:
    """Mark a claimed row done or ignored; raises ``LeaseLost`` if the lease was taken over."""
    if status not in ("done", "ignored"):
        raise ValueError(f"cannot finish with status {status!r}")
    result = conn.execute(
        update(inbox)
        .where(_fenced(row_id, owner))
        .values(
            status=status,
            outcome=outcome,
            finished_at=now,
            lease_owner=None,
            lease_until=None,
            last_error=None,
        )
    )
    if result.rowcount != 1:
        raise LeaseLost(f"inbox row {row_id} is no longer leased to {owner}")


def fail(
    conn: Connection,
    row_id: int,
    *,
    owner: str,
    now: float,
    error: str,
    retry_at: float | None,
) -> str:
    """Record a failed attempt: back to ``pending`` at ``retry_at``, or ``dead`` if None."""
    status = "dead" if retry_at is None else "pending"
    result = conn.execute(
        update(inbox)
        .where(_fenced(row_id, owner))
        .values(
            status=status,
            last_error=error[:2000],
            next_attempt_at=retry_at if retry_at is not None else now,
            finished_at=now if status == "dead" else None,
            lease_owner=None,
            lease_until=None,
        )
    )
    if result.rowcount != 1:
        raise LeaseLost(f"inbox row {row_id} is no longer leased to {owner}")
    return status


def retry(conn: Connection, *, now: float, ids: Sequence[int] = (), all_dead: bool = False) -> int:
    """Put rows back in the queue: the given ids if finished (dead, done or ignored), else
    every dead row with ``all_dead``; returns how many."""
    if ids:
        require_ids(conn, inbox, ids)
        condition = and_(inbox.c.id.in_(list(ids)), inbox.c.status.in_(("dead", "done", "ignored")))
    elif all_dead:
        condition = inbox.c.status == "dead"
    else:
        return 0
    result = conn.execute(
        update(inbox)
        .where(condition)
        .values(
            status="pending",
            attempts=0,
            next_attempt_at=now,
            finished_at=None,
            lease_owner=None,
            lease_until=None,
        )
    )
    return int(result.rowcount)


def get(conn: Connection, row_id: int) -> InboxRow:
    return InboxRow.from_row(fetch_by_id(conn, inbox, row_id))


def list_rows(
    conn: Connection, *, status: str | None = None, limit: int = 50, tenant: str | None = None
) -> list[InboxRow]:
    rows = newest_rows(conn, inbox, limit=limit, status=status, tenant=tenant)
    return [InboxRow.from_row(r) for r in rows]


def counts(conn: Connection) -> dict[str, int]:
    """Rows per status (every status present, zero when none)."""
    return count_by_status(conn, inbox, STATUSES)


def has_due(
    conn: Connection, *, now: float, not_from: str | None = None, horizon: float = 0.0
) -> bool:
    """Whether an event (not from source ``not_from``) is being handled or is due by
    ``now + horizon`` (one waiting for the next window of the request budget is due then);
    events waiting longer (backoff) do not count."""
    stmt = select(inbox.c.id).where(
        or_(
            inbox.c.status == "running",
            and_(inbox.c.status == "pending", inbox.c.next_attempt_at <= now + horizon),
        )
    )
    if not_from is not None:
        stmt = stmt.where(inbox.c.source != not_from)
    return conn.execute(stmt.limit(1)).first() is not None


def oldest_pending_received_at(conn: Connection) -> float | None:
    return conn.execute(
        select(func.min(inbox.c.received_at)).where(inbox.c.status.in_(OPEN_STATUSES))
    ).scalar()


def count_earlier(
    conn: Connection,
    *,
    tenant: str,
    subject: str,
    before_id: int,
    types: Sequence[str],
    received_since: float,
) -> int:
    """How many rows of ``subject`` with one of ``types`` came before row ``before_id`` and
    were received at or after ``received_since`` (whatever their status)."""
    stmt = select(func.count()).where(
        inbox.c.tenant == tenant,
        inbox.c.subject == subject,
        inbox.c.id < before_id,
        inbox.c.event_type.in_(list(types)),
        inbox.c.received_at >= received_since,
    )
    return int(conn.execute(stmt).scalar() or 0)


def queued_after(
    conn: Connection,
    row: InboxRow,
    types: Sequence[str],
    *,
    received_before: float | None = None,
) -> list[int]:
    """The pending rows of ``row``'s subject after it, oldest first, up to (not including)
    the first one of another type, or the first received at or after ``received_before``
    (when the read started): events a single read of the subject covers."""
    stmt = (
        select(inbox.c.id, inbox.c.event_type, inbox.c.received_at)
        .where(
            inbox.c.tenant == row.tenant,
            inbox.c.subject == row.subject,
            inbox.c.id > row.id,
            inbox.c.status == "pending",
        )
        .order_by(inbox.c.id)
    )
    covered: list[int] = []
    for found in conn.execute(stmt):
        if found.event_type not in types:
            break
        if received_before is not None and found.received_at >= received_before:
            break
        covered.append(int(found.id))
    return covered


def finish_covered(conn: Connection, ids: Sequence[int], *, now: float, outcome: str) -> int:
    """Finish pending rows another row's handling covered (call in that row's transaction,
    after finishing it under its lease: later rows of a subject wait for it, so no worker
    holds these). Returns how many were finished."""
    if not ids:
        return 0
    result = conn.execute(
        update(inbox)
        .where(inbox.c.id.in_(list(ids)), inbox.c.status == "pending")
        .values(
            status="done",
            outcome=outcome,
            finished_at=now,
            lease_owner=None,
            lease_until=None,
            last_error=None,
        )
    )
    return int(result.rowcount)


def next_pending(conn: Connection, row: InboxRow, after_id: int) -> InboxRow | None:
    """The first pending row of ``row``'s subject after row ``after_id`` (None: none)."""
    stmt = (
        select(inbox)
        .where(
            inbox.c.tenant == row.tenant,
            inbox.c.subject == row.subject,
            inbox.c.id > after_id,
            inbox.c.status == "pending",
        )
        .order_by(inbox.c.id)
        .limit(1)
    )
    found = conn.execute(stmt).first()
    return InboxRow.from_row(found) if found is not None else None
