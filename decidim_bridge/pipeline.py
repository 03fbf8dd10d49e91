"""From a proposal event to a stored support plan (the worker's main handler).

1. Scope: events from spaces/components that ``mappings/scope.yaml`` does not list are
   finished as ``ignored`` with the reason, and counted; they are never planned.
2. Fewer reads (Decidim allows about 100 API requests a minute): a state event that is
   the echo of the bridge's own answer is finished without a read (``own_events``), and
   when the proposal is read from Decidim, the proposal events of the same proposal
   queued after this one are covered by its one read (their events happened before the
   read, which therefore shows them) and finished in its transaction; a proposal event
   followed by a person's admin event that reads anyway leaves the read to it
   (``read_plan``); a poller event carries the proposal as its sweep read it, which is
   planned from when no plan was stored since (``swept``). The worker claims up to a
   page (50) of events of different proposals and ``prefetch_proposals`` reads their
   proposals ahead, ``MAX_BATCH`` per request by id, a burst of publications of one
   component by page (``page_read``); a read made ahead covers only events received
   before it started.
3. The proposal: fetched from Decidim (``services.decidim.fetch_proposal``) when a client
   is configured, else read from the event (``extra.proposal``, the shape documented in
   ``intake.proposal_json``); with neither the event is retried later.
4. Lapsed holds of the organization are released (each in its own small transaction).
5. ``store_support_plan``, in one transaction with finishing the inbox row: whether the
   answer Decidim shows is the bridge's own is read from the outbox (the engine does not
   count it as the municipality's response, so the bridge's own write never makes a new
   version); ``save_plan`` locks the proposal's head row, reads the planning state from
   the store, runs the pure engine (``build_plan``) and hands the plan to the store
   (holds, load, version); then the write-back records the writes the new version implies
   in the outbox (``writeback.hook``; what Decidim can write is asked before the
   transaction opens).

This module is the one place that runs the engine for the bridge: the store only reads
and writes rows (``plan_versions`` converts), and a plan that lost a unit of stock or an
advisor's last place to a concurrent worker is planned again here. ``preview_plan`` is
the engine without the store, for ``plan try`` and the checks of example proposals.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from prometheus_client import Counter
from sqlalchemy.engine import Connection

from decidim_bridge.config import Settings
from decidim_bridge.decidim.limits import MAX_BATCH
from decidim_bridge.errors import (
    BridgeError,
    DecidimUnavailable,
    NotFound,
    SchemaViolation,
    StoreUnavailable,
)
from decidim_bridge.events import Event
from decidim_bridge.handlers import PROPOSAL_EVENT_TYPES, PUBLICATION_EVENT_TYPES
from decidim_bridge.intake.admin_actions import (
    ANSWER_SAVED,
    EVALUATORS_ASSIGNED,
    EVALUATORS_UNASSIGNED,
    admin_action,
)
from decidim_bridge.intake.delivery import parse_stored
from decidim_bridge.intake.proposal_json import proposal_from_json
from decidim_bridge.own_events import own_state_event
from decidim_bridge.page_read import (
    PageWalk,
    after_page,
    as_utc,
    first_moment_of,
    left_by_id,
    page_request,
    start_walk,
)
from decidim_bridge.plan import Plan, build_plan
from decidim_bridge.plan.existing import QUIET_UNLESS_NEW, WRITE
from decidim_bridge.plan_versions import (
    PlanVersion,
    StoredPlan,
    planning_state,
    published_day,
    record_plan,
    wanted_holds,
)
from decidim_bridge.proposals import Proposal
from decidim_bridge.rules.loader import load as load_mappings
from decidim_bridge.rules.model import Mappings, ScopeDecision
from decidim_bridge.sources import POLLER_SOURCE
from decidim_bridge.store import Database
from decidim_bridge.store import inbox as inbox_store
from decidim_bridge.store import plans as plans_store
from decidim_bridge.store.inbox import InboxRow
from decidim_bridge.work import Prefetched, WorkContext
from decidim_bridge.writeback.hook import WriteBack, prepare_writeback
from decidim_bridge.writeback.ledger import own_answer_shown

log = logging.getLogger(__name__)

PLANS = Counter(
    "bridge_plans",
    "Proposal events handled by the plan pipeline, by result.",
    ["result"],  # created | unchanged | out_of_scope | not_found | own_write
)
READS_SAVED = Counter(
    "bridge_proposal_reads_saved",
    "Proposal events finished without their own read of Decidim, by reason.",
    ["reason"],  # own_write | covered
)
HOLDS_EXPIRED = Counter("bridge_holds_expired", "Holds released because they lapsed.")

#: How often a plan is recomputed when another worker took what it wanted meanwhile.
MAX_ATTEMPTS = 5

OUTCOME_LENGTH = 200


def handle_proposal_event(event: Event, ctx: WorkContext) -> str:
    """Plan one proposal event; returns the outcome recorded on the inbox row."""
    mappings = mappings_of(ctx)
    decision = scope_of(event, mappings)
    if decision.in_scope is False:
        return finish_ignored(ctx, decision.reason, "out_of_scope")
    ahead = ctx.prefetched.get(_proposal_id(event))
    with ctx.db.read() as conn:
        if ahead is None and ctx.settings.read_economy:
            ahead = swept(conn, event, ctx.row)
            if ahead is not None:
                ctx.prefetched[_proposal_id(event)] = ahead
        own, covered, later = read_plan(
            conn,
            event,
            ctx.row,
            ctx.settings,
            services=ctx.services,
            read_at=ahead.read_at if ahead is not None else None,
        )
    if own:
        READS_SAVED.labels(reason="own_write").inc()
        reason = "the state the bridge's own answer set, reported back"
        return finish_ignored(ctx, reason, "own_write")
    if later is not None:
        # A person's admin event queued right behind reads the proposal anyway, later.
        outcome = f"covered by the read for inbox row {later.id}"
        with ctx.db.begin() as conn:
            ctx.finish(conn, outcome)
            finish_covered(ctx, conn, covered, by=later.id)
        READS_SAVED.labels(reason="covered").inc()
        return outcome
    # Read after listing the queued events: the read shows what each of them reported.
    proposal = fetch_proposal(event, ctx, mappings)
    if proposal is None:
        return finish_ignored(ctx, "proposal not found in Decidim", "not_found", covered)
    decision = mappings.scope.decide_on_proposal(proposal)
    if not decision.in_scope:
        return finish_ignored(ctx, decision.reason, "out_of_scope", covered)
    tenant = ctx.row.tenant
    release_expired_holds(ctx.db, tenant, ctx.clock())
    writeback = prepare_writeback(
        ctx.settings, mappings, decidim=getattr(ctx.services, "decidim", None), now=ctx.clock()
    )
    with ctx.db.begin() as conn:
        stored = store_support_plan(
            conn,
            tenant=tenant,
            proposal=proposal,
            mappings=mappings,
            now=ctx.clock(),
            space_key=decision.space_key,
            event=event,
            services=ctx.services,
            writeback=writeback,
        )
        outcome = outcome_of(stored)
        ctx.finish(conn, outcome)
        finish_covered(ctx, conn, covered)
    PLANS.labels(result="created" if stored.created else "unchanged").inc()
    return outcome


def store_support_plan(
    conn: Connection,
    *,
    tenant: str,
    proposal: Proposal,
    mappings: Mappings,
    now: float,
    space_key: str | None,
    event: Event | None = None,
    services: Any = None,
    writeback: WriteBack | None = None,
    current: PlanVersion | None = None,
) -> StoredPlan:
    """The store step: plan version, holds, advisor load and the version's writes, in the
    caller's transaction. Everything that must commit together with a plan version
    belongs here. ``current``: the proposal's version as the caller read it (``save_plan``)."""
    stored = save_plan(
        conn,
        tenant=tenant,
        proposal=proposal,
        mappings=mappings,
        now=now,
        space_key=space_key,
        event_type=event.type if event is not None else None,
        answered_by_bridge=own_answer_shown(conn, tenant=tenant, proposal=proposal),
        existing=existing_of(event),
        current=current,
    )
    if writeback is not None:
        writeback.record(
            conn, stored, tenant=tenant, proposal=proposal, now=now, steering=stored.steering
        )
    return stored


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
    existing: str | None = None,
    current: PlanVersion | None = None,
) -> StoredPlan:
    """Plan ``proposal`` and store the result in the caller's transaction.

    The proposal's head row stays locked until the transaction ends, so one proposal is
    planned by one worker at a time. Other proposals compete for the same stock and
    advisors: when a conditional update finds that another transaction took what this
    plan wants, the attempt is rolled back to its savepoint and planned again with fresh
    state (at most ``MAX_ATTEMPTS`` times). ``answered_by_bridge``: the answer Decidim
    shows is the bridge's own, which the plan does not count as the municipality's
    response (see ``PlanningState``). ``existing``: the event reports a proposal that
    existed before the bridge saw it (``plan.existing``). ``current``: the proposal's
    version as the caller read it, not parsed again while it is the head's version
    (``plan_versions.planning_state``).
    """
    proposal_id = str(proposal.id)
    sync_reference_rows(conn, tenant, mappings)
    head = plans_store.lock_head(conn, tenant, proposal_id, now)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        try:
            with conn.begin_nested():
                state, own = planning_state(
                    conn, head, answered_by_bridge=answered_by_bridge, now=now, current=current
                )
                if existing is not None:
                    state = replace(state, existing=existing)
                plan = build_plan(proposal, mappings, now, state, space_key=space_key)
                plans_store.apply_holds(conn, tenant, proposal_id, wanted_holds(plan), own, now)
                _move_load(conn, head, plan, mappings)
        except plans_store.Conflict:
            continue
        return record_plan(
            conn,
            head,
            plan,
            state.previous,
            event_type=event_type,
            now=now,
            attempts=attempt,
            steering=state.steering,
        )
    raise StoreUnavailable(
        f"proposal {proposal_id}: stock or advisors kept changing during {MAX_ATTEMPTS} attempts"
    )


def preview_plan(
    proposal: Proposal, mappings: Mappings, now: float, *, space_key: str | None = None
) -> Plan:
    """The plan without the store: everything free, nobody busy, no earlier version
    (``plan try``, and the checks that plan the example proposals)."""
    return build_plan(proposal, mappings, now, space_key=space_key)


def sync_reference_rows(conn: Connection, tenant: str, mappings: Mappings) -> None:
    """Stock and advisor-load rows follow the rule files (created, capacities updated)."""
    capacities = {("resource", r.id): r.quantity for r in mappings.resources}
    capacities.update({("budget", b.id): b.total_cents for b in mappings.budgets})
    advisor_ids = [a.id for a in mappings.advisors.advisors]
    plans_store.sync_reference_rows(conn, tenant, capacities, advisor_ids)


def _move_load(conn: Connection, head: plans_store.Head, plan: Plan, mappings: Mappings) -> None:
    """The lead's open-initiative count follows the plan; an advisor takes at most their
    capacity, the coordinator (fallback) whatever nobody else can."""
    assignment = plan.assignment
    lead = assignment.lead.advisor_id if assignment.counts_load else None
    advisor = mappings.advisor(lead) if lead is not None else None
    capacity = None if assignment.fallback or advisor is None else advisor.capacity
    plans_store.move_load(conn, head, lead, capacity=capacity)


def read_plan(
    conn: Connection,
    event: Event,
    row: InboxRow,
    settings: Settings,
    *,
    services: Any,
    read_at: float | None = None,
) -> tuple[bool, list[int], InboxRow | None]:
    """Which read a proposal event needs: (the echo of the bridge's own answer: none; the
    queued rows of the proposal its read covers; the later admin event whose read covers
    it). ``read_at``: when a read made ahead started (it covers only rows received before)."""
    if not settings.read_economy:
        return False, [], None
    if own_state_event(conn, event, row):
        return True, [], None
    if getattr(services, "decidim", None) is None:
        # Without a client the proposal is each event's own payload: nothing is covered.
        return False, [], None
    covered = inbox_store.queued_after(conn, row, PROPOSAL_EVENT_TYPES, received_before=read_at)
    return False, covered, _read_later(conn, row, covered)


def prefetch_proposals(
    rows: Sequence[InboxRow],
    db: Database,
    settings: Settings,
    services: Any,
    clock: Callable[[], float],
) -> dict[str, Prefetched]:
    """Read ahead the proposals of rows claimed together that will need a read (proposal
    events, and a person's answer or evaluator change of a planned proposal: in a bulk
    publication of answers those are most of the reads), up to ``MAX_BATCH`` of one
    component per request (a proposal alone is left to its handler: the same one request).
    When more than ``MAX_BATCH`` of one component are wanted for their publication, they
    are first looked for on a page of the component's newest publications
    (``page_read``; for a person's answer, the day its plan says it was published); only
    those not on it are read by id."""
    client = getattr(services, "decidim", None)
    if client is None or not settings.read_economy or not hasattr(client, "fetch_proposals"):
        return {}
    mappings = getattr(services, "mappings", None)
    if mappings is None:
        mappings = load_mappings(settings.mappings_dir)
        services.mappings = mappings
    wanted: dict[str, list[str]] = {}
    published: dict[str, list[tuple[str, datetime]]] = {}
    found: dict[str, Prefetched] = {}
    for row in rows:
        if (
            row.event_type not in PROPOSAL_EVENT_TYPES
            and row.event_type not in _READING_ADMIN_EVENTS
        ):
            continue
        event = parse_stored(row.source, row.body, tenant=row.tenant)
        decision = scope_of(event, mappings)
        if decision.in_scope is False:
            continue
        moment: datetime | None = None
        with db.read() as conn:
            snapshot = swept(conn, event, row)
            if snapshot is not None:  # planned from the proposal its sweep read
                found[_proposal_id(event)] = snapshot
                continue
            if row.event_type in _READING_ADMIN_EVENTS:
                needs_read = _admin_event_reads(conn, event, row)
                day = published_day(conn, row.tenant, _proposal_id(event)) if needs_read else None
                moment = first_moment_of(day) if day is not None else None
            else:
                own, _, later = read_plan(conn, event, row, settings, services=services)
                needs_read = not own and later is None
                if row.event_type in PUBLICATION_EVENT_TYPES and event.occurred_at is not None:
                    moment = as_utc(event.occurred_at)
        component_id = _component_of(event, mappings)
        if not needs_read or component_id is None:
            continue
        wanted.setdefault(component_id, []).append(_proposal_id(event))
        if moment is not None:
            published.setdefault(component_id, []).append((_proposal_id(event), moment))
    for component_id, ids in wanted.items():
        unique = list(dict.fromkeys(ids))
        publications = published.get(component_id, [])
        if len({pid for pid, _ in publications}) > MAX_BATCH and hasattr(
            client, "fetch_proposals_page"
        ):
            earliest = min(moment for _, moment in publications)
            on_page = read_by_page(client, component_id, unique, earliest, clock)
            found.update(on_page)
            unique = left_by_id(unique, on_page)
        for start in range(0, len(unique), MAX_BATCH):
            chunk = unique[start : start + MAX_BATCH]
            if len(chunk) < 2:
                continue
            read_at = clock()
            proposals = client.fetch_proposals(chunk, component_id)
            found.update({pid: Prefetched(proposals.get(pid), read_at) for pid in chunk})
    return found


def read_by_page(
    client: Any,
    component_id: str,
    wanted: Sequence[str],
    earliest: datetime,
    clock: Callable[[], float],
) -> dict[str, Prefetched]:
    """The ``wanted`` proposals found on the newest pages of the component's proposals
    published since ``earliest``, each read at the start of the first page's request:
    the pages ``page_read`` decides on, read from Decidim one request each."""
    read_at = clock()
    found: dict[str, Prefetched] = {}
    walk: PageWalk | None = start_walk(wanted, earliest)
    while walk is not None:
        page = client.fetch_proposals_page(component_id, **page_request(walk))
        on_page, walk = after_page(walk, page)
        found.update({pid: Prefetched(proposal, read_at) for pid, proposal in on_page.items()})
    return found


def swept(conn: Connection, event: Event, row: InboxRow) -> Prefetched | None:
    """The proposal as the poller's sweep read it (``extra.proposal`` of a poller event,
    read when the row was received), when no plan of it was stored since: then it is the
    newest the bridge has, and planning from it needs no read. Else None (it is read)."""
    if row.source != POLLER_SOURCE or not isinstance(event.extra, dict):
        return None
    payload = event.extra.get("proposal")
    if payload is None:
        return None
    stored = plans_store.planned_at(conn, row.tenant, _proposal_id(event))
    if stored is not None and stored >= row.received_at:
        return None  # planned from a read that may be newer than the sweep's
    try:
        return Prefetched(proposal_from_json(payload), row.received_at)
    except SchemaViolation:
        return None  # read it from Decidim instead


def _proposal_id(event: Event) -> str:
    return str(event.proposal_id or event.resource_id)


def _component_of(event: Event, mappings: Mappings) -> str | None:
    payload = event.extra.get("proposal") if isinstance(event.extra, dict) else None
    component = event.component_id or _component_from(payload) or _only_component(mappings)
    return str(component) if component is not None else None


def fetch_proposal(event: Event, ctx: WorkContext, mappings: Mappings) -> Proposal | None:
    """The proposal the event is about: read ahead with others, else from Decidim, else
    from the event's payload."""
    ahead = ctx.prefetched.get(_proposal_id(event))
    if ahead is not None:
        read: Proposal | None = ahead.proposal
        return read
    client = getattr(ctx.services, "decidim", None)
    payload = event.extra.get("proposal") if isinstance(event.extra, dict) else None
    proposal_id = event.proposal_id or event.resource_id
    if client is not None:
        component_id = _component_of(event, mappings)
        if component_id is None:
            raise SchemaViolation(
                f"proposal {proposal_id}: the event names no component to read it from"
            )
        try:
            proposal: Proposal | None = client.fetch_proposal(proposal_id, component_id)
        except NotFound:
            return None
        return proposal
    if payload is not None:
        return proposal_from_json(payload)
    raise DecidimUnavailable(
        f"proposal {proposal_id}: no Decidim client is configured and the event carries no "
        "proposal (extra.proposal); retrying later"
    )


def release_expired_holds(db: Database, tenant: str, now: float, limit: int = 100) -> int:
    """Release lapsed holds one by one, so a long list never blocks planning."""
    with db.read() as conn:
        ids = plans_store.expired_hold_ids(conn, tenant, now, limit)
    released = 0
    for hold_id in ids:
        with db.begin() as conn:
            if plans_store.expire_hold(conn, hold_id, now):
                released += 1
    if released:
        HOLDS_EXPIRED.inc(released)
        log.info("lapsed holds released", extra={"tenant": tenant, "count": released})
    return released


def scope_of(event: Event, mappings: Mappings) -> ScopeDecision:
    """Whether the space and component an event names are in scope (``scope.yaml``)."""
    return mappings.scope.decide(
        space_type=event.space_type,
        space_id=event.space_id,
        space_slug=event.space_slug,
        component_id=event.component_id,
    )


def existing_of(event: Event | None) -> str | None:
    """``write``/``existing`` when the poller or backfill reports a proposal that existed
    before the bridge saw it (``extra.existing``, ``extra.write_existing``), else None."""
    extra = event.extra if event is not None and isinstance(event.extra, dict) else {}
    if not extra.get("existing"):
        return None
    return WRITE if extra.get("write_existing") else QUIET_UNLESS_NEW


def mappings_of(ctx: WorkContext) -> Mappings:
    """The rules the worker plans with (loaded once per worker, kept on its services)."""
    services = ctx.services
    mappings = getattr(services, "mappings", None)
    if mappings is None:
        mappings = load_mappings(ctx.settings.mappings_dir)
        if services is not None:
            services.mappings = mappings
    return mappings


#: Admin events whose handler always reads the proposal, unless the bridge caused them.
_READING_ADMIN_EVENTS = (ANSWER_SAVED, EVALUATORS_ASSIGNED, EVALUATORS_UNASSIGNED)


def _admin_event_reads(conn: Connection, event: Event, row: InboxRow) -> bool:
    """Whether the handler of an admin event (a person's answer or evaluator change) will
    read the proposal: not for the bridge's own change, nor for an unplanned proposal."""
    try:
        if admin_action(event).by_the_bridge:
            return False
    except BridgeError:
        return False  # its handler records what is wrong with it
    return plans_store.is_planned(conn, row.tenant, _proposal_id(event))


def _read_later(conn: Connection, row: InboxRow, covered: Sequence[int]) -> InboxRow | None:
    """The admin event queued right after ``row`` and the proposal events it covers, when
    its handler will read the proposal anyway (a person saved an answer or changed the
    evaluators of a planned proposal): then this row needs no read of its own. Decidim
    sends ``proposal_state_changed`` and the module's ``proposal_answer_saved`` together
    for every answer an admin publishes."""
    following = inbox_store.next_pending(conn, row, covered[-1] if covered else row.id)
    if following is None or following.event_type not in _READING_ADMIN_EVENTS:
        return None
    if following.attempts > 0:
        return None  # it failed before and may fail again: this row reads for itself
    try:
        event = parse_stored(following.source, following.body, tenant=following.tenant)
    except BridgeError:
        return None  # its handler records what is wrong with it; this row reads itself
    return following if _admin_event_reads(conn, event, following) else None


def _component_from(payload: Any) -> str | None:
    if isinstance(payload, dict) and payload.get("component_id") is not None:
        return str(payload["component_id"])
    return None


def _only_component(mappings: Mappings) -> str | None:
    components = {c for rule in mappings.scope.act_on for c in rule.components}
    return next(iter(components)) if len(components) == 1 else None


def finish_ignored(ctx: WorkContext, reason: str, result: str, covered: Sequence[int] = ()) -> str:
    """Finish the inbox row as ``ignored`` with the reason (and the queued rows its read
    covered), and count it."""
    outcome = f"ignored: {reason}"[:OUTCOME_LENGTH]
    with ctx.db.begin() as conn:
        ctx.finish(conn, outcome, status="ignored")
        finish_covered(ctx, conn, covered)
    PLANS.labels(result=result).inc()
    return outcome


def finish_covered(
    ctx: WorkContext, conn: Connection, covered: Sequence[int], *, by: int | None = None
) -> None:
    """Finish the queued rows the read of row ``by`` (default: the handled row) covers
    (after ``ctx.finish``, in its transaction: a lost lease rolls both back)."""
    if not covered:
        return
    outcome = f"covered by the read for inbox row {by if by is not None else ctx.row.id}"
    count = inbox_store.finish_covered(conn, covered, now=ctx.clock(), outcome=outcome)
    if count:
        READS_SAVED.labels(reason="covered").inc(count)


def outcome_of(stored: StoredPlan) -> str:
    """The inbox row's outcome for a stored (or unchanged) plan."""
    plan = stored.plan
    if not stored.created:
        text = f"unchanged: plan version {stored.version}"
    else:
        text = (
            f"planned: version {stored.version}, {plan.stage}, lead "
            f"{plan.assignment.lead.advisor_id}, {len(stored.changes)} change(s)"
        )
    return text[:OUTCOME_LENGTH]
