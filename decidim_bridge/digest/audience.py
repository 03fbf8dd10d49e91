"""Who receives the digest by mail, and the part of it that concerns each of them.

A stakeholder whose ``inform_on`` includes ``digest`` gets the periodic overview instead of
(or next to) a mail per initiative. Their digest holds only the initiatives the stakeholder
rules link them to — the same rule that puts them in a support plan: in one of their wijken
and touching one of their themes (a wijkraad: its wijk; a wethouder: the themes of their
portfolio), or handing out an item the municipality offered. The rules are applied to the
plan's current classification with the current rules, so a stakeholder added to the rules
today sees the initiatives of the period that concern them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from decidim_bridge.digest.build import build_digest, select_plans
from decidim_bridge.digest.model import Digest, Period
from decidim_bridge.plan.model import Plan
from decidim_bridge.plan.stakeholders import link_stakeholders
from decidim_bridge.rules.model import Mappings, Stakeholder

#: The ``inform_on`` moment that asks for the periodic overview.
DIGEST = "digest"


def digest_subscribers(mappings: Mappings) -> list[Stakeholder]:
    """Stakeholders who asked for the digest, in the order of the rules."""
    return [s for s in mappings.stakeholders if DIGEST in s.inform_on]


def concerns(plan: Plan, stakeholder: Stakeholder, mappings: Mappings) -> bool:
    """Whether the stakeholder rules link ``stakeholder`` to the initiative of ``plan``."""
    links = link_stakeholders(
        plan.classification, plan.resources, plan.budget, mappings, plan.stage
    )
    return any(link.stakeholder_id == stakeholder.id for link in links)


@dataclass(frozen=True)
class AudienceDigest:
    """The digest of one stakeholder; ``digest.totals.count == 0``: nothing to report."""

    stakeholder: Stakeholder
    digest: Digest

    @property
    def empty(self) -> bool:
        return self.digest.totals.count == 0


def audience_digests(
    plans: Iterable[Plan], mappings: Mappings, period: Period, now: float
) -> list[AudienceDigest]:
    """One digest per subscriber, restricted to what concerns them, in the default locale."""
    in_period = select_plans(plans, period, mappings)
    result = []
    for stakeholder in digest_subscribers(mappings):
        own = [p for p in in_period if concerns(p, stakeholder, mappings)]
        digest = build_digest(own, mappings, period, now)
        result.append(AudienceDigest(stakeholder, replace(digest, audience=stakeholder.name)))
    return result


def previous_month(today: date) -> Period:
    """The calendar month before the one ``today`` is in: the default period to send."""
    last = today.replace(day=1).toordinal() - 1
    until = date.fromordinal(last)
    return Period(until.replace(day=1), until)


def choose_period(
    today: date, since: date | None, until: date | None, *, days: int, send: bool = False
) -> Period:
    """The period a digest covers: mailing without days given, the previous calendar month;
    otherwise from ``since`` (default: ``days`` days up to the last) to ``until`` (default:
    today). Raises ValueError when ``since`` is after ``until``."""
    if send and since is None and until is None:
        return previous_month(today)
    last = until or today
    return Period(since or last - timedelta(days=days - 1), last)
