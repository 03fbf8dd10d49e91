"""A batch trial as readable text: one line per initiative, then how work and means spread.

What ``plan try FOLDER`` prints, labelled in the rules' language.
"""

from __future__ import annotations

from decidim_bridge.plan.batch import BatchResult, budget_left
from decidim_bridge.plan.calendar import calendar_for
from decidim_bridge.plan.report import offer_line
from decidim_bridge.plan.texts import format_money, label, name_of, texts_for
from decidim_bridge.rules.model import Mappings


def batch_report(result: BatchResult, mappings: Mappings, locale: str | None = None) -> str:
    locale = locale or mappings.organization.default_locale
    texts = texts_for(mappings, locale)
    calendar = calendar_for(mappings)

    def w(group: str, key: str) -> str:
        return label(texts, group, key)

    heading = w("batch", "heading").format(count=len(result.plans))
    out = [heading, "=" * len(heading)]
    for plan in result.plans:
        day = calendar.local_date(plan.computed_at).isoformat()
        district = name_of("district", plan.classification.district_id or "", mappings, locale)
        theme = name_of("theme", plan.classification.primary_theme or "", mappings, locale)
        lead = plan.assignment.lead.name
        fallback = f" [{w('report', 'fallback')}]" if plan.assignment.fallback else ""
        out.append("")
        out.append(f"{day}  {plan.proposal_id}: {plan.title}")
        out.append(f"    {district or '-'} / {theme or '-'} -> {lead}{fallback}")
        for role in plan.assignment.co_advisors:
            out.append(f"    {w('report', 'co_advisor')}: {role.name}")
        for offer in plan.resources:
            out.append(f"    * {offer_line(offer, mappings, locale)}")
        budget = plan.budget
        if budget.budget_id:
            name = name_of("budget", budget.budget_id, mappings, locale)
            status = w("offer", budget.status)
            out.append(
                f"    {w('report', 'budget')}: {name}: {status}, "
                f"{format_money(budget.amount_cents, texts)}"
            )
    out.append("")
    out.append(w("batch", "advisors"))
    for advisor in mappings.advisors.advisors:
        leads, co = result.leads.get(advisor.id, 0), result.co.get(advisor.id, 0)
        out.append(f"  {advisor.name:<28} {leads:>3} / {co:>3} / {advisor.capacity}")
    out.append("")
    out.append(w("batch", "refused") + ":" + ("" if result.refused else f" {w('report', 'none')}"))
    for refusal in result.refused:
        name = name_of("resource", refusal.resource_id, mappings, locale)
        out.append(f"  {refusal.proposal_id}: {name} x{refusal.needed} ({refusal.available})")
    out.append("")
    out.append(w("batch", "budgets"))
    left = budget_left(mappings, result)
    for rule in mappings.budgets:
        where = ", ".join(name_of("district", d, mappings, locale) for d in rule.districts) or w(
            "batch", "everywhere"
        )
        name = name_of("budget", rule.id, mappings, locale)
        out.append(
            f"  {where}: {name}: {format_money(left[rule.id], texts)} "
            f"{w('batch', 'left')} {format_money(rule.total_cents, texts)}"
        )
    return "\n".join(out)
