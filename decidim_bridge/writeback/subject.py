"""What the writes of one plan version are about, beyond the plan itself.

The plan (``plan.model.Plan``) and the rules (``rules.model.Mappings``) hold everything a
message says. Writing it back also needs to know where and for whom: the tenant, the
plan version, the proposal's title in every language and its state as Decidim shows it
now, the participatory space (for links) and the space's publication mode. ``Subject``
holds exactly that; ``subject_of`` derives it (pure).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from decidim_bridge.locales import MACHINE_TRANSLATIONS
from decidim_bridge.plan.diff import Change
from decidim_bridge.plan.model import OPEN, Plan
from decidim_bridge.proposals import Proposal
from decidim_bridge.rules.model import SPACE_TYPES, Mappings

#: Proposal states after which the bridge no longer writes an ``evaluating`` answer.
FINAL_STATES = frozenset({"accepted", "rejected", "withdrawn"})

_PUBLIC_PATH = {"processes": "Decidim::ParticipatoryProcess", "assemblies": "Decidim::Assembly"}


@dataclass(frozen=True)
class Space:
    """Where the proposal lives in Decidim (for links)."""

    type: str  # "Decidim::ParticipatoryProcess" | "Decidim::Assembly" | ...
    slug: str
    component_id: str


@dataclass(frozen=True)
class Subject:
    tenant: str
    proposal_id: str
    version: int
    title: str | dict[str, str]
    space: Space
    state: str | None = None
    publication_mode: str | None = None  # per space, from scope.yaml; None: the setting
    changes: tuple[Change, ...] = ()  # what changed since the previous plan version


def subject_of(
    plan: Plan,
    mappings: Mappings,
    *,
    tenant: str,
    version: int,
    proposal: Proposal | None = None,
    changes: tuple[Change, ...] = (),
) -> Subject:
    """The subject of one stored plan version (``proposal``: as Decidim shows it now, when
    the caller has it; it gives the title in every language and the state)."""
    state: str | None = plan.stage
    if plan.stage == OPEN:
        state = (proposal.state or None) if proposal is not None else None
    return Subject(
        tenant=tenant,
        proposal_id=plan.proposal_id,
        version=version,
        title=_title(plan, proposal),
        space=_space(plan, mappings, proposal),
        state=state,
        publication_mode=publication_mode(plan.space_key, mappings),
        changes=tuple(changes),
    )


def publication_mode(space_key: str | None, mappings: Mappings) -> str | None:
    """The space's ``publication`` in scope.yaml; None: the bridge's setting decides."""
    for rule in mappings.scope.act_on:
        if rule.key == space_key:
            return rule.publication
    return None


def _title(plan: Plan, proposal: Proposal | None) -> str | dict[str, str]:
    if proposal is None:
        return plan.title
    titles = {
        k: v for k, v in proposal.title.items() if v and not k.startswith(MACHINE_TRANSLATIONS)
    }
    return titles or plan.title


def _space(plan: Plan, mappings: Mappings, proposal: Proposal | None) -> Space:
    """Space type and slug for links: from the proposal, else the scope rule the plan was
    made under, else the proposal's public URL."""
    if proposal is not None and proposal.space.slug:
        return Space(proposal.space.type, proposal.space.slug, plan.component_id)
    for rule in mappings.scope.act_on:
        if rule.key == plan.space_key and rule.slug and rule.space_type:
            return Space(SPACE_TYPES[rule.space_type], rule.slug, plan.component_id)
    parts = urlsplit(plan.url or "").path.strip("/").split("/")
    if len(parts) >= 2 and parts[0] in _PUBLIC_PATH:
        return Space(_PUBLIC_PATH[parts[0]], parts[1], plan.component_id)
    raise ValueError(
        f"proposal {plan.proposal_id}: cannot tell its participatory space (no slug, no URL)"
    )
