"""Every sample in ``webhooks/samples/`` through the real endpoint: accepted, mapped, verified.

The samples are what sysadmins replay to check an installation, so they must stay true to
the contract: each one is stored by the endpoint of its folder and turns into the event
listed in ``expected_events.json``; a wrong secret, a changed body or an old timestamp is
always a 401.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from conftest import REPO, restfull_headers, standard_headers

from decidim_bridge.handlers import ADMIN_EVENT_TYPES, IGNORED_EVENT_TYPES, PROPOSAL_EVENT_TYPES
from decidim_bridge.intake.delivery import SOURCES, parse_stored
from decidim_bridge.store import inbox as inbox_store

SAMPLES = REPO / "webhooks" / "samples"
EXPECTED = json.loads((Path(__file__).parent / "expected_events.json").read_text())
SAMPLE_FILES = sorted(SAMPLES.glob("*/*.json"))
WRONG_KEY = b"not-the-bridge-secret-32-bytes!!"
WRONG_RESTFULL = "0" * 64


def sample_id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def signed_headers(source: str, body: bytes, **kwargs: object) -> dict[str, str]:
    if source == "decidim":
        return standard_headers(body, **kwargs)  # type: ignore[arg-type]
    return restfull_headers(body, **kwargs)  # type: ignore[arg-type]


def test_every_sample_has_an_expectation_and_a_proper_name():
    assert {sample_id(p) for p in SAMPLE_FILES} == set(EXPECTED)
    for path in SAMPLE_FILES:
        assert path.parent.name in SOURCES
        event_type, sep, variant = path.stem.partition("__")
        assert sep and variant, f"{path.name}: expected <event>__<variant>.json"
        assert json.loads(path.read_text())["type"] == event_type


def test_every_known_event_type_has_a_sample():
    sampled = {p.stem.partition("__")[0] for p in SAMPLE_FILES}
    missing = (
        set(PROPOSAL_EVENT_TYPES) | set(ADMIN_EVENT_TYPES) | set(IGNORED_EVENT_TYPES)
    ) - sampled
    assert not missing


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=sample_id)
def test_sample_is_stored_and_becomes_the_expected_event(path, client, app, settings):
    expected = EXPECTED[sample_id(path)]
    source = path.parent.name
    body = path.read_bytes()
    response = client.post(f"/webhooks/{source}", data=body, headers=signed_headers(source, body))
    assert response.status_code == 202, response.json
    assert response.json["status"] == expected["status"]
    assert response.json["reason"] == expected["outcome"]
    with app.extensions["bridge"].db.read() as conn:
        row = inbox_store.get(conn, response.json["inbox_id"])
    assert row.event_type == expected["event"]["type"]
    event = parse_stored(row.source, row.body, tenant=settings.tenant)
    for field, value in expected["event"].items():
        assert getattr(event, field) == value, field
    assert row.subject == f"proposal:{expected['event']['proposal_id']}"
    for key, value in expected.get("extra", {}).items():
        assert event.extra[key] == value, key
    if expected["handling"] == "plan":
        assert event.type in PROPOSAL_EVENT_TYPES
    elif expected["handling"] == "ignore":
        assert event.type in IGNORED_EVENT_TYPES
    elif expected["handling"] == "steer":
        assert event.type in ADMIN_EVENT_TYPES
    else:
        known = set(PROPOSAL_EVENT_TYPES) | set(ADMIN_EVENT_TYPES) | set(IGNORED_EVENT_TYPES)
        assert event.type not in known


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=sample_id)
def test_wrongly_signed_sample_is_rejected(path, client, app):
    source = path.parent.name
    body = path.read_bytes()
    wrong_secret = (
        standard_headers(body, key=WRONG_KEY)
        if source == "decidim"
        else restfull_headers(body, secret=WRONG_RESTFULL)
    )
    tampered = signed_headers(source, body)
    stale = signed_headers(source, body, timestamp=int(time.time()) - 3600)
    for headers, sent in ((wrong_secret, body), (tampered, body + b" "), (stale, body)):
        response = client.post(f"/webhooks/{source}", data=sent, headers=headers)
        assert response.status_code == 401
        assert response.json["code"] == "invalid_signature"
    with app.extensions["bridge"].db.read() as conn:
        assert inbox_store.list_rows(conn) == []


def test_a_sample_sent_to_the_other_endpoint_is_rejected(client):
    body = (SAMPLES / "rest-full" / "proposal_creation.succeeded__wijkinitiatief.json").read_bytes()
    # Signed the rest-full way but posted to the forwarder's endpoint: no webhook-* headers.
    response = client.post("/webhooks/decidim", data=body, headers=restfull_headers(body))
    assert response.status_code == 401
