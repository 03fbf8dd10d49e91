"""A plan as readable text, with every reason: what ``plan show`` and ``plan try`` print.

Reasons and checklist lines are rendered from their codes in the requested language, so a
rule owner can read a plan in Dutch or English whatever the default is.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

from decidim_bridge.plan.calendar import calendar_for
from decidim_bridge.plan.diff import Change
from decidim_bridge.plan.model import Plan, Reason, ResourceOffer
from decidim_bridge.plan.texts import (
    checklist_text,
    format_date,
    format_money,
    label,
    name_of,
    reason_text,
    texts_for,
)
from decidim_bridge.rules.model import Mappings, ScopeDecision


def _lines(reasons: Iterable[Reason], mappings: Mappings, locale: str, indent: str) -> list[str]:
    return [f"{indent}- {reason_text(r.code, r.args, mappings, locale)}" for r in reasons]


def _moment(epoch: float | None, mappings: Mappings, locale: str) -> str:
    if epoch is None:
        return "-"
    calendar = calendar_for(mappings)
    return format_date(calendar.local_date(epoch), texts_for(mappings, locale))


def plan_report(plan: Plan, mappings: Mappings, locale: str | None = None) -> str:
    """Every decision of ``plan`` and why, section by section, labelled in ``locale``."""
    locale = locale or mappings.organization.default_locale
    texts = texts_for(mappings, locale)

    def w(key: str) -> str:
        return label(texts, "report", key)

    c = plan.classification
    out: list[str] = []
    title = f"{plan.reference or plan.proposal_id}: {plan.title}"
    out.append(title)
    out.append("=" * min(len(title), 100))
    computed = datetime.fromtimestamp(plan.computed_at, UTC).isoformat(timespec="seconds")
    out.append(
        f"{w('stage')}: {label(texts, 'stage', plan.stage)} | {w('component')} "
        f"{plan.component_id} | {w('rules')}: {plan.expectations.rule} | "
        f"{w('computed')} {computed}"
    )
    if plan.url:
        out.append(f"{w('url')}: {plan.url}")
    if plan.quiet:
        why = [n for n in plan.notes if n.code.startswith("existing.")]
        text = "; ".join(reason_text(n.code, n.args, mappings, locale) for n in why)
        out.append(w("quiet").format(why=text or w("existing")))
    if plan.flags:
        out.append("")
        out.append(w("attention"))
        out += _lines(plan.flags, mappings, locale, "  ")
    out.append("")
    district = name_of("district", c.district_id, mappings, locale) if c.district_id else "-"
    themes = ", ".join(
        f"{name_of('theme', t.theme_id, mappings, locale)} ({t.score})" for t in c.themes
    )
    out.append(f"{w('classification')}: {w('district')} {district}; {w('themes')} {themes or '-'}")
    out += _lines(c.reasons, mappings, locale, "  ")
    a = plan.assignment
    out.append("")
    load_note = "" if a.counts_load else f" ({w('no_load')})"
    fallback = f" [{w('fallback')}]" if a.fallback else ""
    out.append(f"{w('lead')}: {a.lead.name} <{a.lead.email}>{fallback}{load_note}")
    out += _lines([a.lead.reason], mappings, locale, "  ")
    for role in a.co_advisors:
        theme = name_of("theme", role.theme_id or "", mappings, locale)
        out.append(f"{w('co_advisor')}: {role.name} <{role.email}> {w('for_theme')} {theme}")
        out += _lines([role.reason], mappings, locale, "  ")
    out += _lines(a.reasons, mappings, locale, "  ")
    out.append("")
    out.append(f"{w('offers')}:" if plan.resources else f"{w('offers')}: {w('none')}")
    for offer in plan.resources:
        out.append(f"  * {offer_line(offer, mappings, locale)}")
        out += _lines(offer.reasons, mappings, locale, "    ")
    for note in plan.notes:
        out.append(f"  - {reason_text(note.code, note.args, mappings, locale)}")
    b = plan.budget
    out.append("")
    if b.budget_id:
        amount = format_money(b.amount_cents, texts)
        budget = name_of("budget", b.budget_id, mappings, locale)
        out.append(f"{w('budget')}: {budget}: {label(texts, 'offer', b.status)}, {amount}")
    else:
        out.append(f"{w('budget')}: {w('none')}")
    out += _lines(b.reasons, mappings, locale, "  ")
    out += _lines(b.warnings, mappings, locale, "  ! ")
    out.append("")
    out.append(
        f"{w('stakeholders')}:" if plan.stakeholders else f"{w('stakeholders')}: {w('none')}"
    )
    for link in plan.stakeholders:
        now = f", {w('inform_now')}" if link.inform_now else ""
        who = name_of("stakeholder", link.stakeholder_id, mappings, locale)
        action = label(texts, "action", link.action)
        kind = label(texts, "stakeholder_kind", link.kind)
        out.append(f"  * {who} [{kind}]: {action}{now}")
        out += _lines([link.reason], mappings, locale, "    ")
    e = plan.expectations
    out.append("")
    first, decision = format_date(e.first_contact_by, texts), format_date(e.decision_by, texts)
    out.append(
        f"{w('expectations')}: {label(texts, 'say', e.say)}; {w('first_contact_by')} {first}; "
        f"{w('decision_by')} {decision}; {w('tracking')}: {label(texts, 'tracking', e.tracking)}"
    )
    out += _lines(e.reasons, mappings, locale, "  ")
    s = plan.service_purchase
    out.append("")
    out.append(f"{w('challenge')}: {w('flagged') if s.flagged else w('no')}")
    out += _lines(s.reasons, mappings, locale, "  ")
    out.append("")
    out.append(f"{w('checklist')}:")
    for item in plan.checklist:
        due = f" ({w('due')} {format_date(item.due, texts)})" if item.due else ""
        text = checklist_text(item.key, item.args, mappings, locale)
        status = label(texts, "status", item.status)
        practice = label(texts, "practice", str(item.practice))
        out.append(f"  [{status}] {practice}: {text}{due}")
    return "\n".join(out)


def offer_line(offer: ResourceOffer, mappings: Mappings, locale: str) -> str:
    """``Dranghekken x10: vastgehouden tot …; klaar op …`` (one catalogue offer)."""
    texts = texts_for(mappings, locale)
    hold = ""
    if offer.hold is not None and offer.hold.expires_at:
        hold = (
            f" {label(texts, 'report', 'until')} {_moment(offer.hold.expires_at, mappings, locale)}"
        )
    name = name_of("resource", offer.resource_id, mappings, locale)
    ready = format_date(offer.ready_by, texts) if offer.ready_by else "-"
    status = label(texts, "offer", offer.status)
    return f"{name} x{offer.quantity}: {status}{hold}; {label(texts, 'report', 'ready_by')} {ready}"


def scope_lines(decision: ScopeDecision, mappings: Mappings, locale: str) -> str:
    """``bereik: valt binnen: Wijkinitiatieven`` or why the bridge would not plan it."""
    texts = texts_for(mappings, locale)
    why = reason_text(decision.code, decision.args, mappings, locale)
    verdict = "in_scope" if decision.in_scope else "not_in_scope"
    where = f"{label(texts, 'report', verdict)}: {why}"
    lines = [f"{label(texts, 'report', 'scope')}: {where}"]
    if not decision.in_scope:
        lines.append(label(texts, "report", "out_of_scope"))
    return "\n".join(lines)


#: ``plan show --history``: sections whose item is an id, and the kind of id.
_ITEM_KINDS = {
    "themes": "theme",
    "co_advisors": "theme",
    "resources": "resource",
    "stakeholders": "stakeholder",
}
#: Sections whose values are ids (shown as names) or label keys (shown as labels).
_VALUE_KINDS = {"district": "district", "co_advisors": "advisor", "lead": "advisor"}
_VALUE_LABELS = {"stage": "stage", "resources": "offer", "checklist": "status"}


def change_line(change: Change, mappings: Mappings, locale: str) -> str:
    """``fase: lopend -> aangenomen``: one stored change, labelled in ``locale``."""
    texts = texts_for(mappings, locale)
    item = change.item
    if item and change.section in _ITEM_KINDS:
        item = name_of(_ITEM_KINDS[change.section], item, mappings, locale)
    elif item == "counts_load":  # whether the lead's workload counts this plan (plan.diff)
        item = label(texts, "report", "counts_load")
    subject = f"{label(texts, 'change_section', change.section)} {item}".strip()
    if change.kind != "changed":
        return f"{subject}: {label(texts, 'change', change.kind)}"

    def value(raw: str | None) -> str:
        if raw is None or raw == "None":
            return "-"
        if raw in ("True", "False"):  # a flag (plan.diff writes str(bool))
            return label(texts, "report", "yes" if raw == "True" else "no")
        if change.section == "stakeholders":  # "inform, now" (plan.diff)
            action, _, now = raw.partition(", ")
            return label(texts, "action", action) + (
                f", {label(texts, 'report', 'inform_now')}" if now else ""
            )
        if change.section == "budget":  # "id:status:cents" (plan.diff)
            budget_id, status, cents = [*raw.split(":"), "", ""][:3]
            if budget_id in ("", "None"):
                return label(texts, "report", "none")
            money = format_money(int(cents), texts) if cents.lstrip("-").isdigit() else ""
            name = name_of("budget", budget_id, mappings, locale)
            return f"{name} ({label(texts, 'offer', status)}, {money})" if money else name
        if change.section in _VALUE_LABELS:
            return label(texts, _VALUE_LABELS[change.section], raw)
        if change.section in _VALUE_KINDS and not change.item.startswith("counts_"):
            return name_of(_VALUE_KINDS[change.section], raw, mappings, locale)
        return raw

    return f"{subject}: {value(change.before)} -> {value(change.after)}"
