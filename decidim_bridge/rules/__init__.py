"""The municipality's rule files (``mappings/``): loading, validation and the plain model.

``load(directory)`` gives a validated ``Mappings`` or raises ``MappingError`` listing every
problem with file, line and field; ``check(directory)`` returns the problems instead.

Importing the package gives only the plain model: the pure plan engine imports
``rules.model`` and must not pull in the file readers (YAML, marshmallow, the holiday
calendar), so ``load``, ``check`` and ``Problem`` are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from decidim_bridge.rules.model import Mappings

if TYPE_CHECKING:
    from decidim_bridge.rules.loader import check, load
    from decidim_bridge.rules.yamlsource import Problem

_AT_THE_EDGE = {
    "check": "decidim_bridge.rules.loader",
    "load": "decidim_bridge.rules.loader",
    "Problem": "decidim_bridge.rules.yamlsource",
}

__all__ = ["Mappings", "Problem", "check", "load"]


def __getattr__(name: str) -> Any:
    if name in _AT_THE_EDGE:
        return getattr(importlib.import_module(_AT_THE_EDGE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
