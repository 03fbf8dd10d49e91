"""The municipality's rule files (``mappings/``): loading, validation and the plain model.

``rules.loader.load(directory)`` gives a validated ``Mappings`` or raises ``MappingError``
listing every problem with file, line and field; ``rules.loader.check(directory)`` returns
the problems instead. The package itself imports nothing: the pure plan engine imports
``rules.model`` and must not pull in the file readers (YAML, marshmallow, the holiday
calendar), which only the edge (``rules.loader``) needs.
"""
