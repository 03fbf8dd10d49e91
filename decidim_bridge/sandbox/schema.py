"""The sandbox's executable schema: the bridge's Decidim 0.32 SDL file, served as it is.

``build_schema`` reads ``decidim_bridge/decidim/schema/decidim-0.32.graphql`` (the same file
the bridge's documents are validated against), so the sandbox cannot drift from what the
bridge believes Decidim offers. With the decidim-bridge module (the default), the schema is
that file extended with ``decidim-bridge-module.graphql`` (graphql-core's ``extend_schema``).
Fields resolve through the view classes in ``views.py`` (``resolve_field``); abstract types
resolve through each view's ``graphql_type``.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from graphql import (
    GraphQLError,
    GraphQLResolveInfo,
    GraphQLSchema,
    build_schema,
    extend_schema,
    parse,
)

if TYPE_CHECKING:
    from decidim_bridge.sandbox.view_base import RequestContext

SDL_PACKAGE = "decidim_bridge.decidim"
SDL_FILE = ("schema", "decidim-0.32.graphql")
MODULE_SDL_FILE = ("schema", "decidim-bridge-module.graphql")

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def _read(file: tuple[str, str]) -> str:
    folder, name = file
    return resources.files(SDL_PACKAGE).joinpath(folder).joinpath(name).read_text(encoding="utf-8")


def sdl_text(*, bridge_module: bool = False) -> str:
    """Decidim's SDL, followed by the module's extension when ``bridge_module``."""
    text = _read(SDL_FILE)
    return text + "\n" + _read(MODULE_SDL_FILE) if bridge_module else text


@cache
def sandbox_schema(*, bridge_module: bool = True) -> GraphQLSchema:
    """The schema built from the SDL files (once per process and flag; it is immutable)."""
    schema = build_schema(_read(SDL_FILE))
    if bridge_module:
        schema = extend_schema(schema, parse(_read(MODULE_SDL_FILE)))
    return schema


def snake(name: str) -> str:
    return _CAMEL.sub("_", name).lower()


class NotServed(GraphQLError):
    """A field of the SDL that the sandbox has no resolver for."""


def resolve_field(source: Any, info: GraphQLResolveInfo[RequestContext], **args: Any) -> Any:
    """Resolve ``info.field_name`` on a view: attribute or method in snake_case."""
    if isinstance(source, dict):
        return source.get(info.field_name)
    name = snake(info.field_name)
    value = getattr(source, name, _MISSING)
    if value is _MISSING:
        raise NotServed(f"The sandbox does not serve {info.parent_type.name}.{info.field_name}.")
    if callable(value):
        return value(**{snake(key): arg for key, arg in args.items()})
    return value


def resolve_type(value: Any, info: GraphQLResolveInfo[RequestContext], abstract_type: Any) -> str:
    return str(value.graphql_type)


_MISSING = object()
