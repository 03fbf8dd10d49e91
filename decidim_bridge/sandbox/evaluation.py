"""The admin side of a proposal: evaluator roles and assignments, private notes, answer events.

What the decidim-bridge Decidim module (``webhooks/decidim/API.md``) reads and writes, and the
``decidim.bridge.*`` events it sends. ``EvaluationMixin`` is part of ``SandboxState``; its
methods serve both the API extensions (called with the signed-in ``ApiUser`` as ``by``) and the
emulation of what a person does in Decidim's admin (called with a user's nickname or id).

Refusals are Decidim's API errors (``api_errors.ApiError``): ``NOT_FOUND_ERROR`` for a user or
proposal that does not exist, ``VALIDATION_ERROR`` for a user without the evaluator role or an
empty note, ``MUTATION_NOT_AUTHORIZED_ERROR`` for a person whose roles do not allow the action.

Every change that Decidim records in its action log takes the next action log id; the event's
``webhook-id`` is ``decidim-bridge-<type>-<action log id>`` (``-<note id>`` for notes, the type
without ``decidim.bridge.``, e.g. ``decidim-bridge-proposal_note_created-3``), so it is the same
on every retry. The counters survive ``Sandbox.reset`` so that ids are never reused.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from decidim_bridge.decidim import error_codes
from decidim_bridge.sandbox import api_errors
from decidim_bridge.sandbox.model import (
    SPACE_ROLES,
    ApiUser,
    Component,
    Proposal,
    ProposalNote,
    SpaceRole,
    User,
)

BRIDGE_PREFIX = "decidim.bridge."
NOTE_CREATED = BRIDGE_PREFIX + "proposal_note_created"
EVALUATORS_ASSIGNED = BRIDGE_PREFIX + "proposal_evaluators_assigned"
EVALUATORS_UNASSIGNED = BRIDGE_PREFIX + "proposal_evaluators_unassigned"
ANSWER_SAVED = BRIDGE_PREFIX + "proposal_answer_saved"

ORGANIZATION_ADMIN = "organization_admin"

#: A person in the Python API and the console: a nickname (without ``@``), an id, or the record.
PersonRef = str | int | User | ApiUser


def webhook_id(event_type: str, record_id: int) -> str:
    """The module's stable ``webhook-id`` of an event (action log id, or note id for notes).

    The type goes in without its ``decidim.bridge.`` prefix: a Standard Webhooks id must not
    contain a dot (the signed text is ``<id>.<timestamp>.<body>``; the bridge refuses one).
    """
    return f"decidim-bridge-{event_type.removeprefix(BRIDGE_PREFIX)}-{record_id}"


class EvaluationMixin:
    """Evaluators, notes and answer events of ``SandboxState`` (see the module docstring)."""

    # Provided by SandboxState.
    lock: threading.RLock
    clock: Callable[[], float]
    users: dict[int, User]
    api_users: dict[int, ApiUser]
    components: dict[int, Component]
    proposals: dict[int, Proposal]
    space_roles: list[SpaceRole]
    notes: dict[int, ProposalNote]
    sequences: dict[str, int]

    def _emit_bridge(
        self, event_type: str, proposal: Proposal, now: float, record_id: int, extra: dict[str, Any]
    ) -> None:
        raise NotImplementedError

    def _changed(self) -> None:
        raise NotImplementedError

    # --- people and roles ----------------------------------------------------------------

    def user_by_nickname(self, nickname: str) -> User | None:
        with self.lock:
            return next(
                (u for u in self.users.values() if u.nickname == nickname and not u.deleted), None
            )

    def person(self, ref: PersonRef) -> User | ApiUser:
        """The user (or API user) a reference names; ``NOT_FOUND_ERROR`` when there is none."""
        with self.lock:
            if isinstance(ref, (User, ApiUser)):
                return ref
            found: User | ApiUser | None
            if isinstance(ref, int) or (isinstance(ref, str) and ref.isdigit()):
                found = self.users.get(int(ref)) or self.api_users.get(int(ref))
            else:
                found = self.user_by_nickname(ref) or next(
                    (a for a in self.api_users.values() if a.nickname == ref), None
                )
            if found is None or getattr(found, "deleted", False):
                raise _user_not_found(ref)
            return found

    def grant_space_role(self, user: PersonRef, space_id: int, role: str) -> SpaceRole:
        """Give a user a role in a participatory space (as an admin does under "Space users")."""
        if role not in SPACE_ROLES:
            raise ValueError(f"unknown space role {role!r}; use one of {', '.join(SPACE_ROLES)}")
        with self.lock:
            person = self.person(user)
            granted = SpaceRole(person.id, int(space_id), role)
            if granted not in self.space_roles:
                self.space_roles.append(granted)
                self._changed()
            return granted

    def revoke_space_role(self, user: PersonRef, space_id: int, role: str) -> None:
        with self.lock:
            revoked = SpaceRole(self.person(user).id, int(space_id), role)
            if revoked in self.space_roles:
                self.space_roles.remove(revoked)
                self._changed()

    def roles_in(self, person: User | ApiUser, space_id: int) -> list[str]:
        """The actor's ``roles`` in a space: ``organization_admin`` first, then space roles."""
        with self.lock:
            roles = [ORGANIZATION_ADMIN] if person.admin else []
            if isinstance(person, User):
                held = {
                    r.role
                    for r in self.space_roles
                    if r.user_id == person.id and r.space_id == space_id
                }
                roles += [r for r in SPACE_ROLES if r in held]
            return roles

    def actor(self, person: User | ApiUser | None, proposal: Proposal) -> dict[str, Any] | None:
        """The contract's actor object for events (``None``: Decidim recorded no user)."""
        if person is None:
            return None
        return {
            **_user_dict(person),
            "api_user": isinstance(person, ApiUser),
            "roles": self.roles_in(person, self._space_id(proposal)),
        }

    # --- reading -------------------------------------------------------------------------

    def admin_proposal(self, proposal_id: Any) -> Proposal | None:
        """Any proposal of the organization (drafts and hidden ones too: admins see them)."""
        with self.lock:
            try:
                return self.proposals.get(int(str(proposal_id).strip()))
            except ValueError:
                return None

    def evaluators_of(self, proposal_id: int) -> list[User]:
        """The users assigned as evaluator, in the order they were assigned."""
        with self.lock:
            proposal = self.proposals[int(proposal_id)]
            return [self.users[i] for i in proposal.evaluator_ids if i in self.users]

    def notes_on(self, proposal_id: int) -> list[ProposalNote]:
        """Private notes on a proposal, oldest first."""
        with self.lock:
            found = [n for n in self.notes.values() if n.proposal_id == int(proposal_id)]
            return sorted(found, key=lambda n: (n.created_at, n.id))

    def note_author(self, note: ProposalNote) -> User | ApiUser | None:
        table: dict[int, Any] = self.api_users if note.author_is_api_user else self.users
        return table.get(note.author_id)

    # --- writing (the module's commands) -------------------------------------------------

    def assign_evaluators(
        self, proposal_id: int, evaluators: Iterable[PersonRef], *, by: PersonRef | None = None
    ) -> list[User]:
        """Assign evaluators (``Admin::AssignProposalsToEvaluator``); emits
        ``proposal_evaluators_assigned`` for those not assigned before.

        Each must hold the evaluator role in the proposal's space; when one is refused nothing
        is assigned. Returns the proposal's evaluators after the change.
        """
        with self.lock:
            proposal = self.proposals[int(proposal_id)]
            actor = self._acting(by, proposal, allowed=_may_assign)
            users = self._evaluator_users(evaluators)
            space_id = self._space_id(proposal)
            refused = [u for u in users if "evaluator" not in self.roles_in(u, space_id)]
            if refused:
                raise api_errors.ApiError(
                    error_codes.VALIDATION,
                    "; ".join(
                        f"{u.name} (@{u.nickname}) holds no evaluator role in this space"
                        for u in refused
                    ),
                )
            added = [u for u in users if u.id not in proposal.evaluator_ids]
            if added:
                proposal.evaluator_ids.extend(u.id for u in added)
                self._evaluators_changed(EVALUATORS_ASSIGNED, proposal, added, actor)
            return self.evaluators_of(proposal.id)

    def unassign_evaluators(
        self, proposal_id: int, evaluators: Iterable[PersonRef], *, by: PersonRef | None = None
    ) -> list[User]:
        """Unassign evaluators (``UnassignProposalsFromEvaluator``); emits
        ``proposal_evaluators_unassigned`` for those that were assigned. Returns the rest."""
        with self.lock:
            proposal = self.proposals[int(proposal_id)]
            actor = self._acting(by, proposal, allowed=_may_assign)
            users = self._evaluator_users(evaluators)
            removed = [u for u in users if u.id in proposal.evaluator_ids]
            if removed:
                gone = {u.id for u in removed}
                proposal.evaluator_ids = [i for i in proposal.evaluator_ids if i not in gone]
                self._evaluators_changed(EVALUATORS_UNASSIGNED, proposal, removed, actor)
            return self.evaluators_of(proposal.id)

    def create_note(self, proposal_id: int, body: str, *, by: PersonRef) -> ProposalNote:
        """A private note authored by ``by`` (``Admin::CreateProposalNote``); emits
        ``proposal_note_created``. An empty body is a ``VALIDATION_ERROR``."""
        with self.lock:
            proposal = self.proposals[int(proposal_id)]
            author = self._acting(by, proposal, allowed=_may_note)
            if author is None:
                raise ValueError("a note needs an author")
            if not body or not body.strip():
                raise api_errors.ApiError(error_codes.VALIDATION, "Body cannot be blank")
            now = self.clock()
            note = ProposalNote(
                id=self._next("note"),
                proposal_id=proposal.id,
                body=body,
                author_id=author.id,
                author_is_api_user=isinstance(author, ApiUser),
                created_at=now,
            )
            self.notes[note.id] = note
            self._changed()
            extra = {
                "note_id": str(note.id),
                "body": note.body,
                "author": self.actor(author, proposal),
            }
            self._emit_bridge(NOTE_CREATED, proposal, now, note.id, extra)
            return note

    def _answer_saved(self, proposal: Proposal, by: User | ApiUser | None, now: float) -> None:
        """Emit ``proposal_answer_saved`` after an answer was saved or published."""
        extra = {
            "state": proposal.answer_state,
            "published": proposal.answer_published,
            "by": self.actor(by, proposal),
        }
        self._emit_bridge(ANSWER_SAVED, proposal, now, self._next("action_log"), extra)

    # --- helpers -------------------------------------------------------------------------

    def _acting(
        self,
        by: PersonRef | None,
        proposal: Proposal,
        *,
        allowed: Callable[[list[str], bool], bool],
    ) -> User | ApiUser | None:
        """The person doing an admin action, refused unless their roles allow it."""
        if by is None:
            return None
        person = self.person(by)
        roles = self.roles_in(person, self._space_id(proposal))
        if not allowed(roles, person.id in proposal.evaluator_ids):
            raise api_errors.not_authorized()
        return person

    def may_answer(self, by: PersonRef | None, proposal: Proposal) -> User | ApiUser | None:
        """The person answering in the admin (admins, space admins, assigned evaluators)."""
        return self._acting(by, proposal, allowed=_may_note)

    def _evaluator_users(self, refs: Iterable[PersonRef]) -> list[User]:
        users: list[User] = []
        for ref in refs:
            person = self.person(ref)
            if not isinstance(person, User):
                raise _user_not_found(ref)
            if person not in users:
                users.append(person)
        if not users:
            raise api_errors.ApiError(error_codes.VALIDATION, "Give at least one user")
        return users

    def _evaluators_changed(
        self, event_type: str, proposal: Proposal, users: list[User], actor: User | ApiUser | None
    ) -> None:
        now = self.clock()
        proposal.updated_at = now
        self._changed()
        extra = {"evaluators": [_user_dict(u) for u in users], "by": self.actor(actor, proposal)}
        self._emit_bridge(event_type, proposal, now, self._next("action_log"), extra)

    def _space_id(self, proposal: Proposal) -> int:
        return self.components[proposal.component_id].space_id

    def _next(self, sequence: str) -> int:
        self.sequences[sequence] = self.sequences.get(sequence, 0) + 1
        return self.sequences[sequence]


def _may_assign(roles: list[str], assigned: bool) -> bool:
    return ORGANIZATION_ADMIN in roles or "admin" in roles


def _may_note(roles: list[str], assigned: bool) -> bool:
    return _may_assign(roles, assigned) or ("evaluator" in roles and assigned)


def _user_dict(person: User | ApiUser) -> dict[str, str]:
    return {"id": str(person.id), "nickname": person.nickname, "name": person.name}


def _user_not_found(ref: Any) -> api_errors.ApiError:
    shown = ref if isinstance(ref, int) or str(ref).isdigit() else f"@{ref}"
    return api_errors.ApiError(
        error_codes.NOT_FOUND, f"User not found: {shown} is no user of this organization"
    )
