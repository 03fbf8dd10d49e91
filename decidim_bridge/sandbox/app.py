"""Flask application factory of the sandbox: wires a ``Sandbox`` and the two blueprints."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask, Response, redirect

from decidim_bridge.sandbox.runtime import Sandbox
from decidim_bridge.sandbox.settings import SandboxConfig
from decidim_bridge.sandbox.state import SandboxState
from decidim_bridge.sandbox.web_admin import blueprint as admin_blueprint
from decidim_bridge.sandbox.web_api import blueprint as api_blueprint
from decidim_bridge.sandbox.web_api import sandbox_of, throttle


def create_sandbox_app(
    config: SandboxConfig | None = None,
    *,
    state: SandboxState | None = None,
    clock: Callable[[], float] = time.time,
) -> Flask:
    """A WSGI app serving Decidim's API from a new ``Sandbox`` (``sandbox_of(app)``)."""
    app = Flask("decidim_bridge.sandbox")
    app.extensions["sandbox"] = Sandbox(config, state=state, clock=clock)
    app.before_request(throttle)
    app.register_blueprint(api_blueprint)
    app.register_blueprint(admin_blueprint)

    @app.after_request
    def _persist(response: Response) -> Response:
        sandbox_of(app).persist()
        return response

    @app.get("/")
    def _home() -> Response:
        return redirect("/api/graphiql")  # type: ignore[return-value]

    return app


__all__ = ["create_sandbox_app", "sandbox_of"]
