"""marshmallow schemas for the JSON bodies the bridge accepts, and their mapping to ``Event``.

The Standard Webhooks envelope is the bridge's own contract (documented in ``webhooks/``)::

    {"type": "decidim.events.proposals.proposal_published",
     "occurred_at": "2026-05-04T10:00:00+02:00",
     "organization": {"host": "gemeente.example"},
     "resource": {"type": "Decidim::Proposals::Proposal", "id": "42", "url": "https://..."},
     "component": {"id": "7", "manifest": "proposals"},
     "participatory_space": {"type": "Decidim::ParticipatoryProcess", "id": "3", "slug": "wijk"},
     "extra": {...}}

Unknown keys are ignored (senders may add fields); missing or mistyped known keys are a 422
with marshmallow's messages.
"""

from __future__ import annotations

import json
from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from decidim_bridge.errors import MalformedPayload, SchemaViolation
from decidim_bridge.events import PROPOSAL_TYPE, Event


class IdField(fields.Field[str]):
    """Decidim ids arrive as numbers or strings; the bridge keeps them as strings."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            raise ValidationError("Must be a string or an integer id.")
        text = str(value).strip()
        if not text or len(text) > 100:
            raise ValidationError("Must be a non-empty id of at most 100 characters.")
        return text


class _Base(Schema):
    class Meta:
        unknown = EXCLUDE


class OrganizationSchema(_Base):
    host = fields.String(required=True, validate=validate.Length(min=1, max=253))


class ResourceSchema(_Base):
    type = fields.String(required=True, validate=validate.Length(min=1, max=200))
    id = IdField(required=True)
    url = fields.String(load_default=None, allow_none=True)


class ComponentSchema(_Base):
    id = IdField(required=True)
    manifest = fields.String(load_default=None, allow_none=True)


class SpaceSchema(_Base):
    type = fields.String(load_default=None, allow_none=True)
    id = IdField(load_default=None, allow_none=True)
    slug = fields.String(load_default=None, allow_none=True)


class EnvelopeSchema(_Base):
    type = fields.String(required=True, validate=validate.Regexp(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$"))
    occurred_at = fields.AwareDateTime(required=True)
    organization = fields.Nested(OrganizationSchema, required=True)
    resource = fields.Nested(ResourceSchema, required=True)
    component = fields.Nested(ComponentSchema, load_default=None, allow_none=True)
    participatory_space = fields.Nested(SpaceSchema, load_default=None, allow_none=True)
    extra = fields.Dict(keys=fields.String(), load_default=dict)


def decode_json(body: bytes) -> Any:
    """Decode a verified body; non-UTF-8 or invalid JSON is a ``MalformedPayload`` (400)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedPayload("The body is not valid UTF-8.") from exc
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise MalformedPayload(
            f"The body is not valid JSON: {exc.msg} at line {exc.lineno}."
        ) from exc
    except ValueError as exc:  # valid syntax Python will not read: a number of 4301+ digits
        raise MalformedPayload(f"The body is not valid JSON: {exc}.") from exc


def load(schema: Schema, payload: Any) -> dict[str, Any]:
    if not isinstance(payload, dict):
        raise SchemaViolation(
            "The body must be a JSON object.", errors={"_schema": ["Not an object."]}
        )
    try:
        result: dict[str, Any] = schema.load(payload)
    except ValidationError as exc:
        raise SchemaViolation(
            "The body does not match the event schema.", errors=exc.messages_dict
        ) from exc
    return result


#: Built once: creating a schema (and its nested schemas) costs four times a ``load``.
_ENVELOPE_SCHEMA = EnvelopeSchema()


def parse_envelope(payload: Any, *, source: str = "decidim") -> Event:
    """Validate a Standard Webhooks envelope and turn it into an ``Event``."""
    data = load(_ENVELOPE_SCHEMA, payload)
    resource = data["resource"]
    component = data["component"] or {}
    space = data["participatory_space"] or {}
    extra = data["extra"]
    proposal_id = resource["id"] if resource["type"] == PROPOSAL_TYPE else None
    if proposal_id is None:
        # Comments and other resources name the proposal they belong to, when they have one.
        commentable = extra.get("commentable") if isinstance(extra, dict) else None
        if isinstance(commentable, dict) and commentable.get("type") == PROPOSAL_TYPE:
            proposal_id = str(commentable.get("id")) if commentable.get("id") is not None else None
    return Event(
        type=data["type"],
        source=source,
        organization_host=data["organization"]["host"],
        resource_type=resource["type"],
        resource_id=resource["id"],
        occurred_at=data["occurred_at"],
        resource_url=resource["url"],
        component_id=component.get("id"),
        component_manifest=component.get("manifest"),
        space_type=space.get("type"),
        space_id=space.get("id"),
        space_slug=space.get("slug"),
        proposal_id=proposal_id,
        extra=extra,
    )
