"""What a poller sweep learned about one proposal, and the events it stands for (pure).

Decidim's API has no ``updatedSince`` filter, so the poller reads every published proposal
of a component and compares each with the copy it kept from the last sweep. This module
holds that comparison and the synthesis of the events: plain data in, plain data out.

* new proposal                                       -> ``proposal_published``
  (on the component's first sweep and in ``backfill`` marked ``existing``: the bridge
  plans it, but writes nothing public on an answered or old one unless ``write_existing``)
* ``withdrawn`` became true (or, before 0.28, the state became ``withdrawn``)
                                                      -> ``proposal_withdrawn``
* published ``state`` or ``answeredAt`` changed      -> ``proposal_state_changed``
* what the plan reads changed (title, body, address, coordinates, taxonomies)
                                                      -> ``proposal_updated``

``updatedAt`` is kept but does not decide an edit: it also moves when a proposal is
commented on, and the API gives it in whole seconds, so an edit in the same second as the
previous sweep's read would not show in it. Each event gets a delivery key derived from the
component, the proposal and the values that changed: a sweep that is repeated (after a crash,
say) produces the same keys, and the inbox stores each event once.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from decidim_bridge.events import PROPOSAL_TYPE, space_of
from decidim_bridge.intake.proposal_json import proposal_to_json
from decidim_bridge.proposals import ParticipatorySpace, Proposal

EVENT_PREFIX = "decidim.events.proposals."
PUBLISHED = EVENT_PREFIX + "proposal_published"
UPDATED = EVENT_PREFIX + "proposal_updated"
STATE_CHANGED = EVENT_PREFIX + "proposal_state_changed"
WITHDRAWN = EVENT_PREFIX + "proposal_withdrawn"

#: Kinds of change, in the order their events are put in the inbox (and handled).
EVENT_TYPES = {
    "published": PUBLISHED,
    "updated": UPDATED,
    "state_changed": STATE_CHANGED,
    "withdrawn": WITHDRAWN,
}


@dataclass(frozen=True)
class SeenCopy:
    """What the poller keeps of a proposal between sweeps."""

    proposal_id: str
    updated_at: str | None
    state: str | None
    answered_at: str | None
    withdrawn: bool
    content: str

    @property
    def is_withdrawn(self) -> bool:
        # Before Decidim 0.28, withdrawing set the state to "withdrawn".
        return self.withdrawn or self.state == "withdrawn"


@dataclass(frozen=True)
class Synthesized:
    """One event ready for the inbox."""

    kind: str
    event_type: str
    delivery_key: str
    subject: str
    body: str
    body_sha256: str
    space: str = ""  # the participatory space (``events.space_of``), for the inbox's turns


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def content_fingerprint(proposal: Proposal) -> str:
    """A digest of what the plan reads from a proposal (not counters, not comments)."""
    content = {
        "title": proposal.title,
        "body": proposal.body,
        "address": proposal.address,
        "coordinates": [proposal.latitude, proposal.longitude],
        "taxonomies": sorted(t.id for t in proposal.taxonomies),
    }
    encoded = json.dumps(content, sort_keys=True, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(encoded).hexdigest()


def seen_copy(proposal: Proposal) -> SeenCopy:
    return SeenCopy(
        proposal_id=str(proposal.id),
        updated_at=_iso(proposal.updated_at),
        state=proposal.state,
        answered_at=_iso(proposal.answered_at),
        withdrawn=bool(proposal.withdrawn),
        content=content_fingerprint(proposal),
    )


def changes(previous: SeenCopy | None, current: SeenCopy) -> list[str]:
    """The kinds of change between the last seen copy and now, in ``EVENT_TYPES`` order."""
    if previous is None:
        return ["published"]
    found: list[str] = []
    if previous.content != current.content:
        found.append("updated")
    state_moved = (previous.state, previous.answered_at) != (current.state, current.answered_at)
    if state_moved and current.state != "withdrawn":
        found.append("state_changed")
    if current.is_withdrawn and not previous.is_withdrawn:
        found.append("withdrawn")
    return found


def delivery_key(
    kind: str, component_id: str, current: SeenCopy, *, write_existing: bool = False
) -> str:
    """Deterministic: the same change of the same proposal always has the same key (an
    explicit ``write_existing`` backfill is a change of its own)."""
    if kind == "published" and write_existing:
        values: tuple[Any, ...] = ("write-existing",)
    elif kind == "updated":
        values = (current.updated_at, current.content)
    elif kind == "state_changed":
        values = (current.state, current.answered_at)
    else:  # published and withdrawn happen once in a proposal's life
        values = ()
    basis = json.dumps([kind, str(component_id), current.proposal_id, *values])
    return "poll:" + hashlib.sha256(basis.encode("utf-8")).hexdigest()[:48]


def synthesize(
    kind: str,
    proposal: Proposal,
    *,
    previous: SeenCopy | None,
    current: SeenCopy,
    tenant: str,
    space: ParticipatorySpace,
    detected_by: str,
    existing: bool = False,
    write_existing: bool = False,
) -> Synthesized:
    """The foundation envelope for one change, as the forwarder would have sent it."""
    occurred = {
        "published": proposal.published_at,
        "state_changed": proposal.answered_at or proposal.updated_at,
    }.get(kind, proposal.updated_at)
    extra: dict[str, Any] = {
        "detected_by": detected_by,
        "state": current.state,
        "answered_at": current.answered_at,
        "updated_at": current.updated_at,
        "withdrawn": current.is_withdrawn,
        # As the sweep read it: the worker may plan from it without reading it again.
        "proposal": proposal_to_json(proposal),
    }
    if kind == "state_changed" and previous is not None:
        extra["previous_state"] = previous.state
    if existing and kind == "published":
        extra["existing"] = True
        if write_existing:
            extra["write_existing"] = True
    envelope = {
        "type": EVENT_TYPES[kind],
        # A proposal always has updatedAt; the epoch stands in only if Decidim sent none, so
        # that the body (and its digest) stays the same for the same change.
        "occurred_at": (occurred.isoformat() if occurred else "1970-01-01T00:00:00+00:00"),
        "organization": {"host": tenant},
        "resource": {"type": PROPOSAL_TYPE, "id": str(proposal.id), "url": proposal.url},
        "component": {"id": str(proposal.component_id), "manifest": "proposals"},
        "participatory_space": {"type": space.type, "id": space.id, "slug": space.slug},
        "extra": extra,
    }
    # Keys in the order built here and read from Decidim, not sorted: the order of a
    # proposal's translations is as Decidim gave it, so that it is planned as a read of
    # the same proposal would be (the body stays the same for the same change either way).
    body = json.dumps(envelope, ensure_ascii=False)
    return Synthesized(
        kind=kind,
        event_type=EVENT_TYPES[kind],
        delivery_key=delivery_key(
            kind,
            str(proposal.component_id),
            current,
            write_existing=existing and write_existing and kind == "published",
        ),
        subject=f"proposal:{proposal.id}",
        body=body,
        body_sha256=hashlib.sha256(body.encode("utf-8")).hexdigest(),
        space=space_of(space.type, space.id, str(proposal.component_id)),
    )


@dataclass(frozen=True)
class Decision:
    """What to do with one swept proposal: the events to store and the copy to keep."""

    proposal_id: str
    copy: SeenCopy
    events: tuple[Synthesized, ...]
    changed: bool  # whether the stored copy must be written


def decide(
    proposal: Proposal,
    previous: SeenCopy | None,
    *,
    tenant: str,
    mode: str,
    slug: str | None = None,
    write_existing: bool = False,
) -> Decision:
    """``mode``: ``poll`` (report changes), ``baseline`` (first sweep: report every
    proposal once as an existing one) or ``backfill`` (the same, also after the first
    sweep). ``write_existing``: the operator asked for public writes on existing ones."""
    current = seen_copy(proposal)
    existing = mode in ("baseline", "backfill")
    if mode == "baseline":
        kinds: list[str] = ["published"] if previous is None else []
    elif mode == "backfill":
        kinds = ["published"]
    elif mode == "poll":
        kinds = changes(previous, current)
    else:
        raise ValueError(f"unknown sweep mode {mode!r}")
    # The API may leave the slug out; the configured target knows it.
    space = replace(proposal.space, slug=proposal.space.slug or slug)
    detected_by = {"backfill": "backfill", "baseline": "baseline"}.get(mode, "poller")
    events = tuple(
        synthesize(
            kind,
            proposal,
            previous=previous,
            current=current,
            tenant=tenant,
            space=space,
            detected_by=detected_by,
            existing=existing,
            write_existing=write_existing,
        )
        for kind in kinds
    )
    return Decision(
        proposal_id=current.proposal_id,
        copy=current,
        events=events,
        changed=previous != current,
    )
