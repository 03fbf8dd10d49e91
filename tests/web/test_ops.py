"""Operations endpoints: /livez, /readyz, /metrics."""

from __future__ import annotations

from conftest import dumps, envelope, standard_headers

from decidim_bridge.app import create_app


def test_livez(client):
    assert client.get("/livez").json == {"status": "ok"}


def test_readyz_ready_when_migrated(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok"},
        "details": {"failing_jobs": {}},
    }


def test_readyz_not_ready_before_migrations(settings):
    app = create_app(settings)  # no `db` fixture: nothing migrated
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json["checks"]["migrations"] == "pending"


def test_readyz_not_ready_when_database_unreachable(settings):
    app = create_app(
        {"instance_dir": settings.instance_dir, "database_url": "postgresql://127.0.0.1:1/none"}
    )
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["checks"]["database"].startswith("unavailable")
    assert app.test_client().get("/livez").status_code == 200


def test_metrics_show_deliveries_and_inbox_depth(client):
    body = dumps(envelope())
    client.post("/webhooks/decidim", data=body, headers=standard_headers(body))
    text = client.get("/metrics").data.decode()
    assert 'bridge_webhook_deliveries_total{outcome="accepted",source="decidim"}' in text
    assert 'bridge_inbox_events{status="pending"} 1.0' in text
    assert "bridge_dead_letter_events 0.0" in text
    assert "bridge_oldest_open_event_age_seconds" in text


def test_metrics_survive_an_unavailable_database(settings):
    app = create_app(
        {"instance_dir": settings.instance_dir, "database_url": "postgresql://127.0.0.1:1/none"}
    )
    response = app.test_client().get("/metrics")
    assert response.status_code == 200
    assert "bridge_inbox_events" not in response.data.decode()
