"""decidim-rest-full deliveries: ``{"type": "<event>", "data": {...JSON:API resource...}}``.

decidim-rest-full (``octree-gva/decidim-rest-full``) posts one JSON object per event: ``type``
is its event name (``proposal_creation.succeeded``, ``proposal_update.succeeded``,
``proposal_state_change.succeeded``, ``draft_proposal_creation.succeeded``...) and ``data``
is the resource as its JSON:API serializer renders it::

    {"id": "42", "type": "proposal",
     "attributes": {"title": {...}, "body": {...}, "created_at": "...", "updated_at": "..."},
     "relationships": {"space": {"data": {"id": "1", "type": "participatory_processes"}},
                       "component": {"data": {"id": "11", "type": "proposal_component"}},
                       "state": {"data": {...}, "meta": {"token": "accepted"}}, ...},
     "links": {"self": {"href": "https://<host>/api/rest_full/v0.3/proposals/42",
                        "meta": {"component_id": "11", "space_manifest": "participatory_processes",
                                 ...}}, ...},
     "meta": {"published": true}}

The organization is not named in the body; its host is the host of the ``links`` URLs
(the module builds them from the organization's host), else the bridge's tenant. Author
relationships carry ids only and are dropped: the plan needs no personal data.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from marshmallow import EXCLUDE, Schema, fields, validate

from decidim_bridge.events import PROPOSAL_TYPE, Event
from decidim_bridge.intake.envelope import IdField, load

#: JSON:API ``type`` of proposal resources (published proposals and drafts).
PROPOSAL_RESOURCE_TYPES = ("proposal", "draft_proposal")

#: JSON:API type of a space relationship (the space manifest name) -> Decidim class name.
SPACE_CLASSES = {
    "participatory_processes": "Decidim::ParticipatoryProcess",
    "assemblies": "Decidim::Assembly",
    "conferences": "Decidim::Conference",
    "initiatives": "Decidim::Initiative",
}


class _ResourceSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    id = IdField(required=True)
    type = fields.String(required=True, validate=validate.Length(min=1, max=200))
    attributes = fields.Dict(load_default=dict)
    relationships = fields.Dict(load_default=dict)
    meta = fields.Dict(load_default=dict)
    links = fields.Dict(load_default=dict)


class RestFullDeliverySchema(Schema):
    class Meta:
        unknown = EXCLUDE

    type = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$"))
    data = fields.Nested(_ResourceSchema, required=True)


def parse_restfull(payload: Any, *, tenant: str | None = None) -> Event:
    """Validate a rest-full delivery and turn it into an ``Event`` (pure)."""
    data = load(RestFullDeliverySchema(), payload)
    resource = data["data"]
    links = resource["links"]
    relationships = resource["relationships"]
    link_meta = _link_meta(links)
    is_proposal = resource["type"] in PROPOSAL_RESOURCE_TYPES
    space_rel_type = _relationship(relationships, "space", "type")
    space_manifest = space_rel_type or _str(link_meta.get("space_manifest"))
    api_url = _href(links, "self")
    return Event(
        type=data["type"],
        source="rest-full",
        organization_host=_host(links) or tenant,
        resource_type=PROPOSAL_TYPE if is_proposal else resource["type"],
        resource_id=resource["id"],
        resource_url=None,  # rest-full links point at its API, not at the public page
        component_id=_relationship(relationships, "component", "id")
        or _str(link_meta.get("component_id")),
        component_manifest=_str(link_meta.get("component_manifest"))
        or ("proposals" if is_proposal else None),
        space_type=SPACE_CLASSES.get(space_manifest or "", space_manifest),
        space_id=_relationship(relationships, "space", "id") or _str(link_meta.get("space_id")),
        proposal_id=resource["id"] if is_proposal else None,
        extra=_extra(resource, relationships, api_url),
    )


def _extra(
    resource: dict[str, Any], relationships: dict[str, Any], api_url: str | None
) -> dict[str, Any]:
    """What is useful to read in logs and the inbox; no author data."""
    attributes = resource["attributes"]
    state = relationships.get("state")
    token = state.get("meta", {}).get("token") if isinstance(state, dict) else None
    extra: dict[str, Any] = {
        "resource_kind": resource["type"],
        "state": _str(token),
        "published": resource["meta"].get("published"),
        "created_at": _str(attributes.get("created_at")),
        "updated_at": _str(attributes.get("updated_at")),
    }
    if api_url:
        extra["api_url"] = api_url
    return extra


def _relationship(relationships: dict[str, Any], name: str, key: str) -> str | None:
    rel = relationships.get(name)
    if isinstance(rel, dict) and isinstance(rel.get("data"), dict):
        return _str(rel["data"].get(key))
    return None


def _href(links: dict[str, Any], name: str) -> str | None:
    link = links.get(name)
    if isinstance(link, dict):
        return _str(link.get("href"))
    return _str(link) if isinstance(link, str) else None


def _link_meta(links: dict[str, Any]) -> dict[str, Any]:
    for name in ("self", "related", "collection"):
        link = links.get(name)
        meta = link.get("meta") if isinstance(link, dict) else None
        if isinstance(meta, dict):
            return meta
    return {}


def _host(links: dict[str, Any]) -> str | None:
    for name in ("self", "related", "collection"):
        href = _href(links, name)
        if href:
            host = urlsplit(href).hostname
            if host:
                return host
    return None


def _str(value: Any) -> str | None:
    return None if value is None or value == "" else str(value)
