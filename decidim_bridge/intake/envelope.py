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
import re
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


#: Deepest nesting of arrays and objects a body may have (envelopes need about five levels).
MAX_DEPTH = 64
#: Most characters in one JSON number (Python refuses ints of more than 4,300 digits).
MAX_NUMBER_DIGITS = 100

#: A JSON string (skipped whole) or a bracket that opens or closes a level.
_STRUCTURE = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')
#: The escape of a UTF-16 surrogate; only a pair of them makes one character.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def decode_json(body: bytes) -> Any:
    """Decode a verified body; invalid text is a ``MalformedPayload`` (400).

    Besides non-UTF-8 and invalid JSON that covers what the parser or the database would
    fail on later: nesting deeper than ``MAX_DEPTH`` (checked before parsing, the parser
    recurses), numbers longer than ``MAX_NUMBER_DIGITS``, ``NaN``/``Infinity`` (not JSON)
    and lone surrogates (no database can store them).
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise MalformedPayload("The body is not valid UTF-8.") from exc
    _check_depth(text)
    try:
        payload = json.loads(
            text,
            parse_int=_parse_int,
            parse_float=_parse_float,
            parse_constant=_refuse_constant,
        )
    except MalformedPayload:
        raise
    except ValueError as exc:
        where = f" at line {exc.lineno}" if isinstance(exc, json.JSONDecodeError) else ""
        reason = getattr(exc, "msg", None) or "invalid value"
        raise MalformedPayload(f"The body is not valid JSON: {reason}{where}.") from exc
    except RecursionError as exc:  # pragma: no cover - _check_depth keeps the parser shallow
        raise MalformedPayload("The body is nested too deeply.") from exc
    if _SURROGATE_ESCAPE.search(text) and _has_lone_surrogate(payload):
        raise MalformedPayload("The body contains a lone surrogate (\\uD800-\\uDFFF).")
    return payload


def _check_depth(text: str) -> None:
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth = 0
    for match in _STRUCTURE.finditer(text):
        char = match.group()
        if char in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise MalformedPayload(f"The body is nested more than {MAX_DEPTH} levels deep.")
        elif char in "]}":
            depth -= 1


def _parse_int(digits: str) -> int:
    if len(digits) > MAX_NUMBER_DIGITS:
        raise MalformedPayload(f"The body has a number of more than {MAX_NUMBER_DIGITS} digits.")
    return int(digits)


def _parse_float(digits: str) -> float:
    if len(digits) > MAX_NUMBER_DIGITS:
        raise MalformedPayload(f"The body has a number of more than {MAX_NUMBER_DIGITS} digits.")
    return float(digits)


def _refuse_constant(name: str) -> Any:
    raise MalformedPayload(f"The body is not valid JSON: {name} is not a JSON number.")


def _has_lone_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return True
        return False
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_lone_surrogate(item) for item in value)
    return False


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
