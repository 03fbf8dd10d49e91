"""``/_sandbox/``: control endpoints for the demo and for tests that run the sandbox as a
subprocess. Not part of Decidim; never rate limited. When the sandbox has an admin token,
each call needs the header ``X-Sandbox-Token``.

    GET    /_sandbox/health                     liveness
    GET    /_sandbox/state                      proposals (all, with visibility and state)
    GET    /_sandbox/proposals/<id>             one proposal with its comments
    POST   /_sandbox/proposals                  create {component_id, title, body, ...}
    POST   /_sandbox/proposals/<id>/publish     publish a draft          -> webhook
    POST   /_sandbox/proposals/<id>/withdraw    the author withdraws     -> webhook
    POST   /_sandbox/proposals/<id>/update      {title, body, address, taxonomies} -> webhook
    POST   /_sandbox/proposals/<id>/answer      {state, answer, cost, ..., by, publish} -> webhook
    POST   /_sandbox/proposals/<id>/publish_answer  {by}: publish an internal answer -> webhook
    POST   /_sandbox/proposals/<id>/evaluators/assign    {evaluators: [nickname|id], by} -> webhook
    POST   /_sandbox/proposals/<id>/evaluators/unassign  {evaluators: [nickname|id], by} -> webhook
    POST   /_sandbox/proposals/<id>/notes       {body, by}: a private note       -> webhook
    GET    /_sandbox/users                      users, admins and their space roles
    POST   /_sandbox/proposals/<id>/hide        {hidden: true|false} (moderation)
    POST   /_sandbox/proposals/<id>/comments    {user_id, body, alignment} as a resident
    GET    /_sandbox/comments                   comments written by API users
    POST   /_sandbox/components/<id>/settings   {answering_enabled: false, ...}
    POST   /_sandbox/api_users                  {key, secret, name, nickname, admin}
    POST   /_sandbox/replay                     publish the staged seed proposals
    GET    /_sandbox/faults    POST (add)   DELETE (clear)
    POST   /_sandbox/down                       {down: true|false}
    GET    /_sandbox/journal?since=N            API requests answered
    GET    /_sandbox/webhooks                   deliveries;  POST /_sandbox/webhooks/flush
    POST   /_sandbox/reset                      back to the seed
"""

from __future__ import annotations

import hmac
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from decidim_bridge.decidim import error_codes
from decidim_bridge.sandbox import api_errors
from decidim_bridge.sandbox.faults import KINDS, TARGETS, Fault
from decidim_bridge.sandbox.model import ApiUser, Comment, Proposal, ProposalNote, User
from decidim_bridge.sandbox.runtime import Sandbox
from decidim_bridge.sandbox.web_api import sandbox_of

blueprint = Blueprint("sandbox_admin", __name__, url_prefix="/_sandbox")

_Texts = fields.Dict(keys=fields.String(), values=fields.String())


class _Base(Schema):
    class Meta:
        unknown = EXCLUDE


class FaultSchema(_Base):
    kind = fields.String(required=True, validate=validate.OneOf(KINDS))
    count = fields.Integer(load_default=1, allow_none=True, validate=validate.Range(min=1))
    status = fields.Integer(load_default=503, validate=validate.Range(min=100, max=599))
    seconds = fields.Float(load_default=0.0, validate=validate.Range(min=0, max=600))
    after_apply = fields.Boolean(load_default=False)
    # ``only`` in the JSON and in the loaded data; a field of that name would hide ``Schema.only``
    target = fields.String(
        data_key="only", attribute="only", load_default="any", validate=validate.OneOf(TARGETS)
    )
    code = fields.String(load_default="VALIDATION_ERROR")
    message = fields.String(load_default="The sandbox was told to fail this request.")
    field = fields.String(load_default=None, allow_none=True)


class CreateProposalSchema(_Base):
    component_id = fields.Integer(required=True)
    title = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    body = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    author_id = fields.Integer(load_default=None, allow_none=True)
    address = fields.String(load_default=None, allow_none=True)
    latitude = fields.Float(load_default=None, allow_none=True)
    longitude = fields.Float(load_default=None, allow_none=True)
    taxonomies = fields.List(fields.Integer(), load_default=list)
    publish = fields.Boolean(load_default=True)
    id = fields.Integer(load_default=None, allow_none=True)


class UpdateProposalSchema(_Base):
    title = fields.Dict(keys=fields.String(), values=fields.String(), load_default=None)
    body = fields.Dict(keys=fields.String(), values=fields.String(), load_default=None)
    address = fields.String(load_default=None, allow_none=True)
    taxonomies = fields.List(fields.Integer(), load_default=None, allow_none=True)


class _PersonRef(fields.Field[str | int]):
    """A person in Decidim: a nickname (without ``@``) or a numeric id."""

    def _deserialize(self, value: object, attr: Any, data: Any, **kwargs: Any) -> str | int:
        if isinstance(value, bool) or not isinstance(value, (str, int)) or value == "":
            raise ValidationError("a nickname or a user id")
        return value


class AnswerSchema(_Base):
    state = fields.String(required=True)
    by = _PersonRef(load_default=None, allow_none=True)
    publish = fields.Boolean(load_default=None, allow_none=True)
    answer = fields.Dict(keys=fields.String(), values=fields.String(), load_default=None)
    cost = fields.Float(load_default=None, allow_none=True)
    cost_report = fields.Dict(keys=fields.String(), values=fields.String(), load_default=None)
    execution_period = fields.Dict(keys=fields.String(), values=fields.String(), load_default=None)


class ActorSchema(_Base):
    by = _PersonRef(load_default=None, allow_none=True)


class EvaluatorsSchema(ActorSchema):
    evaluators = fields.List(_PersonRef(), required=True, validate=validate.Length(min=1))


class NoteSchema(_Base):
    body = fields.String(required=True)
    by = _PersonRef(required=True)


class ResidentCommentSchema(_Base):
    user_id = fields.Integer(required=True)
    body = fields.String(required=True)
    alignment = fields.Integer(load_default=0, validate=validate.OneOf([-1, 0, 1]))


class ApiUserSchema(_Base):
    key = fields.String(required=True, validate=validate.Length(min=8))
    secret = fields.String(required=True, validate=validate.Length(min=8))
    name = fields.String(required=True)
    nickname = fields.String(required=True)
    admin = fields.Boolean(load_default=True)


class SettingsSchema(_Base):
    answering_enabled = fields.Boolean()
    publish_answers_immediately = fields.Boolean()
    comments_enabled = fields.Boolean()
    comments_blocked = fields.Boolean()
    answers_with_costs = fields.Boolean()
    votes_hidden = fields.Boolean()


def _sandbox() -> Sandbox:
    return sandbox_of(current_app)


def _load(schema: Schema) -> dict[str, Any]:
    payload = request.get_json(silent=True)
    result: dict[str, Any] = schema.load(payload if isinstance(payload, dict) else {})
    return result


@blueprint.before_request
def _check_token() -> Response | None:
    token = _sandbox().config.admin_token
    if token is None:
        return None
    given = request.headers.get("X-Sandbox-Token", "")
    if hmac.compare_digest(given.encode(), token.encode()):
        return None
    return _problem(401, "missing or wrong X-Sandbox-Token")


@blueprint.errorhandler(ValidationError)
def _invalid(error: ValidationError) -> Response:
    return _problem(422, "invalid body", errors=error.messages_dict)


@blueprint.errorhandler(KeyError)
def _missing(error: KeyError) -> Response:
    return _problem(404, f"not found: {error.args[0] if error.args else ''}")


@blueprint.errorhandler(ValueError)
def _conflict(error: ValueError) -> Response:
    return _problem(409, str(error))


_API_ERROR_STATUS = {error_codes.NOT_FOUND: 404, error_codes.MUTATION_NOT_AUTHORIZED: 403}


@blueprint.errorhandler(api_errors.ApiError)
def _refused(error: api_errors.ApiError) -> Response:
    status = _API_ERROR_STATUS.get(error.code, 422)
    return _problem(status, error.message, errors=error.messages, code=error.code)


def _problem(status: int, message: str, **extra: Any) -> Response:
    response = jsonify({"status": status, "message": message, **extra})
    response.status_code = status
    return response


# --- reading ------------------------------------------------------------------------------


@blueprint.get("/health")
def health() -> Response:
    return jsonify({"status": "ok"})


@blueprint.get("/state")
def state_summary() -> Response:
    state = _sandbox().state
    with state.lock:
        proposals = [
            proposal_summary(state, p) for p in sorted(state.proposals.values(), key=lambda p: p.id)
        ]
        return jsonify({"proposals": proposals, "staged": len(state.staged)})


@blueprint.get("/proposals/<int:proposal_id>")
def proposal_detail(proposal_id: int) -> Response:
    state = _sandbox().state
    with state.lock:
        proposal = state.proposal(proposal_id)
        body = proposal_summary(state, proposal)
        body["comments"] = [comment_dict(c) for c in state.comments_on(proposal_id)]
        body["evaluators"] = [user_dict(u) for u in state.evaluators_of(proposal_id)]
        body["notes"] = [note_dict(state, n) for n in state.notes_on(proposal_id)]
        return jsonify(body)


@blueprint.get("/users")
def users() -> Response:
    state = _sandbox().state
    with state.lock:
        found = sorted(state.users.values(), key=lambda u: u.id)
        return jsonify(
            {
                "users": [
                    {
                        **user_dict(u),
                        "admin": u.admin,
                        "space_roles": [
                            {"space_id": r.space_id, "role": r.role}
                            for r in state.space_roles
                            if r.user_id == u.id
                        ],
                    }
                    for u in found
                ]
            }
        )


@blueprint.get("/comments")
def api_comments() -> Response:
    state = _sandbox().state
    return jsonify({"comments": [comment_dict(c) for c in state.comments_by_api_users()]})


def proposal_summary(state: Any, proposal: Proposal) -> dict[str, Any]:
    return {
        "id": proposal.id,
        "component_id": proposal.component_id,
        "title": proposal.title,
        "visible": state.visible_proposal(proposal.id) is not None,
        "published_at": proposal.published_at,
        "hidden": proposal.hidden,
        "withdrawn": proposal.withdrawn,
        "state": proposal.published_state,
        "internal_state": proposal.internal_state,
        "answer": proposal.answer,
        "answered_at": proposal.answered_at,
        "answer_published": proposal.answer_published,
        "answered_by_api_user": proposal.answered_by_api_user,
        "updated_at": proposal.updated_at,
        "url": state.proposal_url(proposal),
        "comments_count": len(state.comments_on(proposal.id)),
        "evaluators": [u.nickname for u in state.evaluators_of(proposal.id)],
        "bridge_notes": [n.body for n in state.notes_on(proposal.id) if n.author_is_api_user],
    }


def user_dict(user: User | ApiUser) -> dict[str, Any]:
    return {"id": user.id, "nickname": user.nickname, "name": user.name}


def note_dict(state: Any, note: ProposalNote) -> dict[str, Any]:
    author = state.note_author(note)
    return {
        "id": note.id,
        "body": note.body,
        "author": user_dict(author) if author is not None else None,
        "by_api_user": note.author_is_api_user,
        "created_at": note.created_at,
    }


def comment_dict(comment: Comment) -> dict[str, Any]:
    return {
        "id": comment.id,
        "proposal_id": comment.root_proposal_id,
        "commentable_type": comment.commentable_type,
        "commentable_id": comment.commentable_id,
        "body": comment.body,
        "author_id": comment.author_id,
        "by_api_user": comment.author_is_api_user,
        "alignment": comment.alignment,
        "created_at": comment.created_at,
    }


# --- changing what residents and administrators change ----------------------------------


@blueprint.post("/proposals")
def create_proposal() -> Response:
    data = _load(CreateProposalSchema())
    state = _sandbox().state
    proposal = state.create_proposal(
        component_id=data["component_id"],
        title=data["title"],
        body=data["body"],
        author_id=data["author_id"],
        address=data["address"],
        latitude=data["latitude"],
        longitude=data["longitude"],
        taxonomy_ids=data["taxonomies"],
        publish=data["publish"],
        id=data["id"],
    )
    response = jsonify(proposal_summary(state, proposal))
    response.status_code = 201
    return response


@blueprint.post("/proposals/<int:proposal_id>/publish")
def publish(proposal_id: int) -> Response:
    state = _sandbox().state
    return jsonify(proposal_summary(state, state.publish_proposal(proposal_id)))


@blueprint.post("/proposals/<int:proposal_id>/withdraw")
def withdraw(proposal_id: int) -> Response:
    state = _sandbox().state
    return jsonify(proposal_summary(state, state.withdraw_proposal(proposal_id)))


@blueprint.post("/proposals/<int:proposal_id>/update")
def update(proposal_id: int) -> Response:
    data = _load(UpdateProposalSchema())
    state = _sandbox().state
    proposal = state.update_proposal(
        proposal_id,
        title=data["title"],
        body=data["body"],
        address=data["address"],
        taxonomy_ids=data["taxonomies"],
    )
    return jsonify(proposal_summary(state, proposal))


@blueprint.post("/proposals/<int:proposal_id>/answer")
def answer(proposal_id: int) -> Response:
    data = _load(AnswerSchema())
    extra = {
        name: data[key]
        for key, name in (
            ("cost", "cost"),
            ("cost_report", "costReport"),
            ("execution_period", "executionPeriod"),
        )
        if data[key] is not None
    }
    state = _sandbox().state
    proposal = state.answer_as_admin(
        proposal_id, data["state"], data["answer"], by=data["by"], publish=data["publish"], **extra
    )
    return jsonify(proposal_summary(state, proposal))


@blueprint.post("/proposals/<int:proposal_id>/publish_answer")
def publish_answer(proposal_id: int) -> Response:
    data = _load(ActorSchema())
    state = _sandbox().state
    return jsonify(proposal_summary(state, state.publish_answer(proposal_id, by=data["by"])))


@blueprint.post("/proposals/<int:proposal_id>/evaluators/<any(assign, unassign):action>")
def evaluators(proposal_id: int, action: str) -> Response:
    data = _load(EvaluatorsSchema())
    state = _sandbox().state
    change = state.assign_evaluators if action == "assign" else state.unassign_evaluators
    assigned = change(proposal_id, data["evaluators"], by=data["by"])
    return jsonify({"evaluators": [user_dict(u) for u in assigned]})


@blueprint.post("/proposals/<int:proposal_id>/notes")
def create_note(proposal_id: int) -> Response:
    data = _load(NoteSchema())
    state = _sandbox().state
    note = state.create_note(proposal_id, data["body"], by=data["by"])
    response = jsonify(note_dict(state, note))
    response.status_code = 201
    return response


@blueprint.post("/proposals/<int:proposal_id>/hide")
def hide(proposal_id: int) -> Response:
    payload = request.get_json(silent=True) or {}
    state = _sandbox().state
    proposal = state.hide_proposal(proposal_id, bool(payload.get("hidden", True)))
    return jsonify(proposal_summary(state, proposal))


@blueprint.post("/proposals/<int:proposal_id>/comments")
def resident_comment(proposal_id: int) -> Response:
    data = _load(ResidentCommentSchema())
    state = _sandbox().state
    comment = state.comment_as_resident(
        proposal_id, data["user_id"], data["body"], alignment=data["alignment"]
    )
    if comment is None:
        return _problem(422, "Decidim refused the comment (comments closed, empty or too long)")
    response = jsonify(comment_dict(comment))
    response.status_code = 201
    return response


@blueprint.post("/components/<int:component_id>/settings")
def component_settings(component_id: int) -> Response:
    data = _load(SettingsSchema())
    settings = _sandbox().state.set_component_settings(component_id, **data)
    return jsonify(vars(settings))


@blueprint.post("/api_users")
def add_api_user() -> Response:
    data = _load(ApiUserSchema())
    user = _sandbox().state.add_api_user(
        data["key"],
        data["secret"],
        name=data["name"],
        nickname=data["nickname"],
        admin=data["admin"],
    )
    response = jsonify({"id": user.id, "name": user.name, "nickname": user.nickname})
    response.status_code = 201
    return response


@blueprint.post("/replay")
def replay() -> Response:
    actions = _sandbox().state.replay_staged()
    return jsonify(
        {"replayed": [{"action": a.action, "proposal_id": a.proposal_id} for a in actions]}
    )


@blueprint.post("/reset")
def reset() -> Response:
    _sandbox().reset()
    return jsonify({"status": "reset"})


# --- faults, journal, webhooks -------------------------------------------------------------


@blueprint.get("/faults")
def list_faults() -> Response:
    return jsonify({"faults": [f.to_dict() for f in _sandbox().state.faults.pending()]})


@blueprint.post("/faults")
def add_fault() -> Response:
    data = _load(FaultSchema())
    fault = _sandbox().state.faults.add(Fault(**data))
    response = jsonify(fault.to_dict())
    response.status_code = 201
    return response


@blueprint.delete("/faults")
def clear_faults() -> Response:
    _sandbox().state.faults.clear()
    return jsonify({"faults": []})


@blueprint.post("/down")
def down() -> Response:
    payload = request.get_json(silent=True) or {}
    is_down = bool(payload.get("down", True))
    _sandbox().state.faults.set_down(is_down)
    return jsonify({"down": is_down})


@blueprint.get("/journal")
def journal() -> Response:
    since = request.args.get("since", default=0, type=int)
    entries = _sandbox().state.journal.entries(since=since)
    return jsonify({"entries": [e.to_dict() for e in entries]})


@blueprint.get("/webhooks")
def webhooks() -> Response:
    emitter = _sandbox().emitter
    deliveries = emitter.deliveries() if emitter is not None else []
    return jsonify(
        {
            "configured": emitter is not None,
            "url": emitter.url if emitter is not None else None,
            "deliveries": [d.to_dict() for d in deliveries],
        }
    )


@blueprint.post("/webhooks/flush")
def flush_webhooks() -> Response:
    payload = request.get_json(silent=True) or {}
    timeout = float(payload.get("timeout", 10.0))
    emitter = _sandbox().emitter
    if emitter is None:
        return jsonify({"flushed": True, "pending": 0})
    emitter.retry_now()
    flushed = emitter.flush(timeout=min(max(timeout, 0.0), 120.0))
    return jsonify({"flushed": flushed, "pending": emitter.pending_count()})
