"""Every configured language has every name and text in the rule files.

A value written per language (``name: {nl: Groen, en: Green spaces}``) must have each
language scope.yaml lists; otherwise readers of that language would silently get another
one. A single string (``name: Centrum``) is the same in every language and passes. The
raw documents are walked, so every rule file is covered, with file and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from typing import Any

from decidim_bridge.rules.crosscheck import Files
from decidim_bridge.rules.yamlsource import Problem

_LOCALE_KEY = re.compile(r"^[a-z]{2}(?:[-_][A-Za-z]{2})?$")


def _per_language(
    data: Any, path: tuple[Any, ...]
) -> Iterator[tuple[tuple[Any, ...], dict[str, Any]]]:
    if isinstance(data, dict):
        keys = [k for k in data if isinstance(k, str) and _LOCALE_KEY.match(k)]
        texts = all(isinstance(v, str) or v is None for v in data.values())
        if keys and len(keys) == len(data) and texts:
            yield path, data
            return
        for key, value in data.items():
            yield from _per_language(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            yield from _per_language(value, (*path, index))


def missing_translations(files: Files, locales: Sequence[str]) -> list[Problem]:
    """A problem for each per-language value that lacks a configured language."""
    problems: list[Problem] = []
    wanted = list(locales)
    for loaded in files.values():
        doc = loaded.doc
        if doc.data is None:
            continue
        for path, value in _per_language(doc.data, ()):
            if not set(value) & set(wanted):
                continue
            missing = [locale for locale in wanted if not value.get(locale)]
            if missing:
                problems.append(
                    doc.problem(
                        path,
                        f"No text in {', '.join(missing)} (scope.yaml lists {', '.join(wanted)}).",
                    )
                )
    return problems
