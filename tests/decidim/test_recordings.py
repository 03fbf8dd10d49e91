"""The recorded Decidim answers are answers the schema can give to the bridge's documents.

Each recording's ``data`` is executed as the root value of its document against the SDL:
graphql-core then returns exactly the selected fields, checks nullability and types, and
the result must equal the recording. So a recording can hold neither a field the document
did not ask for nor a value the schema forbids.
"""

from __future__ import annotations

from typing import Any

import pytest
from graphql import GraphQLAbstractType, GraphQLResolveInfo, execute, parse

from decidim_bridge.decidim import combine, operations

IDS = {"componentId": "11", "proposalId": "5"}
CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("proposal", "proposal-200", IDS),
    ("proposal", "proposal_missing-200", IDS),
    ("proposal", "proposal_component_missing-200", IDS),
    ("proposal", "proposal_wrong_component-200", {"componentId": "12", "proposalId": "5"}),
    ("proposals_page", "proposals_page1-200", {"componentId": "11", "first": 50}),
    ("proposals_page", "proposals_page2-200", {"componentId": "11", "first": 50, "after": "MQ"}),
    ("proposals_page", "proposals_page3-200", {"componentId": "11", "first": 50, "after": "Mg"}),
    (
        "proposals_page",
        "proposals_page_newest-200",
        {
            "componentId": "11",
            "first": 50,
            "filter": {"publishedSince": "2026-11-26"},
            "order": {"publishedAt": "DESC"},
        },
    ),
    ("process_components", "process_components-200", {"slug": "wijkinitiatieven"}),
    ("process_components", "process_components_missing-200", {"slug": "nee"}),
    ("assemblies", "assemblies-200", {}),
    ("assembly_components", "assembly_components-200", {"id": "3"}),
    ("whoami", "whoami-200", {}),
    ("whoami", "whoami_anonymous-200", {}),
    ("decidim_version", "decidim_version-200", {}),
    ("decidim_version", "decidim_version_hidden-200", {}),
    ("proposal_comments", "proposal_comments-200", IDS),
    ("proposal_comments", "proposal_comments_missing-200", IDS),
    ("add_comment", "add_comment-200", {"id": "5", "type": "T", "body": "b", "locale": "nl"}),
    (
        "add_comment",
        "add_comment_refused-200",
        {"id": "5", "type": "T", "body": "b", "locale": "nl"},
    ),
    (
        "answer_proposal",
        "answer_proposal-200",
        {**IDS, "input": {"attributes": {"state": "evaluating", "answerContent": {"nl": "x"}}}},
    ),
    ("answer_proposal_apiext", "answer_proposal_unpublished-200", {**IDS, "state": "accepted"}),
    ("proposal_admin", "proposal_admin-200", {"id": "5"}),
    ("proposal_admin", "proposal_admin_missing-200", {"id": "5"}),
    ("assign_evaluators", "assign_evaluators-200", {"id": "5", "nicknames": ["sanne_visser"]}),
    ("unassign_evaluators", "unassign_evaluators-200", {"id": "5", "nicknames": ["a"]}),
    ("create_proposal_note", "create_proposal_note-200", {"id": "5", "body": "b"}),
    ("answer_proposal_guarded", "answer_proposal_guarded-200", {"id": "5", "state": "x"}),
    ("answer_proposal_guarded", "answer_proposal_guarded_kept-200", {"id": "5", "state": "x"}),
]


#: The concrete type of an abstract one when the document did not ask for ``__typename``.
FALLBACK_TYPES = {"Author": "User", "ComponentInterface": "Proposals"}


def _type_of(value: Any, _info: GraphQLResolveInfo, abstract: GraphQLAbstractType) -> str | None:
    if isinstance(value, dict) and value.get("__typename"):
        return str(value["__typename"])
    return FALLBACK_TYPES.get(abstract.name)


#: Recordings of an instance with the decidim-bridge module, whose documents are plain 0.32.
MODULE_CASES = {"capabilities_module-200", "capabilities_module_guarded-200"}


@pytest.mark.parametrize(
    ("document", "recording", "variables"),
    [
        *CASES,
        # The module as it is now; ``capabilities_module-200`` is an earlier release of it,
        # without the guarded answer.
        ("capabilities", "capabilities_module_guarded-200", {}),
    ],
)
def test_recording_is_a_possible_answer(
    document: str, recording: str, variables: dict[str, Any], recorded_answer: Any
) -> None:
    operation = operations.get(document)
    data = recorded_answer(recording)["data"]
    schema = operations.MODULE_SCHEMA if recording in MODULE_CASES else operation.schema

    result = execute(
        operations.load_schema(schema),
        parse(operation.text),
        root_value=data,
        variable_values=variables,
        type_resolver=_type_of,
    )

    assert result.errors is None
    assert result.data == data


def test_a_recording_with_an_unrequested_field_is_caught(recorded_answer: Any) -> None:
    operation = operations.get("whoami")
    data = recorded_answer("whoami-200")["data"]
    data["session"]["user"]["email"] = "loket@lindeburg.example"

    result = execute(operations.load_schema(), parse(operation.text), root_value=data)

    assert result.data != data


#: The parts of the combined write the recordings answer (``client.write_combined``).
COMBINED_PARTS = [
    ("add_comment", {"id": "5", "type": "T", "body": "b", "locale": "nl"}),
    ("answer_proposal_guarded", {"id": "5", "state": "evaluating"}),
    ("assign_evaluators", {"id": "5", "nicknames": ["a"]}),
    ("create_proposal_note", {"id": "5", "body": "b"}),
]


def _by_response_key(source: Any, info: GraphQLResolveInfo, **_args: Any) -> Any:
    """The recorded value under the alias the document gave the field (else its name)."""
    key = info.path.key
    return source.get(key) if key in source else source.get(info.field_name)


@pytest.mark.parametrize(
    "recording",
    [
        "combined_write-200",
        "combined_write_note_refused-200",
        "combined_write_evaluator_refused-200",
    ],
)
def test_combined_recording_is_a_possible_answer(recording: str, recorded_answer: Any) -> None:
    parts = [
        combine.Part(f"w{i}", operations.get(name), variables)
        for i, (name, variables) in enumerate(COMBINED_PARTS)
    ]
    operation, variables = combine.combine(parts)
    body = recorded_answer(recording)
    data = body["data"]

    result = execute(
        operations.load_schema(operation.schema),
        parse(operation.text),
        root_value=data,
        variable_values=variables,
        field_resolver=_by_response_key,
    )

    assert result.errors is None
    # A field that failed is null in the recording, and its error names its alias.
    assert result.data == data
    assert {e["path"][0] for e in body.get("errors", [])} == {
        k for k, v in data.items() if v is None
    }
