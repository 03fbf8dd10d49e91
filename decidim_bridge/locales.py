"""Picking one text out of a ``{locale: text}`` map, the same way everywhere.

Rule files, Decidim's translated fields and the write-back texts all keep texts per
locale. Every reader picks one with ``localized``: the wanted locale, its language
without the region, the fallback locale, then any text there is (machine translations
never). A plain string is already the text.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MACHINE_TRANSLATIONS = "machine_translations"


def localized(value: Any, locale: str, fallback: str | None = None) -> str:
    """The text of ``value`` (a ``{locale: text}`` map, a string or None) in ``locale``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if not isinstance(value, Mapping):
        return str(value)
    for key in (locale, locale.split("-")[0], fallback):
        if key and value.get(key):
            return str(value[key])
    for key in sorted(value):
        if value[key] and not str(key).startswith(MACHINE_TRANSLATIONS):
            return str(value[key])
    return ""
