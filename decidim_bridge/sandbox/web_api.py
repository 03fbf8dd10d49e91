"""Decidim's HTTP surface: ``POST /api/sign_in``, ``DELETE /api/sign_out``, ``POST /api``.

Thin Flask views over ``Sandbox``: authentication and responses follow Decidim's sessions and
queries controllers; every request passes Rack::Attack's throttle first (registered by the
app for every ``/api`` path), then the fault plan, and ends up in the journal.

Bearer tokens that are malformed, forged, expired or revoked get HTTP 401 with a JSON body
``{"error": "<reason>"}`` (devise-jwt's reasons); a request without a token is anonymous
(scope ``api:read``), unless ``force_api_authentication`` is set.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from importlib import resources
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request

from decidim_bridge.sandbox.auth import TokenRejected
from decidim_bridge.sandbox.executor import INTERNAL_ERROR_BODY, Reply, prepare, run
from decidim_bridge.sandbox.faults import Fault
from decidim_bridge.sandbox.model import ApiUser
from decidim_bridge.sandbox.ratelimit import RETRY_LATER_BODY
from decidim_bridge.sandbox.runtime import Sandbox
from decidim_bridge.sandbox.schema import sdl_text

blueprint = Blueprint("sandbox_api", __name__)

_NULL_SESSION = {"id": None, "name": None, "nickname": None, "jwt_token": None, "avatar": None}


def sandbox_of(app: Flask) -> Sandbox:
    sandbox: Sandbox = app.extensions["sandbox"]
    return sandbox


def _sandbox() -> Sandbox:
    return sandbox_of(current_app)


def _json(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(
        json.dumps(body, ensure_ascii=False),
        status=status,
        mimetype="application/json",
        headers=headers,
    )


def throttle() -> Response | None:
    """Rack::Attack "requests by ip" for every ``/api`` path (registered as before_request)."""
    if not request.path.startswith("/api"):
        return None
    sandbox = _sandbox()
    if sandbox.limiter.allow(request.remote_addr or "unknown"):
        return None
    _record(sandbox, target=_target_of_path(), status=429, outcome="rate_limited")
    return Response(RETRY_LATER_BODY, status=429, mimetype="text/plain")


def _target_of_path() -> str:
    if request.path.rstrip("/") == "/api/sign_in":
        return "sign_in"
    if request.path.rstrip("/") == "/api/sign_out":
        return "sign_out"
    return "query" if request.path.rstrip("/") == "/api" else "other"


# --- sign in / sign out -------------------------------------------------------------------


@blueprint.post("/api/sign_in")
def sign_in() -> Response:
    sandbox = _sandbox()
    fault = sandbox.state.faults.take("sign_in")
    key, secret = _credentials()
    signed_in: dict[str, str] = {}

    def apply() -> Response:
        api_user = sandbox.api_user_for_credentials(key, secret)
        if api_user is None:
            return _json(_NULL_SESSION, 401)
        signed_in["nickname"] = api_user.nickname
        token, _ = sandbox.issuer.issue(api_user.id, audience=request.headers.get("X-Jwt-Aud"))
        body = {
            "id": api_user.id,
            "name": api_user.name,
            "nickname": api_user.nickname,
            "jwt_token": token,
            "avatar": None,
        }
        return _json(body, 200, headers={"Authorization": f"Bearer {token}"})

    response = _with_fault(fault, apply)
    outcome = "ok" if response.status_code == 200 else ("fault" if fault else "unauthorized")
    _record(
        sandbox,
        target="sign_in",
        status=response.status_code,
        outcome=outcome,
        user=signed_in.get("nickname"),
        fault=fault,
    )
    return response


def _credentials() -> tuple[str | None, str | None]:
    key = request.form.get("api_user[key]")
    secret = request.form.get("api_user[secret]")
    if key is None and request.is_json:
        payload = request.get_json(silent=True) or {}
        user = payload.get("api_user") if isinstance(payload, dict) else None
        if isinstance(user, dict):
            key, secret = user.get("key"), user.get("secret")
    return (str(key) if key is not None else None, str(secret) if secret is not None else None)


@blueprint.delete("/api/sign_out")
def sign_out() -> Response:
    sandbox = _sandbox()
    token = _bearer()
    if token:
        with contextlib.suppress(TokenRejected):
            sandbox.issuer.revoke(sandbox.issuer.verify(token))
    _record(sandbox, target="sign_out", status=200, outcome="ok")
    return Response("", status=200)


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def _authenticate(sandbox: Sandbox) -> tuple[ApiUser | None, Response | None]:
    try:
        return sandbox.api_user_for_token(_bearer()), None
    except TokenRejected as rejected:
        return None, _json({"error": rejected.reason}, 401)


# --- GraphQL ------------------------------------------------------------------------------


@blueprint.post("/api")
@blueprint.post("/api/")
def graphql() -> Response:
    sandbox = _sandbox()
    api_user, refusal = _authenticate(sandbox)
    if refusal is not None:
        _record(sandbox, target="query", status=401, outcome="unauthorized")
        return refusal
    payload = _graphql_payload()
    if payload is None:
        _record(sandbox, target="query", status=400, outcome="invalid")
        return _json({"status": 400, "error": "Bad Request"}, 400)
    prepared = prepare(sandbox.schema, payload)
    fault = sandbox.state.faults.take(prepared.target, prepared.fields)
    outcome: dict[str, Any] = {}

    def apply() -> Response:
        reply: Reply = run(
            sandbox.schema,
            prepared,
            sandbox.context(api_user),
            sandbox.limits,
            can_introspect=sandbox.can_introspect(api_user),
        )
        outcome["codes"] = reply.error_codes
        outcome["errors"] = "errors" in reply.body
        return _json(reply.body, reply.status)

    response = _with_fault(fault, apply)
    if fault is not None:
        label = "fault"
    elif response.status_code >= 500:
        label = "server_error"
    else:
        label = "errors" if outcome.get("errors") else "ok"
    _record(
        sandbox,
        target=prepared.target,
        status=response.status_code,
        outcome=label,
        operation_name=prepared.operation_name,
        root_fields=prepared.root_fields,
        variables=prepared.variables,
        error_codes=tuple(outcome.get("codes", ())),
        user=api_user.nickname if api_user is not None else None,
        fault=fault,
    )
    return response


def _graphql_payload() -> dict[str, Any] | None:
    if request.is_json:
        payload = request.get_json(silent=True)
        return payload if isinstance(payload, dict) else None
    if request.form:
        return {k: request.form.get(k) for k in ("query", "variables", "operationName")}
    raw = request.get_data(cache=False)
    if not raw.strip():
        return {}
    try:
        payload = json.loads(raw)
    except ValueError:
        return None
    return payload if isinstance(payload, dict) else None


@blueprint.get("/api/docs")
def docs() -> Response:
    """The SDL the sandbox serves (Decidim renders its schema docs here)."""
    text = sdl_text(bridge_module=_sandbox().config.bridge_module)
    return Response(text, mimetype="text/plain")


@blueprint.get("/api/graphiql")
def graphiql() -> Response:
    """A small query console (no external scripts): sign in, then run queries."""
    page = resources.files("decidim_bridge.sandbox").joinpath("graphiql.html")
    return Response(page.read_text(encoding="utf-8"), mimetype="text/html")


# --- faults and journal ---------------------------------------------------------------------


def _with_fault(fault: Fault | None, apply: Callable[[], Response]) -> Response:
    """Run ``apply`` as the fault says: not at all, delayed, or with its answer replaced."""
    if fault is None:
        return apply()
    if fault.kind == "delay":
        if not fault.after_apply:
            time.sleep(fault.seconds)
            return apply()
        response = apply()
        time.sleep(fault.seconds)
        return response
    if fault.kind == "errors":
        body = {
            "data": None,
            "errors": [{"message": fault.message, "extensions": {"code": fault.code}}],
        }
        return _json(body, 200)
    if fault.after_apply:
        apply()
    return _status_response(fault.status)


def _status_response(status: int) -> Response:
    if status == 429:
        return Response(RETRY_LATER_BODY, status=429, mimetype="text/plain")
    if status == 500:
        return _json(INTERNAL_ERROR_BODY, 500)
    return Response(
        f"<html><body><h1>{status}</h1>The sandbox was told to fail.</body></html>",
        status=status,
        mimetype="text/html",
    )


def _record(
    sandbox: Sandbox,
    *,
    target: str,
    status: int,
    outcome: str,
    operation_name: str | None = None,
    root_fields: tuple[str, ...] = (),
    variables: dict[str, Any] | None = None,
    error_codes: tuple[str, ...] = (),
    user: str | None = None,
    fault: Fault | None = None,
) -> None:
    fault_label = None
    if fault is not None:
        fault_label = fault.kind + (f":{fault.status}" if fault.kind in ("status", "down") else "")
        if fault.after_apply:
            fault_label += ":after_apply"
    sandbox.state.journal.record(
        at=sandbox.clock(),
        method=request.method,
        path=request.path,
        target=target,
        status=status,
        outcome=outcome,
        operation_name=operation_name,
        root_fields=root_fields,
        variables=dict(variables or {}),
        error_codes=error_codes,
        user=user,
        fault=fault_label,
    )
