"""Decidim's static query limits, checked on the operation before it runs.

What Decidim configures (``decidim-api/lib/decidim/api/schema.rb`` and ``api.rb``) and how the
sandbox follows it:

* aliases: ``AliasAnalyzer`` counts the distinct alias names of the operation; more than
  ``max_aliases`` (5) is ``TOO_MANY_ALIASES_ERROR``.
* depth: graphql-ruby's ``max_depth`` (15); the first level of fields is depth 1, fragments
  are inlined. graphql-ruby's message, no ``extensions.code``.
* complexity: graphql-ruby's ``max_complexity`` (5000). The sandbox's count is APPROXIMATE:
  every field costs 1 plus its children; the children of a connection field count once per
  requested page item (``first``/``last``, else the page maximum); no per-type maximum over
  fragments on abstract types (they are added up, so it errs on the high side).
* recursion: ``RecursionAnalyzer`` refuses a field name that occurs more than twice on one
  path (``node``, ``edges``, ``nodes``, ``ofType`` excepted): ``TOO_MANY_RECURSIONS_ERROR``.
* introspection: ``__schema``/``__type`` only for admins (API users are admins) unless
  anonymous introspection is enabled: ``INTROSPECTION_DISABLED_ERROR``.

Each check returns error dicts in the shape Decidim sends (all analysis errors together, in
an ``errors`` array with no ``data``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)

from decidim_bridge.decidim import error_codes

RECURSION_IGNORED = frozenset({"node", "edges", "nodes", "ofType"})
RECURSION_THRESHOLD = 2


@dataclass(frozen=True)
class Limits:
    max_aliases: int = 5
    max_depth: int = 15
    max_complexity: int = 5000
    max_per_page: int = 50


def check_operation(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDefinitionNode],
    variables: dict[str, Any],
    limits: Limits,
    *,
    can_introspect: bool,
) -> list[dict[str, Any]]:
    """Every limit the operation breaks, as GraphQL error dicts (empty when it may run)."""
    walker = _Walker(schema, fragments, variables, limits)
    root = schema.mutation_type if operation.operation.value == "mutation" else schema.query_type
    complexity = walker.walk(operation.selection_set, root, depth=1, path=())
    errors: list[dict[str, Any]] = []
    if walker.introspection and not can_introspect:
        errors.append(
            _error("Introspection is disabled for this request", error_codes.INTROSPECTION_DISABLED)
        )
    if walker.max_depth > limits.max_depth:
        errors.append(
            {
                "message": f"Query has depth of {walker.max_depth}, which exceeds max depth of "
                f"{limits.max_depth}"
            }
        )
    if complexity > limits.max_complexity:
        errors.append(
            {
                "message": f"Query has complexity of {complexity}, which exceeds max complexity "
                f"of {limits.max_complexity}"
            }
        )
    if len(walker.aliases) > limits.max_aliases:
        errors.append(
            _error(
                f"Too many aliases used. You have used {len(walker.aliases)} aliases, but "
                f"{limits.max_aliases} are allowed.",
                error_codes.TOO_MANY_ALIASES,
            )
        )
    if walker.recursing:
        errors.append(
            _error(
                "Recursion limit exceeded: "
                + ", ".join(sorted(walker.recursing))
                + f" repeat more than {RECURSION_THRESHOLD} times in one path.",
                error_codes.TOO_MANY_RECURSIONS,
            )
        )
    return errors


def _error(message: str, code: str) -> dict[str, Any]:
    return {"message": message, "extensions": {"code": code}}


class _Walker:
    def __init__(
        self,
        schema: GraphQLSchema,
        fragments: dict[str, FragmentDefinitionNode],
        variables: dict[str, Any],
        limits: Limits,
    ) -> None:
        self.schema = schema
        self.fragments = fragments
        self.variables = variables
        self.limits = limits
        self.aliases: set[str] = set()
        self.max_depth = 0
        self.introspection = False
        self.recursing: set[str] = set()

    def walk(
        self,
        selection_set: SelectionSetNode | None,
        parent: Any,
        *,
        depth: int,
        path: tuple[str, ...],
        seen: frozenset[str] = frozenset(),
    ) -> int:
        if selection_set is None:
            return 0
        cost = 0
        for field, field_parent in self._fields(selection_set, parent, seen):
            name = field.name.value
            if field.alias is not None:
                self.aliases.add(field.alias.value)
            if name in ("__schema", "__type"):
                self.introspection = True
            self.max_depth = max(self.max_depth, depth)
            definition = _field_def(field_parent, name)
            child_type = get_named_type(definition.type) if definition is not None else None
            child_path = path
            if field.selection_set is not None and name not in RECURSION_IGNORED:
                child_path = (*path, name)
                if child_path.count(name) > RECURSION_THRESHOLD:
                    self.recursing.add(name)
            children = self.walk(
                field.selection_set, child_type, depth=depth + 1, path=child_path, seen=seen
            )
            if child_type is not None and child_type.name.endswith("Connection"):
                children *= self._page_size(field)
            cost += 1 + children
        return cost

    def _fields(
        self, selection_set: SelectionSetNode, parent: Any, seen: frozenset[str]
    ) -> Iterator[tuple[FieldNode, Any]]:
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                yield selection, parent
            elif isinstance(selection, InlineFragmentNode):
                target = parent
                if selection.type_condition is not None:
                    target = self.schema.get_type(selection.type_condition.name.value) or parent
                yield from self._fields(selection.selection_set, target, seen)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in seen:
                    continue
                target = self.schema.get_type(fragment.type_condition.name.value) or parent
                yield from self._fields(fragment.selection_set, target, seen | {name})

    def _page_size(self, field: FieldNode) -> int:
        requested = None
        for argument in field.arguments or ():
            if argument.name.value not in ("first", "last"):
                continue
            value = argument.value
            if isinstance(value, IntValueNode):
                requested = int(value.value)
            elif isinstance(value, VariableNode):
                raw = self.variables.get(value.name.value)
                requested = raw if isinstance(raw, int) else None
        if requested is None or requested < 0:
            return self.limits.max_per_page
        return min(requested, self.limits.max_per_page)


def _field_def(parent: Any, name: str) -> GraphQLField | None:
    if isinstance(parent, (GraphQLObjectType, GraphQLInterfaceType)):
        found: GraphQLField | None = parent.fields.get(name)  # graphql-core: fields is Any
        return found
    return None
