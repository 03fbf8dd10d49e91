"""An in-memory Decidim for writer tests, scripted with the failures the client raises."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from decidim_bridge.errors import (
    AmbiguousWrite,
    DecidimRateLimited,
    DecidimUnavailable,
    GraphQLError,
)


@dataclass
class FakeDecidim:
    """Comments and answers per proposal; ``faults`` is a list of (operation, kind)."""

    comments: dict[str, list[SimpleNamespace]] = field(default_factory=dict)
    proposals: dict[str, SimpleNamespace] = field(default_factory=dict)
    faults: list[tuple[str, str]] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)
    down: bool = False
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    def proposal(self, proposal_id: str) -> SimpleNamespace:
        return self.proposals.setdefault(
            str(proposal_id), SimpleNamespace(state=None, answer=None, withdrawn=False)
        )

    def _fault(self, operation: str) -> str | None:
        if self.down:
            raise DecidimUnavailable("connection refused")
        for i, (op, kind) in enumerate(self.faults):
            if op in (operation, "any"):
                del self.faults[i]
                return kind
        return None

    def _raise_early(self, kind: str | None) -> None:
        if kind == "429":
            raise DecidimRateLimited(retry_after=60.0)
        if kind == "500":
            raise AmbiguousWrite("HTTP 500 on a mutation")
        if kind == "503":
            raise DecidimUnavailable("HTTP 503")
        if kind == "invalid":
            raise GraphQLError("invalid", codes=("VALIDATION_ERROR",))

    def list_comments(self, proposal_id: str, component_id: str) -> list[SimpleNamespace]:
        self.calls.append(("list_comments", str(proposal_id)))
        self._raise_early(self._fault("read"))
        return list(self.comments.get(str(proposal_id), []))

    def fetch_proposal(self, proposal_id: str, component_id: str) -> SimpleNamespace:
        self.calls.append(("fetch_proposal", str(proposal_id)))
        self._raise_early(self._fault("read"))
        return self.proposal(proposal_id)

    def add_comment(self, proposal_id: str, body: str, locale: str) -> str:
        self.calls.append(("add_comment", str(proposal_id)))
        kind = self._fault("write")
        self._raise_early(kind)
        comment = SimpleNamespace(id=str(next(self._ids)), body=body, locale=locale)
        self.comments.setdefault(str(proposal_id), []).append(comment)
        if kind == "timeout_after_apply":
            raise AmbiguousWrite("read timeout after sending the mutation")
        return comment.id

    def answer_proposal(
        self, component_id: str, proposal_id: str, state: str, answer_content: dict[str, str]
    ) -> SimpleNamespace:
        self.calls.append(("answer_proposal", str(proposal_id)))
        kind = self._fault("write")
        self._raise_early(kind)
        target = self.proposal(proposal_id)
        target.state, target.answer = state, dict(answer_content)
        if kind == "timeout_after_apply":
            raise AmbiguousWrite("read timeout after sending the mutation")
        return SimpleNamespace(proposal_id=str(proposal_id), state=state, answered_at=None)

    def count(self, operation: str) -> int:
        return sum(1 for op, _ in self.calls if op == operation)
