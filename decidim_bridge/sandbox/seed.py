"""Load the seed data file (``data/lindeburg.yaml``) into a ``SandboxState``.

The file is validated with marshmallow; a bad file raises ``SeedError`` naming the problem.
``staged=True`` is the demo's mode: proposals the file marks as published are loaded as drafts
and their publication (and later withdrawal or answer) becomes ``state.staged``, so that
``state.replay_staged()`` publishes them and the webhook emitter reports each step.
"""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from marshmallow import EXCLUDE, Schema, ValidationError, fields, validate

from decidim_bridge.sandbox.model import (
    ASSEMBLY_CLASS,
    PROCESS_CLASS,
    SPACE_ROLES,
    ApiUser,
    Comment,
    Component,
    ComponentSettings,
    Organization,
    Proposal,
    ProposalStateDef,
    Space,
    SpaceRole,
    Taxonomy,
    User,
)
from decidim_bridge.sandbox.model import PROPOSAL_CLASS as _PROPOSAL
from decidim_bridge.sandbox.state import SandboxState, StagedAction

DEFAULT_SEED = "lindeburg.yaml"


class SeedError(ValueError):
    """Raised when a seed file cannot be read or does not match the seed schema."""


class _Base(Schema):
    class Meta:
        unknown = EXCLUDE


_Texts = fields.Dict(keys=fields.String(), values=fields.String())


class _Org(_Base):
    name = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    host = fields.String(load_default="localhost")
    reference_prefix = fields.String(load_default="LB")
    available_locales = fields.List(fields.String(), load_default=lambda: ["nl", "en"])
    default_locale = fields.String(load_default="nl")
    time_zone = fields.String(load_default="Europe/Amsterdam")
    comments_max_length = fields.Integer(load_default=1000)


class _Person(_Base):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    nickname = fields.String(required=True)
    admin = fields.Boolean(load_default=True)


class _User(_Base):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    nickname = fields.String(required=True)
    admin = fields.Boolean(load_default=False)


class _SpaceRole(_Base):
    user_id = fields.Integer(required=True)
    space_id = fields.Integer(required=True)
    role = fields.String(required=True, validate=validate.OneOf(SPACE_ROLES))


class _Child(_Base):
    id = fields.Integer(required=True)
    name = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class _RootTaxonomy(_Child):
    children = fields.List(fields.Nested(_Child), load_default=list)


class _Space(_Base):
    id = fields.Integer(required=True)
    type = fields.String(required=True, validate=validate.OneOf([PROCESS_CLASS, ASSEMBLY_CLASS]))
    slug = fields.String(required=True)
    title = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    subtitle = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)
    published_at = fields.AwareDateTime(load_default=None, allow_none=True)


class _Settings(_Base):
    answering_enabled = fields.Boolean(load_default=True)
    publish_answers_immediately = fields.Boolean(load_default=True)
    comments_enabled = fields.Boolean(load_default=True)
    comments_blocked = fields.Boolean(load_default=False)
    answers_with_costs = fields.Boolean(load_default=False)
    votes_hidden = fields.Boolean(load_default=False)


class _Component(_Base):
    id = fields.Integer(required=True)
    space_id = fields.Integer(required=True)
    manifest = fields.String(
        required=True, validate=validate.OneOf(["proposals", "meetings", "pages"])
    )
    name = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    weight = fields.Integer(load_default=0)
    published_at = fields.AwareDateTime(load_default=None, allow_none=True)
    settings = fields.Nested(_Settings, load_default=dict)


class _State(_Base):
    token = fields.String(required=True)
    title = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    announcement_title = fields.Dict(
        keys=fields.String(), values=fields.String(), load_default=dict
    )
    bg_color = fields.String(load_default="")
    text_color = fields.String(load_default="")


class _Answer(_Base):
    state = fields.String(required=True)
    answer = fields.Dict(keys=fields.String(), values=fields.String(), load_default=dict)
    answered_at = fields.AwareDateTime(required=True)


class _Proposal(_Base):
    id = fields.Integer(required=True)
    component_id = fields.Integer(required=True)
    author_id = fields.Integer(load_default=None, allow_none=True)
    title = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    body = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    address = fields.String(load_default=None, allow_none=True)
    latitude = fields.Float(load_default=None, allow_none=True)
    longitude = fields.Float(load_default=None, allow_none=True)
    taxonomies = fields.List(fields.Integer(), load_default=list)
    published = fields.Boolean(load_default=True)
    published_at = fields.AwareDateTime(load_default=None, allow_none=True)
    withdrawn_at = fields.AwareDateTime(load_default=None, allow_none=True)
    hidden = fields.Boolean(load_default=False)
    vote_count = fields.Integer(load_default=0)
    answer = fields.Nested(_Answer, load_default=None, allow_none=True)


class _Comment(_Base):
    id = fields.Integer(required=True)
    proposal_id = fields.Integer(required=True)
    author_id = fields.Integer(required=True)
    body = fields.Dict(keys=fields.String(), values=fields.String(), required=True)
    alignment = fields.Integer(load_default=0, validate=validate.OneOf([-1, 0, 1]))
    created_at = fields.AwareDateTime(required=True)


class SeedSchema(_Base):
    organization = fields.Nested(_Org, required=True)
    api_users = fields.List(fields.Nested(_Person), load_default=list)
    users = fields.List(fields.Nested(_User), load_default=list)
    space_roles = fields.List(fields.Nested(_SpaceRole), load_default=list)
    taxonomies = fields.List(fields.Nested(_RootTaxonomy), load_default=list)
    spaces = fields.List(fields.Nested(_Space), load_default=list)
    proposal_states = fields.List(fields.Nested(_State), load_default=list)
    components = fields.List(fields.Nested(_Component), load_default=list)
    proposals = fields.List(fields.Nested(_Proposal), load_default=list)
    comments = fields.List(fields.Nested(_Comment), load_default=list)


def read_seed(path: Path | None = None) -> dict[str, Any]:
    """The validated seed data (the packaged Lindeburg file unless ``path`` is given)."""
    try:
        if path is None:
            text = resources.files("decidim_bridge.sandbox").joinpath("data").joinpath(DEFAULT_SEED)
            raw = yaml.safe_load(text.read_text(encoding="utf-8"))
        else:
            raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise SeedError(f"cannot read seed data: {exc}") from exc
    try:
        data: dict[str, Any] = SeedSchema().load(raw if isinstance(raw, dict) else {})
    except ValidationError as exc:
        raise SeedError(f"invalid seed data: {exc.messages_dict}") from exc
    _check_references(data)
    return data


def _check_references(data: dict[str, Any]) -> None:
    spaces = {s["id"] for s in data["spaces"]}
    components = {c["id"] for c in data["components"]}
    users = {u["id"] for u in data["users"]}
    taxonomies = {t["id"] for t in data["taxonomies"]} | {
        c["id"] for t in data["taxonomies"] for c in t["children"]
    }
    proposals = {p["id"] for p in data["proposals"]}
    problems = [
        f"component {c['id']}: unknown space {c['space_id']}"
        for c in data["components"]
        if c["space_id"] not in spaces
    ]
    for p in data["proposals"]:
        if p["component_id"] not in components:
            problems.append(f"proposal {p['id']}: unknown component {p['component_id']}")
        if p["author_id"] is not None and p["author_id"] not in users:
            problems.append(f"proposal {p['id']}: unknown author {p['author_id']}")
        problems += [
            f"proposal {p['id']}: unknown taxonomy {t}"
            for t in p["taxonomies"]
            if t not in taxonomies
        ]
        if p["published"] and p["published_at"] is None:
            problems.append(f"proposal {p['id']}: published_at is required when published")
    for r in data["space_roles"]:
        if r["user_id"] not in users:
            problems.append(f"space role: unknown user {r['user_id']}")
        if r["space_id"] not in spaces:
            problems.append(f"space role: unknown space {r['space_id']}")
    nicknames = [u["nickname"] for u in data["users"]]
    problems += [
        f"nickname {n} is used twice" for n in sorted(set(nicknames)) if nicknames.count(n) > 1
    ]
    problems += [
        f"comment {c['id']}: unknown proposal {c['proposal_id']}"
        for c in data["comments"]
        if c["proposal_id"] not in proposals
    ]
    if problems:
        raise SeedError("invalid seed data: " + "; ".join(problems))


def load_seed(
    state: SandboxState,
    data: dict[str, Any] | None = None,
    *,
    staged: bool = False,
    api_key: str,
    api_secret: str,
) -> SandboxState:
    """Fill ``state`` from the seed. The first seeded API user gets ``api_key``/``api_secret``."""
    data = data if data is not None else read_seed()
    with state.lock:
        org = data["organization"]
        state.organization = Organization(
            **{**org, "available_locales": tuple(org["available_locales"])}
        )
        for u in data["users"]:
            state.users[u["id"]] = User(u["id"], u["name"], u["nickname"], admin=u["admin"])
        state.space_roles = [
            SpaceRole(r["user_id"], r["space_id"], r["role"]) for r in data["space_roles"]
        ]
        for index, u in enumerate(data["api_users"]):
            key = api_key if index == 0 else f"{api_key}-{u['id']}"
            state.api_users[u["id"]] = ApiUser(
                u["id"], u["name"], u["nickname"], key, api_secret, u["admin"]
            )
        for weight, root in enumerate(data["taxonomies"]):
            state.taxonomies[root["id"]] = Taxonomy(root["id"], root["name"], None, weight)
            for child_weight, child in enumerate(root["children"]):
                state.taxonomies[child["id"]] = Taxonomy(
                    child["id"], child["name"], root["id"], child_weight
                )
        for s in data["spaces"]:
            published = _epoch(s["published_at"])
            state.spaces[s["id"]] = Space(
                s["id"],
                s["type"],
                s["slug"],
                s["title"],
                s["subtitle"],
                published,
                created_at=published or 0.0,
            )
        state.proposal_states = [
            ProposalStateDef(id=i + 1, **s) for i, s in enumerate(data["proposal_states"])
        ]
        for c in data["components"]:
            published = _epoch(c["published_at"])
            state.components[c["id"]] = Component(
                c["id"],
                c["space_id"],
                c["manifest"],
                c["name"],
                c["weight"],
                published,
                created_at=published or 0.0,
                updated_at=published or 0.0,
                settings=ComponentSettings(**c["settings"]),
            )
        ordered = sorted(data["proposals"], key=lambda p: (_epoch(p["published_at"]) or 0, p["id"]))
        for p in ordered:
            _load_proposal(state, p, staged=staged)
        for c in data["comments"]:
            created = _epoch(c["created_at"]) or 0.0
            state.comments[c["id"]] = Comment(
                id=c["id"],
                commentable_type=_PROPOSAL,
                commentable_id=c["proposal_id"],
                root_proposal_id=c["proposal_id"],
                body=c["body"],
                author_id=c["author_id"],
                alignment=c["alignment"],
                created_at=created,
                updated_at=created,
            )
        state.changes += 1
    return state


def _load_proposal(state: SandboxState, p: dict[str, Any], *, staged: bool) -> None:
    published_at = _epoch(p["published_at"]) if p["published"] else None
    created = (published_at or _epoch(p.get("published_at")) or state.clock()) - 3600
    proposal = Proposal(
        id=p["id"],
        component_id=p["component_id"],
        title=p["title"],
        body=p["body"],
        author_id=p["author_id"],
        address=p["address"],
        latitude=p["latitude"],
        longitude=p["longitude"],
        taxonomy_ids=list(p["taxonomies"]),
        created_at=created,
        updated_at=published_at or created,
        published_at=published_at,
        hidden=p["hidden"],
        vote_count=p["vote_count"],
    )
    state.proposals[proposal.id] = proposal
    answer = p["answer"]
    withdrawn = _epoch(p["withdrawn_at"])
    if staged and published_at is not None and not p["hidden"]:
        proposal.published_at = None
        proposal.updated_at = created
        state.staged.append(StagedAction("publish", proposal.id))
        if answer is not None:
            state.staged.append(
                StagedAction(
                    "answer", proposal.id, {"state": answer["state"], "answer": answer["answer"]}
                )
            )
        if withdrawn is not None:
            state.staged.append(StagedAction("withdraw", proposal.id))
        return
    if answer is not None:
        answered = _epoch(answer["answered_at"])
        proposal.internal_state = answer["state"]
        proposal.answer = dict(answer["answer"])
        proposal.answered_at = answered
        proposal.state_published_at = answered
        proposal.updated_at = max(proposal.updated_at, answered or 0)
    if withdrawn is not None:
        proposal.withdrawn_at = withdrawn
        proposal.updated_at = max(proposal.updated_at, withdrawn)


def _epoch(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None
