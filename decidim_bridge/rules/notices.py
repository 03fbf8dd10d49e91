"""Warnings about the rules that do not stop them from working (``check-mappings``).

A notice is a key of ``labels.check`` in the texts files and its arguments, so the rule
owner reads it in the language of the rules (``plan.check_report`` renders it). Argument
names follow the reason lines' convention: ``advisor``, ``district``, ``theme`` are ids
shown as names.

``ENGLISH`` words the few lines that cannot come from the rules' texts: the log is in
English whatever the rules' language, and a count of problems may have to be said before
any texts file could be read. The texts files are the rule owner's, not part of the
package, so these patterns are kept here once; the example rules' ``texts/en.yaml`` words
the same keys the same way (a test compares them).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: ``labels.check`` patterns in English, for the log and when no texts file can be used.
ENGLISH = {
    "problems": "{count} problem(s) in {directory}",
    "deprecated": "{variable} is deprecated: set '{key}' in the rules' policy.yaml instead",
    "deprecated_ignored": "{variable} is deprecated and ignored: policy.yaml sets '{key}'",
}


@dataclass(frozen=True)
class Notice:
    key: str  # in labels.check: no_nickname, uncovered, deprecated, deprecated_ignored
    args: dict[str, Any] = field(default_factory=dict)
