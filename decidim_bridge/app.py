"""Flask application factory: wires settings, the database and the blueprints. No logic."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from decidim_bridge.config import Settings, load_settings
from decidim_bridge.errors import BridgeError, StoreUnavailable
from decidim_bridge.handlers import known_event_types
from decidim_bridge.store import Database

log = logging.getLogger(__name__)


@dataclass
class BridgeState:
    """Per-app objects the views need (kept in ``app.extensions["bridge"]``)."""

    settings: Settings
    db: Database
    known_types: frozenset[str]
    clock: Callable[[], float] = time.time
    extras: dict[str, Any] = field(default_factory=dict)


def create_app(config: Settings | Mapping[str, Any] | None = None) -> Flask:
    """Build the WSGI app. ``config``: a ``Settings`` or overrides of setting names."""
    clock, known = None, None
    if isinstance(config, Settings):
        settings = config
    else:
        overrides = dict(config or {})
        clock = overrides.pop("clock", None)
        known = overrides.pop("known_types", None)
        settings = load_settings(**overrides)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.sort_keys = False  # type: ignore[attr-defined]
    state = BridgeState(
        settings=settings,
        db=Database(settings.database_url),
        known_types=frozenset(known) if known is not None else known_event_types(),
        clock=clock or time.time,
    )
    app.extensions["bridge"] = state

    from decidim_bridge.web.approvals import blueprint as approvals_blueprint
    from decidim_bridge.web.ops import blueprint as ops_blueprint
    from decidim_bridge.web.webhooks import blueprint as webhooks_blueprint

    app.register_blueprint(webhooks_blueprint)
    app.register_blueprint(ops_blueprint)
    app.register_blueprint(approvals_blueprint)
    _register_error_handlers(app)
    return app


def bridge_state(app: Flask) -> BridgeState:
    state: BridgeState = app.extensions["bridge"]
    return state


def error_response(error: BridgeError) -> Response:
    response = jsonify(error.to_dict())
    response.status_code = error.status
    if isinstance(error, StoreUnavailable):
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _register_error_handlers(app: Flask) -> None:
    @app.errorhandler(BridgeError)
    def _bridge_error(error: BridgeError) -> Response:
        if error.status >= 500:
            log.error("request failed", extra={"code": error.code, "error": error.message})
        return error_response(error)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        code = (error.name or "error").lower().replace(" ", "_")
        response = jsonify(
            {"code": code, "status": error.code, "message": error.description or error.name}
        )
        response.status_code = error.code or 500
        return response

    @app.errorhandler(Exception)
    def _unexpected(error: Exception) -> Response:
        log.exception("unexpected error")
        return error_response(BridgeError("An unexpected error occurred."))
