"""The poller's memory: the last seen copy of every swept proposal, and each component's sweeps.

Functions take a ``Connection`` so that the poller writes a page's copies and the events it
synthesized (``inbox.store_delivery``) in one transaction: after a crash, either both are
there or neither is, and the next sweep finds exactly the changes that were not yet stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from decidim_bridge.sources.sweep import SeenCopy
from decidim_bridge.store.schema import poller_components, poller_seen


@dataclass(frozen=True)
class ComponentState:
    tenant: str
    component_id: str
    baseline_at: float | None
    sweep_started_at: float | None
    sweep_finished_at: float | None
    proposals: int | None
    events: int | None
    last_error: str | None


def _dialect(conn: Connection) -> Any:
    return postgresql if conn.dialect.name == "postgresql" else sqlite


def load_seen(
    conn: Connection, *, tenant: str, component_id: str, proposal_ids: Sequence[str]
) -> dict[str, SeenCopy]:
    """The stored copies of the given proposals (missing ones are new)."""
    if not proposal_ids:
        return {}
    rows = conn.execute(
        select(poller_seen).where(
            poller_seen.c.tenant == tenant,
            poller_seen.c.component_id == component_id,
            poller_seen.c.proposal_id.in_(list(proposal_ids)),
        )
    )
    return {
        row.proposal_id: SeenCopy(
            proposal_id=row.proposal_id,
            updated_at=row.updated_at,
            state=row.state,
            answered_at=row.answered_at,
            withdrawn=bool(row.withdrawn),
            content=row.content,
        )
        for row in rows
    }


def save_seen(
    conn: Connection, *, tenant: str, component_id: str, copies: Iterable[SeenCopy], now: float
) -> int:
    """Insert or replace copies; returns how many were written."""
    values = [
        {
            "tenant": tenant,
            "component_id": component_id,
            "proposal_id": copy.proposal_id,
            "updated_at": copy.updated_at,
            "state": copy.state,
            "answered_at": copy.answered_at,
            "withdrawn": copy.withdrawn,
            "content": copy.content,
            "seen_at": now,
        }
        for copy in copies
    ]
    if not values:
        return 0
    stmt = _dialect(conn).insert(poller_seen)
    stmt = stmt.on_conflict_do_update(
        index_elements=["tenant", "component_id", "proposal_id"],
        set_={
            name: stmt.excluded[name]
            for name in ("updated_at", "state", "answered_at", "withdrawn", "content", "seen_at")
        },
    )
    conn.execute(stmt, values)
    return len(values)


def seen_count(conn: Connection, *, tenant: str, component_id: str) -> int:
    return int(
        conn.execute(
            select(func.count()).where(
                poller_seen.c.tenant == tenant, poller_seen.c.component_id == component_id
            )
        ).scalar_one()
    )


def component_state(conn: Connection, *, tenant: str, component_id: str) -> ComponentState | None:
    row = conn.execute(
        select(poller_components).where(
            poller_components.c.tenant == tenant,
            poller_components.c.component_id == component_id,
        )
    ).first()
    return ComponentState(**dict(row._mapping)) if row is not None else None


def _upsert_component(conn: Connection, tenant: str, component_id: str, **values: Any) -> None:
    stmt = (
        _dialect(conn)
        .insert(poller_components)
        .values(tenant=tenant, component_id=component_id, **values)
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["tenant", "component_id"], set_={k: stmt.excluded[k] for k in values}
    )
    conn.execute(stmt)


def sweep_started(conn: Connection, *, tenant: str, component_id: str, now: float) -> None:
    _upsert_component(conn, tenant, component_id, sweep_started_at=now)


def sweep_finished(
    conn: Connection,
    *,
    tenant: str,
    component_id: str,
    now: float,
    proposals: int,
    events: int,
    baseline: bool,
) -> None:
    """Record a complete sweep; ``baseline`` also marks the component as known from now on."""
    values: dict[str, Any] = {
        "sweep_finished_at": now,
        "proposals": proposals,
        "events": events,
        "last_error": None,
    }
    if baseline:
        values["baseline_at"] = now
    _upsert_component(conn, tenant, component_id, **values)


def sweep_failed(conn: Connection, *, tenant: str, component_id: str, error: str) -> None:
    _upsert_component(conn, tenant, component_id, last_error=error[:2000])
