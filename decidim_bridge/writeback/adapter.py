"""From the support-plan engine's stored plans to write-back's ``PlanView``.

The plan engine owns its model; this module is the one place that knows both.
"""

from __future__ import annotations

from decidim_bridge.config import Settings
from decidim_bridge.errors import BridgeError
from decidim_bridge.store import Database
from decidim_bridge.writeback.view import PlanView


def open_plan_views(db: Database, settings: Settings) -> list[PlanView]:
    """The latest plan version of every open proposal of this tenant."""
    try:
        from decidim_bridge.store import plans  # type: ignore[attr-defined]
    except ImportError as exc:
        raise BridgeError("the plan store is not available in this installation") from exc
    raise BridgeError(f"plan store {plans.__name__} is not connected to write-back yet")
