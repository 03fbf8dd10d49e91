"""Decidim's query limits: aliases, depth, complexity, recursion and introspection."""

from __future__ import annotations

import pytest
from sandbox_support import gql

from decidim_bridge.sandbox.settings import SandboxConfig


def _aliases(count: int) -> str:
    return "{ " + " ".join(f"a{i}: decidim {{ applicationName }}" for i in range(count)) + " }"


def _deep(of_types: int) -> str:
    """Depth = 5 + of_types (``ofType`` is not counted as recursion by Decidim)."""
    inner = "name"
    for _ in range(of_types):
        inner = f"ofType {{ {inner} }}"
    return f"{{ __schema {{ types {{ fields {{ type {{ {inner} }} }} }} }} }}"


def test_five_aliases_are_allowed(sbx):
    response = gql(sbx, _aliases(5))
    assert response.status_code == 200
    assert response.json["data"]["a4"] == {"applicationName": "Decidim"}


def test_six_aliases_are_refused_with_decidims_code_and_no_data(sbx):
    response = gql(sbx, _aliases(6))
    assert response.status_code == 200
    assert response.json == {
        "errors": [
            {
                "message": "Too many aliases used. You have used 6 aliases, but 5 are allowed.",
                "extensions": {"code": "TOO_MANY_ALIASES_ERROR"},
            }
        ]
    }


def test_a_reused_alias_name_counts_once(sbx):
    query = (
        "{ a: decidim { x: applicationName } b: decidim { x: applicationName } "
        "c: session { user { x: name } } d: organization { x: taxonomies { x: id } } }"
    )
    response = gql(sbx, query).json
    assert "errors" not in response
    assert response["data"]["b"] == {"x": "Decidim"}


def test_depth_15_runs_and_16_is_refused(sbx, token):
    assert "errors" not in gql(sbx, _deep(10), token=token).json
    refused = gql(sbx, _deep(11), token=token)
    assert refused.status_code == 200
    assert refused.json == {
        "errors": [{"message": "Query has depth of 16, which exceeds max depth of 15"}]
    }


@pytest.mark.parametrize("sandbox_config", [SandboxConfig(max_complexity=200)])
def test_complexity_counts_connection_children_per_requested_item(sbx):
    query = (
        '{ component(id: "11") { ... on Proposals { proposals(first: %d) '
        '{ nodes { id title { translation(locale: "nl") } } } } } }'
    )
    assert "errors" not in gql(sbx, query % 10).json
    refused = gql(sbx, query % 50).json
    assert "data" not in refused
    assert refused["errors"][0]["message"].startswith("Query has complexity of ")
    assert refused["errors"][0]["message"].endswith("which exceeds max complexity of 200")


def test_a_field_recurring_three_times_on_one_path_is_refused(sbx, token):
    query = (
        '{ component(id: "11") { ... on Proposals { proposal(id: "104") '
        "{ comments { comments { %s } } } } } }"
    )
    assert "errors" not in gql(sbx, query % "id", token=token).json
    refused = gql(sbx, query % "comments { id }", token=token).json
    assert refused["errors"][0]["extensions"] == {"code": "TOO_MANY_RECURSIONS_ERROR"}
    assert "data" not in refused


def test_introspection_is_for_admins_only(sbx, token):
    query = "{ __schema { queryType { name } } }"
    refused = gql(sbx, query).json
    assert refused == {
        "errors": [
            {
                "message": "Introspection is disabled for this request",
                "extensions": {"code": "INTROSPECTION_DISABLED_ERROR"},
            }
        ]
    }
    allowed = gql(sbx, query, token=token).json
    assert allowed == {"data": {"__schema": {"queryType": {"name": "Query"}}}}
    assert gql(sbx, "{ __typename }").json == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("sandbox_config", [SandboxConfig(anonymous_introspection=True)])
def test_anonymous_introspection_can_be_enabled(sbx):
    assert "errors" not in gql(sbx, '{ __type(name: "Proposal") { name } }').json


def test_invalid_documents_are_200_with_errors_and_no_data(sbx):
    unknown = gql(sbx, "{ decidim { nope } }")
    assert unknown.status_code == 200
    assert "data" not in unknown.json
    assert "nope" in unknown.json["errors"][0]["message"]
    syntax = gql(sbx, "{ decidim { ")
    assert syntax.status_code == 200
    assert syntax.json["errors"][0]["message"].startswith("Syntax Error")
    empty = sbx.post("/api", json={})
    assert empty.json == {"errors": [{"message": "No query string was present"}]}
