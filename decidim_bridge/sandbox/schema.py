"""The sandbox's executable schema: the bridge's Decidim 0.32 SDL file, served as it is.

``build_schema`` reads ``decidim_bridge/decidim/schema/decidim-0.32.graphql`` (the same file
the bridge's documents are validated against), so the sandbox cannot drift from what the
bridge believes Decidim offers. Fields resolve through the view classes in ``views.py``
(``resolve_field``); abstract types resolve through each view's ``graphql_type``.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any

from graphql import GraphQLError, GraphQLResolveInfo, GraphQLSchema, build_schema

SDL_PACKAGE = "decidim_bridge.decidim"
SDL_FILE = ("schema", "decidim-0.32.graphql")

_CAMEL = re.compile(r"(?<!^)(?=[A-Z])")


def sdl_text() -> str:
    folder, name = SDL_FILE
    path = resources.files(SDL_PACKAGE).joinpath(folder).joinpath(name)
    return path.read_text(encoding="utf-8")


@cache
def sandbox_schema() -> GraphQLSchema:
    """The schema built from the SDL file (once per process; it is immutable)."""
    return build_schema(sdl_text())


def snake(name: str) -> str:
    return _CAMEL.sub("_", name).lower()


class NotServed(GraphQLError):
    """A field of the SDL that the sandbox has no resolver for."""


def resolve_field(source: Any, info: GraphQLResolveInfo, **args: Any) -> Any:
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


def resolve_type(value: Any, info: GraphQLResolveInfo, abstract_type: Any) -> str:
    return str(value.graphql_type)


_MISSING = object()
