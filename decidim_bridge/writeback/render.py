"""Texts of the writes: the comment for initiators, the answer, and the mails (pure).

Decidim limits a comment to 1,000 characters unless the organization or component sets
another maximum (``comment_max_length``). The comment template receives a ``detail`` level;
when the full text does not fit, it is rendered again with less detail (conditions are
left to the answer), and as a last resort cut at a line boundary. The reference code and
the invisible marker are appended by code, never left to an editable template.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from decidim_bridge.writeback.changes import Change
from decidim_bridge.writeback.keys import marker
from decidim_bridge.writeback.links_to_decidim import admin_url, public_url
from decidim_bridge.writeback.templates import MessageTemplates, Rendered
from decidim_bridge.writeback.view import PlanView, localized

#: The template names write-back uses (each in ``mappings/texts/<locale>/<name>.md``).
COMMENT_TEMPLATES = ("comment", "comment_update", "comment_accepted")
ANSWER_TEMPLATE = "answer"
MAIL_TEMPLATES = ("advisor_plan", "advisor_status", "introduction", "notice", "reminder")


@dataclass(frozen=True)
class Links:
    decidim_url: str

    def public(self, view: PlanView) -> str:
        """The proposal's page as Decidim reports it, else built from the space."""
        reported = view.extra.get("public_url")
        if isinstance(reported, str) and reported.startswith(("http://", "https://")):
            return reported
        return public_url(self.decidim_url, view.space, view.proposal_id)

    def admin(self, view: PlanView) -> str:
        """The proposal's admin page, on the host residents use (the API may be reached
        under an internal name)."""
        return admin_url(self._base(view), view.space, view.proposal_id)

    def _base(self, view: PlanView) -> str:
        reported = view.extra.get("public_url")
        if isinstance(reported, str) and reported.startswith(("http://", "https://")):
            parts = urlsplit(reported)
            return f"{parts.scheme}://{parts.netloc}"
        return self.decidim_url


def context(view: PlanView, links: Links, default_locale: str, **extra: Any) -> dict[str, Any]:
    """Everything a template may use; see ``mappings/texts/README.md``."""
    partners = []
    seen: set[str] = set()
    for s in view.stakeholders:
        label = localized(s.public_label, default_locale, default_locale)
        if s.introduce and label and label not in seen:
            seen.add(label)
            partners.append(s.public_label)
    values: dict[str, Any] = {
        "plan": view,
        "proposal": {
            "id": view.proposal_id,
            "title": view.title,
            "public_url": links.public(view),
            "admin_url": links.admin(view),
            "state": view.state,
        },
        "contact": view.lead,
        "co_advisors": view.co_advisors,
        "expect": view.expectations,
        "offers": view.active_resources,
        "requested": tuple(r for r in view.resources if r.status == "requested"),
        "budgets": view.active_budgets,
        "partners": partners,
        "service": view.service_purchase,
        "changes": (),
    }
    values.update(extra)
    return values


def render_comment(
    templates: MessageTemplates,
    name: str,
    view: PlanView,
    links: Links,
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
            context(
                view,
                links,
                templates.default_locale,
                detail=detail,
                changes=tuple(changes),
                answer_written=answer_written,
                ref=ref,
            ),
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
    templates: MessageTemplates, view: PlanView, links: Links, *, locales: Sequence[str]
) -> dict[str, str]:
    """The proposal answer as rich text (HTML) per locale."""
    out: dict[str, str] = {}
    for locale in locales:
        rendered = templates.render(
            ANSWER_TEMPLATE, locale, context(view, links, templates.default_locale, detail=2)
        )
        out[locale] = rendered.html
    return out


def render_mail(
    templates: MessageTemplates,
    name: str,
    view: PlanView,
    links: Links,
    *,
    locale: str,
    **extra: Any,
) -> Rendered:
    rendered = templates.render(
        name, locale, context(view, links, templates.default_locale, detail=2, **extra)
    )
    if not rendered.subject:
        rendered = Rendered(
            subject=localized(view.title, locale, templates.default_locale),
            text=rendered.text,
            html=rendered.html,
        )
    return rendered
