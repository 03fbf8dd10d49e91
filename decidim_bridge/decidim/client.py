"""``DecidimClient``: what the bridge asks of Decidim, in the bridge's own terms.

Each method runs one document of ``documents/`` through the transport (sign-in, shared
budget, breaker, safe retries) and maps the answer into plain dataclasses. Writes pick the
form this Decidim offers (capability detection, cached per client). Exceptions are those of
``decidim_bridge.errors``; ``NotFound`` when a space, component or proposal is not visible
to the API user (Decidim does not say whether it is missing, unpublished or hidden).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests

from decidim_bridge.config import Settings
from decidim_bridge.decidim import combine, mapping, operations, schemas
from decidim_bridge.decidim.breaker import CircuitBreaker
from decidim_bridge.decidim.budget import RequestBudget
from decidim_bridge.decidim.capabilities import Capabilities, conservative, detect
from decidim_bridge.decidim.limits import MAX_BATCH, MAX_PAGE_SIZE
from decidim_bridge.decidim.models import (
    AnswerResult,
    Comment,
    Component,
    GuardedAnswer,
    PrivateNote,
    ProposalAdmin,
    ProposalPage,
    SpacesOverview,
    WhoAmI,
)
from decidim_bridge.decidim.transport import GraphQLTransport, graphql_error
from decidim_bridge.errors import (
    CapabilityMissing,
    DecidimError,
    DecidimRejected,
    GraphQLError,
    NotFound,
)
from decidim_bridge.proposals import Proposal
from decidim_bridge.store import Database

log = logging.getLogger(__name__)

PROPOSAL_COMMENTABLE_TYPE = "Decidim::Proposals::Proposal"

_PROCESS_NAMES = {
    "participatory_process",
    "participatory_processes",
    "process",
    "processes",
    "participatoryprocess",
    "decidim::participatoryprocess",
}
_ASSEMBLY_NAMES = {"assembly", "assemblies", "decidim::assembly"}


@dataclass(frozen=True)
class Write:
    """One write, ready to send alone or as a part of a combined request: the document of
    ``documents/``, its variables, and how its top-level field's value becomes the result
    (raising the client's exceptions when Decidim did not do it)."""

    document: str
    variables: dict[str, Any]
    read: Callable[[Any], Any]


class _CapabilityCache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.value: Capabilities | None = None


class DecidimClient:
    """The bridge's only way to Decidim's API.

    ``share`` (0-1] limits this client to that part of the per-minute budget (a poller uses
    ``settings.poll_share`` so events keep room); ``wait=False`` makes a spent budget or a
    429 raise ``DecidimRateLimited`` instead of sleeping to the next minute.
    """

    def __init__(
        self,
        transport: GraphQLTransport,
        *,
        share: float = 1.0,
        wait: bool = True,
        _capabilities: _CapabilityCache | None = None,
    ) -> None:
        if not 0 < share <= 1:
            raise ValueError("share must be in (0, 1]")
        self.transport = transport
        self.share = share
        self.wait = wait
        self._capabilities = _capabilities or _CapabilityCache()

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        db: Database | None,
        *,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
        breaker: CircuitBreaker | None = None,
        share: float = 1.0,
        wait: bool = True,
    ) -> DecidimClient:
        """A client for ``settings.decidim_url``; the budget is shared through ``db``.

        Without a database there is no shared budget (only for one-off tools).
        """
        host = urlsplit(settings.decidim_url).netloc
        budget = None
        if db is not None:
            budget = RequestBudget(
                db,
                host=host,
                tenant=settings.tenant,
                per_minute=settings.decidim_requests_per_minute,
                window_seconds=settings.decidim_rate_window,
                clock=clock,
                sleep=sleep,
            )
        transport = GraphQLTransport(
            settings.decidim_url,
            api_key=settings.decidim_api_key,
            api_secret=settings.decidim_api_secret,
            tenant=settings.tenant,
            budget=budget,
            breaker=breaker,
            session=session,
            connect_timeout=settings.http_connect_timeout,
            read_timeout=settings.http_read_timeout,
            clock=clock,
            sleep=sleep,
            rng=rng,
        )
        return cls(transport, share=share, wait=wait)

    def limited(self, *, share: float | None = None, wait: bool | None = None) -> DecidimClient:
        """The same client (token, capabilities, budget, breaker) with other limits."""
        return DecidimClient(
            self.transport,
            share=self.share if share is None else share,
            wait=self.wait if wait is None else wait,
            _capabilities=self._capabilities,
        )

    def budget_spent_until(self) -> float | None:
        """When this client's share of the request budget is free again (None: now)."""
        budget = self.transport.budget
        return None if budget is None else budget.spent_until(share=self.share)

    @property
    def circuit_state(self) -> str:
        """closed, half_open or open (also exported as ``bridge_decidim_circuit_state``)."""
        return self.transport.breaker.state

    def close(self) -> None:
        self.transport.session.close()

    def execute(self, document: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run ``documents/<document>.graphql``; its ``data``."""
        return self.transport.execute(
            operations.get(document), variables, share=self.share, wait=self.wait
        )

    # --- reads ---------------------------------------------------------------------------

    def whoami(self) -> WhoAmI:
        """The API user and organization this client acts as."""
        return mapping.whoami(self.execute("whoami"))

    def fetch_proposal(self, proposal_id: str | int, component_id: str | int) -> Proposal | None:
        """One published proposal; None when the component or proposal is not visible."""
        data = self.execute(
            "proposal", {"componentId": str(component_id), "proposalId": str(proposal_id)}
        )
        if data.get("component") is None:
            return None
        component = self._proposals_component(data["component"], component_id)
        if component.get("proposal") is None:
            return None
        return mapping.proposal(
            component["proposal"],
            component_id=component["id"],
            in_space=mapping.component_space(component),
            component_url=component["url"],
        )

    def fetch_proposals(
        self, proposal_ids: Sequence[str | int], component_id: str | int
    ) -> dict[str, Proposal | None]:
        """Up to ``MAX_BATCH`` published proposals of one component in one request; each
        None when not visible (all None when the component is not)."""
        ids = list(dict.fromkeys(str(i) for i in proposal_ids))
        if not 1 <= len(ids) <= MAX_BATCH:
            raise ValueError(f"fetch_proposals takes 1..{MAX_BATCH} ids")
        slots = ids + [ids[0]] * (MAX_BATCH - len(ids))
        variables = {f"p{index}": value for index, value in enumerate(slots)}
        data = self.execute("proposals_batch", {"componentId": str(component_id), **variables})
        found: dict[str, Proposal | None] = dict.fromkeys(ids)
        if data.get("component") is None:
            return found
        component = self._proposals_component(data["component"], component_id)
        space = mapping.component_space(component)
        for index, proposal_id in enumerate(ids):
            raw = component.get(f"p{index}")
            if raw is not None:
                found[proposal_id] = mapping.proposal(
                    raw,
                    component_id=component["id"],
                    in_space=space,
                    component_url=component["url"],
                )
        return found

    def iter_proposals(
        self,
        component_id: str | int,
        *,
        order: dict[str, str] | None = None,
        published_since: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
    ) -> Iterator[Proposal]:
        """Every published proposal of a component, page by page (``first``/``after``).

        ``order`` is a ProposalSort such as ``{"id": "DESC"}``; ``published_since`` a date
        ``YYYY-MM-DD`` (Decidim filters proposals by publication day only).
        """
        after: str | None = None
        seen: set[str] = set()
        while True:
            page = self.fetch_proposals_page(
                component_id,
                order=order,
                published_since=published_since,
                page_size=page_size,
                after=after,
            )
            yield from page.proposals
            after = page.next_cursor
            if after is None:
                return
            if after in seen:
                raise DecidimError(f"Decidim repeated the page cursor {after!r}; stopping.")
            seen.add(after)

    def fetch_proposals_page(
        self,
        component_id: str | int,
        *,
        order: dict[str, str] | None = None,
        published_since: str | None = None,
        page_size: int = MAX_PAGE_SIZE,
        after: str | None = None,
    ) -> ProposalPage:
        """One page of a component's published proposals in one request: ``order`` a
        ProposalSort (``{"publishedAt": "DESC"}``: newest first; Decidim then orders by
        id), ``published_since`` a day ``YYYY-MM-DD`` (Decidim's ``publishedSince`` is
        parsed as a date: proposals published at or after that day's start), ``after``
        the previous page's cursor. The proposals are the same objects
        ``fetch_proposal`` gives (the ProposalFields fragment)."""
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be 1..{MAX_PAGE_SIZE}")
        variables: dict[str, Any] = {
            "componentId": str(component_id),
            "first": page_size,
            "after": after,
        }
        if order:
            variables["order"] = order
        if published_since:
            variables["filter"] = {"publishedSince": published_since}
        data = self.execute("proposals_page", variables)
        if data.get("component") is None:
            raise NotFound(f"Proposals component {component_id} is not visible in Decidim.")
        component = self._proposals_component(data["component"], component_id)
        connection = component.get("proposals")
        if connection is None:
            return ProposalPage((), None)
        in_space = mapping.component_space(component)
        proposals = tuple(
            mapping.proposal(
                node,
                component_id=component["id"],
                in_space=in_space,
                component_url=component["url"],
            )
            for node in connection["nodes"]
            if node is not None
        )
        info = connection["page_info"]
        cursor = info.get("end_cursor") if info["has_next_page"] else None
        return ProposalPage(proposals, cursor or None)

    def list_components(self, space_type: str, space_id_or_slug: str | int) -> list[Component]:
        """The components of a participatory process (by id or slug) or assembly."""
        kind = space_type.strip().lower().replace(" ", "")
        key = str(space_id_or_slug)
        if kind in _PROCESS_NAMES:
            variables = {"id": key} if key.isdigit() else {"slug": key}
            found = self.execute("process_components", variables).get("participatoryProcess")
        elif kind in _ASSEMBLY_NAMES:
            assembly_id = key if key.isdigit() else self._assembly_id(key)
            found = None
            if assembly_id is not None:
                found = self.execute("assembly_components", {"id": assembly_id}).get("assembly")
        else:
            raise ValueError(f"unknown participatory space type {space_type!r}")
        if found is None:
            raise NotFound(f"{space_type} {key} is not visible in Decidim.")
        loaded = mapping.load(schemas.SpaceWithComponentsSchema(), found, "components")
        return mapping.components(loaded)

    def list_spaces(self) -> SpacesOverview:
        """Every participatory process and assembly with its components, and the
        organization's taxonomies (``decidim-bridge decidim spaces``)."""
        loaded = mapping.load(schemas.SpacesSchema(), self.execute("spaces"), "spaces")
        return mapping.spaces_overview(loaded)

    def _assembly_id(self, slug: str) -> str | None:
        assemblies = self.execute("assemblies").get("assemblies") or []
        for entry in assemblies:
            loaded = mapping.load(schemas.SpaceSlugSchema(), entry, "assemblies")
            if loaded.get("slug") == slug:
                return str(loaded["id"])
        return None

    def list_comments(self, proposal_id: str | int, component_id: str | int) -> list[Comment]:
        """The proposal's top-level comments (to find one the bridge wrote before)."""
        data = self.execute(
            "proposal_comments",
            {"componentId": str(component_id), "proposalId": str(proposal_id)},
        )
        found = (data.get("component") or {}).get("proposal")
        if found is None:
            raise NotFound(f"Proposal {proposal_id} is not visible in Decidim.")
        loaded = mapping.load(schemas.CommentedProposalSchema(), found, "ProposalComments")
        return [mapping.comment(c) for c in loaded["comments"]]

    def proposal_admin(self, proposal_id: str | int) -> ProposalAdmin:
        """A proposal's evaluators and private notes (the decidim-bridge module)."""
        self._require_module("can_assign_evaluators", "can_write_notes")
        data = self.execute("proposal_admin", {"id": str(proposal_id)})
        found = data.get("proposalAdmin")
        if found is None:
            raise NotFound(f"Proposal {proposal_id} is not visible in Decidim.")
        return mapping.proposal_admin(found, "ProposalAdmin")

    # --- capabilities --------------------------------------------------------------------

    def capabilities(self, *, refresh: bool = False) -> Capabilities:
        """What this Decidim lets the bridge write; detected once, then cached."""
        with self._capabilities.lock:
            if self._capabilities.value is None or refresh:
                self._capabilities.value = self._detect()
            return self._capabilities.value

    def known_capabilities(self) -> Capabilities | None:
        """What this Decidim lets the bridge write, if learnt already (never asks)."""
        return self._capabilities.value

    def _detect(self) -> Capabilities:
        version: str | None = None
        try:
            info = self.execute("decidim_version").get("decidim") or {}
            version = mapping.load(schemas.DecidimInfoSchema(), info, "DecidimVersion")["version"]
        except GraphQLError as exc:
            log.info("decidim version not readable (%s)", ",".join(exc.codes) or "no code")
        try:
            data = self.execute("capabilities")
        except GraphQLError as exc:
            log.warning(
                "decidim refused introspection (%s); assuming comments only",
                ",".join(exc.codes) or exc.message,
            )
            return conservative(version)
        if not isinstance(data.get("__schema"), dict):
            log.warning("decidim answered introspection without a schema; assuming comments only")
            return conservative(version)
        found = detect(version, data)
        log.info(
            "decidim capabilities: version=%s answer_form=%s can_comment=%s",
            found.version,
            found.answer_form,
            found.can_comment,
        )
        return found

    # --- writes --------------------------------------------------------------------------

    def add_comment(self, proposal_id: str | int, body: str, locale: str) -> str:
        """Add a neutral comment to a proposal as the API user; the new comment's id.

        Not idempotent: after ``AmbiguousWrite`` read ``list_comments`` before trying again.
        """
        comment_id: str = self._write(self.comment_write(proposal_id, body, locale))
        return comment_id

    def comment_write(self, proposal_id: str | int, body: str, locale: str) -> Write:
        """``add_comment`` as a ``Write`` (alone or in ``write_combined``)."""
        if not body.strip():
            raise ValueError("a comment needs a body")
        if not self.capabilities().can_comment:
            raise CapabilityMissing("This Decidim does not offer addComment through its API.")

        def read(commentable: Any) -> str:
            if commentable is None:
                raise DecidimRejected(f"Proposal {proposal_id} cannot be commented on (not found).")
            added = commentable.get("addComment")
            if added is None:
                raise DecidimRejected(
                    f"Decidim did not add the comment to proposal {proposal_id} "
                    "(comments closed, or the API user may not comment)."
                )
            return str(mapping.load(schemas.AddedCommentSchema(), added, "AddComment")["id"])

        variables = {
            "id": str(proposal_id),
            "type": PROPOSAL_COMMENTABLE_TYPE,
            "body": body,
            "locale": locale,
        }
        return Write("add_comment", variables, read)

    def answer_proposal(
        self,
        component_id: str | int,
        proposal_id: str | int,
        state: str,
        answer_content: dict[str, str],
    ) -> AnswerResult:
        """Answer a proposal (state + text per locale) in the form this Decidim offers.

        Setting an answer converges: repeating it with the same values changes nothing.
        The result's state stays None while the component does not publish answers at once.
        """
        if not state:
            raise ValueError("an answer needs a state")
        form = self.capabilities().answer_form
        if form is None:
            raise CapabilityMissing("This Decidim does not let the API answer proposals.")
        ids = {"componentId": str(component_id), "proposalId": str(proposal_id)}
        if form == "input":
            attributes = {"state": state, "answerContent": dict(answer_content)}
            data = self.execute("answer_proposal", {**ids, "input": {"attributes": attributes}})
        else:
            data = self.execute(
                "answer_proposal_apiext",
                {**ids, "state": state, "answerContent": dict(answer_content)},
            )
        component = data.get("component") or {}
        if component.get("__typename") != "ProposalsMutation":
            raise DecidimRejected(f"Component {component_id} is not a proposals component.")
        target = component.get("proposal")
        if target is None:
            raise DecidimRejected(f"Proposal {proposal_id} is not visible to the API user.")
        answered = target.get("answer")
        if answered is None:
            raise DecidimRejected(f"Decidim did not apply the answer to proposal {proposal_id}.")
        return mapping.answer_result(
            mapping.load(schemas.AnsweredProposalSchema(), answered, "AnswerProposal")
        )

    def answer_guarded(
        self,
        proposal_id: str | int,
        state: str,
        answer_content: dict[str, str],
        *,
        unless_states: Sequence[str],
    ) -> GuardedAnswer:
        """Answer a proposal unless its state (saved, or withdrawn) is one of
        ``unless_states``: the decidim-bridge module checks and answers under one lock, so
        no read is needed first. Converges like ``answer_proposal``."""
        write = self.guarded_answer_write(
            proposal_id, state, answer_content, unless_states=unless_states
        )
        answered: GuardedAnswer = self._write(write)
        return answered

    def guarded_answer_write(
        self,
        proposal_id: str | int,
        state: str,
        answer_content: dict[str, str],
        *,
        unless_states: Sequence[str],
    ) -> Write:
        """``answer_guarded`` as a ``Write``."""
        if not state:
            raise ValueError("an answer needs a state")
        self._require_module("can_answer_guarded")

        def read(target: Any) -> GuardedAnswer:
            if target is None or target.get("answer") is None:
                raise DecidimRejected(f"Decidim did not answer proposal {proposal_id}.")
            loaded = mapping.load(schemas.GuardedAnswerSchema(), target["answer"], "Answer")
            return mapping.guarded_answer(loaded)

        variables = {
            "id": str(proposal_id),
            "state": state,
            "answerContent": dict(answer_content),
            "unlessStates": list(unless_states),
        }
        return Write("answer_proposal_guarded", variables, read)

    def assign_evaluators(self, proposal_id: str | int, nicknames: list[str]) -> ProposalAdmin:
        """Make these users evaluators of the proposal; the evaluators afterwards.

        Converges (assigning someone already assigned changes nothing), so it is safe to
        repeat after an ambiguous failure. A user without the evaluator role in the space is
        refused by Decidim (``DecidimRejected`` naming them), and then nobody is assigned.
        """
        admin: ProposalAdmin = self._write(self.evaluators_write(proposal_id, nicknames))
        return admin

    def unassign_evaluators(self, proposal_id: str | int, nicknames: list[str]) -> ProposalAdmin:
        """Remove these users as evaluators of the proposal; the evaluators afterwards."""
        write = self.evaluators_write(proposal_id, nicknames, unassign=True)
        admin: ProposalAdmin = self._write(write)
        return admin

    def evaluators_write(
        self, proposal_id: str | int, nicknames: list[str], *, unassign: bool = False
    ) -> Write:
        """``assign_evaluators`` (or ``unassign_evaluators``) as a ``Write``."""
        if not nicknames:
            raise ValueError("name at least one evaluator")
        self._require_module("can_assign_evaluators")
        field = "unassignEvaluators" if unassign else "assignEvaluators"

        def read(target: Any) -> ProposalAdmin:
            if target is None or target.get(field) is None:
                raise DecidimRejected(f"Decidim did not change the evaluators of {proposal_id}.")
            return mapping.proposal_admin(target[field], field)

        document = "unassign_evaluators" if unassign else "assign_evaluators"
        return Write(document, {"id": str(proposal_id), "nicknames": list(nicknames)}, read)

    def create_note(self, proposal_id: str | int, body: str) -> PrivateNote:
        """Write a private note on the proposal as the API user.

        Not idempotent: after ``AmbiguousWrite`` read ``proposal_admin`` before writing again.
        """
        note: PrivateNote = self._write(self.note_write(proposal_id, body))
        return note

    def note_write(self, proposal_id: str | int, body: str) -> Write:
        """``create_note`` as a ``Write``."""
        if not body.strip():
            raise ValueError("a note needs a body")
        self._require_module("can_write_notes")

        def read(target: Any) -> PrivateNote:
            if target is None or target.get("createNote") is None:
                raise DecidimRejected(f"Decidim did not add the note to proposal {proposal_id}.")
            note = target["createNote"]
            return mapping.private_note(
                mapping.load(schemas.AdminNoteSchema(), note, "CreateProposalNote")
            )

        return Write("create_proposal_note", {"id": str(proposal_id), "body": body}, read)

    def write_combined(self, writes: Sequence[Write]) -> list[Any]:
        """Run up to ``limits.MAX_ALIASES`` writes as ONE mutation request (one slot of the
        budget), in order; per write its result, or the exception it would have raised alone.

        A failure of the whole request (``AmbiguousWrite``, ``DecidimRateLimited``, an error
        that names no part and came without data, ...) is raised: it concerns every write.
        """
        parts = [
            combine.Part(f"w{index}", operations.get(w.document), w.variables)
            for index, w in enumerate(writes)
        ]
        operation, variables = combine.combine(parts)
        errors: list[Any] = []
        try:
            data = self.transport.execute(operation, variables, share=self.share, wait=self.wait)
        except GraphQLError as exc:
            if not isinstance(exc.data, dict):
                raise
            data, errors = exc.data, list(exc.errors or ())
        mine, other = combine.errors_by_alias(errors, [p.alias for p in parts])
        results: list[Any] = []
        for part, write in zip(parts, writes, strict=True):
            value = data.get(part.alias)
            found = mine[part.alias] or (other if value is None else [])
            if found:
                results.append(graphql_error(operation, found, value))
                continue
            try:
                results.append(write.read(value))
            except DecidimError as exc:
                results.append(exc)
        return results

    def _write(self, write: Write) -> Any:
        data = self.execute(write.document, write.variables)
        return write.read(data.get(combine.top_field(operations.get(write.document))))

    def _require_module(self, *needed: str) -> None:
        found = self.capabilities()
        if not any(getattr(found, name) for name in needed):
            raise CapabilityMissing(
                "This Decidim does not have the decidim-bridge module "
                "(evaluators and private notes through the API)."
            )

    # --- helpers -------------------------------------------------------------------------

    @staticmethod
    def _proposals_component(raw: dict[str, Any], component_id: str | int) -> dict[str, Any]:
        loaded: dict[str, Any] = mapping.load(schemas.ProposalComponentSchema(), raw, "component")
        if loaded["typename"] != "Proposals":
            raise DecidimRejected(
                f"Component {component_id} is a {loaded['typename']} component, not Proposals."
            )
        return loaded
