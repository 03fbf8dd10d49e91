"""The municipality's rule files (``mappings/``): loading, validation and the plain model.

``load(directory)`` gives a validated ``Mappings`` or raises ``MappingError`` listing every
problem with file, line and field; ``check(directory)`` returns the problems instead.
"""

from decidim_bridge.rules.loader import check, load
from decidim_bridge.rules.model import Mappings
from decidim_bridge.rules.yamlsource import Problem

__all__ = ["Mappings", "Problem", "check", "load"]
