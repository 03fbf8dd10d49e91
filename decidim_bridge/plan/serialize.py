"""Plans to JSON-ready data and back, and the fingerprint that decides "did it change?".

The conversion follows the dataclass type hints, so the stored JSON mirrors ``plan.model``
field by field (except those marked ``NOT_STORED``) and a version written today can be read
back into the same classes. The
store keeps these texts (a version's plan and its changes); ``plan_versions`` converts.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import types
import typing
from functools import cache
from typing import Any, TypeVar, Union, get_args, get_origin

from decidim_bridge.plan.diff import Change
from decidim_bridge.plan.model import ExpectationContract, Plan

T = TypeVar("T")

#: Plan fields that say *when/with what* it was computed, not *what* it decided.
VOLATILE_FIELDS = ("computed_at", "mappings_digest")

_FIELD_NAMES: dict[type, tuple[str, ...] | None] = {}
_OMITTABLE: dict[type, dict[str, Any]] = {}


def _omittable(kind: type) -> dict[str, Any]:
    """Fields marked ``OMIT_DEFAULT`` (``plan.model``): added later, left out of the JSON
    while they hold their default, so plans that do not use them keep their bytes and
    fingerprint."""
    return {f.name: f.default for f in dataclasses.fields(kind) if f.metadata.get("omit_default")}


def to_data(value: Any) -> Any:
    """Dataclasses -> dicts, tuples -> lists (recursively)."""
    kind = type(value)
    names = _FIELD_NAMES.get(kind, ())
    if names == ():
        is_class = dataclasses.is_dataclass(kind)
        names = _FIELD_NAMES[kind] = (
            tuple(f.name for f in dataclasses.fields(kind) if not f.metadata.get("not_stored"))
            if is_class
            else None
        )
        if is_class:
            _OMITTABLE[kind] = _omittable(kind)
    if names is not None:
        data = {name: to_data(getattr(value, name)) for name in names}
        for name, default in _OMITTABLE[kind].items():
            if data[name] == default:
                del data[name]
        return data
    if kind is tuple or kind is list:
        return [to_data(v) for v in value]
    if kind is dict:
        return {str(k): to_data(v) for k, v in value.items()}
    return value


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_data(cls: Any, data: Any) -> Any:
    """Rebuild an instance of ``cls`` (a dataclass or a typing construct) from ``to_data``."""
    origin = get_origin(cls)
    if origin in (Union, types.UnionType):
        if data is None:
            return None
        options = [a for a in get_args(cls) if a is not type(None)]
        return from_data(options[0], data)
    if origin is tuple:
        (inner, *_rest) = get_args(cls)
        return tuple(from_data(inner, item) for item in data)
    if origin is dict:
        _, value_type = get_args(cls)
        return {k: from_data(value_type, v) for k, v in data.items()}
    if isinstance(cls, type) and dataclasses.is_dataclass(cls):
        hints = _hints(cls)
        kwargs = {
            f.name: from_data(hints[f.name], data[f.name])
            for f in dataclasses.fields(cls)
            if f.name in data
        }
        return cls(**kwargs)
    return data


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def plan_to_json(plan: Plan) -> str:
    return _dumps(to_data(plan))


def plan_from_json(text: str) -> Plan:
    plan: Plan = from_data(Plan, json.loads(text))
    return plan


def expectations_from_json(text: str) -> ExpectationContract:
    """A stored plan's expectations alone (``plan_to_json``'s text): what a caller needing
    only the promise dates reads, without rebuilding the rest of the plan."""
    contract: ExpectationContract = from_data(ExpectationContract, json.loads(text)["expectations"])
    return contract


def content(plan: Plan) -> dict[str, Any]:
    """The plan without its volatile fields: what the fingerprint and the diff compare."""
    data: dict[str, Any] = to_data(plan)
    for name in VOLATILE_FIELDS:
        data.pop(name, None)
    return data


def fingerprint(plan: Plan) -> str:
    """SHA-256 over the canonical JSON of ``content(plan)``."""
    return hashlib.sha256(_dumps(content(plan)).encode("utf-8")).hexdigest()


def document(plan: Plan) -> tuple[str, str]:
    """``(plan_to_json(plan), fingerprint(plan))`` with one conversion (the store's need)."""
    data = to_data(plan)
    text = _dumps(data)
    for name in VOLATILE_FIELDS:
        data.pop(name, None)
    return text, hashlib.sha256(_dumps(data).encode("utf-8")).hexdigest()


def changes_to_json(changes: tuple[Change, ...]) -> str:
    return json.dumps(to_data(changes), ensure_ascii=False)


def changes_from_json(text: str) -> tuple[Change, ...]:
    return tuple(Change(**c) for c in json.loads(text))
