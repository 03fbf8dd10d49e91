"""The /_sandbox/ control endpoints used by the demo and by subprocess tests."""

from __future__ import annotations

import pytest
from sandbox_support import gql, sign_in

from decidim_bridge.sandbox.settings import SandboxConfig


def test_state_lists_every_proposal_with_its_visibility(sbx):
    proposals = {p["id"]: p for p in sbx.get("/_sandbox/state").json["proposals"]}
    assert proposals[101]["visible"] is True
    assert proposals[114]["visible"] is False and proposals[114]["published_at"] is None
    assert proposals[115]["hidden"] is True
    assert proposals[113]["state"] == "withdrawn"
    detail = sbx.get("/_sandbox/proposals/104").json
    assert detail["comments"][0]["body"] == {
        "nl": "Goed plan! Mijn kinderen spelen hier elke dag. Ik help graag met schilderen."
    }
    assert sbx.get("/_sandbox/proposals/999").status_code == 404


def test_resident_and_admin_actions_change_the_state_and_emit_events(sbx, state):
    events = []
    state.subscribe(events.append)
    created = sbx.post(
        "/_sandbox/proposals",
        json={
            "component_id": 11,
            "title": {"nl": "Bloembakken langs de Dorpsstraat"},
            "body": {"nl": "Wij willen bloembakken neerzetten en zelf onderhouden."},
            "author_id": 5,
            "address": "Dorpsstraat 3, 7413 AA Lindeburg",
            "taxonomies": [2, 11],
            "publish": False,
        },
    )
    assert created.status_code == 201
    new_id = created.json["id"]
    assert created.json["visible"] is False
    assert sbx.post(f"/_sandbox/proposals/{new_id}/publish").json["visible"] is True
    updated = sbx.post(
        f"/_sandbox/proposals/{new_id}/update", json={"title": {"nl": "Bloembakken Dorpsstraat"}}
    )
    assert updated.json["title"] == {"nl": "Bloembakken Dorpsstraat"}
    answered = sbx.post(
        f"/_sandbox/proposals/{new_id}/answer",
        json={"state": "accepted", "answer": {"nl": "Akkoord, de gemeente levert de bakken."}},
    )
    assert answered.json["state"] == "accepted"
    assert answered.json["answered_by_api_user"] is None
    comment = sbx.post(
        f"/_sandbox/proposals/{new_id}/comments", json={"user_id": 3, "body": "Mooi!"}
    )
    assert comment.status_code == 201 and comment.json["by_api_user"] is False
    assert sbx.post(f"/_sandbox/proposals/{new_id}/withdraw").json["state"] == "withdrawn"
    assert sbx.post(f"/_sandbox/proposals/{new_id}/withdraw").status_code == 409
    assert [e.type.rsplit(".", 1)[1] for e in events] == [
        "proposal_published",
        "proposal_updated",
        "proposal_state_changed",
        "proposal_answer_saved",
        "comment_created",
        "proposal_withdrawn",
    ]
    hidden = sbx.post(f"/_sandbox/proposals/{new_id}/hide", json={"hidden": True})
    assert hidden.json["visible"] is False


def test_invalid_bodies_are_422(sbx):
    assert sbx.post("/_sandbox/proposals", json={"component_id": 11}).status_code == 422
    refused = sbx.post("/_sandbox/proposals/101/answer", json={"state": "rejected"})
    assert refused.status_code == 422
    assert refused.json["code"] == "ATTRIBUTE_VALIDATION_ERROR"


def test_component_settings_and_api_users(sbx, state):
    settings = sbx.post("/_sandbox/components/11/settings", json={"answering_enabled": False})
    assert settings.json["answering_enabled"] is False
    assert state.components[11].settings.answering_enabled is False
    created = sbx.post(
        "/_sandbox/api_users",
        json={
            "key": "second-key-0001",
            "secret": "second-secret-1",
            "name": "Twee",
            "nickname": "twee",
            "admin": False,
        },
    )
    assert created.status_code == 201
    token = sign_in(sbx, "second-key-0001", "second-secret-1")
    assert gql(sbx, "{ session { user { name } } }", token=token).json == {
        "data": {"session": {"user": {"name": "Twee"}}}
    }


@pytest.mark.parametrize("sandbox_config", [SandboxConfig(staged=True)])
def test_replay_publishes_the_staged_seed_and_reset_goes_back(sbx, state):
    assert state.visible_proposals(11) == []
    replayed = sbx.post("/_sandbox/replay").json["replayed"]
    assert {"action": "publish", "proposal_id": 101} in replayed
    assert {"action": "withdraw", "proposal_id": 113} in replayed
    assert len(state.visible_proposals(11)) >= 12
    assert sbx.post("/_sandbox/replay").json == {"replayed": []}
    assert sbx.post("/_sandbox/reset").json == {"status": "reset"}
    assert state.visible_proposals(11) == [] and len(state.staged) == len(replayed)


def test_journal_and_webhooks_endpoints(sbx, token):
    gql(sbx, "query Who { session { user { name } } }", token=token)
    entries = sbx.get("/_sandbox/journal").json["entries"]
    assert [(e["target"], e["operation_name"], e["user"]) for e in entries] == [
        ("sign_in", None, "initiatievenbureau"),
        ("query", "Who", "initiatievenbureau"),
    ]
    assert (
        sbx.get(f"/_sandbox/journal?since={entries[0]['seq']}").json["entries"][0]["operation_name"]
        == "Who"
    )
    assert sbx.get("/_sandbox/webhooks").json == {
        "configured": False,
        "url": None,
        "deliveries": [],
    }
    assert sbx.post("/_sandbox/webhooks/flush").json == {"flushed": True, "pending": 0}


@pytest.mark.parametrize("sandbox_config", [SandboxConfig(admin_token="a-token-for-tests")])
def test_admin_token_protects_the_control_endpoints(sbx):
    assert sbx.get("/_sandbox/state").status_code == 401
    allowed = sbx.get("/_sandbox/state", headers={"X-Sandbox-Token": "a-token-for-tests"})
    assert allowed.status_code == 200


def test_admin_actions_as_a_person_through_http(sbx, state):
    events = []
    state.subscribe(events.append)
    url = "/_sandbox/proposals/101"
    assigned = sbx.post(
        f"{url}/evaluators/assign", json={"evaluators": ["anouk_devries", 30], "by": "marieke_kok"}
    )
    assert assigned.status_code == 200
    assert [u["nickname"] for u in assigned.json["evaluators"]] == ["anouk_devries", "tom_smit"]
    note = sbx.post(f"{url}/notes", json={"body": "Gebeld.", "by": "anouk_devries"})
    assert note.status_code == 201
    assert (note.json["body"], note.json["author"]["nickname"]) == ("Gebeld.", "anouk_devries")
    internal = sbx.post(
        f"{url}/answer",
        json={"state": "accepted", "answer": {"nl": "Goed plan."}, "by": 22, "publish": False},
    )
    assert (internal.json["internal_state"], internal.json["answer_published"]) == (
        "accepted",
        False,
    )
    published = sbx.post(f"{url}/publish_answer", json={"by": "marieke_kok"})
    assert published.json["state"] == "accepted"
    unassigned = sbx.post(f"{url}/evaluators/unassign", json={"evaluators": ["tom_smit"]})
    assert [u["nickname"] for u in unassigned.json["evaluators"]] == ["anouk_devries"]
    detail = sbx.get(url).json
    assert [u["nickname"] for u in detail["evaluators"]] == ["anouk_devries"]
    assert [n["body"] for n in detail["notes"]] == ["Gebeld."]
    assert [e.type.rsplit(".", 1)[1] for e in events] == [
        "proposal_evaluators_assigned",
        "proposal_note_created",
        "proposal_answer_saved",
        "proposal_state_changed",
        "proposal_answer_saved",
        "proposal_evaluators_unassigned",
    ]
    assert events[0].extra["by"]["nickname"] == "marieke_kok"
    assert events[-1].extra["by"] is None


def test_admin_action_refusals_over_http(sbx, state):
    url = "/_sandbox/proposals/101"
    unknown = sbx.post(f"{url}/evaluators/assign", json={"evaluators": ["nobody_here"]})
    assert (unknown.status_code, unknown.json["code"]) == (404, "NOT_FOUND_ERROR")
    no_role = sbx.post(f"{url}/evaluators/assign", json={"evaluators": ["annekedv"]})
    assert (no_role.status_code, no_role.json["code"]) == (422, "VALIDATION_ERROR")
    not_allowed = sbx.post(f"{url}/notes", json={"body": "Hallo", "by": "annekedv"})
    assert (not_allowed.status_code, not_allowed.json["code"]) == (
        403,
        "MUTATION_NOT_AUTHORIZED_ERROR",
    )
    assert sbx.post(f"{url}/notes", json={"body": "Hallo"}).status_code == 422  # no author
    assert sbx.post(f"{url}/evaluators/assign", json={"evaluators": []}).status_code == 422
    assert sbx.post(f"{url}/publish_answer", json={}).status_code == 409  # nothing to publish
    assert state.evaluators_of(101) == [] and state.notes_on(101) == []


def test_users_lists_admins_and_space_roles(sbx):
    users = {u["nickname"]: u for u in sbx.get("/_sandbox/users").json["users"]}
    assert users["marieke_kok"]["admin"] is True and users["marieke_kok"]["space_roles"] == []
    assert users["lotte_mulder"] == {
        "id": 27,
        "nickname": "lotte_mulder",
        "name": "Lotte Mulder",
        "admin": False,
        "space_roles": [{"space_id": 1, "role": "evaluator"}],
    }
    assert users["annekedv"]["space_roles"] == []
