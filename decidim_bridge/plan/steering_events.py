"""Steering from Decidim's admin actions: notes, evaluators and internal answers.

``steer_by_note`` is the whole handling of a private note (``note_commands`` parses and
applies, ``note_reply`` words the reply). The Decidim module (``webhooks/decidim/API.md``)
reports evaluator (un)assignments and saved answers with the person who did it. Actions of
the bridge's own API user are never steering. What they mean for the plan:

- **Evaluators** — a person re-assigns the initiative: the plan's lead is no longer among
  the evaluators and exactly one other advisor (not a co-advisor of the plan) is. That
  advisor becomes the lead. Adding a colleague next to the lead changes nothing; taking
  the lead off before the new one is added waits for the addition (a co-advisor who stays
  is not promoted by that). ``trekker @nickname`` in a note is the direct way.
  Every change a person makes is also kept (``record_evaluators``): the bridge never
  assigns someone a person took off, nor takes off someone a person assigned.
- **Internal answer** — a person saving an answer residents do not see yet (``published:
  false``) has been in touch: first contact is recorded on that day, unless an earlier one
  was. A published answer needs nothing here: the engine sees it on the proposal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from decidim_bridge.plan.calendar import calendar_for
from decidim_bridge.plan.model import Plan
from decidim_bridge.plan.note_commands import (
    CommandResult,
    actor_label,
    apply_commands,
    is_bridge,
    is_bridge_note,
    may_steer,
    parse_note,
)
from decidim_bridge.plan.note_reply import render_refusal, render_reply, reply_locale
from decidim_bridge.plan.steering import (
    FROM_ANSWER,
    FROM_EVALUATORS,
    EvaluatorChoice,
    FirstContact,
    LeadChoice,
    Steering,
)
from decidim_bridge.rules.model import Mappings


@dataclass(frozen=True)
class NoteOutcome:
    """What a note with commands did: the new steering, per command what happened, and the
    reply note to write (``refused``: the author may not steer; nothing was applied)."""

    steering: Steering
    results: tuple[CommandResult, ...]
    refused: bool
    reply: str
    locale: str


def steer_by_note(
    steering: Steering,
    body: str,
    actor: Mapping[str, Any] | None,
    plan: Plan,
    mappings: Mappings,
    now: float,
) -> NoteOutcome | None:
    """A private note (``decidim.bridge.proposal_note_created``) applied to the steering.

    None: no command in it, or the bridge's own note (API-user author or ``MARKER``); the
    note is left alone and no reply is written.
    """
    if is_bridge(actor) or is_bridge_note(body):
        return None
    commands = parse_note(body, mappings)
    if not commands:
        return None
    locale = reply_locale(commands, mappings)
    if not may_steer(actor, mappings):
        return NoteOutcome(steering, (), True, render_refusal(mappings, locale), locale)
    after, results = apply_commands(steering, commands, plan, mappings, actor, now)
    return NoteOutcome(after, results, False, render_reply(results, mappings, locale), locale)


def record_evaluators(
    steering: Steering,
    changed: Iterable[Mapping[str, Any]],
    *,
    assigned: bool,
    actor: Mapping[str, Any] | None,
    now: float,
) -> Steering:
    """The steering after a person assigned (or took off) ``changed`` evaluators
    (``{"id", "nickname", "name"}``, as in the module's events). The bridge's own changes
    (its API user) and changes nobody is recorded for are not a person's choice."""
    if actor is None or is_bridge(actor):
        return steering
    for user in changed:
        nickname = str(user.get("nickname") or "").lstrip("@")
        if nickname:
            steering = steering.with_evaluator(
                EvaluatorChoice(nickname, assigned, actor_label(actor), now)
            )
    return steering


def lead_from_evaluators(
    steering: Steering,
    plan: Plan,
    evaluators: Iterable[Mapping[str, Any]],
    actor: Mapping[str, Any] | None,
    mappings: Mappings,
    now: float,
) -> Steering:
    """The steering after a person changed the evaluators; ``evaluators`` are all of them
    now (``proposalAdmin.evaluators``: ``{"id", "nickname", "name"}``)."""
    if actor is None or is_bridge(actor):
        return steering
    advisors = []
    for evaluator in evaluators:
        advisor = mappings.advisor_by_nickname(evaluator.get("nickname"))
        if advisor is not None and advisor.id not in advisors:
            advisors.append(advisor.id)
    lead = plan.assignment.lead.advisor_id
    if lead in advisors:
        return steering
    co_advisors = {role.advisor_id for role in plan.assignment.co_advisors}
    newcomers = [a for a in advisors if a not in co_advisors]
    if len(newcomers) != 1:
        return steering
    return steering.with_lead(LeadChoice(newcomers[0], actor_label(actor), now, FROM_EVALUATORS))


def contact_from_answer(
    steering: Steering,
    published: bool,
    actor: Mapping[str, Any] | None,
    mappings: Mappings,
    now: float,
) -> Steering:
    """The steering after an answer was saved (``decidim.bridge.proposal_answer_saved``)."""
    if published or actor is None or is_bridge(actor):
        return steering
    day = calendar_for(mappings).local_date(now).isoformat()
    return steering.with_first_contact(FirstContact(day, actor_label(actor), now, FROM_ANSWER))
