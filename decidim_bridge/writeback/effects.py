"""Which writes a plan version implies (pure): comments, answers and mails, with keys.

Given the new plan version, the previous one, what residents have already received and
the instance's capabilities, return the list of writes to record. The same inputs always
give the same writes with the same idempotency keys, so planning twice records nothing new.

Rules, in short:

- open proposal, first plan → a comment for the initiators (default locale) and, where the
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
- a new version in which nothing changed that advisors act on (only checklist ticks or
  wording) sends them nothing.
- ``after-approval`` publication (the space's ``publication`` in scope.yaml, carried by
  the view, else the setting): public writes are recorded as ``held`` and the lead's mail
  carries the signed approve/hold links.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from email.utils import parseaddr
from typing import Any

from decidim_bridge.store.outbox import NewEffect
from decidim_bridge.writeback.changes import diff, resident_facts
from decidim_bridge.writeback.keys import ONCE, effect_key, ref_code
from decidim_bridge.writeback.reconcile import same_answer_text
from decidim_bridge.writeback.render import (
    Links,
    render_answer,
    render_comment,
    render_mail,
)
from decidim_bridge.writeback.templates import MessageTemplates, Rendered
from decidim_bridge.writeback.view import FINAL_STATES, PlanView, StakeholderLink, localized

COMMENT = "decidim_comment"
ANSWER = "decidim_answer"
MAIL = "mail"
PUBLIC_KINDS = (COMMENT, ANSWER)

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


@dataclass(frozen=True)
class Published:
    """What the proposal already shows: the facts residents were told, the last answer
    content the bridge wrote, and the answer Decidim currently shows (None: none)."""

    facts: dict[str, Any] | None = None
    answer: dict[str, str] | None = None
    current_answer: dict[str, str] | None = None


@dataclass(frozen=True)
class ApprovalLinks:
    approve_url: str
    hold_url: str
    expires_at: date


#: Makes the approve/hold links for (view, lead e-mail); None when approvals are off.
LinkMaker = Callable[[PlanView, str], ApprovalLinks]


@dataclass
class _Builder:
    view: PlanView
    options: Options
    templates: MessageTemplates
    effects: list[NewEffect] = field(default_factory=list)

    @property
    def links(self) -> Links:
        return Links(self.options.decidim_url)

    def key(self, version: int | str, kind: str, recipient: str = "") -> tuple[str, str]:
        k = effect_key(self.view.tenant, self.view.proposal_id, version, kind, recipient)
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
        lane = f"decidim:{self.view.proposal_id}" if kind in PUBLIC_KINDS else f"mail:{key[:24]}"
        self.effects.append(
            NewEffect(
                tenant=self.view.tenant,
                effect_key=key,
                ref=ref,
                proposal_id=self.view.proposal_id,
                plan_version=self.view.version,
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
        to: str,
        name: str,
        locale: str | None,
        cc: Sequence[str] = (),
        **extra: Any,
    ) -> None:
        key, ref = self.key(version, f"{MAIL}:{purpose}", to)
        use_locale = locale or self.options.default_locale
        rendered = render_mail(
            self.templates,
            template,
            self.view,
            self.links,
            locale=use_locale,
            ref=ref,
            **extra,
        )
        self.effects.append(
            mail_effect(
                tenant=self.view.tenant,
                key=key,
                ref=ref,
                proposal_id=self.view.proposal_id,
                plan_version=self.view.version,
                purpose=purpose,
                to=to,
                to_name=name,
                cc=cc,
                rendered=rendered,
                locale=use_locale,
                mail_from=self.options.mail_from,
            )
        )


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
) -> NewEffect:
    """The outbox row of one mail, in the one payload shape the writer sends: its own
    lane, and a Message-ID made from the key so a resent mail is recognisably the same."""
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
        lane=f"mail:{key[:24]}",
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
            **(extra or {}),
        },
    )


def plan_effects(
    view: PlanView,
    *,
    previous: PlanView | None,
    published: Published,
    options: Options,
    templates: MessageTemplates,
    link_maker: LinkMaker | None = None,
) -> list[NewEffect]:
    """The writes implied by ``view`` (see the module docstring for the rules)."""
    builder = _Builder(view, options, templates)
    state = view.state or None
    if state in FINAL_STATES:
        if previous is None and state != "accepted":
            return []
        _lifecycle(builder, state, previous, link_maker)
    else:
        _open(builder, previous, published, link_maker)
    return builder.effects


def _approval_needed(view: PlanView, options: Options) -> bool:
    mode = view.publication_mode or options.publication_mode
    return mode == "after-approval"


def _open(
    b: _Builder,
    previous: PlanView | None,
    published: Published,
    link_maker: LinkMaker | None,
) -> None:
    view, options = b.view, b.options
    held = _approval_needed(view, options)
    facts = resident_facts(view, options.default_locale, options.default_locale)
    changes = diff(published.facts, facts)
    first = published.facts is None
    answer_ok = (
        options.can_answer
        and view.state in ANSWERABLE_STATES
        and (
            not published.current_answer
            or same_answer_text(published.current_answer, published.answer)
        )
    )
    answer_content = (
        render_answer(b.templates, view, b.links, locales=options.locales) if answer_ok else None
    )
    public_planned = False
    if options.can_comment and changes:
        purpose = "initiators" if first else "update"
        key, ref = b.key(view.version, f"{COMMENT}:{purpose}")
        body = render_comment(
            b.templates,
            "comment" if first else "comment_update",
            view,
            b.links,
            locale=options.default_locale,
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
                "locale": options.default_locale,
                "component_id": view.space.component_id,
                "facts": facts,
            },
        )
        public_planned = True
    if answer_content is not None and answer_content != published.answer:
        key, ref = b.key(view.version, ANSWER)
        b.add(
            key=key,
            ref=ref,
            kind=ANSWER,
            purpose="answer",
            held=held,
            payload={
                "state": "evaluating",
                "answer_content": answer_content,
                "component_id": view.space.component_id,
                "facts": facts,
            },
        )
        public_planned = True
    _advisor_mails(b, previous, changes, held and public_planned, link_maker)
    _introductions_and_notices(b, "published")


def _advisor_mails(
    b: _Builder,
    previous: PlanView | None,
    changes: Sequence[Any],
    needs_approval: bool,
    link_maker: LinkMaker | None,
) -> None:
    view = b.view
    update = previous is not None
    lines = list(view.changes) or [
        localized(c.name or c.kind, b.options.default_locale) for c in changes if c.kind != "first"
    ]
    if update and not lines:
        return
    approval = None
    if needs_approval and link_maker is not None:
        approval = link_maker(view, view.lead.email)
    for person in view.advisors:
        is_lead = person.email.lower() == view.lead.email.lower()
        b.mail(
            template="advisor_plan",
            purpose="advisor-update" if update else "advisor",
            version=view.version,
            to=person.email,
            name=person.name,
            locale=person.locale,
            recipient=person,
            role="lead" if is_lead else "co",
            update=update,
            changes=lines if update else [],
            approval=approval if is_lead else None,
            held=needs_approval,
        )


def _introductions_and_notices(b: _Builder, event: str) -> None:
    """Introductions once per proposal and stakeholder; notices once per event."""
    for s in b.view.stakeholders:
        if not s.email:
            continue
        if event == "published" and s.introduce and not s.internal:
            b.mail(
                template="introduction",
                purpose="introduction",
                version=ONCE,
                to=s.email,
                name=s.name,
                locale=s.locale,
                cc=[b.view.lead.email],
                recipient=s,
            )
        elif _wants(s, event):
            b.mail(
                template="notice",
                purpose=f"notice-{event}",
                version=ONCE,
                to=s.email,
                name=s.name,
                locale=s.locale,
                recipient=s,
                event=event,
            )


def _wants(s: StakeholderLink, event: str) -> bool:
    if event in s.inform_on:
        return True
    return event == "withdrawn" and "rejected" in s.inform_on


def _lifecycle(
    b: _Builder, state: str, previous: PlanView | None, link_maker: LinkMaker | None
) -> None:
    view, options = b.view, b.options
    held = _approval_needed(view, options)
    if state == "accepted":
        items = view.active_resources
        money = view.active_budgets
    else:
        items = tuple(r for r in view.resources if r.status == "released") or (
            previous.active_resources if previous else ()
        )
        money = tuple(x for x in view.budgets if x.status == "released") or (
            previous.active_budgets if previous else ()
        )
    public_planned = False
    if state == "accepted" and options.can_comment and (items or money) and previous is not None:
        key, ref = b.key(ONCE, f"{COMMENT}:accepted")
        body = render_comment(
            b.templates,
            "comment_accepted",
            view,
            b.links,
            locale=options.default_locale,
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
                "locale": options.default_locale,
                "component_id": view.space.component_id,
                "facts": None,
            },
        )
        public_planned = True
    informed = [
        s.name for s in view.stakeholders if s.email and _wants(s, state) and previous is not None
    ]
    approval = None
    if held and public_planned and link_maker is not None:
        approval = link_maker(view, view.lead.email)
    for person in view.advisors:
        is_lead = person.email.lower() == view.lead.email.lower()
        b.mail(
            template="advisor_status",
            purpose=f"status-{state}",
            version=ONCE,
            to=person.email,
            name=person.name,
            locale=person.locale,
            recipient=person,
            event=state,
            items=items,
            money=money,
            informed=informed,
            approval=approval if is_lead else None,
        )
    if previous is not None:
        _introductions_and_notices(b, state)
