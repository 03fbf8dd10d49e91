"""Reduce a finished plan to what the council digest counts. Pure.

Kept: ids, stage, district and themes, offers and amounts, dates and whether promises were
kept. Emptied: every free text a resident or advisor could be recognised by — the title,
matched words and addresses, rendered reason texts and their text arguments, advisor names
and addresses, the promise wording.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from decidim_bridge.plan.model import Plan

#: Text fields emptied wherever they occur in a plan.
TEXT_FIELDS = frozenset({"title", "matched", "text", "name", "email", "say"})


def _scrub(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for field in dataclasses.fields(value):
            current = getattr(value, field.name)
            if field.name in TEXT_FIELDS and isinstance(current, str):
                changes[field.name] = ""
            else:
                changes[field.name] = _scrub(current)
        return dataclasses.replace(value, **changes)
    if isinstance(value, tuple):
        return tuple(_scrub(item) for item in value)
    if isinstance(value, dict):
        return {k: "" if isinstance(v, str) else _scrub(v) for k, v in value.items()}
    return value


def reduce_plan(plan: Plan) -> Plan:
    """The plan without personal data; reducing twice changes nothing."""
    reduced: Plan = _scrub(plan)
    return reduced
