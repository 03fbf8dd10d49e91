"""addComment and answer: Decidim's permission checks and forms, and state that can be read back."""

from __future__ import annotations

import pytest
from sandbox_support import document, gql, sign_in

from decidim_bridge.sandbox.model import PROPOSAL_CLASS

ANSWER = document("answer")
ADD_COMMENT = document("add_comment")
PROPOSAL = document("proposal")


def _answer(sbx, token, proposal="101", component="11", **attributes):
    variables = {"component": component, "id": proposal, "input": {"attributes": attributes}}
    return gql(sbx, ANSWER, variables, token=token)


def _read(sbx, proposal="101"):
    response = gql(sbx, PROPOSAL, {"component": "11", "id": proposal})
    return response.json["data"]["component"]["proposal"]


def test_add_comment_is_written_as_the_api_user_and_can_be_read_back(sbx, token, state, clock):
    body = "Beste initiatiefnemer, dank voor uw initiatief.\n\nUw contactpersoon is Noor."
    response = gql(sbx, ADD_COMMENT, {"id": "101", "body": body}, token=token)
    assert response.status_code == 200
    comment = response.json["data"]["commentable"]["addComment"]
    assert comment["body"] == body
    assert comment["author"] == {
        "id": "900",
        "name": "Initiatievenbureau Lindeburg",
        "nickname": "@initiatievenbureau",
    }
    read = _read(sbx)
    assert [c["id"] for c in read["comments"]] == [comment["id"]]
    assert read["totalCommentsCount"] == 1
    stored = state.comments_on(101)
    assert len(stored) == 1 and stored[0].body == {"nl": body} and stored[0].author_is_api_user
    assert state.proposal(101).updated_at == clock.now
    assert [c.id for c in state.comments_by_api_users()] == [int(comment["id"])]


def test_comment_is_refused_with_null_when_comments_are_closed_or_empty(sbx, token, state):
    assert gql(sbx, ADD_COMMENT, {"id": "101", "body": "   "}, token=token).json == {
        "data": {"commentable": {"addComment": None}}
    }
    too_long = "x" * 1001
    assert gql(sbx, ADD_COMMENT, {"id": "101", "body": too_long}, token=token).json == {
        "data": {"commentable": {"addComment": None}}
    }
    state.set_component_settings(11, comments_enabled=False)
    response = gql(sbx, ADD_COMMENT, {"id": "101", "body": "Hallo"}, token=token)
    assert response.json == {"data": {"commentable": {"addComment": None}}}
    assert state.comments_on(101) == []


def test_comment_on_an_invisible_or_unknown_proposal_is_not_found(sbx, token, state):
    for proposal in ("114", "115", "9999"):
        response = gql(sbx, ADD_COMMENT, {"id": proposal, "body": "Hallo"}, token=token).json
        assert response["data"]["commentable"] in (None, {"addComment": None})
        assert response["errors"][0]["extensions"] == {"code": "NOT_FOUND_ERROR"}
    assert state.comments_by_api_users() == []


def test_unknown_commentable_type_is_an_internal_server_error(sbx, token):
    query = (
        'mutation { commentable(id: "101", type: "Decidim::Nope") '
        '{ addComment(body: "x") { id } } }'
    )
    response = gql(sbx, query, token=token)
    assert response.status_code == 500
    assert response.json == {"errors": [{"message": "Internal Server error"}], "data": {}}


def test_anonymous_mutations_are_unauthorized(sbx, state):
    response = gql(sbx, ADD_COMMENT, {"id": "101", "body": "Hallo"})
    body = response.json
    assert body["data"] == {"commentable": None}
    assert body["errors"][0]["extensions"] == {"code": "UNAUTHORIZED_OBJECT_ERROR"}
    assert state.comments_on(101) == []


def test_answer_sets_state_answer_and_answered_at(sbx, token, state, clock):
    events = []
    state.subscribe(events.append)
    response = _answer(sbx, token, state="evaluating", answerContent={"nl": "We kijken ernaar."})
    assert "errors" not in response.json
    answered = response.json["data"]["component"]["proposal"]["answer"]
    assert answered["state"] == "evaluating"
    assert answered["answer"] == {"translation": "We kijken ernaar."}
    assert answered["answeredAt"] is not None
    read = _read(sbx)
    assert (read["state"], read["answer"], read["answeredAt"]) == (
        "evaluating",
        {"translation": "We kijken ernaar."},
        answered["answeredAt"],
    )
    record = state.proposal(101)
    assert (record.internal_state, record.answered_at, record.answered_by_api_user) == (
        "evaluating",
        clock.now,
        900,
    )
    api_user = {
        "id": "900",
        "nickname": "initiatievenbureau",
        "name": "Initiatievenbureau Lindeburg",
        "api_user": True,
        "roles": ["organization_admin"],
    }
    assert [(e.type, e.extra) for e in events] == [
        (
            "decidim.events.proposals.proposal_state_changed",
            {"state": "evaluating", "previous_state": None},
        ),
        (
            "decidim.bridge.proposal_answer_saved",
            {"state": "evaluating", "published": True, "by": api_user},
        ),
    ]
    assert events[1].webhook_id == "decidim-bridge-proposal_answer_saved-1"


def test_omitted_attributes_keep_their_values(sbx, token, state):
    _answer(sbx, token, state="evaluating", answerContent={"nl": "Eerste antwoord."})
    response = _answer(sbx, token, state="accepted")
    answered = response.json["data"]["component"]["proposal"]["answer"]
    assert answered["state"] == "accepted"
    assert answered["answer"] == {"translation": "Eerste antwoord."}


def test_rejecting_without_an_answer_is_an_attribute_validation_error(sbx, token, state):
    response = _answer(sbx, token, state="rejected")
    body = response.json
    assert response.status_code == 200
    assert body["data"] == {"component": {"proposal": {"answer": None}}}
    error = body["errors"][0]
    assert error["extensions"] == {"code": "ATTRIBUTE_VALIDATION_ERROR"}
    assert error["message"] == [{"path": ["attributes", "answer"], "message": "cannot be blank"}]
    assert error["path"] == ["component", "proposal", "answer"]
    assert state.proposal(101).internal_state == "not_answered"


def test_unknown_state_is_refused(sbx, token):
    error = _answer(sbx, token, state="approved").json["errors"][0]
    assert error["message"] == [
        {"path": ["attributes", "internalState"], "message": "is not included in the list"}
    ]


def test_non_admin_api_user_may_not_answer(sbx, state):
    state.add_api_user(
        "reader-key-0001", "reader-secret-0001", name="Lezer", nickname="lezer", admin=False
    )
    token = sign_in(sbx, "reader-key-0001", "reader-secret-0001")
    body = _answer(sbx, token, state="accepted").json
    assert body["errors"][0]["message"] == "You do not have permission to perform this mutation"
    assert body["errors"][0]["extensions"] == {"code": "MUTATION_NOT_AUTHORIZED_ERROR"}
    assert state.proposal(101).internal_state == "not_answered"


def test_answering_must_be_enabled_on_the_component(sbx, token, state):
    state.set_component_settings(11, answering_enabled=False)
    body = _answer(sbx, token, state="accepted").json
    assert body["errors"][0]["extensions"] == {"code": "MUTATION_NOT_AUTHORIZED_ERROR"}


def test_unpublished_answers_stay_internal(sbx, token, state):
    state.set_component_settings(11, publish_answers_immediately=False)
    events = []
    state.subscribe(events.append)
    body = _answer(sbx, token, state="accepted", answerContent={"nl": "Goed idee."}).json
    assert body["data"]["component"]["proposal"]["answer"]["state"] is None
    read = _read(sbx)
    assert (read["state"], read["answer"], read["answeredAt"]) == (None, None, None)
    assert state.proposal(101).internal_state == "accepted"
    # No state change residents see; only the module's event, saying it is not published.
    assert [(e.type, e.extra["state"], e.extra["published"]) for e in events] == [
        ("decidim.bridge.proposal_answer_saved", "accepted", False)
    ]


def test_answer_of_an_invisible_proposal_is_null_and_unknown_component_not_found(sbx, token):
    assert _answer(sbx, token, proposal="114", state="accepted").json == {
        "data": {"component": {"proposal": None}}
    }
    body = _answer(sbx, token, component="999", state="accepted").json
    assert body["data"] is None
    assert body["errors"][0]["message"] == "ComponentMutation not found"


@pytest.mark.parametrize("locale", ["fr", "xx"])
def test_a_locale_the_organization_does_not_offer_is_refused(sbx, token, locale):
    query = (
        f'mutation {{ commentable(id: "101", type: "{PROPOSAL_CLASS}", locale: "{locale}") '
        '{ addComment(body: "Hallo") { id } } }'
    )
    body = gql(sbx, query, token=token).json
    assert body["errors"][0]["extensions"] == {"code": "INVALID_LOCALE_ERROR"}
