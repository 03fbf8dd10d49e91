"""Which writes a plan version implies (pure): comments, answers and mails, with keys.

Given the new plan version (with its subject and the rules), the previous one, what
residents have already received and the instance's capabilities, return the list of writes
to record. The same inputs always
give the same writes with the same idempotency keys, so planning twice records nothing new.

Rules, in short:

- open proposal, first plan → a comment for the initiators (in their language when the
  organization has it, ``Plan.locale``, else the default locale) and, where the
  instance can answer and the configuration allows it, an ``evaluating`` answer with the
  same content per locale; mail to the lead and co-advisors; introductions to stakeholders
  who agreed; notices to those who want to hear about new initiatives.
- new plan version → a short comment with only what changed for residents (nothing when
  nothing they were told changed), the answer again only when its content changed, an
  update mail to the advisors.
- accepted → a comment confirming what was reserved (if anything), status mail to the
  advisors, notices to stakeholders who want to hear it; rejected/withdrawn → status mail
  and notices only. These happen once per proposal and state. A proposal the bridge first
  sees when it is already decided gets no public write: nobody was told anything before;
  when accepted, the advisors hear what was confirmed.
- a *quiet* plan (a proposal that existed, answered or old, before the bridge saw it:
  ``plan.existing``) writes nothing at first and while open, and nothing public later.
- a new version in which nothing changed that advisors act on (only checklist ticks or
  wording) sends them nothing.
- a new lead (the lead changed since the previous version) gets the full lead's mail,
  not only "the plan was updated".
- ``after-approval`` publication (the space's ``publication`` in scope.yaml, carried by
  the subject, else the setting): public writes are recorded as ``held`` and the lead's mail
  carries the signed approve/hold links.

With the decidim-bridge Decidim module (``Options.can_assign_evaluators`` /
``can_write_notes``) each plan version also writes, in the proposal's Decidim lane and never
held (advisors read them, residents do not):

- ``decidim_evaluators``: the lead and co-advisors with a nickname become the proposal's
  evaluators; those of the previous version no longer in the plan are taken off. A person's
  choice in Decidim wins (``Steering.removed_by_people`` are never assigned again,
  ``assigned_by_people`` never taken off). Recorded only when this differs from what the
  bridge last asked (``Published.evaluators``).
- ``decidim_note`` (purpose ``plan``): a private note with what advisors need and residents
  must not see, and for later versions what changed (``mappings/texts/<locale>/note.md``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from email.utils import parseaddr
from typing import Any

from decidim_bridge.plan.model import BudgetOffer, Plan, ResourceOffer
from decidim_bridge.plan.steering import NO_STEERING, Steering
from decidim_bridge.rules.model import Mappings
from decidim_bridge.store.outbox import NewEffect
from decidim_bridge.writeback import derived
from decidim_bridge.writeback.changes import diff, resident_facts
from decidim_bridge.writeback.keys import ONCE, effect_key, ref_code
from decidim_bridge.writeback.reconcile import same_answer_text
from decidim_bridge.writeback.render import (
    Links,
    context,
    first_comment_template,
    render_answer,
    render_comment,
    render_mail,
    render_note,
)
from decidim_bridge.writeback.subject import FINAL_STATES, Subject
from decidim_bridge.writeback.templates import MessageTemplates, Rendered

COMMENT = "decidim_comment"
ANSWER = "decidim_answer"
EVALUATORS = "decidim_evaluators"
NOTE = "decidim_note"
MAIL = "mail"
PUBLIC_KINDS = (COMMENT, ANSWER)
#: Decidim writes only advisors see (the module's admin side): never held for approval.
INTERNAL_KINDS = (EVALUATORS, NOTE)
#: Every kind written to Decidim, in the proposal's lane (one at a time, in order).
DECIDIM_KINDS = (*PUBLIC_KINDS, *INTERNAL_KINDS)
#: How lane names start: a lane holds a proposal's Decidim writes or one mail, never both,
#: so the Decidim writer and the mail sender each claim from their own class of lanes.
DECIDIM_LANES, MAIL_LANES = "decidim:", "mail:"
#: Purposes of ``NOTE`` rows: the plan of a version, the reply to a note with commands.
NOTE_PLAN, NOTE_REPLY = "plan", "reply"

#: Proposal states in which the bridge may (re)write its ``evaluating`` answer.
ANSWERABLE_STATES = (None, "", "not_answered", "evaluating")


@dataclass(frozen=True)
class Options:
    """Configuration and capabilities that decide what is written."""

    decidim_url: str
    default_locale: str = "nl"
    locales: tuple[str, ...] = ("nl", "en")
    can_comment: bool = True
    can_answer: bool = False
    publication_mode: str = "automatic"
    ref_prefix: str = "LB"
    comment_max_length: int = 1000
    mail_from: str = "initiatieven@gemeente.example"
    #: The decidim-bridge module: evaluator assignments through the API.
    can_assign_evaluators: bool = False
    #: The decidim-bridge module: private notes through the API.
    can_write_notes: bool = False
    reply_to: str | None = None


@dataclass(frozen=True)
class Published:
    """What the proposal already shows: the facts residents were told, the last answer
    content the bridge wrote, the answer Decidim currently shows (None: none), and the
    nicknames the bridge last asked to be evaluators (None: it never asked)."""

    facts: dict[str, Any] | None = None
    answer: dict[str, str] | None = None
    current_answer: dict[str, str] | None = None
    evaluators: tuple[str, ...] | None = None


@dataclass(frozen=True)
class ApprovalLinks:
    approve_url: str
    hold_url: str
    expires_at: date


#: Makes the approve/hold links for (subject, lead e-mail); None when approvals are off.
LinkMaker = Callable[[Subject, str], ApprovalLinks]


@dataclass(frozen=True)
class Recipient:
    """Who a mail is addressed to; ``reason`` tells a stakeholder why they get it."""

    name: str
    email: str
    reason: str = ""


@dataclass
class _Builder:
    plan: Plan
    subject: Subject
    mappings: Mappings
    options: Options
    templates: MessageTemplates
    effects: list[NewEffect] = field(default_factory=list)
    values: dict[str, Any] = field(init=False)  # what every template of this plan sees

    def __post_init__(self) -> None:
        links = Links(self.options.decidim_url)
        self.values = context(self.plan, self.subject, self.mappings, links)

    def key(self, version: int | str, kind: str, recipient: str = "") -> tuple[str, str]:
        k = effect_key(self.subject.tenant, self.subject.proposal_id, version, kind, recipient)
        return k, ref_code(k, self.options.ref_prefix)

    def add(
        self,
        *,
        key: str,
        ref: str,
        kind: str,
        purpose: str,
        payload: dict[str, Any],
        recipient: str = "",
        held: bool = False,
    ) -> None:
        subject = self.subject
        lane = decidim_lane(subject.proposal_id) if kind in DECIDIM_KINDS else mail_lane(key)
        self.effects.append(
            NewEffect(
                tenant=subject.tenant,
                effect_key=key,
                ref=ref,
                proposal_id=subject.proposal_id,
                plan_version=subject.version,
                kind=kind,
                purpose=purpose,
                recipient=recipient,
                lane=lane,
                public=kind in PUBLIC_KINDS,
                payload=payload,
                held=held,
            )
        )

    def mail(
        self,
        *,
        template: str,
        purpose: str,
        version: int | str,
        recipient: Recipient,
        cc: Sequence[str] = (),
        **extra: Any,
    ) -> None:
        """A mail in the default language (the rules know no one's language)."""
        key, ref = self.key(version, f"{MAIL}:{purpose}", recipient.email)
        locale = self.options.default_locale
        rendered = render_mail(
            self.templates,
            template,
            self.values,
            locale=locale,
            ref=ref,
            recipient=recipient,
            **extra,
        )
        self.effects.append(
            mail_effect(
                tenant=self.subject.tenant,
                key=key,
                ref=ref,
                proposal_id=self.subject.proposal_id,
                plan_version=self.subject.version,
                purpose=purpose,
                to=recipient.email,
                to_name=recipient.name,
                cc=cc,
                rendered=rendered,
                locale=locale,
                mail_from=self.options.mail_from,
                reply_to=self.options.reply_to,
            )
        )


def decidim_lane(proposal_id: str) -> str:
    """The lane of every Decidim write of one proposal (executed one at a time, in order)."""
    return f"{DECIDIM_LANES}{proposal_id}"


def mail_lane(key: str) -> str:
    """A mail's own lane: mails never wait for each other."""
    return f"{MAIL_LANES}{key[:24]}"


def mail_effect(
    *,
    tenant: str,
    key: str,
    ref: str,
    proposal_id: str,
    plan_version: int | None,
    purpose: str,
    to: str,
    to_name: str,
    rendered: Rendered,
    locale: str,
    mail_from: str,
    cc: Sequence[str] = (),
    extra: Mapping[str, Any] | None = None,
    reply_to: str | None = None,
) -> NewEffect:
    """The outbox row of one mail, in the one payload shape the writer sends: its own
    lane, a Message-ID made from the key so a resent mail is recognisably the same, and
    the sender and reply-to address of the rules' policy."""
    domain = parseaddr(mail_from)[1].rpartition("@")[2] or "localhost"
    return NewEffect(
        tenant=tenant,
        effect_key=key,
        ref=ref,
        proposal_id=proposal_id,
        plan_version=plan_version,
        kind=MAIL,
        purpose=purpose,
        recipient=to,
        lane=mail_lane(key),
        public=False,
        payload={
            "to": [to],
            "to_name": to_name,
            "cc": [c for c in cc if c.lower() != to.lower()],
            "subject": rendered.subject,
            "text": rendered.text,
            "html": rendered.html,
            "locale": locale,
            "message_id": f"<{key[:32]}@{domain}>",
            "ref": ref,
            "from": mail_from,
            **({"reply_to": reply_to} if reply_to else {}),
            **(extra or {}),
        },
    )


def plan_effects(
    plan: Plan,
    subject: Subject,
    mappings: Mappings,
    *,
    previous: Plan | None,
    published: Published,
    options: Options,
    templates: MessageTemplates,
    link_maker: LinkMaker | None = None,
    steering: Steering = NO_STEERING,
) -> list[NewEffect]:
    """The writes implied by ``plan`` (see the module docstring for the rules).

    ``steering``: what people decided in Decidim; the evaluator assignments respect it.
    """
    builder = _Builder(plan, subject, mappings, options, templates)
    state = subject.state or None
    if plan.quiet and previous is None:
        return []  # found existing, answered or old (plan.existing): nobody is told anew
    if state in FINAL_STATES:
        if previous is None and state != "accepted":
            return []
        _lifecycle(builder, state, previous, link_maker)
    elif plan.quiet:
        return []  # an answered or old proposal the bridge found existing: see plan.existing
    else:
        _open(builder, previous, published, link_maker)
    if plan.quiet:
        return [e for e in builder.effects if not e.public]
    _internal(builder, previous, published, steering)
    return builder.effects


def evaluator_request(
    plan: Plan, previous: Plan | None, mappings: Mappings, steering: Steering = NO_STEERING
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(assign, unassign): the nicknames (lower case) the bridge asks Decidim to make
    evaluators of the proposal and to take off. The plan's advisors are its evaluators,
    except whom a person took off; advisors of ``previous`` no longer in the plan are taken
    off, except whom a person assigned: the bridge never undoes a person's choice."""
    wanted = derived.nicknames(plan, mappings)
    before = derived.nicknames(previous, mappings) if previous is not None else ()
    assign = tuple(n for n in wanted if n not in steering.removed_by_people)
    unassign = tuple(n for n in before if n not in wanted and n not in steering.assigned_by_people)
    return assign, unassign


def _internal(b: _Builder, previous: Plan | None, published: Published, steering: Steering) -> None:
    """The module's writes of this version: evaluators (when the request changed) and the
    private note with the plan. Never held: residents do not see them."""
    subject, options = b.subject, b.options
    if options.can_assign_evaluators:
        assign, unassign = evaluator_request(b.plan, previous, b.mappings, steering)
        asked = published.evaluators
        if unassign or (assign and (asked is None or set(asked) != set(assign))):
            key, ref = b.key(subject.version, EVALUATORS)
            b.add(
                key=key,
                ref=ref,
                kind=EVALUATORS,
                purpose="evaluators",
                payload={"assign": list(assign), "unassign": list(unassign)},
            )
    if options.can_write_notes:
        locale = options.default_locale
        key, ref = b.key(subject.version, f"{NOTE}:{NOTE_PLAN}")
        lines = (
            derived.change_lines(b.plan, subject.changes, b.mappings, locale)
            if previous is not None
            else []
        )
        body = render_note(
            b.templates,
            b.values,
            locale=locale,
            ref=ref,
            update=previous is not None,
            changes=lines,
        )
        b.add(
            key=key,
            ref=ref,
            kind=NOTE,
            purpose=NOTE_PLAN,
            payload={"body": body, "locale": locale},
        )


def reply_effect(
    *,
    tenant: str,
    proposal_id: str,
    component_id: str,
    note_id: str,
    body: str,
    ref_prefix: str,
) -> NewEffect:
    """The bridge's reply to a note with commands: one per Decidim note (the key holds the
    note's id), in the proposal's Decidim lane. ``body`` is rendered and starts with the
    marker; the reference code is added so the writer can find the reply read back."""
    key = effect_key(tenant, proposal_id, ONCE, f"{NOTE}:{NOTE_REPLY}", str(note_id))
    ref = ref_code(key, ref_prefix)
    return NewEffect(
        tenant=tenant,
        effect_key=key,
        ref=ref,
        proposal_id=str(proposal_id),
        plan_version=None,
        kind=NOTE,
        purpose=NOTE_REPLY,
        recipient="",
        lane=decidim_lane(str(proposal_id)),
        public=False,
        payload={
            "body": f"{body.rstrip()}\n\nRef. {ref}",
            "component_id": str(component_id),
            "reply_to": str(note_id),
        },
    )


def _approval_needed(subject: Subject, options: Options) -> bool:
    mode = subject.publication_mode or options.publication_mode
    return mode == "after-approval"


def _open(
    b: _Builder,
    previous: Plan | None,
    published: Published,
    link_maker: LinkMaker | None,
) -> None:
    subject, options = b.subject, b.options
    held = _approval_needed(subject, options)
    # The initiators read the comment in their own language when the organization has it.
    locale = b.plan.locale if b.plan.locale in options.locales else options.default_locale
    facts = resident_facts(b.plan, b.mappings, locale)
    initiative = b.plan.classification.is_initiative
    # A proposal that turned out to be of another kind (or an initiative after all) gets
    # a whole new first message, not a list of changes.
    first = published.facts is None or published.facts.get("kind", "initiative") != facts["kind"]
    changes = diff(None if first else published.facts, facts)
    answer_ok = (
        initiative
        and options.can_answer
        and subject.state in ANSWERABLE_STATES
        and (
            not published.current_answer
            or same_answer_text(published.current_answer, published.answer)
        )
    )
    answer_content = (
        render_answer(b.templates, b.values, locales=options.locales) if answer_ok else None
    )
    public_planned = False
    if options.can_comment and changes:
        purpose = "initiators" if first else "update"
        key, ref = b.key(subject.version, f"{COMMENT}:{purpose}")
        body = render_comment(
            b.templates,
            first_comment_template(b.plan) if first else "comment_update",
            b.values,
            locale=locale,
            ref=ref,
            key=key,
            max_length=options.comment_max_length,
            changes=changes,
            answer_written=answer_content is not None,
        )
        b.add(
            key=key,
            ref=ref,
            kind=COMMENT,
            purpose=purpose,
            held=held,
            payload={
                "body": body,
                "locale": locale,
                "component_id": subject.space.component_id,
                "facts": facts,
            },
        )
        public_planned = True
    if answer_content is not None and answer_content != published.answer:
        key, ref = b.key(subject.version, ANSWER)
        b.add(
            key=key,
            ref=ref,
            kind=ANSWER,
            purpose="answer",
            held=held,
            payload={
                "state": "evaluating",
                "answer_content": answer_content,
                "component_id": subject.space.component_id,
                "facts": facts,
            },
        )
        public_planned = True
    _advisor_mails(b, previous, changes, held and public_planned, link_maker)
    if initiative:
        _introductions_and_notices(b, "published")


def _advisor_mails(
    b: _Builder,
    previous: Plan | None,
    changes: Sequence[Any],
    needs_approval: bool,
    link_maker: LinkMaker | None,
) -> None:
    subject, lead = b.subject, b.plan.assignment.lead
    update = previous is not None
    new_lead = previous is not None and previous.assignment.lead.email.lower() != lead.email.lower()
    lines = derived.change_lines(b.plan, subject.changes, b.mappings, b.options.default_locale) or [
        c.name or c.kind for c in changes if c.kind != "first"
    ]
    if update and not lines and not new_lead:
        return
    approval = None
    if needs_approval and link_maker is not None:
        approval = link_maker(subject, lead.email)
    for person in derived.advisors(b.plan):
        is_lead = person.email.lower() == lead.email.lower()
        # A new lead gets the lead's whole mail: for them the initiative is new.
        updated = update and not (is_lead and new_lead)
        b.mail(
            template="advisor_plan",
            purpose="advisor-update" if updated else "advisor",
            version=subject.version,
            recipient=Recipient(person.name, person.email),
            role="lead" if is_lead else "co",
            update=updated,
            changes=lines if update else [],
            approval=approval if is_lead else None,
            held=needs_approval,
        )


def _introductions_and_notices(b: _Builder, event: str) -> None:
    """Introductions once per proposal and stakeholder; notices once per event."""
    locale = b.options.default_locale
    for link, stakeholder in derived.stakeholders(b.plan, b.mappings):
        email = stakeholder.contact.email
        if not email:
            continue
        reason = derived.stakeholder_reason(link, b.mappings, locale)
        recipient = Recipient(stakeholder.name, email, reason)
        if event == "published" and link.action == "introduce" and stakeholder.external:
            b.mail(
                template="introduction",
                purpose="introduction",
                version=ONCE,
                recipient=recipient,
                cc=[b.plan.assignment.lead.email],
            )
        elif _wants(stakeholder.inform_on, event):
            b.mail(
                template="notice",
                purpose=f"notice-{event}",
                version=ONCE,
                recipient=recipient,
                event=event,
            )


def _wants(inform_on: Sequence[str], event: str) -> bool:
    if event in inform_on:
        return True
    return event == "withdrawn" and "rejected" in inform_on


def _lifecycle(
    b: _Builder, state: str, previous: Plan | None, link_maker: LinkMaker | None
) -> None:
    subject, options, mappings = b.subject, b.options, b.mappings
    held = _approval_needed(subject, options)
    items: tuple[ResourceOffer, ...] = ()
    money: tuple[BudgetOffer, ...] = ()
    if state == "accepted":
        items = derived.active_offers(b.plan, mappings)
        money = derived.active_budgets(b.plan, mappings)
    elif previous is not None:  # what was released: what the previous version held
        items = derived.active_offers(previous, mappings)
        money = derived.active_budgets(previous, mappings)
    public_planned = False
    if state == "accepted" and options.can_comment and (items or money) and previous is not None:
        key, ref = b.key(ONCE, f"{COMMENT}:accepted")
        locale = b.plan.locale if b.plan.locale in options.locales else options.default_locale
        body = render_comment(
            b.templates,
            "comment_accepted",
            b.values,
            locale=locale,
            ref=ref,
            key=key,
            max_length=options.comment_max_length,
        )
        b.add(
            key=key,
            ref=ref,
            kind=COMMENT,
            purpose="accepted",
            held=held,
            payload={
                "body": body,
                "locale": locale,
                "component_id": subject.space.component_id,
                "facts": None,
            },
        )
        public_planned = True
    informed = [
        s.name
        for _, s in derived.stakeholders(b.plan, mappings)
        if s.contact.email and _wants(s.inform_on, state) and previous is not None
    ]
    lead = b.plan.assignment.lead
    approval = None
    if held and public_planned and link_maker is not None:
        approval = link_maker(subject, lead.email)
    for person in derived.advisors(b.plan):
        is_lead = person.email.lower() == lead.email.lower()
        b.mail(
            template="advisor_status",
            purpose=f"status-{state}",
            version=ONCE,
            recipient=Recipient(person.name, person.email),
            event=state,
            items=items,
            money=money,
            informed=informed,
            approval=approval if is_lead else None,
        )
    if previous is not None:
        _introductions_and_notices(b, state)
