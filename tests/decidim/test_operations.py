"""Every GraphQL document the bridge sends validates against the Decidim schema it targets."""

from __future__ import annotations

from pathlib import Path

import pytest
from graphql import validate_schema

from decidim_bridge.decidim import operations

DOCUMENT_NAMES = sorted(p.stem for p in operations.DOCUMENTS_DIR.glob("*.graphql"))


@pytest.mark.parametrize("schema_name", ["decidim-0.32", "decidim-apiext-0.29"])
def test_schema_files_are_valid_schemas(schema_name: str) -> None:
    assert validate_schema(operations.load_schema(schema_name)) == []


def test_every_document_is_loaded() -> None:
    assert sorted(operations.all_operations()) == DOCUMENT_NAMES
    assert {"proposal", "proposals_page", "add_comment", "answer_proposal", "capabilities"} <= set(
        DOCUMENT_NAMES
    )


@pytest.mark.parametrize("name", DOCUMENT_NAMES)
def test_document_validates_against_its_schema(name: str) -> None:
    operation = operations.get(name)
    assert operations.validation_errors(operation) == []


def test_apiext_answer_targets_the_apiext_schema_and_not_032() -> None:
    operation = operations.get("answer_proposal_apiext")
    assert operation.schema == "decidim-apiext-0.29"
    assert operation.is_mutation
    errors = operations.validation_errors(operation, operations.load_schema("decidim-0.32"))
    assert any("state" in message for message in errors)


def test_032_answer_does_not_validate_against_apiext() -> None:
    operation = operations.get("answer_proposal")
    errors = operations.validation_errors(operation, operations.load_schema("decidim-apiext-0.29"))
    assert errors


def test_fragments_are_appended_transitively() -> None:
    text = operations.get("proposal").text
    assert "fragment ProposalFields on Proposal" in text
    assert "fragment Texts on TranslatedField" in text
    assert text.count("fragment Texts") == 1


def test_validator_catches_a_misspelled_field(tmp_path: Path) -> None:
    good = operations.DOCUMENTS_DIR / "proposal.graphql"
    bad = tmp_path / "proposal_typo.graphql"
    source = good.read_text(encoding="utf-8")
    assert "participatorySpace" in source
    bad.write_text(source.replace("participatorySpace", "participatorySpaec"), encoding="utf-8")
    errors = operations.validation_errors(operations.load_file(bad))
    assert any("participatorySpaec" in message for message in errors)


def test_validator_catches_a_field_in_a_nested_selection(tmp_path: Path) -> None:
    bad = tmp_path / "typo.graphql"
    bad.write_text(
        "query Typo($c: ID!) { component(id: $c) { ... on Proposals {"
        " proposals { nodes { id answerdAt } } } } }",
        encoding="utf-8",
    )
    errors = operations.validation_errors(operations.load_file(bad))
    assert len(errors) == 1
    assert errors[0].startswith("Cannot query field 'answerdAt' on type 'Proposal'.")


def test_unknown_fragment_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "missing.graphql"
    bad.write_text("query Missing { organization { name { ...Nope } } }", encoding="utf-8")
    with pytest.raises(ValueError, match=r"unknown fragment \.\.\.Nope"):
        operations.load_file(bad)


def test_mutations_and_queries_are_told_apart() -> None:
    kinds = {name: op.kind for name, op in operations.all_operations().items()}
    assert kinds["add_comment"] == "mutation"
    assert kinds["answer_proposal"] == "mutation"
    assert kinds["proposals_page"] == "query"
    assert kinds["capabilities"] == "query"
