"""Property tests: no input makes intake answer 5xx, and valid deliveries are stored once."""

from __future__ import annotations

import time

from conftest import SECRET_KEY, dumps, envelope, standard_headers
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from decidim_bridge.intake.signatures import sign_standard
from decidim_bridge.store import inbox

HEADER_TEXT = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=80)
ALLOWED = {200, 202, 400, 401, 413, 422}


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.binary(max_size=400),
    msg_id=HEADER_TEXT,
    stamp=HEADER_TEXT,
    signature=HEADER_TEXT,
)
def test_garbage_never_gets_a_server_error(client, body, msg_id, stamp, signature):
    headers = {"webhook-id": msg_id, "webhook-timestamp": stamp, "webhook-signature": signature}
    assert client.post("/webhooks/decidim", data=body, headers=headers).status_code in ALLOWED


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.binary(max_size=300))
def test_correctly_signed_garbage_is_a_client_error(client, body):
    stamp = int(time.time())
    headers = {
        "webhook-id": "msg_g",
        "webhook-timestamp": str(stamp),
        "webhook-signature": sign_standard("msg_g", stamp, body, SECRET_KEY),
    }
    assert client.post("/webhooks/decidim", data=body, headers=headers).status_code in {400, 422}


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ids=st.lists(st.integers(min_value=1, max_value=6), min_size=1, max_size=12))
def test_redeliveries_are_stored_once(app, ids):
    """Any mix of first deliveries and retries leaves one row per delivery id."""
    client = app.test_client()
    for proposal_id in ids:
        body = dumps(envelope(proposal_id=proposal_id))
        response = client.post(
            "/webhooks/decidim",
            data=body,
            headers=standard_headers(body, msg_id=f"msg_p{proposal_id}"),
        )
        assert response.status_code in (200, 202)
    with app.extensions["bridge"].db.read() as conn:
        keys = [r.delivery_key for r in inbox.list_rows(conn, limit=10_000)]
    assert len(keys) == len(set(keys))
    assert set(keys) >= {f"msg_p{i}" for i in ids}
