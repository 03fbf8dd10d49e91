"""The sandbox's Decidim: records, the rules Decidim applies to them, and change events.

One ``SandboxState`` per sandbox. Every read and write happens under ``state.lock`` (an
``RLock``), so the HTTP threads, the test thread and the webhook emitter see consistent data.
Writes go through the methods below, which apply Decidim's rules (what is visible through
the API, who may answer, what a valid answer is) and notify listeners with a
``SandboxEvent`` (the webhook emitter is one). Listeners run under the lock and must not
block: they should only queue work.

Python API for tests (all thread-safe)::

    state.proposal(101)                    # the record, whatever its visibility
    state.comments_on(101)                 # comments, oldest first (bridge's and residents')
    state.publish_proposal(114)            # emits decidim.events.proposals.proposal_published
    state.answer_as_admin(101, "accepted", {"nl": "..."}, by="marieke_kok", publish=False)
    state.publish_answer(101, by="marieke_kok")
    state.assign_evaluators(101, ["anouk_devries"], by="marieke_kok")   # evaluation.py
    state.create_note(101, "Gebeld met de initiatiefnemer.", by="anouk_devries")
    state.withdraw_proposal(101); state.update_proposal(101, title={"nl": "..."})
    state.faults.fail_next(2, status=503); state.journal.entries()
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from decidim_bridge.decidim import error_codes
from decidim_bridge.sandbox import api_errors
from decidim_bridge.sandbox.evaluation import EvaluationMixin, PersonRef, webhook_id
from decidim_bridge.sandbox.faults import FaultPlan
from decidim_bridge.sandbox.journal import Journal
from decidim_bridge.sandbox.model import (
    COMMENT_CLASS,
    PROPOSAL_CLASS,
    SPACE_PATHS,
    ApiUser,
    Comment,
    Component,
    ComponentSettings,
    Organization,
    Proposal,
    ProposalNote,
    ProposalStateDef,
    Space,
    SpaceRole,
    Taxonomy,
    User,
)

EVENT_PREFIX = "decidim.events."
PUBLISHED = EVENT_PREFIX + "proposals.proposal_published"
STATE_CHANGED = EVENT_PREFIX + "proposals.proposal_state_changed"
WITHDRAWN = EVENT_PREFIX + "proposals.proposal_withdrawn"
UPDATED = EVENT_PREFIX + "proposals.proposal_updated"
COMMENT_CREATED = EVENT_PREFIX + "comments.comment_created"


@dataclass(frozen=True)
class SandboxEvent:
    """Something that happened to a resource, as Decidim's notifications would report it."""

    type: str
    occurred_at: float
    resource_type: str
    resource_id: int
    component_id: int
    space_id: int
    proposal_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: The ``webhook-id`` the sender uses (stable across retries); None: a fresh one per event.
    webhook_id: str | None = None


@dataclass(frozen=True)
class StagedAction:
    """A step of the seed replay: ``publish``, ``withdraw`` or ``answer`` a proposal."""

    action: str
    proposal_id: int
    data: dict[str, Any] = field(default_factory=dict)


Listener = Callable[[SandboxEvent], None]


class SandboxState(EvaluationMixin):
    """The in-memory Decidim organization the sandbox serves (see the module docstring)."""

    def __init__(
        self,
        organization: Organization | None = None,
        *,
        clock: Callable[[], float] = time.time,
        base_url: str = "http://localhost:3000",
    ) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.base_url = base_url.rstrip("/")
        self.organization = organization or Organization(name={"nl": "Gemeente Lindeburg"})
        self.users: dict[int, User] = {}
        self.api_users: dict[int, ApiUser] = {}
        self.taxonomies: dict[int, Taxonomy] = {}
        self.spaces: dict[int, Space] = {}
        self.components: dict[int, Component] = {}
        self.proposal_states: list[ProposalStateDef] = []
        self.proposals: dict[int, Proposal] = {}
        self.comments: dict[int, Comment] = {}
        self.space_roles: list[SpaceRole] = []
        self.notes: dict[int, ProposalNote] = {}
        #: Last ids of Decidim's action log and of private notes (never reused, see reset).
        self.sequences: dict[str, int] = {"action_log": 0, "note": 0}
        self.staged: list[StagedAction] = []
        self.faults = FaultPlan()
        self.journal = Journal()
        self.changes = 0
        self._listeners: list[Listener] = []

    # --- listeners -----------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        with self.lock:
            self._listeners.append(listener)

    def unsubscribe(self, listener: Listener) -> None:
        with self.lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def _emit(self, event: SandboxEvent) -> None:
        for listener in list(self._listeners):
            listener(event)

    def _changed(self) -> None:
        self.changes += 1

    def _emit_bridge(
        self, event_type: str, proposal: Proposal, now: float, record_id: int, extra: dict[str, Any]
    ) -> None:
        """Emit one of the module's events, with its stable ``webhook-id``."""
        event = self._proposal_event(event_type, proposal, now, extra=extra)
        self._emit(replace(event, webhook_id=webhook_id(event_type, record_id)))

    # --- records -------------------------------------------------------------------------

    def add_api_user(
        self,
        key: str,
        secret: str,
        *,
        name: str,
        nickname: str,
        admin: bool = True,
        id: int | None = None,
    ) -> ApiUser:
        """Create API credentials, as a system admin does in /system."""
        with self.lock:
            new_id = id if id is not None else self._next_id(self.api_users, start=900)
            api_user = ApiUser(new_id, name, nickname, key, secret, admin)
            self.api_users[new_id] = api_user
            self._changed()
            return api_user

    def api_user_by_key(self, key: str) -> ApiUser | None:
        with self.lock:
            return next((u for u in self.api_users.values() if u.key == key), None)

    def api_user(self, user_id: int) -> ApiUser | None:
        with self.lock:
            return self.api_users.get(user_id)

    def proposal(self, proposal_id: int) -> Proposal:
        """The record (published or not); ``KeyError`` when it does not exist."""
        with self.lock:
            return self.proposals[int(proposal_id)]

    def comments_on(self, proposal_id: int, *, include_replies: bool = True) -> list[Comment]:
        """Comments on a proposal, oldest first (replies included unless told otherwise)."""
        with self.lock:
            found = [
                c
                for c in self.comments.values()
                if c.root_proposal_id == int(proposal_id)
                and (include_replies or c.commentable_type == PROPOSAL_CLASS)
            ]
            return sorted(found, key=lambda c: (c.created_at, c.id))

    def comments_by_api_users(self) -> list[Comment]:
        with self.lock:
            found = [c for c in self.comments.values() if c.author_is_api_user]
            return sorted(found, key=lambda c: (c.created_at, c.id))

    def states_for(self, component_id: int) -> list[ProposalStateDef]:
        return list(self.proposal_states)

    def state_def(self, token: str | None) -> ProposalStateDef | None:
        return next((s for s in self.proposal_states if s.token == token), None)

    # --- visibility (what the API may show) ----------------------------------------------

    def visible_space(self, space_id: int) -> Space | None:
        with self.lock:
            space = self.spaces.get(int(space_id))
            return space if space is not None and space.published else None

    def visible_spaces(self, space_type: str) -> list[Space]:
        with self.lock:
            return sorted(
                (s for s in self.spaces.values() if s.type == space_type and s.published),
                key=lambda s: s.id,
            )

    def visible_component(self, component_id: Any) -> Component | None:
        with self.lock:
            component = self.components.get(_as_int(component_id))
            if component is None or not component.published:
                return None
            if self.visible_space(component.space_id) is None:
                return None
            return component

    def components_of(self, space_id: int) -> list[Component]:
        with self.lock:
            return sorted(
                (c for c in self.components.values() if c.space_id == space_id and c.published),
                key=lambda c: (c.weight, c.id),
            )

    def visible_proposal(self, proposal_id: Any, component_id: Any = None) -> Proposal | None:
        """A published, not hidden proposal in a published component and space."""
        with self.lock:
            proposal = self.proposals.get(_as_int(proposal_id))
            if proposal is None or not proposal.published or proposal.hidden:
                return None
            if component_id is not None and proposal.component_id != _as_int(component_id):
                return None
            if self.visible_component(proposal.component_id) is None:
                return None
            return proposal

    def visible_proposals(self, component_id: int) -> list[Proposal]:
        with self.lock:
            return [
                p
                for p in sorted(self.proposals.values(), key=lambda p: p.id)
                if p.component_id == component_id
                and self.visible_proposal(p.id, component_id) is not None
            ]

    def visible_comments(self, commentable_type: str, commentable_id: int) -> list[Comment]:
        with self.lock:
            found = [
                c
                for c in self.comments.values()
                if c.commentable_type == commentable_type
                and c.commentable_id == commentable_id
                and not c.hidden
                and not c.deleted
            ]
            return sorted(found, key=lambda c: (c.created_at, c.id))

    def total_comments(self, proposal_id: int) -> int:
        with self.lock:
            return sum(
                1
                for c in self.comments.values()
                if c.root_proposal_id == proposal_id and not c.hidden and not c.deleted
            )

    # --- URLs ----------------------------------------------------------------------------

    def space_of(self, component: Component) -> Space:
        return self.spaces[component.space_id]

    def component_url(self, component: Component) -> str:
        space = self.space_of(component)
        return f"{self.base_url}/{SPACE_PATHS[space.type]}/{space.slug}/f/{component.id}/"

    def proposal_url(self, proposal: Proposal) -> str:
        component = self.components[proposal.component_id]
        return f"{self.component_url(component)}proposals/{proposal.id}"

    def comment_url(self, comment: Comment) -> str:
        proposal = self.proposals[comment.root_proposal_id]
        return f"{self.proposal_url(proposal)}?commentId={comment.id}#comment_{comment.id}"

    def reference(self, proposal: Proposal) -> str:
        """Decidim's reference: organization prefix, resource kind, creation month, id."""
        zone = ZoneInfo(self.organization.time_zone)
        month = datetime.fromtimestamp(proposal.created_at, zone).strftime("%Y-%m")
        return f"{self.organization.reference_prefix}-PROP-{month}-{proposal.id}"

    # --- writes through the API ----------------------------------------------------------

    def add_comment(
        self,
        commentable_type: str,
        commentable_id: Any,
        body: str,
        *,
        author: ApiUser | User,
        alignment: int = 0,
        locale: str | None = None,
    ) -> Comment | None:
        """``addComment``: a new comment, or ``None`` when Decidim's form/command refuses it.

        Raises ``ApiError(NOT_FOUND)`` when the commentable does not exist or is not visible
        and ``InternalServerError`` for a ``type`` that is no commentable class.
        """
        with self.lock:
            if commentable_type not in (PROPOSAL_CLASS, COMMENT_CLASS):
                raise api_errors.InternalServerError(f"uninitialized constant {commentable_type}")
            root = self._commentable_root(commentable_type, commentable_id)
            if root is None:
                raise api_errors.not_found("CommentableMutation")
            component = self.components[root.component_id]
            if not component.settings.comments_enabled or component.settings.comments_blocked:
                return None
            text = body.strip()
            if not text or len(text) > self.organization.comments_max_length:
                return None
            if alignment not in (-1, 0, 1):
                return None
            now = self.clock()
            language = locale if locale in self.organization.available_locales else None
            comment = Comment(
                id=self._next_id(self.comments, start=5001),
                commentable_type=commentable_type,
                commentable_id=_as_int(commentable_id),
                root_proposal_id=root.id,
                body={language or self.organization.default_locale: body},
                author_id=author.id,
                author_is_api_user=isinstance(author, ApiUser),
                alignment=alignment,
                created_at=now,
                updated_at=now,
            )
            self.comments[comment.id] = comment
            root.updated_at = now  # Decidim updates the comments counter with updated_at
            self._changed()
            self._emit(
                SandboxEvent(
                    type=COMMENT_CREATED,
                    occurred_at=now,
                    resource_type=COMMENT_CLASS,
                    resource_id=comment.id,
                    component_id=component.id,
                    space_id=component.space_id,
                    proposal_id=root.id,
                    extra={"commentable": {"type": PROPOSAL_CLASS, "id": str(root.id)}},
                )
            )
            return comment

    def vote_comment(self, comment_id: int, *, up: bool) -> Comment:
        """``upVote``/``downVote`` on a comment (the sandbox counts, it keeps no voters)."""
        with self.lock:
            comment = self.comments[int(comment_id)]
            if up:
                comment.up_votes += 1
            else:
                comment.down_votes += 1
            self._changed()
            return comment

    def _commentable_root(self, commentable_type: str, commentable_id: Any) -> Proposal | None:
        if commentable_type == PROPOSAL_CLASS:
            return self.visible_proposal(commentable_id)
        parent = self.comments.get(_as_int(commentable_id))
        if parent is None or parent.hidden or parent.deleted:
            return None
        return self.visible_proposal(parent.root_proposal_id)

    def answer_proposal(
        self,
        proposal_id: Any,
        *,
        by: ApiUser | None,
        attributes: dict[str, Any],
        component_id: Any = None,
    ) -> Proposal:
        """The ``answer(input:)`` mutation: Decidim's permission check, form and command.

        ``attributes`` uses the GraphQL names (``state``, ``answerContent``, ``cost``,
        ``costReport``, ``executionPeriod``); omitted ones keep the current values.
        """
        with self.lock:
            proposal = self.visible_proposal(proposal_id, component_id)
            if proposal is None:
                raise api_errors.not_found("Proposal")
            component = self._answering(proposal, by)
            return self._apply_answer(proposal, component, attributes, by=by)

    def answer_unless(
        self,
        proposal_id: Any,
        *,
        by: ApiUser | None,
        state: str,
        answer_content: dict[str, Any] | None,
        unless_states: list[str],
    ) -> tuple[Proposal, bool, str | None]:
        """The module's guarded ``answer``: the state check and the answer under one lock
        (the module locks the proposal row); ``(proposal, written, state now)``. The state is
        the saved one (published or not), ``withdrawn`` for a withdrawn proposal."""
        with self.lock:
            proposal = self.proposals[int(proposal_id)]
            component = self._answering(proposal, by)
            current = proposal.saved_state
            if current in unless_states:
                return proposal, False, current
            attributes: dict[str, Any] = {"state": state}
            if answer_content is not None:
                attributes["answerContent"] = answer_content
            try:
                self._apply_answer(proposal, component, attributes, by=by)
            except api_errors.ApiError as refused:
                if refused.code != error_codes.ATTRIBUTE_VALIDATION:
                    raise
                # The module reports the form's refusal as one VALIDATION_ERROR (API.md).
                raise api_errors.ApiError(
                    error_codes.VALIDATION, f"Decidim refused the answer: {refused.message}"
                ) from None
            return proposal, True, proposal.saved_state

    def _answering(self, proposal: Proposal, by: ApiUser | None) -> Component:
        """The proposal's component, once Decidim's answer permission lets ``by`` answer in
        it through the API (an admin API user, answers enabled in the component)."""
        component = self.components[proposal.component_id]
        if by is None or not by.admin or not component.settings.answering_enabled:
            raise api_errors.not_authorized()
        return component

    def _apply_answer(
        self,
        proposal: Proposal,
        component: Component,
        attributes: dict[str, Any],
        *,
        by: User | ApiUser | None = None,
        publish: bool | None = None,
    ) -> Proposal:
        """Decidim's answer form and command; ``publish`` overrides the component's "publish
        answers immediately" (an answer published once stays published, as in Decidim)."""
        org = self.organization
        new_state = attributes.get("state", proposal.internal_state)
        answer = _locale_map(attributes.get("answerContent", proposal.answer), org)
        cost = attributes.get("cost", proposal.cost)
        cost_report = _locale_map(attributes.get("costReport", proposal.cost_report), org)
        period = _locale_map(attributes.get("executionPeriod", proposal.execution_period), org)
        problems: list[tuple[str, str]] = []
        tokens = [s.token for s in self.states_for(component.id)] + ["not_answered"]
        if not new_state:
            problems.append(("internalState", "cannot be blank"))
        elif new_state not in tokens:
            problems.append(("internalState", "is not included in the list"))
        if answer is None or cost_report is None or period is None:
            bad = (
                "answer"
                if answer is None
                else "costReport"
                if cost_report is None
                else ("executionPeriod")
            )
            problems.append((bad, "is invalid"))
        elif new_state == "rejected" and not answer.get(org.default_locale, "").strip():
            problems.append(("answer", "cannot be blank"))
        if component.settings.answers_with_costs and new_state == "accepted":
            if cost is None:
                problems.append(("cost", "cannot be blank"))
            if not (cost_report or {}).get(org.default_locale):
                problems.append(("costReport", "cannot be blank"))
            if not (period or {}).get(org.default_locale):
                problems.append(("executionPeriod", "cannot be blank"))
        if problems:
            raise api_errors.attribute_errors(problems)
        now = self.clock()
        before = proposal.published_state
        proposal.internal_state = new_state
        proposal.answer = answer or {}
        proposal.cost = float(cost) if cost is not None else None
        proposal.cost_report = cost_report or {}
        proposal.execution_period = period or {}
        proposal.answered_by_api_user = by.id if isinstance(by, ApiUser) else None
        if new_state == "not_answered":
            proposal.answered_at = None
            proposal.state_published_at = None
        else:
            proposal.answered_at = now
            if publish is None:
                publish = component.settings.publish_answers_immediately
            if publish and not proposal.answer_published:
                proposal.state_published_at = now
        proposal.updated_at = now
        self._changed()
        after = proposal.published_state
        if after != before and after not in (None, "withdrawn"):
            self._emit(
                self._proposal_event(
                    STATE_CHANGED, proposal, now, extra={"state": after, "previous_state": before}
                )
            )
        self._answer_saved(proposal, by, now)
        return proposal

    def publish_answer(self, proposal_id: int, *, by: PersonRef | None = None) -> Proposal:
        """ "Publish answers" in the admin: an internal answer becomes visible; emits
        ``proposal_state_changed`` and ``decidim.bridge.proposal_answer_saved``."""
        with self.lock:
            proposal = self.proposals[int(proposal_id)]
            actor = self.may_answer(by, proposal)
            if proposal.answer_state is None or proposal.answer_published:
                raise ValueError(f"proposal {proposal.id} has no unpublished answer")
            now = self.clock()
            before = proposal.published_state
            proposal.state_published_at = now
            proposal.updated_at = now
            self._changed()
            after = proposal.published_state
            if after != before and after not in (None, "withdrawn"):
                self._emit(
                    self._proposal_event(
                        STATE_CHANGED,
                        proposal,
                        now,
                        extra={"state": after, "previous_state": before},
                    )
                )
            self._answer_saved(proposal, actor, now)
            return proposal

    # --- what residents and administrators do in Decidim's UI (for tests and the demo) --

    def create_proposal(
        self,
        *,
        component_id: int,
        title: dict[str, str],
        body: dict[str, str],
        author_id: int | None = None,
        address: str | None = None,
        latitude: float | None = None,
        longitude: float | None = None,
        taxonomy_ids: Iterable[int] = (),
        publish: bool = True,
        id: int | None = None,
    ) -> Proposal:
        """A new proposal (published at once unless ``publish=False``, then a draft)."""
        with self.lock:
            if component_id not in self.components:
                raise KeyError(f"no component {component_id}")
            now = self.clock()
            new_id = id if id is not None else self._next_id(self.proposals, start=101)
            if new_id in self.proposals:
                raise ValueError(f"proposal {new_id} exists already")
            proposal = Proposal(
                id=new_id,
                component_id=component_id,
                title=dict(title),
                body=dict(body),
                author_id=author_id,
                address=address,
                latitude=latitude,
                longitude=longitude,
                taxonomy_ids=list(taxonomy_ids),
                created_at=now,
                updated_at=now,
            )
            self.proposals[new_id] = proposal
            self._changed()
            if publish:
                self.publish_proposal(new_id)
            return proposal

    def publish_proposal(self, proposal_id: int) -> Proposal:
        """Publish a draft; emits ``proposal_published``."""
        with self.lock:
            proposal = self.proposals[int(proposal_id)]
            if proposal.published:
                raise ValueError(f"proposal {proposal.id} is published already")
            now = self.clock()
            proposal.published_at = now
            proposal.updated_at = now
            self._changed()
            self._emit(self._proposal_event(PUBLISHED, proposal, now))
            return proposal

    def withdraw_proposal(self, proposal_id: int) -> Proposal:
        """The author withdraws the proposal; emits ``proposal_withdrawn``."""
        with self.lock:
            proposal = self.proposals[int(proposal_id)]
            if not proposal.published or proposal.withdrawn:
                raise ValueError(f"proposal {proposal.id} is not published or withdrawn already")
            now = self.clock()
            proposal.withdrawn_at = now
            proposal.updated_at = now
            self._changed()
            self._emit(self._proposal_event(WITHDRAWN, proposal, now, extra={"state": "withdrawn"}))
            return proposal

    def update_proposal(
        self,
        proposal_id: int,
        *,
        title: dict[str, str] | None = None,
        body: dict[str, str] | None = None,
        address: str | None = None,
        taxonomy_ids: Iterable[int] | None = None,
    ) -> Proposal:
        """The author edits the proposal; emits ``proposal_updated`` when published."""
        with self.lock:
            proposal = self.proposals[int(proposal_id)]
            if title is not None:
                proposal.title = dict(title)
            if body is not None:
                proposal.body = dict(body)
            if address is not None:
                proposal.address = address
            if taxonomy_ids is not None:
                proposal.taxonomy_ids = list(taxonomy_ids)
            now = self.clock()
            proposal.updated_at = now
            self._changed()
            if proposal.published:
                self._emit(self._proposal_event(UPDATED, proposal, now))
            return proposal

    def hide_proposal(self, proposal_id: int, hidden: bool = True) -> Proposal:
        """Moderation: a hidden proposal disappears from the API (no event)."""
        with self.lock:
            proposal = self.proposals[int(proposal_id)]
            proposal.hidden = hidden
            self._changed()
            return proposal

    def answer_as_admin(
        self,
        proposal_id: int,
        state: str,
        answer: dict[str, str] | None = None,
        *,
        by: PersonRef | None = None,
        publish: bool | None = None,
        **attributes: Any,
    ) -> Proposal:
        """A person answers in Decidim's admin UI (same rules as the mutation).

        ``by``: who (an organization or space admin, or an evaluator assigned to the
        proposal; None: nobody recorded). ``publish``: False saves an internal answer,
        True publishes it, None follows the component's "publish answers immediately".
        """
        with self.lock:
            proposal = self.proposals[int(proposal_id)]
            component = self.components[proposal.component_id]
            actor = self.may_answer(by, proposal)
            attrs: dict[str, Any] = {"state": state, **attributes}
            if answer is not None:
                attrs["answerContent"] = answer
            return self._apply_answer(proposal, component, attrs, by=actor, publish=publish)

    def comment_as_resident(
        self, proposal_id: int, user_id: int, body: str, *, alignment: int = 0
    ) -> Comment | None:
        with self.lock:
            return self.add_comment(
                PROPOSAL_CLASS, proposal_id, body, author=self.users[user_id], alignment=alignment
            )

    def set_component_settings(self, component_id: int, **settings: Any) -> ComponentSettings:
        """Change a component's settings, e.g. ``answering_enabled=False``."""
        with self.lock:
            component = self.components[component_id]
            for name, value in settings.items():
                if not hasattr(component.settings, name):
                    raise AttributeError(f"unknown component setting {name!r}")
                setattr(component.settings, name, value)
            self._changed()
            return component.settings

    # --- the seed replay -----------------------------------------------------------------

    def replay_staged(self) -> list[StagedAction]:
        """Run the staged seed actions (publish, withdraw, answer) in order, emitting events."""
        with self.lock:
            actions, self.staged = self.staged, []
            for step in actions:
                if step.action == "publish":
                    self.publish_proposal(step.proposal_id)
                elif step.action == "withdraw":
                    self.withdraw_proposal(step.proposal_id)
                elif step.action == "answer":
                    self.answer_as_admin(
                        step.proposal_id, step.data["state"], step.data.get("answer") or None
                    )
                else:  # pragma: no cover - seed.py only creates the three actions
                    raise ValueError(f"unknown staged action {step.action!r}")
            return actions

    # --- helpers -------------------------------------------------------------------------

    def _proposal_event(
        self, event_type: str, proposal: Proposal, now: float, extra: dict[str, Any] | None = None
    ) -> SandboxEvent:
        component = self.components[proposal.component_id]
        return SandboxEvent(
            type=event_type,
            occurred_at=now,
            resource_type=PROPOSAL_CLASS,
            resource_id=proposal.id,
            component_id=component.id,
            space_id=component.space_id,
            proposal_id=proposal.id,
            extra=dict(extra or {}),
        )

    @staticmethod
    def _next_id(table: dict[int, Any], *, start: int) -> int:
        return max([start - 1, *table]) + 1

    # --- persistence ---------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """Every record as JSON-ready data (the optional ``--state-file``)."""
        with self.lock:
            return {
                "organization": asdict(self.organization),
                "users": [asdict(u) for u in self.users.values()],
                "api_users": [asdict(u) for u in self.api_users.values()],
                "taxonomies": [asdict(t) for t in self.taxonomies.values()],
                "spaces": [asdict(s) for s in self.spaces.values()],
                "components": [asdict(c) for c in self.components.values()],
                "proposal_states": [asdict(s) for s in self.proposal_states],
                "proposals": [asdict(p) for p in self.proposals.values()],
                "comments": [asdict(c) for c in self.comments.values()],
                "space_roles": [asdict(r) for r in self.space_roles],
                "notes": [asdict(n) for n in self.notes.values()],
                "sequences": dict(self.sequences),
                "staged": [asdict(s) for s in self.staged],
            }

    def load_dict(self, data: dict[str, Any]) -> None:
        """Replace every record with ``data`` from ``to_dict`` (no events are emitted)."""
        with self.lock:
            org = dict(data["organization"])
            org["available_locales"] = tuple(org["available_locales"])
            self.organization = Organization(**org)
            self.users = {u["id"]: User(**u) for u in data["users"]}
            self.api_users = {u["id"]: ApiUser(**u) for u in data["api_users"]}
            self.taxonomies = {t["id"]: Taxonomy(**t) for t in data["taxonomies"]}
            self.spaces = {s["id"]: Space(**s) for s in data["spaces"]}
            self.components = {}
            for c in data["components"]:
                settings = ComponentSettings(**c.pop("settings"))
                self.components[c["id"]] = Component(**c, settings=settings)
            self.proposal_states = [ProposalStateDef(**s) for s in data["proposal_states"]]
            self.proposals = {p["id"]: Proposal(**p) for p in data["proposals"]}
            self.comments = {c["id"]: Comment(**c) for c in data["comments"]}
            self.space_roles = [SpaceRole(**r) for r in data.get("space_roles", [])]
            self.notes = {n["id"]: ProposalNote(**n) for n in data.get("notes", [])}
            self.sequences = {"action_log": 0, "note": 0, **data.get("sequences", {})}
            self.staged = [StagedAction(**s) for s in data.get("staged", [])]
            self._changed()


def _as_int(value: Any) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return -1


def _locale_map(value: Any, org: Organization) -> dict[str, str] | None:
    """A translatable attribute: the organization's locales of a ``{locale: text}`` map."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        return None
    return {k: str(v) for k, v in value.items() if k in org.available_locales and v is not None}
