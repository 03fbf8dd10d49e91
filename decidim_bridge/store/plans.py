"""Plan versions, holds on stock and budgets, and advisor loads: one transaction each.

``save_plan`` is the store step of the pipeline. Inside the caller's transaction it locks
the proposal's head row, reads the planning state, runs the (pure) engine and applies the
plan's holds and the lead's load with *conditional* updates::

    UPDATE plan_stock SET reserved = reserved + :q
     WHERE tenant = :t AND kind = :k AND item_id = :i AND reserved + :q <= capacity

On PostgreSQL a second worker racing for the last unit blocks on the row lock, re-checks
the condition after the first commits, updates nothing, and re-plans (inside a savepoint)
with fresh availability: exactly one of them gets the unit. On SQLite the single writer
(``BEGIN IMMEDIATE``) serializes the same steps. Stock rows are touched in one global
order (kind, item) and advisor rows after them, so two transactions cannot deadlock.

A plan whose fingerprint equals the current version's is not stored again.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Table,
    and_,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from decidim_bridge.errors import StoreUnavailable
from decidim_bridge.plan.diff import Change, diff
from decidim_bridge.plan.engine import build_plan
from decidim_bridge.plan.model import CONFIRMED, HELD, Hold, Plan
from decidim_bridge.plan.serialize import document, plan_from_json, to_data
from decidim_bridge.plan.state import Availability, PlanningState
from decidim_bridge.proposals import Proposal
from decidim_bridge.rules.model import Mappings
from decidim_bridge.store.schema import (
    advisor_loads,
    plan_heads,
    plan_holds,
    plan_stock,
    plan_versions,
)

ACTIVE = (HELD, CONFIRMED)
RELEASED, EXPIRED = "released", "expired"
#: How often a plan is recomputed when another worker took what it wanted meanwhile.
MAX_ATTEMPTS = 5


class _Conflict(Exception):
    """Another transaction took what this plan wanted; re-plan with fresh state."""


@dataclass(frozen=True)
class StoredPlan:
    """The result of ``save_plan``: the current version and what this call changed."""

    proposal_id: str
    version: int
    created: bool  # False: the plan equals the current version; nothing was stored
    plan: Plan
    previous: Plan | None
    changes: tuple[Change, ...]
    attempts: int


@dataclass(frozen=True)
class PlanVersion:
    tenant: str
    proposal_id: str
    version: int
    created_at: float
    fingerprint: str
    stage: str
    event_type: str | None
    plan: Plan
    changes: tuple[Change, ...]


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


def _insert(conn: Connection, table: Table) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(table)


# --- reference rows: stock and loads follow the mappings ---------------------------------


def sync_reference_rows(conn: Connection, tenant: str, mappings: Mappings) -> None:
    """Create missing stock/load rows and follow capacity changes in the rule files."""
    wanted = {("resource", r.id): r.quantity for r in mappings.resources}
    wanted.update({("budget", b.id): b.total_cents for b in mappings.budgets})
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
    known = set(
        conn.execute(
            select(advisor_loads.c.advisor_id).where(advisor_loads.c.tenant == tenant)
        ).scalars()
    )
    new = [
        {"tenant": tenant, "advisor_id": a.id, "open_count": 0}
        for a in mappings.advisors.advisors
        if a.id not in known
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


# --- state ---------------------------------------------------------------------------------


def _lock_head(conn: Connection, tenant: str, proposal_id: str, now: float) -> Any:
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
    return conn.execute(query).one()


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


def read_state(
    conn: Connection,
    tenant: str,
    proposal_id: str,
    head: Any,
    *,
    answered_by_bridge: bool = False,
) -> tuple[PlanningState, list[HoldRow]]:
    """Loads, free stock (this proposal's own holds count as free for it) and own holds;
    ``answered_by_bridge`` is passed through (the caller reads it from the outbox)."""
    own = active_holds(conn, tenant, proposal_id)
    own_quantity = {(h.kind, h.item_id): h.quantity for h in own}
    free_resources: dict[str, int] = {}
    free_budgets: dict[str, int] = {}
    for row in conn.execute(select(plan_stock).where(plan_stock.c.tenant == tenant)):
        free = row.capacity - row.reserved + own_quantity.get((row.kind, row.item_id), 0)
        target = free_resources if row.kind == "resource" else free_budgets
        target[row.item_id] = max(int(free), 0)
    loads = {
        row.advisor_id: row.open_count
        for row in conn.execute(select(advisor_loads).where(advisor_loads.c.tenant == tenant))
    }
    previous = None
    if head.version:
        previous = _load_version(conn, tenant, proposal_id, head.version).plan
    own_holds = {
        (h.kind, h.item_id): Hold(
            h.kind, h.item_id, int(h.quantity), h.status, h.held_at, h.expires_at
        )
        for h in own
    }
    state = PlanningState(
        loads=loads,
        availability=Availability(free_resources, free_budgets, own_holds),
        previous=previous,
        previous_version=head.version or None,
        answered_by_bridge=answered_by_bridge,
    )
    return state, own


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
        raise _Conflict(f"{kind} {item_id}: {quantity} no longer free")


def _unreserve(conn: Connection, tenant: str, kind: str, item_id: str, quantity: int) -> None:
    if quantity <= 0:
        return
    conn.execute(
        update(plan_stock)
        .where(_stock_key(tenant, kind, item_id))
        .values(reserved=plan_stock.c.reserved - quantity)
    )


def apply_holds(
    conn: Connection,
    tenant: str,
    proposal_id: str,
    wanted: Iterable[Hold],
    current: list[HoldRow],
    now: float,
) -> None:
    """Make the proposal's active holds equal ``wanted`` (in one global key order)."""
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
        elif hold is not None and row is None:
            _reserve(conn, tenant, kind, item_id, hold.quantity)
            conn.execute(
                plan_holds.insert().values(
                    tenant=tenant,
                    proposal_id=proposal_id,
                    kind=kind,
                    item_id=item_id,
                    quantity=hold.quantity,
                    status=hold.status,
                    held_at=hold.held_at,
                    expires_at=hold.expires_at,
                    updated_at=now,
                )
            )
        elif hold is not None and row is not None:
            delta = hold.quantity - int(row.quantity)
            if delta > 0:
                _reserve(conn, tenant, kind, item_id, delta)
            elif delta < 0:
                _unreserve(conn, tenant, kind, item_id, -delta)
            if (delta, hold.status, hold.expires_at, hold.held_at) != (
                0,
                row.status,
                row.expires_at,
                row.held_at,
            ):
                conn.execute(
                    update(plan_holds)
                    .where(plan_holds.c.id == row.id)
                    .values(
                        quantity=hold.quantity,
                        status=hold.status,
                        held_at=hold.held_at,
                        expires_at=hold.expires_at,
                        updated_at=now,
                    )
                )


def _apply_load(conn: Connection, tenant: str, head: Any, plan: Plan, mappings: Mappings) -> None:
    """Move the lead's open-initiative count with the plan (decrements before increments)."""
    old = head.lead_advisor_id if head.counts_load else None
    assignment = plan.assignment
    new = assignment.lead.advisor_id if assignment.counts_load else None
    if old == new:
        return
    steps = []
    if old is not None:
        steps.append((old, -1))
    if new is not None:
        steps.append((new, +1))
    for advisor_id, step in sorted(steps):
        where = [advisor_loads.c.tenant == tenant, advisor_loads.c.advisor_id == advisor_id]
        if step < 0:
            conn.execute(
                update(advisor_loads)
                .where(*where, advisor_loads.c.open_count > 0)
                .values(open_count=advisor_loads.c.open_count - 1)
            )
            continue
        advisor = mappings.advisor(advisor_id)
        if not assignment.fallback and advisor is not None:
            # Only as many open initiatives as the advisor's capacity; the coordinator
            # (fallback) takes whatever nobody else can.
            where.append(advisor_loads.c.open_count < advisor.capacity)
        result = conn.execute(
            update(advisor_loads).where(*where).values(open_count=advisor_loads.c.open_count + 1)
        )
        if result.rowcount != 1:
            raise _Conflict(f"advisor {advisor_id} reached capacity")


# --- the store step --------------------------------------------------------------------------


def save_plan(
    conn: Connection,
    *,
    tenant: str,
    proposal: Proposal,
    mappings: Mappings,
    now: float,
    space_key: str | None = None,
    event_type: str | None = None,
    answered_by_bridge: bool = False,
) -> StoredPlan:
    """Plan ``proposal`` and store the result in the caller's transaction.

    ``answered_by_bridge``: the answer Decidim shows is the bridge's own, which the plan
    does not count as the municipality's response (see ``PlanningState``).
    """
    proposal_id = str(proposal.id)
    sync_reference_rows(conn, tenant, mappings)
    head = _lock_head(conn, tenant, proposal_id, now)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        savepoint = conn.begin_nested()
        try:
            state, own = read_state(
                conn, tenant, proposal_id, head, answered_by_bridge=answered_by_bridge
            )
            plan = build_plan(proposal, mappings, now, state, space_key=space_key)
            apply_holds(conn, tenant, proposal_id, plan.holds, own, now)
            _apply_load(conn, tenant, head, plan, mappings)
        except _Conflict:
            savepoint.rollback()
            continue
        except BaseException:
            savepoint.rollback()
            raise
        savepoint.commit()
        return _record(conn, tenant, head, plan, state.previous, event_type, now, attempt)
    raise StoreUnavailable(
        f"proposal {proposal_id}: stock or advisors kept changing during {MAX_ATTEMPTS} attempts"
    )


def _record(
    conn: Connection,
    tenant: str,
    head: Any,
    plan: Plan,
    previous: Plan | None,
    event_type: str | None,
    now: float,
    attempts: int,
) -> StoredPlan:
    text, digest = document(plan)
    if head.version and head.fingerprint == digest and previous is not None:
        return StoredPlan(plan.proposal_id, head.version, False, previous, previous, (), attempts)
    changes = diff(previous, plan)
    version = head.version + 1
    conn.execute(
        plan_versions.insert().values(
            tenant=tenant,
            proposal_id=plan.proposal_id,
            version=version,
            created_at=now,
            fingerprint=digest,
            stage=plan.stage,
            event_type=event_type,
            plan=text,
            changes=json.dumps(to_data(changes), ensure_ascii=False),
        )
    )
    conn.execute(
        update(plan_heads)
        .where(plan_heads.c.tenant == tenant, plan_heads.c.proposal_id == plan.proposal_id)
        .values(
            version=version,
            fingerprint=digest,
            stage=plan.stage,
            lead_advisor_id=plan.assignment.lead.advisor_id,
            counts_load=1 if plan.assignment.counts_load else 0,
            updated_at=now,
        )
    )
    return StoredPlan(plan.proposal_id, version, True, plan, previous, changes, attempts)


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


def _load_version(conn: Connection, tenant: str, proposal_id: str, version: int) -> PlanVersion:
    row = conn.execute(
        select(plan_versions).where(
            plan_versions.c.tenant == tenant,
            plan_versions.c.proposal_id == proposal_id,
            plan_versions.c.version == version,
        )
    ).one()
    return _version_from_row(row)


def _version_from_row(row: Any) -> PlanVersion:
    changes = tuple(Change(**c) for c in json.loads(row.changes))
    return PlanVersion(
        tenant=row.tenant,
        proposal_id=row.proposal_id,
        version=row.version,
        created_at=row.created_at,
        fingerprint=row.fingerprint,
        stage=row.stage,
        event_type=row.event_type,
        plan=plan_from_json(row.plan),
        changes=changes,
    )


def current_version(conn: Connection, tenant: str, proposal_id: str) -> PlanVersion | None:
    head = conn.execute(
        select(plan_heads.c.version).where(
            plan_heads.c.tenant == tenant, plan_heads.c.proposal_id == proposal_id
        )
    ).scalar()
    if not head:
        return None
    return _load_version(conn, tenant, proposal_id, head)


def current_versions(
    conn: Connection, tenant: str, *, stage: str | None = None
) -> list[PlanVersion]:
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


def versions(conn: Connection, tenant: str, proposal_id: str) -> list[PlanVersion]:
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


def loads(conn: Connection, tenant: str) -> dict[str, int]:
    return {
        r.advisor_id: r.open_count
        for r in conn.execute(select(advisor_loads).where(advisor_loads.c.tenant == tenant))
    }
