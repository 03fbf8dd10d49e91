"""Plain results of the Decidim client besides ``Proposal`` (which lives in ``proposals``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from decidim_bridge.proposals import ParticipatorySpace, Proposal


@dataclass(frozen=True)
class WhoAmI:
    """The signed-in API user (None fields when the API answered anonymously)."""

    user_id: str | None
    name: str | None
    nickname: str | None
    organization_name: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Component:
    """A component of a participatory space; ``type`` is the GraphQL type, e.g. "Proposals"."""

    id: str
    type: str
    name: dict[str, str]
    weight: int
    space: ParticipatorySpace

    @property
    def is_proposals(self) -> bool:
        return self.type == "Proposals"


@dataclass(frozen=True)
class Comment:
    """A top-level comment of a proposal, as read back for reconciliation.

    ``author_nickname`` is as Decidim's API gives it, with a leading "@".
    """

    id: str
    body: str
    author_id: str | None
    author_name: str | None
    author_nickname: str | None
    created_at: datetime | None


@dataclass(frozen=True)
class AnswerResult:
    """What Decidim returned after an answer; state stays None until the answer is published."""

    proposal_id: str
    state: str | None
    answered_at: datetime | None


@dataclass(frozen=True)
class GuardedAnswer:
    """The module's guarded answer: whether it was written, and the state the proposal has
    (as saved, published or not; ``withdrawn``; None: not answered) — when not written,
    the state that kept it from being written."""

    proposal_id: str
    written: bool
    state: str | None
    published: bool


@dataclass(frozen=True)
class DecidimUser:
    """A user as the decidim-bridge module names them (nickname without the "@")."""

    id: str
    nickname: str | None
    name: str


@dataclass(frozen=True)
class PrivateNote:
    """A private (admin) note on a proposal."""

    id: str
    body: str
    created_at: datetime | None
    author: DecidimUser | None


@dataclass(frozen=True)
class ProposalAdmin:
    """What admins see of a proposal besides its public page: evaluators and notes."""

    proposal_id: str
    evaluators: tuple[DecidimUser, ...]
    notes: tuple[PrivateNote, ...] = ()

    @property
    def evaluator_nicknames(self) -> frozenset[str]:
        return frozenset(u.nickname for u in self.evaluators if u.nickname)


@dataclass(frozen=True)
class TaxonomyNode:
    """A taxonomy with its children, as the organization defines them."""

    id: str
    name: dict[str, str]
    children: tuple[TaxonomyNode, ...] = ()


@dataclass(frozen=True)
class SpacesOverview:
    """What ``decidim spaces`` prints: every process and assembly with its components, and
    the organization's taxonomies."""

    organization: dict[str, str]
    spaces: tuple[tuple[ParticipatorySpace, tuple[Component, ...]], ...]
    taxonomies: tuple[TaxonomyNode, ...]


@dataclass(frozen=True)
class ProposalPage:
    """One page of a component's published proposals (``proposals_page``);
    ``next_cursor`` is None on the last page."""

    proposals: tuple[Proposal, ...]
    next_cursor: str | None
