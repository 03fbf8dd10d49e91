"""Start the Decidim sandbox (and the bridge) on free loopback ports for end-to-end tests.

    from sandbox_support import running_bridge, running_sandbox

    with running_sandbox(rate_limit=1000) as sandbox:          # real HTTP, own thread
        sandbox.url                  # "http://127.0.0.1:<port>"
        sandbox.state                # SandboxState: proposal(101), comments_on(101),
                                     # faults.fail_next(...), journal.entries(), ...
        sandbox.settings_overrides() # decidim_url, api key/secret, tenant for load_settings
        token = sandbox.sign_in()
        sandbox.graphql("{ session { user { name } } }", token=token)
        sandbox.stop()               # the port now refuses connections ("Decidim is down")

    with running_bridge(settings) as bridge:                   # the bridge's Flask app
        bridge.url + "/webhooks/decidim"

Keyword arguments of ``running_sandbox`` are ``SandboxConfig`` fields (``webhook_url``,
``webhook_secret``, ``rate_limit``, ``jwt_expires_in`` in seconds, ``staged``, ...); ``clock``
replaces the sandbox's clock (token expiry, rate-limit windows, timestamps).
The pytest fixture ``sandbox`` gives a running sandbox with default settings.

For tests that need no real HTTP: ``FakeClock``, ``sign_in(client)`` and ``gql(client, ...)``
work with a Flask test client of ``create_sandbox_app``; ``document(name)`` reads a GraphQL
document from ``tests/data/sandbox/``.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from flask.testing import FlaskClient

from decidim_bridge.sandbox.app import create_sandbox_app, sandbox_of
from decidim_bridge.sandbox.runtime import Sandbox
from decidim_bridge.sandbox.server import ServerThread
from decidim_bridge.sandbox.settings import DEFAULT_API_KEY, DEFAULT_API_SECRET, SandboxConfig
from decidim_bridge.sandbox.state import SandboxState

DOCUMENTS = Path(__file__).resolve().parent / "data" / "sandbox"


class FakeClock:
    def __init__(self, now: float = 1_795_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def document(name: str) -> str:
    return (DOCUMENTS / f"{name}.graphql").read_text(encoding="utf-8")


def sign_in(
    client: FlaskClient, key: str = DEFAULT_API_KEY, secret: str = DEFAULT_API_SECRET
) -> str:
    response = client.post("/api/sign_in", data={"api_user[key]": key, "api_user[secret]": secret})
    assert response.status_code == 200, response.get_data(as_text=True)
    return str(response.json["jwt_token"])


def gql(
    client: FlaskClient,
    query: str,
    variables: dict[str, Any] | None = None,
    token: str | None = None,
) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/api", json={"query": query, "variables": variables or {}}, headers=headers)


@dataclasses.dataclass
class RunningSandbox:
    app: Flask
    server: ServerThread

    @property
    def sandbox(self) -> Sandbox:
        return sandbox_of(self.app)

    @property
    def state(self) -> SandboxState:
        return self.sandbox.state

    @property
    def config(self) -> SandboxConfig:
        return self.sandbox.config

    @property
    def url(self) -> str:
        return self.server.url

    @property
    def api_key(self) -> str:
        return self.config.api_key

    @property
    def api_secret(self) -> str:
        return self.config.api_secret

    def settings_overrides(self) -> dict[str, Any]:
        """Overrides for ``load_settings`` that point the bridge at this sandbox."""
        return {
            "decidim_url": self.url,
            "decidim_api_key": self.api_key,
            "decidim_api_secret": self.api_secret,
            "tenant": self.state.organization.host,
        }

    def sign_in(self) -> str:
        response = requests.post(
            f"{self.url}/api/sign_in",
            data={"api_user[key]": self.api_key, "api_user[secret]": self.api_secret},
            timeout=10,
        )
        response.raise_for_status()
        return str(response.json()["jwt_token"])

    def graphql(
        self, query: str, variables: dict[str, Any] | None = None, *, token: str | None = None
    ) -> requests.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return requests.post(
            f"{self.url}/api",
            json={"query": query, "variables": variables or {}},
            headers=headers,
            timeout=10,
        )

    def flush_webhooks(self, timeout: float = 10.0) -> bool:
        emitter = self.sandbox.emitter
        if emitter is None:
            return True
        emitter.retry_now()
        return emitter.flush(timeout)

    def stop(self) -> None:
        self.server.stop()


@contextmanager
def running_sandbox(
    config: SandboxConfig | None = None,
    *,
    clock: Callable[[], float] = time.time,
    host: str = "127.0.0.1",
    **overrides: Any,
) -> Iterator[RunningSandbox]:
    """A sandbox serving real HTTP on a free loopback port until the block ends."""
    base = dataclasses.replace(config or SandboxConfig(), host=host, **overrides)
    app = create_sandbox_app(base, clock=clock)
    server = ServerThread(app, host, 0)
    sandbox = sandbox_of(app)
    public_url = base.public_url or server.url
    sandbox.config = dataclasses.replace(base, port=server.port, public_url=public_url)
    sandbox.state.base_url = public_url
    running = RunningSandbox(app, server.start())
    try:
        yield running
    finally:
        sandbox.close()
        if server.server.socket.fileno() != -1:
            server.stop()


@contextmanager
def running_bridge(settings: Any, host: str = "127.0.0.1") -> Iterator[ServerThread]:
    """The bridge's web app (webhooks, readiness) on a free loopback port."""
    from decidim_bridge.app import create_app

    with ServerThread(create_app(settings), host, 0) as server:
        yield server


@pytest.fixture
def sandbox() -> Iterator[RunningSandbox]:
    with running_sandbox() as running:
        yield running
