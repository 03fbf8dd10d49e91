"""Events the bridge caused itself, recognised from the outbox without reading Decidim.

When the writer's answer changes a proposal's state, Decidim sends
``proposal_state_changed`` (older versions: ``proposal_evaluating`` and the like). Reading
the proposal again for it costs one of the roughly 100 API requests a minute Decidim
allows and only ever concludes "unchanged" (the plan does not count the bridge's own
answer as a response). Comments are ignored by type already, and the Decidim module's
admin events say themselves when they are the bridge's (``admin_events``).

The rule (pure, ``is_own_state_event``): a state event is the bridge's own when

1. it names a state (``extra.state``, or the state in the type's name) equal to the state
   of the bridge's latest answer to the proposal that the writer tried (attempts > 0);
2. it arrived after that answer was recorded and at most ``OWN_EVENT_WINDOW`` seconds after
   the writer last touched the row (Decidim sends it while or right after the write);
3. it is the first state event of the proposal received since that answer was recorded: a
   second one means someone changed the state in between, so it is read as before.

Anything else is read as before. A person who answers with the same state as the bridge
changes no state, so Decidim sends no state event for it (the module's
``proposal_answer_saved`` reports it and is read).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Connection

from decidim_bridge.events import Event
from decidim_bridge.store import inbox as inbox_store
from decidim_bridge.store import outbox as outbox_store
from decidim_bridge.store.inbox import InboxRow

#: How long after the writer touched its answer Decidim's state event is taken as its echo.
OWN_EVENT_WINDOW = 300.0

_PREFIX = "decidim.events.proposals."
#: Event types that report a state change, and the state their name implies (None: read
#: ``extra.state``).
STATE_EVENT_TYPES: dict[str, str | None] = {
    _PREFIX + "proposal_state_changed": None,
    _PREFIX + "proposal_evaluating": "evaluating",
    _PREFIX + "proposal_accepted": "accepted",
    _PREFIX + "proposal_rejected": "rejected",
    "proposal_state_change.succeeded": None,
}


@dataclass(frozen=True)
class OwnAnswer:
    """The bridge's latest tried answer to a proposal, as the outbox knows it."""

    state: str
    recorded_at: float
    last_touched_at: float


def event_state(event: Event) -> str | None:
    """The state a state event reports (None: not a state event, or it does not say)."""
    if event.type not in STATE_EVENT_TYPES:
        return None
    named = STATE_EVENT_TYPES[event.type]
    extra: Any = event.extra if isinstance(event.extra, dict) else {}
    state = extra.get("state") or named
    return str(state) if state else None


def is_own_state_event(
    event: Event,
    *,
    received_at: float,
    answer: OwnAnswer | None,
    state_events_since_answer: int,
    window: float = OWN_EVENT_WINDOW,
) -> bool:
    """The rule above, over plain data. ``state_events_since_answer``: state events of the
    proposal received after the answer was recorded and before this one."""
    state = event_state(event)
    if state is None or answer is None or state != answer.state:
        return False
    if not answer.recorded_at <= received_at <= answer.last_touched_at + window:
        return False
    return state_events_since_answer == 0


def latest_own_answer(conn: Connection, *, tenant: str, proposal_id: str) -> OwnAnswer | None:
    """The bridge's latest answer write the writer tried, from the outbox."""
    rows = outbox_store.attempted_rows(
        conn, tenant=tenant, proposal_id=proposal_id, kinds=("decidim_answer",)
    )
    for row in reversed(rows):
        state = row.data.get("state")
        if state:
            touched = max(row.updated_at, row.done_at or 0.0)
            return OwnAnswer(str(state), recorded_at=row.created_at, last_touched_at=touched)
    return None


def own_state_event(conn: Connection, event: Event, row: InboxRow) -> bool:
    """Whether the inbox row ``row`` (of ``event``) is the echo of the bridge's own answer."""
    if event_state(event) is None:
        return False
    proposal_id = str(event.proposal_id or event.resource_id)
    answer = latest_own_answer(conn, tenant=row.tenant, proposal_id=proposal_id)
    if answer is None:
        return False
    earlier = inbox_store.count_earlier(
        conn,
        tenant=row.tenant,
        subject=row.subject,
        before_id=row.id,
        types=tuple(STATE_EVENT_TYPES),
        received_since=answer.recorded_at,
    )
    return is_own_state_event(
        event, received_at=row.received_at, answer=answer, state_events_since_answer=earlier
    )
