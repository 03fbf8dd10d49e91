"""Texts of the writes: the comment for initiators, the answer, and the mails (pure).

Every message is rendered from one ``context``: the plan, the rules and the subject, with
short names for the parts most messages show (``contact``, ``offers``, ``expect``, ...).

Decidim limits a comment to 1,000 characters unless the organization or component sets
another maximum (``comment_max_length``). The comment template receives a ``detail`` level;
when the full text does not fit, it is rendered again with less detail (conditions are
left to the answer), and as a last resort cut at a line boundary. The reference code and
the invisible marker are appended by code, never left to an editable template.

A private note (the decidim-bridge module) is shown by Decidim as plain text
(``simple_format``, escaped): an HTML comment would be shown as written, so a note carries
the bridge's visible marker at its start (``note_commands.MARKER``, which also keeps the
bridge from reading its own notes as commands) and the reference code at its end.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from decidim_bridge.locales import localized
from decidim_bridge.plan.model import Plan
from decidim_bridge.plan.note_commands import MARKER
from decidim_bridge.rules.model import Mappings
from decidim_bridge.writeback import derived
from decidim_bridge.writeback.changes import Change
from decidim_bridge.writeback.keys import marker
from decidim_bridge.writeback.links_to_decidim import admin_url, public_url
from decidim_bridge.writeback.subject import Subject
from decidim_bridge.writeback.templates import MessageTemplates, Rendered

#: The template names write-back uses (each in ``mappings/texts/<locale>/<name>.md``).
COMMENT_TEMPLATES = ("comment", "comment_update", "comment_accepted")


def first_comment_template(plan: Plan) -> str:
    """``comment``, or ``comment_<kind>`` for a proposal that is not an initiative."""
    kind = plan.classification.kind
    return "comment" if plan.classification.is_initiative else f"comment_{kind}"


ANSWER_TEMPLATE = "answer"
NOTE_TEMPLATE = "note"
MAIL_TEMPLATES = ("advisor_plan", "advisor_status", "introduction", "notice", "reminder")


@dataclass(frozen=True)
class Links:
    decidim_url: str

    def public(self, plan: Plan, subject: Subject) -> str:
        """The proposal's page as Decidim reports it, else built from the space."""
        if plan.url and plan.url.startswith(("http://", "https://")):
            return plan.url
        return public_url(self.decidim_url, subject.space, subject.proposal_id)

    def admin(self, plan: Plan, subject: Subject) -> str:
        """The proposal's admin page, on the host residents use (the API may be reached
        under an internal name)."""
        return admin_url(self._base(plan), subject.space, subject.proposal_id)

    def _base(self, plan: Plan) -> str:
        if plan.url and plan.url.startswith(("http://", "https://")):
            parts = urlsplit(plan.url)
            return f"{parts.scheme}://{parts.netloc}"
        return self.decidim_url


def context(
    plan: Plan, subject: Subject, mappings: Mappings, links: Links, **extra: Any
) -> dict[str, Any]:
    """Everything a template may use: the plan, the rules, and the parts of the plan most
    messages show under short names; see ``mappings/texts/README.md``."""
    values: dict[str, Any] = {
        "plan": plan,
        "rules": mappings,
        "version": subject.version,
        "proposal": {
            "id": subject.proposal_id,
            "title": subject.title,
            "public_url": links.public(plan, subject),
            "admin_url": links.admin(plan, subject),
            "state": subject.state,
        },
        "contact": plan.assignment.lead,
        "co_advisors": plan.assignment.co_advisors,
        "expect": plan.expectations,
        "terms": derived.terms(plan.expectations, mappings),
        "offers": derived.active_offers(plan, mappings),
        "requested": derived.requested_offers(plan, mappings),
        "budgets": derived.active_budgets(plan, mappings),
        "partners": derived.partners(plan, mappings),
        "service": plan.service_purchase,
        "holds": derived.hold_lines(plan, mappings),
        "postponements": derived.postponements(plan),
        "changes": (),
        # Not an initiative: the kind from kinds.yaml (name, channel); None for initiatives.
        "kind": mappings.kind(plan.classification.kind),
    }
    values.update(extra)
    return values


def render_comment(
    templates: MessageTemplates,
    name: str,
    values: dict[str, Any],
    *,
    locale: str,
    ref: str,
    key: str,
    max_length: int,
    changes: Sequence[Change] = (),
    answer_written: bool = False,
) -> str:
    """The comment body with its reference code and marker, within ``max_length``."""
    suffix = f"\n\nRef. {ref}\n{marker(key)}"
    budget = max_length - len(suffix)
    text = ""
    for detail in (2, 1, 0):
        rendered = templates.render(
            name,
            locale,
            {
                **values,
                "detail": detail,
                "changes": tuple(changes),
                "answer_written": answer_written,
                "ref": ref,
            },
        )
        text = rendered.text
        if len(text) <= budget:
            return text + suffix
    return _cut(text, budget) + suffix


def _cut(text: str, budget: int) -> str:
    ellipsis = "\n…"
    lines = text.splitlines()
    out: list[str] = []
    used = 0
    for line in lines:
        if used + len(line) + 1 + len(ellipsis) > budget:
            break
        out.append(line)
        used += len(line) + 1
    if not out:
        return text[: max(0, budget - 1)] + "…"
    return "\n".join(out).rstrip() + ellipsis


def render_answer(
    templates: MessageTemplates, values: dict[str, Any], *, locales: Sequence[str]
) -> dict[str, str]:
    """The proposal answer as rich text (HTML) per locale."""
    out: dict[str, str] = {}
    for locale in locales:
        rendered = templates.render(ANSWER_TEMPLATE, locale, {**values, "detail": 2})
        out[locale] = rendered.html
    return out


def render_note(
    templates: MessageTemplates,
    values: dict[str, Any],
    *,
    locale: str,
    ref: str,
    update: bool,
    changes: Sequence[str] = (),
) -> str:
    """A private note with the plan for advisors: the marker, the text, the reference code.

    ``changes``: what changed since the previous version, in sentences (later versions).
    """
    rendered = templates.render(
        NOTE_TEMPLATE,
        locale,
        {**values, "detail": 2, "update": update, "changes": tuple(changes), "ref": ref},
    )
    return f"{MARKER} {rendered.text}\n\nRef. {ref}"


def render_mail(
    templates: MessageTemplates,
    name: str,
    values: dict[str, Any],
    *,
    locale: str,
    **extra: Any,
) -> Rendered:
    """A mail; its subject is the proposal's title when the template gives none."""
    rendered = templates.render(name, locale, {**values, "detail": 2, **extra})
    if not rendered.subject:
        rendered = Rendered(
            subject=localized(values["proposal"]["title"], locale, templates.default_locale),
            text=rendered.text,
            html=rendered.html,
        )
    return rendered
