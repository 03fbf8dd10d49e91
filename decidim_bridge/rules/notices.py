"""Warnings about the rules that do not stop them from working (``check-mappings``).

A notice is a key of ``labels.check`` in the texts files and its arguments, so the rule
owner reads it in the language of the rules (``plan.check_report`` renders it). Argument
names follow the reason lines' convention: ``advisor``, ``district``, ``theme`` are ids
shown as names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Notice:
    key: str  # in labels.check: no_nickname, uncovered, deprecated, deprecated_ignored
    args: dict[str, Any] = field(default_factory=dict)
