"""The decidim-bridge module's API extensions (proposalAdmin): who may, errors, idempotency,
the state after each write, and the events the API user's writes send."""

from __future__ import annotations

from pathlib import Path

import pytest
from sandbox_support import document, gql, sign_in

from decidim_bridge.sandbox.app import create_sandbox_app
from decidim_bridge.sandbox.settings import SandboxConfig

QUERY = document("proposal_admin")
ASSIGN = document("assign_evaluators")
UNASSIGN = document("unassign_evaluators")
NOTE = document("create_note")

NOW = "2026-11-18T12:06:40+01:00"  # FakeClock's default time, in Europe/Amsterdam
ANOUK = {"id": "22", "nickname": "anouk_devries", "name": "Anouk de Vries"}
CARLA = {"id": "21", "nickname": "carla_bakker", "name": "Carla Bakker"}
API_USER = {
    "id": "900",
    "nickname": "initiatievenbureau",
    "name": "Initiatievenbureau Lindeburg",
    "api_user": True,
    "roles": ["organization_admin"],
}


@pytest.fixture
def events(state):
    seen = []
    state.subscribe(seen.append)
    return seen


def _non_admin_token(sbx, state):
    state.add_api_user("readonlykey0000", "readonlysecret00", name="Lezer", nickname="lezer")
    state.api_users[901].admin = False
    return sign_in(sbx, "readonlykey0000", "readonlysecret00")


def test_query_shows_evaluators_and_notes_oldest_first(sbx, token, state, clock):
    state.assign_evaluators(101, ["anouk_devries", "carla_bakker"])
    state.create_note(101, "Eerste notitie.", by="anouk_devries")
    clock.advance(60)
    state.create_note(101, "Tweede notitie.\nMet @carla_bakker besproken.", by="marieke_kok")
    body = gql(sbx, QUERY, {"id": "101"}, token=token).json
    assert body == {
        "data": {
            "proposalAdmin": {
                "id": "101",
                "evaluators": [ANOUK, CARLA],
                "notes": [
                    {"id": "1", "body": "Eerste notitie.", "createdAt": NOW, "author": ANOUK},
                    {
                        "id": "2",
                        "body": "Tweede notitie.\nMet @carla_bakker besproken.",
                        "createdAt": "2026-11-18T12:07:40+01:00",
                        "author": {"id": "20", "nickname": "marieke_kok", "name": "Marieke Kok"},
                    },
                ],
            }
        }
    }


def test_query_of_no_proposal_is_null_and_admins_see_drafts(sbx, token):
    assert gql(sbx, QUERY, {"id": "9999"}, token=token).json == {"data": {"proposalAdmin": None}}
    draft = gql(sbx, QUERY, {"id": "114"}, token=token).json["data"]["proposalAdmin"]
    assert draft == {"id": "114", "evaluators": [], "notes": []}


def test_only_api_users_and_admins_may_read_or_write(sbx, state):
    anonymous = gql(sbx, QUERY, {"id": "101"}).json
    assert anonymous["data"] == {"proposalAdmin": None}
    assert anonymous["errors"][0]["extensions"] == {"code": "UNAUTHORIZED_OBJECT_ERROR"}
    token = _non_admin_token(sbx, state)
    read = gql(sbx, QUERY, {"id": "101"}, token=token).json
    assert read["errors"][0]["extensions"] == {"code": "UNAUTHORIZED_OBJECT_ERROR"}
    for query, variables in (
        (ASSIGN, {"id": "101", "nicknames": ["anouk_devries"]}),
        (NOTE, {"id": "101", "body": "Hallo"}),
    ):
        refused = gql(sbx, query, variables, token=token).json
        assert refused["data"] == {"proposalAdmin": None}
        assert refused["errors"][0]["extensions"] == {"code": "MUTATION_NOT_AUTHORIZED_ERROR"}
        assert refused["errors"][0]["path"] == ["proposalAdmin"]
        # Anonymous callers are refused by the mutation root first, as for every mutation.
        anonymous = gql(sbx, query, variables).json
        assert anonymous["errors"][0]["extensions"] == {"code": "UNAUTHORIZED_OBJECT_ERROR"}
    assert state.evaluators_of(101) == [] and state.notes_on(101) == []


def test_assign_returns_the_state_after_it_and_is_idempotent(sbx, token, state, events):
    first = gql(
        sbx, ASSIGN, {"id": "101", "nicknames": ["anouk_devries"], "userIds": ["21"]}, token
    )
    assert first.json == {
        "data": {"proposalAdmin": {"assignEvaluators": {"id": "101", "evaluators": [ANOUK, CARLA]}}}
    }
    again = gql(sbx, ASSIGN, {"id": "101", "nicknames": ["carla_bakker"]}, token=token)
    assert again.json == first.json
    assert [u.nickname for u in state.evaluators_of(101)] == ["anouk_devries", "carla_bakker"]
    assert [(e.type, e.extra, e.webhook_id) for e in events] == [
        (
            "decidim.bridge.proposal_evaluators_assigned",
            {"evaluators": [ANOUK, CARLA], "by": API_USER},
            "decidim-bridge-proposal_evaluators_assigned-1",
        )
    ]


def test_unassign_removes_and_is_idempotent(sbx, token, state, events):
    state.assign_evaluators(101, ["anouk_devries", "carla_bakker"])
    events.clear()
    variables = {"id": "101", "nicknames": ["anouk_devries"]}
    first = gql(sbx, UNASSIGN, variables, token=token).json
    assert first["data"]["proposalAdmin"]["unassignEvaluators"]["evaluators"] == [CARLA]
    again = gql(sbx, UNASSIGN, variables, token=token).json
    assert again == first
    assert [(e.type, e.extra) for e in events] == [
        ("decidim.bridge.proposal_evaluators_unassigned", {"evaluators": [ANOUK], "by": API_USER})
    ]


def test_unknown_users_are_not_found_and_nothing_is_assigned(sbx, token, state, events):
    for variables in (
        {"id": "101", "nicknames": ["anouk_devries", "nobody_here"]},
        {"id": "101", "nicknames": ["@anouk_devries"]},  # nicknames come without the @
        {"id": "101", "userIds": ["22", "777"]},
        {"id": "101", "nicknames": ["initiatievenbureau"]},  # an API user is no evaluator
    ):
        body = gql(sbx, ASSIGN, variables, token=token).json
        assert body["data"] == {"proposalAdmin": None}
        assert body["errors"][0]["extensions"] == {"code": "NOT_FOUND_ERROR"}
        assert body["errors"][0]["path"] == ["proposalAdmin", "assignEvaluators"]
    message = gql(sbx, ASSIGN, {"id": "101", "nicknames": ["nobody_here"]}, token).json
    assert "@nobody_here" in message["errors"][0]["message"]
    assert state.evaluators_of(101) == [] and events == []


def test_a_user_without_the_evaluator_role_in_the_space_is_a_validation_error(
    sbx, token, state, events
):
    resident = gql(sbx, ASSIGN, {"id": "101", "nicknames": ["annekedv", "carla_bakker"]}, token)
    error = resident.json["errors"][0]
    assert error["extensions"] == {"code": "VALIDATION_ERROR"}
    assert error["message"] == "Anneke de Vries (@annekedv) holds no evaluator role in this space"
    # The advisors evaluate process 1; proposal 201 is in process 2.
    other_space = gql(sbx, ASSIGN, {"id": "201", "nicknames": ["carla_bakker"]}, token).json
    assert other_space["errors"][0]["extensions"] == {"code": "VALIDATION_ERROR"}
    assert "Carla Bakker (@carla_bakker)" in other_space["errors"][0]["message"]
    assert state.evaluators_of(101) == [] and state.evaluators_of(201) == [] and events == []
    state.grant_space_role("carla_bakker", 2, "evaluator")
    granted = gql(sbx, ASSIGN, {"id": "201", "nicknames": ["carla_bakker"]}, token).json
    assert granted["data"]["proposalAdmin"]["assignEvaluators"]["evaluators"] == [CARLA]


def test_no_users_given_is_a_validation_error(sbx, token):
    body = gql(sbx, ASSIGN, {"id": "101", "nicknames": []}, token=token).json
    assert body["errors"][0]["extensions"] == {"code": "VALIDATION_ERROR"}


def test_create_note_writes_as_the_api_user_and_sends_the_event(sbx, token, state, events):
    body = "Gebeld met de initiatiefnemer.\n\nVolgende week langs."
    response = gql(sbx, NOTE, {"id": "101", "body": body}, token=token)
    note = response.json["data"]["proposalAdmin"]["createNote"]
    api_user = {k: API_USER[k] for k in ("id", "nickname", "name")}
    assert note == {"id": "1", "body": body, "createdAt": NOW, "author": api_user}
    stored = state.notes_on(101)
    assert [(n.id, n.body, n.author_id, n.author_is_api_user) for n in stored] == [
        (1, body, 900, True)
    ]
    assert [(e.type, e.extra, e.webhook_id) for e in events] == [
        (
            "decidim.bridge.proposal_note_created",
            {"note_id": "1", "body": body, "author": API_USER},
            "decidim-bridge-proposal_note_created-1",
        )
    ]
    # A note is not idempotent: the same body again is a second note (as in Decidim).
    gql(sbx, NOTE, {"id": "101", "body": body}, token=token)
    assert [n.id for n in state.notes_on(101)] == [1, 2]


@pytest.mark.parametrize("body", ["", "   \n "])
def test_an_empty_note_is_a_validation_error(sbx, token, state, body):
    response = gql(sbx, NOTE, {"id": "101", "body": body}, token=token).json
    assert response["data"] == {"proposalAdmin": None}
    assert response["errors"][0]["extensions"] == {"code": "VALIDATION_ERROR"}
    assert state.notes_on(101) == []


def test_a_mutation_on_no_proposal_is_not_found(sbx, token):
    for query, variables in (
        (NOTE, {"id": "9999", "body": "Hallo"}),
        (ASSIGN, {"id": "abc", "nicknames": ["anouk_devries"]}),
    ):
        body = gql(sbx, query, variables, token=token).json
        assert body["data"] == {"proposalAdmin": None}
        assert body["errors"][0]["extensions"] == {"code": "NOT_FOUND_ERROR"}
        assert body["errors"][0]["path"] == ["proposalAdmin"]


def test_without_the_module_the_fields_do_not_exist(clock):
    app = create_sandbox_app(SandboxConfig(bridge_module=False), clock=clock)
    client = app.test_client()
    token = sign_in(client)
    for query, variables in ((QUERY, {"id": "101"}), (NOTE, {"id": "101", "body": "x"})):
        body = gql(client, query, variables, token=token).json
        assert "data" not in body
        assert "Cannot query field 'proposalAdmin'" in body["errors"][0]["message"]
    assert "proposalAdmin" not in client.get("/api/docs").get_data(as_text=True)
    introspection = gql(client, '{ __type(name: "Query") { fields { name } } }', token=token)
    assert "proposalAdmin" not in {
        f["name"] for f in introspection.json["data"]["__type"]["fields"]
    }


def test_with_the_module_introspection_and_docs_show_it(sbx, token):
    introspection = gql(sbx, '{ __type(name: "Mutation") { fields { name } } }', token=token)
    assert "proposalAdmin" in {f["name"] for f in introspection.json["data"]["__type"]["fields"]}
    assert "extend type Query" in sbx.get("/api/docs").get_data(as_text=True)


GUARDED = (
    Path(__file__).resolve().parents[2]
    / "decidim_bridge/decidim/documents/answer_proposal_guarded.graphql"
).read_text(encoding="utf-8")
FINAL = ["accepted", "rejected", "withdrawn"]


def _guarded(sbx, token, **extra):
    variables = {"id": "101", "state": "evaluating", "answerContent": {"nl": "We kijken ernaar."}}
    return gql(sbx, GUARDED, {**variables, "unlessStates": FINAL, **extra}, token=token).json


def _guarded_reply(*, written, state, published=True):
    """The module's whole reply to a guarded answer on proposal 101: written or not, and the
    state it left."""
    answer = {"id": "101", "written": written, "state": state, "published": published}
    return {"data": {"proposalAdmin": {"answer": answer}}}


def test_the_guarded_answer_answers_an_open_proposal(sbx, token, state):
    body = _guarded(sbx, token)
    assert body == _guarded_reply(written=True, state="evaluating")
    assert state.proposals[101].internal_state == "evaluating"


@pytest.mark.parametrize("publish", [True, False], ids=["published", "internal"])
def test_the_guarded_answer_does_not_overwrite_a_persons_final_answer(sbx, token, state, publish):
    state.answer_as_admin(101, "accepted", {"nl": "Akkoord."}, by="marieke_kok", publish=publish)
    body = _guarded(sbx, token)
    assert body == _guarded_reply(written=False, state="accepted", published=publish)
    assert state.proposals[101].internal_state == "accepted"
    assert state.proposals[101].answer == {"nl": "Akkoord."}


def test_the_guarded_answer_does_not_answer_a_withdrawn_proposal(sbx, token, state):
    state.withdraw_proposal(101)
    body = _guarded(sbx, token)
    assert body["data"]["proposalAdmin"]["answer"]["written"] is False
    assert body["data"]["proposalAdmin"]["answer"]["state"] == "withdrawn"
    assert state.proposals[101].internal_state == "not_answered"


def test_the_guarded_answer_without_answer_content_keeps_the_current_answer(sbx, token, state):
    current = {"nl": "We kijken ernaar.", "en": "We are looking into it."}
    state.answer_as_admin(101, "evaluating", current, by="marieke_kok", publish=True)
    variables = {"id": "101", "state": "accepted", "unlessStates": FINAL}
    omitted = gql(sbx, GUARDED, variables, token=token).json
    assert omitted == _guarded_reply(written=True, state="accepted")
    assert (state.proposals[101].internal_state, state.proposals[101].answer) == (
        "accepted",
        current,
    )
    # An explicit null is no content either; a rejection needs an answer, and keeps this one.
    state.answer_as_admin(101, "evaluating", by="marieke_kok")
    null = gql(sbx, GUARDED, {**variables, "state": "rejected", "answerContent": None}, token)
    assert null.json["data"]["proposalAdmin"]["answer"]["written"] is True
    assert (state.proposals[101].internal_state, state.proposals[101].answer) == (
        "rejected",
        current,
    )


def test_the_guarded_answer_without_unless_states_is_written_whatever_the_state(
    sbx, token, state, events
):
    state.answer_as_admin(101, "accepted", {"nl": "Akkoord."}, by="marieke_kok", publish=True)
    events.clear()
    variables = {"id": "101", "state": "evaluating", "answerContent": {"nl": "Opnieuw bekeken."}}
    body = gql(sbx, GUARDED, variables, token=token).json
    assert body == _guarded_reply(written=True, state="evaluating")
    assert state.proposals[101].internal_state == "evaluating"
    assert state.proposals[101].answer == {"nl": "Opnieuw bekeken."}
    assert [e.type for e in events][-1] == "decidim.bridge.proposal_answer_saved"


def test_the_guarded_answer_does_not_overwrite_a_published_rejection(sbx, token, state, events):
    rejection = {"nl": "Dit past niet in de regeling."}
    state.answer_as_admin(101, "rejected", rejection, by="marieke_kok", publish=True)
    events.clear()
    body = _guarded(sbx, token)
    # Not written, and the state that kept it, as residents see it.
    assert body == _guarded_reply(written=False, state="rejected")
    assert state.proposals[101].internal_state == "rejected"
    assert state.proposals[101].answer == rejection
    assert events == []


def test_the_guarded_answer_is_refused_to_an_api_user_without_admin_rights(sbx, state, events):
    token = _non_admin_token(sbx, state)
    body = _guarded(sbx, token)
    # The module refuses on the proposalAdmin field, as for its other writes.
    assert body["data"] == {"proposalAdmin": None}
    assert [(e["extensions"], e["path"]) for e in body["errors"]] == [
        ({"code": "MUTATION_NOT_AUTHORIZED_ERROR"}, ["proposalAdmin"])
    ]
    assert state.proposals[101].internal_state == "not_answered"
    assert events == []


def test_the_guarded_answer_reports_refusals_with_the_modules_codes(sbx, token, state, events):
    refused = _guarded(sbx, token, state="misschien")
    # A state the form refuses is the module's VALIDATION_ERROR with one text (not Decidim's
    # own answer mutation's ATTRIBUTE_VALIDATION_ERROR with a list).
    assert refused["data"] == {"proposalAdmin": None}
    (error,) = refused["errors"]
    assert (error["extensions"], error["path"]) == (
        {"code": "VALIDATION_ERROR"},
        ["proposalAdmin", "answer"],
    )
    assert error["message"].startswith("Decidim refused the answer: ")
    assert "is not included in the list" in error["message"]
    state.components[state.proposals[101].component_id].settings.answering_enabled = False
    closed = _guarded(sbx, token)
    assert [(e["extensions"], e["path"]) for e in closed["errors"]] == [
        ({"code": "MUTATION_NOT_AUTHORIZED_ERROR"}, ["proposalAdmin", "answer"])
    ]
    assert state.proposals[101].internal_state == "not_answered"
    assert events == []
