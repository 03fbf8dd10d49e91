"""The ``extra`` of the Decidim module's admin events, validated (``webhooks/decidim/API.md``).

The module reports what a person did in Decidim's admin: a private note, evaluators
assigned or taken off, an answer saved (published or internal). Intake checks the
``extra`` of these four types when the delivery arrives, so a malformed one is a 422 for
the sender, never a surprise for the worker; ``admin_action`` turns it into plain data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import EXCLUDE, Schema, fields, validate

from decidim_bridge.errors import SchemaViolation
from decidim_bridge.events import Event
from decidim_bridge.intake.envelope import IdField, load

NOTE_CREATED = "decidim.bridge.proposal_note_created"
EVALUATORS_ASSIGNED = "decidim.bridge.proposal_evaluators_assigned"
EVALUATORS_UNASSIGNED = "decidim.bridge.proposal_evaluators_unassigned"
ANSWER_SAVED = "decidim.bridge.proposal_answer_saved"

#: Every admin event type of the Decidim module.
ADMIN_EVENT_TYPES: tuple[str, ...] = (
    NOTE_CREATED,
    EVALUATORS_ASSIGNED,
    EVALUATORS_UNASSIGNED,
    ANSWER_SAVED,
)

#: A private note longer than this is not a steering note (Decidim's own limit is lower).
MAX_NOTE_LENGTH = 20_000


class _Base(Schema):
    class Meta:
        unknown = EXCLUDE


class ActorSchema(_Base):
    id = IdField(load_default=None, allow_none=True)
    nickname = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    api_user = fields.Boolean(load_default=False)
    roles = fields.List(fields.String(validate=validate.Length(max=50)), load_default=list)


class UserSchema(_Base):
    id = IdField(required=True)
    nickname = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    name = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))


class NoteCreatedSchema(_Base):
    note_id = IdField(required=True)
    body = fields.String(required=True, validate=validate.Length(max=MAX_NOTE_LENGTH))
    author = fields.Nested(ActorSchema, load_default=None, allow_none=True)


class EvaluatorsSchema(_Base):
    evaluators = fields.List(fields.Nested(UserSchema), required=True)
    by = fields.Nested(ActorSchema, load_default=None, allow_none=True)


class AnswerSavedSchema(_Base):
    state = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=100))
    published = fields.Boolean(required=True)
    by = fields.Nested(ActorSchema, load_default=None, allow_none=True)


_SCHEMAS: dict[str, Schema] = {
    NOTE_CREATED: NoteCreatedSchema(),
    EVALUATORS_ASSIGNED: EvaluatorsSchema(),
    EVALUATORS_UNASSIGNED: EvaluatorsSchema(),
    ANSWER_SAVED: AnswerSavedSchema(),
}


@dataclass(frozen=True)
class AdminAction:
    """What a person (or the bridge's API user) did in Decidim's admin.

    ``actor`` is the person as the module describes them (``id``, ``nickname``, ``name``,
    ``api_user``, ``roles``), the shape the steering functions read; None when Decidim
    recorded nobody. ``evaluators`` are ``{"id", "nickname", "name"}``.
    """

    type: str
    actor: dict[str, Any] | None
    note_id: str | None = None
    body: str | None = None
    evaluators: tuple[dict[str, Any], ...] = ()
    state: str | None = None
    published: bool | None = None

    @property
    def by_the_bridge(self) -> bool:
        """The bridge's own write, reported back (its API user): never a person's choice."""
        return bool(self.actor and self.actor.get("api_user"))


def admin_action(event: Event) -> AdminAction:
    """The admin action an event of ``ADMIN_EVENT_TYPES`` reports; ``SchemaViolation``
    (422, naming the field) when its ``extra`` is malformed (intake checks it so)."""
    data = _load(event.type, event.extra)
    if event.type == NOTE_CREATED:
        return AdminAction(event.type, data["author"], note_id=data["note_id"], body=data["body"])
    if event.type == ANSWER_SAVED:
        return AdminAction(event.type, data["by"], state=data["state"], published=data["published"])
    return AdminAction(event.type, data["by"], evaluators=tuple(data["evaluators"]))


def _load(event_type: str, extra: Any) -> dict[str, Any]:
    schema = _SCHEMAS.get(event_type)
    if schema is None:
        raise ValueError(f"{event_type} is not an admin event of the Decidim module")
    try:
        return load(schema, extra)
    except SchemaViolation as exc:  # the same checks as for the body, reported under extra
        raise SchemaViolation(
            f"The extra of {event_type} does not match the Decidim module's contract.",
            errors={"extra": exc.errors},
        ) from exc
