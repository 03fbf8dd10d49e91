"""What the blueprints share with the app factory: the bridge's per-app state and the
JSON error response.

A leaf module (Flask, settings and the store only), so that ``app`` can import the
blueprints and the blueprints never import ``app``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, Response, jsonify

from decidim_bridge.config import Settings
from decidim_bridge.errors import BridgeError, StoreUnavailable
from decidim_bridge.rules.model import Mappings
from decidim_bridge.store import Database
from decidim_bridge.store.group_commit import GroupCommitter
from decidim_bridge.store.inbox import NewDelivery, StoreResult

#: Batches the intake's inbox inserts of concurrent requests into shared transactions.
InboxCommitter = GroupCommitter[NewDelivery, StoreResult]


@dataclass
class BridgeState:
    """Per-app objects the views need (kept in ``app.extensions["bridge"]``).

    ``committer`` is None when group commit is off: each request commits on its own.
    ``mappings`` are read on first use (by the approval page, for its texts).
    """

    settings: Settings
    db: Database
    known_types: frozenset[str]
    clock: Callable[[], float] = time.time
    committer: InboxCommitter | None = None
    mappings: Mappings | None = None


def bridge_state(app: Flask) -> BridgeState:
    state: BridgeState = app.extensions["bridge"]
    return state


def error_response(error: BridgeError) -> Response:
    """The JSON body and status of ``error`` (with Retry-After when the store is down)."""
    response = jsonify(error.to_dict())
    response.status_code = error.status
    if isinstance(error, StoreUnavailable):
        response.headers["Retry-After"] = str(error.retry_after)
    return response
