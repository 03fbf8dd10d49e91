"""What changed between two versions of a plan, section by section.

The summary is stored with each new version, so advisors and the write-back can see
what a new version is about without comparing two plans themselves.
"""

from __future__ import annotations

from dataclasses import dataclass

from decidim_bridge.plan.model import ChecklistItem, Plan, StakeholderLink


@dataclass(frozen=True)
class Change:
    section: str  # plan | stage | district | themes | lead | co_advisors | resources | budget
    #               | stakeholders | expectations | service_purchase | checklist | flags
    kind: str  # created | added | removed | changed
    item: str = ""
    before: str | None = None
    after: str | None = None

    @property
    def text(self) -> str:
        subject = f"{self.section} {self.item}".strip()
        if self.kind == "changed":
            return f"{subject}: {self.before} -> {self.after}"
        return f"{subject}: {self.kind}"


def _keyed(section: str, old: dict[str, str], new: dict[str, str]) -> list[Change]:
    out: list[Change] = []
    for key in new:
        if key not in old:
            out.append(Change(section, "added", key, None, new[key]))
        elif old[key] != new[key]:
            out.append(Change(section, "changed", key, old[key], new[key]))
    for key in old:
        if key not in new:
            out.append(Change(section, "removed", key, old[key], None))
    return out


def _value(section: str, before: object, after: object, item: str = "") -> list[Change]:
    if before == after:
        return []
    return [Change(section, "changed", item, str(before), str(after))]


def _link(link: StakeholderLink) -> str:
    return f"{link.action}, now" if link.inform_now else link.action


def _item(item: ChecklistItem) -> str:
    """``p3.resource(dranghekken-noord)``: the key and the ids it is about."""
    ids = [
        str(value)
        for name, value in sorted(item.args.items())
        if not name.endswith(("date", "amount")) and name not in ("quantity", "moment")
    ]
    return f"{item.key}({','.join(ids)})" if ids else item.key


def diff(old: Plan | None, new: Plan) -> tuple[Change, ...]:
    if old is None:
        return (Change("plan", "created", new.proposal_id, None, new.stage),)
    out: list[Change] = []
    out += _value("stage", old.stage, new.stage)
    out += _value("district", old.classification.district_id, new.classification.district_id)
    out += _keyed(
        "themes",
        {t: "counted" for t in old.classification.theme_ids},
        {t: "counted" for t in new.classification.theme_ids},
    )
    out += _value("lead", old.assignment.lead.advisor_id, new.assignment.lead.advisor_id)
    out += _value("lead", old.assignment.counts_load, new.assignment.counts_load, "counts_load")
    out += _keyed(
        "co_advisors",
        {r.theme_id or "": r.advisor_id for r in old.assignment.co_advisors},
        {r.theme_id or "": r.advisor_id for r in new.assignment.co_advisors},
    )
    out += _keyed(
        "resources",
        {o.resource_id: o.status for o in old.resources},
        {o.resource_id: o.status for o in new.resources},
    )
    out += _value(
        "budget",
        f"{old.budget.budget_id}:{old.budget.status}:{old.budget.amount_cents}",
        f"{new.budget.budget_id}:{new.budget.status}:{new.budget.amount_cents}",
    )
    out += _keyed(
        "stakeholders",
        {s.stakeholder_id: _link(s) for s in old.stakeholders},
        {s.stakeholder_id: _link(s) for s in new.stakeholders},
    )
    for name in ("first_contact_by", "decision_by", "tracking", "rule"):
        out += _value(
            "expectations", getattr(old.expectations, name), getattr(new.expectations, name), name
        )
    out += _value("service_purchase", old.service_purchase.flagged, new.service_purchase.flagged)
    out += _keyed(
        "checklist",
        {_item(c): c.status for c in old.checklist},
        {_item(c): c.status for c in new.checklist},
    )
    out += _keyed(
        "flags",
        {f.code + str(sorted(f.args.items())): f.text for f in old.flags},
        {f.code + str(sorted(f.args.items())): f.text for f in new.flags},
    )
    if not out:
        # Only wording in reasons changed (e.g. an edited text file): still say so.
        out.append(Change("reasons", "changed"))
    return tuple(out)
