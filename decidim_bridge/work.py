"""What a handler of inbox events is given and returns (shared by the worker and handlers).

A handler takes the parsed ``Event`` and a ``WorkContext`` and returns a short outcome
string (``"planned: ..."``, ``"unchanged: ..."``) recorded on the inbox row. This module is
a leaf: the worker runs handlers and the pipeline is one, without importing each other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

from decidim_bridge.config import Settings
from decidim_bridge.events import Event
from decidim_bridge.store import Database
from decidim_bridge.store import inbox as inbox_store
from decidim_bridge.store.inbox import InboxRow


@dataclass(frozen=True)
class Prefetched:
    """A proposal read for several claimed rows in one request (None: not visible), and
    when the read started: it covers only events received before that."""

    proposal: Any
    read_at: float


@dataclass
class WorkContext:
    """What a handler gets besides the event: the store, settings, services and its row."""

    db: Database
    settings: Settings
    row: InboxRow
    owner: str
    clock: Callable[[], float]
    services: Any = None
    #: Proposals read ahead for the rows claimed together, by proposal id.
    prefetched: dict[str, Prefetched] = field(default_factory=dict)
    #: The status the handler finished the row with (``finish``), for the worker's count;
    #: None while it has not.
    finished_status: str | None = field(default=None, init=False)

    @property
    def finished(self) -> bool:
        """Whether the handler finished the row itself (the worker then does not)."""
        return self.finished_status is not None

    def finish(self, conn: Connection, outcome: str, *, status: str = "done") -> None:
        """Mark the row finished inside the handler's own transaction (fenced by the lease)."""
        inbox_store.finish(
            conn, self.row.id, owner=self.owner, now=self.clock(), status=status, outcome=outcome
        )
        self.finished_status = status


Handler = Callable[[Event, WorkContext], str | None]
#: Reads ahead what the rows claimed together need (``pipeline.prefetch_proposals``):
#: (rows, db, settings, services, clock) -> proposals by id.
Prefetch = Callable[
    [Sequence[InboxRow], Database, Settings, Any, Callable[[], float]], dict[str, Prefetched]
]
