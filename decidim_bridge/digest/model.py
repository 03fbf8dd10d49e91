"""The digest as plain data: what a council letter about citizen initiatives says.

Ids stay ids (district, theme, budget); names are resolved in the digest's language when it
is built, so the renderer only formats. Dates are ISO strings in the municipality's time
zone; money is euro cents. Residents' personal data never enters: plans hold none, and
stakeholders other than the wethouders (public office holders) are not named.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

#: How a promised date turned out, compared with the digest's "today".
ON_TIME, LATE, OVERDUE, PENDING, DONE, NOT_APPLICABLE = (
    "on_time",  # kept: the answer came on or before the date
    "late",  # the answer came after the date
    "overdue",  # the date passed and there is no answer yet
    "pending",  # the date has not come yet
    "done",  # answered, but the plan does not record on which day
    "n/a",  # the initiative was withdrawn (or closed) before it mattered
)
PROMISE_STATUSES = (ON_TIME, LATE, OVERDUE, PENDING, DONE, NOT_APPLICABLE)


@dataclass(frozen=True)
class Period:
    """Both ends included."""

    since: date
    until: date

    def __post_init__(self) -> None:
        if self.since > self.until:
            raise ValueError(f"period starts ({self.since}) after it ends ({self.until})")


@dataclass(frozen=True)
class Promise:
    due: str
    status: str  # one of PROMISE_STATUSES
    answered_on: str | None = None


@dataclass(frozen=True)
class OfferLine:
    """A catalogue item the municipality holds or confirmed for the initiative."""

    resource_id: str
    name: str
    quantity: int
    unit: str
    status: str  # held | confirmed


@dataclass(frozen=True)
class BudgetLine:
    budget_id: str
    name: str
    status: str  # held | confirmed
    amount_cents: int


@dataclass(frozen=True)
class DigestItem:
    proposal_id: str
    reference: str | None
    title: str
    url: str | None
    stage: str  # open | accepted | rejected | withdrawn
    district_id: str | None
    district: str  # name, or the "unknown" word
    theme_ids: tuple[str, ...]
    themes: tuple[str, ...]  # names, the main theme first
    lead: str  # the lead advisor's name (municipal staff)
    started_on: str  # publication date
    new_in_period: bool
    offers: tuple[OfferLine, ...]
    budget: BudgetLine | None
    first_contact: Promise
    decision: Promise
    right_to_challenge: bool


@dataclass(frozen=True)
class BudgetTotal:
    budget_id: str
    name: str
    total_cents: int  # what the budget holds for the whole year, from the rules
    held_cents: int
    confirmed_cents: int


@dataclass(frozen=True)
class Totals:
    count: int
    new: int
    stages: dict[str, int]  # every stage, zero included
    overdue: int  # decision promised and passed without an answer
    late: int  # decided after the promised date
    right_to_challenge: int
    budgets: tuple[BudgetTotal, ...]


@dataclass(frozen=True)
class Group:
    """One wijk or one portfolio with its initiatives.

    ``key`` is the district id or the wethouder's stakeholder id; "" collects what has no
    known district or no portfolio (no theme, or no wethouder for the theme)."""

    key: str
    name: str
    role: str | None  # portfolios: the wethouder's role from the rules; districts: None
    themes: tuple[str, ...]  # portfolios: the theme names it covers
    initiatives: tuple[DigestItem, ...]
    totals: Totals


@dataclass(frozen=True)
class Digest:
    organization: str
    locale: str
    period: Period
    today: date
    district_filter: str | None  # name of the --district, if given
    theme_filter: str | None  # name of the --theme, if given
    districts: tuple[Group, ...]
    portfolios: tuple[Group, ...]
    totals: Totals
    initiatives: tuple[DigestItem, ...] = field(default=())
    audience: str | None = None  # the stakeholder a mailed digest was selected for
