"""Plan versions, holds on stock and budgets, and advisor loads: SQL on the caller's
transaction, over plain rows (a plan is stored as its JSON text and fingerprint).

The pipeline plans; this module only reads and writes. Inside one transaction it locks
the proposal's head row (``lock_head``), reads what the engine needs (``active_holds``,
``stock``, ``loads``, ``version_row``), applies the plan's holds and the lead's load with
*conditional* updates::

    UPDATE plan_stock SET reserved = reserved + :q
     WHERE tenant = :t AND kind = :k AND item_id = :i AND reserved + :q <= capacity

and records the new version (``record_version``). On PostgreSQL a second worker racing
for the last unit blocks on the row lock, re-checks the condition after the first
commits, updates nothing and gets ``Conflict``: the pipeline then re-plans (inside a
savepoint) with fresh availability, so exactly one of them gets the unit. On SQLite the
single writer (``BEGIN IMMEDIATE``) serializes the same steps. Stock rows are touched in
one global order (kind, item) and advisor rows after them, so two transactions cannot
deadlock.

Catalogue items are held for a period (``hold_periods``): a unit taken in June is free
in March. One counter cannot say that, so for a resource hold the stock row's update is
the lock only: once it holds the row (on PostgreSQL, after a racing worker committed),
the check reads the other proposals' holds of the item in a fresh statement (READ
COMMITTED: it sees what the other worker committed) and raises ``Conflict`` when the
most units in use at one moment of the new period, plus the new hold, exceed the
capacity. Budgets have no period (money spent is gone): they keep the counter's check.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, and_, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from decidim_bridge.hold_periods import Use, free_from_now, peak, use_of
from decidim_bridge.store.schema import (
    advisor_loads,
    plan_heads,
    plan_holds,
    plan_stock,
    plan_versions,
)

HELD, CONFIRMED = "held", "confirmed"
RESOURCE = "resource"
ACTIVE = (HELD, CONFIRMED)
RELEASED, EXPIRED = "released", "expired"


class Conflict(Exception):
    """Another transaction took what this plan wanted; re-plan with fresh state."""


@dataclass(frozen=True)
class Head:
    """The proposal's head row: its current version (0: none yet) and what it counts."""

    tenant: str
    proposal_id: str
    version: int
    fingerprint: str | None
    stage: str | None
    lead_advisor_id: str | None
    counts_load: bool  # the lead's open-initiative count includes this proposal
    steering: str | None = None  # what people decided in Decidim (JSON), None: nothing


@dataclass(frozen=True)
class VersionRow:
    """One stored plan version: the plan and its changes as JSON text."""

    tenant: str
    proposal_id: str
    version: int
    created_at: float
    fingerprint: str
    stage: str
    event_type: str | None
    plan: str
    changes: str


@dataclass(frozen=True)
class NewVersion:
    """What ``record_version`` stores: the plan's JSON, fingerprint and head columns."""

    plan: str
    fingerprint: str
    changes: str
    stage: str
    lead_advisor_id: str
    counts_load: bool
    event_type: str | None = None


@dataclass(frozen=True)
class WantedHold:
    """A hold the plan wants the proposal to have."""

    kind: str  # resource | budget
    item_id: str
    quantity: int  # units, or cents for budgets
    status: str  # held | confirmed
    held_at: float
    expires_at: float | None
    starts_at: float | None = None  # None: uses stock from held_at


@dataclass(frozen=True)
class HoldRow:
    id: int
    tenant: str
    proposal_id: str
    kind: str
    item_id: str
    quantity: int
    status: str
    held_at: float
    expires_at: float | None
    updated_at: float
    starts_at: float | None = None  # None: uses stock from held_at

    @property
    def use(self) -> Use:
        """The units this hold uses, and when (``hold_periods``)."""
        return use_of(self.held_at, self.starts_at, self.expires_at, int(self.quantity))


def _insert(conn: Connection, table: Table) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


# --- reference rows: stock and loads follow the mappings ---------------------------------


def sync_reference_rows(
    conn: Connection,
    tenant: str,
    capacities: Mapping[tuple[str, str], int],
    advisor_ids: Iterable[str],
) -> None:
    """Create missing stock/load rows and follow capacity changes in the rule files.

    ``capacities``: ``(kind, item) -> units or cents``; ``advisor_ids``: every advisor.
    """
    wanted = dict(capacities)
    existing = {
        (row.kind, row.item_id): row.capacity
        for row in conn.execute(
            select(plan_stock.c.kind, plan_stock.c.item_id, plan_stock.c.capacity).where(
                plan_stock.c.tenant == tenant
            )
        )
    }
    missing = [
        {"tenant": tenant, "kind": k, "item_id": i, "capacity": c, "reserved": 0}
        for (k, i), c in sorted(wanted.items())
        if (k, i) not in existing
    ]
    if missing:
        conn.execute(
            _insert(conn, plan_stock).on_conflict_do_nothing(
                index_elements=["tenant", "kind", "item_id"]
            ),
            missing,
        )
    for (kind, item_id), capacity in sorted(wanted.items()):
        if (kind, item_id) in existing and existing[(kind, item_id)] != capacity:
            conn.execute(
                update(plan_stock)
                .where(_stock_key(tenant, kind, item_id))
                .values(capacity=capacity)
            )
    known: set[str] = set(
        conn.execute(
            select(advisor_loads.c.advisor_id).where(advisor_loads.c.tenant == tenant)
        ).scalars()
    )
    new = [
        {"tenant": tenant, "advisor_id": advisor_id, "open_count": 0}
        for advisor_id in advisor_ids
        if advisor_id not in known
    ]
    if new:
        conn.execute(
            _insert(conn, advisor_loads).on_conflict_do_nothing(
                index_elements=["tenant", "advisor_id"]
            ),
            new,
        )


def _stock_key(tenant: str, kind: str, item_id: str) -> Any:
    return and_(
        plan_stock.c.tenant == tenant, plan_stock.c.kind == kind, plan_stock.c.item_id == item_id
    )


# --- the head row and what planning reads --------------------------------------------------


def lock_head(conn: Connection, tenant: str, proposal_id: str, now: float) -> Head:
    """The proposal's head row, created when missing and locked (PostgreSQL: FOR UPDATE)
    until the transaction ends, so one proposal is planned by one worker at a time."""
    conn.execute(
        _insert(conn, plan_heads)
        .values(
            tenant=tenant,
            proposal_id=proposal_id,
            version=0,
            counts_load=0,
            updated_at=now,
        )
        .on_conflict_do_nothing(index_elements=["tenant", "proposal_id"])
    )
    query = select(plan_heads).where(
        plan_heads.c.tenant == tenant, plan_heads.c.proposal_id == proposal_id
    )
    if conn.dialect.name == "postgresql":
        query = query.with_for_update()
    row = conn.execute(query).one()
    return Head(
        tenant=row.tenant,
        proposal_id=row.proposal_id,
        version=row.version,
        fingerprint=row.fingerprint,
        stage=row.stage,
        lead_advisor_id=row.lead_advisor_id,
        counts_load=bool(row.counts_load),
        steering=row.steering,
    )


def set_steering(conn: Connection, head: Head, steering: str | None, now: float) -> None:
    """Keep what people decided in Decidim with the proposal's (locked) head row."""
    conn.execute(
        update(plan_heads)
        .where(plan_heads.c.tenant == head.tenant, plan_heads.c.proposal_id == head.proposal_id)
        .values(steering=steering, updated_at=now)
    )


def active_holds(conn: Connection, tenant: str, proposal_id: str) -> list[HoldRow]:
    rows = conn.execute(
        select(plan_holds)
        .where(
            plan_holds.c.tenant == tenant,
            plan_holds.c.proposal_id == proposal_id,
            plan_holds.c.status.in_(ACTIVE),
        )
        .order_by(plan_holds.c.id)
    )
    return [HoldRow(**dict(r._mapping)) for r in rows]


def other_holds(
    conn: Connection, tenant: str, proposal_id: str, now: float, item_id: str | None = None
) -> list[HoldRow]:
    """Other proposals' active catalogue holds that still use stock after ``now``
    (optionally of one item): what a new hold's period is checked against."""
    query = select(plan_holds).where(
        plan_holds.c.tenant == tenant,
        plan_holds.c.kind == RESOURCE,
        plan_holds.c.proposal_id != proposal_id,
        plan_holds.c.status.in_(ACTIVE),
        or_(plan_holds.c.expires_at.is_(None), plan_holds.c.expires_at > now),
    )
    if item_id is not None:
        query = query.where(plan_holds.c.item_id == item_id)
    return [HoldRow(**dict(r._mapping)) for r in conn.execute(query.order_by(plan_holds.c.id))]


# --- applying holds and loads --------------------------------------------------------------


def _reserve(conn: Connection, tenant: str, kind: str, item_id: str, quantity: int) -> None:
    if quantity <= 0:
        return
    result = conn.execute(
        update(plan_stock)
        .where(
            _stock_key(tenant, kind, item_id),
            plan_stock.c.reserved + quantity <= plan_stock.c.capacity,
        )
        .values(reserved=plan_stock.c.reserved + quantity)
    )
    if result.rowcount != 1:
        raise Conflict(f"{kind} {item_id}: {quantity} no longer free")


def _unreserve(conn: Connection, tenant: str, kind: str, item_id: str, quantity: int) -> None:
    if quantity <= 0:
        return
    conn.execute(
        update(plan_stock)
        .where(_stock_key(tenant, kind, item_id))
        .values(reserved=plan_stock.c.reserved - quantity)
    )


def _take_units(
    conn: Connection,
    tenant: str,
    proposal_id: str,
    hold: WantedHold,
    delta: int,
    now: float,
) -> None:
    """Hold catalogue units for the hold's period: lock the item's stock row (moving its
    total by ``delta``), then check the period against the other proposals' holds."""
    result = conn.execute(
        update(plan_stock)
        .where(_stock_key(tenant, RESOURCE, hold.item_id))
        .values(reserved=plan_stock.c.reserved + delta)
    )
    if result.rowcount != 1:
        raise Conflict(f"{RESOURCE} {hold.item_id}: not in stock")
    if hold.quantity <= 0:
        return
    capacity: int = conn.execute(
        select(plan_stock.c.capacity).where(_stock_key(tenant, RESOURCE, hold.item_id))
    ).scalar_one()
    use = use_of(hold.held_at, hold.starts_at, hold.expires_at, hold.quantity)
    others = [h.use for h in other_holds(conn, tenant, proposal_id, now, hold.item_id)]
    if free_from_now(int(capacity), others, use.start, use.end, now) < hold.quantity:
        raise Conflict(f"{RESOURCE} {hold.item_id}: {hold.quantity} no longer free then")


def apply_holds(
    conn: Connection,
    tenant: str,
    proposal_id: str,
    wanted: Iterable[WantedHold],
    current: list[HoldRow],
    now: float,
) -> None:
    """Make the proposal's active holds equal ``wanted`` (in one global key order).

    A catalogue hold that is new or changes (quantity, status or period) is checked for
    its period; a hold that stays as it is was checked when it was made.
    """
    desired = {(h.kind, h.item_id): h for h in wanted}
    existing = {(h.kind, h.item_id): h for h in current}
    for key in sorted(set(desired) | set(existing)):
        kind, item_id = key
        hold, row = desired.get(key), existing.get(key)
        if row is not None and hold is None:
            conn.execute(
                update(plan_holds)
                .where(plan_holds.c.id == row.id)
                .values(status=RELEASED, updated_at=now)
            )
            _unreserve(conn, tenant, kind, item_id, int(row.quantity))
            continue
        if hold is None:
            continue
        values = {
            "quantity": hold.quantity,
            "status": hold.status,
            "held_at": hold.held_at,
            "expires_at": hold.expires_at,
            "starts_at": hold.starts_at,
            "updated_at": now,
        }
        delta = hold.quantity - (int(row.quantity) if row is not None else 0)
        if row is not None and (
            delta,
            hold.status,
            hold.expires_at,
            hold.held_at,
            hold.starts_at,
        ) == (0, row.status, row.expires_at, row.held_at, row.starts_at):
            continue
        if kind == RESOURCE:
            _take_units(conn, tenant, proposal_id, hold, delta, now)
        elif delta > 0:
            _reserve(conn, tenant, kind, item_id, delta)
        elif delta < 0:
            _unreserve(conn, tenant, kind, item_id, -delta)
        if row is None:
            conn.execute(
                plan_holds.insert().values(
                    tenant=tenant, proposal_id=proposal_id, kind=kind, item_id=item_id, **values
                )
            )
        else:
            conn.execute(update(plan_holds).where(plan_holds.c.id == row.id).values(**values))


def move_load(conn: Connection, head: Head, new_lead: str | None, *, capacity: int | None) -> None:
    """Move the lead's open-initiative count from the head's lead to ``new_lead`` (None:
    the plan counts for nobody), decrements before increments.

    ``capacity``: the most open initiatives ``new_lead`` may have (None: no limit, as for
    the coordinator, who takes whatever nobody else can); ``Conflict`` when it is reached.
    """
    old = head.lead_advisor_id if head.counts_load else None
    if old == new_lead:
        return
    steps = []
    if old is not None:
        steps.append((old, -1))
    if new_lead is not None:
        steps.append((new_lead, +1))
    for advisor_id, step in sorted(steps):
        where = [advisor_loads.c.tenant == head.tenant, advisor_loads.c.advisor_id == advisor_id]
        if step < 0:
            conn.execute(
                update(advisor_loads)
                .where(*where, advisor_loads.c.open_count > 0)
                .values(open_count=advisor_loads.c.open_count - 1)
            )
            continue
        if capacity is not None:
            where.append(advisor_loads.c.open_count < capacity)
        result = conn.execute(
            update(advisor_loads).where(*where).values(open_count=advisor_loads.c.open_count + 1)
        )
        if result.rowcount != 1:
            raise Conflict(f"advisor {advisor_id} reached capacity")


def record_version(conn: Connection, head: Head, new: NewVersion, now: float) -> int:
    """Store the next version after ``head`` and move the head to it; returns its number."""
    version = head.version + 1
    conn.execute(
        plan_versions.insert().values(
            tenant=head.tenant,
            proposal_id=head.proposal_id,
            version=version,
            created_at=now,
            fingerprint=new.fingerprint,
            stage=new.stage,
            event_type=new.event_type,
            plan=new.plan,
            changes=new.changes,
        )
    )
    conn.execute(
        update(plan_heads)
        .where(plan_heads.c.tenant == head.tenant, plan_heads.c.proposal_id == head.proposal_id)
        .values(
            version=version,
            fingerprint=new.fingerprint,
            stage=new.stage,
            lead_advisor_id=new.lead_advisor_id,
            counts_load=1 if new.counts_load else 0,
            updated_at=now,
        )
    )
    return version


# --- expiry ------------------------------------------------------------------------------------


def expired_hold_ids(conn: Connection, tenant: str, now: float, limit: int = 100) -> list[int]:
    return list(
        conn.execute(
            select(plan_holds.c.id)
            .where(
                plan_holds.c.tenant == tenant,
                plan_holds.c.status == HELD,
                plan_holds.c.expires_at < now,
            )
            .order_by(plan_holds.c.expires_at, plan_holds.c.id)
            .limit(limit)
        ).scalars()
    )


def expire_hold(conn: Connection, hold_id: int, now: float) -> bool:
    """Release one lapsed hold; False when another worker did it (or it was confirmed)."""
    row = conn.execute(select(plan_holds).where(plan_holds.c.id == hold_id)).one_or_none()
    if row is None:
        return False
    result = conn.execute(
        update(plan_holds)
        .where(
            plan_holds.c.id == hold_id,
            plan_holds.c.status == HELD,
            plan_holds.c.expires_at < now,
        )
        .values(status=EXPIRED, updated_at=now)
    )
    if result.rowcount != 1:
        return False
    _unreserve(conn, row.tenant, row.kind, row.item_id, int(row.quantity))
    return True


# --- reading -------------------------------------------------------------------------------------


def version_row(conn: Connection, tenant: str, proposal_id: str, version: int) -> VersionRow:
    row = conn.execute(
        select(plan_versions).where(
            plan_versions.c.tenant == tenant,
            plan_versions.c.proposal_id == proposal_id,
            plan_versions.c.version == version,
        )
    ).one()
    return _version_from_row(row)


def _version_from_row(row: Any) -> VersionRow:
    values = row._mapping
    return VersionRow(**{name: values[name] for name in VersionRow.__dataclass_fields__})


def planned_at(conn: Connection, tenant: str, proposal_id: str) -> float | None:
    """When the proposal's current plan version was stored (None: not planned)."""
    head = plan_heads.alias("head")
    return conn.execute(
        select(plan_versions.c.created_at)
        .join(
            head,
            (head.c.tenant == plan_versions.c.tenant)
            & (head.c.proposal_id == plan_versions.c.proposal_id)
            & (head.c.version == plan_versions.c.version),
        )
        .where(head.c.tenant == tenant, head.c.proposal_id == proposal_id)
    ).scalar()


def is_planned(conn: Connection, tenant: str, proposal_id: str) -> bool:
    """Whether the proposal has a stored plan version (without reading it)."""
    return _current_number(conn, tenant, proposal_id) > 0


def current_version(conn: Connection, tenant: str, proposal_id: str) -> VersionRow | None:
    version = _current_number(conn, tenant, proposal_id)
    return version_row(conn, tenant, proposal_id, version) if version else None


def _current_number(conn: Connection, tenant: str, proposal_id: str) -> int:
    """The proposal's current version number (0: no plan stored)."""
    version = conn.execute(
        select(plan_heads.c.version).where(
            plan_heads.c.tenant == tenant, plan_heads.c.proposal_id == proposal_id
        )
    ).scalar()
    return int(version or 0)


def current_versions(
    conn: Connection, tenant: str, *, stage: str | None = None
) -> list[VersionRow]:
    """The current version of every planned proposal of ``tenant`` (optionally in ``stage``),
    e.g. for the periodic check of promised dates."""
    query = select(plan_versions).join(
        plan_heads,
        and_(
            plan_heads.c.tenant == plan_versions.c.tenant,
            plan_heads.c.proposal_id == plan_versions.c.proposal_id,
            plan_heads.c.version == plan_versions.c.version,
        ),
    )
    query = query.where(plan_heads.c.tenant == tenant)
    if stage is not None:
        query = query.where(plan_heads.c.stage == stage)
    rows = conn.execute(query.order_by(plan_versions.c.id))
    return [_version_from_row(r) for r in rows]


def versions(conn: Connection, tenant: str, proposal_id: str) -> list[VersionRow]:
    rows = conn.execute(
        select(plan_versions)
        .where(plan_versions.c.tenant == tenant, plan_versions.c.proposal_id == proposal_id)
        .order_by(plan_versions.c.version)
    )
    return [_version_from_row(r) for r in rows]


def holds(
    conn: Connection, tenant: str, proposal_id: str | None = None, status: str | None = None
) -> list[HoldRow]:
    query = select(plan_holds).where(plan_holds.c.tenant == tenant)
    if proposal_id is not None:
        query = query.where(plan_holds.c.proposal_id == proposal_id)
    if status is not None:
        query = query.where(plan_holds.c.status == status)
    return [HoldRow(**dict(r._mapping)) for r in conn.execute(query.order_by(plan_holds.c.id))]


def stock(conn: Connection, tenant: str) -> dict[tuple[str, str], tuple[int, int]]:
    """``(kind, item) -> (capacity, reserved)``."""
    return {
        (r.kind, r.item_id): (int(r.capacity), int(r.reserved))
        for r in conn.execute(select(plan_stock).where(plan_stock.c.tenant == tenant))
    }


def in_use(conn: Connection, tenant: str, now: float) -> dict[tuple[str, str], tuple[int, int]]:
    """``(kind, item) -> (capacity, in use)``: for a catalogue item the most units its
    active holds use at one moment from ``now`` on (holds in other periods share a unit;
    the stock row's running total does not say that), for a budget every cent held."""
    active = [h for h in holds(conn, tenant) if h.status in ACTIVE and h.kind == RESOURCE]
    found: dict[tuple[str, str], tuple[int, int]] = {}
    for (kind, item_id), (capacity, reserved) in stock(conn, tenant).items():
        if kind == RESOURCE:
            reserved = peak((h.use for h in active if h.item_id == item_id), now, None)
        found[(kind, item_id)] = (capacity, reserved)
    return found


def loads(conn: Connection, tenant: str) -> dict[str, int]:
    return {
        r.advisor_id: r.open_count
        for r in conn.execute(select(advisor_loads).where(advisor_loads.c.tenant == tenant))
    }
