"""decidim-rest-full deliveries: ``{"type": "<event>", "data": {...JSON:API resource...}}``.

Its events are named ``<resource>_<action>.succeeded`` (e.g. ``proposal_creation.succeeded``)
and the ``data`` member carries the resource in JSON:API shape (``id``, ``type``,
``attributes``, ``relationships``, ``meta``). Nothing is trusted beyond that shape here;
mapping attributes into plan inputs happens after the proposal is fetched from the API.
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, fields, validate

from decidim_bridge.events import PROPOSAL_TYPE, Event
from decidim_bridge.intake.envelope import _IdField, load


class _ResourceSchema(Schema):
    class Meta:
        unknown = EXCLUDE

    id = _IdField(required=True)
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


def _relationship_id(relationships: dict[str, Any], name: str) -> str | None:
    rel = relationships.get(name)
    if isinstance(rel, dict) and isinstance(rel.get("data"), dict):
        value = rel["data"].get("id")
        return str(value) if value is not None else None
    return None


def parse_restfull(payload: Any, *, tenant: str | None = None) -> Event:
    """Validate a rest-full delivery and turn it into an ``Event``."""
    data = load(RestFullDeliverySchema(), payload)
    resource = data["data"]
    meta = resource["meta"]
    relationships = resource["relationships"]
    is_proposal = resource["type"] in ("proposal", "proposals", PROPOSAL_TYPE)
    return Event(
        type=data["type"],
        source="rest-full",
        organization_host=tenant,
        resource_type=PROPOSAL_TYPE if is_proposal else resource["type"],
        resource_id=resource["id"],
        resource_url=resource["links"].get("self") if isinstance(resource["links"], dict) else None,
        component_id=_relationship_id(relationships, "component") or _str(meta.get("component_id")),
        component_manifest=_str(meta.get("manifest_name")),
        space_type=_str(meta.get("space_type")),
        space_id=_relationship_id(relationships, "space") or _str(meta.get("space_id")),
        proposal_id=resource["id"] if is_proposal else None,
        extra={"attributes": resource["attributes"], "meta": meta},
    )


def _str(value: Any) -> str | None:
    return None if value is None else str(value)
