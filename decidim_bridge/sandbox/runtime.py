"""One running sandbox: its state, token issuer, rate limiter, limits, schema and emitter.

``Sandbox`` is what the Flask app, the test helpers and the demo share; tests reach it as
``sandbox_of(app)`` or through ``tests/sandbox_support.py``.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from typing import Any

from decidim_bridge.sandbox.auth import TokenIssuer, TokenRejected
from decidim_bridge.sandbox.evaluation import BRIDGE_PREFIX
from decidim_bridge.sandbox.limits import Limits
from decidim_bridge.sandbox.model import ApiUser
from decidim_bridge.sandbox.persistence import StateFile
from decidim_bridge.sandbox.ratelimit import FixedWindowLimiter
from decidim_bridge.sandbox.schema import sandbox_schema
from decidim_bridge.sandbox.seed import load_seed, read_seed
from decidim_bridge.sandbox.settings import DECIDIM_VERSION, SandboxConfig
from decidim_bridge.sandbox.state import SandboxState
from decidim_bridge.sandbox.view_base import RequestContext
from decidim_bridge.sandbox.webhooks import WebhookEmitter


class Sandbox:
    def __init__(
        self,
        config: SandboxConfig | None = None,
        *,
        state: SandboxState | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config or SandboxConfig()
        self.clock = clock
        self.schema = sandbox_schema(bridge_module=self.config.bridge_module)
        self.state_file = StateFile(self.config.state_file) if self.config.state_file else None
        self.state = state if state is not None else self._build_state()
        self.state.base_url = self.config.base_url
        self.issuer = TokenIssuer(
            self.config.jwt_secret, expires_in=self.config.jwt_expires_in, clock=clock
        )
        self.limiter = FixedWindowLimiter(
            self.config.rate_limit, self.config.rate_period, clock=clock
        )
        self.limits = Limits(
            max_aliases=self.config.max_aliases,
            max_depth=self.config.max_depth,
            max_complexity=self.config.max_complexity,
            max_per_page=self.config.max_per_page,
        )
        self.emitter: WebhookEmitter | None = None
        if self.config.webhook_url:
            if not self.config.webhook_secret:
                raise ValueError("a webhook URL needs a webhook secret (whsec_...)")
            self.emitter = WebhookEmitter(
                self.config.webhook_url,
                self.config.webhook_secret,
                max_attempts=self.config.webhook_max_attempts,
                backoff_base=self.config.webhook_backoff,
                senders=self.config.webhook_senders,
                # Without the module, Decidim sends none of its events.
                skip_prefix=None if self.config.bridge_module else BRIDGE_PREFIX,
            ).attach(self.state)

    def _build_state(self) -> SandboxState:
        state = SandboxState(clock=self.clock, base_url=self.config.base_url)
        if self.state_file is not None and self.state_file.load(state):
            return state
        return self._seed(state)

    def _seed(self, state: SandboxState) -> SandboxState:
        if self.config.seed:
            load_seed(
                state,
                read_seed(self.config.seed_file),
                staged=self.config.staged,
                api_key=self.config.api_key,
                api_secret=self.config.api_secret,
            )
        else:
            state.add_api_user(
                self.config.api_key,
                self.config.api_secret,
                name="Initiatievenbureau",
                nickname="initiatievenbureau",
            )
        return state

    def api_user_for_credentials(self, key: str | None, secret: str | None) -> ApiUser | None:
        """The API user this key and secret sign in as (secret compared in constant time)."""
        api_user = self.state.api_user_by_key(key) if key else None
        if api_user is None or not secret:
            return None
        if not hmac.compare_digest(secret.encode(), api_user.secret.encode()):
            return None
        return api_user

    def api_user_for_token(self, token: str | None) -> ApiUser | None:
        """The caller of an API request: None is anonymous (scope ``api:read``).

        Raises ``TokenRejected`` with devise-jwt's reason for a token that cannot be used, and
        with "Access denied" for an anonymous call when ``force_api_authentication`` is set.
        """
        if token is None:
            if self.config.force_api_authentication:
                raise TokenRejected("Access denied")
            return None
        claims = self.issuer.verify(token)
        api_user = self.state.api_user(int(claims.sub)) if claims.sub.isdigit() else None
        if api_user is None:
            raise TokenRejected("Invalid token")
        return api_user

    def context(self, api_user: Any) -> RequestContext:
        return RequestContext(
            self.state,
            api_user,
            max_per_page=self.config.max_per_page,
            application_name=self.config.application_name,
            version=DECIDIM_VERSION if self.config.disclose_version else None,
        )

    def can_introspect(self, api_user: Any) -> bool:
        return self.config.anonymous_introspection or bool(api_user and api_user.admin)

    def reset(self) -> None:
        """Back to the seed: records, faults, journal, rate-limit counters. Action log and note
        ids keep counting, so no ``webhook-id`` is ever sent twice for different events."""
        fresh = self._seed(SandboxState(clock=self.clock, base_url=self.config.base_url))
        with self.state.lock:
            sequences = dict(self.state.sequences)
            self.state.load_dict(fresh.to_dict())
            self.state.sequences.update(sequences)
        self.state.faults.clear()
        self.state.journal.clear()
        self.limiter.reset()

    def persist(self) -> None:
        if self.state_file is not None:
            self.state_file.save_if_changed(self.state)

    def close(self) -> None:
        if self.emitter is not None:
            self.emitter.stop()
            self.emitter.detach()
