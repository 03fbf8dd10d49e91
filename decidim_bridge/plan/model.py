"""The support plan: what the bridge decided for one initiative, and why.

A ``Plan`` is plain frozen data, built by ``plan.engine.build_plan`` (run by the pipeline)
and stored as versions of JSON text (``plan.serialize``, ``plan_versions``). Every
decision carries ``Reason``s: a code with arguments (ids, ISO dates, cents) plus its text
in the organization's default language, rendered at plan time from ``mappings/texts``.
Dates are ISO strings (``2026-05-04``) in the municipality's time zone; times are epoch
seconds; money is euro cents.

The write-back renders comments, answers and mails from a plan version and the rules
with the templates in ``mappings/texts``; every text in a plan (reasons, checklist lines)
can also be rendered in another language from its code and arguments (``plan.texts``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from decidim_bridge.hold_periods import Use, use_of

#: Proposal life stages the plan distinguishes (Decidim states map onto these).
OPEN, ACCEPTED, REJECTED, WITHDRAWN = "open", "accepted", "rejected", "withdrawn"
CLOSED_STAGES = (REJECTED, WITHDRAWN)

#: Hold statuses: ``held`` (reserved, expires), ``confirmed`` (initiative accepted).
HELD, CONFIRMED = "held", "confirmed"

#: Field metadata: leave the field out of stored JSON while it has its default.
OMIT_DEFAULT = {"omit_default": True}
#: Field metadata: never in stored JSON (read back, the field has its default). For what
#: the engine knew while planning and a caller of it may use, but a version need not keep.
NOT_STORED = {"not_stored": True}


@dataclass(frozen=True)
class Reason:
    code: str
    args: dict[str, Any] = field(default_factory=dict)
    text: str = ""


@dataclass(frozen=True)
class Evidence:
    """One observation in the proposal that a rule used."""

    source: str  # taxonomy | postcode | place | keyword | amount
    where: str  # title | body | address | taxonomies
    matched: str  # what was found (word, postcode, taxonomy name, amount text)
    rule: str  # the rule it satisfied (keyword, postcode range, taxonomy name)
    weight: int = 0


@dataclass(frozen=True)
class ThemeResult:
    theme_id: str
    score: int
    evidence: tuple[Evidence, ...] = ()


@dataclass(frozen=True)
class Classification:
    district_id: str | None
    district_evidence: tuple[Evidence, ...]
    themes: tuple[ThemeResult, ...]  # counted themes; the first is the main theme
    weak_themes: tuple[ThemeResult, ...]
    reasons: tuple[Reason, ...]
    #: ``initiative``, or the id of a kind in kinds.yaml (a report, a question).
    kind: str = field(default="initiative", metadata=OMIT_DEFAULT)
    #: The language the proposal is written in, when it was recognised (``nl``, ``en``).
    language: str | None = field(default=None, metadata=OMIT_DEFAULT)

    @property
    def is_initiative(self) -> bool:
        return self.kind == "initiative"

    @property
    def primary_theme(self) -> str | None:
        return self.themes[0].theme_id if self.themes else None

    @property
    def theme_ids(self) -> tuple[str, ...]:
        return tuple(t.theme_id for t in self.themes)


@dataclass(frozen=True)
class AdvisorRole:
    advisor_id: str
    name: str
    email: str
    role: str  # lead | co
    theme_id: str | None
    reason: Reason


@dataclass(frozen=True)
class Assignment:
    lead: AdvisorRole
    co_advisors: tuple[AdvisorRole, ...]
    fallback: bool  # the coordinator leads because no advisor fitted
    counts_load: bool  # the lead's open-initiative count includes this one
    reasons: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class Hold:
    """A reservation of catalogue units or budget cents for this initiative."""

    kind: str  # resource | budget
    item_id: str
    quantity: int  # units, or cents for a budget
    status: str  # held | confirmed
    held_at: float
    #: A held hold lapses then; a hold with a period (``starts_at``) ends then, also once
    #: confirmed; None: confirmed without a period (no end).
    expires_at: float | None
    #: When the reservation starts to count: the day the item is needed minus its lead
    #: time (None: from the moment it was made). Stored with the hold row; the store and
    #: the planner count units per period (``decidim_bridge.hold_periods``).
    starts_at: float | None = field(default=None, metadata=OMIT_DEFAULT)

    @property
    def use(self) -> Use:
        """The units this hold uses, and when (``hold_periods.use_of``)."""
        return use_of(self.held_at, self.starts_at, self.expires_at, self.quantity)


@dataclass(frozen=True)
class ResourceOffer:
    resource_id: str
    group: str
    status: str  # held | confirmed | unavailable | released
    quantity: int
    ready_by: str  # earliest date the department can hand it out
    hold: Hold | None
    evidence: tuple[Evidence, ...]
    reasons: tuple[Reason, ...]
    #: Units free during the period the item was wanted, when the engine looked at stock
    #: (held, confirmed or unavailable; None when released). Not stored: the reason says it
    #: in words; ``plan.batch`` counts refusals with it.
    free: int | None = field(default=None, compare=False, metadata=NOT_STORED)


@dataclass(frozen=True)
class BudgetOffer:
    budget_id: str | None  # None: no budget applies (status "none")
    status: str  # held | confirmed | unavailable | released | none
    requested_cents: int | None
    amount_cents: int
    hold: Hold | None
    evidence: tuple[Evidence, ...]
    reasons: tuple[Reason, ...]
    warnings: tuple[Reason, ...] = ()


@dataclass(frozen=True)
class StakeholderLink:
    stakeholder_id: str
    kind: str
    action: str  # introduce | inform | digest
    inform_now: bool  # the current stage is one they want to hear about
    reason: Reason


@dataclass(frozen=True)
class ExpectationContract:
    rule: str  # "default" or the space key from expectations.yaml
    say: str
    start_date: str
    first_contact_days: int
    first_contact_by: str
    decision_days: int
    decision_by: str
    tracking: str  # pending | on_time | late | overdue
    answered_on: str | None
    reasons: tuple[Reason, ...]
    #: The day a person recorded first contact with the initiators (steering), if any.
    first_contact_on: str | None = field(default=None, metadata=OMIT_DEFAULT)
    #: The day the initiative was published when the dates count from a later day (the
    #: plan was first made too late to keep the usual dates): ``start_date`` is that day.
    rebased_from: str | None = field(default=None, metadata=OMIT_DEFAULT)

    @property
    def published_on(self) -> str:
        """The day the initiative was published (whatever day the promises count from)."""
        return self.rebased_from or self.start_date


@dataclass(frozen=True)
class ServicePurchase:
    flagged: bool
    signals: tuple[Evidence, ...]
    excluded: tuple[Evidence, ...]
    decision_by: str | None
    reasons: tuple[Reason, ...]


@dataclass(frozen=True)
class ChecklistItem:
    practice: int  # 1 obstacles & cross-domain, 2 expectations, 3 means, 4 support
    key: str
    args: dict[str, Any]
    status: str  # todo | done | overdue | n/a
    due: str | None
    text: str = ""


@dataclass(frozen=True)
class Plan:
    proposal_id: str
    component_id: str
    space_key: str | None
    title: str
    url: str | None
    reference: str | None
    stage: str
    locale: str
    classification: Classification
    assignment: Assignment
    resources: tuple[ResourceOffer, ...]
    budget: BudgetOffer
    stakeholders: tuple[StakeholderLink, ...]
    expectations: ExpectationContract
    service_purchase: ServicePurchase
    checklist: tuple[ChecklistItem, ...]
    flags: tuple[Reason, ...]
    notes: tuple[Reason, ...] = ()
    mappings_digest: str = ""
    computed_at: float = 0.0
    #: Nothing public is written for this plan: a proposal that existed before the bridge
    #: saw it and was answered or old already (``plan.existing``; the reason is in notes).
    quiet: bool = field(default=False, metadata=OMIT_DEFAULT)

    @property
    def holds(self) -> tuple[Hold, ...]:
        """Every active hold of this plan (resources first, then the budget)."""
        out = [offer.hold for offer in self.resources if offer.hold is not None]
        if self.budget.hold is not None:
            out.append(self.budget.hold)
        return tuple(out)
