"""From what a person did in Decidim's admin to the support plan (the worker's handler for
the decidim-bridge Decidim module's events, ``webhooks/decidim/API.md``).

Advisors steer the plan from Decidim: a private note with commands, evaluators re-assigned,
an internal answer saved. Each is turned into the proposal's ``Steering`` (what people
decided, ``plan.steering``) and the proposal is planned again with it, in one transaction
that also keeps the steering with the proposal's head row, records the writes of a new
version and the reply to a note, and finishes the inbox row:

- **note** — commands by an advisor or admin change the steering; the bridge replies with
  a private note (what it did, or the valid forms). A note without a command is left
  alone; a command by anyone else only gets the refusal as a reply.
- **evaluators assigned / taken off** — kept as the person's choice (the bridge never
  undoes it); the lead follows Decidim when the lead was re-assigned to another advisor
  (``plan.steering_events.lead_from_evaluators``, which reads every evaluator of the
  proposal now: the module's ``proposalAdmin`` read).
- **answer saved** — an internal answer by a person is first contact with the initiators;
  a published one changes the proposal's state, which the new plan follows.

What the bridge's own API user did (its note, assignment or answer, reported back) is
never a person's choice and needs nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from decidim_bridge import pipeline, plan_versions
from decidim_bridge.events import Event
from decidim_bridge.intake.admin_actions import (
    ANSWER_SAVED,
    EVALUATORS_ASSIGNED,
    EVALUATORS_UNASSIGNED,
    NOTE_CREATED,
    AdminAction,
    admin_action,
)
from decidim_bridge.plan.model import Plan
from decidim_bridge.plan.note_commands import parse_note
from decidim_bridge.plan.steering import Steering, steering_from_json, steering_to_json
from decidim_bridge.plan.steering_events import (
    contact_from_answer,
    lead_from_evaluators,
    record_evaluators,
    steer_by_note,
)
from decidim_bridge.rules.model import Mappings
from decidim_bridge.store import plans as plans_store
from decidim_bridge.work import WorkContext
from decidim_bridge.writeback.hook import prepare_writeback


@dataclass(frozen=True)
class Steered:
    """An admin action applied to the steering: the new steering, the reply note to write
    (None: none) and a short account for the inbox row's outcome."""

    steering: Steering
    reply: str | None
    account: str


def steer(
    action: AdminAction,
    steering: Steering,
    plan: Plan,
    mappings: Mappings,
    evaluators_now: Sequence[dict[str, Any]] | None,
    now: float,
) -> Steered:
    """What ``action`` means for the steering (pure). ``evaluators_now``: every evaluator
    of the proposal after the action, when Decidim could be asked (else the lead stays)."""
    if action.type == NOTE_CREATED:
        outcome = steer_by_note(steering, action.body or "", action.actor, plan, mappings, now)
        if outcome is None:
            return Steered(steering, None, "no command")
        if outcome.refused:
            return Steered(steering, outcome.reply, "commands refused: not an advisor or admin")
        done = sum(1 for r in outcome.results if r.ok)
        return Steered(
            outcome.steering,
            outcome.reply,
            f"{done} of {len(outcome.results)} command(s) applied",
        )
    if action.type in (EVALUATORS_ASSIGNED, EVALUATORS_UNASSIGNED):
        assigned = action.type == EVALUATORS_ASSIGNED
        after = record_evaluators(
            steering, action.evaluators, assigned=assigned, actor=action.actor, now=now
        )
        if evaluators_now is not None:
            after = lead_from_evaluators(after, plan, evaluators_now, action.actor, mappings, now)
        names = ", ".join(str(e.get("nickname") or e.get("id")) for e in action.evaluators)
        verb = "assigned" if assigned else "taken off"
        return Steered(after, None, f"evaluators {verb}: {names}")
    if action.type == ANSWER_SAVED:
        after = contact_from_answer(steering, bool(action.published), action.actor, mappings, now)
        kind = "published" if action.published else "internal"
        return Steered(after, None, f"{kind} answer saved")
    raise ValueError(f"{action.type} is not an admin action")


def handle_admin_event(event: Event, ctx: WorkContext) -> str:
    """Steer the plan with one admin event; returns the outcome recorded on the inbox row."""
    mappings = pipeline.mappings_of(ctx)
    decision = pipeline.scope_of(event, mappings)
    if decision.in_scope is False:
        return pipeline.finish_ignored(ctx, decision.reason, "out_of_scope")
    action = admin_action(event)
    if action.by_the_bridge:
        return pipeline.finish_ignored(ctx, "the bridge's own change, reported back", "own_write")
    if action.type == NOTE_CREATED and not parse_note(action.body or "", mappings):
        # Before reading anything: ordinary notes (and the bridge's own) are most notes.
        return pipeline.finish_ignored(ctx, "a note without commands", "no_command")
    tenant, proposal_id = ctx.row.tenant, str(event.proposal_id or event.resource_id)
    with ctx.db.read() as conn:
        planned = plan_versions.current_version(conn, tenant, proposal_id)
    if planned is None:
        return pipeline.finish_ignored(ctx, "no support plan for this proposal", "not_planned")
    evaluators_now = None
    if action.type in (EVALUATORS_ASSIGNED, EVALUATORS_UNASSIGNED):
        evaluators_now = _evaluators_now(ctx, proposal_id)
    proposal = pipeline.fetch_proposal(event, ctx, mappings)
    if proposal is None:
        return pipeline.finish_ignored(ctx, "proposal not found in Decidim", "not_found")
    decision = mappings.scope.decide_on_proposal(proposal)
    if not decision.in_scope:
        return pipeline.finish_ignored(ctx, decision.reason, "out_of_scope")
    pipeline.release_expired_holds(ctx.db, tenant, ctx.clock())
    writeback = prepare_writeback(
        ctx.settings, mappings, decidim=getattr(ctx.services, "decidim", None), now=ctx.clock()
    )
    now = ctx.clock()
    with ctx.db.begin() as conn:
        head = plans_store.lock_head(conn, tenant, proposal_id, now)
        steering = steering_from_json(head.steering)
        # The plan as it is now: an event handled meanwhile may have made a new version.
        if head.version != planned.version:
            planned = plan_versions.current_version(conn, tenant, proposal_id) or planned
        plan = planned.plan
        steered = steer(action, steering, plan, mappings, evaluators_now, now)
        if steered.steering != steering:
            plans_store.set_steering(conn, head, steering_to_json(steered.steering), now)
        stored = pipeline.store_support_plan(
            conn,
            tenant=tenant,
            proposal=proposal,
            mappings=mappings,
            now=now,
            space_key=decision.space_key,
            event=event,
            services=ctx.services,
            writeback=writeback,
            current=planned,  # its plan is not parsed again
        )
        if steered.reply is not None and action.note_id is not None:
            writeback.record_reply(
                conn,
                tenant=tenant,
                proposal_id=proposal_id,
                component_id=plan.component_id,
                note_id=action.note_id,
                body=steered.reply,
                now=now,
                proposal=proposal,
            )
        outcome = f"{steered.account}; {pipeline.outcome_of(stored)}"[: pipeline.OUTCOME_LENGTH]
        ctx.finish(conn, outcome)
    pipeline.PLANS.labels(result="created" if stored.created else "unchanged").inc()
    return outcome


def _evaluators_now(ctx: WorkContext, proposal_id: str) -> list[dict[str, Any]] | None:
    """Every evaluator of the proposal, read through the module; None without it."""
    client = getattr(ctx.services, "decidim", None)
    if client is None or not client.capabilities().can_assign_evaluators:
        return None
    found = client.proposal_admin(proposal_id)
    return [{"id": u.id, "nickname": u.nickname, "name": u.name} for u in found.evaluators]
