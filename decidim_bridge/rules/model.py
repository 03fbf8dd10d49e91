"""The validated rule files as plain, frozen data: what the plan engine reads.

Nothing here knows about YAML or marshmallow. ``Localized`` texts are ``{locale: text}``
(``decidim_bridge.locales.localized`` picks one); ``Keyword`` words are already folded.
Ids are the short names the files use to refer to each other (``noord``, ``groen``,
``a-de-vries``). Money is kept in euro cents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any, TypedDict

from decidim_bridge.rules.keywords import Keyword, KeywordIndex

if TYPE_CHECKING:
    from decidim_bridge.proposals import Proposal

Localized = dict[str, str]

#: What a keyword in the rule files is evidence for: ``(kind, id)``, e.g. ``("theme",
#: "groen")``, ``("district", "noord")``, ``("service-signal", label)``.
KeywordOwner = tuple[str, str]

#: The participation ladder: how much say residents get, from least to most.
SAY_LEVELS = ("inform", "consult", "advise", "co-create", "co-decide", "decide")
STAGES = ("open", "accepted", "rejected", "withdrawn")
INFORM_MOMENTS = ("published", "accepted", "rejected", "withdrawn", "digest")
STAKEHOLDER_KINDS = (
    "wijkraad",
    "buurtvereniging",
    "sleutelfiguur",
    "department",
    "wethouder",
    "council_committee",
)
#: Stakeholders that live outside the municipality (introductions need their consent).
EXTERNAL_KINDS = ("wijkraad", "buurtvereniging", "sleutelfiguur")
RESOURCE_KINDS = ("land", "room", "tool", "fencing", "printer", "material", "equipment")

#: How public writes reach residents: at once, or after the lead advisor approved them.
PUBLICATION_MODES = ("automatic", "after-approval")

#: Decidim space classes by the short names the scope file uses.
SPACE_TYPES = {
    "participatory_process": "Decidim::ParticipatoryProcess",
    "assembly": "Decidim::Assembly",
    "conference": "Decidim::Conference",
    "initiative": "Decidim::Initiative",
}


def normalize_space_type(value: str | None) -> str | None:
    """``Decidim::ParticipatoryProcess`` or ``participatory_processes`` -> the short name."""
    if not value:
        return None
    name = value.rsplit("::", 1)[-1]
    flat = "".join(ch for ch in name.lower() if ch.isalnum())
    for short in SPACE_TYPES:
        base = short.replace("_", "")
        plural = base[:-1] + "ies" if base.endswith("y") else base + "es"
        if flat in (base, base + "s", plural):
            return short
    return flat


@dataclass(frozen=True)
class Organization:
    name: str
    host: str
    default_locale: str
    locales: tuple[str, ...]
    timezone: str = "Europe/Amsterdam"


@dataclass(frozen=True)
class SpaceRule:
    """One participatory space (and optionally some of its components) in scope.yaml."""

    name: str
    space_type: str | None
    space_id: str | None
    slug: str | None
    components: tuple[str, ...] = ()
    reason: str = ""
    #: ``automatic`` or ``after-approval`` for this space; None: the bridge's setting.
    publication: str | None = None

    @property
    def key(self) -> str:
        """How expectations.yaml refers to this space: its slug, else ``<type>-<id>``."""
        return self.slug or f"{self.space_type}-{self.space_id}"

    def matches(
        self,
        space_type: str | None,
        space_id: str | None,
        space_slug: str | None,
        component_id: str | None,
    ) -> bool | None:
        """True/False when the given facts decide it; None when they are not enough."""
        if self.space_type and space_type and normalize_space_type(space_type) != self.space_type:
            return False
        same_space: bool | None = None
        if self.slug and space_slug:
            same_space = self.slug == space_slug
        elif self.space_id and space_id:
            same_space = self.space_id == str(space_id)
        if same_space is False:
            return False
        if self.components:
            if component_id is None:
                return None
            return str(component_id) in self.components
        return same_space


@dataclass(frozen=True)
class ScopeDecision:
    """Whether the bridge acts on a space, and why.

    ``reason`` is the English line recorded on the inbox row (operators read it); ``code``
    and ``args`` are the same reason for rule owners, rendered in the rules' language from
    ``reasons`` in the texts files (``scope.*``).
    """

    in_scope: bool | None  # None: the event does not say enough; decide on the proposal
    reason: str
    code: str
    rule: SpaceRule | None = None
    args: dict[str, str] = field(default_factory=dict)

    @property
    def space_key(self) -> str | None:
        """The space's key in expectations.yaml when the bridge acts on it."""
        return self.rule.key if self.in_scope and self.rule else None


@dataclass(frozen=True)
class Scope:
    act_on: tuple[SpaceRule, ...]
    ignore: tuple[SpaceRule, ...] = ()

    def decide(
        self,
        *,
        space_type: str | None,
        space_id: str | None,
        space_slug: str | None,
        component_id: str | None,
    ) -> ScopeDecision:
        """Whether the bridge plans proposals of this space/component, and why."""
        facts = (space_type, space_id, space_slug, component_id)
        unknown = False
        for rule in self.act_on:
            verdict = rule.matches(*facts)
            if verdict:
                return ScopeDecision(
                    True, f"in scope: {rule.name}", "scope.act_on", rule, {"space": rule.name}
                )
            unknown = unknown or verdict is None
        for rule in self.ignore:
            if rule.matches(*facts):
                return ScopeDecision(
                    False,
                    f"out of scope: {rule.name} ({rule.reason})",
                    "scope.ignored",
                    rule,
                    {"space": rule.name, "reason": rule.reason},
                )
        if unknown:
            return ScopeDecision(
                None, "the event does not name the space or component", "scope.unknown"
            )
        where, component = str(space_slug or space_id or "?"), str(component_id or "?")
        return ScopeDecision(
            False,
            f"out of scope: space {where}, component {component} not listed",
            "scope.not_listed",
            None,
            {"space": where, "component": component},
        )

    def decide_on_proposal(self, proposal: Proposal) -> ScopeDecision:
        """The same decision from the proposal itself (which always names its space)."""
        return self.decide(
            space_type=proposal.space.type,
            space_id=proposal.space.id,
            space_slug=proposal.space.slug,
            component_id=proposal.component_id,
        )


@dataclass(frozen=True)
class PostcodeRange:
    low: int
    high: int

    def __contains__(self, value: object) -> bool:
        return isinstance(value, int) and self.low <= value <= self.high

    def __str__(self) -> str:
        return f"{self.low}-{self.high}" if self.low != self.high else str(self.low)


@dataclass(frozen=True)
class District:
    id: str
    name: str
    taxonomy_names: tuple[str, ...]  # folded
    postcodes: tuple[PostcodeRange, ...]
    places: tuple[Keyword, ...] = ()


@dataclass(frozen=True)
class Theme:
    id: str
    name: Localized
    taxonomy_names: tuple[str, ...]  # folded
    keywords: tuple[Keyword, ...]


@dataclass(frozen=True)
class Matching:
    """How keyword and taxonomy evidence is weighed (themes.yaml, ``matching:``)."""

    title_weight: int = 3
    body_weight: int = 1
    taxonomy_weight: int = 10
    min_score: int = 2
    min_part: int = 3
    max_themes: int = 3
    #: Languages a proposal may be written in (recognised among these); () : the
    #: organization's locales.
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class Absence:
    start: date
    end: date
    reason: str = ""

    def overlaps(self, first: date, last: date) -> bool:
        return self.start <= last and first <= self.end


@dataclass(frozen=True)
class Advisor:
    id: str
    name: str
    email: str
    themes: tuple[str, ...]
    districts: tuple[str, ...]  # empty: every district
    capacity: int
    phone: str | None = None
    absences: tuple[Absence, ...] = ()
    #: Their Decidim nickname (without ``@``): how notes and evaluator changes name them.
    nickname: str | None = None

    def covers_district(self, district: str | None) -> bool:
        """Unknown district (None): anyone may take it; the plan is flagged for it."""
        return not self.districts or district is None or district in self.districts

    def absence_between(self, first: date, last: date) -> Absence | None:
        return next((a for a in self.absences if a.overlaps(first, last)), None)


@dataclass(frozen=True)
class AdvisorTeam:
    advisors: tuple[Advisor, ...]
    coordinator_id: str

    @property
    def coordinator(self) -> Advisor:
        return next(a for a in self.advisors if a.id == self.coordinator_id)


@dataclass(frozen=True)
class Resource:
    id: str
    name: Localized
    kind: str
    group: str
    quantity: int
    unit: Localized
    per_initiative: int
    districts: tuple[str, ...]  # empty: everywhere
    lead_time_days: int
    hold_days: int
    department: str
    conditions: tuple[Localized, ...]
    keywords: tuple[Keyword, ...]
    themes: tuple[str, ...] = ()  # when given: only for initiatives with one of these themes


@dataclass(frozen=True)
class Budget:
    id: str
    name: Localized
    year: int
    districts: tuple[str, ...]  # empty: the whole municipality
    themes: tuple[str, ...]  # empty: every theme
    total_cents: int
    max_per_initiative_cents: int
    default_hold_cents: int
    hold_days: int
    decider: Localized
    conditions: tuple[Localized, ...]
    not_for: tuple[Keyword, ...] = ()
    department: str | None = None


@dataclass(frozen=True)
class Contact:
    name: str | None = None
    email: str | None = None
    phone: str | None = None


@dataclass(frozen=True)
class Stakeholder:
    id: str
    name: str
    kind: str
    districts: tuple[str, ...]  # empty: the whole municipality
    themes: tuple[str, ...] | None  # None: every theme; empty: only through offered items
    contact: Contact
    introduce: bool
    inform_on: tuple[str, ...]
    role: Localized

    @property
    def external(self) -> bool:
        return self.kind in EXTERNAL_KINDS


@dataclass(frozen=True)
class ExpectationRule:
    key: str
    say: str
    say_text: Localized
    decider: Localized
    time_investment: Localized
    results: Localized
    first_contact_days: int
    decision_days: int


@dataclass(frozen=True)
class ClosingDay:
    start: date
    end: date
    name: str


@dataclass(frozen=True)
class CalendarRules:
    country: str = "NL"
    subdivision: str | None = None
    ignore_holidays: tuple[str, ...] = ()
    closing_days: tuple[ClosingDay, ...] = ()
    timezone: str = "Europe/Amsterdam"


@dataclass(frozen=True)
class LateIntake:
    """When an initiative reaches the bridge late (delayed webhook, outage, poller,
    backfill): promised dates less than ``min_notice_days`` working days ahead are counted
    from the day the plan is written instead; a delay of more than ``flag_after_days``
    working days is flagged for the coordinator."""

    min_notice_days: int = 2
    flag_after_days: int = 5


@dataclass(frozen=True)
class ExistingProposals:
    """Proposals the bridge first sees through ``backfill`` or the poller's first sweep:
    planned, but nothing public is written on answered ones or ones older than
    ``max_age_days`` (unless the operator asks for it explicitly)."""

    max_age_days: int = 30


@dataclass(frozen=True)
class Expectations:
    default: ExpectationRule
    processes: dict[str, ExpectationRule]
    calendar: CalendarRules
    late_intake: LateIntake = LateIntake()
    existing: ExistingProposals = ExistingProposals()
    #: Working days before a promised date on which the lead gets a reminder (0: none).
    remind_before_days: int = 1

    def for_space(self, key: str | None) -> ExpectationRule:
        return self.processes.get(key or "", self.default)


@dataclass(frozen=True)
class Criterion:
    id: str
    text: Localized


@dataclass(frozen=True)
class ServicePurchaseRules:
    """Right to Challenge (uitdaagrecht): when an initiative offers a service to buy."""

    enabled: bool
    signals: tuple[Keyword, ...]
    min_signals: int
    excluded_tasks: tuple[Keyword, ...]
    criteria: tuple[Criterion, ...]
    contact: Contact
    decider: Localized
    decision_days: int


#: The kind of every proposal the mappings do not recognise as something else.
INITIATIVE = "initiative"


@dataclass(frozen=True)
class Channel:
    """Where residents report something instead (the municipality's app, site, phone)."""

    name: Localized
    url: str | None = None
    phone: str | None = None
    app: Localized | None = None


@dataclass(frozen=True)
class ProposalKind:
    """A kind of proposal that is not an initiative (kinds.yaml): a report about public
    space, a question. Recognised by keywords (title ``title_weight``, text ``body_weight``,
    a title ending in ``?`` ``title_weight`` when ``question_mark``) reaching ``min_score``,
    unless one of the ``unless`` words shows residents mean to act themselves."""

    id: str
    name: Localized
    keywords: tuple[Keyword, ...]
    unless: tuple[Keyword, ...] = ()
    question_mark: bool = False
    min_score: int = 3
    channel: Channel | None = None


@dataclass(frozen=True)
class LocaleTexts:
    locale: str
    months: tuple[str, ...]
    weekdays: tuple[str, ...]
    labels: dict[str, dict[str, str]]
    reasons: dict[str, str]
    checklist: dict[str, str]
    money_format: str = "€ {amount}"
    approval: dict[str, str] = field(default_factory=dict)  # the approval page's lines
    #: What residents read must score at least this (Flesch; Flesch-Douma for Dutch) ...
    min_reading_ease: float = 60.0
    #: ... and no sentence may be longer than this many words.
    max_sentence_words: int = 25


class Derived(TypedDict, total=False):
    """``Mappings.derived``: lookups filled by ``_fill_derived`` (always present once the
    instance exists), then caches the plan engine adds when it first needs them."""

    keyword_index: KeywordIndex[KeywordOwner]
    districts: dict[str, District]
    kinds: dict[str, ProposalKind]
    themes: dict[str, Theme]
    advisors: dict[str, Advisor]
    advisors_by_nickname: dict[str, Advisor]
    resources: dict[str, Resource]
    resource_order: dict[str, int]
    budgets: dict[str, Budget]
    stakeholders: dict[str, Stakeholder]
    stakeholders_by_district: dict[str, list[int]]
    stakeholders_by_theme: dict[str | None, list[int]]
    stakeholder_order: dict[str, int]
    taxonomy: dict[str, tuple[str, str]]
    # Caches of the plan engine (``plan.calendar``, ``plan.texts``); the calendar is the plan
    # engine's ``WorkCalendar``, which the rules do not import.
    calendar: object
    needed_pattern: re.Pattern[str]  # plan.needed: dates written in a proposal's text
    rendered: dict[tuple[object, ...], str]
    reason_texts: dict[tuple[object, ...], str]


@dataclass(frozen=True)
class Policy:
    """Municipal policy from ``policy.yaml``; None: the (deprecated) setting or the default
    applies (``decidim_bridge.policy`` resolves them)."""

    reference_prefix: str | None = None
    sender_name: str | None = None
    sender_email: str | None = None
    reply_to: str | None = None
    publication: str | None = None
    #: Where residents report a complaint: ``{"name": {locale: text}, "url", "phone",
    #: "email"}`` (for non-initiative contributions).
    reporting_channel: dict[str, Any] | None = None


@dataclass(frozen=True)
class Mappings:
    """Everything in the mappings folder, validated.

    ``derived`` (id lookups, the keyword index, caches of the plan engine) is built from the
    other fields when an instance is made, also by ``dataclasses.replace``, so it can never
    describe other rules than the instance holds.
    """

    organization: Organization
    scope: Scope
    districts: tuple[District, ...]
    themes: tuple[Theme, ...]
    matching: Matching
    advisors: AdvisorTeam
    resources: tuple[Resource, ...]
    budgets: tuple[Budget, ...]
    stakeholders: tuple[Stakeholder, ...]
    expectations: Expectations
    service_purchase: ServicePurchaseRules
    texts: dict[str, LocaleTexts]
    source: str = ""
    digest: str = ""
    policy: Policy = field(default_factory=Policy)
    kinds: tuple[ProposalKind, ...] = ()
    derived: Derived = field(default_factory=Derived, init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        _fill_derived(self)

    def district(self, district_id: str | None) -> District | None:
        return self.derived["districts"].get(district_id) if district_id else None

    def theme(self, theme_id: str) -> Theme:
        return self.derived["themes"][theme_id]

    def advisor(self, advisor_id: str) -> Advisor | None:
        return self.derived["advisors"].get(advisor_id)

    def advisor_by_nickname(self, nickname: str | None) -> Advisor | None:
        """The advisor with this Decidim nickname (``@`` and case do not matter)."""
        if not nickname:
            return None
        return self.derived["advisors_by_nickname"].get(nickname.strip().lstrip("@").lower())

    def kind(self, kind_id: str) -> ProposalKind | None:
        return self.derived["kinds"].get(kind_id)

    def resource(self, resource_id: str) -> Resource | None:
        return self.derived["resources"].get(resource_id)

    def budget(self, budget_id: str) -> Budget | None:
        return self.derived["budgets"].get(budget_id)

    def stakeholder(self, stakeholder_id: str) -> Stakeholder | None:
        return self.derived["stakeholders"].get(stakeholder_id)

    @property
    def keyword_index(self) -> KeywordIndex[KeywordOwner]:
        return self.derived["keyword_index"]


def _theme_rivalry(owner: KeywordOwner) -> str | None:
    """Themes compete for a word; catalogue items, places and signals do not."""
    return "theme" if owner[0] == "theme" else None


def _fill_derived(mappings: Mappings) -> None:
    """Fill ``mappings.derived``: id lookups and the one keyword index over every file."""
    from decidim_bridge.rules.keywords import build_index

    entries: list[tuple[KeywordOwner, Keyword]] = []
    for theme in mappings.themes:
        entries += [(("theme", theme.id), kw) for kw in theme.keywords]
    for district in mappings.districts:
        entries += [(("district", district.id), kw) for kw in district.places]
    for resource in mappings.resources:
        entries += [(("resource", resource.id), kw) for kw in resource.keywords]
    for budget in mappings.budgets:
        entries += [(("budget-not-for", budget.id), kw) for kw in budget.not_for]
    for kind in mappings.kinds:
        entries += [(("kind", kind.id), kw) for kw in kind.keywords]
        entries += [(("kind-unless", kind.id), kw) for kw in kind.unless]
    rtc = mappings.service_purchase
    entries += [(("service-signal", kw.label), kw) for kw in rtc.signals]
    entries += [(("service-excluded", kw.label), kw) for kw in rtc.excluded_tasks]
    derived = mappings.derived
    derived["keyword_index"] = build_index(
        entries, min_part=mappings.matching.min_part, rivalry=_theme_rivalry
    )
    derived["districts"] = {d.id: d for d in mappings.districts}
    derived["kinds"] = {k.id: k for k in mappings.kinds}
    derived["themes"] = {t.id: t for t in mappings.themes}
    derived["advisors"] = {a.id: a for a in mappings.advisors.advisors}
    derived["advisors_by_nickname"] = {
        a.nickname.lower(): a for a in mappings.advisors.advisors if a.nickname
    }
    derived["resources"] = {r.id: r for r in mappings.resources}
    derived["resource_order"] = {r.id: i for i, r in enumerate(mappings.resources)}
    derived["budgets"] = {b.id: b for b in mappings.budgets}
    derived["stakeholders"] = {s.id: s for s in mappings.stakeholders}
    # Where to look for stakeholders: by wijk, or (town-wide ones) by theme.
    by_district: dict[str, list[int]] = {}
    by_theme: dict[str | None, list[int]] = {}
    for position, stakeholder in enumerate(mappings.stakeholders):
        if stakeholder.districts:
            for district_id in stakeholder.districts:
                by_district.setdefault(district_id, []).append(position)
        elif stakeholder.themes is None:
            by_theme.setdefault(None, []).append(position)
        else:
            for theme_id in stakeholder.themes:
                by_theme.setdefault(theme_id, []).append(position)
    derived["stakeholders_by_district"] = by_district
    derived["stakeholders_by_theme"] = by_theme
    derived["stakeholder_order"] = {s.id: i for i, s in enumerate(mappings.stakeholders)}
    taxonomy: dict[str, tuple[str, str]] = {}
    for district in mappings.districts:
        for name in district.taxonomy_names:
            taxonomy[name] = ("district", district.id)
    for theme in mappings.themes:
        for name in theme.taxonomy_names:
            taxonomy.setdefault(name, ("theme", theme.id))
    derived["taxonomy"] = taxonomy
