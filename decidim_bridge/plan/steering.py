"""What people decided in Decidim that the rules must respect: the steering of one plan.

Advisors steer an initiative from inside Decidim (a private note with a command, an
evaluator assignment, an internal answer). The bridge keeps those decisions per proposal
as a ``Steering`` and hands it to the engine in ``PlanningState.steering``; the engine
then lets a person's choice win over the rules:

- ``lead``: the lead advisor a person chose (the rules still pick co-advisors);
- ``offers``: catalogue items or the budget confirmed (held without expiry, also before
  the initiative is accepted) or released (nothing held) by hand;
- ``first_contact``: the day a person had contact with the initiators (ticks the
  first-contact promise, judged on time or late by that day);
- ``postponements``: working days added to the decision date, each with the reason
  residents are told;
- ``evaluators``: whom a person assigned as evaluator in Decidim or took off, so the
  bridge's own assignments never undo a person's choice;
- ``initiative``: a person said the proposal is an initiative after all (the rules had
  taken it for a report or a question, ``kinds.yaml``);
- ``needed``: the day the initiative needs its catalogue items, as a person set it; it
  replaces a date found in the text, and the holds count from the lead time before it.

Plain frozen data with a JSON round-trip (``steering_to_json``/``steering_from_json``), so
it can be stored next to the plan. ``by`` is the person as Decidim names them; ``at`` is
epoch seconds; ``on`` an ISO date in the municipality's time zone.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

from decidim_bridge.plan.model import OMIT_DEFAULT
from decidim_bridge.plan.serialize import from_data, to_data

#: Where a decision came from.
FROM_NOTE, FROM_EVALUATORS, FROM_ANSWER = "note", "evaluators", "answer"
#: What a person decided about an offer.
CONFIRMED_BY_HAND, RELEASED_BY_HAND = "confirmed", "released"
#: Offer kinds, as in ``Hold.kind``.
RESOURCE, BUDGET = "resource", "budget"


@dataclass(frozen=True)
class LeadChoice:
    advisor_id: str
    by: str
    at: float
    source: str  # note | evaluators


@dataclass(frozen=True)
class OfferChoice:
    kind: str  # resource | budget
    item_id: str  # the resource id or the budget id
    status: str  # confirmed | released
    by: str
    at: float


@dataclass(frozen=True)
class FirstContact:
    on: str  # the day of the contact (ISO date)
    by: str
    at: float
    source: str  # note | answer


@dataclass(frozen=True)
class Postponement:
    days: int  # working days added to the decision date
    reason: str  # shown to residents
    by: str
    at: float


@dataclass(frozen=True)
class EvaluatorChoice:
    nickname: str  # the Decidim nickname, without "@"
    assigned: bool  # True: a person assigned them; False: a person took them off
    by: str
    at: float


@dataclass(frozen=True)
class InitiativeChoice:
    """A person decided the proposal is an initiative after all (``/initiatief``)."""

    by: str
    at: float


@dataclass(frozen=True)
class NeededDay:
    """A person set the day the initiative needs its items (``/nodig op 26-6-2027``)."""

    on: str  # ISO date
    by: str
    at: float


@dataclass(frozen=True)
class Steering:
    lead: LeadChoice | None = None
    offers: tuple[OfferChoice, ...] = ()  # one per (kind, item_id), sorted by them
    first_contact: FirstContact | None = None
    postponements: tuple[Postponement, ...] = ()  # oldest first
    evaluators: tuple[EvaluatorChoice, ...] = ()  # one per nickname, sorted by it
    initiative: InitiativeChoice | None = field(default=None, metadata=OMIT_DEFAULT)
    needed: NeededDay | None = field(default=None, metadata=OMIT_DEFAULT)

    @property
    def empty(self) -> bool:
        return self == NO_STEERING

    def offer(self, kind: str, item_id: str) -> OfferChoice | None:
        return next((o for o in self.offers if o.kind == kind and o.item_id == item_id), None)

    def confirmed(self, kind: str, item_id: str) -> bool:
        choice = self.offer(kind, item_id)
        return choice is not None and choice.status == CONFIRMED_BY_HAND

    def released(self, kind: str, item_id: str) -> bool:
        choice = self.offer(kind, item_id)
        return choice is not None and choice.status == RELEASED_BY_HAND

    @property
    def postponed_days(self) -> int:
        return sum(p.days for p in self.postponements)

    def with_lead(self, choice: LeadChoice) -> Steering:
        return replace(self, lead=choice)

    def with_offer(self, choice: OfferChoice) -> Steering:
        """The latest decision about an item replaces an earlier one."""
        others = [o for o in self.offers if (o.kind, o.item_id) != (choice.kind, choice.item_id)]
        ordered = sorted([*others, choice], key=lambda o: (o.kind, o.item_id))
        return replace(self, offers=tuple(ordered))

    def with_first_contact(self, contact: FirstContact) -> Steering:
        """The earliest contact counts: a later one does not move the promise kept."""
        if self.first_contact is not None and self.first_contact.on <= contact.on:
            return self
        return replace(self, first_contact=contact)

    def with_initiative(self, choice: InitiativeChoice) -> Steering:
        """The first person who said so counts; saying it again changes nothing."""
        return self if self.initiative is not None else replace(self, initiative=choice)

    def with_needed(self, needed: NeededDay) -> Steering:
        """The latest day a person set replaces an earlier one."""
        return replace(self, needed=needed)

    def with_postponement(self, postponement: Postponement) -> Steering:
        return replace(self, postponements=(*self.postponements, postponement))

    def with_evaluator(self, choice: EvaluatorChoice) -> Steering:
        """The latest assignment or removal of a person replaces an earlier one."""
        key = choice.nickname.lower()
        others = [e for e in self.evaluators if e.nickname.lower() != key]
        ordered = sorted([*others, choice], key=lambda e: e.nickname.lower())
        return replace(self, evaluators=tuple(ordered))

    @property
    def assigned_by_people(self) -> frozenset[str]:
        """Nicknames (lower case) a person made evaluator: the bridge never takes them off."""
        return frozenset(e.nickname.lower() for e in self.evaluators if e.assigned)

    @property
    def removed_by_people(self) -> frozenset[str]:
        """Nicknames (lower case) a person took off: the bridge never assigns them again."""
        return frozenset(e.nickname.lower() for e in self.evaluators if not e.assigned)


NO_STEERING = Steering()


def steering_to_json(steering: Steering) -> str:
    return json.dumps(to_data(steering), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def steering_from_json(text: str | None) -> Steering:
    """The stored steering; nothing stored (None or empty) is no steering."""
    if not text:
        return NO_STEERING
    steering: Steering = from_data(Steering, json.loads(text))
    return steering
