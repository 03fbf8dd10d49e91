"""A proposal as JSON, validated at the edge that receives it.

Events may carry the proposal (``extra.proposal``), so this is part of intake: a bad object
is a ``SchemaViolation`` like the rest of a delivery. ``plan try FILE.json`` and the example
proposals in ``mappings/examples/`` use the same shape; the plan engine only ever sees the
``Proposal`` dataclass.

The shape mirrors ``decidim_bridge.proposals.Proposal`` field by field::

    {"id": "42", "component_id": "11",
     "space": {"type": "Decidim::ParticipatoryProcess", "id": "1", "slug": "wijkinitiatieven"},
     "title": {"nl": "Buurtmoestuin"}, "body": {"nl": "<p>...</p>"},
     "state": null, "withdrawn": false,
     "published_at": "2026-04-20T10:00:00+02:00", "answered_at": null,
     "address": "Kievitlaan 12, 7415 AB Lindeburg",
     "taxonomies": [{"id": "12", "name": {"nl": "Noord"}, "parent_name": {"nl": "Wijk"}}],
     "reference": "LB-PROP-2026-04-42", "url": "https://..."}

Only ``id``, ``component_id``, ``space`` and ``title`` are required. ``title`` and ``body``
may also be plain strings. A webhook event may carry this object as ``extra.proposal``; the
poller's events always do (``proposal_to_json``: the proposal as its sweep read it).
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields, post_load

from decidim_bridge.errors import SchemaViolation
from decidim_bridge.proposals import ParticipatorySpace, Proposal, Taxonomy


class _Id(fields.Field[str]):
    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip():
            raise ValidationError("Must be a string or an integer id.")
        return str(value).strip()


class _Translated(fields.Field[dict[str, str]]):
    """``{"nl": "..."}`` or a plain string (then it is the text in every language)."""

    def _deserialize(
        self, value: Any, attr: str | None, data: Any, **kwargs: Any
    ) -> dict[str, str]:
        if value is None:
            return {}
        if isinstance(value, str):
            return {"*": value}
        if isinstance(value, dict) and all(
            isinstance(k, str) and (v is None or isinstance(v, str)) for k, v in value.items()
        ):
            return {k: v for k, v in value.items() if v}
        raise ValidationError("Must be a text or an object of texts per language.")


class _Base(Schema):
    class Meta:
        unknown = EXCLUDE


class TaxonomySchema(_Base):
    id = _Id(required=True)
    name = _Translated(required=True)
    parent_id = _Id(load_default=None, allow_none=True)
    parent_name = _Translated(load_default=dict)

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> Taxonomy:
        return Taxonomy(**data)


class SpaceSchema(_Base):
    type = fields.String(required=True)
    id = _Id(required=True)
    slug = fields.String(load_default=None, allow_none=True)
    title = _Translated(load_default=dict)

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> ParticipatorySpace:
        return ParticipatorySpace(**data)


class ProposalSchema(_Base):
    id = _Id(required=True)
    component_id = _Id(required=True)
    space = fields.Nested(SpaceSchema, required=True)
    title = _Translated(required=True)
    body = _Translated(load_default=dict)
    state = fields.String(load_default=None, allow_none=True)
    answer = _Translated(load_default=dict)
    answered_at = fields.AwareDateTime(load_default=None, allow_none=True)
    published_at = fields.AwareDateTime(load_default=None, allow_none=True)
    updated_at = fields.AwareDateTime(load_default=None, allow_none=True)
    withdrawn = fields.Boolean(load_default=False)
    address = fields.String(load_default=None, allow_none=True)
    latitude = fields.Float(load_default=None, allow_none=True)
    longitude = fields.Float(load_default=None, allow_none=True)
    reference = fields.String(load_default=None, allow_none=True)
    url = fields.String(load_default=None, allow_none=True)
    taxonomies = fields.List(fields.Nested(TaxonomySchema), load_default=list)
    comments_count = fields.Integer(load_default=0)

    @post_load
    def _make(self, data: dict[str, Any], **kwargs: Any) -> Proposal:
        data["taxonomies"] = tuple(data["taxonomies"])
        return Proposal(**data)


def proposal_from_json(payload: Any) -> Proposal:
    """Validate a proposal object; bad input is a ``SchemaViolation`` with every message."""
    if not isinstance(payload, dict):
        raise SchemaViolation(
            "A proposal must be a JSON object.", errors={"_schema": ["Not an object."]}
        )
    try:
        proposal: Proposal = ProposalSchema().load(payload)
    except ValidationError as exc:
        raise SchemaViolation(
            "The proposal does not match the expected shape.", errors=exc.messages
        ) from exc
    return proposal


def proposal_to_json(proposal: Proposal) -> dict[str, Any]:
    """The proposal in the same shape (``proposal_from_json`` reads it back unchanged):
    what the poller's events carry of the proposal its sweep read."""
    data: dict[str, Any] = ProposalSchema().dump(proposal)
    return data
