"""Fault injection: make the next requests fail, slow down or stall, for the bridge's tests.

A ``FaultPlan`` holds faults in the order they were added; each request takes the first one
that matches it and uses up one of its ``count`` (``count=None`` lasts until cleared). Kinds:

* ``status``  answer with ``status`` (5xx, or 429 "Retry later" like Rack::Attack) without
  running anything; with ``after_apply=True`` the request is executed first (a mutation *is*
  applied) and the status is sent instead of the result: an ambiguous write.
* ``errors``  answer HTTP 200 with ``{"data": null, "errors": [{message, extensions.code}]}``
  without running anything (Decidim's "200 with errors").
* ``delay``   sleep ``seconds`` before running the request (``after_apply=False``), or run it
  and then sleep before answering (``after_apply=True``: longer than the client's read
  timeout, this is "applied, but the client saw a timeout").
* ``down``    answer 503 to everything until cleared (a connection refusal cannot be staged
  inside a running server; stop the server for that).

``only`` narrows which requests match: ``any`` (every ``/api`` request, sign-in included),
``query``, ``mutation``, ``sign_in``; ``field`` narrows them further to GraphQL requests that
select a field of that name anywhere in the document (``createNote``, ``assignEvaluators``,
``addComment``, ``answer``), so one kind of write can fail while others pass.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

KINDS = ("status", "errors", "delay", "down")
TARGETS = ("any", "query", "mutation", "sign_in")


@dataclass
class Fault:
    kind: str
    count: int | None = 1
    status: int = 503
    seconds: float = 0.0
    after_apply: bool = False
    only: str = "any"
    code: str = "VALIDATION_ERROR"
    message: str = "The sandbox was told to fail this request."
    field: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; use one of {', '.join(KINDS)}")
        if self.only not in TARGETS:
            raise ValueError(f"unknown target {self.only!r}; use one of {', '.join(TARGETS)}")
        if self.count is not None and self.count < 1:
            raise ValueError("count must be at least 1 (or None for 'until cleared')")
        if self.kind == "down":
            self.count, self.status = None, 503
        if not 100 <= self.status <= 599:
            raise ValueError("status must be an HTTP status code")
        if self.seconds < 0:
            raise ValueError("seconds must not be negative")

    def matches(self, target: str, fields: frozenset[str] = frozenset()) -> bool:
        if self.field is not None and self.field not in fields:
            return False
        if self.only == "any":
            return True
        if self.kind == "errors" and target == "sign_in":
            return False
        return self.only == target

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


class FaultPlan:
    """Thread-safe list of pending faults (tests add, request handlers take)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self.taken: int = 0

    def add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def take(self, target: str, fields: frozenset[str] = frozenset()) -> Fault | None:
        """The fault for one request of kind ``target`` (``query``, ``mutation``, ``sign_in``)
        that selects ``fields``."""
        with self._lock:
            for fault in self._faults:
                if fault.kind == "errors" and target == "sign_in":
                    continue
                if not fault.matches(target, fields):
                    continue
                if fault.count is not None:
                    fault.count -= 1
                    if fault.count == 0:
                        self._faults.remove(fault)
                self.taken += 1
                return Fault(**{**fault.to_dict(), "count": 1 if fault.count is not None else None})
        return None

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    def pending(self) -> list[Fault]:
        with self._lock:
            return [Fault(**f.to_dict()) for f in self._faults]

    # --- shorthands for tests ----------------------------------------------------------

    def fail_next(
        self, count: int = 1, *, status: int = 500, only: str = "any", field: str | None = None
    ) -> Fault:
        """Answer ``status`` to the next ``count`` requests; nothing is applied."""
        return self.add(Fault("status", count=count, status=status, only=only, field=field))

    def fail_after_apply(
        self,
        count: int = 1,
        *,
        status: int = 500,
        only: str = "mutation",
        field: str | None = None,
    ) -> Fault:
        """Apply the next ``count`` requests, then answer ``status`` (an ambiguous write)."""
        return self.add(
            Fault("status", count=count, status=status, only=only, after_apply=True, field=field)
        )

    def throttle_next(
        self, count: int = 1, *, only: str = "any", field: str | None = None
    ) -> Fault:
        """Answer 429 "Retry later" (no Retry-After), as Rack::Attack does."""
        return self.add(Fault("status", count=count, status=429, only=only, field=field))

    def errors_next(
        self,
        count: int = 1,
        *,
        code: str = "VALIDATION_ERROR",
        message: str = "The sandbox was told to fail this request.",
        only: str = "any",
        field: str | None = None,
    ) -> Fault:
        """Answer HTTP 200 with an ``errors`` array carrying ``code``; nothing is applied."""
        return self.add(
            Fault("errors", count=count, code=code, message=message, only=only, field=field)
        )

    def slow_next(
        self,
        count: int = 1,
        *,
        seconds: float,
        after_apply: bool = False,
        only: str = "any",
        field: str | None = None,
    ) -> Fault:
        """Sleep ``seconds`` before running (or after applying) the next ``count`` requests."""
        return self.add(
            Fault(
                "delay",
                count=count,
                seconds=seconds,
                after_apply=after_apply,
                only=only,
                field=field,
            )
        )

    def stall_after_apply(
        self, count: int = 1, *, seconds: float, only: str = "mutation", field: str | None = None
    ) -> Fault:
        """Apply, then stall ``seconds`` before answering (set it above the read timeout)."""
        return self.slow_next(count, seconds=seconds, after_apply=True, only=only, field=field)

    def set_down(self, down: bool = True) -> None:
        """Answer 503 to everything (``True``) or remove that fault again (``False``)."""
        with self._lock:
            self._faults = [f for f in self._faults if f.kind != "down"]
            if down:
                self._faults.insert(0, Fault("down"))
