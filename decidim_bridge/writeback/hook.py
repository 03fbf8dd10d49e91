"""The pipeline's hook: record a new plan version's writes in the same transaction.

``prepare_writeback`` runs before the plan transaction opens: it may ask Decidim what it
can write (capabilities, detected once per client) and reads the message templates and the
link secret. ``WriteBack.record`` then runs inside the transaction that stores the plan
version, so a version is never committed without its writes, nor the other way round; it
only renders texts and inserts outbox rows. ``WriteBack.record_reply`` records the reply to
a private note with commands in the transaction that handles that note.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from decidim_bridge.config import Settings
from decidim_bridge.events import space_of
from decidim_bridge.plan.steering import NO_STEERING, Steering
from decidim_bridge.plan_versions import StoredPlan
from decidim_bridge.policy import policy_for
from decidim_bridge.proposals import Proposal
from decidim_bridge.rules.model import Mappings
from decidim_bridge.writeback.approvals import make_link_maker
from decidim_bridge.writeback.effects import LinkMaker, Options
from decidim_bridge.writeback.ledger import options_for, record_reply, record_writes
from decidim_bridge.writeback.subject import subject_of
from decidim_bridge.writeback.templates import MessageTemplates, message_templates


@dataclass(frozen=True)
class WriteBack:
    """Everything ``record`` needs, computed outside the plan transaction."""

    mappings: Mappings
    options: Options
    templates: MessageTemplates
    link_maker: LinkMaker | None = None

    def record(
        self,
        conn: Connection,
        stored: StoredPlan,
        *,
        tenant: str,
        proposal: Proposal | None,
        now: float,
        steering: Steering = NO_STEERING,
    ) -> list[int]:
        """Record the writes of a newly stored version; returns the new outbox row ids.

        An unchanged plan records nothing: its writes were recorded with it. ``steering``:
        what people decided in Decidim (the evaluator assignments respect it).
        """
        if not stored.created:
            return []
        subject = subject_of(
            stored.plan,
            self.mappings,
            tenant=tenant,
            version=stored.version,
            proposal=proposal,
            changes=stored.changes,
        )
        return record_writes(
            conn,
            stored.plan,
            subject,
            self.mappings,
            previous=stored.previous,
            options=self.options,
            templates=self.templates,
            link_maker=self.link_maker,
            current_answer=dict(proposal.answer) if proposal is not None else None,
            now=now,
            steering=steering,
            space=proposal_space(proposal, stored.plan.component_id),
        )

    def record_reply(
        self,
        conn: Connection,
        *,
        tenant: str,
        proposal_id: str,
        component_id: str,
        note_id: str,
        body: str,
        now: float,
        proposal: Proposal | None = None,
    ) -> list[int]:
        """Record the reply (``body``, rendered, starting with the marker) to the note
        ``note_id``: once per note; nothing without the module. The new outbox row ids.
        ``proposal``: as read from Decidim (its space decides the writer's turn)."""
        return record_reply(
            conn,
            options=self.options,
            tenant=tenant,
            proposal_id=proposal_id,
            component_id=component_id,
            note_id=note_id,
            body=body,
            now=now,
            space=proposal_space(proposal, component_id),
        )


def proposal_space(proposal: Proposal | None, component_id: str) -> str:
    """The key the writer takes turns by (``events.space_of``): the proposal's space as
    Decidim shows it, else its component."""
    if proposal is None:
        return space_of(None, None, component_id)
    return space_of(proposal.space.type, proposal.space.id, proposal.component_id or component_id)


def prepare_writeback(
    settings: Settings, mappings: Mappings, *, decidim: Any = None, now: float
) -> WriteBack:
    """Options from the settings and what this Decidim offers (``decidim``: the client, or
    None when the bridge has none: comments only), templates, and approval links when
    publication waits for the lead advisor's approval: by the setting, or in a space whose
    rule in scope.yaml says ``publication: after-approval`` (the subject of each plan
    carries its space's mode; ``effects`` falls back to the setting)."""
    capabilities = decidim.capabilities() if decidim is not None else None
    link_maker = None
    default_mode = policy_for(settings, mappings).publication_mode
    modes = {default_mode, *(r.publication for r in mappings.scope.act_on)}
    if "after-approval" in modes:
        link_maker = make_link_maker(settings, now=now)
    return WriteBack(
        mappings=mappings,
        options=options_for(settings, mappings, capabilities),
        templates=message_templates(mappings),
        link_maker=link_maker,
    )
