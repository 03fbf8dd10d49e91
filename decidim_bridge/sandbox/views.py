"""GraphQL objects of the sandbox: one small view class per SDL type, over the state records.

The executable schema is the SDL file itself (``schema.py``); fields resolve by name: the
field ``publishedAt`` of a ``ProposalView`` is its attribute or method ``published_at``, called
with the field's arguments in snake_case. A field the SDL gains but no view serves answers
with an error naming it (and ``tests/sandbox`` checks that every field is served).

Resolvers run under ``state.lock`` (the executor holds it for the whole request). What they
show follows Decidim's type definitions: only published, not hidden proposals of published
components and spaces; answers only once published; costs only when the component enables
them.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from graphql import GraphQLError

from decidim_bridge.decidim import error_codes
from decidim_bridge.sandbox import api_errors
from decidim_bridge.sandbox.admin_views import mutation_proposal_admin, query_proposal_admin
from decidim_bridge.sandbox.model import (
    ASSEMBLY_CLASS,
    COMMENT_CLASS,
    PROCESS_CLASS,
    PROPOSAL_CLASS,
    ApiUser,
    Comment,
    Component,
    Proposal,
    ProposalStateDef,
    Space,
    Taxonomy,
    User,
)
from decidim_bridge.sandbox.view_base import RequestContext, View

#: GraphQL type of each component manifest (ComponentInterface implementations in the SDL).
MANIFEST_TYPES = {"proposals": "Proposals", "meetings": "Meetings", "pages": "Pages"}


# --- texts ---------------------------------------------------------------------------------


class TranslatedFieldView(View):
    graphql_type = "TranslatedField"

    def __init__(self, ctx: RequestContext, texts: dict[str, str]) -> None:
        super().__init__(ctx)
        self.texts = {k: v for k, v in texts.items() if not k.startswith("machine_translations")}

    @property
    def locales(self) -> list[str]:
        return [k for k, v in self.texts.items() if v]

    def translations(self, locales: list[str] | None = None) -> list[LocalizedStringView]:
        keys = [k for k in self.texts if locales is None or k in locales]
        return [LocalizedStringView(self.ctx, k, self.texts[k]) for k in keys]

    def translation(self, locale: str) -> str | None:
        return self.texts.get(locale) or None


class LocalizedStringView(View):
    graphql_type = "LocalizedString"

    def __init__(self, ctx: RequestContext, locale: str, text: str | None) -> None:
        super().__init__(ctx)
        self.locale = locale
        self.text = text
        self.machine_translated = False


def translated(ctx: RequestContext, texts: dict[str, str] | None) -> TranslatedFieldView | None:
    return TranslatedFieldView(ctx, texts) if texts else None


# --- root types ----------------------------------------------------------------------------


class QueryView(View):
    graphql_type = "Query"

    def organization(self) -> OrganizationView:
        return OrganizationView(self.ctx)

    def session(self) -> SessionView | None:
        return SessionView(self.ctx) if self.ctx.api_user is not None else None

    def decidim(self) -> DecidimView:
        return DecidimView(self.ctx)

    def component(self, id: str) -> ComponentView | None:
        component = self.store.visible_component(id)
        return ComponentView(self.ctx, component) if component is not None else None

    def participatory_processes(
        self, filter: dict[str, Any] | None = None, order: dict[str, Any] | None = None
    ) -> list[SpaceView]:
        return self._spaces(PROCESS_CLASS, "ParticipatoryProcess", filter, order)

    def participatory_process(self, id: str | None = None, slug: str | None = None) -> SpaceView:
        return self._space(PROCESS_CLASS, "ParticipatoryProcess", id, slug)

    def assemblies(
        self, filter: dict[str, Any] | None = None, order: dict[str, Any] | None = None
    ) -> list[SpaceView]:
        return self._spaces(ASSEMBLY_CLASS, "Assembly", filter, order)

    def assembly(self, id: str | None = None) -> SpaceView:
        return self._space(ASSEMBLY_CLASS, "Assembly", id, None)

    def _spaces(
        self,
        space_type: str,
        graphql_type: str,
        filter: dict[str, Any] | None,
        order: dict[str, Any] | None,
    ) -> list[SpaceView]:
        spaces = _filter_published(
            self.ctx, self.store.visible_spaces(space_type), filter, lambda s: s.published_at
        )
        keys: dict[str, Callable[[Space], Any]] = {
            "id": lambda s: s.id,
            "publishedAt": lambda s: s.published_at or 0,
            "startDate": lambda s: s.published_at or 0,
        }
        spaces = _sort(spaces, order, keys)
        return [SpaceView(self.ctx, s, graphql_type) for s in spaces]

    def _space(
        self, space_type: str, graphql_type: str, id: str | None, slug: str | None
    ) -> SpaceView:
        for space in self.store.visible_spaces(space_type):
            if (id is not None and str(space.id) == str(id)) or (
                slug is not None and space.slug == slug
            ):
                return SpaceView(self.ctx, space, graphql_type)
        raise api_errors.not_found(graphql_type)

    def proposal_admin(self, id: str) -> Any:
        """The decidim-bridge module's read side (``admin_views.py``)."""
        return query_proposal_admin(self.ctx, id)


class MutationView(View):
    graphql_type = "Mutation"

    def _require_write_scope(self) -> None:
        # Anonymous callers get the api:read scope only; MutationType requires api:write.
        if self.ctx.api_user is None:
            raise api_errors.unauthorized_object("Mutation")

    def component(self, id: str) -> ProposalsMutationView:
        self._require_write_scope()
        component = self.store.visible_component(id)
        if component is None or component.manifest != "proposals":
            raise api_errors.not_found("ComponentMutation")
        return ProposalsMutationView(self.ctx, component)

    def commentable(
        self,
        id: str,
        type: str,
        locale: str | None = None,
        toggle_translations: bool | None = None,
    ) -> CommentableMutationView:
        self._require_write_scope()
        _check_locale(self.ctx, locale)
        if type == PROPOSAL_CLASS:
            if self.store.proposals.get(_int(id)) is None:
                raise api_errors.not_found("CommentableMutation")
        elif type == COMMENT_CLASS:
            if self.store.comments.get(_int(id)) is None:
                raise api_errors.not_found("CommentableMutation")
        else:
            raise api_errors.InternalServerError(f"uninitialized constant {type}")
        return CommentableMutationView(self.ctx, type, id, locale)

    def comment(
        self, id: str, locale: str | None = None, toggle_translations: bool | None = None
    ) -> CommentMutationView:
        self._require_write_scope()
        _check_locale(self.ctx, locale)
        comment = self.store.comments.get(_int(id))
        if comment is None or comment.hidden or comment.deleted:
            raise api_errors.not_found("CommentMutation")
        return CommentMutationView(self.ctx, comment)

    def proposal_admin(self, id: str) -> Any:
        """The decidim-bridge module's write side (``admin_views.py``)."""
        self._require_write_scope()
        return mutation_proposal_admin(self.ctx, id)


def _check_locale(ctx: RequestContext, locale: str | None) -> None:
    if locale is not None and locale not in ctx.state.organization.available_locales:
        raise api_errors.ApiError(
            error_codes.INVALID_LOCALE, f"The locale {locale!r} is not available"
        )
    if locale:
        ctx.locale = locale


class OrganizationView(View):
    graphql_type = "Organization"

    @property
    def name(self) -> TranslatedFieldView | None:
        return translated(self.ctx, self.store.organization.name)

    @property
    def taxonomies(self) -> list[TaxonomyView]:
        roots = [t for t in self.store.taxonomies.values() if t.parent_id is None]
        return [TaxonomyView(self.ctx, t) for t in sorted(roots, key=lambda t: (t.weight, t.id))]


class SessionView(View):
    graphql_type = "Session"

    @property
    def user(self) -> UserView | None:
        api_user = self.ctx.api_user
        return UserView(self.ctx, api_user) if api_user is not None else None


class DecidimView(View):
    graphql_type = "Decidim"

    @property
    def application_name(self) -> str:
        return self.ctx.application_name

    @property
    def version(self) -> str | None:
        return self.ctx.version


class UserView(View):
    graphql_type = "User"

    def __init__(self, ctx: RequestContext, user: User | ApiUser) -> None:
        super().__init__(ctx)
        self.user = user
        self.id = str(user.id)
        self.name = user.name
        self.nickname = f"@{user.nickname}"
        self.deleted = bool(getattr(user, "deleted", False))
        self.avatar_url = f"{ctx.state.base_url}/images/default-avatar.svg"
        self.profile_path = f"/profiles/{user.nickname}"
        self.badge = ""

    @property
    def organization_name(self) -> TranslatedFieldView:
        return TranslatedFieldView(self.ctx, self.store.organization.name)


class TaxonomyView(View):
    graphql_type = "Taxonomy"

    def __init__(self, ctx: RequestContext, taxonomy: Taxonomy) -> None:
        super().__init__(ctx)
        self.taxonomy = taxonomy
        self.id = str(taxonomy.id)
        self.is_root = taxonomy.parent_id is None

    @property
    def name(self) -> TranslatedFieldView:
        return TranslatedFieldView(self.ctx, self.taxonomy.name)

    @property
    def parent(self) -> TaxonomyView | None:
        parent = self.store.taxonomies.get(self.taxonomy.parent_id or -1)
        return TaxonomyView(self.ctx, parent) if parent is not None else None

    @property
    def children(self) -> list[TaxonomyView]:
        found = [t for t in self.store.taxonomies.values() if t.parent_id == self.taxonomy.id]
        return [TaxonomyView(self.ctx, t) for t in sorted(found, key=lambda t: (t.weight, t.id))]


# --- spaces and components -----------------------------------------------------------------


class SpaceView(View):
    def __init__(self, ctx: RequestContext, space: Space, graphql_type: str) -> None:
        super().__init__(ctx)
        self.space = space
        self.graphql_type = graphql_type
        self.id = str(space.id)
        self.type = space.type
        self.slug = space.slug

    @property
    def title(self) -> TranslatedFieldView:
        return TranslatedFieldView(self.ctx, self.space.title)

    @property
    def subtitle(self) -> TranslatedFieldView | None:
        return translated(self.ctx, self.space.subtitle)

    @property
    def published_at(self) -> str | None:
        return self.ctx.iso(self.space.published_at)

    def components(
        self, filter: dict[str, Any] | None = None, order: dict[str, Any] | None = None
    ) -> list[ComponentView]:
        found = self.store.components_of(self.space.id)
        filter = filter or {}
        if filter.get("type") is not None:
            found = [c for c in found if MANIFEST_TYPES.get(c.manifest) == filter["type"]]
        if filter.get("name"):
            needle = str(filter["name"]).lower()
            found = [c for c in found if needle in c.name.get(self.ctx.locale, "").lower()]
        if filter.get("withGeolocationEnabled"):
            found = []  # the sandbox's components have geocoding disabled
        found = _filter_published(self.ctx, found, filter, lambda c: c.published_at)
        keys: dict[str, Callable[[Component], Any]] = {
            "id": lambda c: c.id,
            "weight": lambda c: c.weight,
            "type": lambda c: c.manifest,
            "name": lambda c: c.name.get(self.ctx.locale, ""),
            "publishedAt": lambda c: c.published_at or 0,
        }
        return [ComponentView(self.ctx, c) for c in _sort(found, order, keys)]


class ComponentView(View):
    """A component; ``proposals``/``proposal`` are only reachable on the Proposals type."""

    def __init__(self, ctx: RequestContext, component: Component) -> None:
        super().__init__(ctx)
        self.component = component
        self.graphql_type = MANIFEST_TYPES[component.manifest]
        self.id = str(component.id)
        self.weight = component.weight
        self.visible = True

    @property
    def name(self) -> TranslatedFieldView:
        return TranslatedFieldView(self.ctx, self.component.name)

    @property
    def participatory_space(self) -> SpaceView:
        return SpaceView(self.ctx, self.store.space_of(self.component), "ParticipatorySpace")

    @property
    def url(self) -> str:
        return self.store.component_url(self.component)

    @property
    def published_at(self) -> str | None:
        return self.ctx.iso(self.component.published_at)

    @property
    def created_at(self) -> str | None:
        return self.ctx.iso(self.component.created_at)

    @property
    def updated_at(self) -> str | None:
        return self.ctx.iso(self.component.updated_at)

    def proposals(
        self,
        filter: dict[str, Any] | None = None,
        order: dict[str, Any] | None = None,
        first: int | None = None,
        after: str | None = None,
        last: int | None = None,
        before: str | None = None,
    ) -> ConnectionView:
        found = self.store.visible_proposals(self.component.id)
        found = _filter_published(self.ctx, found, filter, lambda p: p.published_at)
        votes_hidden = self.component.settings.votes_hidden
        keys: dict[str, Callable[[Proposal], Any]] = {
            "id": lambda p: p.id,
            "publishedAt": lambda p: p.published_at or 0,
            "likeCount": lambda p: 0,
        }
        if not votes_hidden:
            keys["voteCount"] = lambda p: p.vote_count
        found = _sort(found, order, keys, ignore=() if not votes_hidden else ("voteCount",))
        return paginate(
            self.ctx,
            found,
            first=first,
            after=after,
            last=last,
            before=before,
            node=lambda p: ProposalView(self.ctx, p),
        )

    def proposal(self, id: str) -> ProposalView | None:
        proposal = self.store.visible_proposal(id, self.component.id)
        return ProposalView(self.ctx, proposal) if proposal is not None else None


# --- connections ---------------------------------------------------------------------------


class ConnectionView(View):
    graphql_type = "ProposalConnection"

    def __init__(self, ctx: RequestContext, edges: list[EdgeView], page_info: PageInfoView) -> None:
        super().__init__(ctx)
        self.edges = edges
        self.page_info = page_info

    @property
    def nodes(self) -> list[Any]:
        return [edge.node for edge in self.edges]


class EdgeView(View):
    graphql_type = "ProposalEdge"

    def __init__(self, ctx: RequestContext, cursor: str, node: Any) -> None:
        super().__init__(ctx)
        self.cursor = cursor
        self.node = node


class PageInfoView(View):
    graphql_type = "PageInfo"

    def __init__(
        self,
        ctx: RequestContext,
        *,
        has_next: bool,
        has_previous: bool,
        start: str | None,
        end: str | None,
    ) -> None:
        super().__init__(ctx)
        self.has_next_page = has_next
        self.has_previous_page = has_previous
        self.start_cursor = start
        self.end_cursor = end


def encode_cursor(position: int) -> str:
    """graphql-ruby's cursor: the 1-based position, base64 (URL-safe, no padding)."""
    return base64.urlsafe_b64encode(str(position).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        return max(0, int(base64.urlsafe_b64decode(padded.encode()).decode()))
    except (ValueError, UnicodeDecodeError):
        return 0


def paginate(
    ctx: RequestContext,
    items: list[Any],
    *,
    first: int | None,
    after: str | None,
    last: int | None,
    before: str | None,
    node: Callable[[Any], Any],
) -> ConnectionView:
    """A Relay connection page the way graphql-ruby cuts it: ``first``/``last`` above
    ``max_per_page`` are lowered to it and negative ones raised to 0, silently (graphql-ruby's
    ``limit_pagination_argument``); without either, a full page."""
    cap = ctx.max_per_page
    after_pos = decode_cursor(after)
    before_pos = decode_cursor(before)
    start = after_pos or 0
    end = len(items) if before_pos is None else min(len(items), max(start, before_pos - 1))
    if first is None and last is None:
        first = cap
    if first is not None:
        first = max(0, min(first, cap))
    if last is not None:
        last = max(0, min(last, cap))
    lo, hi = start, end
    if first is not None:
        hi = min(hi, lo + first)
    if last is not None:
        lo = max(lo, hi - last)
    page = items[lo:hi]
    edges = [EdgeView(ctx, encode_cursor(lo + i + 1), node(item)) for i, item in enumerate(page)]
    has_next = hi < end if first is not None else before_pos is not None and hi < len(items)
    has_previous = (after_pos or 0) > 0 if last is None else lo > start
    info = PageInfoView(
        ctx,
        has_next=has_next,
        has_previous=has_previous,
        start=edges[0].cursor if edges else None,
        end=edges[-1].cursor if edges else None,
    )
    return ConnectionView(ctx, edges, info)


# --- the proposal --------------------------------------------------------------------------


class CoordinatesView(View):
    graphql_type = "Coordinates"

    def __init__(self, ctx: RequestContext, latitude: float | None, longitude: float | None):
        super().__init__(ctx)
        self.latitude = latitude
        self.longitude = longitude


class ProposalStateView(View):
    graphql_type = "ProposalState"

    def __init__(self, ctx: RequestContext, definition: ProposalStateDef, component_id: int):
        super().__init__(ctx)
        self.definition = definition
        self.component_id = component_id
        self.id = str(definition.id)
        self.bg_color = definition.bg_color
        self.text_color = definition.text_color

    @property
    def title(self) -> TranslatedFieldView | None:
        return translated(self.ctx, self.definition.title)

    @property
    def announcement_title(self) -> TranslatedFieldView | None:
        return translated(self.ctx, self.definition.announcement_title)

    @property
    def proposals_count(self) -> int:
        return sum(
            1
            for p in self.store.visible_proposals(self.component_id)
            if p.published_state == self.definition.token
        )


class _CommentableMixin(View):
    """CommentableInterface fields shared by proposals and comments."""

    commentable_type = ""

    def _commentable_id(self) -> int:
        raise NotImplementedError

    def _component(self) -> Component:
        raise NotImplementedError

    @property
    def type(self) -> str:
        return self.commentable_type

    @property
    def accepts_new_comments(self) -> bool:
        settings = self._component().settings
        return settings.comments_enabled and not settings.comments_blocked

    @property
    def comments_have_alignment(self) -> bool:
        return True

    @property
    def comments_have_votes(self) -> bool:
        return True

    def comments(
        self, order_by: str | None = None, single_comment_id: str | None = None
    ) -> list[CommentView]:
        found = self.store.visible_comments(self.commentable_type, self._commentable_id())
        if single_comment_id:
            found = [c for c in found if str(c.id) == str(single_comment_id)]
        if order_by == "recent":
            found = sorted(found, key=lambda c: (-c.created_at, -c.id))
        elif order_by == "best_rated":
            found = sorted(found, key=lambda c: (-(c.up_votes - c.down_votes), c.created_at))
        return [CommentView(self.ctx, c) for c in found]

    @property
    def has_comments(self) -> bool:
        return bool(self.store.visible_comments(self.commentable_type, self._commentable_id()))

    @property
    def user_allowed_to_comment(self) -> bool:
        return self.ctx.api_user is not None and self.accepts_new_comments


class ProposalView(_CommentableMixin):
    graphql_type = "Proposal"
    commentable_type = PROPOSAL_CLASS

    def __init__(self, ctx: RequestContext, proposal: Proposal) -> None:
        super().__init__(ctx)
        self.proposal = proposal
        self.id = str(proposal.id)
        self.address = proposal.address
        self.official = proposal.author_id is None
        self.created_in_meeting = False
        self.participatory_text_level = None
        self.position = None
        self.follows_count = proposal.follows_count

    def _commentable_id(self) -> int:
        return self.proposal.id

    def _component(self) -> Component:
        return self.store.components[self.proposal.component_id]

    @property
    def _costs_shown(self) -> bool:
        return self._component().settings.answers_with_costs and self.proposal.answer_published

    @property
    def title(self) -> TranslatedFieldView | None:
        return translated(self.ctx, self.proposal.title)

    @property
    def body(self) -> TranslatedFieldView | None:
        return translated(self.ctx, self.proposal.body)

    @property
    def state(self) -> str | None:
        return self.proposal.published_state

    @property
    def proposal_state(self) -> ProposalStateView | None:
        definition = self.ctx.state.state_def(self.proposal.published_state)
        if definition is None:
            return None
        return ProposalStateView(self.ctx, definition, self.proposal.component_id)

    @property
    def answer(self) -> TranslatedFieldView | None:
        if not self.proposal.answer_published:
            return None
        return translated(self.ctx, self.proposal.answer)

    @property
    def answered_at(self) -> str | None:
        if not self.proposal.answer_published:
            return None
        return self.ctx.iso(self.proposal.answered_at)

    @property
    def published_at(self) -> str | None:
        return self.ctx.iso(self.proposal.published_at)

    @property
    def withdrawn(self) -> bool:
        return self.proposal.withdrawn

    @property
    def withdrawn_at(self) -> str | None:
        return self.ctx.iso(self.proposal.withdrawn_at)

    @property
    def vote_count(self) -> int | None:
        return None if self._component().settings.votes_hidden else self.proposal.vote_count

    @property
    def cost(self) -> str | None:
        if not self._costs_shown or self.proposal.cost is None:
            return None
        whole, cents = f"{self.proposal.cost:,.2f}".split(".")
        return f"€ {whole.replace(',', '.')},{cents}"

    @property
    def cost_report(self) -> TranslatedFieldView | None:
        return translated(self.ctx, self.proposal.cost_report) if self._costs_shown else None

    @property
    def execution_period(self) -> TranslatedFieldView | None:
        return translated(self.ctx, self.proposal.execution_period) if self._costs_shown else None

    @property
    def url(self) -> str:
        return self.ctx.state.proposal_url(self.proposal)

    @property
    def total_comments_count(self) -> int:
        return self.ctx.state.total_comments(self.proposal.id)

    @property
    def author(self) -> UserView | None:
        user = self.ctx.state.users.get(self.proposal.author_id or -1)
        return UserView(self.ctx, user) if user is not None else None

    @property
    def authors(self) -> list[UserView]:
        author = self.author
        return [author] if author is not None else []

    @property
    def authors_count(self) -> int:
        return len(self.authors)

    @property
    def taxonomies(self) -> list[TaxonomyView]:
        found = [self.ctx.state.taxonomies.get(t) for t in self.proposal.taxonomy_ids]
        return [TaxonomyView(self.ctx, t) for t in found if t is not None]

    @property
    def likes(self) -> list[UserView]:
        return []

    @property
    def likes_count(self) -> int:
        return 0

    @property
    def coordinates(self) -> CoordinatesView:
        return CoordinatesView(self.ctx, self.proposal.latitude, self.proposal.longitude)

    @property
    def reference(self) -> str:
        return self.ctx.state.reference(self.proposal)

    @property
    def created_at(self) -> str | None:
        return self.ctx.iso(self.proposal.created_at)

    @property
    def updated_at(self) -> str | None:
        return self.ctx.iso(self.proposal.updated_at)


class CommentView(_CommentableMixin):
    graphql_type = "Comment"
    commentable_type = COMMENT_CLASS

    def __init__(self, ctx: RequestContext, comment: Comment) -> None:
        super().__init__(ctx)
        self.comment = comment
        self.id = str(comment.id)
        self.alignment = comment.alignment
        self.already_reported = False
        self.up_votes = comment.up_votes
        self.down_votes = comment.down_votes
        self.up_voted = False
        self.down_voted = False

    def _commentable_id(self) -> int:
        return self.comment.id

    def _component(self) -> Component:
        proposal = self.store.proposals[self.comment.root_proposal_id]
        return self.store.components[proposal.component_id]

    @property
    def body(self) -> str:
        texts = self.comment.body
        org = self.store.organization
        return (
            texts.get(self.ctx.locale)
            or texts.get(org.default_locale)
            or next((v for v in texts.values() if v), "")
        )

    @property
    def formatted_body(self) -> str:
        paragraphs = [p for p in self.body.split("\n\n") if p.strip()]
        rendered = "".join(
            "<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs
        )
        return f"<div>{rendered}</div>"

    @property
    def author(self) -> UserView:
        if self.comment.author_is_api_user:
            author: User | ApiUser | None = self.store.api_users.get(self.comment.author_id)
        else:
            author = self.store.users.get(self.comment.author_id)
        if author is None:
            author = User(self.comment.author_id, "Deleted participant", "deleted", deleted=True)
        return UserView(self.ctx, author)

    @property
    def formatted_created_at(self) -> str:
        moment = datetime.fromtimestamp(self.comment.created_at, self.ctx.tz)
        return moment.strftime("%d/%m/%Y %H:%M")

    @property
    def sgid(self) -> str:
        gid = f"gid://decidim-sandbox/{COMMENT_CLASS}/{self.comment.id}"
        return base64.b64encode(gid.encode()).decode()

    @property
    def url(self) -> str:
        return self.store.comment_url(self.comment)

    @property
    def total_comments_count(self) -> int:
        return len(self.store.visible_comments(COMMENT_CLASS, self.comment.id))

    @property
    def created_at(self) -> str | None:
        return self.ctx.iso(self.comment.created_at)

    @property
    def updated_at(self) -> str | None:
        return self.ctx.iso(self.comment.updated_at)


# --- mutation types ------------------------------------------------------------------------


class ProposalsMutationView(View):
    graphql_type = "ProposalsMutation"

    def __init__(self, ctx: RequestContext, component: Component) -> None:
        super().__init__(ctx)
        self.component = component
        self.id = str(component.id)

    @property
    def name(self) -> TranslatedFieldView:
        return TranslatedFieldView(self.ctx, self.component.name)

    def proposal(self, id: str) -> ProposalMutationView | None:
        proposal = self.store.visible_proposal(id, self.component.id)
        return ProposalMutationView(self.ctx, proposal) if proposal is not None else None


class ProposalMutationView(View):
    graphql_type = "ProposalMutation"

    def __init__(self, ctx: RequestContext, proposal: Proposal) -> None:
        super().__init__(ctx)
        self.proposal = proposal

    def answer(self, input: dict[str, Any]) -> ProposalView:
        answered = self.store.answer_proposal(
            self.proposal.id,
            by=self.ctx.api_user,
            attributes=dict(input.get("attributes") or {}),
            component_id=self.proposal.component_id,
        )
        return ProposalView(self.ctx, answered)


class CommentableMutationView(View):
    graphql_type = "CommentableMutation"

    def __init__(
        self, ctx: RequestContext, commentable_type: str, id: str, locale: str | None
    ) -> None:
        super().__init__(ctx)
        self.commentable_type = commentable_type
        self.id = str(id)
        self.locale = locale

    def add_comment(self, body: str, alignment: int | None = 0) -> CommentView | None:
        author = self.ctx.api_user
        if author is None:  # pragma: no cover - the mutation root refuses anonymous callers
            return None
        comment = self.store.add_comment(
            self.commentable_type,
            self.id,
            body,
            author=author,
            alignment=0 if alignment is None else alignment,
            locale=self.locale,
        )
        return CommentView(self.ctx, comment) if comment is not None else None


class CommentMutationView(View):
    graphql_type = "CommentMutation"

    def __init__(self, ctx: RequestContext, comment: Comment) -> None:
        super().__init__(ctx)
        self.comment = comment
        self.id = str(comment.id)

    def up_vote(self) -> CommentView:
        self.store.vote_comment(self.comment.id, up=True)
        return CommentView(self.ctx, self.comment)

    def down_vote(self) -> CommentView:
        self.store.vote_comment(self.comment.id, up=False)
        return CommentView(self.ctx, self.comment)


# --- filters and sorting -------------------------------------------------------------------


def _filter_published(
    ctx: RequestContext,
    items: list[Any],
    filter: dict[str, Any] | None,
    published_at: Callable[[Any], float | None],
) -> list[Any]:
    """``publishedSince`` (inclusive) / ``publishedBefore`` (exclusive) as local dates."""
    if not filter:
        return items
    since = _local_day_start(ctx, filter.get("publishedSince"), "publishedSince")
    before = _local_day_start(ctx, filter.get("publishedBefore"), "publishedBefore")
    result = []
    for item in items:
        moment = published_at(item)
        if moment is None:
            continue
        if since is not None and moment < since:
            continue
        if before is not None and moment >= before:
            continue
        result.append(item)
    return result


def _local_day_start(ctx: RequestContext, value: Any, name: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        day = date.fromisoformat(str(value))
    except ValueError as exc:
        raise GraphQLError(f"Invalid date for {name}: {value!r} (use YYYY-MM-DD)") from exc
    return datetime(day.year, day.month, day.day, tzinfo=ctx.tz).timestamp()


def _sort(
    items: list[Any],
    order: dict[str, Any] | None,
    keys: dict[str, Callable[[Any], Any]],
    *,
    ignore: tuple[str, ...] = (),
) -> list[Any]:
    """The caller's sort keys first (in the order given), then ``id`` ascending."""
    result = sorted(items, key=lambda item: keys["id"](item))
    requested = [(k, v) for k, v in (order or {}).items() if v is not None and k not in ignore]
    for name, direction in reversed(requested):
        if name not in keys:
            continue
        value = str(direction).lower()
        if value not in ("asc", "desc"):
            raise GraphQLError(
                f"Direction '{direction}' is invalid. Valid directions are: ASC, DESC"
            )
        result = sorted(result, key=keys[name], reverse=value == "desc")
    return result


def _int(value: Any) -> int:
    try:
        return int(str(value))
    except ValueError:
        return -1
