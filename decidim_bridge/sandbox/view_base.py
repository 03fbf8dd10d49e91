"""The base of the sandbox's GraphQL views: the request context and the view class.

A leaf module, so that the views of Decidim's own types (``views``) and those of the
decidim-bridge module's extensions (``admin_views``) can both build on it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from decidim_bridge.sandbox.model import ApiUser
from decidim_bridge.sandbox.state import SandboxState


@dataclass
class RequestContext:
    """What Decidim's queries controller puts in the GraphQL context."""

    state: SandboxState
    api_user: ApiUser | None
    max_per_page: int = 50
    application_name: str = "Decidim"
    version: str | None = None
    locale: str = ""

    def __post_init__(self) -> None:
        if not self.locale:
            self.locale = self.state.organization.default_locale

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.state.organization.time_zone)

    def iso(self, epoch: float | None) -> str | None:
        if epoch is None:
            return None
        return datetime.fromtimestamp(epoch, self.tz).replace(microsecond=0).isoformat()


class View:
    graphql_type = ""

    def __init__(self, ctx: RequestContext) -> None:
        self.ctx = ctx

    @property
    def store(self) -> SandboxState:
        return self.ctx.state
