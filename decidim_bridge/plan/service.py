"""Right to Challenge (uitdaagrecht): does the initiative offer a service to buy?

Flagged when at least ``min_signals`` *different* signal words occur and no excluded task
(permits, enforcement: things only the government may do). A flag is a question for the
procurement contact, not a decision.
"""

from __future__ import annotations

from datetime import date

from decidim_bridge.plan.calendar import WorkCalendar
from decidim_bridge.plan.classify import ProposalText
from decidim_bridge.plan.model import Evidence, Reason, ServicePurchase
from decidim_bridge.plan.texts import make_reason
from decidim_bridge.rules.model import Mappings


def service_purchase(
    text: ProposalText, mappings: Mappings, calendar: WorkCalendar, start: date
) -> ServicePurchase:
    rules = mappings.service_purchase
    signals: dict[str, Evidence] = {}
    excluded: dict[str, Evidence] = {}
    for hit in text.hits:
        kind, label = hit.owner
        if kind == "service-signal":
            signals.setdefault(label, Evidence("keyword", hit.where, hit.word, hit.keyword))
        elif kind == "service-excluded":
            excluded.setdefault(label, Evidence("keyword", hit.where, hit.word, hit.keyword))
    reasons: list[Reason] = []
    flagged = False
    if rules.enabled and signals:
        words = sorted(signals)
        if excluded:
            for evidence in excluded.values():
                reasons.append(
                    make_reason(
                        mappings, "service.excluded", keyword=evidence.rule, where=evidence.where
                    )
                )
        elif len(signals) >= rules.min_signals:
            flagged = True
            reasons.append(make_reason(mappings, "service.signals", signals=words))
        else:
            reasons.append(
                make_reason(mappings, "service.too_few", signals=words, needed=rules.min_signals)
            )
    decision_by = (
        calendar.add_working_days(start, rules.decision_days).isoformat() if flagged else None
    )
    return ServicePurchase(
        flagged=flagged,
        signals=tuple(signals.values()),
        excluded=tuple(excluded.values()),
        decision_by=decision_by,
        reasons=tuple(reasons),
    )
