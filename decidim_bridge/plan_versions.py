"""Plan versions as Plans: the conversion between the engine's ``Plan`` and the store's rows.

``store.plans`` keeps a version as JSON text with a fingerprint and holds as plain rows; it
never imports the plan engine. This module turns those rows into what the engine reads
(``planning_state``) and a plan into what the store writes (``wanted_holds``,
``record_plan``), and reads stored versions back as Plans for the write-back, the digest
and the CLI. The pipeline orchestrates the writing side.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.engine import Connection

from decidim_bridge.hold_periods import Use, free_from_now
from decidim_bridge.plan.diff import Change, diff
from decidim_bridge.plan.model import Hold, Plan
from decidim_bridge.plan.serialize import (
    changes_from_json,
    changes_to_json,
    document,
    expectations_from_json,
    plan_from_json,
)
from decidim_bridge.plan.state import Availability, PlanningState
from decidim_bridge.plan.steering import NO_STEERING, Steering, steering_from_json
from decidim_bridge.store import plans as store
from decidim_bridge.store.plans import Head, HoldRow, NewVersion, VersionRow, WantedHold


@dataclass(frozen=True)
class StoredPlan:
    """The result of storing a plan: the current version and what this call changed."""

    proposal_id: str
    version: int
    created: bool  # False: the plan equals the current version; nothing was stored
    plan: Plan
    previous: Plan | None
    changes: tuple[Change, ...]
    attempts: int
    steering: Steering = NO_STEERING  # what people decided in Decidim, as planned with


@dataclass(frozen=True)
class PlanVersion:
    """A stored version, read back."""

    tenant: str
    proposal_id: str
    version: int
    created_at: float
    fingerprint: str
    stage: str
    event_type: str | None
    plan: Plan
    changes: tuple[Change, ...]


def version_from_row(row: VersionRow) -> PlanVersion:
    return PlanVersion(
        tenant=row.tenant,
        proposal_id=row.proposal_id,
        version=row.version,
        created_at=row.created_at,
        fingerprint=row.fingerprint,
        stage=row.stage,
        event_type=row.event_type,
        plan=plan_from_json(row.plan),
        changes=changes_from_json(row.changes),
    )


# --- reading ---------------------------------------------------------------------------------


def current_version(conn: Connection, tenant: str, proposal_id: str) -> PlanVersion | None:
    row = store.current_version(conn, tenant, proposal_id)
    return None if row is None else version_from_row(row)


def published_day(conn: Connection, tenant: str, proposal_id: str) -> date | None:
    """The day the current plan says the initiative was published
    (``ExpectationContract.published_on``), rebuilt from the stored expectations alone:
    cheaper than the whole plan where only this day is wanted. None without a plan."""
    row = store.current_version(conn, tenant, proposal_id)
    if row is None:
        return None
    return date.fromisoformat(expectations_from_json(row.plan).published_on)


def current_versions(
    conn: Connection, tenant: str, *, stage: str | None = None
) -> list[PlanVersion]:
    """The current version of every planned proposal of ``tenant`` (optionally in ``stage``)."""
    return [version_from_row(r) for r in store.current_versions(conn, tenant, stage=stage)]


def versions(conn: Connection, tenant: str, proposal_id: str) -> list[PlanVersion]:
    return [version_from_row(r) for r in store.versions(conn, tenant, proposal_id)]


# --- planning: rows -> engine state, plan -> rows ------------------------------------------


def planning_state(
    conn: Connection,
    head: Head,
    *,
    answered_by_bridge: bool = False,
    now: float,
    current: PlanVersion | None = None,
) -> tuple[PlanningState, list[HoldRow]]:
    """Loads, free stock (this proposal's own holds count as free for it), own holds and
    the previous plan, read in the caller's transaction; and the own hold rows, which
    ``store.plans.apply_holds`` compares the new plan's holds with.

    Free catalogue units depend on the period a hold would use them (``free_between``,
    ``hold_periods``): the other proposals' holds are read once, with their periods.
    ``answered_by_bridge`` is passed through (the write-back's ledger knows it); the
    steering is the one kept with the head row. ``current``: the proposal's version as the
    caller read it, the previous plan without parsing it again while it is still the
    head's version."""
    tenant, proposal_id = head.tenant, head.proposal_id
    own = store.active_holds(conn, tenant, proposal_id)
    own_quantity = {(h.kind, h.item_id): h.quantity for h in own}
    free_budgets: dict[str, int] = {}
    capacities: dict[str, int] = {}
    for (kind, item_id), (capacity, reserved) in store.stock(conn, tenant).items():
        if kind == "resource":
            capacities[item_id] = int(capacity)
        else:
            free = capacity - reserved + own_quantity.get((kind, item_id), 0)
            free_budgets[item_id] = max(int(free), 0)
    others: dict[str, list[Use]] = {}
    for row in store.other_holds(conn, tenant, proposal_id, now):
        others.setdefault(row.item_id, []).append(row.use)
    previous = None
    if head.version and current is not None and _is_version(current, head):
        previous = current.plan
    elif head.version:
        previous = plan_from_json(store.version_row(conn, tenant, proposal_id, head.version).plan)
    # Rows stored before holds had a start in the table: the previous version knows it.
    starts = {(h.kind, h.item_id): h.starts_at for h in previous.holds} if previous else {}
    own_holds = {
        (h.kind, h.item_id): Hold(
            h.kind,
            h.item_id,
            int(h.quantity),
            h.status,
            h.held_at,
            h.expires_at,
            starts_at=h.starts_at if h.starts_at is not None else starts.get((h.kind, h.item_id)),
        )
        for h in own
    }

    def free_between(item_id: str, first: float, end: float | None) -> int:
        capacity = capacities.get(item_id, 0)
        return free_from_now(capacity, others.get(item_id, ()), first, end, now)

    state = PlanningState(
        loads=store.loads(conn, tenant),
        availability=Availability(free_budgets, own_holds, free_between),
        previous=previous,
        previous_version=head.version or None,
        answered_by_bridge=answered_by_bridge,
        steering=steering_from_json(head.steering),
    )
    return state, own


def _is_version(version: PlanVersion, head: Head) -> bool:
    """Whether ``version`` is the one ``head`` names (a stored version never changes)."""
    return (version.tenant, version.proposal_id, version.version) == (
        head.tenant,
        head.proposal_id,
        head.version,
    )


def wanted_holds(plan: Plan) -> list[WantedHold]:
    return [
        WantedHold(h.kind, h.item_id, h.quantity, h.status, h.held_at, h.expires_at, h.starts_at)
        for h in plan.holds
    ]


def record_plan(
    conn: Connection,
    head: Head,
    plan: Plan,
    previous: Plan | None,
    *,
    event_type: str | None,
    now: float,
    attempts: int,
    steering: Steering = NO_STEERING,
) -> StoredPlan:
    """Store ``plan`` as the version after ``head``, unless its fingerprint equals the
    current version's: then nothing is stored and the current version is returned."""
    text, digest = document(plan)
    if head.version and head.fingerprint == digest and previous is not None:
        return StoredPlan(
            plan.proposal_id, head.version, False, previous, previous, (), attempts, steering
        )
    changes = diff(previous, plan)
    row = NewVersion(
        plan=text,
        fingerprint=digest,
        changes=changes_to_json(changes),
        stage=plan.stage,
        lead_advisor_id=plan.assignment.lead.advisor_id,
        counts_load=plan.assignment.counts_load,
        event_type=event_type,
    )
    version = store.record_version(conn, head, row, now)
    return StoredPlan(plan.proposal_id, version, True, plan, previous, changes, attempts, steering)
