"""GraphQL objects of the decidim-bridge module's API extensions (``proposalAdmin``).

The SDL is ``decidim_bridge/decidim/schema/decidim-bridge-module.graphql``; the contract, with
who may use it and its errors, is ``webhooks/decidim/API.md``. Only API users and organization
admins get through: in the sandbox every caller is an API user, and one created with
``admin=False`` stands for a signed-in account without admin rights (Decidim's API users are
always admins). Anonymous mutations are refused by the mutation root first, as for every
other mutation (``UNAUTHORIZED_OBJECT_ERROR``).
"""

from __future__ import annotations

from typing import Any

from decidim_bridge.sandbox import api_errors
from decidim_bridge.sandbox.model import ApiUser, Proposal, ProposalNote, User
from decidim_bridge.sandbox.view_base import RequestContext, View


def may_administer(ctx: RequestContext) -> bool:
    return ctx.api_user is not None and ctx.api_user.admin


def query_proposal_admin(ctx: RequestContext, id: str) -> ProposalAdminView | None:
    """``Query.proposalAdmin``: null for no proposal of this organization."""
    if not may_administer(ctx):
        raise api_errors.unauthorized_object("ProposalAdmin")
    proposal = ctx.state.admin_proposal(id)
    return ProposalAdminView(ctx, proposal) if proposal is not None else None


def mutation_proposal_admin(ctx: RequestContext, id: str) -> ProposalAdminMutationView:
    """``Mutation.proposalAdmin``: ``NOT_FOUND_ERROR`` for no proposal of this organization."""
    if not may_administer(ctx):
        raise api_errors.not_authorized()
    proposal = ctx.state.admin_proposal(id)
    if proposal is None:
        raise api_errors.not_found("Proposal")
    return ProposalAdminMutationView(ctx, proposal)


class ProposalAdminUserView(View):
    graphql_type = "ProposalAdminUser"

    def __init__(self, ctx: RequestContext, user: User | ApiUser) -> None:
        super().__init__(ctx)
        self.id = str(user.id)
        self.nickname = user.nickname
        self.name = user.name


class ProposalAdminNoteView(View):
    graphql_type = "ProposalAdminNote"

    def __init__(self, ctx: RequestContext, note: ProposalNote) -> None:
        super().__init__(ctx)
        self.note = note
        self.id = str(note.id)
        self.body = note.body

    @property
    def created_at(self) -> str | None:
        return self.ctx.iso(self.note.created_at)

    @property
    def author(self) -> ProposalAdminUserView | None:
        author = self.store.note_author(self.note)
        return ProposalAdminUserView(self.ctx, author) if author is not None else None


class ProposalAdminView(View):
    graphql_type = "ProposalAdmin"

    def __init__(self, ctx: RequestContext, proposal: Proposal) -> None:
        super().__init__(ctx)
        self.proposal = proposal
        self.id = str(proposal.id)

    @property
    def evaluators(self) -> list[ProposalAdminUserView]:
        return [
            ProposalAdminUserView(self.ctx, u) for u in self.store.evaluators_of(self.proposal.id)
        ]

    @property
    def notes(self) -> list[ProposalAdminNoteView]:
        return [ProposalAdminNoteView(self.ctx, n) for n in self.store.notes_on(self.proposal.id)]


class ProposalAdminMutationView(View):
    """The writes; each runs as the signed-in API user and returns the state after it."""

    graphql_type = "ProposalAdminMutation"

    def __init__(self, ctx: RequestContext, proposal: Proposal) -> None:
        super().__init__(ctx)
        self.proposal = proposal

    def _people(self, nicknames: list[str] | None, user_ids: list[str] | None) -> list[str]:
        return [*(nicknames or []), *(str(i) for i in user_ids or [])]

    def assign_evaluators(
        self, nicknames: list[str] | None = None, user_ids: list[str] | None = None
    ) -> ProposalAdminView:
        people = self._people(nicknames, user_ids)
        self.store.assign_evaluators(self.proposal.id, people, by=self.ctx.api_user)
        return ProposalAdminView(self.ctx, self.proposal)

    def unassign_evaluators(
        self, nicknames: list[str] | None = None, user_ids: list[str] | None = None
    ) -> ProposalAdminView:
        people = self._people(nicknames, user_ids)
        self.store.unassign_evaluators(self.proposal.id, people, by=self.ctx.api_user)
        return ProposalAdminView(self.ctx, self.proposal)

    def create_note(self, body: str) -> ProposalAdminNoteView:
        assert self.ctx.api_user is not None  # mutation_proposal_admin refused anonymous callers
        note = self.store.create_note(self.proposal.id, body, by=self.ctx.api_user)
        return ProposalAdminNoteView(self.ctx, note)

    def answer(
        self,
        state: str,
        answer_content: dict[str, Any] | None = None,
        unless_states: list[str] | None = None,
    ) -> ProposalAdminAnswerView:
        """The guarded answer: not written while the proposal is in one of ``unless_states``."""
        proposal, written, now = self.store.answer_unless(
            self.proposal.id,
            by=self.ctx.api_user,
            state=state,
            answer_content=answer_content,
            unless_states=list(unless_states or ()),
        )
        return ProposalAdminAnswerView(self.ctx, proposal, written=written, state=now)


class ProposalAdminAnswerView(View):
    """The outcome of a guarded answer: written or not, and the state the proposal has."""

    graphql_type = "ProposalAdminAnswer"

    def __init__(
        self, ctx: RequestContext, proposal: Proposal, *, written: bool, state: str | None
    ) -> None:
        super().__init__(ctx)
        self.id = str(proposal.id)
        self.written = written
        self.state = state
        self.published = proposal.answer_published and proposal.answer_state is not None
