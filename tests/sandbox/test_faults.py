"""Fault injection: failing, throttled, slow and stalling requests, through Python and HTTP."""

from __future__ import annotations

import pytest
import requests
from sandbox_support import document, gql, running_sandbox

from decidim_bridge.sandbox.faults import Fault, FaultPlan

ADD_COMMENT = document("add_comment")
QUERY = "{ decidim { applicationName } }"


def test_next_requests_fail_with_the_status_then_recover(sbx, state):
    state.faults.fail_next(2, status=503)
    assert [gql(sbx, QUERY).status_code for _ in range(3)] == [503, 503, 200]
    state.faults.fail_next(1, status=500)
    failed = gql(sbx, QUERY)
    assert failed.status_code == 500
    assert failed.json == {"errors": [{"message": "Internal Server error"}], "data": {}}
    outcomes = [(e.status, e.fault) for e in state.journal.entries()]
    assert outcomes == [(503, "status:503"), (503, "status:503"), (200, None), (500, "status:500")]


def test_throttle_fault_answers_like_rack_attack(sbx, state):
    state.faults.throttle_next()
    response = gql(sbx, QUERY)
    assert response.status_code == 429
    assert response.get_data() == b"Retry later\n"
    assert "Retry-After" not in response.headers


def test_errors_fault_answers_200_with_the_code_and_applies_nothing(sbx, token, state):
    state.faults.errors_next(code="VALIDATION_ERROR", message="Kan niet", only="mutation")
    assert gql(sbx, QUERY).json == {"data": {"decidim": {"applicationName": "Decidim"}}}
    response = gql(sbx, ADD_COMMENT, {"id": "101", "body": "Hallo"}, token=token)
    assert response.status_code == 200
    assert response.json == {
        "data": None,
        "errors": [{"message": "Kan niet", "extensions": {"code": "VALIDATION_ERROR"}}],
    }
    assert state.comments_on(101) == []


def test_fail_before_apply_leaves_state_alone(sbx, token, state):
    state.faults.fail_next(status=500, only="mutation")
    assert gql(sbx, ADD_COMMENT, {"id": "101", "body": "Hallo"}, token=token).status_code == 500
    assert state.comments_on(101) == []


def test_fail_after_apply_is_an_ambiguous_write(sbx, token, state):
    state.faults.fail_after_apply(status=502)
    response = gql(sbx, ADD_COMMENT, {"id": "101", "body": "Hallo"}, token=token)
    assert response.status_code == 502
    assert [c.body for c in state.comments_on(101)] == [{"nl": "Hallo"}]


def test_down_answers_503_until_cleared(sbx, state):
    state.faults.set_down()
    assert [gql(sbx, QUERY).status_code for _ in range(3)] == [503, 503, 503]
    assert sbx.post("/api/sign_in", data={}).status_code == 503
    state.faults.set_down(False)
    assert gql(sbx, QUERY).status_code == 200


def test_faults_can_target_sign_in_only(sbx, state):
    state.faults.fail_next(status=503, only="sign_in")
    assert gql(sbx, QUERY).status_code == 200
    assert sbx.post("/api/sign_in", data={}).status_code == 503
    assert sbx.post("/api/sign_in", data={}).status_code == 401


def test_fault_plan_validates_and_copies():
    with pytest.raises(ValueError):
        Fault("explode")
    with pytest.raises(ValueError):
        Fault("status", only="everything")
    plan = FaultPlan()
    plan.add(Fault("status", count=2, status=504))
    assert plan.take("query").status == 504
    assert plan.pending()[0].count == 1
    assert plan.take("mutation") is not None
    assert plan.take("query") is None


def test_admin_endpoint_adds_lists_and_clears_faults(sbx):
    created = sbx.post("/_sandbox/faults", json={"kind": "status", "status": 504, "count": 1})
    assert created.status_code == 201
    assert sbx.get("/_sandbox/faults").json["faults"][0]["status"] == 504
    assert gql(sbx, QUERY).status_code == 504
    assert gql(sbx, QUERY).status_code == 200
    assert sbx.post("/_sandbox/faults", json={"kind": "nope"}).status_code == 422
    sbx.post("/_sandbox/faults", json={"kind": "status", "count": None})
    assert sbx.delete("/_sandbox/faults").json == {"faults": []}
    assert gql(sbx, QUERY).status_code == 200
    assert sbx.post("/_sandbox/down", json={"down": True}).json == {"down": True}
    assert gql(sbx, QUERY).status_code == 503


def test_stall_after_apply_outlasts_the_client_timeout_but_the_write_happened():
    with running_sandbox() as running:
        token = running.sign_in()
        running.state.faults.stall_after_apply(seconds=1.0)
        with pytest.raises(requests.ReadTimeout):
            requests.post(
                f"{running.url}/api",
                json={"query": ADD_COMMENT, "variables": {"id": "101", "body": "Hallo"}},
                headers={"Authorization": f"Bearer {token}"},
                timeout=(2, 0.2),
            )
        assert [c.body for c in running.state.comments_on(101)] == [{"nl": "Hallo"}]


def test_slow_before_apply_with_a_read_timeout_applies_nothing_yet():
    with running_sandbox() as running:
        token = running.sign_in()
        running.state.faults.slow_next(seconds=3.0, only="mutation")
        with pytest.raises(requests.ReadTimeout):
            requests.post(
                f"{running.url}/api",
                json={"query": ADD_COMMENT, "variables": {"id": "101", "body": "Hallo"}},
                headers={"Authorization": f"Bearer {token}"},
                timeout=(2, 0.2),
            )
        assert running.state.comments_on(101) == []


NOTE = document("create_note")
ASSIGN = document("assign_evaluators")


def test_a_note_failing_after_apply_is_written_once_and_sends_its_event(sbx, token, state):
    events = []
    state.subscribe(events.append)
    state.faults.fail_after_apply(status=500, field="createNote")
    # Another write passes: the fault waits for a document that selects createNote.
    assert gql(sbx, ADD_COMMENT, {"id": "101", "body": "Hallo"}, token=token).status_code == 200
    response = gql(sbx, NOTE, {"id": "101", "body": "Notitie"}, token=token)
    assert response.status_code == 500
    assert response.json == {"errors": [{"message": "Internal Server error"}], "data": {}}
    assert [n.body for n in state.notes_on(101)] == ["Notitie"]
    assert [e.type for e in events][-1] == "decidim.bridge.proposal_note_created"
    assert state.journal.entries()[-1].fault == "status:500:after_apply"


def test_an_assignment_stalling_after_apply_is_applied():
    with running_sandbox() as sandbox:
        token = sandbox.sign_in()
        sandbox.state.faults.stall_after_apply(seconds=1.5, field="assignEvaluators")
        with pytest.raises(requests.Timeout):
            requests.post(
                f"{sandbox.url}/api",
                json={"query": ASSIGN, "variables": {"id": "101", "nicknames": ["tom_smit"]}},
                headers={"Authorization": f"Bearer {token}"},
                timeout=0.5,
            )
        assert [u.nickname for u in sandbox.state.evaluators_of(101)] == ["tom_smit"]


def test_new_mutations_can_be_throttled_or_refused_without_applying(sbx, token, state):
    state.faults.throttle_next(only="mutation")
    state.faults.errors_next(code="VALIDATION_ERROR", only="mutation", field="createNote")
    variables = {"id": "101", "nicknames": ["tom_smit"]}
    assert gql(sbx, ASSIGN, variables, token=token).status_code == 429
    refused = gql(sbx, NOTE, {"id": "101", "body": "Notitie"}, token=token)
    assert refused.json["errors"][0]["extensions"] == {"code": "VALIDATION_ERROR"}
    assert state.evaluators_of(101) == [] and state.notes_on(101) == []


def test_field_faults_can_be_added_over_http(sbx, token, state):
    added = sbx.post(
        "/_sandbox/faults",
        json={"kind": "status", "status": 502, "after_apply": True, "field": "assignEvaluators"},
    )
    assert added.status_code == 201 and added.json["field"] == "assignEvaluators"
    assert gql(sbx, NOTE, {"id": "101", "body": "Notitie"}, token=token).status_code == 200
    variables = {"id": "101", "nicknames": ["tom_smit"]}
    assert gql(sbx, ASSIGN, variables, token=token).status_code == 502
    assert [u.nickname for u in state.evaluators_of(101)] == ["tom_smit"]
