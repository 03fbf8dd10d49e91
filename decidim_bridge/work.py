"""What a handler of inbox events is given and returns (shared by the worker and handlers).

A handler takes the parsed ``Event`` and a ``WorkContext`` and returns a short outcome
string (``"planned: ..."``, ``"unchanged: ..."``) recorded on the inbox row. This module is
a leaf: the worker runs handlers and the pipeline is one, without importing each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.engine import Connection

from decidim_bridge.config import Settings
from decidim_bridge.events import Event
from decidim_bridge.store import Database
from decidim_bridge.store import inbox as inbox_store
from decidim_bridge.store.inbox import InboxRow


@dataclass
class WorkContext:
    """What a handler gets besides the event: the store, settings, services and its row."""

    db: Database
    settings: Settings
    row: InboxRow
    owner: str
    clock: Callable[[], float]
    services: Any = None
    finished: bool = field(default=False, init=False)

    def finish(self, conn: Connection, outcome: str, *, status: str = "done") -> None:
        """Mark the row finished inside the handler's own transaction (fenced by the lease)."""
        inbox_store.finish(
            conn, self.row.id, owner=self.owner, now=self.clock(), status=status, outcome=outcome
        )
        self.finished = True


Handler = Callable[[Event, WorkContext], str | None]
