"""A record of every API request the sandbox answered, so tests and the demo can see traffic.

Tests assert on it ("the mutation reached the sandbox exactly once"); the demo prints what the
bridge read and wrote. Variables are kept as sent (the sandbox holds no real personal data).
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class JournalEntry:
    seq: int
    at: float
    method: str
    path: str
    target: str  # query | mutation | sign_in | sign_out | other
    status: int
    outcome: str  # ok | errors | fault | rate_limited | unauthorized | invalid | server_error
    operation_name: str | None = None
    root_fields: tuple[str, ...] = ()
    variables: dict[str, Any] = field(default_factory=dict)
    error_codes: tuple[str, ...] = ()
    user: str | None = None
    fault: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["root_fields"] = list(self.root_fields)
        data["error_codes"] = list(self.error_codes)
        return data


class Journal:
    """Bounded, thread-safe list of ``JournalEntry`` (oldest dropped first)."""

    def __init__(self, maxlen: int = 10_000) -> None:
        self._lock = threading.Lock()
        self._entries: deque[JournalEntry] = deque(maxlen=maxlen)
        self._seq = 0

    def record(self, **values: Any) -> JournalEntry:
        with self._lock:
            self._seq += 1
            entry = JournalEntry(seq=self._seq, **values)
            self._entries.append(entry)
            return entry

    def entries(self, *, since: int = 0, target: str | None = None) -> list[JournalEntry]:
        """Entries with ``seq > since``, optionally of one target, oldest first."""
        with self._lock:
            return [
                e for e in self._entries if e.seq > since and (target is None or e.target == target)
            ]

    def count(self, *, target: str | None = None, outcome: str | None = None) -> int:
        with self._lock:
            return sum(
                1
                for e in self._entries
                if (target is None or e.target == target)
                and (outcome is None or e.outcome == outcome)
            )

    @property
    def last_seq(self) -> int:
        with self._lock:
            return self._seq

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
