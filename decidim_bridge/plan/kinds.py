"""Not every proposal is an initiative: reports about public space, questions (pure).

``kinds.yaml`` declares kinds with keywords, ``unless`` words and a channel. A proposal is
of the kind with the highest score that reaches its ``min_score`` and shows none of its
``unless`` words; otherwise it is an initiative. A person's ``/initiatief`` in a private
note (``Steering.initiative``) makes it an initiative whatever the rules say.

A proposal of another kind gets no advisor of its own (the coordinator is named, without
counting it as their load), no holds, no budget and no stakeholder links: only the
coordinator's checklist line and a flag, and the resident's reply that points to the
channel (``texts/<locale>/comment_<kind>.md``).
"""

from __future__ import annotations

from decidim_bridge.plan.classify import ProposalText
from decidim_bridge.plan.model import (
    AdvisorRole,
    Assignment,
    BudgetOffer,
    ChecklistItem,
    Reason,
    ServicePurchase,
)
from decidim_bridge.plan.steering import Steering
from decidim_bridge.plan.texts import checklist_text, make_reason
from decidim_bridge.rules.model import INITIATIVE, Mappings


def recognise(
    text: ProposalText, mappings: Mappings, steering: Steering
) -> tuple[str, tuple[Reason, ...]]:
    """The proposal's kind (``initiative`` or a kind id) and the reasons for it."""
    if steering.initiative is not None:
        return INITIATIVE, (make_reason(mappings, "kind.overruled", by=steering.initiative.by),)
    matching = mappings.matching
    reasons: list[Reason] = []
    best: tuple[int, str] | None = None
    for kind in mappings.kinds:
        hits = [h for h in text.hits if h.owner == ("kind", kind.id)]
        score = sum(
            matching.title_weight if h.where == "title" else matching.body_weight for h in hits
        )
        if kind.question_mark and text.title.rstrip().endswith("?"):
            score += matching.title_weight
        if score < kind.min_score:
            continue
        unless = next((h for h in text.hits if h.owner == ("kind-unless", kind.id)), None)
        if unless is not None:
            reasons.append(
                make_reason(
                    mappings, "kind.unless", kind=kind.id, keyword=unless.word, where=unless.where
                )
            )
            continue
        words = sorted({h.word for h in hits})
        reasons.append(make_reason(mappings, "kind.match", kind=kind.id, score=score, words=words))
        if best is None or score > best[0]:
            best = (score, kind.id)
    if best is None:
        return INITIATIVE, tuple(reasons)
    return best[1], tuple(reasons)


def coordinator_only(mappings: Mappings, kind: str) -> Assignment:
    """The coordinator is told; no advisor's load is counted."""
    coordinator = mappings.advisors.coordinator
    reason = make_reason(mappings, "lead.not_initiative", advisor=coordinator.id, kind=kind)
    lead = AdvisorRole(coordinator.id, coordinator.name, coordinator.email, "lead", None, reason)
    return Assignment(lead, (), fallback=False, counts_load=False)


NO_BUDGET = BudgetOffer(None, "none", None, 0, None, (), ())


NO_SERVICE = ServicePurchase(False, (), (), None, ())


def kind_checklist(mappings: Mappings, kind: str) -> tuple[ChecklistItem, ...]:
    args = {"kind": kind}
    text = checklist_text("p1.not_initiative", args, mappings, mappings.organization.default_locale)
    return (ChecklistItem(1, "p1.not_initiative", args, "todo", None, text),)
