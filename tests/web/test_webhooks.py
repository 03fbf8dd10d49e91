"""POST /webhooks/<source> through the real Flask app: every status code of the contract."""

from __future__ import annotations

import json
import sqlite3
import threading
import time

import pytest
from conftest import (
    REPO,
    RESTFULL_SECRET,
    SECRET,
    SECRET_KEY,
    dumps,
    envelope,
    restfull_headers,
    standard_headers,
)
from prometheus_client import REGISTRY

from decidim_bridge.app import create_app
from decidim_bridge.store import inbox as inbox_store


def deliveries(source: str, outcome: str) -> float:
    value = REGISTRY.get_sample_value(
        "bridge_webhook_deliveries_total", {"source": source, "outcome": outcome}
    )
    return value or 0.0


def rows(app):
    with app.extensions["bridge"].db.read() as conn:
        return inbox_store.list_rows(conn, limit=1000)


def post(client, body: bytes, headers: dict, source: str = "decidim"):
    return client.post(f"/webhooks/{source}", data=body, headers=headers)


class TestAccepted:
    def test_stored_and_acknowledged_with_202(self, client, app):
        body = dumps(envelope(proposal_id=7))
        before = deliveries("decidim", "accepted")
        response = post(client, body, standard_headers(body, msg_id="msg_a"))
        assert response.status_code == 202
        assert response.json["status"] == "pending"
        (row,) = rows(app)
        assert row.delivery_key == "msg_a"
        assert row.subject == "proposal:7"
        assert row.space == "Decidim::ParticipatoryProcess/3"  # the worker's turns
        assert row.status == "pending"
        assert row.body == body.decode()  # raw body kept byte for byte
        assert deliveries("decidim", "accepted") == before + 1

    def test_duplicate_is_200_and_stored_once(self, client, app):
        body = dumps(envelope())
        headers = standard_headers(body, msg_id="msg_dup")
        assert post(client, body, headers).status_code == 202
        # A retry carries the same id with a fresh timestamp and signature.
        retry = standard_headers(body, msg_id="msg_dup", timestamp=int(time.time()) + 5)
        second = post(client, body, retry)
        assert second.status_code == 200
        assert second.json["status"] == "duplicate"
        assert len(rows(app)) == 1

    def test_reused_id_with_other_body_is_not_processed(self, client, app):
        first = dumps(envelope(proposal_id=1))
        other = dumps(envelope(proposal_id=2))
        before = deliveries("decidim", "id_reused")
        assert post(client, first, standard_headers(first, msg_id="msg_x")).status_code == 202
        response = post(client, other, standard_headers(other, msg_id="msg_x"))
        assert response.status_code == 200
        (row,) = rows(app)
        assert row.subject == "proposal:1"
        assert deliveries("decidim", "id_reused") == before + 1

    def test_unknown_event_type_is_stored_as_ignored_and_counted(self, client, app):
        body = dumps(envelope(event_type="decidim.events.meetings.meeting_created"))
        response = post(client, body, standard_headers(body))
        assert response.status_code == 202
        assert response.json == {"status": "ignored", "inbox_id": 1, "reason": "unknown-event-type"}
        (row,) = rows(app)
        assert row.status == "ignored"
        ignored = REGISTRY.get_sample_value(
            "bridge_ignored_events_total", {"source": "decidim", "reason": "unknown-event-type"}
        )
        assert ignored and ignored >= 1

    @pytest.mark.parametrize(
        ("sample", "status", "outcome"),
        [
            (
                "decidim.events.comments.comment_created__on-proposal",
                "ignored",
                "ignored-event-type",
            ),
            ("decidim.bridge.proposal_note_created__by-the-bridge", "ignored", "own-change"),
            ("decidim.bridge.proposal_note_created__confirm-command", "pending", None),
        ],
    )
    def test_what_is_never_work_is_finished_at_intake(self, client, app, sample, status, outcome):
        """Comments and the module's reports of the bridge's own changes (a burst's echoes)
        are stored finished: the worker never claims them."""
        path = REPO / "webhooks" / "samples" / "decidim" / f"{sample}.json"
        body = dumps(json.loads(path.read_text(encoding="utf-8")))
        assert post(client, body, standard_headers(body)).status_code == 202
        (row,) = rows(app)
        assert (row.status, row.outcome) == (status, outcome)

    def test_other_organization_is_stored_as_ignored(self, client, app):
        body = dumps(envelope(host="andere-gemeente.example"))
        response = post(client, body, standard_headers(body))
        assert response.status_code == 202
        assert rows(app)[0].outcome == "other-organization"

    def test_rotation_second_secret_accepted(self, settings, db):
        new_key = b"n" * 32
        import base64

        rotated = create_app(
            {
                "instance_dir": settings.instance_dir,
                "webhook_secrets": (
                    "whsec_" + base64.b64encode(new_key).decode(),
                    "whsec_" + base64.b64encode(SECRET_KEY).decode(),
                ),
            }
        ).test_client()
        body = dumps(envelope())
        assert post(rotated, body, standard_headers(body, key=SECRET_KEY)).status_code == 202
        body2 = dumps(envelope(proposal_id=9))
        assert post(rotated, body2, standard_headers(body2, key=new_key)).status_code == 202

    def test_restfull_delivery_with_independent_signature(self, client, app):
        payload = {
            "type": "proposal_creation.succeeded",
            "data": {"id": "12", "type": "proposal", "attributes": {"title": {"nl": "x"}}},
        }
        body = json.dumps(payload).encode()
        ts = int(time.time())
        import hashlib
        import hmac

        signature = (
            "v1="
            + hmac.new(
                RESTFULL_SECRET.encode(), f"{ts}.".encode() + body, hashlib.sha256
            ).hexdigest()
        )
        headers = {"X-Webhook-Timestamp": str(ts), "X-Webhook-Signature": signature}
        response = post(client, body, headers, source="rest-full")
        assert response.status_code == 202
        (row,) = rows(app)
        assert row.source == "rest-full"
        assert row.subject == "proposal:12"
        assert row.delivery_key.startswith("sha256:")
        # rest-full sends no id: the retry of the same body is a duplicate.
        again = post(client, body, restfull_headers(body), source="rest-full")
        assert again.status_code == 200


class TestRejected:
    @pytest.mark.parametrize(
        "mutate",
        [
            lambda h, b: {k: v for k, v in h.items() if k != "webhook-signature"},
            lambda h, b: {k: v for k, v in h.items() if k != "webhook-id"},
            lambda h, b: {k: v for k, v in h.items() if k != "webhook-timestamp"},
            lambda h, b: {**h, "webhook-signature": "garbage"},
            lambda h, b: {**h, "webhook-signature": "v1,AAAA v1a,BBBB"},
            lambda h, b: {**h, "webhook-timestamp": str(int(time.time()) - 301)},
            lambda h, b: {**h, "webhook-timestamp": str(int(time.time()) + 301)},
            lambda h, b: {**h, "webhook-timestamp": f"{int(time.time())}.0"},
            lambda h, b: {**h, "webhook-timestamp": "soon"},
            lambda h, b: standard_headers(b, key=b"w" * 32),
        ],
        ids=[
            "no-signature",
            "no-id",
            "no-timestamp",
            "garbage",
            "wrong-versions",
            "stale",
            "future",
            "fractional",
            "non-numeric",
            "wrong-secret",
        ],
    )
    def test_signature_problems_are_401_with_one_generic_message(self, client, app, mutate):
        body = dumps(envelope())
        before = deliveries("decidim", "bad_signature")
        response = post(client, body, mutate(standard_headers(body), body))
        assert response.status_code == 401
        assert response.json == {
            "code": "invalid_signature",
            "status": 401,
            "message": "The webhook signature could not be verified.",
        }
        assert rows(app) == []
        assert deliveries("decidim", "bad_signature") == before + 1

    def test_tampered_body_is_401(self, client, app):
        body = dumps(envelope())
        response = post(client, body.replace(b"42", b"43"), standard_headers(body))
        assert response.status_code == 401

    def test_non_utf8_header_value_is_401_not_500(self, client):
        body = dumps(envelope())
        headers = standard_headers(body)
        headers["webhook-signature"] = "v1,\u00e9\u00e8"
        assert post(client, body, headers).status_code == 401

    def test_non_utf8_body_with_valid_signature_is_400(self, client, app):
        body = b'{"type": "\xff"}'
        response = post(client, body, standard_headers(body))
        assert response.status_code == 400
        assert response.json["code"] == "malformed_payload"
        assert rows(app) == []

    def test_invalid_json_is_400(self, client, app):
        body = b'{"type": '
        response = post(client, body, standard_headers(body))
        assert response.status_code == 400
        assert response.json["code"] == "malformed_payload"

    def test_schema_mismatch_is_422_with_field_messages(self, client, app):
        payload = envelope()
        del payload["resource"]["id"]
        payload["occurred_at"] = "yesterday"
        body = dumps(payload)
        response = post(client, body, standard_headers(body))
        assert response.status_code == 422
        errors = response.json["errors"]
        assert "id" in errors["resource"]
        assert "occurred_at" in errors
        assert rows(app) == []

    def test_json_array_is_422(self, client):
        body = b"[1, 2]"
        assert post(client, body, standard_headers(body)).status_code == 422

    def test_body_over_limit_is_413(self, client, app, settings):
        payload = envelope(extra={"padding": "x" * settings.max_body_bytes})
        body = dumps(payload)
        response = post(client, body, standard_headers(body))
        assert response.status_code == 413
        assert response.json["code"] == "payload_too_large"
        assert rows(app) == []

    def test_body_exactly_at_limit_passes_the_size_check(self, client, app, settings):
        payload = envelope(extra={"padding": ""})
        base = len(dumps(payload))
        payload["extra"]["padding"] = "x" * (settings.max_body_bytes - base)
        body = dumps(payload)
        assert len(body) == settings.max_body_bytes
        assert post(client, body, standard_headers(body)).status_code == 202
        over = dumps({**payload, "extra": {"padding": payload["extra"]["padding"] + "x"}})
        assert len(over) == settings.max_body_bytes + 1
        assert post(client, over, standard_headers(over)).status_code == 413

    def test_unknown_source_is_404(self, client):
        body = dumps(envelope())
        assert post(client, body, standard_headers(body), source="github").status_code == 404

    def test_get_is_405_never_3xx(self, client):
        response = client.get("/webhooks/decidim")
        assert response.status_code == 405
        assert response.json["status"] == 405

    def test_restfull_without_secret_configured_is_401(self, settings, db):
        app = create_app({"instance_dir": settings.instance_dir, "restfull_secret": None})
        body = b'{"type":"proposal_creation.succeeded","data":{"id":"1","type":"proposal"}}'
        response = post(app.test_client(), body, restfull_headers(body), source="rest-full")
        assert response.status_code == 401


class TestDatabaseUnavailable:
    def test_locked_database_is_503_with_retry_after(self, app, settings):
        """A writer holding the lock past the busy timeout gives 503, not 500, and no row."""
        from decidim_bridge.store import Database

        state = app.extensions["bridge"]
        state.db.dispose()
        state.db = Database(settings.database_url, busy_timeout_ms=200)
        path = settings.database_url.removeprefix("sqlite:///")
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            body = dumps(envelope())
            response = post(app.test_client(), body, standard_headers(body))
        finally:
            holder.execute("ROLLBACK")
            holder.close()
        assert response.status_code == 503
        assert response.headers["Retry-After"].isdigit()
        assert response.json["code"] == "store_unavailable"
        assert rows(app) == []

    def test_unreachable_postgres_is_503(self, settings):
        app = create_app(
            {
                "instance_dir": settings.instance_dir,
                "database_url": "postgresql://127.0.0.1:1/none",
                "webhook_secrets": (SECRET,),
            }
        )
        body = dumps(envelope())
        response = post(app.test_client(), body, standard_headers(body))
        assert response.status_code == 503
        assert "Retry-After" in response.headers


class TestAckAfterCommit:
    def test_concurrent_deliveries_are_all_committed_before_ack(self, app):
        """Every delivery answered 202 is readable from a fresh connection afterwards."""
        client = app.test_client()
        results: list[int] = []

        def send(i: int) -> None:
            body = dumps(envelope(proposal_id=i))
            results.append(post(client, body, standard_headers(body, msg_id=f"m{i}")).status_code)

        threads = [threading.Thread(target=send, args=(i,)) for i in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results.count(202) == 20
        assert {r.delivery_key for r in rows(app)} == {f"m{i}" for i in range(20)}


class TestPostgres:
    def test_intake_on_postgres(self, pg_url, settings):
        app = create_app(
            {
                "instance_dir": settings.instance_dir,
                "database_url": pg_url,
                "webhook_secrets": (SECRET,),
            }
        )
        app.extensions["bridge"].db.upgrade()
        client = app.test_client()
        body = dumps(envelope())
        headers = standard_headers(body, msg_id="msg_pg")
        assert post(client, body, headers).status_code == 202
        assert post(client, body, headers).status_code == 200
        assert len(rows(app)) == 1
