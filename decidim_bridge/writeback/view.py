"""What write-back needs to know about one plan version: plain, frozen data.

The support-plan engine has its own, richer model; ``adapter.view_from_plan`` maps it to
this view (with names, e-mail addresses and conditions from the mappings), so texts and
effect planning depend only on the facts they show. Texts that may exist in several
locales are ``{locale: text}`` maps or plain strings; ``localized`` picks one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

Text = str | dict[str, str]

#: Proposal states after which the bridge no longer writes an ``evaluating`` answer.
FINAL_STATES = frozenset({"accepted", "rejected", "withdrawn"})


def localized(value: Any, locale: str, default_locale: str = "nl") -> str:
    """Text from a ``{locale: text}`` map (or a plain string), falling back sensibly."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        for key in (locale, locale.split("-")[0], default_locale):
            if value.get(key):
                return str(value[key])
        for key in sorted(value):
            if value[key] and not str(key).startswith("machine_translations"):
                return str(value[key])
        return ""
    return str(value)


@dataclass(frozen=True)
class Contact:
    """A municipal contact (advisor, coordinator, procurement); named to residents."""

    name: str
    email: str
    phone: str | None = None
    role: Text = ""
    domain: Text = ""
    locale: str | None = None


@dataclass(frozen=True)
class ResourceOffer:
    """An item of the catalogue the municipality offers (and holds) for the initiative."""

    key: str
    name: Text
    quantity: int = 1
    unit: Text = ""
    lead_time_days: int | None = None
    ready_by: date | None = None
    conditions: tuple[Text, ...] = ()
    department: Text = ""
    status: str = "held"  # held | confirmed | released | requested (nothing available)
    reason: str = ""


@dataclass(frozen=True)
class BudgetOffer:
    """An amount reserved from a budget (e.g. the district budget)."""

    key: str
    name: Text
    amount: Decimal
    conditions: tuple[Text, ...] = ()
    status: str = "held"
    reason: str = ""


@dataclass(frozen=True)
class StakeholderLink:
    """A party to involve. ``public_label`` is what residents may read (an organisation or
    role, never a private person's name); ``name``/``email`` are for mail only."""

    key: str
    name: str
    kind: str
    public_label: Text = ""
    email: str | None = None
    internal: bool = False
    introduce: bool = False
    inform_on: frozenset[str] = frozenset()
    reason: str = ""
    locale: str | None = None


@dataclass(frozen=True)
class Expectations:
    """The expectation contract: say, who decides, time asked, promised dates."""

    say: Text = ""
    decides: Text = ""
    time_investment: Text = ""
    first_contact_by: date | None = None
    decision_by: date | None = None
    results_visible: Text = ""


@dataclass(frozen=True)
class ServicePurchase:
    """Right to Challenge: the initiative offers a service the municipality could buy."""

    flagged: bool = False
    reason: str = ""
    contact: Contact | None = None


@dataclass(frozen=True)
class ChecklistItem:
    practice: int
    text: Text
    done: bool = False


@dataclass(frozen=True)
class Space:
    """Where the proposal lives in Decidim (for links)."""

    type: str  # "Decidim::ParticipatoryProcess" | "Decidim::Assembly" | ...
    slug: str
    component_id: str


@dataclass(frozen=True)
class PlanView:
    tenant: str
    proposal_id: str
    version: int
    title: Text
    space: Space
    lead: Contact
    co_advisors: tuple[Contact, ...] = ()
    lead_is_fallback: bool = False
    state: str | None = None
    district: Text = ""
    themes: tuple[Text, ...] = ()
    resources: tuple[ResourceOffer, ...] = ()
    budgets: tuple[BudgetOffer, ...] = ()
    stakeholders: tuple[StakeholderLink, ...] = ()
    expectations: Expectations = field(default_factory=Expectations)
    service_purchase: ServicePurchase = field(default_factory=ServicePurchase)
    checklist: tuple[ChecklistItem, ...] = ()
    reasons: tuple[str, ...] = ()
    changes: tuple[str, ...] = ()
    publication_mode: str | None = None  # per process, from the mappings; None = setting
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def active_resources(self) -> tuple[ResourceOffer, ...]:
        return tuple(r for r in self.resources if r.status in ("held", "confirmed"))

    @property
    def active_budgets(self) -> tuple[BudgetOffer, ...]:
        return tuple(b for b in self.budgets if b.status in ("held", "confirmed"))

    @property
    def advisors(self) -> tuple[Contact, ...]:
        """Lead first, then co-advisors, each address once."""
        seen: set[str] = set()
        out: list[Contact] = []
        for person in (self.lead, *self.co_advisors):
            if person.email.lower() not in seen:
                seen.add(person.email.lower())
                out.append(person)
        return tuple(out)
