"""From Decidim's answers (validated by ``schemas``) to the bridge's plain dataclasses."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, ValidationError

from decidim_bridge.decidim import schemas
from decidim_bridge.decidim.models import (
    AnswerResult,
    Comment,
    Component,
    DecidimUser,
    GuardedAnswer,
    PrivateNote,
    ProposalAdmin,
    SpacesOverview,
    TaxonomyNode,
    WhoAmI,
)
from decidim_bridge.errors import DecidimError
from decidim_bridge.proposals import ParticipatorySpace, Proposal, Taxonomy

MACHINE_PREFIX = "machine_translations."

# A component's public URL: {organization}/{processes|assemblies|...}/{slug}/f/{component id}/
_COMPONENT_PATH = re.compile(r"/(?:processes|assemblies|conferences|initiatives)/([^/]+)/f/\d+/?$")


def load(schema: Schema, value: Any, what: str) -> Any:
    """Validate one part of an answer; an unexpected shape is a ``DecidimError``."""
    try:
        return schema.load(value)
    except ValidationError as exc:
        raise DecidimError(
            f"Decidim's answer for {what} has an unexpected shape.", errors=exc.messages
        ) from exc


def texts(field: dict[str, Any] | None) -> dict[str, str]:
    """``{locale: text}`` from a TranslatedField; machine translations under
    ``machine_translations.<locale>`` so that texts people wrote win (see ``Proposal.text``)."""
    result: dict[str, str] = {}
    if not field:
        return result
    for entry in field.get("translations") or []:
        if not entry or not entry.get("text"):
            continue
        key = entry["locale"]
        if entry.get("machine_translated"):
            key = MACHINE_PREFIX + key
        result[key] = entry["text"]
    return result


def slug_from_component_url(url: str | None) -> str | None:
    """The space slug in a component URL (the API gives no slug with the space itself)."""
    match = _COMPONENT_PATH.search(url or "")
    return match.group(1) if match else None


def proposal_url(component_url: str | None, proposal_id: str) -> str | None:
    """A proposal's public URL: the proposals engine mounts resources under its root."""
    if not component_url:
        return None
    return f"{component_url.rstrip('/')}/proposals/{proposal_id}"


def space(loaded: dict[str, Any], slug: str | None = None) -> ParticipatorySpace:
    return ParticipatorySpace(
        type=loaded["type"], id=loaded["id"], slug=slug, title=texts(loaded.get("title"))
    )


def taxonomy(loaded: dict[str, Any]) -> Taxonomy:
    parent = loaded.get("parent") or None
    return Taxonomy(
        id=loaded["id"],
        name=texts(loaded.get("name")),
        parent_id=parent["id"] if parent else None,
        parent_name=texts(parent.get("name")) if parent else {},
    )


def proposal(
    loaded: dict[str, Any],
    *,
    component_id: str,
    in_space: ParticipatorySpace,
    component_url: str | None = None,
) -> Proposal:
    coordinates = loaded.get("coordinates") or {}
    return Proposal(
        id=loaded["id"],
        component_id=component_id,
        space=in_space,
        title=texts(loaded.get("title")),
        body=texts(loaded.get("body")),
        state=loaded.get("state") or None,
        answer=texts(loaded.get("answer")),
        answered_at=loaded.get("answered_at"),
        published_at=loaded.get("published_at"),
        updated_at=loaded.get("updated_at"),
        withdrawn=bool(loaded.get("withdrawn")),
        address=loaded.get("address") or None,
        latitude=coordinates.get("latitude"),
        longitude=coordinates.get("longitude"),
        reference=loaded.get("reference"),
        url=proposal_url(component_url, loaded["id"]),
        taxonomies=tuple(taxonomy(t) for t in loaded.get("taxonomies") or () if t),
        comments_count=int(loaded.get("total_comments_count") or 0),
    )


def whoami(data: dict[str, Any]) -> WhoAmI:
    loaded = load(schemas.WhoamiSchema(), data, "Whoami")
    user = (loaded.get("session") or {}).get("user") or {}
    organization = loaded.get("organization") or {}
    return WhoAmI(
        user_id=user.get("id"),
        name=user.get("name"),
        nickname=user.get("nickname"),
        organization_name=texts(organization.get("name")),
    )


def component_space(component: dict[str, Any]) -> ParticipatorySpace:
    """The space of a loaded ``ProposalComponentSchema``, with the slug from its URL."""
    return space(component["participatory_space"], slug=slug_from_component_url(component["url"]))


def components(loaded_space: dict[str, Any]) -> list[Component]:
    parent = space(loaded_space, slug=loaded_space.get("slug"))
    return [
        Component(
            id=c["id"],
            type=c["typename"],
            name=texts(c.get("name")),
            weight=int(c.get("weight") or 0),
            space=parent,
        )
        for c in loaded_space.get("components") or ()
        if c
    ]


def comment(loaded: dict[str, Any]) -> Comment:
    author = loaded.get("author") or {}
    return Comment(
        id=loaded["id"],
        body=loaded["body"],
        author_id=author.get("id"),
        author_name=author.get("name"),
        author_nickname=author.get("nickname"),
        created_at=loaded.get("created_at"),
    )


def answer_result(loaded: dict[str, Any]) -> AnswerResult:
    return AnswerResult(
        proposal_id=loaded["id"], state=loaded.get("state"), answered_at=loaded.get("answered_at")
    )


def guarded_answer(loaded: dict[str, Any]) -> GuardedAnswer:
    return GuardedAnswer(
        proposal_id=loaded["id"],
        written=loaded["written"],
        state=loaded.get("state"),
        published=loaded["published"],
    )


def admin_user(loaded: dict[str, Any]) -> DecidimUser:
    nickname = loaded.get("nickname")
    return DecidimUser(
        id=loaded["id"], nickname=nickname.lstrip("@") if nickname else None, name=loaded["name"]
    )


def proposal_admin(raw: dict[str, Any], what: str) -> ProposalAdmin:
    """A ``proposalAdmin`` answer of the decidim-bridge module."""
    loaded = load(schemas.ProposalAdminSchema(), raw, what)
    return ProposalAdmin(
        proposal_id=loaded["id"],
        evaluators=tuple(admin_user(u) for u in loaded["evaluators"]),
        notes=tuple(private_note(n) for n in loaded["notes"]),
    )


def private_note(loaded: dict[str, Any]) -> PrivateNote:
    author = loaded.get("author")
    return PrivateNote(
        id=loaded["id"],
        body=loaded["body"],
        created_at=loaded.get("created_at"),
        author=admin_user(author) if author else None,
    )


def taxonomy_tree(loaded: dict[str, Any]) -> TaxonomyNode:
    return TaxonomyNode(
        id=loaded["id"],
        name=texts(loaded.get("name")),
        children=tuple(taxonomy_tree(c) for c in loaded.get("children") or () if c),
    )


def spaces_overview(loaded: dict[str, Any]) -> SpacesOverview:
    organization = loaded.get("organization") or {}
    spaces = [
        (space(s, slug=s.get("slug")), tuple(components(s)))
        for key in ("participatory_processes", "assemblies")
        for s in loaded.get(key) or ()
        if s
    ]
    return SpacesOverview(
        organization=texts(organization.get("name")),
        spaces=tuple(spaces),
        taxonomies=tuple(taxonomy_tree(t) for t in organization.get("taxonomies") or () if t),
    )
