"""The Decidim module's admin events: their ``extra`` checked at intake, read as actions."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest
from conftest import REPO, standard_headers

from decidim_bridge.errors import SchemaViolation
from decidim_bridge.intake.admin_actions import (
    ANSWER_SAVED,
    EVALUATORS_ASSIGNED,
    NOTE_CREATED,
    admin_action,
)
from decidim_bridge.intake.envelope import parse_envelope

SAMPLES = REPO / "webhooks" / "samples" / "decidim"


def _sample(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((SAMPLES / name).read_text(encoding="utf-8"))
    return loaded


def test_a_note_is_read_with_its_author_and_body() -> None:
    event = parse_envelope(_sample("decidim.bridge.proposal_note_created__confirm-command.json"))

    action = admin_action(event)

    assert action.type == NOTE_CREATED
    assert action.note_id == "301"
    assert action.body is not None and action.body.endswith("/bevestig partytent")
    assert action.actor is not None and action.actor["nickname"] == "anouk_devries"
    assert action.actor["roles"] == ["evaluator"]
    assert not action.by_the_bridge


def test_the_bridges_own_note_is_recognised_by_its_api_user() -> None:
    event = parse_envelope(_sample("decidim.bridge.proposal_note_created__by-the-bridge.json"))

    assert admin_action(event).by_the_bridge


def test_evaluators_and_who_changed_them() -> None:
    event = parse_envelope(
        _sample("decidim.bridge.proposal_evaluators_assigned__reassigned-by-admin.json")
    )

    action = admin_action(event)

    assert action.type == EVALUATORS_ASSIGNED
    assert action.evaluators == (
        {"id": "26", "nickname": "pieter_deboer", "name": "Pieter de Boer"},
    )
    assert action.actor is not None and action.actor["roles"] == ["organization_admin"]


def test_an_internal_answer() -> None:
    action = admin_action(
        parse_envelope(_sample("decidim.bridge.proposal_answer_saved__internal.json"))
    )

    assert (action.type, action.state, action.published) == (ANSWER_SAVED, "evaluating", False)


def test_nobody_recorded_is_no_actor() -> None:
    body = _sample("decidim.bridge.proposal_evaluators_assigned__reassigned-by-admin.json")
    body["extra"] = {"evaluators": [{"id": 7, "nickname": "x", "name": "X"}], "by": None}

    action = admin_action(parse_envelope(body))

    assert action.actor is None and not action.by_the_bridge
    assert action.evaluators == ({"id": "7", "nickname": "x", "name": "X"},)


@pytest.mark.parametrize(
    ("event_type", "extra", "field"),
    [
        (NOTE_CREATED, {"body": "x"}, "note_id"),
        (NOTE_CREATED, {"note_id": "1"}, "body"),
        (NOTE_CREATED, {"note_id": "1", "body": 5}, "body"),
        (NOTE_CREATED, {"note_id": "1", "body": "x" * 20_001}, "body"),
        (NOTE_CREATED, {"note_id": "1", "body": "x", "author": {"roles": "admin"}}, "author"),
        (EVALUATORS_ASSIGNED, {"by": None}, "evaluators"),
        (EVALUATORS_ASSIGNED, {"evaluators": [{"nickname": "x"}]}, "evaluators"),
        (ANSWER_SAVED, {"state": "accepted"}, "published"),
        (ANSWER_SAVED, {"state": "accepted", "published": "soon"}, "published"),
    ],
)
def test_a_malformed_extra_names_the_field(event_type: str, extra: Any, field: str) -> None:
    note = _sample("decidim.bridge.proposal_note_created__confirm-command.json")
    event = parse_envelope({**note, "type": event_type})
    with pytest.raises(SchemaViolation) as caught:
        admin_action(replace(event, extra=extra))

    assert field in caught.value.errors["extra"]
    assert caught.value.status == 422


def test_intake_answers_422_to_a_malformed_admin_event(client: Any) -> None:
    body_data = _sample("decidim.bridge.proposal_note_created__confirm-command.json")
    del body_data["extra"]["note_id"]
    body = json.dumps(body_data).encode()

    response = client.post("/webhooks/decidim", data=body, headers=standard_headers(body))

    assert response.status_code == 422
    assert "note_id" in json.dumps(response.json)


def test_intake_accepts_a_well_formed_admin_event(client: Any) -> None:
    body = (SAMPLES / "decidim.bridge.proposal_answer_saved__internal.json").read_bytes()

    response = client.post("/webhooks/decidim", data=body, headers=standard_headers(body))

    assert response.status_code == 202
    assert response.json["status"] == "pending"
