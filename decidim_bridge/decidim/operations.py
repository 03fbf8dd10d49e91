"""The GraphQL documents the bridge sends to Decidim, loaded from ``documents/*.graphql``.

Keeping every query and mutation in a file lets a test validate each one against the
Decidim schema in ``schema/`` (graphql-core), so a misspelled field or one Decidim does not
have fails the build instead of a production call. Shared fragments live in
``documents/fragments/``; a document gets exactly the fragments it spreads, appended.
A document validated against another schema than Decidim 0.32 names it in a first-line
comment ``# schema: <name>`` (e.g. the answer mutation of decidim-apiext); ``<base>+<ext>``
names a schema extended by an SDL extension, e.g. the decidim-bridge Decidim module's
``decidim-0.32+decidim-bridge-module``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLSchema,
    OperationDefinitionNode,
    Visitor,
    build_schema,
    extend_schema,
    parse,
    validate,
    visit,
)

PACKAGE_DIR = Path(__file__).resolve().parent
DOCUMENTS_DIR = PACKAGE_DIR / "documents"
FRAGMENTS_DIR = DOCUMENTS_DIR / "fragments"
SCHEMA_DIR = PACKAGE_DIR / "schema"
DEFAULT_SCHEMA = "decidim-0.32"

_SCHEMA_COMMENT = re.compile(r"^#\s*schema:\s*(?P<name>[\w.+-]+)\s*$", re.MULTILINE)


@dataclass(frozen=True)
class Operation:
    """One named operation, ready to send: ``text`` includes the fragments it uses."""

    name: str  # the file stem, e.g. "proposal"
    operation_name: str  # the GraphQL operation name, e.g. "ProposalById"
    kind: str  # "query" or "mutation"
    text: str
    schema: str

    @property
    def is_mutation(self) -> bool:
        return self.kind == "mutation"


class _SpreadCollector(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.names: set[str] = set()

    def enter_fragment_spread(self, node: FragmentSpreadNode, *_args: object) -> None:
        self.names.add(node.name.value)


def _spreads(node: object) -> set[str]:
    collector = _SpreadCollector()
    visit(node, collector)  # type: ignore[arg-type]
    return collector.names


@cache
def fragments() -> dict[str, tuple[str, FragmentDefinitionNode]]:
    """Every shared fragment by name: (its source text, its AST)."""
    found: dict[str, tuple[str, FragmentDefinitionNode]] = {}
    for path in sorted(FRAGMENTS_DIR.glob("*.graphql")):
        source = path.read_text(encoding="utf-8")
        for definition in parse(source).definitions:
            if not isinstance(definition, FragmentDefinitionNode):
                raise ValueError(f"{path.name}: only fragments belong in documents/fragments/")
            name = definition.name.value
            if name in found:
                raise ValueError(f"{path.name}: fragment {name} is defined twice")
            loc = definition.loc
            text = source[loc.start : loc.end] if loc else ""
            found[name] = (text, definition)
    return found


def _with_fragments(source: str, document: DocumentNode, origin: str) -> str:
    """The document source plus the shared fragments it needs, transitively."""
    available = fragments()
    local = {d.name.value for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    needed: list[str] = []
    pending = sorted(_spreads(document) - local)
    while pending:
        name = pending.pop(0)
        if name in needed:
            continue
        if name not in available:
            raise ValueError(f"{origin}: unknown fragment ...{name}")
        needed.append(name)
        pending.extend(sorted(_spreads(available[name][1]) - set(needed) - local))
    parts = [source.strip()] + [available[name][0] for name in needed]
    return "\n\n".join(parts) + "\n"


def load_file(path: Path) -> Operation:
    """Load one document file; it must hold exactly one named operation."""
    source = path.read_text(encoding="utf-8")
    document = parse(source)
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    op = operations[0] if len(operations) == 1 else None
    if op is None or op.name is None:
        raise ValueError(f"{path.name}: a document holds exactly one named operation")
    match = _SCHEMA_COMMENT.search(source.split("\n", 1)[0])
    return Operation(
        name=path.stem,
        operation_name=op.name.value,
        kind=op.operation.value,
        text=_with_fragments(source, document, path.name),
        schema=match.group("name") if match else DEFAULT_SCHEMA,
    )


@cache
def all_operations() -> dict[str, Operation]:
    """Every document of ``documents/`` by file stem."""
    return {path.stem: load_file(path) for path in sorted(DOCUMENTS_DIR.glob("*.graphql"))}


def get(name: str) -> Operation:
    """The operation stored in ``documents/<name>.graphql``."""
    try:
        return all_operations()[name]
    except KeyError:
        raise KeyError(f"no GraphQL document named {name!r} in {DOCUMENTS_DIR}") from None


#: The schema a document of the decidim-bridge Decidim module is validated against.
MODULE_SCHEMA = f"{DEFAULT_SCHEMA}+decidim-bridge-module"


@cache
def load_schema(name: str = DEFAULT_SCHEMA) -> GraphQLSchema:
    """A schema of ``schema/<name>.graphql``; ``a+b`` is ``a`` extended by ``b``'s SDL."""
    base, *extensions = name.split("+")
    schema = build_schema(_sdl(base))
    for extension in extensions:
        schema = extend_schema(schema, parse(_sdl(extension)))
    return schema


def _sdl(name: str) -> str:
    return (SCHEMA_DIR / f"{name}.graphql").read_text(encoding="utf-8")


def validation_errors(operation: Operation, schema: GraphQLSchema | None = None) -> list[str]:
    """graphql-core's validation messages for one operation (empty when it is valid)."""
    target = schema if schema is not None else load_schema(operation.schema)
    return [error.message for error in validate(target, parse(operation.text))]
