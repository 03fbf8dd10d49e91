"""The proposal as the bridge sees it: plain data, independent of where it was read.

The Decidim client builds it from the GraphQL ``Proposal`` type, ``plan try`` from a JSON
file, and the planner reads nothing else. Translated fields are ``{locale: text}`` maps.
No personal data of authors is kept: the plan needs none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from decidim_bridge.locales import localized


@dataclass(frozen=True)
class Taxonomy:
    """A Decidim taxonomy (0.30+) or, on older versions, a scope or category."""

    id: str
    name: dict[str, str]
    parent_id: str | None = None
    parent_name: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ParticipatorySpace:
    type: str  # e.g. "Decidim::ParticipatoryProcess", "Decidim::Assembly"
    id: str
    slug: str | None = None
    title: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Proposal:
    id: str
    component_id: str
    space: ParticipatorySpace
    title: dict[str, str]
    body: dict[str, str]
    state: str | None = None  # published state: accepted | rejected | evaluating | custom | None
    answer: dict[str, str] = field(default_factory=dict)
    answered_at: datetime | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    withdrawn: bool = False
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    reference: str | None = None
    url: str | None = None
    taxonomies: tuple[Taxonomy, ...] = ()
    comments_count: int = 0

    def text(self, mapping: dict[str, str], locale: str) -> str:
        """The text in ``locale``, else in any locale that has one (never a machine
        translation)."""
        return localized(mapping, locale)
