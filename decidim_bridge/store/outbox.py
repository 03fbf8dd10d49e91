"""The outbox (effect ledger) and the approval records.

Every external write a plan version implies — a comment or an answer in Decidim, a mail —
is one ``outbox`` row with a deterministic ``effect_key``. The row is inserted in the same
transaction as the plan version (``ON CONFLICT DO NOTHING``: planning twice changes
nothing) and moves::

    held ──approve──▶ planned ──claim──▶ in_flight ──▶ done
      │                  ▲                   │  └────▶ dead   (permanent error; retry by command)
      └─hold─▶ withheld  └── definite failure (not applied) or ambiguous (reconcile first)
    planned/held ──newer plan version──▶ superseded

``in_flight`` is committed *before* the external call, so a row found ``in_flight`` after a
crash means "the outcome is unknown": the writer reads Decidim before writing again.
``sending_at`` marks the last moment before an irreversible hand-over (the SMTP DATA
terminator), for backends that cannot be read back.

Rows of one ``lane`` (normally all Decidim writes of one proposal) are executed one at a
time, in id order; a row blocks later rows of its lane while it is planned or in flight.
Which claimable row goes next (``claim``):

1. rows whose outcome is unknown, before anything else (one read settles each and unblocks
   its lane);
2. then participatory spaces take turns (``queries.in_turns``): the next claim goes to
   the space served longest ago, so a burst of one space delays another space's writes by
   one turn each, not by the whole burst (each row records its proposal's space,
   ``events.space_of``, and when it was last claimed; rows recorded before spaces were
   recorded share the space ``""``);
3. within a space, comments first, then the oldest (by ``next_attempt_at``, then id): a
   resident waits for the comment after publishing, so a burst's later initiatives get
   their comment before the earlier ones' answers, evaluators and notes.

The writer may take the rows that follow a claimed row in its lane along with it
(``claim_following``), to send them in one request.

Functions take a ``Connection`` so callers choose the transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    and_,
    case,
    func,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Row

from decidim_bridge.errors import LeaseLost
from decidim_bridge.store.queries import (
    count_by_status,
    fetch_by_id,
    in_turns,
    newest_rows,
    require_ids,
)
from decidim_bridge.store.schema import approvals, outbox

#: Every status, in the order the CLI shows them.
STATUSES = ("held", "planned", "in_flight", "done", "dead", "withheld", "superseded")
#: The kind of a Decidim comment (``writeback.effects.COMMENT``; the store does not import it).
COMMENT_KIND = "decidim_comment"
#: Rows that block later rows of their lane.
OPEN_STATUSES = ("planned", "in_flight")
#: Rows that will not be executed again without a command.
FINAL_STATUSES = ("done", "dead", "withheld", "superseded")


@dataclass(frozen=True)
class NewEffect:
    """An effect to record; ``payload`` is everything the writer needs, already rendered."""

    tenant: str
    effect_key: str
    ref: str
    proposal_id: str
    plan_version: int | None
    kind: str
    purpose: str
    recipient: str
    lane: str
    public: bool
    payload: dict[str, Any]
    held: bool = False
    #: The proposal's participatory space (``events.space_of``): the writer serves spaces
    #: in turn. ``""``: unknown (digest mails, say).
    space: str = ""


@dataclass(frozen=True)
class OutboxRow:
    id: int
    tenant: str
    effect_key: str
    ref: str
    proposal_id: str
    plan_version: int | None
    kind: str
    purpose: str
    recipient: str
    lane: str
    public: bool
    payload: str
    status: str
    attempts: int
    next_attempt_at: float
    lease_owner: str | None
    lease_until: float | None
    sending_at: float | None
    last_error: str | None
    remote_id: str | None
    outcome: str | None
    created_at: float
    updated_at: float
    done_at: float | None
    space: str = ""
    claimed_at: float | None = None

    @classmethod
    def from_row(cls, row: Row[Any]) -> OutboxRow:
        values = dict(row._mapping)
        values["public"] = bool(values["public"])
        return cls(**values)

    @property
    def data(self) -> dict[str, Any]:
        """The decoded payload."""
        decoded: dict[str, Any] = json.loads(self.payload)
        return decoded


@dataclass(frozen=True)
class Approval:
    tenant: str
    link_id: str
    proposal_id: str
    plan_version: int
    decision: str
    decided_by: str
    decided_at: float
    released: int


def _insert(conn: Connection) -> Any:
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    return dialect.insert(outbox)


def record(conn: Connection, effects: Iterable[NewEffect], *, now: float) -> list[int]:
    """Insert effects once (by key); returns the ids of rows that were new."""
    new_ids: list[int] = []
    for effect in effects:
        stmt = (
            _insert(conn)
            .values(
                tenant=effect.tenant,
                effect_key=effect.effect_key,
                ref=effect.ref,
                proposal_id=effect.proposal_id,
                plan_version=effect.plan_version,
                kind=effect.kind,
                purpose=effect.purpose,
                recipient=effect.recipient,
                lane=effect.lane,
                public=effect.public,
                payload=json.dumps(effect.payload, sort_keys=True, ensure_ascii=False),
                status="held" if effect.held else "planned",
                space=effect.space,
                attempts=0,
                next_attempt_at=now,
                created_at=now,
                updated_at=now,
            )
            .on_conflict_do_nothing(index_elements=["tenant", "effect_key"])
            .returning(outbox.c.id)
        )
        new_id = conn.execute(stmt).scalar()
        if new_id is not None:
            new_ids.append(int(new_id))
    return new_ids


def supersede(
    conn: Connection,
    *,
    tenant: str,
    proposal_id: str,
    kinds: Sequence[str],
    before_version: int,
    now: float,
) -> int:
    """Retire public writes of older plan versions that did not reach Decidim (a newer
    version replaces them); rows in flight or done are left alone: they may have."""
    result = conn.execute(
        update(outbox)
        .where(
            outbox.c.tenant == tenant,
            outbox.c.proposal_id == proposal_id,
            outbox.c.kind.in_(list(kinds)),
            outbox.c.plan_version < before_version,
            outbox.c.status.in_(("held", "planned", "withheld")),
        )
        .values(status="superseded", outcome="replaced by a newer plan version", updated_at=now)
    )
    return int(result.rowcount)


def published_rows(
    conn: Connection, *, tenant: str, proposal_id: str, kinds: Sequence[str]
) -> list[OutboxRow]:
    """Public writes of a proposal that reached (or may have reached) Decidim, oldest first.

    ``in_flight`` counts too: its write may have been applied, so later versions describe
    changes relative to it rather than start over. ``planned`` rows never reached Decidim
    (a failed attempt that may have been applied stays ``in_flight``).
    """
    stmt = (
        select(outbox)
        .where(
            outbox.c.tenant == tenant,
            outbox.c.proposal_id == proposal_id,
            outbox.c.kind.in_(list(kinds)),
            outbox.c.status.in_(("done", "in_flight")),
        )
        .order_by(outbox.c.id)
    )
    return [OutboxRow.from_row(r) for r in conn.execute(stmt)]


def attempted_rows(
    conn: Connection, *, tenant: str, proposal_id: str, kinds: Sequence[str]
) -> list[OutboxRow]:
    """Writes of a proposal the writer has tried at least once, whatever came of it (they
    may be in Decidim), oldest first: to recognise the bridge's own writes read back."""
    stmt = (
        select(outbox)
        .where(
            outbox.c.tenant == tenant,
            outbox.c.proposal_id == proposal_id,
            outbox.c.kind.in_(list(kinds)),
            outbox.c.attempts > 0,
        )
        .order_by(outbox.c.id)
    )
    return [OutboxRow.from_row(r) for r in conn.execute(stmt)]


def rows_for_proposal(conn: Connection, *, tenant: str, proposal_id: str) -> list[OutboxRow]:
    stmt = (
        select(outbox)
        .where(outbox.c.tenant == tenant, outbox.c.proposal_id == proposal_id)
        .order_by(outbox.c.id)
    )
    return [OutboxRow.from_row(r) for r in conn.execute(stmt)]


def keys_present(conn: Connection, *, tenant: str, keys: Sequence[str]) -> set[str]:
    """Which of these effect keys are already recorded (any status)."""
    if not keys:
        return set()
    stmt = select(outbox.c.effect_key).where(
        outbox.c.tenant == tenant, outbox.c.effect_key.in_(list(keys))
    )
    return {r.effect_key for r in conn.execute(stmt)}


# --- claiming and finishing -----------------------------------------------------------------


def _due(now: float, c: Any = outbox.c) -> Any:
    """Planned and its time has come, or in flight (outcome unknown) with its time come and
    no live lease (``c``: the columns of the outbox or of a query over it)."""
    return or_(
        and_(c.status == "planned", c.next_attempt_at <= now),
        and_(
            c.status == "in_flight",
            c.next_attempt_at <= now,
            or_(c.lease_until.is_(None), c.lease_until < now),
        ),
    )


def _narrowed(
    c: Any, kinds: Sequence[str] | None, skip_lanes: Sequence[str], tenant: str | None
) -> Any:
    condition: Any = true()
    if kinds is not None:
        condition = and_(condition, c.kind.in_(list(kinds)))
    if skip_lanes:
        condition = and_(condition, c.lane.not_in(list(skip_lanes)))
    if tenant is not None:
        condition = and_(condition, c.tenant == tenant)
    return condition


def _unknown_first(c: Any) -> Any:
    # Reads-back first: a row whose outcome is unknown costs one read to settle and blocks
    # its lane until then; new writes can wait for it (most of all when requests are scarce).
    return case((c.status == "in_flight", 0), else_=1)


def _within_a_space(c: Any) -> list[Any]:
    # Within a space, comments first: the comment is what a resident waits for after
    # publishing, one request each; the answer, evaluators and note of a burst's earlier
    # initiatives can wait for the comments of later ones. Across spaces the turns decide.
    comments_first = case((c.kind == COMMENT_KIND, 0), else_=1)
    return [_unknown_first(c), comments_first, c.next_attempt_at, c.id]


def claim(
    conn: Connection,
    *,
    owner: str,
    now: float,
    lease_seconds: float,
    kinds: Sequence[str] | None = None,
    skip_lanes: Sequence[str] = (),
    tenant: str | None = None,
    lane_prefix: str | None = None,
    limit: int = 1,
) -> list[OutboxRow]:
    """Take due rows for ``owner`` in the module's order (unknown outcome first, then
    spaces in turn, within a space comments first, then the oldest): they become
    ``in_flight`` with a lease, attempts + 1. ``lane_prefix``: only lanes whose name starts
    with it (a class of lanes: a proposal's Decidim writes, or mails), looked at alone, so
    that a writer of one class does not rank the other's rows on every claim.

    The returned rows carry the status they had *before* the claim, so the writer knows
    whether the previous attempt's outcome is unknown (was ``in_flight``) and must be
    reconciled before writing again.
    """
    candidates = in_turns(
        outbox,
        group="lane",
        open_statuses=OPEN_STATUSES,
        due=lambda c: _due(now, c),
        where=lambda c: _narrowed(c, kinds, skip_lanes, tenant),
        groups=(lambda c: c.lane.startswith(lane_prefix, autoescape=True)) if lane_prefix else None,
        within=_within_a_space,
        first=lambda c: [_unknown_first(c)],
        columns=("kind",),
        limit=limit,
    )
    if conn.dialect.name == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True, of=outbox)
    before = [OutboxRow.from_row(r) for r in conn.execute(candidates)]
    if not before:
        return []
    taken: set[int] = set(
        conn.execute(
            update(outbox)
            # Due again: on PostgreSQL a row another writer claimed since this statement's
            # snapshot is locked, not skipped, and must not be taken twice.
            .where(outbox.c.id.in_([r.id for r in before]), _due(now))
            .values(**_taking(owner, now, lease_seconds))
            .returning(outbox.c.id)
        ).scalars()
    )
    return [
        OutboxRow(
            **{
                **r.__dict__,
                "attempts": r.attempts + 1,
                "lease_owner": owner,
                "claimed_at": now,
            }
        )
        for r in before
        if r.id in taken
    ]


def claim_following(
    conn: Connection,
    first: OutboxRow,
    *,
    owner: str,
    now: float,
    lease_seconds: float,
    kinds: Sequence[str],
    slots: Callable[[OutboxRow], int],
    max_slots: int,
) -> list[OutboxRow]:
    """Also take the rows that follow ``first`` (claimed by ``owner``) in its lane and can
    go in the same request: the next rows by id of the same proposal and plan version,
    planned and due, of ``kinds``, as long as their ``slots`` fit ``max_slots`` together with
    ``first``'s. The first row that does not qualify ends the run, so lane order holds.
    Returned like ``claim``'s rows (status before the claim, attempts + 1)."""
    if first.plan_version is None:
        return []
    stmt = (
        select(outbox)
        .where(
            outbox.c.tenant == first.tenant,
            outbox.c.lane == first.lane,
            outbox.c.id > first.id,
            outbox.c.status.in_(OPEN_STATUSES),
        )
        .order_by(outbox.c.id)
        .limit(max_slots)
    )
    if conn.dialect.name == "postgresql":
        stmt = stmt.with_for_update(of=outbox)
    taken: list[OutboxRow] = []
    used = slots(first)
    for row in (OutboxRow.from_row(r) for r in conn.execute(stmt)):
        fits = used + slots(row) <= max_slots
        same = row.proposal_id == first.proposal_id and row.plan_version == first.plan_version
        if not (fits and same and row.status == "planned" and row.next_attempt_at <= now):
            break
        if row.kind not in kinds:
            break
        used += slots(row)
        taken.append(row)
    if not taken:
        return []
    conn.execute(
        update(outbox)
        .where(outbox.c.id.in_([r.id for r in taken]))
        .values(**_taking(owner, now, lease_seconds))
    )
    return [
        OutboxRow(**{**r.__dict__, "attempts": r.attempts + 1, "lease_owner": owner}) for r in taken
    ]


def _taking(owner: str, now: float, lease_seconds: float) -> dict[str, Any]:
    """The columns a claim sets: in flight under ``owner``'s lease, one more attempt, and
    when its space was served (rows taken with a claimed one are served with it)."""
    return {
        "claimed_at": now,
        "status": "in_flight",
        "lease_owner": owner,
        "lease_until": now + lease_seconds,
        "attempts": outbox.c.attempts + 1,
        "updated_at": now,
    }


def _fenced(row_id: int, owner: str) -> Any:
    return and_(
        outbox.c.id == row_id, outbox.c.lease_owner == owner, outbox.c.status == "in_flight"
    )


def _fenced_update(conn: Connection, row_id: int, owner: str, **values: Any) -> None:
    result = conn.execute(update(outbox).where(_fenced(row_id, owner)).values(**values))
    if result.rowcount != 1:
        raise LeaseLost(f"outbox row {row_id} is no longer leased to {owner}")


def mark_sending(conn: Connection, row_id: int, *, owner: str, now: float) -> None:
    """Record that the irreversible part of the hand-over starts now."""
    _fenced_update(conn, row_id, owner, sending_at=now, updated_at=now)


def _finish(
    conn: Connection, row_id: int, owner: str, status: str, now: float, **values: Any
) -> None:
    """End a leased row's life in ``status`` (done, superseded or dead); releases the lease."""
    _fenced_update(
        conn,
        row_id,
        owner,
        status=status,
        done_at=now,
        updated_at=now,
        lease_owner=None,
        lease_until=None,
        **values,
    )


def mark_done(
    conn: Connection,
    row_id: int,
    *,
    owner: str,
    now: float,
    remote_id: str | None = None,
    outcome: str | None = None,
) -> None:
    _finish(conn, row_id, owner, "done", now, remote_id=remote_id, outcome=outcome, last_error=None)


def reschedule(
    conn: Connection,
    row_id: int,
    *,
    owner: str,
    now: float,
    at: float,
    error: str,
    applied_unknown: bool,
    undo_attempt: bool = False,
) -> None:
    """Try again at ``at``. ``applied_unknown``: the write may have happened, so the row
    stays ``in_flight`` (reconcile first); otherwise it goes back to ``planned``.
    ``undo_attempt``: the attempt never reached the other side (budget, open circuit)."""
    values: dict[str, Any] = dict(
        status="in_flight" if applied_unknown else "planned",
        next_attempt_at=at,
        last_error=error[:2000],
        updated_at=now,
        lease_owner=None,
        lease_until=None,
    )
    if not applied_unknown:
        values["sending_at"] = None
    if undo_attempt:
        values["attempts"] = outbox.c.attempts - 1
    _fenced_update(conn, row_id, owner, **values)


def mark_skipped(conn: Connection, row_id: int, *, owner: str, now: float, reason: str) -> None:
    """Not written on purpose (e.g. Decidim already shows a human answer)."""
    _finish(conn, row_id, owner, "superseded", now, outcome=reason[:200])


def mark_dead(conn: Connection, row_id: int, *, owner: str, now: float, error: str) -> None:
    _finish(conn, row_id, owner, "dead", now, last_error=error[:2000])


def extend_lease(conn: Connection, row_id: int, *, owner: str, until: float) -> None:
    _fenced_update(conn, row_id, owner, lease_until=until)


def leased_owners(conn: Connection, *, now: float) -> set[str]:
    """Owners holding a lease that has not lapsed yet."""
    stmt = (
        select(outbox.c.lease_owner)
        .where(outbox.c.status == "in_flight", outbox.c.lease_until >= now)
        .distinct()
    )
    return {r.lease_owner for r in conn.execute(stmt) if r.lease_owner}


def expire_leases(conn: Connection, *, owners: Iterable[str], now: float) -> int:
    """End the leases of owners known to be gone (a killed writer): their rows become
    claimable now, as after a lapsed lease, and are read back before anything is written."""
    names = sorted(set(owners))
    if not names:
        return 0
    result = conn.execute(
        update(outbox)
        .where(
            outbox.c.status == "in_flight",
            outbox.c.lease_owner.in_(names),
            outbox.c.lease_until >= now,
        )
        .values(lease_until=now - 0.001, updated_at=now)
    )
    return int(result.rowcount)


# --- approvals ------------------------------------------------------------------------------


def release_held(
    conn: Connection, *, tenant: str, proposal_id: str, plan_version: int, now: float
) -> int:
    """Approve: the held (and withheld) public writes of that plan version become planned."""
    result = conn.execute(
        update(outbox)
        .where(
            outbox.c.tenant == tenant,
            outbox.c.proposal_id == proposal_id,
            outbox.c.plan_version == plan_version,
            outbox.c.status.in_(("held", "withheld")),
        )
        .values(status="planned", next_attempt_at=now, updated_at=now, outcome=None)
    )
    return int(result.rowcount)


def withhold(
    conn: Connection, *, tenant: str, proposal_id: str, plan_version: int, now: float
) -> int:
    """Hold: keep the public writes of that version back (an approval can still follow)."""
    result = conn.execute(
        update(outbox)
        .where(
            outbox.c.tenant == tenant,
            outbox.c.proposal_id == proposal_id,
            outbox.c.plan_version == plan_version,
            outbox.c.status == "held",
        )
        .values(status="withheld", outcome="held back by the lead advisor", updated_at=now)
    )
    return int(result.rowcount)


def record_approval(
    conn: Connection,
    *,
    tenant: str,
    link_id: str,
    proposal_id: str,
    plan_version: int,
    decision: str,
    decided_by: str,
    now: float,
    released: int,
) -> bool:
    """Record one use of a link; False when that link was used before."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    stmt = (
        dialect.insert(approvals)
        .values(
            tenant=tenant,
            link_id=link_id,
            proposal_id=proposal_id,
            plan_version=plan_version,
            decision=decision,
            decided_by=decided_by,
            decided_at=now,
            released=released,
        )
        .on_conflict_do_nothing(index_elements=["tenant", "link_id"])
        .returning(approvals.c.id)
    )
    return conn.execute(stmt).scalar() is not None


def link_used(conn: Connection, *, tenant: str, link_id: str) -> Approval | None:
    row = conn.execute(
        select(approvals).where(approvals.c.tenant == tenant, approvals.c.link_id == link_id)
    ).first()
    return _approval(row) if row is not None else None


def decisions(
    conn: Connection, *, tenant: str, proposal_id: str, plan_version: int | None = None
) -> list[Approval]:
    stmt = select(approvals).where(
        approvals.c.tenant == tenant, approvals.c.proposal_id == proposal_id
    )
    if plan_version is not None:
        stmt = stmt.where(approvals.c.plan_version == plan_version)
    return [_approval(r) for r in conn.execute(stmt.order_by(approvals.c.id))]


def _approval(row: Row[Any]) -> Approval:
    values = dict(row._mapping)
    values.pop("id")
    return Approval(**values)


# --- operations -----------------------------------------------------------------------------


def retry(conn: Connection, *, now: float, ids: Sequence[int] = (), all_dead: bool = False) -> int:
    """Put dead rows (by id, or all) back to ``planned``; returns how many.

    A retried row that may have been applied keeps its ``sending_at`` cleared: the operator
    decided it did not arrive. Decidim writes reconcile anyway (attempts > 0 ⇒ read first).
    """
    if ids:
        require_ids(conn, outbox, ids)
        condition = and_(outbox.c.id.in_(list(ids)), outbox.c.status == "dead")
    elif all_dead:
        condition = outbox.c.status == "dead"
    else:
        return 0
    result = conn.execute(
        update(outbox)
        .where(condition)
        .values(
            status="in_flight",
            next_attempt_at=now,
            updated_at=now,
            done_at=None,
            sending_at=None,
            lease_owner=None,
            lease_until=None,
        )
    )
    return int(result.rowcount)


def get(conn: Connection, row_id: int) -> OutboxRow:
    return OutboxRow.from_row(fetch_by_id(conn, outbox, row_id))


def list_rows(
    conn: Connection,
    *,
    status: str | None = None,
    tenant: str | None = None,
    proposal_id: str | None = None,
    limit: int = 50,
) -> list[OutboxRow]:
    rows = newest_rows(
        conn, outbox, limit=limit, status=status, tenant=tenant, proposal_id=proposal_id
    )
    return [OutboxRow.from_row(r) for r in rows]


def counts(conn: Connection) -> dict[str, int]:
    """Rows per status (every status present, zero when none)."""
    return count_by_status(conn, outbox, STATUSES)


def has_due(conn: Connection, *, now: float, lane_prefix: str, horizon: float = 0.0) -> bool:
    """Whether a row of the lanes starting with ``lane_prefix`` is being executed or is due
    by ``now + horizon`` (a write waiting for the next window of the request budget is due
    then); rows held for approval or waiting longer (backoff) do not count."""
    found = conn.execute(
        select(outbox.c.id)
        .where(
            outbox.c.lane.startswith(lane_prefix, autoescape=True),
            outbox.c.status.in_(("planned", "in_flight")),
            outbox.c.next_attempt_at <= now + horizon,
        )
        .limit(1)
    ).first()
    return found is not None


def next_due(conn: Connection) -> float | None:
    """When the next planned or in-flight row becomes due (for the writer's sleep)."""
    return conn.execute(
        select(func.min(outbox.c.next_attempt_at)).where(outbox.c.status.in_(OPEN_STATUSES))
    ).scalar()
