"""marshmallow schemas for the parts of Decidim's answers the bridge consumes.

They check shape and types at the boundary (unknown fields are ignored: Decidim may add
some) and load into plain dicts; ``mapping`` turns those into the bridge's dataclasses.
Field names follow the GraphQL documents in ``documents/``.
"""

from __future__ import annotations

from typing import Any

from marshmallow import EXCLUDE, Schema, ValidationError, fields


class GraphQLId(fields.Field[str]):
    """A GraphQL ``ID``: a string on the wire, though some servers send integers."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise ValidationError("Not a valid ID.")
        return str(value)


class _Base(Schema):
    class Meta:
        unknown = EXCLUDE


def _dt(key: str) -> fields.DateTime:
    return fields.DateTime(format="iso", data_key=key, allow_none=True, load_default=None)


class LocalizedStringSchema(_Base):
    locale = fields.String(required=True)
    text = fields.String(allow_none=True, load_default=None)
    machine_translated = fields.Boolean(data_key="machineTranslated", load_default=False)


class TextsSchema(_Base):
    """A ``TranslatedField`` read through the ``Texts`` fragment."""

    translations = fields.List(fields.Nested(LocalizedStringSchema, allow_none=True), required=True)


def _texts(**kwargs: Any) -> fields.Nested:
    return fields.Nested(TextsSchema, allow_none=True, load_default=None, **kwargs)


class TaxonomyRefSchema(_Base):
    id = GraphQLId(required=True)
    name = _texts()


class TaxonomySchema(TaxonomyRefSchema):
    parent = fields.Nested(TaxonomyRefSchema, allow_none=True, load_default=None)


class CoordinatesSchema(_Base):
    latitude = fields.Float(allow_none=True, load_default=None)
    longitude = fields.Float(allow_none=True, load_default=None)


class ProposalSchema(_Base):
    """The ``ProposalFields`` fragment."""

    id = GraphQLId(required=True)
    title = _texts()
    body = _texts()
    state = fields.String(allow_none=True, load_default=None)
    answer = _texts()
    answered_at = _dt("answeredAt")
    published_at = _dt("publishedAt")
    updated_at = _dt("updatedAt")
    withdrawn = fields.Boolean(allow_none=True, load_default=None)
    address = fields.String(allow_none=True, load_default=None)
    coordinates = fields.Nested(CoordinatesSchema, allow_none=True, load_default=None)
    reference = fields.String(allow_none=True, load_default=None)
    total_comments_count = fields.Integer(
        data_key="totalCommentsCount", allow_none=True, load_default=None
    )
    taxonomies = fields.List(
        fields.Nested(TaxonomySchema, allow_none=True), allow_none=True, load_default=None
    )


class SpaceSchema(_Base):
    """The ``SpaceFields`` fragment (a component's participatory space)."""

    id = GraphQLId(required=True)
    type = fields.String(required=True)
    title = _texts()


class PageInfoSchema(_Base):
    has_next_page = fields.Boolean(data_key="hasNextPage", required=True)
    end_cursor = fields.String(data_key="endCursor", allow_none=True, load_default=None)


class ProposalConnectionSchema(_Base):
    page_info = fields.Nested(PageInfoSchema, data_key="pageInfo", required=True)
    nodes = fields.List(fields.Nested(ProposalSchema, allow_none=True), required=True)


class ProposalComponentSchema(_Base):
    """``component`` of the ProposalById and ProposalsPage documents."""

    id = GraphQLId(required=True)
    typename = fields.String(data_key="__typename", required=True)
    url = fields.String(allow_none=True, load_default=None)
    participatory_space = fields.Nested(SpaceSchema, data_key="participatorySpace", required=True)
    proposal = fields.Nested(ProposalSchema, allow_none=True, load_default=None)
    proposals = fields.Nested(ProposalConnectionSchema, allow_none=True, load_default=None)
    # ProposalsById: the aliased slots.
    p0 = fields.Nested(ProposalSchema, allow_none=True, load_default=None)
    p1 = fields.Nested(ProposalSchema, allow_none=True, load_default=None)
    p2 = fields.Nested(ProposalSchema, allow_none=True, load_default=None)
    p3 = fields.Nested(ProposalSchema, allow_none=True, load_default=None)
    p4 = fields.Nested(ProposalSchema, allow_none=True, load_default=None)


class ComponentSummarySchema(_Base):
    id = GraphQLId(required=True)
    typename = fields.String(data_key="__typename", required=True)
    weight = fields.Integer(allow_none=True, load_default=0)
    name = _texts()


class SpaceWithComponentsSchema(_Base):
    """``participatoryProcess`` / ``assembly`` with their components."""

    id = GraphQLId(required=True)
    slug = fields.String(allow_none=True, load_default=None)
    type = fields.String(required=True)
    title = _texts()
    components = fields.List(
        fields.Nested(ComponentSummarySchema, allow_none=True), allow_none=True, load_default=None
    )


class TaxonomyTreeSchema(_Base):
    """A taxonomy with its children (``spaces`` reads two levels below each root)."""

    id = GraphQLId(required=True)
    name = _texts()
    children = fields.List(
        fields.Nested(lambda: TaxonomyTreeSchema(), allow_none=True),
        allow_none=True,
        load_default=list,
    )


class OrganizationTaxonomiesSchema(_Base):
    name = _texts()
    taxonomies = fields.List(
        fields.Nested(TaxonomyTreeSchema, allow_none=True), allow_none=True, load_default=list
    )


class SpacesSchema(_Base):
    """The ``Spaces`` query: organization with taxonomies, processes and assemblies."""

    organization = fields.Nested(OrganizationTaxonomiesSchema, allow_none=True, load_default=None)
    participatory_processes = fields.List(
        fields.Nested(SpaceWithComponentsSchema, allow_none=True),
        data_key="participatoryProcesses",
        allow_none=True,
        load_default=list,
    )
    assemblies = fields.List(
        fields.Nested(SpaceWithComponentsSchema, allow_none=True),
        allow_none=True,
        load_default=list,
    )


class SpaceSlugSchema(_Base):
    id = GraphQLId(required=True)
    slug = fields.String(allow_none=True, load_default=None)


class UserSchema(_Base):
    id = GraphQLId(required=True)
    name = fields.String(allow_none=True, load_default=None)
    nickname = fields.String(allow_none=True, load_default=None)


class SessionSchema(_Base):
    user = fields.Nested(UserSchema, allow_none=True, load_default=None)


class OrganizationSchema(_Base):
    name = _texts()


class WhoamiSchema(_Base):
    session = fields.Nested(SessionSchema, allow_none=True, load_default=None)
    organization = fields.Nested(OrganizationSchema, allow_none=True, load_default=None)


class CommentSchema(_Base):
    id = GraphQLId(required=True)
    body = fields.String(required=True)
    created_at = _dt("createdAt")
    author = fields.Nested(UserSchema, allow_none=True, load_default=None)


class CommentedProposalSchema(_Base):
    id = GraphQLId(required=True)
    comments = fields.List(fields.Nested(CommentSchema), required=True)


class AddedCommentSchema(_Base):
    id = GraphQLId(required=True)


class AnsweredProposalSchema(_Base):
    id = GraphQLId(required=True)
    state = fields.String(allow_none=True, load_default=None)
    answered_at = _dt("answeredAt")


class GuardedAnswerSchema(_Base):
    id = GraphQLId(required=True)
    written = fields.Boolean(required=True)
    state = fields.String(allow_none=True, load_default=None)
    published = fields.Boolean(required=True)


class DecidimInfoSchema(_Base):
    application_name = fields.String(data_key="applicationName", allow_none=True, load_default=None)
    version = fields.String(allow_none=True, load_default=None)


class AdminUserSchema(_Base):
    id = GraphQLId(required=True)
    nickname = fields.String(allow_none=True, load_default=None)
    name = fields.String(required=True)


class AdminNoteSchema(_Base):
    id = GraphQLId(required=True)
    body = fields.String(required=True)
    created_at = _dt("createdAt")
    author = fields.Nested(AdminUserSchema, allow_none=True, load_default=None)


class ProposalAdminSchema(_Base):
    """``proposalAdmin`` of the decidim-bridge module (notes only where asked for)."""

    id = GraphQLId(required=True)
    evaluators = fields.List(fields.Nested(AdminUserSchema), required=True)
    notes = fields.List(fields.Nested(AdminNoteSchema), load_default=list)
