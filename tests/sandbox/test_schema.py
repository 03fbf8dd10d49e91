"""The sandbox serves the bridge's SDL file, and every field of it."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import (
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    get_named_type,
    is_leaf_type,
    is_non_null_type,
)
from sandbox_support import FakeClock, gql

from decidim_bridge.sandbox import admin_views, views
from decidim_bridge.sandbox.schema import sandbox_schema, sdl_text, snake
from decidim_bridge.sandbox.seed import load_seed
from decidim_bridge.sandbox.state import SandboxState


@pytest.fixture(scope="module")
def schema() -> GraphQLSchema:
    return sandbox_schema()


def _views() -> dict[str, Any]:
    state = load_seed(SandboxState(clock=FakeClock()), api_key="k" * 32, api_secret="s" * 32)
    ctx = views.RequestContext(state, state.api_user(900))
    proposal = state.proposal(104)
    comment = state.comments_on(104)[0]
    note = state.create_note(104, "Notitie", by="marieke_kok")
    connection = views.paginate(
        ctx,
        [proposal],
        first=1,
        after=None,
        last=None,
        before=None,
        node=lambda p: views.ProposalView(ctx, p),
    )
    return {
        "Query": views.QueryView(ctx),
        "Mutation": views.MutationView(ctx),
        "Organization": views.OrganizationView(ctx),
        "Session": views.SessionView(ctx),
        "Decidim": views.DecidimView(ctx),
        "User": views.UserView(ctx, state.users[1]),
        "Taxonomy": views.TaxonomyView(ctx, state.taxonomies[2]),
        "ParticipatoryProcess": views.SpaceView(ctx, state.spaces[1], "ParticipatoryProcess"),
        "Assembly": views.SpaceView(ctx, state.spaces[3], "Assembly"),
        "ParticipatorySpace": views.SpaceView(ctx, state.spaces[1], "ParticipatorySpace"),
        "Proposals": views.ComponentView(ctx, state.components[11]),
        "Meetings": views.ComponentView(ctx, state.components[12]),
        "Pages": views.ComponentView(ctx, state.components[13]),
        "ProposalConnection": connection,
        "ProposalEdge": connection.edges[0],
        "PageInfo": connection.page_info,
        "Proposal": views.ProposalView(ctx, proposal),
        "Comment": views.CommentView(ctx, comment),
        "Coordinates": views.CoordinatesView(ctx, 1.0, 2.0),
        "ProposalState": views.ProposalStateView(ctx, state.proposal_states[0], 11),
        "TranslatedField": views.TranslatedFieldView(ctx, {"nl": "x"}),
        "LocalizedString": views.LocalizedStringView(ctx, "nl", "x"),
        "ProposalsMutation": views.ProposalsMutationView(ctx, state.components[11]),
        "ProposalMutation": views.ProposalMutationView(ctx, proposal),
        "CommentableMutation": views.CommentableMutationView(ctx, "x", "101", None),
        "CommentMutation": views.CommentMutationView(ctx, comment),
        "ProposalAdmin": admin_views.ProposalAdminView(ctx, proposal),
        "ProposalAdminUser": admin_views.ProposalAdminUserView(ctx, state.users[20]),
        "ProposalAdminNote": admin_views.ProposalAdminNoteView(ctx, note),
        "ProposalAdminMutation": admin_views.ProposalAdminMutationView(ctx, proposal),
        "ProposalAdminAnswer": admin_views.ProposalAdminAnswerView(
            ctx, proposal, written=False, state=None
        ),
    }


def test_the_schema_is_the_bridges_sdl_file(schema):
    assert "type Proposal implements" in sdl_text()
    assert schema.query_type.name == "Query" and schema.mutation_type.name == "Mutation"


def test_the_module_extends_the_schema_and_can_be_left_out(schema):
    assert "proposalAdmin" in schema.query_type.fields
    assert "proposalAdmin" in schema.mutation_type.fields
    assert "ProposalAdminMutation" in schema.type_map
    plain = sandbox_schema(bridge_module=False)
    assert "proposalAdmin" not in plain.query_type.fields
    assert "ProposalAdmin" not in plain.type_map
    assert set(plain.type_map) < set(schema.type_map)
    assert "extend type Mutation" in sdl_text(bridge_module=True)
    assert "extend type" not in sdl_text()


def test_every_object_type_and_field_of_the_sdl_is_served(schema):
    served = _views()
    missing = []
    for name, graphql_type in schema.type_map.items():
        if name.startswith("__") or not isinstance(graphql_type, GraphQLObjectType):
            continue
        view = served.get(name)
        if view is None:
            missing.append(name)
            continue
        assert view.graphql_type == name
        missing += [f"{name}.{f}" for f in graphql_type.fields if not hasattr(view, snake(f))]
    assert missing == []


def _selection(graphql_type: Any, depth: int) -> str:
    """Every field of the type (objects ``depth`` levels deep); required ``locale`` = nl."""
    parts = []
    for name, field in graphql_type.fields.items():
        required = [a for a, arg in field.args.items() if is_non_null_type(arg.type)]
        if set(required) - {"locale"}:
            continue
        args = '(locale: "nl")' if required else ""
        target = get_named_type(field.type)
        if is_leaf_type(target):
            parts.append(name + args)
        elif depth > 0 and isinstance(target, (GraphQLObjectType, GraphQLInterfaceType)):
            parts.append(f"{name}{args} {{ {_selection(target, depth - 1)} }}")
    return " ".join(parts) or "__typename"


def test_every_proposal_field_resolves_without_error(sbx, token, schema):
    selection = _selection(schema.type_map["Proposal"], 1)
    query = '{ component(id: "11") { ... on Proposals { proposal(id: "104") { SELECTION } } } }'
    query = query.replace("SELECTION", selection)
    response = gql(sbx, query, token=token)
    assert response.status_code == 200
    assert "errors" not in response.json, response.json.get("errors")
    proposal = response.json["data"]["component"]["proposal"]
    assert proposal["type"] == "Decidim::Proposals::Proposal"
    assert proposal["comments"][0]["formattedBody"].startswith("<div><p>Goed plan!")
