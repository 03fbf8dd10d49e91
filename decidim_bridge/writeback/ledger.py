"""Recording the writes of a plan version in the outbox, in the caller's transaction.

The pipeline calls ``record_writes`` (through ``writeback.hook``) in the same transaction
that stores the plan version, so a plan is never stored without its writes nor the other
way round. Older public writes that never started are retired first (a newer version
replaces them), and what residents already received is read back from the outbox, so that
a new version only writes what changed for them, and which evaluators the bridge asked for
last, so a version asks again only when that changes. The outbox also tells whether the
answer Decidim shows is the bridge's own (``own_answer_shown``), which the plan does not
count as a response. ``record_reply`` records the reply to a note with commands.
"""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from sqlalchemy.engine import Connection

from decidim_bridge.config import Settings
from decidim_bridge.plan.model import Plan
from decidim_bridge.plan.steering import NO_STEERING, Steering
from decidim_bridge.policy import policy_for
from decidim_bridge.proposals import Proposal
from decidim_bridge.rules.model import Mappings
from decidim_bridge.store import outbox as store
from decidim_bridge.writeback.effects import (
    ANSWER,
    COMMENT,
    EVALUATORS,
    PUBLIC_KINDS,
    LinkMaker,
    Options,
    Published,
    plan_effects,
    reply_effect,
)
from decidim_bridge.writeback.reconcile import shows_own_answer
from decidim_bridge.writeback.subject import FINAL_STATES, Subject
from decidim_bridge.writeback.templates import MessageTemplates


def options_for(settings: Settings, mappings: Mappings, capabilities: Any = None) -> Options:
    """Options from the rules' policy (``policy.yaml``, else the deprecated settings), the
    organization's languages and the instance's capabilities (None: comments only;
    evaluators and private notes need the decidim-bridge module).

    Call it before opening the plan transaction: detecting capabilities may ask Decidim.
    """
    policy = policy_for(settings, mappings)
    can_comment = bool(getattr(capabilities, "can_comment", True))
    can_answer = bool(getattr(capabilities, "can_answer", False)) and settings.write_answers
    organization = mappings.organization
    default_locale = organization.default_locale
    locales = (default_locale, *[x for x in organization.locales if x != default_locale])
    return Options(
        decidim_url=settings.decidim_url,
        default_locale=default_locale,
        locales=locales,
        can_comment=can_comment,
        can_answer=can_answer,
        publication_mode=policy.publication_mode,
        ref_prefix=policy.ref_prefix,
        comment_max_length=settings.comment_max_length,
        mail_from=policy.mail_from,
        reply_to=policy.reply_to,
        can_assign_evaluators=bool(getattr(capabilities, "can_assign_evaluators", False)),
        can_write_notes=bool(getattr(capabilities, "can_write_notes", False)),
    )


def published_state(
    conn: Connection, *, tenant: str, proposal_id: str, current_answer: dict[str, str] | None
) -> Published:
    """What residents received so far, from the outbox."""
    facts: dict[str, Any] | None = None
    answer: dict[str, str] | None = None
    for row in store.published_rows(
        conn, tenant=tenant, proposal_id=proposal_id, kinds=PUBLIC_KINDS
    ):
        data = json.loads(row.payload)
        if row.kind == COMMENT and data.get("facts") is not None:
            facts = data["facts"]
        elif row.kind == ANSWER:
            answer = data.get("answer_content")
            facts = facts if facts is not None else data.get("facts")
    return Published(
        facts=facts,
        answer=answer,
        current_answer=current_answer or None,
        evaluators=asked_evaluators(conn, tenant=tenant, proposal_id=proposal_id),
    )


def asked_evaluators(conn: Connection, *, tenant: str, proposal_id: str) -> tuple[str, ...] | None:
    """The nicknames the bridge last asked Decidim to make evaluators (None: never asked)."""
    rows = store.rows_for_proposal(conn, tenant=tenant, proposal_id=proposal_id)
    asked = [r for r in rows if r.kind == EVALUATORS and r.status != "superseded"]
    if not asked:
        return None
    return tuple(asked[-1].data.get("assign") or ())


def own_answers(conn: Connection, *, tenant: str, proposal_id: str) -> list[tuple[str, Any]]:
    """(state, content per locale) of every answer the bridge tried to write."""
    rows = store.attempted_rows(conn, tenant=tenant, proposal_id=proposal_id, kinds=(ANSWER,))
    out = []
    for row in rows:
        data = row.data
        if data.get("state") and isinstance(data.get("answer_content"), dict):
            out.append((str(data["state"]), data["answer_content"]))
    return out


def own_answer_shown(conn: Connection, *, tenant: str, proposal: Proposal) -> bool:
    """Whether the answer Decidim shows on ``proposal`` is the one the bridge wrote (its
    ``evaluating`` answer with the expectation contract), not a response by a person."""
    if not proposal.state or proposal.withdrawn:
        return False
    written = own_answers(conn, tenant=tenant, proposal_id=str(proposal.id))
    return shows_own_answer(proposal.state, proposal.answer, written)


def record_writes(
    conn: Connection,
    plan: Plan,
    subject: Subject,
    mappings: Mappings,
    *,
    previous: Plan | None,
    options: Options,
    templates: MessageTemplates,
    now: float,
    link_maker: LinkMaker | None = None,
    current_answer: dict[str, str] | None = None,
    steering: Steering = NO_STEERING,
    space: str = "",
) -> list[int]:
    """Plan and record the writes of ``plan``; returns the ids of new outbox rows.
    ``space``: the proposal's participatory space (``events.space_of``), for the writer's
    turns across spaces."""
    if (subject.state or None) not in FINAL_STATES:
        store.supersede(
            conn,
            tenant=subject.tenant,
            proposal_id=subject.proposal_id,
            kinds=PUBLIC_KINDS,
            before_version=subject.version,
            now=now,
        )
    published = published_state(
        conn, tenant=subject.tenant, proposal_id=subject.proposal_id, current_answer=current_answer
    )
    effects = plan_effects(
        plan,
        subject,
        mappings,
        previous=previous,
        published=published,
        options=options,
        templates=templates,
        link_maker=link_maker,
        steering=steering,
    )
    return store.record(conn, [replace(e, space=space) for e in effects], now=now)


def record_reply(
    conn: Connection,
    *,
    options: Options,
    tenant: str,
    proposal_id: str,
    component_id: str,
    note_id: str,
    body: str,
    now: float,
    space: str = "",
) -> list[int]:
    """Record the reply to the Decidim note ``note_id`` (once per note, whatever happens
    later); nothing without the module's private notes. Returns the new row ids.
    ``space``: as for ``record_writes``."""
    if not options.can_write_notes:
        return []
    effect = reply_effect(
        tenant=tenant,
        proposal_id=str(proposal_id),
        component_id=str(component_id),
        note_id=str(note_id),
        body=body,
        ref_prefix=options.ref_prefix,
    )
    return store.record(conn, [replace(effect, space=space)], now=now)
