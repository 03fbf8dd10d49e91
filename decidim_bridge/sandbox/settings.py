"""Settings of one sandbox (command-line options of ``decidim-bridge sandbox``).

The documented demo credentials are ``DEFAULT_API_KEY`` / ``DEFAULT_API_SECRET``: anyone can
read them in the docs, so a sandbox must never hold real data.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_API_KEY = "sandboxkeylindeburg0000000000001"
DEFAULT_API_SECRET = "sandboxsecretlindeburg0000000000000000000000000001"
DECIDIM_VERSION = "0.32.0"


@dataclass(frozen=True)
class SandboxConfig:
    host: str = "127.0.0.1"
    port: int = 3000
    #: The base of the URLs the sandbox writes into its data (default ``http://localhost:<port>``).
    public_url: str | None = None
    api_key: str = DEFAULT_API_KEY
    api_secret: str = DEFAULT_API_SECRET
    #: HS256 key of the JWTs (random per start when unset; tokens do not survive a restart).
    jwt_secret: str | None = None
    #: Token lifetime in seconds (Decidim: DECIDIM_API_JWT_EXPIRES_IN minutes, default 120).
    jwt_expires_in: float = 120 * 60
    #: Rack::Attack: requests per client IP per ``rate_period`` seconds.
    rate_limit: int = 100
    rate_period: float = 60.0
    webhook_url: str | None = None
    webhook_secret: str | None = None
    webhook_max_attempts: int = 8
    webhook_backoff: float = 0.5
    #: Deliveries at once (Decidim's job workers deliver the module's events concurrently);
    #: one keeps the order in which the events happened.
    webhook_senders: int = 1
    seed: bool = True
    #: Load published seed proposals as drafts, to be published by ``/_sandbox/replay``.
    staged: bool = False
    seed_file: Path | None = None
    #: Keep the records in this JSON file across restarts.
    state_file: Path | None = None
    max_per_page: int = 50
    max_depth: int = 15
    max_complexity: int = 5000
    max_aliases: int = 5
    #: DECIDIM_API_ENABLE_ANONYMOUS_INTROSPECTION (API users are admins and may always).
    anonymous_introspection: bool = False
    #: DECIDIM_API_FORCE_API_AUTHENTICATION: anonymous calls get 401.
    force_api_authentication: bool = False
    #: DECIDIM_API_DISCLOSE_SYSTEM_VERSION: ``decidim { version }`` is null unless set.
    disclose_version: bool = False
    application_name: str = "Decidim"
    #: When set, ``/_sandbox/`` endpoints require header ``X-Sandbox-Token: <admin_token>``.
    admin_token: str | None = None
    #: Serve the decidim-bridge module's API extensions and send its ``decidim.bridge.*``
    #: events (``webhooks/decidim/API.md``); off: a Decidim without the module.
    bridge_module: bool = True

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://localhost:{self.port}").rstrip("/")
