"""schemathesis against the real app, from the bridge's own OpenAPI document (/openapi.json).

Every documented operation is called with generated data; webhook bodies are signed with
the real secret (so they get past the signature check into parsing, validation and the
store) and, half of the time, sent unsigned. Checks: no 5xx, only documented status codes
and content types, bodies that match the documented schemas. Bounded: ``EXAMPLES`` cases
per operation (``DECIDIM_BRIDGE_FUZZ_EXAMPLES`` raises it for a longer run).
"""

from __future__ import annotations

import json
import os
import time

import pytest
import schemathesis
from conftest import standard_headers
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from decidim_bridge.app import create_app
from decidim_bridge.config import Settings

EXAMPLES = int(os.environ.get("DECIDIM_BRIDGE_FUZZ_EXAMPLES", "40"))
CHECKS = [
    schemathesis.checks.not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def bridge_app(tmp_path_factory):
    from conftest import SECRET

    from decidim_bridge.config import load_settings
    from decidim_bridge.store import Database

    instance = tmp_path_factory.mktemp("schemathesis")
    config: Settings = load_settings(
        environ={}, instance_dir=instance, webhook_secrets=(SECRET,), tenant="localhost"
    )
    Database(config.database_url).upgrade()
    return create_app(config)


@pytest.fixture(scope="module")
def api_schema(bridge_app):
    return schemathesis.openapi.from_wsgi("/openapi.json", bridge_app)


def test_the_document_is_served_and_names_every_route(bridge_app):
    document = bridge_app.test_client().get("/openapi.json").json
    routes = {
        rule.rule.replace("<", "{").replace(">", "}")
        for rule in bridge_app.url_map.iter_rules()
        if rule.endpoint != "static"
    }
    assert set(document["paths"]) == routes


def _operations(api_schema) -> list:
    return [result.ok() for result in api_schema.get_all_operations()]


def test_no_server_error_and_only_documented_answers(api_schema, bridge_app):
    operations = _operations(api_schema)
    labels = {op.label for op in operations}
    assert {"POST /webhooks/{source}", "POST /approvals/{token}", "GET /readyz"} <= labels
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def run(case) -> None:
            _call_and_validate(case, bridge_app)

        run()


def _call_and_validate(case, bridge_app) -> None:
    if case.operation.path == "/webhooks/{source}":
        body = json.dumps(case.body).encode() if _json_body(case.body) else b"{"
        headers = dict(case.headers or {})
        if body[:1] in (b"{", b"[") and len(body) % 2 == 0:
            headers.update(standard_headers(body, timestamp=int(time.time())))
        headers["content-type"] = "application/json"
        response = bridge_app.test_client().post(
            case.formatted_path, data=body, headers=_ascii(headers)
        )
        case.validate_response(response, checks=CHECKS)
        return
    case.call_and_validate(checks=CHECKS)


def _json_body(body: object) -> bool:
    try:
        json.dumps(body)
    except (TypeError, ValueError):
        return False
    return True


def _ascii(headers: dict[str, object]) -> dict[str, str]:
    """Werkzeug's test client refuses headers it cannot encode; a server never sees them."""
    return {
        str(k): str(v)
        for k, v in headers.items()
        if str(k).isascii() and str(v).isascii() and "\n" not in str(v) and "\r" not in str(v)
    }
