"""What a plan would write and send, as text for rule owners (``--show-texts``).

The writes come from ``effects.plan_effects`` with the options the ledger uses, so the
preview is exactly what the writer would record: the public comment, the answer in each
language, private notes and every mail. Pure: no store, no Decidim, no mail server.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from typing import Any

from decidim_bridge.plan.model import Plan
from decidim_bridge.plan.texts import label, texts_for
from decidim_bridge.proposals import Proposal
from decidim_bridge.rules.model import Mappings
from decidim_bridge.store.outbox import NewEffect
from decidim_bridge.writeback.changes import resident_facts
from decidim_bridge.writeback.effects import ANSWER, COMMENT, MAIL, Options, Published, plan_effects
from decidim_bridge.writeback.subject import subject_of
from decidim_bridge.writeback.templates import MessageTemplates

#: The tenant written into the keys of previewed writes (never stored).
PREVIEW_TENANT = "preview.invalid"

_TAG = re.compile(r"<[^>]+>")
_BLOCK = re.compile(r"</(p|li|h\d|ul|ol)>|<br\s*/?>", re.IGNORECASE)


def preview_effects(
    plan: Plan,
    mappings: Mappings,
    *,
    options: Options,
    templates: MessageTemplates,
    version: int = 1,
    previous: Plan | None = None,
    proposal: Proposal | None = None,
    tenant: str = PREVIEW_TENANT,
) -> list[NewEffect]:
    """The writes of ``plan``: as a first plan, or as the update after ``previous`` (then
    residents are taken to have read what ``previous`` told them)."""
    subject = subject_of(plan, mappings, tenant=tenant, version=version, proposal=proposal)
    published = Published()
    if previous is not None:
        published = Published(facts=resident_facts(previous, mappings, options.default_locale))
    return plan_effects(
        plan,
        subject,
        mappings,
        previous=previous,
        published=published,
        options=options,
        templates=templates,
        link_maker=None,
    )


def _plain(value: str) -> str:
    """Rich-text answers are HTML; show them as text."""
    text = html.unescape(_TAG.sub("", _BLOCK.sub("\n", value)))
    lines = [line.strip() for line in text.strip().splitlines()]
    return "\n".join(line for line in lines if line)


def _body(effect: NewEffect) -> str:
    payload: dict[str, Any] = effect.payload
    for key in ("body", "text", "note"):
        if isinstance(payload.get(key), str):
            return str(payload[key])
    return ""


def effects_text(
    effects: Sequence[NewEffect], mappings: Mappings, locale: str | None = None
) -> str:
    """Every write as a block: what residents, advisors and partners would read."""
    locale = locale or mappings.organization.default_locale
    texts = texts_for(mappings, locale)

    def w(key: str) -> str:
        return label(texts, "preview", key)

    out = [w("heading"), "=" * len(w("heading"))]
    if not effects:
        out.append(w("nothing"))
    for effect in effects:
        held = f" [{w('held')}]" if effect.held else ""
        payload = effect.payload
        out.append("")
        if effect.kind == COMMENT:
            out.append(f"--- {w('comment')} ({payload.get('locale', '')}){held} ---")
            out.append(_body(effect))
        elif effect.kind == ANSWER:
            for lang, content in (payload.get("answer_content") or {}).items():
                out.append(f"--- {w('answer')} '{payload.get('state')}' ({lang}){held} ---")
                out.append(_plain(str(content)))
                out.append("")
            out.append(w("answer_assumed"))
        elif effect.kind == MAIL:
            to = ", ".join(payload.get("to") or [effect.recipient])
            name = payload.get("to_name") or ""
            cc = payload.get("cc") or []
            who = f"{name} <{to}>" if name else to
            out.append(f"--- {w('mail')} {who} ({effect.purpose}) ---")
            if cc:
                out.append(f"Cc: {', '.join(cc)}")
            out.append(f"{w('subject')}: {payload.get('subject', '')}")
            out.append("")
            out.append(str(payload.get("text", "")).rstrip())
        else:
            title = w("note") if "note" in effect.kind else effect.kind
            out.append(f"--- {title} ({effect.purpose}){held} ---")
            out.append(_body(effect))
    return "\n".join(out).rstrip() + "\n"
