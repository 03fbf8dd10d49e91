"""The periodic check of promises: a passed date without an answer reminds the lead once.

The expectation contract promises residents a first contact and a decision by a date.
When such a date has passed and Decidim shows no answer from the municipality (the
bridge's own ``evaluating`` answer, recognised by its state and text however Decidim
reformatted it, does not count as first contact by a person, and only accepted or
rejected counts as a decision), the lead advisor gets one reminder mail per promise.
"Once" is the outbox key (proposal, promise): it does not depend on who is lead.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from decidim_bridge.config import Settings
from decidim_bridge.errors import DecidimError, NotFound
from decidim_bridge.rules.model import Mappings
from decidim_bridge.store import Database
from decidim_bridge.store import outbox as store
from decidim_bridge.writeback.adapter import open_plan_views
from decidim_bridge.writeback.effects import MAIL, mail_effect
from decidim_bridge.writeback.keys import ONCE, effect_key, ref_code
from decidim_bridge.writeback.ledger import options_for, own_answers
from decidim_bridge.writeback.reconcile import shows_own_answer, text_key
from decidim_bridge.writeback.render import Links, render_mail
from decidim_bridge.writeback.templates import message_templates
from decidim_bridge.writeback.view import FINAL_STATES, PlanView

log = logging.getLogger(__name__)


def due_milestones(
    view: PlanView,
    *,
    state: str | None,
    answer: Mapping[str, str] | None,
    our_answers: Iterable[tuple[str, Mapping[str, str]]],
    today: date,
) -> list[tuple[str, date]]:
    """Promises whose date passed without the answer that keeps them.

    ``our_answers``: (state, content) of the answers the bridge wrote (``ledger.own_answers``).
    """
    if state in FINAL_STATES:
        return []
    exp = view.expectations
    shown = bool(state) or any(text_key(text) for text in (answer or {}).values())
    human_answer = shown and not shows_own_answer(state, answer, our_answers)
    due: list[tuple[str, date]] = []
    if exp.first_contact_by and exp.first_contact_by < today and not human_answer:
        due.append(("first_contact", exp.first_contact_by))
    if exp.decision_by and exp.decision_by < today:
        due.append(("decision", exp.decision_by))
    return due


def reminder_key(view: PlanView, milestone: str) -> str:
    return effect_key(view.tenant, view.proposal_id, ONCE, f"{MAIL}:reminder-{milestone}")


@dataclass(frozen=True)
class ReminderRun:
    checked: int
    planned: int
    skipped: int


ViewsProvider = Callable[[Database, Settings, Mappings], list[PlanView]]


def run_reminders(
    db: Database,
    settings: Settings,
    mappings: Mappings,
    *,
    decidim: Any,
    views: ViewsProvider = open_plan_views,
    now: float | None = None,
) -> ReminderRun:
    """Check every open plan; plan one reminder mail per passed promise (at most once)."""
    moment = time.time() if now is None else now
    today = datetime.fromtimestamp(moment, ZoneInfo(mappings.organization.timezone)).date()
    templates = message_templates(mappings)
    options = options_for(settings, mappings)
    planned = skipped = 0
    candidates = views(db, settings, mappings)
    for view in candidates:
        possible = [
            m for m in ("first_contact", "decision") if getattr(view.expectations, f"{m}_by")
        ]
        keys = {m: reminder_key(view, m) for m in possible}
        with db.read() as conn:
            present = store.keys_present(conn, tenant=view.tenant, keys=list(keys.values()))
            ours = own_answers(conn, tenant=view.tenant, proposal_id=view.proposal_id)
        if all(k in present for k in keys.values()):
            continue
        try:
            proposal = decidim.fetch_proposal(view.proposal_id, view.space.component_id)
        except (DecidimError, NotFound) as exc:
            log.warning(
                "reminder check skipped",
                extra={"proposal_id": view.proposal_id, "error": type(exc).__name__},
            )
            skipped += 1
            continue
        if proposal is None:
            skipped += 1
            continue
        state = "withdrawn" if getattr(proposal, "withdrawn", False) else proposal.state
        due = due_milestones(
            view, state=state, answer=proposal.answer, our_answers=ours, today=today
        )
        effects = []
        for milestone, due_date in due:
            key = keys[milestone]
            if key in present:
                continue
            ref = ref_code(key, options.ref_prefix)
            locale = view.lead.locale or options.default_locale
            rendered = render_mail(
                templates,
                "reminder",
                view,
                Links(options.decidim_url),
                locale=locale,
                recipient=view.lead,
                milestone=milestone,
                due=due_date,
                ref=ref,
            )
            effects.append(
                mail_effect(
                    tenant=view.tenant,
                    key=key,
                    ref=ref,
                    proposal_id=view.proposal_id,
                    plan_version=view.version,
                    purpose=f"reminder-{milestone}",
                    to=view.lead.email,
                    to_name=view.lead.name,
                    rendered=rendered,
                    locale=locale,
                    mail_from=settings.mail_from,
                )
            )
        if effects:
            with db.begin() as conn:
                planned += len(store.record(conn, effects, now=moment))
    return ReminderRun(checked=len(candidates), planned=planned, skipped=skipped)
