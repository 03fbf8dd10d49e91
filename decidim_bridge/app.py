"""Flask application factory: wires settings, the database and the blueprints. No logic.

The blueprints take the per-app state and the error response from ``web.state``, never
from here, so this module imports them at the top.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, jsonify
from werkzeug.exceptions import HTTPException

from decidim_bridge.config import Settings, load_settings
from decidim_bridge.errors import BridgeError
from decidim_bridge.handlers import KNOWN_EVENT_TYPES
from decidim_bridge.store import Database
from decidim_bridge.store import inbox as inbox_store
from decidim_bridge.store.group_commit import GroupCommitter
from decidim_bridge.web.approvals import blueprint as approvals_blueprint
from decidim_bridge.web.ops import blueprint as ops_blueprint
from decidim_bridge.web.state import BridgeState, error_response
from decidim_bridge.web.webhooks import blueprint as webhooks_blueprint

log = logging.getLogger(__name__)


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
    db = Database(settings.database_url)
    committer = None
    if settings.group_commit:
        committer = GroupCommitter(db, inbox_store.store_deliveries, single_write=True)
    app.extensions["bridge"] = BridgeState(
        settings=settings,
        db=db,
        known_types=frozenset(known) if known is not None else KNOWN_EVENT_TYPES,
        clock=clock or time.time,
        committer=committer,
    )
    app.register_blueprint(webhooks_blueprint)
    app.register_blueprint(ops_blueprint)
    app.register_blueprint(approvals_blueprint)
    _register_error_handlers(app)
    return app


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
