"""One mutation document from several single-write documents (pure).

Each write the bridge can combine is a document of ``documents/`` with one top-level field
(``commentable``, ``proposalAdmin``). ``combine`` renames each part's variables with its
alias as prefix, puts the alias on its top-level field and joins the fields, in order, under
one operation ``CombinedWrite``; shared fragments are appended once. GraphQL runs the
top-level fields of a mutation one after the other, in document order, and answers each
alias on its own (data for some, errors with a ``path`` for others), so the caller can give
each part its own outcome. Decidim's AliasAnalyzer allows ``MAX_ALIASES`` aliases (5,
``API_SCHEMA_MAX_ALIASES``); the parts' own documents use none.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    NameNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableDefinitionNode,
    VariableNode,
    Visitor,
    parse,
    print_ast,
    visit,
)

from decidim_bridge.decidim.limits import MAX_ALIASES
from decidim_bridge.decidim.operations import MODULE_SCHEMA, Operation

OPERATION_NAME = "CombinedWrite"


@dataclass(frozen=True)
class Part:
    """One field of a combined document: ``alias`` names it in the request and the answer."""

    alias: str
    operation: Operation
    variables: dict[str, Any]


class _Prefix(Visitor):
    def __init__(self, prefix: str) -> None:
        super().__init__()
        self.prefix = prefix

    def enter_variable(self, node: VariableNode, *_args: object) -> VariableNode:
        return VariableNode(name=NameNode(value=self.prefix + node.name.value))


def _single_field(operation: Operation) -> tuple[OperationDefinitionNode, FieldNode, list[Any]]:
    document = parse(operation.text)
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(ops) != 1 or ops[0].operation != OperationType.MUTATION:
        raise ValueError(f"{operation.name}: only a mutation can be part of a combined write")
    fields = list(ops[0].selection_set.selections)
    if len(fields) != 1 or not isinstance(fields[0], FieldNode) or fields[0].alias is not None:
        raise ValueError(f"{operation.name}: a part has exactly one top-level field, no alias")
    fragments = [d for d in document.definitions if isinstance(d, FragmentDefinitionNode)]
    return ops[0], fields[0], fragments


def top_field(operation: Operation) -> str:
    """The name of the one top-level field of a single-write document."""
    return _single_field(operation)[1].name.value


def combine(parts: Sequence[Part]) -> tuple[Operation, dict[str, Any]]:
    """The combined operation and its variables (``<alias>_<name>``)."""
    if not 1 <= len(parts) <= MAX_ALIASES:
        raise ValueError(f"a combined write has 1..{MAX_ALIASES} parts")
    aliases = [p.alias for p in parts]
    if len(set(aliases)) != len(aliases) or not all(a.isidentifier() for a in aliases):
        raise ValueError(f"aliases must be distinct names: {aliases}")
    definitions: list[VariableDefinitionNode] = []
    selections: list[FieldNode] = []
    fragments: dict[str, FragmentDefinitionNode] = {}
    variables: dict[str, Any] = {}
    for part in parts:
        op, field, own_fragments = _single_field(part.operation)
        prefix = f"{part.alias}_"
        for definition in op.variable_definitions or ():
            definitions.append(visit(definition, _Prefix(prefix)))
        renamed: FieldNode = visit(field, _Prefix(prefix))
        selections.append(replace(renamed, alias=NameNode(value=part.alias)))
        for fragment in own_fragments:
            fragments.setdefault(fragment.name.value, fragment)
        declared = {d.variable.name.value for d in op.variable_definitions or ()}
        unknown = set(part.variables) - declared
        if unknown:
            raise ValueError(f"{part.operation.name}: no variables {sorted(unknown)}")
        variables.update({prefix + name: value for name, value in part.variables.items()})
    operation = OperationDefinitionNode(
        operation=OperationType.MUTATION,
        name=NameNode(value=OPERATION_NAME),
        variable_definitions=tuple(definitions),
        directives=(),
        selection_set=SelectionSetNode(selections=tuple(selections)),
    )
    document = DocumentNode(definitions=(operation, *fragments.values()))
    text = print_ast(document) + "\n"
    return Operation("combined_write", OPERATION_NAME, "mutation", text, MODULE_SCHEMA), variables


def errors_by_alias(
    errors: Sequence[Any], aliases: Sequence[str]
) -> tuple[dict[str, list[Any]], list[Any]]:
    """The ``errors`` of an answer per alias (by the first element of ``path``), and those
    that name no alias of the document."""
    mine: dict[str, list[Any]] = {alias: [] for alias in aliases}
    other: list[Any] = []
    for error in errors:
        path = error.get("path") if isinstance(error, dict) else None
        head = path[0] if isinstance(path, list) and path else None
        if isinstance(head, str) and head in mine:
            mine[head].append(error)
        else:
            other.append(error)
    return mine, other
