"""The periodic check of promises: a passed date without an answer reminds the lead once.

The expectation contract promises residents a first contact and a decision by a date.
When such a date has passed and Decidim shows no answer from the municipality (the
bridge's own ``evaluating`` answer, recognised by its state and text however Decidim
reformatted it, does not count as first contact by a person, and only accepted or
rejected counts as a decision), the lead advisor gets one reminder mail per promise.
First contact an advisor recorded in Decidim (``expectations.first_contact_on``, from a
note) keeps the first-contact promise too. "Once" is the outbox key (proposal, promise): it
does not depend on who is lead.

Before that, ``remind_before_days`` working days ahead of a promised date
(``expectations.yaml``, ``reminders.before_days``; 0: off), the lead gets one reminder
that the date is coming up, so the promise can still be kept.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from decidim_bridge.config import Settings
from decidim_bridge.errors import DecidimError, NotFound
from decidim_bridge.plan.calendar import calendar_for
from decidim_bridge.plan.model import Plan
from decidim_bridge.rules.model import Mappings
from decidim_bridge.store import Database
from decidim_bridge.store import outbox as store
from decidim_bridge.writeback.effects import MAIL, Recipient, mail_effect
from decidim_bridge.writeback.keys import ONCE, effect_key, ref_code
from decidim_bridge.writeback.ledger import options_for, own_answers
from decidim_bridge.writeback.reconcile import shows_own_answer, text_key
from decidim_bridge.writeback.render import Links, context, render_mail
from decidim_bridge.writeback.subject import FINAL_STATES, Subject, subject_of
from decidim_bridge.writeback.templates import message_templates

log = logging.getLogger(__name__)

MILESTONES = ("first_contact", "decision")


def _promised(plan: Plan, milestone: str) -> date | None:
    value = getattr(plan.expectations, f"{milestone}_by")
    return date.fromisoformat(value) if value else None


def due_milestones(
    plan: Plan,
    *,
    state: str | None,
    answer: Mapping[str, str] | None,
    our_answers: Iterable[tuple[str, Mapping[str, str]]],
    today: date,
    horizon: date | None = None,
) -> list[tuple[str, date]]:
    """Promises whose date passed without the answer that keeps them; with ``horizon``,
    instead the promises still open whose date falls from ``today`` up to ``horizon``.

    ``our_answers``: (state, content) of the answers the bridge wrote (``ledger.own_answers``).
    """
    if state in FINAL_STATES:
        return []
    shown = bool(state) or any(text_key(text) for text in (answer or {}).values())
    human_answer = shown and not shows_own_answer(state, answer, our_answers)
    due: list[tuple[str, date]] = []
    first_contact, decision = (_promised(plan, m) for m in MILESTONES)
    contacted = bool(plan.expectations.first_contact_on)
    if horizon is not None:
        if (
            first_contact
            and today <= first_contact <= horizon
            and not human_answer
            and not contacted
        ):
            due.append(("first_contact", first_contact))
        if decision and today <= decision <= horizon:
            due.append(("decision", decision))
        return due
    if first_contact and first_contact < today and not human_answer and not contacted:
        due.append(("first_contact", first_contact))
    if decision and decision < today:
        due.append(("decision", decision))
    return due


def reminder_key(subject: Subject, milestone: str, *, ahead: bool = False) -> str:
    """One reminder per promise after its date, and one before it (``ahead``)."""
    purpose = f"reminder-{milestone}" + ("-ahead" if ahead else "")
    return effect_key(subject.tenant, subject.proposal_id, ONCE, f"{MAIL}:{purpose}")


@dataclass(frozen=True)
class ReminderRun:
    checked: int
    planned: int
    skipped: int


def run_reminders(
    db: Database,
    settings: Settings,
    mappings: Mappings,
    *,
    decidim: Any,
    open_plans: Iterable[tuple[Plan, int]],
    now: float,
) -> ReminderRun:
    """Check every open plan (the current version of each, with its version number); plan
    one reminder mail per passed promise (at most once)."""
    today = datetime.fromtimestamp(now, ZoneInfo(mappings.organization.timezone)).date()
    before = mappings.expectations.remind_before_days
    horizon = calendar_for(mappings).add_working_days(today, before) if before > 0 else None
    templates = message_templates(mappings)
    options = options_for(settings, mappings)
    links = Links(options.decidim_url)
    planned = skipped = checked = 0
    for plan, version in open_plans:
        if not plan.classification.is_initiative:
            continue  # a report or a question: nothing was promised
        checked += 1
        subject = subject_of(plan, mappings, tenant=settings.tenant, version=version)
        keys = {
            (m, ahead): reminder_key(subject, m, ahead=ahead)
            for m in MILESTONES
            if _promised(plan, m)
            for ahead in ((False, True) if horizon is not None else (False,))
        }
        with db.read() as conn:
            present = store.keys_present(conn, tenant=subject.tenant, keys=list(keys.values()))
            ours = own_answers(conn, tenant=subject.tenant, proposal_id=subject.proposal_id)
        if all(k in present for k in keys.values()):
            continue
        try:
            proposal = decidim.fetch_proposal(subject.proposal_id, subject.space.component_id)
        except (DecidimError, NotFound) as exc:
            log.warning(
                "reminder check skipped",
                extra={"proposal_id": subject.proposal_id, "error": type(exc).__name__},
            )
            skipped += 1
            continue
        if proposal is None:
            skipped += 1
            continue
        state = "withdrawn" if getattr(proposal, "withdrawn", False) else proposal.state
        due = [
            (milestone, due_date, False)
            for milestone, due_date in due_milestones(
                plan, state=state, answer=proposal.answer, our_answers=ours, today=today
            )
        ]
        if horizon is not None:
            due += [
                (milestone, due_date, True)
                for milestone, due_date in due_milestones(
                    plan,
                    state=state,
                    answer=proposal.answer,
                    our_answers=ours,
                    today=today,
                    horizon=horizon,
                )
            ]
        lead = plan.assignment.lead
        values = context(plan, subject, mappings, links)
        effects = []
        for milestone, due_date, ahead in due:
            key = keys[(milestone, ahead)]
            if key in present:
                continue
            ref = ref_code(key, options.ref_prefix)
            rendered = render_mail(
                templates,
                "reminder",
                values,
                locale=options.default_locale,
                recipient=Recipient(lead.name, lead.email),
                milestone=milestone,
                due=due_date,
                ahead=ahead,
                ref=ref,
            )
            effects.append(
                mail_effect(
                    tenant=subject.tenant,
                    key=key,
                    ref=ref,
                    proposal_id=subject.proposal_id,
                    plan_version=subject.version,
                    purpose=f"reminder-{milestone}" + ("-ahead" if ahead else ""),
                    to=lead.email,
                    to_name=lead.name,
                    rendered=rendered,
                    locale=options.default_locale,
                    mail_from=options.mail_from,
                    reply_to=options.reply_to,
                )
            )
        if effects:
            with db.begin() as conn:
                planned += len(store.record(conn, effects, now=now))
    return ReminderRun(checked=checked, planned=planned, skipped=skipped)
