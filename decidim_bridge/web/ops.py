"""Operations endpoints: ``/livez`` (no I/O), ``/readyz`` (database and migrations, never
Decidim), ``/healthz`` (alias of readyz), ``/metrics`` (Prometheus) and ``/openapi.json``
(the OpenAPI document of every endpoint of the bridge, ``web/openapi.json``).

Ready means "a delivery would be stored now": the database must take a write within
``READINESS_TIMEOUT`` seconds (a locked SQLite file answers reads but stalls every
delivery), not merely answer a query.
"""

from __future__ import annotations

from importlib import resources

from flask import Blueprint, Response, current_app, jsonify

from decidim_bridge import metrics
from decidim_bridge.errors import StoreError
from decidim_bridge.job_status import JobsCollector, failing_jobs
from decidim_bridge.web.state import bridge_state

blueprint = Blueprint("ops", __name__)

#: Longest the readiness probe waits for the database's write lock.
READINESS_TIMEOUT = 1.0


@blueprint.get("/livez")
def livez() -> Response:
    return jsonify({"status": "ok"})


@blueprint.get("/readyz")
@blueprint.get("/healthz")
def readyz() -> Response:
    state = bridge_state(current_app)
    checks: dict[str, str] = {"database": "unknown"}
    try:
        current = state.db.current_revisions()
        expected = state.db.expected_revisions()
        checks["migrations"] = "ok" if current == expected else "pending"
        if current == expected:  # the probe needs the tables
            state.db.probe_write(READINESS_TIMEOUT)
        checks["database"] = "ok"
    except StoreError as exc:
        checks["database"] = f"unavailable: {exc.message}"
        checks.setdefault("migrations", "unknown")
    ready = all(v == "ok" for v in checks.values())
    body: dict[str, object] = {"status": "ready" if ready else "not_ready", "checks": checks}
    if ready:
        # A failing periodic job is shown, but does not make the bridge unready: traffic
        # should still reach it (the job is retried and its metric alerts).
        try:
            body["details"] = {"failing_jobs": failing_jobs(state.db, state.settings.tenant)}
        except StoreError:
            body["details"] = {"failing_jobs": "unknown"}
    response = jsonify(body)
    response.status_code = 200 if ready else 503
    if not ready:
        response.headers["Retry-After"] = "5"
    return response


@blueprint.get("/metrics")
def metrics_endpoint() -> Response:
    state = bridge_state(current_app)
    try:
        body, content_type = metrics.render(
            state.db, [JobsCollector(state.db, state.settings.tenant)]
        )
    except StoreError:
        body, content_type = metrics.render(None)
    return Response(body, content_type=content_type)


@blueprint.get("/openapi.json")
def openapi() -> Response:
    document = resources.files("decidim_bridge.web").joinpath("openapi.json").read_bytes()
    return Response(document, content_type="application/json")
