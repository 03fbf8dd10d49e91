"""Run one ``POST /api`` body the way Decidim's queries controller does (no HTTP in here).

Two steps, so the HTTP layer can apply faults between them: ``prepare`` parses the body,
validates the document against the SDL and finds the operation (query or mutation);
``run`` checks Decidim's limits and executes under the state lock. Both return a ``Reply``
(status and JSON body) in Decidim's shapes: HTTP 200 with ``errors`` for anything GraphQL
refuses (no ``data`` when the document never ran), HTTP 500 with
``{"errors": [{"message": "Internal Server error"}], "data": {}}`` for unhandled failures.

Known difference: validation messages are graphql-core's wording, not graphql-ruby's (both
are HTTP 200 with an ``errors`` array, which is what clients act on).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    Visitor,
    execute,
    parse,
    validate,
    visit,
)
from graphql.execution.values import get_variable_values

from decidim_bridge.sandbox import api_errors
from decidim_bridge.sandbox.limits import Limits, check_operation
from decidim_bridge.sandbox.schema import resolve_field, resolve_type
from decidim_bridge.sandbox.view_base import RequestContext
from decidim_bridge.sandbox.views import MutationView, QueryView

log = logging.getLogger(__name__)

INTERNAL_ERROR_BODY: dict[str, Any] = {
    "errors": [{"message": "Internal Server error"}],
    "data": {},
}


@dataclass
class Reply:
    status: int
    body: dict[str, Any]
    error_codes: tuple[str, ...] = ()


@dataclass
class Prepared:
    """A parsed, valid request; or ``reply`` when it was refused before running."""

    target: str = "query"
    operation_name: str | None = None
    root_fields: tuple[str, ...] = ()
    #: Every field name the document selects (what a fault's ``field`` matches).
    fields: frozenset[str] = frozenset()
    variables: dict[str, Any] = field(default_factory=dict)
    document: DocumentNode | None = None
    operation: OperationDefinitionNode | None = None
    reply: Reply | None = None


def prepare(schema: GraphQLSchema, payload: Any) -> Prepared:
    """Parse and validate a request body (``{"query", "variables", "operationName"}``)."""
    if not isinstance(payload, dict):
        return Prepared(reply=_errors_only([{"message": "No query string was present"}]))
    operation_name = payload.get("operationName") or None
    variables = payload.get("variables")
    if isinstance(variables, str):
        try:
            variables = json.loads(variables) if variables.strip() else {}
        except ValueError:
            return Prepared(reply=Reply(500, dict(INTERNAL_ERROR_BODY)))
    if variables is None:
        variables = {}
    if not isinstance(variables, dict):
        return Prepared(reply=Reply(500, dict(INTERNAL_ERROR_BODY)))
    prepared = Prepared(operation_name=operation_name, variables=variables)
    query = payload.get("query")
    if not isinstance(query, str) or not query.strip():
        prepared.reply = _errors_only([{"message": "No query string was present"}])
        return prepared
    try:
        document = parse(query)
    except GraphQLError as error:
        prepared.reply = _errors_only([error.formatted])
        return prepared
    prepared.fields = _field_names(document)
    operation = _operation(document, operation_name)
    if operation is not None:
        prepared.target = operation.operation.value
        if operation.name is not None:
            prepared.operation_name = operation.name.value
        prepared.root_fields = tuple(
            s.name.value for s in operation.selection_set.selections if hasattr(s, "name")
        )
    problems = validate(schema, document)
    if problems:
        prepared.reply = _errors_only([p.formatted for p in problems])
        return prepared
    if operation is None:
        message = (
            f'Unknown operation named "{operation_name}".'
            if operation_name
            else "An operation name is required"
        )
        prepared.reply = _errors_only([{"message": message}])
        return prepared
    prepared.document = document
    prepared.operation = operation
    return prepared


def run(
    schema: GraphQLSchema,
    prepared: Prepared,
    ctx: RequestContext,
    limits: Limits,
    *,
    can_introspect: bool,
) -> Reply:
    """Check the limits and execute a prepared request under the state lock."""
    if prepared.reply is not None:
        return prepared.reply
    assert prepared.document is not None and prepared.operation is not None
    fragments = {
        d.name.value: d
        for d in prepared.document.definitions
        if isinstance(d, FragmentDefinitionNode)
    }
    coerced = get_variable_values(
        schema, prepared.operation.variable_definitions or (), prepared.variables
    )
    if isinstance(coerced, list):
        return _errors_only([e.formatted for e in coerced])
    # graphql-core 3.3 wraps the values (``.coerced``); 3.2 returns the dict itself.
    values = coerced if isinstance(coerced, dict) else coerced.coerced
    problems = check_operation(
        schema, prepared.operation, fragments, values, limits, can_introspect=can_introspect
    )
    if problems:
        return _errors_only(problems)
    root: QueryView | MutationView = (
        MutationView(ctx) if prepared.target == "mutation" else QueryView(ctx)
    )
    with ctx.state.lock:
        result = execute(
            schema,
            prepared.document,
            root_value=root,
            context_value=ctx,
            variable_values=prepared.variables,
            operation_name=prepared.operation_name,
            field_resolver=resolve_field,
            type_resolver=resolve_type,
        )
    if not isinstance(result, ExecutionResult):  # pragma: no cover - resolvers are sync
        raise TypeError("unexpected awaitable result")
    errors = list(result.errors or [])
    for error in errors:
        original = error.original_error
        if original is None or isinstance(original, (GraphQLError, api_errors.ApiError)):
            continue
        if not isinstance(original, api_errors.InternalServerError):
            log.error("unhandled error in a resolver", exc_info=original)
        return Reply(500, dict(INTERNAL_ERROR_BODY))
    body: dict[str, Any] = {"data": result.data}
    codes: list[str] = []
    if errors:
        body["errors"] = [_format(e) for e in errors]
        codes = [
            str(e["extensions"]["code"])
            for e in body["errors"]
            if isinstance(e.get("extensions"), dict) and "code" in e["extensions"]
        ]
    return Reply(200, body, tuple(codes))


def _format(error: GraphQLError) -> dict[str, Any]:
    formatted = dict(error.formatted)
    original = error.original_error
    if isinstance(original, api_errors.ApiError):
        formatted["extensions"] = {"code": original.code}
        if original.messages is not None:
            formatted["message"] = original.messages
    return formatted


def _field_names(document: DocumentNode) -> frozenset[str]:
    names: set[str] = set()

    class _Fields(Visitor):
        def enter_field(self, node: FieldNode, *_: Any) -> None:
            names.add(node.name.value)

    visit(document, _Fields())
    return frozenset(names)


def _operation(document: DocumentNode, name: str | None) -> OperationDefinitionNode | None:
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if name:
        return next((o for o in operations if o.name and o.name.value == name), None)
    return operations[0] if len(operations) == 1 else None


def _errors_only(errors: Sequence[Mapping[str, Any]]) -> Reply:
    codes = tuple(
        str(e["extensions"]["code"])
        for e in errors
        if isinstance(e.get("extensions"), dict) and "code" in e["extensions"]
    )
    return Reply(200, {"errors": errors}, codes)
