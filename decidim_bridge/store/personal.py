"""SQL over the personal data the bridge keeps: one proposal's rows in every table that
names it (``schema.PROPOSAL_TABLES``), and what retention redacts or removes.

Only SQL on plain rows; what to release before deleting, and which plans to reduce, is
decided by ``decidim_bridge.privacy``.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, delete, select, update
from sqlalchemy.engine import Connection

from decidim_bridge.store.schema import (
    PROPOSAL_TABLES,
    ProposalRows,
    approvals,
    inbox,
    outbox,
    plan_heads,
    plan_versions,
)

#: Inbox and outbox states after which a row's content is no longer needed for the work.
INBOX_FINISHED = ("done", "ignored", "dead")
OUTBOX_FINISHED = ("done", "dead", "withheld", "superseded")
REDACTED_PAYLOAD = "{}"


def _about(spec: ProposalRows, tenant: str, proposal_id: str) -> Any:
    table = spec.table
    return and_(
        table.c.tenant == tenant, table.c[spec.column] == spec.spelling.format(id=proposal_id)
    )


def rows_about(conn: Connection, tenant: str, proposal_id: str) -> dict[str, list[dict[str, Any]]]:
    """Every stored row about the proposal, per table (tables without rows left out)."""
    found: dict[str, list[dict[str, Any]]] = {}
    for spec in PROPOSAL_TABLES:
        rows = conn.execute(select(spec.table).where(_about(spec, tenant, proposal_id))).all()
        if rows:
            found[spec.table.name] = [dict(r._mapping) for r in rows]
    return found


def delete_about(conn: Connection, tenant: str, proposal_id: str) -> dict[str, int]:
    """Delete every row about the proposal; the count per table (zeros left out)."""
    counts: dict[str, int] = {}
    for spec in PROPOSAL_TABLES:
        result = conn.execute(delete(spec.table).where(_about(spec, tenant, proposal_id)))
        if result.rowcount:
            counts[spec.table.name] = result.rowcount
    return counts


# --- retention -----------------------------------------------------------------------------


def redact_inbox_bodies(conn: Connection, tenant: str, before: float) -> int:
    """Empty the bodies of finished events received before ``before`` (the row, its
    delivery id and outcome stay: duplicates are still recognised)."""
    result = conn.execute(
        update(inbox)
        .where(
            inbox.c.tenant == tenant,
            inbox.c.status.in_(INBOX_FINISHED),
            inbox.c.received_at < before,
            inbox.c.body != "",
        )
        .values(body="")
    )
    return result.rowcount


def redact_outbox_payloads(conn: Connection, tenant: str, before: float) -> int:
    """Empty the payload and recipient of finished writes last changed before ``before``."""
    result = conn.execute(
        update(outbox)
        .where(
            outbox.c.tenant == tenant,
            outbox.c.status.in_(OUTBOX_FINISHED),
            outbox.c.updated_at < before,
            outbox.c.payload != REDACTED_PAYLOAD,
        )
        .values(payload=REDACTED_PAYLOAD, recipient="")
    )
    return result.rowcount


def finished_proposals(
    conn: Connection, tenant: str, stages: tuple[str, ...], before: float
) -> list[tuple[str, int]]:
    """(proposal, current version) of plans in a final stage, unchanged since ``before``."""
    rows = conn.execute(
        select(plan_heads.c.proposal_id, plan_heads.c.version).where(
            plan_heads.c.tenant == tenant,
            plan_heads.c.stage.in_(stages),
            plan_heads.c.updated_at < before,
            plan_heads.c.version > 0,
        )
    ).all()
    return [(r.proposal_id, r.version) for r in rows]


def drop_earlier_versions(conn: Connection, tenant: str, proposal_id: str, version: int) -> int:
    result = conn.execute(
        delete(plan_versions).where(
            plan_versions.c.tenant == tenant,
            plan_versions.c.proposal_id == proposal_id,
            plan_versions.c.version < version,
        )
    )
    return result.rowcount


def plan_text(conn: Connection, tenant: str, proposal_id: str, version: int) -> str | None:
    return conn.execute(
        select(plan_versions.c.plan).where(
            plan_versions.c.tenant == tenant,
            plan_versions.c.proposal_id == proposal_id,
            plan_versions.c.version == version,
        )
    ).scalar_one_or_none()


def replace_plan_text(
    conn: Connection, tenant: str, proposal_id: str, version: int, plan: str
) -> None:
    conn.execute(
        update(plan_versions)
        .where(
            plan_versions.c.tenant == tenant,
            plan_versions.c.proposal_id == proposal_id,
            plan_versions.c.version == version,
        )
        .values(plan=plan, changes="[]")
    )


def redact_approvals(conn: Connection, tenant: str, proposal_id: str) -> int:
    result = conn.execute(
        update(approvals)
        .where(
            approvals.c.tenant == tenant,
            approvals.c.proposal_id == proposal_id,
            approvals.c.decided_by != "",
        )
        .values(decided_by="")
    )
    return result.rowcount


def mail_keys(conn: Connection, tenant: str, proposal_id: str) -> list[str]:
    """The effect keys of the proposal's mails (their files are named after them)."""
    rows = conn.execute(
        select(outbox.c.effect_key).where(
            outbox.c.tenant == tenant, outbox.c.proposal_id == proposal_id, outbox.c.kind == "mail"
        )
    ).all()
    return [r.effect_key for r in rows]
